//! The socket library against an in-process tokio-tungstenite server with scripted
//! behaviours (the Python peer's cases are under `tests/cases/socket/`). Graphs run through
//! the embedding API, every run bounded in time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use graphrun::{Host, Instance, Level, Outcome, Registry, RunReport, RuntimeError, StandardLibrary};
use graphrun_socket::{AuthContext, SocketConfig, SocketLibrary};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

pub(crate) const PROBE: &str = include_str!("cases/socket/probe.ron");

mod proxy;
mod servers;
mod tls;
use servers::{echo, echo_server, server, server_on, silent_server, tls_echo_server, wait_for_close};

/// `graph` with `from` replaced by `to`; `from` must be there (a test must not run an
/// unpatched graph by mistake).
fn patched(graph: &str, from: &str, to: &str) -> String {
    assert!(graph.contains(from), "the graph has no {from}");
    graph.replace(from, to)
}

#[derive(Default)]
struct Collect {
    prints: Mutex<Vec<String>>,
    logs: Mutex<Vec<String>>,
    trace: bool,
}

impl Host for Collect {
    fn print(&self, text: &str) {
        self.prints.lock().unwrap().push(text.to_string());
    }
    fn log(&self, level: Level, message: &str) {
        self.logs.lock().unwrap().push(format!("{level}: {message}"));
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.logs
            .lock()
            .unwrap()
            .push(format!("runtime error: {}", error.message));
    }
    fn trace(&self, line: &str) {
        if self.trace {
            self.logs.lock().unwrap().push(line.to_string());
        }
    }
}

pub(crate) struct Run {
    pub prints: Vec<String>,
    pub logs: Vec<String>,
    pub report: RunReport,
}

/// Runs a graph with the socket library configured by `config`, its variables set as
/// `--set` sets them, bounded by 20 s.
pub(crate) async fn run(graph: &str, config: SocketConfig, vars: &[(&str, String)]) -> Run {
    run_with(graph, &SocketLibrary::new(config), vars).await
}

/// Like [`run`], with a socket library the test made (its own TLS roots, say).
async fn run_with(graph: &str, library: &SocketLibrary, vars: &[(&str, String)]) -> Run {
    let registry = Registry::builder().install(&StandardLibrary).install(library).build();
    let program = registry.load_str("graph.ron", graph).unwrap_or_else(|d| panic!("{d}"));
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    for (name, text) in vars {
        let value = program.parse_variable_value(name, text).unwrap();
        instance.set_variable(name, value).unwrap();
    }
    let report = tokio::time::timeout(Duration::from_secs(20), instance.run())
        .await
        .expect("the run ended within 20 s");
    let prints = host.prints.lock().unwrap().clone();
    let logs = host.logs.lock().unwrap().clone();
    Run { prints, logs, report }
}

/// Runs `graphrun run probe.ron` with these arguments (and one environment variable) as a
/// separate process, as a user would.
pub(crate) fn probe_cli(args: &[&str], env: Option<(&str, &str)>) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"));
    command.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/socket"));
    command.args(["run", "probe.ron"]).args(args);
    if let Some((name, value)) = env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// `graphrun run probe.ron` as a process to `url`, sending `{"over": OVER}` and expecting
