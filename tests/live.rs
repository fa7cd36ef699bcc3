//! Live editing through the embedding API: a running instance takes a new program between
//! events (`InstanceHandle::swap`), keeping what carries and saying what does not.

use std::sync::Arc;
use std::time::Duration;

use graphrun::{Instance, Program, Registry, Swapped, Value};

use crate::echo::echo_server;
use crate::embedding::Collect;

fn load(text: &str) -> Program {
    Registry::standard()
        .load_str("live.ron", text)
        .unwrap_or_else(|d| panic!("{:?}", d.one_lines().collect::<Vec<_>>()))
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

/// The connected graph `run --watch` runs: every 0.1 s it sends "ping" to the echo server,
/// and each reply counts, printing `say` and then the count. With `first`, nodes come
/// before the others: every node's number moves (the delegates Connect bound with them).
fn connected_graph(say: &str, level: &str, first: &str) -> String {
    format!(
        r#"Graph(format: 1, name: "LiveEcho",
    variables: {{
        "Socket": (type: Object("M2_StringWebSocketConnection")),
        "Url": (type: String),
        "Count": (type: Int),
        "Level": {level},
    }},
    nodes: {{
        {first}
        "begin": (node: "Event BeginPlay", exec: {{"then": "make"}}),
        "make": (node: "Construct Object", inputs: {{"Class": "M2_StringWebSocketConnection"}}, exec: {{"then": "keep"}}),
        "keep": (node: "Set", var: "Socket", inputs: {{"Socket": Link("make", "Return Value")}}, exec: {{"then": "connect"}}),
        "connect": (node: "Connect String Websocket", inputs: {{
            "Target": Var("Socket"), "Url": Var("Url"),
            "On Connected": Event("up"), "On Message Received": Event("message"),
        }}),
        "up": (node: "Custom Event", exec: {{"then": "timer"}}),
        "timer": (node: "Set Timer by Event", inputs: {{"Event": Event("tick"), "Time": 0.1, "Looping": true}}),
        "tick": (node: "Custom Event", exec: {{"then": "send"}}),
        "send": (node: "Send Message", inputs: {{"Target": Var("Socket"), "Message": "ping"}}),
        "message": (node: "Custom Event", exec: {{"then": "count"}}),
        "count": (node: "Set", var: "Count", inputs: {{"Count": Link("plus", "Return Value")}}, exec: {{"then": "say"}}),
        "plus": (node: "Add", inputs: {{"A": Var("Count"), "B": 1}}),
        "say": (node: "Print String", inputs: {{"In String": "{say}"}}, exec: {{"then": "show"}}),
        "show": (node: "Print String", inputs: {{"In String": Var("Count")}}),
    }})"#
    )
}

