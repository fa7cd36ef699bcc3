//! Live editing through the embedding API: a running instance takes a new program between
//! events (`InstanceHandle::swap`), keeping what carries and saying what does not.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphrun::{Host, Instance, Level, Program, Registry, RuntimeError, Swapped, Value};

fn load(text: &str) -> Program {
    Registry::standard()
        .load_str("live.ron", text)
        .unwrap_or_else(|d| panic!("{:?}", d.one_lines().collect::<Vec<_>>()))
}

#[derive(Default)]
struct Collect {
    out: Mutex<Vec<String>>,
}

impl Host for Collect {
    fn print(&self, text: &str) {
        self.out.lock().unwrap().push(text.to_string());
    }
    fn log(&self, level: Level, message: &str) {
        self.out.lock().unwrap().push(format!("{level}: {message}"));
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.out.lock().unwrap().push(format!("error: {} in `{}`", error.message, error.node_id));
    }
}

const BEFORE: &str = r#"Graph(format: 1, name: "Live",
    variables: {"Count": (type: Int), "Level": (type: Int, default: 5), "Gone": (type: String)},
    nodes: {
        "tick": (node: "Custom Event", exec: {"then": "set"}),
        "set": (node: "Set", var: "Count", inputs: {"Count": Link("plus", "Return Value")}, exec: {"then": "say"}),
        "plus": (node: "Add", inputs: {"A": Var("Count"), "B": 1}),
        "say": (node: "Print String", inputs: {"In String": "before"}),
        "bump": (node: "Custom Event", exec: {"then": "level"}),
        "level": (node: "Set", var: "Level", inputs: {"Level": 9}),
    })"#;

/// The edit: nodes added ahead of the old ones (every node number moves), the printed text
/// changed, `Level` retyped, `Gone` removed, `Added` new, and `bump` gone.
const AFTER: &str = r#"Graph(format: 1, name: "Live",
    variables: {"Count": (type: Int), "Level": (type: Float, default: 0.5), "Added": (type: String, default: "new")},
    nodes: {
        "a_first": (node: "Custom Event", exec: {"then": "a_say"}),
        "a_say": (node: "Print String", inputs: {"In String": Var("Added")}),
        "tick": (node: "Custom Event", exec: {"then": "set"}),
        "set": (node: "Set", var: "Count", inputs: {"Count": Link("plus", "Return Value")}, exec: {"then": "say"}),
        "plus": (node: "Add", inputs: {"A": Var("Count"), "B": 1}),
        "say": (node: "Print String", inputs: {"In String": "after"}),
        "end": (node: "Event EndPlay", exec: {"then": "last"}),
        "last": (node: "Print String", inputs: {"In String": Var("Count")}),
    })"#;

/// The edit reaches the running instance between events: what the handler prints changes,
/// `Count` carries, the retyped variable takes its new default and is listed with the
/// removed one, and a handle made before the swap still fires the event (its node number
/// translated) while one for the removed event is dropped.
#[tokio::test]
async fn a_swap_keeps_variables_of_the_same_name_and_type_and_lists_the_rest() {
    let (before, after) = (load(BEFORE), load(AFTER));
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&before, host.clone());
    let mut handle = instance.handle();
    let old = handle.clone();
    let alive = handle.keep_alive();
    let drive = async move {
        handle.fire("tick", vec![]).await.unwrap();
        handle.fire("tick", vec![]).await.unwrap();
        handle.fire("bump", vec![]).await.unwrap();
        let swapped = handle.swap(&after).await.unwrap();
        // Posted with the old program's numbers: translated, or dropped where gone.
        old.fire("tick", vec![]).await.unwrap();
        old.fire("bump", vec![]).await.unwrap();
        handle.fire("tick", vec![]).await.unwrap();
        let count = handle.variable("Count").await.unwrap();
        let level = handle.variable("Level").await.unwrap();
        let added = handle.variable("Added").await.unwrap();
        // An old handle reads the variables as it knew them.
        let old_count = old.variable("Count").await.unwrap();
        handle.stop();
        drop(alive);
        (swapped, count, level, added, old_count)
    };
    let (report, (swapped, count, level, added, old_count)) = tokio::join!(instance.run(), drive);
    assert_eq!(report.runtime_errors, 0);
    assert_eq!(
        swapped,
        Swapped {
            reset: vec!["Level".into()],
            removed: vec!["Gone".into()],
            timers: vec![],
            waits: vec![],
        }
    );
    assert_eq!(swapped.to_string(), "Level reset; Gone removed");
    assert_eq!(count, Value::Int(4));
    assert_eq!(old_count, Value::Int(4));
    assert_eq!(level, Value::Float(0.5));
    assert_eq!(added, Value::from("new"));
    assert_eq!(*host.out.lock().unwrap(), ["before", "before", "after", "after", "4"]);
}

/// A looping timer whose event is still there keeps ticking into the new program; one
/// whose event the edit removed is cleared and named.
#[tokio::test(start_paused = true)]
async fn timers_carry_when_their_event_does() {
    let text = |say: &str, other: &str| {
        format!(
            r#"Graph(format: 1, name: "Timers", nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "t1"}}),
                "t1": (node: "Set Timer by Event", inputs: {{"Event": Event("tick"), "Time": 1.0, "Looping": true}}, exec: {{"then": "t2"}}),
                "t2": (node: "Set Timer by Event", inputs: {{"Event": Event("{other}"), "Time": 1.0, "Looping": true}}),
                "tick": (node: "Custom Event", exec: {{"then": "say"}}),
                "say": (node: "Print String", inputs: {{"In String": "{say}"}}),
                "{other}": (node: "Custom Event", exec: {{"then": "o"}}),
                "o": (node: "Print String", inputs: {{"In String": "{other}"}}),
            }})"#
        )
    };
    let before = load(&text("one", "other"));
    // `other` is gone in the new program (its timer node now names `renamed`).
    let after = load(&text("two", "renamed"));
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&before, host.clone());
    let mut handle = instance.handle();
    let drive = async move {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let swapped = handle.swap(&after).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2000)).await;
        handle.stop();
        swapped
    };
    let (_, swapped) = tokio::join!(instance.run(), drive);
    assert_eq!(swapped.timers, ["other"]);
    assert_eq!(
        *host.out.lock().unwrap(),
        ["one", "other", "one", "other", "two", "two"]
    );
}

/// A swap is refused once the run has ended, and for a program whose registry has other
/// classes.
#[tokio::test]
async fn a_swap_is_refused_when_it_cannot_apply() {
    let program = load(BEFORE);
    let mut instance = Instance::new(&program, Arc::new(Collect::default()));
    instance.run().await;
    assert_eq!(instance.swap(&program).unwrap_err(), "the run has ended");
    let other = graphrun::Registry::builder()
        .install(&graphrun::StandardLibrary)
        .install(&graphrun_socket::SocketLibrary::default())
        .build()
        .load_str("live.ron", BEFORE)
        .unwrap();
    let mut fresh = Instance::new(&program, Arc::new(Collect::default()));
    assert_eq!(
        fresh.swap(&other).unwrap_err(),
        "the new program's registry has other classes"
    );
}
