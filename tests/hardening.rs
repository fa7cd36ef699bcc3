//! Issue 9's embedding and process items: host nodes that misbehave (a wrong exec output,
//! an output left unset, a panic, events fired wrongly) get runtime errors naming them;
//! latent work ends with its instance; SIGTERM and Ctrl-C end a run as EndPlay expects.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use graphrun::{
    Cx, Entry, EventRef, Flow, FnNode, Host, Instance, LatentFn, Level, NodeDoc, NodeError, NodeLibrary, Program,
    Registry, RegistryBuilder, RuntimeError, Signature, StandardLibrary, Type, Value,
};

/// Nodes that do what a careless host's nodes might.
struct Careless {
    /// How many of the latent works `Never Completes` started are still alive.
    latent_alive: Arc<AtomicUsize>,
}

/// Counts a latent work alive while it exists.
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn parse_count(text: &str) -> Result<i64, String> {
    text.parse::<i64>().map_err(|e| format!("`{text}` is not a count: {e}"))
}

impl NodeLibrary for Careless {
    fn install(&self, r: &mut RegistryBuilder) {
        r.add_node(FnNode::simple(
            "Wrong Exit",
            NodeDoc::new("Test", "goes on through an exec output it does not have"),
            Signature::then(),
            |_, _| Ok(Flow::Then(3)),
        ));
        r.add_node(FnNode::simple(
            "Forgetful",
            NodeDoc::new("Test", "a pure node that never sets its output"),
            Signature::pure().output("Value", Type::Int),
            |_, _| Ok(Flow::End),
        ));
        r.add_node(FnNode::simple(
            "Lazy",
            NodeDoc::new("Test", "an impure node that never sets its output"),
            Signature::then().output("Value", Type::Int),
            |_, _| Ok(Flow::Then(0)),
        ));
        r.add_node(FnNode::simple(
            "Panics",
            NodeDoc::new("Test", "panics"),
            Signature::then(),
            |_, _| panic!("the host's bug"),
        ));
        r.add_node(FnNode::simple(
            "Parse Count",
            NodeDoc::new("Test", "`?` on a Result<_, String>"),
            Signature::pure().input("Text", Type::String).output("Count", Type::Int),
            |cx, _| {
                let count = parse_count(cx.input(0).as_str())?;
                cx.set_output(0, count);
                Ok(Flow::End)
            },
        ));
        r.add_node(FnNode::simple(
            "Fire Wrongly",
            NodeDoc::new("Test", "fires a node that is not a Custom Event"),
            Signature::then(),
            |cx, _| {
                cx.fire(EventRef(0), vec![Value::Int(1)])?;
                Ok(Flow::Then(0))
            },
        ));
        let latent_alive = self.latent_alive.clone();
        r.add_node(FnNode::simple(
            "Never Completes",
            NodeDoc::new("Test", "starts latent work that never ends").latent(),
            Signature::impure().exec_out("Completed"),
            move |cx: &mut Cx<'_>, _: Entry| {
                latent_alive.fetch_add(1, Ordering::SeqCst);
                let alive = Alive(latent_alive.clone());
                cx.spawn_latent(async move {
                    let _alive = alive;
                    std::future::pending::<()>().await;
                    let f: LatentFn = Box::new(|_| Ok(Flow::Then(0)));
                    f
                });
                Ok(Flow::End)
            },
        ));
    }
}

#[derive(Default)]
struct Collect {
    lines: Mutex<Vec<String>>,
}

impl Host for Collect {
    fn print(&self, text: &str) {
        self.lines.lock().unwrap().push(text.to_string());
    }
    fn log(&self, level: Level, message: &str) {
        self.lines.lock().unwrap().push(format!("{level}: {message}"));
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.lines
            .lock()
            .unwrap()
            .push(format!("error at `{}`: {}", error.node_id, error.message));
    }
}

fn program(library: &Careless, graph: &str) -> Program {
    Registry::builder()
        .install(&StandardLibrary)
        .install(library)
        .build()
        .load_str("careless.ron", graph)
        .unwrap_or_else(|d| panic!("{d}"))
}

async fn run(program: &Program) -> Vec<String> {
    let host = Arc::new(Collect::default());
    Instance::new(program, host.clone()).run().await;
    let lines = host.lines.lock().unwrap().clone();
    lines
}