/// `graphrun run --watch`: an edit of the message handler's text reaches the running graph
/// over the connection it has (the server saw one connection), the count goes on from where
/// it was, the retyped variable is reset and named, and a change that does not check is
/// not applied while the run goes on.
#[test]
fn run_watch_swaps_the_edited_graph_into_the_running_one() {
    let (port, connections) = echo_server();
    let dir = std::env::temp_dir().join(format!("graphrun-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("live.ron");
    std::fs::write(&file, connected_graph("before", "(type: Int, default: 3)", "")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", "--watch", "--timeout", "60"])
        .arg(&file)
        .arg(format!("--set=Url=ws://127.0.0.1:{port}/"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use crate::lines::{lines_of, wait_for};
    let out = lines_of(child.stdout.take().unwrap());
    let err = lines_of(child.stderr.take().unwrap());
    let is_count = |l: &str| l.parse::<i64>().is_ok();
    // Two replies handled by the program it started with.
    wait_for(&out, |l| l == "2");

    // A change that does not check: not applied, and the run goes on.
    std::fs::write(&file, "Graph(format: 1, name: \"LiveEcho\", nodes: {").unwrap();
    let said = wait_for(&err, |l| l.contains("does not check"));
    assert!(
        said.last()
            .unwrap()
            .contains("not applied; the run goes on with the program it had"),
        "{said:?}"
    );
    let seen = wait_for(&out, |l| l == "before");
    assert!(!seen.iter().any(|l| l == "after"), "{seen:?}");

    // The edit, saved as editors do (a new file renamed over the old one).
    let new = dir.join("live.ron.new");
    let first = r#""a_note": (node: "Custom Event", exec: {"then": "a_say"}),
        "a_say": (node: "Print String", inputs: {"In String": "unused"}),"#;
    std::fs::write(&new, connected_graph("after", "(type: Float, default: 0.5)", first)).unwrap();
    std::fs::rename(&new, &file).unwrap();
    let said = wait_for(&err, |l| l.contains("applied at"));
    let applied = said.last().unwrap();
    assert!(applied.ends_with("UTC; Level reset"), "{applied}");
    let seen = wait_for(&out, |l| l == "after");
    let before: Vec<i64> = seen.iter().filter_map(|l| l.parse().ok()).collect();
    let next: i64 = wait_for(&out, is_count).last().unwrap().parse().unwrap();
    assert_eq!(
        next,
        before.last().unwrap() + 1,
        "the count went on: {seen:?} then {next}"
    );

    let _ = std::process::Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one connection, never a second"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two handles swap in turn: each names the program it swapped in (its generation is the
/// instance's, not its own count of swaps).
#[tokio::test]
async fn handles_that_swap_in_turn_each_name_their_own_program() {
    let (before, after) = (load(BEFORE), load(AFTER));
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&before, host.clone());
    let (mut first, mut second) = (instance.handle(), instance.handle());
    let alive = first.keep_alive();
    let drive = async move {
        first.swap(&after).await.unwrap();
        second.swap(&before).await.unwrap();
        // `second` names BEFORE's events, the program running now.
        second.fire("bump", vec![]).await.unwrap();
        let level = second.variable("Level").await.unwrap();
        second.stop();
        drop(alive);
        level
    };
    let (_, level) = tokio::join!(instance.run(), drive);
    assert_eq!(level, Value::Int(9));
}

/// An impure node's output, read by a later event, carries through a swap while the node
/// keeps its outputs' types; when the edit changes them (another class constructed), the
/// old value is not carried, and reading it is the runtime error an unset output gives.
#[tokio::test]
async fn an_impure_nodes_output_carries_while_its_type_does() {
    let text = |class: &str, say: &str| {
        format!(
            r#"Graph(format: 1, name: "Outputs", nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "make"}}),
                "make": (node: "Construct Object", inputs: {{"Class": "{class}"}}),
                "check": (node: "Custom Event", exec: {{"then": "say"}}),
                "say": (node: "Print String", inputs: {{"In String": Link("valid", "Return Value")}}, exec: {{"then": "tag"}}),
                "valid": (node: "Is Valid", inputs: {{"Object": Link("make", "Return Value")}}),
                "tag": (node: "Print String", inputs: {{"In String": "{say}"}}),
            }})"#
        )
    };
    let registry = graphrun::Registry::builder()
        .install(&graphrun::StandardLibrary)
        .install(&graphrun_socket::SocketLibrary::default())
        .build();
    let load = |t: String| registry.load_str("outputs.ron", &t).unwrap();
    let json = "M2_JsonWebSocketConnection";
    let before = load(text(json, "before"));
    let same = load(text(json, "after"));
    let other = load(text("M2_StringWebSocketConnection", "other"));
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&before, host.clone());
    let mut handle = instance.handle();
    let alive = handle.keep_alive();
    let drive = async move {
        // Each call waits for the end of its chain.
        handle.call("check", vec![]).await.unwrap();
        handle.swap(&same).await.unwrap();
        handle.call("check", vec![]).await.unwrap();
        handle.swap(&other).await.unwrap();
        let answer = handle.call("check", vec![]).await.unwrap();
        handle.stop();
        drop(alive);
        answer.error().map(|e| e.message.clone())
    };
    let (report, error) = tokio::join!(instance.run(), drive);
    assert!(
        error
            .as_ref()
            .is_some_and(|e| e.contains("not set") || e.contains("unset")),
        "{error:?}"
    );
    let out = host.out.lock().unwrap().clone();
    assert_eq!(out[..4], ["true", "before", "true", "after"]);
    assert_eq!(out.len(), 5, "{out:?}");
    assert!(out[4].starts_with("error: ") && out[4].contains("`make`"), "{out:?}");
    assert_eq!(report.runtime_errors, 1);
}

/// Runs `instance` to its end, `after` swapped in at `at` on the run's clock (paused tokio
/// time: the same moment of the run every time); how the run ended and what the swap said.
async fn run_swapping_at(instance: &mut Instance, after: &Program, at: Duration) -> (graphrun::RunReport, Swapped) {
    let mut handle = instance.handle();
    let drive = async move {
        tokio::time::sleep(at).await;
        handle.swap(after).await.unwrap()
    };
    tokio::join!(instance.run(), drive)
}

/// A Delay waiting when the edit comes goes on into the new program (what follows it is
/// the new text); one whose node the edit removed is named, and what followed it does not
/// run.
#[tokio::test(start_paused = true)]
async fn a_delay_waiting_across_an_edit_goes_on_into_the_new_program_or_is_named() {
    let text = |wait: bool, say: &str| {
        let (then, delay) = if wait {
            (
                "wait",
                r#""wait": (node: "Delay", inputs: {"Duration": 1.0}, exec: {"Completed": "say"}),"#,
            )
        } else {
            ("say", "")
        };
        format!(
            r#"Graph(format: 1, name: "Waits", nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "{then}"}}),
                {delay}
                "say": (node: "Print String", inputs: {{"In String": "{say}"}}),
            }})"#
        )
    };
    let before = load(&text(true, "before"));
    for (after, printed, waits) in [
        (load(&text(true, "after")), vec!["after"], vec![]),
        (load(&text(false, "gone")), vec![], vec!["wait".to_string()]),
    ] {
        let host = Arc::new(Collect::default());
        let mut instance = Instance::new(&before, host.clone());
        let (report, swapped) = run_swapping_at(&mut instance, &after, Duration::from_millis(500)).await;
        assert_eq!(report.outcome, graphrun::Outcome::Idle);
        assert_eq!(swapped.waits, waits);
        assert_eq!(*host.out.lock().unwrap(), printed);
    }
}

