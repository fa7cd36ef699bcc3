//! Issue 9's embedding and process items (and issue 24's serve-echo memory): host nodes
//! that misbehave (a wrong exec output, an output left unset, a panic, events fired
//! wrongly) get runtime errors naming them; latent work ends with its instance; SIGTERM
//! and Ctrl-C end a run as EndPlay expects; the echo server gives memory back.

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

/// A graph with one Custom Event, `counted` (node number 1), beside a node that is not one.
const EVENTS: &str = r#"Graph(format: 1, name: "Events", nodes: {
    "p": (node: "Print String", inputs: {"In String": "not an event"}),
    "counted": (node: "Custom Event", params: {"Count": Int}, exec: {"then": "show"}),
    "show": (node: "Print String", inputs: {"In String": Link("counted", "Count")}),
})"#;

/// An instance of [`EVENTS`] and what it prints.
fn events_instance() -> (Instance, Arc<Collect>) {
    let library = Careless {
        latent_alive: Arc::default(),
    };
    let host = Arc::new(Collect::default());
    (Instance::new(&program(&library, EVENTS), host.clone()), host)
}

#[tokio::test]
async fn a_host_firing_a_wrong_event_gets_an_error_and_nothing_is_written() {
    let (mut instance, host) = events_instance();
    let handle = instance.handle();
    let alive = handle.keep_alive();
    let task = tokio::spawn(async move {
        let error = |result: Result<(), graphrun::HostError>| result.unwrap_err().to_string();
        let errors = [
            error(handle.fire("p", vec![]).await),
            error(handle.fire("counted", vec![]).await),
            error(handle.fire("counted", vec![Value::from("seven")]).await),
        ];
        handle.fire("counted", vec![Value::Int(7)]).await.unwrap();
        drop(alive);
        errors
    });
    instance.run().await;
    assert_eq!(
        task.await.unwrap(),
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
    let (mut instance, host) = events_instance();
    // The sender a node library gets from `Cx::sender`, firing by node number.
    let sender = instance.sender();
    let error = |result: Result<(), graphrun::HostError>| result.unwrap_err().to_string();
    let counted = EventRef(1);
    let errors = [
        error(sender.fire(EventRef(0), vec![]).await),
        error(sender.fire(EventRef(99), vec![]).await),
        error(sender.fire(counted, vec![]).await),
        error(sender.fire(counted, vec![Value::from("seven")]).await),
    ];
    sender.fire(counted, vec![Value::Int(7)]).await.unwrap();
    instance.run().await;
    assert_eq!(
        errors,
        [
            "node number 0 is not a Custom Event of graph `Events`",
            "node number 99 is not a Custom Event of graph `Events`",
            "Custom Event `counted` takes 1 argument(s), not 0",
            "param `Count` of Custom Event `counted` is Int, but the value is String",
        ]
    );
    assert_eq!(*host.lines.lock().unwrap(), ["7"]);
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

/// `graph` run by the binary, its stdout read line by line; killed after 20 s, so a run
/// that ignores its signals fails the test instead of hanging it.
struct Running {
    child: std::process::Child,
    stdout: BufReader<std::process::ChildStdout>,
    dir: std::path::PathBuf,
    /// Set once the run has been waited for: the watchdog then kills nothing (the pid may
    /// be another process's by then).
    done: Arc<std::sync::atomic::AtomicBool>,
}

impl Running {
    fn start(graph: &str, name: &str) -> Running {
        let dir = std::env::temp_dir().join(format!("graphrun-{name}-{}", std::process::id()));
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
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watched = done.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(20));
            if !watched.load(Ordering::SeqCst) {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
            }
        });
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Running {
            child,
            stdout,
            dir,
            done,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap()
            .success());
    }

    /// The exit status and the rest of stdout.
    fn finish(mut self) -> (Option<i32>, String) {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        let status = self.child.wait().unwrap();
        self.done.store(true, Ordering::SeqCst);
        let _ = std::fs::remove_dir_all(&self.dir);
        (status.code(), rest)
    }
}