#[tokio::test]
async fn misbehaving_host_nodes_are_runtime_errors_that_name_them() {
    let library = Careless {
        latent_alive: Arc::default(),
    };
    let graph = r#"Graph(format: 1, name: "Careless", nodes: {
        "b1": (node: "Event BeginPlay", exec: {"then": "wrong"}),
        "wrong": (node: "Wrong Exit", exec: {"then": "never"}),
        "never": (node: "Print String", inputs: {"In String": "not reached"}),
        "b2": (node: "Event BeginPlay", exec: {"then": "p2"}),
        "p2": (node: "Print String", inputs: {"In String": Link("forgetful", "Value")}),
        "forgetful": (node: "Forgetful"),
        "b3": (node: "Event BeginPlay", exec: {"then": "lazy"}),
        "lazy": (node: "Lazy", exec: {"then": "p3"}),
        "p3": (node: "Print String", inputs: {"In String": Link("lazy", "Value")}),
        "b4": (node: "Event BeginPlay", exec: {"then": "panics"}),
        "panics": (node: "Panics", exec: {"then": "never"}),
        "b5": (node: "Event BeginPlay", exec: {"then": "p5"}),
        "p5": (node: "Print String", inputs: {"In String": Link("count", "Count")}),
        "count": (node: "Parse Count", inputs: {"Text": "twelve"}),
        "b6": (node: "Event BeginPlay", exec: {"then": "fire"}),
        "fire": (node: "Fire Wrongly"),
        "b7": (node: "Event BeginPlay", exec: {"then": "p7"}),
        "p7": (node: "Print String", inputs: {"In String": "the instance ran on after each of them"}),
    })"#;
    let lines = run(&program(&library, graph)).await;
    assert_eq!(
        lines,
        [
            "error at `wrong`: the node went on through exec output number 3, but it has 1 (`then`)",
            "error at `p2`: `In String` reads `Value` of node `forgetful` (Forgetful), a pure node that ran but did not set it",
            "error at `p3`: `In String` reads `Value` of node `lazy` (Lazy), which has not run yet or did not set it",
            "error at `panics`: the node panicked: the host's bug",
            "error at `count`: `twelve` is not a count: invalid digit found in string",
            "error at `fire`: node number 0 is not a Custom Event of graph `Careless`",
            "the instance ran on after each of them",
        ]
    );
}

#[tokio::test]
async fn a_host_firing_a_wrong_event_gets_an_error_and_nothing_is_written() {
    let library = Careless {
        latent_alive: Arc::default(),
    };
    let graph = r#"Graph(format: 1, name: "Events", nodes: {
        "p": (node: "Print String", inputs: {"In String": "not an event"}),
        "counted": (node: "Custom Event", params: {"Count": Int}, exec: {"then": "show"}),
        "show": (node: "Print String", inputs: {"In String": Link("counted", "Count")}),
    })"#;
    let program = program(&library, graph);
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    let handle = instance.handle();
    let alive = handle.keep_alive();
    let task = tokio::spawn(async move {
        let errors = [
            handle.fire("p", vec![]).await.unwrap_err().to_string(),
            handle.fire("counted", vec![]).await.unwrap_err().to_string(),
            handle
                .fire("counted", vec![Value::from("seven")])
                .await
                .unwrap_err()
                .to_string(),
        ];
        handle.fire("counted", vec![Value::Int(7)]).await.unwrap();
        drop(alive);
        errors
    });
    instance.run().await;
    let errors = task.await.unwrap();
    assert_eq!(
        errors,
        [
            "no Custom Event `p`",
            "Custom Event `counted` takes 1 argument(s), not 0",
            "param `Count` of `counted` is Int, but the value is String",
        ]
    );
    assert_eq!(*host.lines.lock().unwrap(), ["7"]);
}

#[tokio::test]
async fn an_event_sender_checks_the_event_and_its_args() {
    let library = Careless {
        latent_alive: Arc::default(),
    };
    let graph = r#"Graph(format: 1, name: "Sender", nodes: {
        "p": (node: "Print String", inputs: {"In String": "not an event"}),
        "named": (node: "Custom Event", params: {"Name": String}, exec: {"then": "show"}),
        "show": (node: "Print String", inputs: {"In String": Link("named", "Name")}),
    })"#;
    let program = program(&library, graph);
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    // The sender a node library gets from `Cx::sender`, firing by node number.
    let sender = instance.sender();
    let named = EventRef(1);
    let errors = [
        sender.fire(EventRef(0), vec![]).await.unwrap_err().to_string(),
        sender.fire(EventRef(99), vec![]).await.unwrap_err().to_string(),
        sender.fire(named, vec![]).await.unwrap_err().to_string(),
        sender.fire(named, vec![Value::Int(1)]).await.unwrap_err().to_string(),
    ];
    sender.fire(named, vec![Value::from("fired right")]).await.unwrap();
    instance.run().await;
    assert_eq!(
        errors,
        [
            "node number 0 is not a Custom Event of graph `Sender`",
            "node number 99 is not a Custom Event of graph `Sender`",
            "Custom Event `named` takes 1 argument(s), not 0",
            "param `Name` of Custom Event `named` is String, but the value is Int",
        ]
    );
    assert_eq!(*host.lines.lock().unwrap(), ["fired right"]);
}

