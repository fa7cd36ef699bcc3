//! Record and replay: a run against the independent Python peer, recorded, replays to the
//! same output and exit status with the peer gone; the same graph edited departs from the
//! record, exit 4, naming what differs; and no token goes into a record.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/fifo.rs"]
mod fifo;
#[path = "support/lines.rs"]
mod lines;
#[path = "graph_cases/support.rs"]
mod support;

fn graphrun(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(dir)
        .args(args)
        .env("GRAPHRUN_TEST_TOKEN", "s3cr3t-token")
        .output()
        .expect("graphrun runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-replay-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Records the WebSocket example against the Python peer's echo, with an auth context
/// (whose token must not reach the record); the peer is gone when this returns.
fn record(dir: &Path, graph: &Path) -> (String, String) {
    let peer = support::PythonPeer::start().expect("the Python peer");
    let url = format!("Url=ws://{}/echo", peer.addr);
    let out = graphrun(
        dir,
        &[
            "run",
            graph.to_str().unwrap(),
            "--set",
            &url,
            "--auth-token-env",
            "GRAPHRUN_TEST_TOKEN",
            "--record",
            "run.jsonl",
        ],
    );
    drop(peer);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (
        text(&out.stdout),
        std::fs::read_to_string(dir.join("run.jsonl")).unwrap(),
    )
}

#[test]
fn a_recorded_run_replays_to_the_same_output_with_the_peer_gone() {
    let dir = scratch("same");
    let graph = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/websocket_example.ron");
    let (recorded, record) = record(&dir, &graph);
    assert!(recorded.ends_with("all replies received\n"), "{recorded}");
    assert!(record.contains("\"sent\":"), "{record}");
    assert!(!record.contains("s3cr3t"), "the token is in the record:\n{record}");
    let replayed = graphrun(&dir, &["replay", "run.jsonl"]);
    assert_eq!(replayed.status.code(), Some(0), "{}", text(&replayed.stderr));
    assert_eq!(text(&replayed.stdout), recorded);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_edited_graph_departs_from_its_record_with_exit_4() {
    let dir = scratch("edited");
    let original =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/websocket_example.ron")).unwrap();
    let graph = dir.join("example.ron");
    std::fs::write(&graph, &original).unwrap();
    record(&dir, &graph);
    std::fs::write(&graph, original.replace("hello from graphrun", "hello, edited")).unwrap();
    let replayed = graphrun(&dir, &["replay", "run.jsonl"]);
    assert_eq!(replayed.status.code(), Some(4));
    let stderr = text(&replayed.stderr);
    assert!(stderr.contains("the run departs from run.jsonl"), "{stderr}");
    assert!(
        stderr.contains("step 2: expected \"{\\\"type\\\":\\\"greeting\\\",\\\"text\\\":\\\"hello from graphrun\\\",\\\"n\\\":1}\", received \"{\\\"type\\\":\\\"greeting\\\",\\\"text\\\":\\\"hello, edited\\\",\\\"n\\\":1}\""),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_record_that_is_not_one_is_refused() {
    let dir = scratch("bad");
    std::fs::write(dir.join("bad.jsonl"), "{\"hello\": 1}\n").unwrap();
    let out = graphrun(&dir, &["replay", "bad.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a graphrun record"),
        "{}",
        text(&out.stderr)
    );
    // A FIFO nobody writes to is refused at once, not waited on.
    fifo::make(&dir.join("fifo.jsonl"));
    let err = fifo::refused(&dir, &["replay", "fifo.jsonl"], std::time::Duration::from_secs(20));
    assert!(err.contains("it is not a regular file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn what_authentication_sends_never_reaches_a_record() {
    let dir = scratch("secrets");
    // The peer's /headers sends back the handshake headers it saw (the ids as they are).
    std::fs::write(
        dir.join("auth.ron"),
        r#"Graph(format: 1, name: "Auth", variables: {"Socket": (type: Object("M2_StringWebSocketConnection")), "Url": (type: String)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "make"}),
        "make": (node: "Construct Object", inputs: {"Class": "M2_StringWebSocketConnection"}, exec: {"then": "keep"}),
        "keep": (node: "Set", var: "Socket", inputs: {"Socket": Link("make", "Return Value")}, exec: {"then": "connect"}),
        "connect": (node: "Connect String Websocket", inputs: {"Target": Var("Socket"), "Url": Var("Url"),
            "Authentication": "World", "On Message Received": Event("message")}),
        "message": (node: "Custom Event", exec: {"then": "say"}),
        "say": (node: "Print String", inputs: {"In String": Link("message", "Message")}, exec: {"then": "quit"}),
        "quit": (node: "Quit"),
    })"#,
    )
    .unwrap();
    let peer = support::PythonPeer::start().expect("the Python peer");
    let url = format!("Url=ws://{}/headers", peer.addr);
    let out = graphrun(
        &dir,
        &[
            "run",
            "auth.ron",
            "--set",
            &url,
            "--auth-token-env",
            "GRAPHRUN_TEST_TOKEN",
            "--org-id",
            "org-4711",
            "--project-id",
            "proj-0815",
            "--world-id",
            "world-42",
            "--record",
            "run.jsonl",
        ],
    );
    drop(peer);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The run itself printed what the server echoed; the record has the token nowhere, and
    // keeps the ids, which are not secrets.
    assert!(text(&out.stdout).contains("org-4711"), "{}", text(&out.stdout));
    let record = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert!(
        !record.contains("s3cr3t-token"),
        "the token is in the record:\n{record}"
    );
    for id in ["org-4711", "proj-0815", "world-42"] {
        assert!(record.contains(id), "{id} is not in the record:\n{record}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a host gets to see, for the embedding test.
#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<String>>);

impl graphrun::Host for Lines {
    fn print(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

#[test]
fn an_embedding_host_records_an_instance_and_replays_it() {
    use std::sync::Arc;
    let dir = scratch("embedded");
    let graph = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/websocket_example.ron");
    let peer = support::PythonPeer::start().expect("the Python peer");
    let record = dir.join("run.jsonl");
    let url = format!("ws://{}/echo", peer.addr);
    let recorder = graphrun_testing::Recorder::create(&record, &graph, &[format!("Url={url}")], 7, Vec::new()).unwrap();
    let config = graphrun_socket::SocketConfig {
        tap: Some(recorder.clone()),
        ..graphrun_socket::SocketConfig::default()
    };
    let registry = graphrun::Registry::builder()
        .install(&graphrun::StandardLibrary)
        .install(&graphrun_socket::SocketLibrary::new(config))
        .build();
    let program = registry.load_file(&graph).unwrap();
    let shown = Arc::new(Lines::default());
    let host = Arc::new(graphrun_testing::RecordingHost {
        recorder: recorder.clone(),
        host: shown.clone(),
    });
    let options = graphrun::RunOptions {
        seed: Some(7),
        ..graphrun::RunOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let mut instance = graphrun::Instance::with_options(&program, host, options);
        instance
            .set_variable("Url", graphrun::Value::from(url.as_str()))
            .unwrap();
        instance.run().await
    });
    recorder.finish(if report.runtime_errors > 0 { 1 } else { 0 });
    drop(peer);
    let recorded = shown.0.lock().unwrap().clone();
    assert_eq!(recorded.last().map(String::as_str), Some("all replies received"));

    let again = Arc::new(Lines::default());
    let replayed = graphrun_testing::replay(&record, again.clone(), false).unwrap();
    assert_eq!(
        replayed,
        graphrun_testing::Replayed {
            exit: 0,
            departures: Vec::new()
        }
    );
    assert_eq!(*again.0.lock().unwrap(), recorded);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The ids Authentication sends are not secrets: a record of a run with `--org-id 1` keeps
/// every `1` it printed (they all became `[redacted]`, the graph's path too, and the replay
/// of the same graph departed with exit 4), while the bearer token is still never written.
#[test]
fn a_record_redacts_the_token_only() {
    let dir = std::env::temp_dir().join(format!("graphrun-redact-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graph = dir.join("ones1.ron");
    std::fs::write(
        &graph,
        r#"Graph(format: 1, name: "Ones", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": "1 + 1 = 2"}),
        })"#,
    )
    .unwrap();
    let record = dir.join("r.jsonl");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", graph.to_str().unwrap(), "--record", record.to_str().unwrap()])
        .args(["--auth-token-env", "GRAPHRUN_TEST_TOKEN", "--org-id", "1"])
        .env("GRAPHRUN_TEST_TOKEN", "s3cret-t0ken-value")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(
        text.contains(r#""print":"1 + 1 = 2""#) && text.contains("ones1.ron"),
        "{text}"
    );
    assert!(!text.contains("s3cret") && !text.contains("[redacted]"), "{text}");
    let replay = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["replay", record.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
}

/// A graph that sends "ping" every 0.3 s and counts the replies, printing `say` and the
/// count each time; at the sixth it quits.
fn pinging(say: &str) -> String {
    format!(
        r#"Graph(format: 1, name: "Pinging",
    variables: {{"Socket": (type: Object("M2_StringWebSocketConnection")), "Url": (type: String), "Count": (type: Int)}},
    nodes: {{
        "begin": (node: "Event BeginPlay", exec: {{"then": "make"}}),
        "make": (node: "Construct Object", inputs: {{"Class": "M2_StringWebSocketConnection"}}, exec: {{"then": "keep"}}),
        "keep": (node: "Set", var: "Socket", inputs: {{"Socket": Link("make", "Return Value")}}, exec: {{"then": "connect"}}),
        "connect": (node: "Connect String Websocket", inputs: {{
            "Target": Var("Socket"), "Url": Var("Url"),
            "On Connected": Event("up"), "On Message Received": Event("message"),
        }}),
        "up": (node: "Custom Event", exec: {{"then": "timer"}}),
        "timer": (node: "Set Timer by Event", inputs: {{"Event": Event("tick"), "Time": 0.3, "Looping": true}}),
        "tick": (node: "Custom Event", exec: {{"then": "send"}}),
        "send": (node: "Send Message", inputs: {{"Target": Var("Socket"), "Message": "ping"}}),
        "message": (node: "Custom Event", exec: {{"then": "count"}}),
        "count": (node: "Set", var: "Count", inputs: {{"Count": Link("plus", "Return Value")}}, exec: {{"then": "say"}}),
        "plus": (node: "Add", inputs: {{"A": Var("Count"), "B": 1}}),
        "say": (node: "Print String", inputs: {{"In String": "{say}"}}, exec: {{"then": "show"}}),
        "show": (node: "Print String", inputs: {{"In String": Var("Count")}}, exec: {{"then": "enough"}}),
        "enough": (node: "Branch", inputs: {{"Condition": Link("six", "Return Value")}}, exec: {{"True": "quit"}}),
        "six": (node: "Greater Equal", inputs: {{"A": Var("Count"), "B": 6}}),
        "quit": (node: "Quit"),
    }})"#
    )
}

/// `run --watch --record`: the record notes the live edit (its text, when it was asked
/// for), and the replay makes the same edit at the same point: the same output, the
/// same exit status, with the peer gone.
#[test]
fn a_live_edit_is_recorded_and_replayed() {
    let dir = scratch("live");
    let graph = dir.join("pinging.ron");
    std::fs::write(&graph, pinging("before")).unwrap();
    let peer = support::PythonPeer::start().expect("the Python peer");
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(&dir)
        .args([
            "run",
            "--watch",
            "--timeout",
            "60",
            "pinging.ron",
            "--record",
            "run.jsonl",
        ])
        .arg(format!("--set=Url=ws://{}/echo", peer.addr))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, stderr) = (
        lines::lines_of(child.stdout.take().unwrap()),
        lines::lines_of(child.stderr.take().unwrap()),
    );
    // Two replies, then the edit.
    let mut printed = lines::wait_for(&stdout, |l| l == "2");
    std::fs::write(&graph, pinging("after")).unwrap();
    printed.extend(lines::rest(&stdout));
    let printed: String = printed.iter().map(|l| format!("{l}\n")).collect();
    let stderr = lines::rest(&stderr).join("\n");
    let status = child.wait().unwrap();
    drop(peer);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("applied at"), "{stderr}");
    assert!(printed.contains("after\n") && printed.ends_with("6\n"), "{printed}");
    let record = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert_eq!(record.matches("\"swap\":").count(), 1, "{record}");

    let replayed = graphrun(&dir, &["replay", "run.jsonl"]);
    assert_eq!(replayed.status.code(), Some(0), "{}", text(&replayed.stderr));
    assert_eq!(text(&replayed.stdout), printed);
    let _ = std::fs::remove_dir_all(&dir);
}