/// Runs `graph`, waits for its first line, sends `signal`: the exit status and all of stdout.
fn signalled_run(graph: &str, signal: &str) -> (Option<i32>, String) {
    let mut run = Running::start(graph, signal);
    let first = run.line();
    run.signal(signal);
    let (status, rest) = run.finish();
    (status, first + &rest)
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
    let mut run = Running::start(graph, "long-end");
    let started = run.line();
    run.signal("INT");
    let ending = run.line();
    assert_eq!(started + &ending, "started\nending\n");
    run.signal("INT");
    let (status, _) = run.finish();
    assert_eq!(status, Some(130));
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

/// Whoever reads stderr may go away (`graphrun run x 2>&1 | head`): the run goes on and
/// ends with its own status, not a panic on the closed pipe.
#[test]
fn a_closed_stderr_does_not_end_a_run_in_a_panic() {
    let dir = std::env::temp_dir().join(format!("graphrun-closed-stderr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graph = dir.join("errors.ron");
    std::fs::write(
        &graph,
        r#"Graph(format: 1, name: "Errors", nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
        "timer": (node: "Set Timer by Event", inputs: {"Event": Event("tick"), "Time": 0.001, "Looping": true}),
        "tick": (node: "Custom Event", exec: {"then": "p"}),
        "p": (node: "Print String", inputs: {"In String": Link("div", "Return Value")}),
        "div": (node: "Divide", inputs: {"A": 1, "B": 0}),
    })"#,
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .arg("run")
        .arg(&graph)
        .args(["--timeout", "1", "--trace"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then close the pipe.
    let mut stderr = child.stderr.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut stderr, &mut first).unwrap();
    drop(stderr);
    let status = child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        status.code(),
        Some(3),
        "a run with --timeout ends with 3, not a panic (101)"
    );
}

/// An import that is not a regular file (a FIFO nobody writes to) is refused at once
/// instead of keeping the load waiting.
#[test]
fn importing_a_fifo_is_refused_not_waited_on() {
    let dir = std::env::temp_dir().join(format!("graphrun-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    crate::fifo::make(&dir.join("lib.ron"));
    std::fs::write(
        dir.join("main.ron"),
        r#"Graph(format: 1, name: "Fifo", imports: ["lib.ron"], nodes: {})"#,
    )
    .unwrap();
    let stderr = crate::fifo::refused(&dir, &["check", "main.ron"], std::time::Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(stderr.contains("error[E0119]: cannot import `lib.ron`"), "{stderr}");
    assert!(stderr.contains("it is not a regular file"), "{stderr}");
}

/// A process's resident memory now (`VmRSS`), in bytes.
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Issue 24, 16: `graphrun serve-echo` kept 70 KiB per closed connection after 5,000 (each
/// open one had a 128 KiB read buffer, and glibc kept what they freed). Connections are
/// small now, and the server gives their memory back when they close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_echo_gives_memory_back_when_its_connections_close() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    const CONNECTIONS: u64 = 2_000;
    let mut server = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["serve-echo", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .unwrap()
        .to_string();
    let pid = server.id();
    let fds = || std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count();
    let (base, base_fds) = (resident(pid), fds());
    let mut sockets = Vec::new();
    for _ in 0..CONNECTIONS {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
        ws.send(Message::text("hello")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hello"));
        sockets.push(ws);
    }
    let open = resident(pid);
    for mut ws in sockets {
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while fds() > base_fds {
        assert!(
            std::time::Instant::now() < deadline,
            "the server still has {} files open",
            fds()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let closed = resident(pid);
    let _ = server.kill();
    let _ = server.wait();
    let per = |bytes: u64| bytes.saturating_sub(base) / CONNECTIONS;
    eprintln!(
        "serve-echo: {} KiB at the start, {} B per open connection, {} B per closed one",
        base >> 10,
        per(open),
        per(closed)
    );
    assert!(per(open) < 24 << 10, "{} B per open connection", per(open));
    assert!(per(closed) < 4 << 10, "{} B kept per closed connection", per(closed));
}

/// `--policy` naming a FIFO nobody writes to is refused at once (it was waited on).
#[test]
fn a_policy_file_that_is_a_fifo_is_refused_not_waited_on() {
    let dir = std::env::temp_dir().join(format!("graphrun-policy-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    crate::fifo::make(&dir.join("policy.ron"));
    std::fs::write(dir.join("g.ron"), r#"Graph(format: 1, name: "G", nodes: {})"#).unwrap();
    let args = ["run", "g.ron", "--policy", "policy.ron"];
    let stderr = crate::fifo::refused(&dir, &args, std::time::Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        stderr.contains("--policy policy.ron: it is not a regular file"),
        "{stderr}"
    );
}