#[tokio::test]
async fn latent_work_ends_with_its_instance() {
    let library = Careless {
        latent_alive: Arc::default(),
    };
    let graph = r#"Graph(format: 1, name: "Latent", nodes: {
        "b1": (node: "Event BeginPlay", exec: {"then": "never"}),
        "never": (node: "Never Completes"),
        "b2": (node: "Event BeginPlay", exec: {"then": "quit"}),
        "quit": (node: "Quit"),
    })"#;
    let program = program(&library, graph);
    run(&program).await;
    // Aborted at the instance's end, the task's future is dropped when the runtime next
    // polls it: give it a few turns.
    for _ in 0..100 {
        if library.latent_alive.load(Ordering::SeqCst) == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        library.latent_alive.load(Ordering::SeqCst),
        0,
        "the latent work outlived its instance"
    );
}

/// Runs `graph` with the binary, waits for its first line, sends `signal`, and returns the
/// exit status and the whole stdout.
fn signalled_run(graph: &str, signal: &str) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("graphrun-signal-{}-{signal}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("graph.ron");
    std::fs::write(&file, graph).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", file.to_str().unwrap(), "--max-loop-iterations", "1000000000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("graphrun runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // Bounded: a run that ignores the signal is killed after 20 s and fails the test.
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(20));
        let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
    });
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    drop(watchdog);
    let _ = std::fs::remove_dir_all(&dir);
    (status.code(), first + &rest)
}

/// A chain that would run for hours, then EndPlay.
const BUSY: &str = r#"Graph(format: 1, name: "Busy", variables: {"N": (type: Int)}, nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "started"}),
    "started": (node: "Print String", inputs: {"In String": "started"}, exec: {"then": "loop"}),
    "loop": (node: "While Loop", inputs: {"Condition": true}, exec: {"Loop Body": "count"}),
    "count": (node: "Set", var: "N", inputs: {"N": Link("plus", "Return Value")}),
    "plus": (node: "Add", inputs: {"A": Var("N"), "B": 1}),
    "end": (node: "Event EndPlay", exec: {"then": "bye"}),
    "bye": (node: "Print String", inputs: {"In String": "EndPlay ran"}),
})"#;

#[test]
fn sigterm_ends_a_running_chain_and_runs_endplay() {
    let (status, out) = signalled_run(BUSY, "TERM");
    assert_eq!((status, out.as_str()), (Some(143), "started\nEndPlay ran\n"));
}

#[test]
fn ctrl_c_ends_a_running_chain_and_runs_endplay() {
    let (status, out) = signalled_run(BUSY, "INT");
    assert_eq!((status, out.as_str()), (Some(130), "started\nEndPlay ran\n"));
}

/// A run whose EndPlay itself would run for hours: the first Ctrl-C ends the busy chain,
/// the second one ends EndPlay.
#[test]
fn a_second_ctrl_c_ends_a_long_endplay() {
    let graph = r#"Graph(format: 1, name: "LongEnd", variables: {"N": (type: Int)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "started"}),
        "started": (node: "Print String", inputs: {"In String": "started"}, exec: {"then": "loop"}),
        "loop": (node: "While Loop", inputs: {"Condition": true}, exec: {"Loop Body": "count"}),
        "end": (node: "Event EndPlay", exec: {"then": "ending"}),
        "ending": (node: "Print String", inputs: {"In String": "ending"}, exec: {"then": "again"}),
        "again": (node: "While Loop", inputs: {"Condition": true}, exec: {"Loop Body": "count"}),
        "count": (node: "Set", var: "N", inputs: {"N": Link("plus", "Return Value")}),
        "plus": (node: "Add", inputs: {"A": Var("N"), "B": 1}),
    })"#;
    let dir = std::env::temp_dir().join(format!("graphrun-long-end-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("graph.ron");
    std::fs::write(&file, graph).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", file.to_str().unwrap(), "--max-loop-iterations", "1000000000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("graphrun runs");
    let pid = child.id().to_string();
    let watchdog = {
        let pid = pid.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(20));
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        })
    };
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = String::new();
    stdout.read_line(&mut lines).unwrap();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    stdout.read_line(&mut lines).unwrap();
    assert_eq!(lines, "started\nending\n");
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    drop(watchdog);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status.code(), Some(130));
}

#[test]
fn node_error_is_a_std_error_made_from_strings() {
    fn boxed(e: impl std::error::Error + 'static) -> Box<dyn std::error::Error> {
        Box::new(e)
    }
    assert_eq!(boxed(NodeError::from("from a &str")).to_string(), "from a &str");
    assert_eq!(
        boxed(NodeError::from(String::from("from a String"))).to_string(),
        "from a String"
    );
}