/// one message back, with `args`, the proxy variables of the test's environment removed
/// and `env` set; its output, stdout then stderr.
pub(crate) async fn probe_once(url: String, over: &str, args: Vec<String>, env: Vec<(&'static str, String)>) -> String {
    let sends = format!(r#"Sends=[{{"over": "{over}"}}]"#);
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"));
        command.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/socket"));
        command.args(["run", "probe.ron", "--timeout", "10", "--set"]);
        command.arg(format!("Url={url}"));
        command.args(["--set", &sends, "--set", "Expect=1"]);
        command.args(&args);
        for name in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "no_proxy",
            "NO_PROXY",
        ] {
            command.env_remove(name);
        }
        command.envs(env);
        let out = command.output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
    .await
    .unwrap()
}

pub(crate) fn url(addr: SocketAddr, path: &str) -> (&'static str, String) {
    ("Url", format!("ws://{addr}{path}"))
}

pub(crate) fn set(name: &'static str, text: &str) -> (&'static str, String) {
    (name, text.to_string())
}

/// Over IPv4 and IPv6 loopback (`ws://[::1]:PORT/`: the host is dialled without its
/// brackets).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegates_carry_their_params_and_the_run_ends_when_the_connection_closes() {
    for bind in ["127.0.0.1:0", "[::1]:0"] {
        let (addr, _) = server_on(bind, None, |mut ws, _, _| async move {
            let first = ws.next().await.unwrap().unwrap();
            ws.send(first).await.unwrap();
            let frame = CloseFrame {
                code: CloseCode::Away,
                reason: "server going away".into(),
            };
            ws.send(Message::Close(Some(frame))).await.unwrap();
            while ws.next().await.is_some() {}
        })
        .await;
        let r = run(
            PROBE,
            SocketConfig::default(),
            &[url(addr, "/"), set("Sends", r#"[{"n": 1}]"#)],
        )
        .await;
        assert_eq!(
            r.prints,
            [
                "connect: Connecting",
                "send while connecting: false",
                "connected: it is our connection: true; Is Connected: true",
                r#"message: {"n":1}"#,
                r#"disconnected: 1001 "server going away" clean=true"#,
            ],
            "{bind}"
        );
        assert_eq!(r.report.outcome, Outcome::Idle);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_close_codes_and_a_lost_connection() {
    for code in [1000u16, 1001, 1011, 4321] {
        let (addr, _) = server(None, move |mut ws, _, _| async move {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: "scripted".into(),
            };
            ws.send(Message::Close(Some(frame))).await.unwrap();
            while ws.next().await.is_some() {}
        })
        .await;
        let r = run(PROBE, SocketConfig::default(), &[url(addr, "/")]).await;
        assert_eq!(
            r.prints.last().unwrap(),
            &format!(r#"disconnected: {code} "scripted" clean=true"#)
        );
    }
    let (addr, _) = server(None, |ws, _, _| async move { drop(ws) }).await;
    let r = run(PROBE, SocketConfig::default(), &[url(addr, "/")]).await;
    assert_eq!(
        r.prints.last().unwrap(),
        r#"disconnected: 1006 "the connection was lost without a close frame" clean=false"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_closes_with_1009() {
    let (addr, seen) = server(None, |mut ws, _, seen| async move {
        ws.send(Message::text("y".repeat(4096))).await.unwrap();
        wait_for_close(ws, seen).await;
    })
    .await;
    let config = SocketConfig {
        max_message_size: 1024,
        ..SocketConfig::default()
    };
    let r = run(PROBE, config, &[url(addr, "/")]).await;
    assert_eq!(
        r.prints.last().unwrap(),
        r#"disconnected: 1009 "a message over the 1024-byte limit: Message too long: 4096 > 1024" clean=true"#
    );
    assert_eq!(seen.close_codes(1).await, [1009]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_handshakes_and_ports_reach_on_connection_error() {
    for (status, text) in [
        (StatusCode::UNAUTHORIZED, "HTTP 401 Unauthorized"),
        (StatusCode::FORBIDDEN, "HTTP 403 Forbidden"),
    ] {
        let (addr, _) = server(Some(status), |_, _, _| async {}).await;
        let r = run(PROBE, SocketConfig::default(), &[url(addr, "/")]).await;
        assert_eq!(
            r.prints.last().unwrap(),
            &format!("connection error: the server refused the handshake: {text}; Is Connected: false")
        );
    }
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let r = run(PROBE, SocketConfig::default(), &[url(closed, "/")]).await;
    let last = r.prints.last().unwrap();
    assert!(
        last.starts_with("connection error: cannot connect: Connection refused"),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subprotocol_custom_and_auth_headers_as_the_server_saw_them() {
    let (addr, seen) = server(None, |ws, _, seen| wait_for_close(ws, seen)).await;
    let mut auth = AuthContext::new("tok-123");
    auth.organization_id = Some("org".into());
    auth.project_id = Some("proj".into());
    auth.world_id = Some("world".into());
    let config = SocketConfig {
        auth: Some(auth),
        ..SocketConfig::default()
    };
    let vars = [
        url(addr, "/path?q=1"),
        set("Protocol", "chat"),
        set("Authentication", "World"),
        set("Headers", r#"{"X-Custom": "v1", "X-Other": "v2"}"#),
    ];
    let graph = patched(
        PROBE,
        r#""connected": (node: "Custom Event", exec: {"then": "say_connected"}),"#,
        r#""connected": (node: "Custom Event", exec: {"then": "bye"}),"#,
    );
    let r = run(&graph, config, &vars).await;
    assert_eq!(
        r.prints.last().unwrap(),
        r#"disconnected: 1000 "" clean=true"#,
        "{:?}",
        r.prints
    );
    let headers = seen.headers.lock().unwrap()[0].clone();
    let get = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(get("sec-websocket-protocol").as_deref(), Some("chat"));
    assert_eq!(get("x-custom").as_deref(), Some("v1"));
    assert_eq!(get("x-other").as_deref(), Some("v2"));
    assert_eq!(get("authorization").as_deref(), Some("Bearer tok-123"));
    assert_eq!(get("x-m2-organization-id").as_deref(), Some("org"));
    assert_eq!(get("x-m2-project-id").as_deref(), Some("proj"));
    assert_eq!(get("x-m2-world-id").as_deref(), Some("world"));
}

#[test]
fn the_token_is_sent_but_never_traced_logged_or_debug_printed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (addr, seen) = rt.block_on(server(None, |ws, _, seen| wait_for_close(ws, seen)));
    let token = "very-secret-token-9f8e7d";
    let url = format!("Url=ws://{addr}/");
    let out = probe_cli(
        &[
            "--trace",
            "--set",
            &url,
            "--set",
            "Authentication=Organization",
            "--set",
            r#"Sends=["hi"]"#,
            "--auth-token-env",
            "PROBE_TOKEN",
            "--org-id",
            "o",
            "--timeout",
            "2",
        ],
        Some(("PROBE_TOKEN", token)),
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("trace: Probe `connect` (Connect Json Websocket)"), "{all}");
    assert!(!all.contains(token), "the token appears in the output:\n{all}");
    let sent = seen.headers.lock().unwrap()[0]
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(sent, format!("Bearer {token}"));
    let mut auth = AuthContext::new(token);
    auth.organization_id = Some("o".into());
    let config = SocketConfig {
        auth: Some(auth),
        ..SocketConfig::default()
    };
    let debug = format!("{:?} {:?}", config, SocketLibrary::new(config.clone()));
    assert!(!debug.contains(token) && debug.contains("<redacted>"), "{debug}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_connections_drop_non_json_and_binary_with_a_reason() {
    let (addr, _) = server(None, |mut ws, _, seen| async move {
        ws.send(Message::text("{broken")).await.unwrap();
        ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        ws.send(Message::text(r#"{"ok": 1}"#)).await.unwrap();
        wait_for_close(ws, seen).await;
    })
    .await;
    let r = run(PROBE, SocketConfig::default(), &[url(addr, "/"), set("Expect", "1")]).await;
    assert_eq!(r.prints[3], r#"message: {"ok":1}"#);
    let dropped: Vec<_> = r.logs.iter().filter(|l| l.contains("dropped")).collect();
    assert_eq!(dropped.len(), 2, "{:?}", r.logs);
    assert!(
        dropped[0].starts_with("warning: dropped a text message that is not JSON"),
        "{}",
        dropped[0]
    );
    assert!(
        dropped[1].starts_with("warning: dropped a binary message of 3 bytes"),
        "{}",
        dropped[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_messages_arrive_in_order() {
    let (addr, _) = server(None, |mut ws, _, seen| async move {
        for i in 0..2000 {
            ws.feed(Message::text(format!(r#"{{"i": {i}}}"#))).await.unwrap();
        }
        ws.flush().await.unwrap();
        wait_for_close(ws, seen).await;
    })
    .await;
    let vars = [
        url(addr, "/"),
        set("Expect", "2000"),
        set("Show", "false"),
        set("CheckOrder", "true"),
    ];
    let r = run(PROBE, SocketConfig::default(), &vars).await;
    assert_eq!(
        r.prints[3..],
        [
            "received 2000 message(s); disconnecting",
            r#"disconnected: 1000 "" clean=true"#
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_after_a_server_close_and_in_progress() {
    let (addr, _) = server(None, |mut ws, n, seen| async move {
        if n == 1 {
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: "first connection".into(),
            };
            ws.send(Message::Close(Some(frame))).await.unwrap();
            while ws.next().await.is_some() {}
        } else {
            echo(ws, seen).await;
        }
    })
    .await;
    let graph = include_str!("cases/socket/reconnect_after_server_close.ron");
    // The server closes the first connection whatever its URL.
    let r = run(graph, SocketConfig::default(), &[url(addr, "/")]).await;
    assert_eq!(
        r.prints,
        [
            "Reconnect before any Connect: Failed",
            "connected",
            "server closed: 1000 first connection",
            "reconnecting",
            "connected",
            "are you there?",
            "end play; Is Connected: true",
        ]
    );
    let (addr, _) = server(None, |ws, _, seen| echo(ws, seen)).await;
    let r = run(
        include_str!("cases/socket/in_progress.ron"),
        SocketConfig::default(),
        &[url(addr, "/")],
    )
    .await;
    assert_eq!(
        r.prints
            .iter()
            .filter(|p| p.contains("Failed Connection In Progress"))
            .count(),
        3,
        "{:?}",
        r.prints
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_the_instance_closes_open_connections_with_1000() {
    let (addr, seen) = server(None, |ws, _, seen| wait_for_close(ws, seen)).await;
    let graph = patched(
        PROBE,
        r#""connected": (node: "Custom Event", exec: {"then": "say_connected"}),"#,
        r#""connected": (node: "Custom Event", exec: {"then": "quit"}), "quit": (node: "Quit"),"#,
    );
    let r = run(&graph, SocketConfig::default(), &[url(addr, "/")]).await;
    assert_eq!(r.report.outcome, Outcome::Quit);
    assert_eq!(seen.close_codes(1).await, [1000]);
}

/// Issue 9: an open connection that nothing can reach any more is freed, and closed with
/// 1000 first. Connection A opens; its handler makes B with the same node (so no pin holds
/// A any more) and connects it; B's handler makes garbage until a collection runs. The
/// server tells B how A was closed, before the instance ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_open_connection_is_closed_with_1000() {
    let (addr, _) = server(None, |mut ws, n, seen| async move {
        if n == 1 {
            wait_for_close(ws, seen).await;
        } else {
            let codes = seen.close_codes(1).await;
            let _ = ws
                .send(Message::text(format!("the first connection closed with {codes:?}")))
                .await;
            wait_for_close(ws, seen).await;
        }
    })
    .await;
    let graph = r#"Graph(format: 1, name: "Unreachable", variables: {"Url": (type: String), "Opened": (type: Int)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "make"}),
        "make": (node: "Construct Object", inputs: {"Class": "M2_StringWebSocketConnection"}, exec: {"then": "connect"}),
        "connect": (node: "Connect String Websocket", inputs: {"Target": Link("make", "Return Value"), "Url": Var("Url"),
            "On Connected": Event("opened"), "On Message Received": Event("told")}),
        "opened": (node: "Custom Event", exec: {"then": "count"}),
        "count": (node: "Set", var: "Opened", inputs: {"Opened": Link("plus", "Return Value")}, exec: {"then": "which"}),
        "plus": (node: "Add", inputs: {"A": Var("Opened"), "B": 1}),
        "which": (node: "Branch", inputs: {"Condition": Link("first", "Return Value")}, exec: {"True": "make", "False": "churn"}),
        "first": (node: "Equal", inputs: {"A": Var("Opened"), "B": 1}),
        "churn": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 2000}, exec: {"Loop Body": "garbage"}),
        "garbage": (node: "Construct Object", inputs: {"Class": "M2_JsonWebSocketConnection"}),
        "told": (node: "Custom Event", exec: {"then": "say"}),
        "say": (node: "Print String", inputs: {"In String": Link("told", "Message")}, exec: {"then": "quit"}),
        "quit": (node: "Quit"),
    })"#;
    let r = run(graph, SocketConfig::default(), &[url(addr, "/")]).await;
    assert_eq!(r.prints, ["the first connection closed with [1000]"]);
}

/// A connection that is connecting is held by its Connect until it reports, however
/// little refers to it: three made and connected from one node (whose output keeps only
/// the last) all connect, with collections running meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_is_kept_while_it_connects() {
    let (addr, _) = server(None, |ws, _, seen| wait_for_close(ws, seen)).await;
    let graph = r#"Graph(format: 1, name: "Connecting", variables: {"Url": (type: String), "Up": (type: Int)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 3}, exec: {"Loop Body": "make", "Completed": "churn"}),
        "make": (node: "Construct Object", inputs: {"Class": "M2_StringWebSocketConnection"}, exec: {"then": "connect"}),
        "connect": (node: "Connect String Websocket", inputs: {"Target": Link("make", "Return Value"), "Url": Var("Url"),
            "On Connected": Event("up")}),
        "churn": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 3000}, exec: {"Loop Body": "garbage"}),
        "garbage": (node: "Construct Object", inputs: {"Class": "M2_JsonWebSocketConnection"}),
        "up": (node: "Custom Event", exec: {"then": "count"}),
        "count": (node: "Set", var: "Up", inputs: {"Up": Link("plus", "Return Value")}, exec: {"then": "all"}),
        "plus": (node: "Add", inputs: {"A": Var("Up"), "B": 1}),
        "all": (node: "Branch", inputs: {"Condition": Link("three", "Return Value")}, exec: {"True": "say"}),
        "three": (node: "Equal", inputs: {"A": Var("Up"), "B": 3}),
        "say": (node: "Print String", inputs: {"In String": "all 3 connected"}, exec: {"then": "quit"}),
        "quit": (node: "Quit"),
    })"#;
    let r = run(graph, SocketConfig::default(), &[url(addr, "/")]).await;
    assert_eq!(r.prints, ["all 3 connected"]);
    assert!(
        r.report.peak_objects >= 1024,
        "a collection ran: {}",
        r.report.peak_objects
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_does_not_wait_for_a_connection_still_connecting() {
    let addr = silent_server().await;
    let graph = patched(
        PROBE,
        r#""o1": (node: "Print String", inputs: {"In String": "connect: Connecting"}, exec: {"then": "early_send"}),"#,
        r#""o1": (node: "Delay", inputs: {"Duration": 0.05}, exec: {"Completed": "quit"}), "quit": (node: "Quit"),"#,
    );
    // The handshake may take an hour, and the end would wait an hour for it: the instance
    // ends at once all the same (cancelling it), well within the bound.
    let hour = Duration::from_secs(3600);
    let config = SocketConfig {
        handshake_timeout: hour,
        ..SocketConfig::default()
    };
    let registry = Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build();
    let program = registry.load_str("graph.ron", &graph).unwrap_or_else(|d| panic!("{d}"));
    let options = graphrun::RunOptions {
        shutdown_grace: hour,
        ..graphrun::RunOptions::default()
    };
    let mut instance = Instance::with_options(&program, Arc::new(Collect::default()), options);
    let (name, value) = url(addr, "/");
    instance
        .set_variable(name, program.parse_variable_value(name, &value).unwrap())
        .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(60), instance.run())
        .await
        .expect("the end did not wait for the connection still connecting");
    assert_eq!(report.outcome, Outcome::Quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handshake_times_out_and_garbage_is_refused() {
    let silent = silent_server().await;
    let config = SocketConfig {
        handshake_timeout: Duration::from_millis(200),
        ..SocketConfig::default()
    };
    let r = run(PROBE, config, &[url(silent, "/")]).await;
    assert_eq!(
        r.prints.last().unwrap(),
        "connection error: the handshake did not complete within 0.2 s; Is Connected: false"
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let garbage = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(b"SSH-2.0-not-http\r\n\r\n").await;
        }
    });
    let r = run(PROBE, SocketConfig::default(), &[url(garbage, "/")]).await;
    let last = r.prints.last().unwrap();
    assert!(last.starts_with("connection error: the handshake failed:"), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_delivered_after_disconnect() {
    let (addr, seen) = server(None, |mut ws, _, seen| async move {
        for i in 0..500 {
            if ws.send(Message::text(format!(r#"{{"i": {i}}}"#))).await.is_err() {
                return;
            }
        }
        wait_for_close(ws, seen).await;
    })
    .await;
    let vars = [url(addr, "/"), set("Expect", "1")];
    let r = run(PROBE, SocketConfig::default(), &vars).await;
    let messages: Vec<_> = r.prints.iter().filter(|p| p.starts_with("message:")).collect();
    assert_eq!(messages, [r#"message: {"i":0}"#]);
    assert_eq!(r.prints.last().unwrap(), r#"disconnected: 1000 "" clean=true"#);
    assert_eq!(seen.close_codes(1).await, [1000]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_outgoing_queue_makes_send_return_false() {
    // On one thread the connection's task cannot drain the queue while the chain runs.
    let (addr, _) = server(None, |ws, _, seen| echo(ws, seen)).await;
    let config = SocketConfig {
        outgoing_queue: 2,
        ..SocketConfig::default()
    };
    let graph = patched(
        PROBE,
        r#""sends": (node: "For Each Loop", inputs: {"Array": Var("Sends")}, exec: {"Loop Body": "send"}),"#,
        r#""sends": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 4}, exec: {"Loop Body": "send"}),"#,
    );
    let graph = patched(
        &graph,
        r#""send": (node: "Send Json Value", inputs: {"Target": Var("Socket"), "Value": Link("sends", "Array Element")}),"#,
        r#""send": (node: "Send Json Value", inputs: {"Target": Var("Socket"), "Value": Link("sends", "Index")}, exec: {"then": "sent"}),
           "sent": (node: "Print String", inputs: {"In String": Link("send", "Return Value")}),"#,
    );
    let r = run(&graph, config, &[url(addr, "/"), set("Expect", "2")]).await;
    assert_eq!(r.prints[3..7], ["true", "true", "false", "false"]);
    let full = r
        .logs
        .iter()
        .filter(|l| l.contains("the outgoing queue is full"))
        .count();
    assert_eq!(full, 1, "{:?}", r.logs);
    // The second refusal within a second is counted, not shown (issue 9).
    assert!(
        r.logs
            .iter()
            .any(|l| l.contains("message not sent: 1 more warning(s) of this kind were not shown")),
        "{:?}",
        r.logs
    );
    assert_eq!(r.prints.last().unwrap(), r#"disconnected: 1000 "" clean=true"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_to_a_server_without_tls_is_a_connection_error_not_a_panic() {
    let (addr, _) = server(None, |ws, _, seen| echo(ws, seen)).await;
    let r = run(PROBE, SocketConfig::default(), &[("Url", format!("wss://{addr}/"))]).await;
    let last = r.prints.last().unwrap();
    assert!(
        last.starts_with("connection error: ") && last.to_lowercase().contains("tls"),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosts_connection_limit_makes_connect_fail() {
    let (addr, _) = server(None, |ws, _, seen| echo(ws, seen)).await;
    let config = SocketConfig {
        max_connections: 1,
        ..SocketConfig::default()
    };
    let graph = r#"Graph(format: 1, name: "Limit", variables: {"Url": (type: String)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "a"}),
        "a": (node: "Construct Object", inputs: {"Class": "M2_StringWebSocketConnection"}, exec: {"then": "b"}),
        "b": (node: "Construct Object", inputs: {"Class": "M2_StringWebSocketConnection"}, exec: {"then": "ca"}),
        "ca": (node: "Connect String Websocket", inputs: {"Target": Link("a", "Return Value"), "Url": Var("Url"), "On Connected": Event("up")}, exec: {"Connecting": "cb"}),
        "cb": (node: "Connect String Websocket", inputs: {"Target": Link("b", "Return Value"), "Url": Var("Url")}, exec: {"Failed": "p"}),
        "p": (node: "Print String", inputs: {"In String": "second: Failed"}),
        "up": (node: "Custom Event", exec: {"then": "bye"}),
        "bye": (node: "Disconnect", inputs: {"Target": Link("up", "Connection")}),
    })"#;
    let r = run(graph, config, &[url(addr, "/")]).await;
    assert_eq!(r.prints, ["second: Failed"]);
    assert!(
        r.logs
            .iter()
            .any(|l| l.contains("the host's limit of 1 open connections is reached")),
        "{:?}",
        r.logs
    );
}

#[test]
fn a_flood_of_a_million_messages_at_a_slow_graph_keeps_memory_bounded() {
    // This server writes as fast as tungstenite can frame; the graph spends 10 loop passes
    // on each message, so it is the slow side and the connection must push back.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (addr, _) = rt.block_on(server(None, |mut ws, _, seen| async move {
        for i in 0..1_000_000u32 {
            if ws.feed(Message::text(format!(r#"{{"i": {i}}}"#))).await.is_err() {
                return;
            }
        }
        let _ = ws.flush().await;
        wait_for_close(ws, seen).await;
    }));
    let url = format!("Url=ws://{addr}/");
    let out = probe_cli(
        &[
            "--stats",
            "--timeout",
            "300",
            "--set",
            &url,
            "--set",
            "Expect=1000000",
            "--set",
            "Show=false",
            "--set",
            "CheckOrder=true",
            "--set",
            "Work=10",
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("received 1000000 message(s); disconnecting"),
        "{stdout}\n{stderr}"
    );
    assert!(!stdout.contains("out of order"), "{stdout}");
    let peak: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("stats: peak resident memory "))
        .and_then(|kib| kib.trim_end_matches(" KiB").parse().ok())
        .unwrap_or_else(|| panic!("no stats in {stderr}"));
    eprintln!("flood of 1,000,000 messages: graphrun's peak resident memory {peak} KiB");
    assert!(peak < 64 * 1024, "peak resident memory {peak} KiB is over 64 MiB");
}

/// A wss:// echo server with a self-signed certificate for `localhost`; returns its port
/// and the certificate.
async fn tls_server() -> (u16, rustls::pki_types::CertificateDer<'static>) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let der = cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .unwrap();
    (tls_echo_server(config).await, der)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_works_with_the_hosts_roots_and_is_refused_without_them() {
    let (port, cert) = tls_server().await;
    let url = ("Url", format!("wss://localhost:{port}/"));
    let vars = [url.clone(), set("Sends", r#"[{"over": "tls"}]"#), set("Expect", "1")];

    // The host trusts the server's certificate: the connection works end to end.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let library = SocketLibrary::with_tls(SocketConfig::default(), Arc::new(tls));
    let prints = run_with(PROBE, &library, &vars).await.prints;
    assert_eq!(
        prints[3..],
        [
            r#"message: {"over":"tls"}"#,
            "received 1 message(s); disconnecting",
            r#"disconnected: 1000 "" clean=true"#
        ],
        "{prints:?}"
    );

    // The default roots (webpki's and the system's) do not trust a self-signed
    // certificate; the error says so in words.
    let r = run(PROBE, SocketConfig::default(), &vars).await;
    let last = r.prints.last().unwrap();
    assert!(
        last.starts_with("connection error: TLS failed: certificate signed by an unknown authority"),
        "{last}"
    );
}

/// Issue 35, 4: a peer that stops answering — its socket paused, not closed: the handshake
/// done, then nothing read or written — is noticed. With `--idle-timeout 5` (and a ping
/// every second, which it never answers), On Disconnected fires with `clean=false` and
/// the reason, 5 s after the last frame heard (within idle-timeout + 1 s), on tokio's clock
/// (paused once the connection is open, so the 5 s pass at once).
#[tokio::test(flavor = "current_thread")]
async fn a_peer_that_stops_answering_is_disconnected_after_the_idle_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                held.push(ws);
            }
        }
    });
    let config = SocketConfig {
        idle_timeout: Some(Duration::from_secs(5)),
        ping_interval: Some(Duration::from_secs(1)),
        ..SocketConfig::default()
    };
    let library = SocketLibrary::new(config);
    let registry = Registry::builder().install(&StandardLibrary).install(&library).build();
    let program = registry.load_str("graph.ron", PROBE).unwrap_or_else(|d| panic!("{d}"));
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    for (name, text) in [url(addr, "/"), set("Expect", "1")] {
        let value = program.parse_variable_value(name, &text).unwrap();
        instance.set_variable(name, value).unwrap();
    }
    let run = instance.run();
    tokio::pin!(run);
    // Real time until the connection is open (bounded), then tokio's clock, paused.
    let started = std::time::Instant::now();
    let mut opened = None;
    while opened.is_none() {
        tokio::select! {
            _ = &mut run => panic!("the run ended before connecting: {:?}", host.prints.lock().unwrap()),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        if host.prints.lock().unwrap().iter().any(|p| p.starts_with("connected:")) {
            tokio::time::pause();
            opened = Some(tokio::time::Instant::now());
        }
        assert!(started.elapsed() < Duration::from_secs(20), "not connected after 20 s");
    }
    tokio::time::timeout(Duration::from_secs(60), &mut run)
        .await
        .expect("the run ended");
    let waited = opened.unwrap().elapsed();
    let prints = host.prints.lock().unwrap().clone();
    let last = prints.last().unwrap();
    assert!(
        last.starts_with(r#"disconnected: 1006 "nothing heard from the server for 5 s (--idle-timeout): the connection is taken as broken" clean=false"#),
        "{prints:?}"
    );
    // The connection was open a few real milliseconds before the clock paused: its
    // 5 s ran from then.
    assert!(
        waited > Duration::from_millis(4_500) && waited <= Duration::from_secs(6),
        "disconnected {waited:?} after opening"
    );
}

/// Issue 35, 4: pings keep a live peer's connection open. With `--ping-interval 0.2` and
/// `--idle-timeout 1`, a connection to an echo server that is sent nothing stays open for
/// the 3 s the run lasts: the server's pongs are heard (without them it would be taken as
/// broken after 1 s, as the test above shows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pongs_keep_an_idle_connection_to_a_live_server_open() {
    let addr = echo_server().await;
    let url = format!("Url=ws://{addr}/");
    let out = tokio::task::spawn_blocking(move || {
        probe_cli(
            &[
                "--set",
                &url,
                "--set",
                "Sends=[]",
                "--set",
                "Expect=1",
                "--timeout",
                "3",
                "--ping-interval",
                "0.2",
                "--idle-timeout",
                "1",
            ],
            None,
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("connected: "), "{stdout}");
    assert!(!stdout.contains("disconnected:"), "{stdout}");
    assert_eq!(out.status.code(), Some(3), "ended by --timeout: {stdout}");
}