/// A host's latent node whose work ends after an edit removed the node: its result is
/// dropped (the node is not there to go on from), and the log says so.
#[tokio::test(start_paused = true)]
async fn a_latent_result_for_a_removed_node_is_dropped_and_said() {
    use graphrun::{Flow, FnNode, NodeDoc, Signature};
    let registry = graphrun::Registry::builder()
        .install(&graphrun::StandardLibrary)
        .add_node(FnNode::fixed(
            "Slow",
            NodeDoc::new("Test", "goes on through then after a second, from a task"),
            Signature::then(),
            |_: &dyn graphrun::CompileCx| -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
                Ok(Box::new(|cx: &mut graphrun::Cx<'_>, _: graphrun::Entry| {
                    cx.spawn_latent(async {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        Box::new(|_: &mut graphrun::Cx<'_>| Ok(Flow::Then(0))) as graphrun::LatentFn
                    });
                    Ok(Flow::End)
                }))
            },
        ))
        .build();
    let load = |text: &str| registry.load_str("latent.ron", text).unwrap();
    let before = load(
        r#"Graph(format: 1, name: "Latent", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "slow"}),
            "slow": (node: "Slow", exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": "after the wait"}),
        })"#,
    );
    let after = load(
        r#"Graph(format: 1, name: "Latent", nodes: {
            "begin": (node: "Event BeginPlay"),
            "say": (node: "Print String", inputs: {"In String": "after the wait"}),
        })"#,
    );
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&before, host.clone());
    let (_, swapped) = run_swapping_at(&mut instance, &after, Duration::from_millis(500)).await;
    assert!(swapped.is_clean(), "{swapped}");
    assert_eq!(
        *host.out.lock().unwrap(),
        ["warning: node `slow` finished its wait after a live edit removed it: what followed it does not run"]
    );
}

/// A connection whose Connect node an edit removed goes on: its messages still fire the
/// Custom Event its Connect bound (by id, after every node's number moved), over the same
/// connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_goes_on_when_its_connect_node_is_removed() {
    let (port, connections) = echo_server();
    let text = |connect: bool| {
        let connect = if connect {
            r#""connect": (node: "Connect String Websocket", inputs: {
                "Target": Var("Socket"), "Url": Var("Url"),
                "On Connected": Event("up"), "On Message Received": Event("message"),
            }),"#
        } else {
            r#""a_first": (node: "Custom Event"),"#
        };
        format!(
            r#"Graph(format: 1, name: "Kept",
    variables: {{"Socket": (type: Object("M2_StringWebSocketConnection")), "Url": (type: String)}},
    nodes: {{
        {connect}
        "begin": (node: "Event BeginPlay", exec: {{"then": "make"}}),
        "make": (node: "Construct Object", inputs: {{"Class": "M2_StringWebSocketConnection"}}, exec: {{"then": "keep"}}),
        "keep": (node: "Set", var: "Socket", inputs: {{"Socket": Link("make", "Return Value")}}{then}),
        "up": (node: "Custom Event", exec: {{"then": "ping"}}),
        "ping": (node: "Send Message", inputs: {{"Target": Var("Socket"), "Message": "ping"}}),
        "again": (node: "Custom Event", exec: {{"then": "pong"}}),
        "pong": (node: "Send Message", inputs: {{"Target": Var("Socket"), "Message": "pong"}}),
        "message": (node: "Custom Event", params: {{"Connection": Object("M2_StringWebSocketConnection"), "Message": String}}, exec: {{"then": "say"}}),
        "say": (node: "Print String", inputs: {{"In String": Link("message", "Message")}}),
    }})"#,
            then = if connect.contains("Connect") {
                r#", exec: {"then": "connect"}"#
            } else {
                ""
            },
        )
    };
    let registry = graphrun::Registry::builder()
        .install(&graphrun::StandardLibrary)
        .install(&graphrun_socket::SocketLibrary::default())
        .build();
    let (before, after) = (
        registry.load_str("kept.ron", &text(true)).unwrap(),
        registry.load_str("kept.ron", &text(false)).unwrap(),
    );
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&before, host.clone());
    instance
        .set_variable("Url", Value::from(format!("ws://127.0.0.1:{port}/").as_str()))
        .unwrap();
    let mut handle = instance.handle();
    let lines = host.clone();
    let drive = async move {
        lines.lines(1).await;
        handle.swap(&after).await.unwrap();
        handle.fire("again", vec![]).await.unwrap();
        lines.lines(2).await;
        handle.stop();
    };
    tokio::join!(instance.run(), drive);
    assert_eq!(*host.out.lock().unwrap(), ["ping", "pong"]);
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}
