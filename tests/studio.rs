//! `graphrun studio` in a real browser: headless Chromium (Debian's `chromium`) driven over
//! the DevTools protocol with real mouse events. The studio runs the WebSocket example
//! against `graphrun serve-echo`, both as processes, as a user runs them. Also: the
//! pictures in docs/pictures drawn by the browser, box for box where the SVG says.
//!
//! `GRAPHRUN_SCREENSHOTS=DIR` keeps the screenshots there (`scripts/screenshots.sh` makes
//! the README's).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::json;
use tokio_tungstenite::tungstenite;

#[path = "studio/blueprint.rs"]
mod blueprint;
#[path = "studio/browser.rs"]
mod browser;
#[path = "support/echo.rs"]
mod echo;
#[path = "studio/editor.rs"]
mod editor;
#[path = "studio/live.rs"]
mod live;
use browser::Browser;

/// A child process killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `graphrun ARGS` in `dir` and returns it with the first line it prints.
fn start(dir: &Path, args: &[&str]) -> (Process, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(child_log("studio"))
        .spawn()
        .expect("graphrun starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Process(child), line.trim().to_string())
}

#[path = "support/child_log.rs"]
mod child_log;
use child_log::child_log;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-studio-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where screenshots go: `GRAPHRUN_SCREENSHOTS`, or a scratch folder.
fn screenshots() -> PathBuf {
    std::env::var_os("GRAPHRUN_SCREENSHOTS").map_or_else(|| scratch("screenshots"), PathBuf::from)
}

/// The status line of a request, read as soon as it comes (a WebSocket that switched stays
/// open).
fn first_line(addr: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    let _ = BufReader::new(stream).read_line(&mut line);
    line
}

/// What `graphrun ARGS` prints.
fn output_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "graphrun {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const OUTPUT_LINES: &str = "[...document.querySelectorAll('#output > div')].map(d => d.textContent)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_studio_runs_pauses_steps_and_redraws_the_websocket_example_in_chromium() {
    let dir = scratch("example");
    let graph = dir.join("websocket_example.ron");
    std::fs::copy(root().join("graphs/websocket_example.ron"), &graph).unwrap();
    let graph_arg = graph.to_str().unwrap();
    let (_echo, echo_line) = start(&dir, &["serve-echo", "--port", "0"]);
    let echo = echo_line
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .expect("the echo server's address")
        .to_string();
    let set = format!("Url={echo}");
    // Started where the file is, the page names it as a user would see it.
    let (_studio, url) = start(&dir, &["studio", "websocket_example.ron", "--port", "0", "--set", &set]);
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/?token="),
        "the first line is the address: {url}"
    );
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let token = url.split("token=").nth(1).unwrap().to_string();
    assert_eq!(token.len(), 32, "a 128-bit token");

    // No token, a wrong token: 403, for the page, its WebSocket and anything else.
    let ws_upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    for target in [
        "/",
        "/ws",
        "/?token=",
        "/?token=0123456789abcdef0123456789abcdef",
        "/favicon.ico",
    ] {
        let line = first_line(
            &addr,
            &format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n{ws_upgrade}\r\n"),
        );
        assert!(line.contains(" 403 "), "GET {target} without the token: {line}");
    }
    let ok = first_line(&addr, &format!("GET /?token={token} HTTP/1.1\r\nHost: {addr}\r\n\r\n"));
    assert!(ok.contains(" 200 "), "with the token: {ok}");

    // What the page should show, from the command line.
    let svg = output_of(&["render", graph_arg]);
    let drawn = svg.matches(r#"<g class="node""#).count();
    let expected: Vec<String> = output_of(&["run", graph_arg, "--set", &set, "--timeout", "30"])
        .lines()
        .map(str::to_string)
        .collect();
    assert!(expected.len() >= 6, "the example prints its replies: {expected:?}");

    let mut page = Browser::launch("example").await;
    page.goto(&url).await;
    page.wait_for("the page to connect and draw the graph", &format!(
        "document.body.dataset.state === 'idle' && document.querySelectorAll('#stage g.node[data-node]').length === {drawn}"
    )).await;
    for id in ["begin", "connect", "show", "OnMessageReceived", "give_up"] {
        assert_eq!(
            page.eval(&format!(
                "!!document.querySelector('#stage g.node[data-node=\"{id}\"]')"
            ))
            .await,
            json!(true),
            "node `{id}` is drawn"
        );
    }
    assert_eq!(
        page.eval("document.querySelector('#diagnostics .error') === null")
            .await,
        json!(true)
    );

    // Run: the output panel gets what `graphrun run` prints, a line per element.
    page.click("button[data-action=run]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    assert_eq!(page.eval(OUTPUT_LINES).await, json!(expected));
    page.wait_for(
        "the variables panel to show Sent = 3",
        "document.querySelector('#variables [data-variable=\"Sent\"]')?.textContent.includes('3')",
    )
    .await;
    let sent = page
        .eval("document.querySelectorAll('#connections .sent').length")
        .await;
    let received = page
        .eval("document.querySelectorAll('#connections .received').length")
        .await;
    assert_eq!(
        (sent, received),
        (json!(3), json!(3)),
        "the connections panel shows the messages both ways"
    );

    // A breakpoint on `show` (the node printing each reply): the run pauses before it.
    page.click("#stage g.node[data-node=\"show\"] [data-action=breakpoint]")
        .await;
    page.wait_for(
        "the breakpoint to be set",
        "document.querySelector('#stage g.node[data-node=\"show\"]').classList.contains('breakpoint')",
    )
    .await;
    page.click("button[data-action=run]").await;
    page.wait_for(
        "the run to pause at `show`",
        "document.body.dataset.state === 'paused' && document.querySelector('#stage g.node[data-node=\"show\"]').classList.contains('active')",
    )
    .await;
    assert_eq!(
        page.eval("document.querySelectorAll('#stage g.node.active').length")
            .await,
        json!(1),
        "one node is active"
    );
    // Nothing ran past it: the output is the lines before the first reply.
    assert_eq!(page.eval(OUTPUT_LINES).await, json!(expected[..2]));
    // Its input's value, where the mouse shows it.
    page.hover("#stage g.node[data-node=\"show\"] .pin[data-pin=\"In String\"]")
        .await;
    let tip = page
        .eval("document.querySelector('#tooltip').hidden ? '' : document.querySelector('#tooltip').textContent")
        .await;
    assert!(
        tip.as_str().unwrap().contains(&expected[2]),
        "hovering In String shows the reply about to be printed: {tip}"
    );
    page.save_screenshot(&screenshots(), "studio-paused.png").await;

    // Step: `show` runs (its line is printed), and the run pauses before the next node.
    page.click("button[data-action=step]").await;
    page.wait_for(
        "a step to pause at the next node",
        "document.body.dataset.state === 'paused' && document.querySelector('#stage g.node.active') && !document.querySelector('#stage g.node[data-node=\"show\"]').classList.contains('active')",
    )
    .await;
    assert_eq!(page.eval(OUTPUT_LINES).await, json!(expected[..3]));

    // Breakpoint off, Continue: the run ends with everything printed.
    page.click("#stage g.node[data-node=\"show\"] [data-action=breakpoint]")
        .await;
    page.wait_for(
        "the breakpoint to be cleared",
        "!document.querySelector('#stage g.node[data-node=\"show\"]').classList.contains('breakpoint')",
    )
    .await;
    page.click("button[data-action=continue]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    assert_eq!(page.eval(OUTPUT_LINES).await, json!(expected));

    // An edit on disk redraws the graph.
    let text = std::fs::read_to_string(&graph).unwrap();
    let edited = text.replace(
        r#""quit": (node: "Quit"),"#,
        r#""quit": (node: "Quit"),
        "extra": (node: "Print String", inputs: {"In String": "an edit"}),"#,
    );
    assert_ne!(edited, text);
    std::fs::write(&graph, &edited).unwrap();
    page.wait_for(
        "the edit to be drawn",
        &format!(
            "document.querySelectorAll('#stage g.node[data-node]').length === {}",
            drawn + 1
        ),
    )
    .await;
    // A mistake on disk: the diagnostic is shown, on its node.
    std::fs::write(
        &graph,
        edited.replace(
            r#"(node: "Print String", inputs: {"In String": "an edit"})"#,
            r#"(node: "Print Strin", inputs: {"In String": "an edit"})"#,
        ),
    )
    .unwrap();
    page.wait_for(
        "the diagnostic on node `extra`",
        "document.querySelector('#diagnostics .error')?.textContent.includes('Print Strin') && document.querySelector('#stage g.node[data-node=\"extra\"]').classList.contains('diagnostic')",
    )
    .await;
    // Clicking the diagnostic shows its node.
    page.click("#diagnostics .error").await;
    page.wait_for(
        "the diagnostic's node to be shown",
        "document.querySelector('#stage g.node[data-node=\"extra\"]').classList.contains('focus')",
    )
    .await;
    page.save_screenshot(&screenshots(), "studio-diagnostic.png").await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A graph that runs until stopped: a timer every 50 ms adds one to a counter.
const TICKING: &str = r#"Graph(
    format: 1,
    name: "Ticking",
    variables: {"Ticks": (type: Int)},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
        "timer": (node: "Set Timer by Event", inputs: {"Event": Event("Tick"), "Time": 0.05, "Looping": true}),
        "Tick": (node: "Custom Event", exec: {"then": "count"}),
        "count": (node: "Increment", var: "Ticks", exec: {"then": "say"}),
        "say": (node: "Print String", inputs: {"In String": Link("text", "Return Value")}),
        "text": (node: "To String", inputs: {"Value": Var("Ticks")}),
    },
)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_a_running_graph_and_stop_ends_it() {
    let dir = scratch("ticking");
    let graph = dir.join("ticking.ron");
    std::fs::write(&graph, TICKING).unwrap();
    output_of(&["check", graph.to_str().unwrap()]);
    let (_studio, url) = start(&dir, &["studio", "ticking.ron", "--port", "0"]);
    let mut page = Browser::launch("ticking").await;
    page.goto(&url).await;
    page.wait_for("the graph", "document.querySelectorAll('#stage g.node').length === 6")
        .await;
    page.click("button[data-action=run]").await;
    page.wait_for("a few ticks", "document.querySelectorAll('#output > div').length >= 3")
        .await;
    page.click("button[data-action=pause]").await;
    page.wait_for("the pause", "document.body.dataset.state === 'paused'")
        .await;
    // Nothing runs while paused: the timer's ticks wait.
    let lines = page.eval("document.querySelectorAll('#output > div').length").await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        page.eval("document.querySelectorAll('#output > div').length").await,
        lines,
        "no tick while paused"
    );
    page.click("button[data-action=continue]").await;
    page.wait_for(
        "ticks again",
        &format!("document.querySelectorAll('#output > div').length > {lines}"),
    )
    .await;
    page.click("button[data-action=stop]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_draws_every_picture_box_for_box_where_the_svg_says() {
    let mut page = Browser::launch("pictures").await;
    let pictures = root().join("docs/pictures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&pictures).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        seen += 1;
        page.goto(&format!("file://{}", path.display())).await;
        page.wait_for("the picture to load", "document.readyState === 'complete'")
            .await;
        // A picture that is not well-formed XML shows Chromium's parser error instead.
        let root_name = page.eval("document.documentElement.localName").await;
        assert_eq!(root_name, json!("svg"), "{} parses as SVG", path.display());
        // Every node's box is drawn where its attributes say, at its size.
        let off = page
            .eval(
                "[...document.querySelectorAll('g.node')].filter(g => { const r = g.querySelector('rect'); const b = r.getBBox(); \
                 return Math.abs(b.x - r.x.baseVal.value) > 0.5 || Math.abs(b.y - r.y.baseVal.value) > 0.5 || b.width < 1 || b.height < 1; }).map(g => g.dataset.node)",
            )
            .await;
        assert_eq!(off, json!([]), "{}: boxes drawn elsewhere", path.display());
        let nodes = page.eval("document.querySelectorAll('g.node').length").await;
        assert!(nodes.as_u64().unwrap() > 0, "{} draws its nodes", path.display());
        // Every title's text fits its box as the browser lays the font out.
        let overflow = page
            .eval(
                "[...document.querySelectorAll('g.node')].filter(g => { const box = g.querySelector('rect').getBBox(); \
                 return [...g.querySelectorAll('text')].some(t => { const b = t.getBBox(); return b.x < box.x - 1 || b.x + b.width > box.x + box.width + 1; }); }).map(g => g.dataset.node)",
            )
            .await;
        assert_eq!(overflow, json!([]), "{}: text spilling out of its node", path.display());
        let png = page.screenshot().await;
        assert!(png.len() > 5_000, "{} renders to something", path.display());
    }
    assert!(seen >= 5, "the pictures of graphs/ are there ({seen})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breakpoint_in_a_function_or_a_macro_pauses_there_showing_the_calls_that_led_there() {
    let dir = root().join("graphs");
    let (_studio, url) = start(&dir, &["studio", "reuse_example.ron", "--port", "0"]);
    let mut page = Browser::launch("reuse").await;
    page.goto(&url).await;
    page.wait_for("the graph", "document.querySelectorAll('#stage g.node').length > 0")
        .await;
    // A tab per function and macro, the imported ones too.
    let tabs = page
        .eval("[...document.querySelectorAll('#tabs button')].map(b => b.textContent)")
        .await;
    for name in ["Event Graph", "Add Score", "If Leading", "Shout", "For Each Word"] {
        assert!(
            tabs.as_array().unwrap().contains(&json!(name)),
            "a tab `{name}` in {tabs}"
        );
    }
    page.click("#tabs button[data-graph=\"Add Score\"]").await;
    page.wait_for(
        "the function's body",
        "document.querySelector('#stage g.node[data-node=\"keep\"]')",
    )
    .await;
    page.click("#stage g.node[data-node=\"keep\"] [data-action=breakpoint]")
        .await;
    page.click("#tabs button[data-graph=\"If Leading\"]").await;
    page.wait_for(
        "the macro's body",
        "document.querySelector('#stage g.node[data-node=\"raise\"]')",
    )
    .await;
    page.click("#stage g.node[data-node=\"raise\"] [data-action=breakpoint]")
        .await;
    page.wait_for(
        "the breakpoint in the macro",
        "document.querySelector('#stage g.node[data-node=\"raise\"]').classList.contains('breakpoint')",
    )
    .await;
    page.click("#tabs button[data-graph=\"\"]").await;
    page.click("button[data-action=run]").await;
    // In the function: its tab comes up, paused at `keep`, with the call that led there.
    page.wait_for(
        "the pause in Add Score",
        "document.body.dataset.state === 'paused' && document.querySelector('#tabs button.current')?.dataset.graph === 'Add Score' \
         && document.querySelector('#stage g.node[data-node=\"keep\"]')?.classList.contains('active')",
    )
    .await;
    let calls = page
        .eval("document.querySelector('#calls').hidden ? '' : document.querySelector('#calls').textContent")
        .await;
    assert!(
        calls.as_str().unwrap().contains("called from reuse_example.ron:90:"),
        "the call that led there: {calls}"
    );
    assert!(calls.as_str().unwrap().contains("node `add` (Add Score)"), "{calls}");
    page.click("#stage g.node[data-node=\"keep\"] [data-action=breakpoint]")
        .await;
    page.wait_for(
        "the function's breakpoint cleared",
        "!document.querySelector('#stage g.node[data-node=\"keep\"]').classList.contains('breakpoint')",
    )
    .await;
    // On: the macro's breakpoint is next, in its own tab, with the use that led there.
    page.click("button[data-action=continue]").await;
    page.wait_for(
        "the pause in If Leading",
        "document.body.dataset.state === 'paused' && document.querySelector('#tabs button.current')?.dataset.graph === 'If Leading' \
         && document.querySelector('#stage g.node[data-node=\"raise\"]')?.classList.contains('active')",
    )
    .await;
    let calls = page.eval("document.querySelector('#calls').textContent").await;
    assert!(
        calls.as_str().unwrap().contains("used at reuse_example.ron:111:"),
        "the macro use: {calls}"
    );
    assert_eq!(
        page.eval(OUTPUT_LINES).await,
        json!(["ada: 10"]),
        "paused before `raise` of the first word"
    );
    page.click("#stage g.node[data-node=\"raise\"] [data-action=breakpoint]")
        .await;
    page.wait_for(
        "the macro's breakpoint cleared",
        "!document.querySelector('#stage g.node[data-node=\"raise\"]').classList.contains('breakpoint')",
    )
    .await;
    page.click("button[data-action=continue]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    let expected: Vec<String> = output_of(&["run", "graphs/reuse_example.ron"])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(page.eval(OUTPUT_LINES).await, json!(expected));
}

#[test]
fn the_studio_server_answers_bad_requests_with_their_status_and_keeps_serving() {
    let dir = root().join("graphs");
    let (studio, url) = start(&dir, &["studio", "hello.ron", "--port", "0"]);
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let token = url.split("token=").nth(1).unwrap().to_string();
    let port = addr.rsplit(':').next().unwrap().to_string();
    let huge = format!(
        "GET /?token={token} HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\n\r\n",
        "x".repeat(20_000)
    );
    let upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    for (request, status) in [
        // A request head past 16 KiB: Request Header Fields Too Large.
        (huge, " 431 "),
        ("\u{0}\u{1}garbage\r\n\r\n".to_string(), " 400 "),
        ("GET\r\n\r\n".to_string(), " 400 "),
        (
            format!("POST /?token={token} HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
            " 405 ",
        ),
        (
            format!("GET /nope?token={token} HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
            " 404 ",
        ),
        (
            format!("GET /ws?token={token} HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
            " 400 ",
        ),
        (
            format!("GET /?token={token}x HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
            " 403 ",
        ),
        // Another name for this address (DNS rebinding), or none: refused, token or not.
        (
            format!("GET /?token={token} HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n"),
            " 403 ",
        ),
        (format!("GET /?token={token} HTTP/1.1\r\n\r\n"), " 403 "),
        (
            format!("GET /?token={token} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
            " 200 ",
        ),
        // The WebSocket from another page's origin: refused; from the page's own: switched.
        (
            format!("GET /ws?token={token} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://evil.example\r\n{upgrade}\r\n"),
            " 403 ",
        ),
        (
            format!("GET /ws?token={token} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n{upgrade}\r\n"),
            " 101 ",
        ),
        // Issue 34, 16: a second Host (a proxy may read the other) or Origin: refused.
        (
            format!("GET /?token={token} HTTP/1.1\r\nHost: {addr}\r\nHost: evil.example:{port}\r\n\r\n"),
            " 400 ",
        ),
        (
            format!("GET /ws?token={token} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nOrigin: http://evil.example\r\n{upgrade}\r\n"),
            " 400 ",
        ),
        // A WebSocket version other than 13 (RFC 6455), or none: 426, naming the one spoken.
        (
            format!(
                "GET /ws?token={token} HTTP/1.1\r\nHost: {addr}\r\n{}\r\n",
                upgrade.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")
            ),
            " 426 ",
        ),
    ] {
        let line = first_line(&addr, &request);
        assert!(line.contains(status), "{:?}: {line}", &request[..request.len().min(90)]);
    }
    let ok = first_line(&addr, &format!("GET /?token={token} HTTP/1.1\r\nHost: {addr}\r\n\r\n"));
    assert!(ok.contains(" 200 "), "still serving: {ok}");
    // SIGTERM ends it, at once, with status 0.
    let mut studio = studio;
    let pid = studio.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = studio.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the studio ends on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

/// A graph whose second event divides by zero.
const FAILING: &str = r#"Graph(
    format: 1,
    name: "Failing",
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "hello"}),
        "hello": (node: "Print String", inputs: {"In String": "before the error"}, exec: {"then": "show"}),
        "show": (node: "Print String", inputs: {"In String": Link("ratio", "Return Value")}),
        "ratio": (node: "Divide", inputs: {"A": 1, "B": 0}),
    },
)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_error_is_in_the_log_and_clicking_it_shows_its_node() {
    let dir = scratch("failing");
    std::fs::write(dir.join("failing.ron"), FAILING).unwrap();
    let (_studio, url) = start(&dir, &["studio", "failing.ron", "--port", "0"]);
    let mut page = Browser::launch("failing").await;
    page.goto(&url).await;
    page.wait_for("the graph", "document.querySelectorAll('#stage g.node').length === 4")
        .await;
    page.click("button[data-action=run]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    assert_eq!(page.eval(OUTPUT_LINES).await, json!(["before the error"]));
    let error = page
        .eval("document.querySelector('#log .error')?.textContent ?? ''")
        .await;
    let error = error.as_str().unwrap();
    assert!(
        error.contains("failing.ron:8:") && error.contains("`ratio`") && error.contains("zero"),
        "the runtime error, with its place: {error}"
    );
    page.click("#log .error").await;
    page.wait_for(
        "the failing node to be shown",
        "document.querySelector('#stage g.node[data-node=\"ratio\"]').classList.contains('focus')",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM ends the studio within a second when its file is swapped for a FIFO (the studio
/// blocked opening it, SIGTERM ignored). (A huge file: the test after the next.)
#[test]
fn sigterm_ends_the_studio_within_a_second_even_on_a_fifo() {
    for case in ["fifo"] {
        let dir = scratch(&format!("sigterm-{case}"));
        std::fs::write(dir.join("g.ron"), r#"Graph(format: 1, name: "G", nodes: {})"#).unwrap();
        let (studio, url) = start(&dir, &["studio", "g.ron", "--port", "0"]);
        // A page, to hear the studio say it looked at the FIFO.
        let ws = page_socket_url(&url);
        let (mut page, _) = tungstenite::connect(ws.as_str()).unwrap();
        if let tungstenite::stream::MaybeTlsStream::Plain(tcp) = page.get_ref() {
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        }
        // Changed under it: the watcher reports it, and the studio looks at it.
        std::fs::remove_file(dir.join("g.ron")).unwrap();
        assert!(Command::new("mkfifo")
            .arg(dir.join("g.ron"))
            .status()
            .unwrap()
            .success());
        // It refuses the FIFO, and says so in the log.
        loop {
            let message = page.read().expect("the studio says it refused the FIFO within 20 s");
            if message.to_text().is_ok_and(|t| t.contains("it is not a regular file")) {
                break;
            }
        }
        let mut studio = studio;
        let pid = studio.0.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let started = std::time::Instant::now();
        loop {
            if studio.0.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "{case}: the studio did not end on SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Doubles a string to 8 MiB, then prints it 200 times: 1.6 GiB of output.
const FLOOD: &str = r#"Graph(
    format: 1,
    name: "Flood",
    variables: {"S": (type: String, default: "x")},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "grow"}),
        "grow": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 23}, exec: {"Loop Body": "double", "Completed": "flood"}),
        "double": (node: "Set", var: "S", inputs: {"S": Link("join", "Return Value")}),
        "join": (node: "Append", inputs: {"A": Var("S"), "B": Var("S")}),
        "flood": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 200}, exec: {"Loop Body": "say"}),
        "say": (node: "Print String", inputs: {"In String": Var("S")}),
    },
)
"#;

/// The address of the page's WebSocket, from the page's (`http://…/?token=…`).
fn page_socket_url(url: &str) -> String {
    url.replacen("http://", "ws://", 1).replacen("/?", "/ws?", 1)
}

/// The most memory a process has held (`VmHWM`), in bytes.
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Issue 24, 1: a run that prints 1.6 GiB (200 lines of 8 MiB) held 5.3 GB in the studio,
/// never freed, and a page that never read made it hold more. What the studio keeps and
/// sends is bounded by bytes: lines are cut with a marker saying how long they were, and a
/// page that does not read holds no more than the last few batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_printing_gigabytes_keeps_the_studio_small_even_with_a_page_that_never_reads() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let dir = scratch("flood");
    std::fs::write(dir.join("flood.ron"), FLOOD).unwrap();
    let (studio, url) = start(&dir, &["studio", "flood.ron", "--port", "0"]);
    let ws = page_socket_url(&url);
    // A page that never reads a byte.
    let (_stuck, _) = tokio_tungstenite::connect_async(ws.as_str()).await.unwrap();
    let (mut page, _) = tokio_tungstenite::connect_async(ws.as_str()).await.unwrap();
    page.send(Message::text(r#"{"action":"run"}"#)).await.unwrap();
    let mut lines: Vec<String> = Vec::new();
    let mut largest = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let message = tokio::time::timeout_at(deadline, page.next())
            .await
            .expect("the run ends within two minutes")
            .expect("the studio keeps the page's socket open")
            .unwrap();
        let Message::Text(text) = message else { continue };
        largest = largest.max(text.len());
        let message: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
        for line in message["output"].as_array().into_iter().flatten() {
            lines.push(line.as_str().unwrap().to_string());
        }
        if message["type"] == "state" && message["state"] == "ended" {
            break;
        }
    }
    let peak = peak_memory(studio.0.id());
    eprintln!("studio peak {} MiB, largest message {largest} bytes", peak >> 20);
    // Every line is shown, cut, or counted where a batch had no more room.
    let (counted, shown): (Vec<&String>, Vec<&String>) = lines
        .iter()
        .partition(|l| l.contains("more lines in this moment are not shown"));
    let not_shown: usize = counted
        .iter()
        .map(|l| {
            l.trim_start_matches('(')
                .split(' ')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(shown.len() + not_shown, 200, "every line is shown or counted");
    assert!(shown.len() >= 100, "{} lines shown", shown.len());
    for line in shown {
        assert!(line.len() < 10_000, "a line is cut: {} bytes", line.len());
        assert!(
            line.ends_with("(8388608 bytes in all)"),
            "the cut says how long it was: …{}",
            &line[line.len().saturating_sub(60)..]
        );
    }
    assert!(largest <= 1 << 20, "no message to a page is over 1 MiB: {largest}");
    assert!(peak < 128 << 20, "the studio held {} MiB", peak >> 20);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs until stopped: every millisecond, 2,000 lines and the nodes' values change.
const BUSY: &str = r#"Graph(
    format: 1,
    name: "Busy",
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
        "timer": (node: "Set Timer by Event", inputs: {"Event": Event("Tick"), "Time": 0.001, "Looping": true}),
        "Tick": (node: "Custom Event", exec: {"then": "loop"}),
        "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 2000}, exec: {"Loop Body": "say"}),
        "say": (node: "Print String", inputs: {"In String": Link("text", "Return Value")}),
        "text": (node: "To String", inputs: {"Value": Link("loop", "Index")}),
    },
)
"#;

/// Issue 24, 1: a tight loop's batches were 2–7 MB every 100 ms, and `ended` reached a
/// reading page 6.4 s after Stop, behind the batches queued for it. Batches now carry each
/// node that ran once, only the values that changed, and a bounded share of the lines; and
/// a page's queue is bounded, so `ended` comes a few messages after Stop, not tens (counted,
/// not timed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_run_sends_bounded_batches_and_stop_reaches_the_page_at_once() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let dir = scratch("busy");
    std::fs::write(dir.join("busy.ron"), BUSY).unwrap();
    let (studio, url) = start(&dir, &["studio", "busy.ron", "--port", "0"]);
    let ws = page_socket_url(&url);
    let (stuck, _) = tokio_tungstenite::connect_async(ws.as_str()).await.unwrap();
    let (mut reader, _) = tokio_tungstenite::connect_async(ws.as_str()).await.unwrap();
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    // Every message the reading page got, and how many it had got when `ended` came.
    let total = std::sync::Arc::new(AtomicUsize::new(0));
    let ended_at = std::sync::Arc::new(AtomicUsize::new(usize::MAX));
    let largest = {
        let (seen, total, ended_at) = (seen.clone(), total.clone(), ended_at.clone());
        tokio::spawn(async move {
            let mut largest = 0;
            while let Some(Ok(message)) = reader.next().await {
                if let Message::Text(text) = message {
                    let n = total.fetch_add(1, Ordering::SeqCst) + 1;
                    largest = largest.max(text.len());
                    if text.starts_with(r#"{"type":"batch""#) {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                    if text.starts_with(r#"{"type":"state","state":"ended""#) {
                        let _ = ended_at.compare_exchange(usize::MAX, n, Ordering::SeqCst, Ordering::SeqCst);
                    }
                }
            }
            largest
        })
    };
    let mut page = Browser::launch("busy").await;
    page.goto(&url).await;
    page.wait_for("the graph", "document.querySelectorAll('#stage g.node').length === 6")
        .await;
    page.click("button[data-action=run]").await;
    page.wait_for("lines", "document.querySelectorAll('#output > div').length >= 5000")
        .await;
    // Busy for a while: twenty batches more have gone to the reading page.
    let before = seen.load(Ordering::SeqCst);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen.load(Ordering::SeqCst) < before + 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run sent no batches for a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // When the page's state turns to ended, as the page's own clock saw it.
    page.eval(
        "window.endedAt = null; new MutationObserver(() => { if (document.body.dataset.state === 'ended' && window.endedAt === null) window.endedAt = performance.now(); }).observe(document.body, {attributes: true})",
    )
    .await;
    let (x, y) = page.hover("button[data-action=stop]").await;
    let clicked = page.eval("performance.now()").await.as_f64().unwrap();
    let before_stop = total.load(Ordering::SeqCst);
    for kind in ["mousePressed", "mouseReleased"] {
        page.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
        )
        .await;
    }
    page.wait_for("the run to end", "window.endedAt !== null").await;
    let took = page.eval("window.endedAt").await.as_f64().unwrap() - clicked;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while ended_at.load(Ordering::SeqCst) == usize::MAX {
        assert!(
            std::time::Instant::now() < deadline,
            "`ended` never reached the reading page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let behind = ended_at.load(Ordering::SeqCst) - before_stop;
    let peak = peak_memory(studio.0.id());
    drop(studio);
    drop(stuck);
    let largest = largest.await.unwrap();
    let batches = seen.load(Ordering::SeqCst);
    eprintln!(
        "ended {took:.0} ms after Stop, {behind} messages after it; studio peak {} MiB; largest message {largest} bytes in {batches} batches",
        peak >> 20
    );
    assert!(batches > 10, "the reading page got the run's batches: {batches}");
    assert!(largest <= 1 << 20, "no message to a page is over 1 MiB: {largest}");
    assert!(peak < 128 << 20, "the studio held {} MiB", peak >> 20);
    // A page's queue holds 16 messages, and the socket's buffers a few more; before, the
    // 6.4 s of backlog were some sixty batches.
    assert!(
        behind <= 40,
        "`ended` reached the reading page {behind} messages after Stop"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 24, 9: a 40 MB file swapped in made the studio's loop draw it for 48.7 s, deaf to
/// its pages and to SIGTERM. The file is drawn on a thread of its own: while a drawing is
/// under way (held there by the studio's test hook, `GRAPHRUN_STUDIO_HOLD_DRAWING`, as a
/// huge file would hold it, so nothing here is timed), a page's actions are answered, and
/// SIGTERM ends the studio. A 30,000-node file is then drawn whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drawing_under_way_holds_up_neither_the_pages_nor_sigterm() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let dir = scratch("huge");
    std::fs::write(dir.join("g.ron"), r#"Graph(format: 1, name: "G", nodes: {})"#).unwrap();
    let hold = dir.join("hold");
    let marker = hold.with_extension("held");
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(&dir)
        .args(["studio", "g.ron", "--port", "0"])
        .env("GRAPHRUN_STUDIO_HOLD_DRAWING", &hold)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(child_log("studio"))
        .spawn()
        .expect("graphrun starts");
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let mut studio = Process(child);
    let ws = page_socket_url(url.trim());
    // The pictures of a file this big are tens of MB: a browser takes them whole.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let (mut page, _) = tokio_tungstenite::connect_async_with_config(ws.as_str(), Some(config), false)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    // The page's next message of type `kind` for which `wanted` holds.
    macro_rules! next {
        ($what:expr, |$m:ident| $wanted:expr) => {
            loop {
                let message = tokio::time::timeout_at(deadline, page.next())
                    .await
                    .unwrap_or_else(|_| panic!("{} never came", $what));
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(_)) => continue,
                    other => panic!("the page's socket: {other:?}"),
                };
                let $m: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                if $wanted {
                    break $m;
                }
            }
        };
    }
    // The first drawing: a `graphs` message, or the hello itself where the drawing was
    // done before the page connected (a loaded machine's CI run met that order).
    next!("the first drawing", |m| m["type"] == "graphs"
        || (m["type"] == "hello"
            && m["graphs"].as_array().is_some_and(|g| !g.is_empty())));
    // 30,000 nodes, 5 MB: seconds to check and draw in a debug build.
    let mut big = String::from(
        "Graph(format: 1, name: \"Big\", nodes: {\n\"begin\": (node: \"Event BeginPlay\", exec: {\"then\": \"p0\"}),\n",
    );
    for i in 0..30_000 {
        big.push_str(&format!(
            "\"p{i}\": (node: \"Print String\", inputs: {{\"In String\": \"line {i} of a graph that is here to be big\"}}, exec: {{\"then\": \"p{}\"}}),\n",
            i + 1
        ));
    }
    big.push_str("\"p30000\": (node: \"Print String\"),\n})\n");
    // The drawing of the new file is held: every action asked meanwhile is answered.
    std::fs::write(&hold, "").unwrap();
    std::fs::write(dir.join("big.tmp"), &big).unwrap();
    std::fs::rename(dir.join("big.tmp"), dir.join("g.ron")).unwrap();
    while !marker.exists() {
        assert!(tokio::time::Instant::now() < deadline, "the drawing never started");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for asked in 1..=10 {
        let toggle = json!({"action": "breakpoint", "node": format!("t{asked}")});
        page.send(Message::text(toggle.to_string())).await.unwrap();
        let name = format!("t{asked}");
        // The file drawn so far has no such node: the answer is a refusal naming it.
        next!(format!("the answer to toggle {asked}"), |m| m["type"] == "refused"
            && m["message"].as_str().is_some_and(|t| t.contains(&format!("`{name}`"))));
    }
    assert!(
        marker.exists(),
        "the ten actions were answered while the drawing was held"
    );
    // Let go: the file is drawn whole.
    std::fs::remove_file(&hold).unwrap();
    next!("the huge file's drawing", |m| m["type"] == "graphs"
        && m["graphs"][0]["keys"].as_array().is_some_and(|k| k.len() > 30_000));
    // And while it draws again (the file touched), SIGTERM ends it.
    std::fs::write(&hold, "").unwrap();
    std::fs::write(dir.join("big.tmp"), big.replace("here to be big", "here to be bigger")).unwrap();
    std::fs::rename(dir.join("big.tmp"), dir.join("g.ron")).unwrap();
    while !marker.exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the studio never drew the file again"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let pid = studio.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let signalled = std::time::Instant::now();
    while studio.0.try_wait().unwrap().is_none() {
        assert!(
            signalled.elapsed() < std::time::Duration::from_secs(10),
            "the studio did not end on SIGTERM while a drawing was under way"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the editor's tests read: the file on disk, a pin's selector, a node's `pos`, and
/// the page's count of writes.
fn file(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn pin(node: &str, pin: &str, dir: &str) -> String {
    format!("#stage g.node[data-node=\"{node}\"] .pin[data-pin=\"{pin}\"][data-dir=\"{dir}\"]")
}

/// The one `pos: (X, Y)` of node `id` in `text`.
fn pos_of(text: &str, id: &str) -> (i64, i64) {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("\"{id}\"")))
        .unwrap_or_else(|| panic!("no node {id} in:\n{text}"));
    let at = line.find("pos: (").unwrap() + 6;
    let end = at + line[at..].find(')').unwrap();
    let (x, y) = line[at..end].split_once(", ").unwrap();
    (x.parse().unwrap(), y.parse().unwrap())
}

/// Edits the literal of input `pin` of node `node` as a user does: a click on its value,
/// the field focused, `text` typed, Enter.
async fn type_literal(page: &mut Browser, node: &str, pin: &str, text: &str) {
    page.click(&format!("#stage g.node[data-node=\"{node}\"] [data-literal=\"{pin}\"]"))
        .await;
    page.wait_for(
        &format!("the field of `{pin}` of `{node}`"),
        "document.activeElement?.classList.contains('literal-field')",
    )
    .await;
    page.type_text(text).await;
    page.key("Enter", 0).await;
}

/// Waits for the file's write number `n` to be on disk (the page's `data-saved`).
async fn saved(page: &mut Browser, n: u64) {
    page.wait_for(&format!("write {n}"), &format!("document.body.dataset.saved === '{n}'"))
        .await;
}

/// Issue 34, 9: one page could grow the studio without bound: breakpoints on nodes that do
/// not exist were kept and sent whole to every page at each toggle (40 names of 8 MiB: 2 GB),
/// and actions queued without bound (60 of 15 MiB: 834 MiB). A breakpoint needs a node the
/// file has; the queue holds at most 64 MiB of actions, and a page waits while it is full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_page_cannot_grow_the_studio_without_bound() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let dir = scratch("bounds");
    std::fs::write(dir.join("g.ron"), include_str!("../graphs/hello.ron")).unwrap();
    let (studio, url) = start(&dir, &["studio", "g.ron", "--port", "0"]);
    let ws = page_socket_url(&url);
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let (page, _) = tokio_tungstenite::connect_async_with_config(ws.as_str(), Some(config), false)
        .await
        .unwrap();
    // A reader, so that the studio's messages to this page never hold anything up.
    let (mut sink, mut stream) = page.split();
    let reader = tokio::spawn(async move {
        let (mut refusals, mut kept, mut largest) = (0, false, 0);
        while let Some(Ok(message)) = stream.next().await {
            let Message::Text(text) = message else { continue };
            if text.starts_with(r#"{"type":"refused""#) {
                refusals += 1;
            }
            if text.starts_with(r#"{"type":"breakpoints""#) {
                largest = largest.max(text.len());
                if text.contains(r#""quit""#) {
                    kept = true;
                    break;
                }
            }
        }
        (refusals, kept, largest)
    });
    let huge = "n".repeat(15 << 20);
    for _ in 0..60 {
        let action = format!(r#"{{"action":"breakpoint","node":"{huge}"}}"#);
        sink.send(Message::text(action)).await.unwrap();
    }
    // A real node's breakpoint is kept and said, after all of those.
    sink.send(Message::text(r#"{"action":"breakpoint","node":"quit"}"#))
        .await
        .unwrap();
    let (refusals, kept, largest) = tokio::time::timeout(std::time::Duration::from_secs(120), reader)
        .await
        .expect("the real node's breakpoint was answered")
        .unwrap();
    let peak = peak_memory(studio.0.id());
    eprintln!(
        "studio peak {} MiB, {refusals} refusals, largest breakpoints message {largest} bytes",
        peak >> 20
    );
    assert!(kept, "the breakpoint on `quit` is kept");
    assert_eq!(refusals, 60, "each breakpoint on no node is refused");
    assert!(largest < 1 << 10, "no 15 MiB name is kept and sent: {largest} bytes");
    assert!(peak < 512 << 20, "the studio held {} MiB", peak >> 20);
    let _ = std::fs::remove_dir_all(&dir);
}
