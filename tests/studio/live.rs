//! Live editing in the studio, driven as a person drives it: a graph connected to an echo
//! server runs; its message handler's text is edited with the pointer and keys while it
//! runs; the next reply prints the new text over the same connection, and the count it
//! keeps goes on. A retyped variable is reset and named in the log; with the live switch
//! off, a change does not reach the run until the switch is on again.

use std::sync::atomic::Ordering;

use super::browser::Browser;
use super::echo::echo_server;
use super::{saved, scratch, screenshots, start, type_literal, OUTPUT_LINES};

/// Every 0.2 s it sends "ping"; each reply counts, printing `say` and then the count.
fn graph(say: &str, level: &str) -> String {
    format!(
        r#"Graph(
    format: 1,
    name: "Live",
    variables: {{
        "Socket": (type: Object("M2_StringWebSocketConnection")),
        "Url": (type: String),
        "Count": (type: Int),
        "Level": {level},
    }},
    nodes: {{
        "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {{"then": "make"}}),
        "make": (node: "Construct Object", pos: (220, 0), inputs: {{"Class": "M2_StringWebSocketConnection"}}, exec: {{"then": "keep"}}),
        "keep": (node: "Set", pos: (580, 0), var: "Socket", inputs: {{"Socket": Link("make", "Return Value")}}, exec: {{"then": "connect"}}),
        "connect": (node: "Connect String Websocket", pos: (790, 0), inputs: {{
            "Target": Var("Socket"), "Url": Var("Url"),
            "On Connected": Event("up"), "On Message Received": Event("message"),
        }}),
        "up": (node: "Custom Event", pos: (0, 300), exec: {{"then": "timer"}}),
        "timer": (node: "Set Timer by Event", pos: (200, 300), inputs: {{"Event": Event("tick"), "Time": 0.2, "Looping": true}}),
        "tick": (node: "Custom Event", pos: (0, 500), exec: {{"then": "send"}}),
        "send": (node: "Send Message", pos: (200, 500), inputs: {{"Target": Var("Socket"), "Message": "ping"}}),
        "message": (node: "Custom Event", pos: (0, 700), exec: {{"then": "count"}}),
        "count": (node: "Set", pos: (200, 700), var: "Count", inputs: {{"Count": Link("plus", "Return Value")}}, exec: {{"then": "say"}}),
        "plus": (node: "Add", pos: (200, 900), inputs: {{"A": Var("Count"), "B": 1}}),
        "say": (node: "Print String", pos: (420, 700), inputs: {{"In String": "{say}"}}, exec: {{"then": "show"}}),
        "show": (node: "Print String", pos: (640, 700), inputs: {{"In String": Var("Count")}}),
    }},
)
"#
    )
}

/// The output lines so far.
async fn output(page: &mut Browser) -> Vec<String> {
    serde_json::from_value(page.eval(OUTPUT_LINES).await).unwrap()
}

/// The counts printed after the last line that is `text`.
fn counts_after(lines: &[String], text: &str) -> Vec<i64> {
    let at = lines.iter().rposition(|l| l == text).map_or(0, |i| i + 1);
    lines[at..].iter().filter_map(|l| l.parse().ok()).collect()
}

const LOG_LINES: &str = "[...document.querySelectorAll('#log > div')].map(d => d.textContent).join('\\n')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_reaches_the_running_graph_over_the_connection_it_has() {
    let (port, connections) = echo_server();
    let dir = scratch("live");
    let file = dir.join("live.ron");
    std::fs::write(&file, graph("before", "(type: Int, default: 3)")).unwrap();
    let set = format!("Url=ws://127.0.0.1:{port}/");
    let (_studio, url) = start(&dir, &["studio", "live.ron", "--port", "0", "--set", &set]);
    let mut page = Browser::launch("live").await;
    page.goto(&url).await;
    page.wait_for(
        "the graph",
        "document.querySelectorAll('#stage g.node[data-node]').length === 13",
    )
    .await;
    page.wait_for(
        "live editing on",
        "document.querySelector('[data-action=\"live\"]').getAttribute('aria-pressed') === 'true'",
    )
    .await;
    page.click("[data-action=\"run\"]").await;
    page.wait_for("two replies", &format!("{OUTPUT_LINES}.includes('2')"))
        .await;

    // The handler's text, edited as a user edits it: click the literal, type, Enter.
    type_literal(&mut page, "say", "In String", "after").await;
    saved(&mut page, 1).await;
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        graph("after", "(type: Int, default: 3)")
    );
    page.wait_for("the edit applied", &format!("{LOG_LINES}.includes('applied at')"))
        .await;
    page.wait_for("the new text printed", &format!("{OUTPUT_LINES}.includes('after')"))
        .await;
    page.wait_for(
        "a count after it",
        &format!("{OUTPUT_LINES}.slice({OUTPUT_LINES}.lastIndexOf('after')).length > 1"),
    )
    .await;
    let lines = output(&mut page).await;
    let before = counts_after(&lines[..lines.iter().position(|l| l == "after").unwrap()], "before");
    let after = counts_after(&lines, "after");
    assert_eq!(
        after[0],
        before.last().unwrap() + 1,
        "the count went on from where it was: {lines:?}"
    );
    assert_eq!(
        page.eval("document.body.dataset.state").await,
        "running",
        "the run went on"
    );
    page.save_screenshot(&screenshots(), "studio-live.png").await;

    // A change made elsewhere that retypes Level: it takes its new default, and the log
    // names it.
    std::fs::write(&file, graph("after", "(type: Float, default: 0.5)")).unwrap();
    page.wait_for("Level reset", &format!("{LOG_LINES}.includes('Level reset')"))
        .await;
    page.wait_for(
        "Level's new value shown",
        "document.querySelector('#variables [data-variable=\"Level\"]')?.textContent.includes('0.5')",
    )
    .await;

    // The switch off: a change does not reach the run (several replies still print
    // `after`); on again, it does at once.
    page.click("[data-action=\"live\"]").await;
    page.wait_for(
        "live editing off",
        "document.querySelector('[data-action=\"live\"]').getAttribute('aria-pressed') === 'false'",
    )
    .await;
    std::fs::write(&file, graph("later", "(type: Float, default: 0.5)")).unwrap();
    let seen = output(&mut page).await.len();
    page.wait_for("three more replies", &format!("{OUTPUT_LINES}.length >= {}", seen + 6))
        .await;
    let lines = output(&mut page).await;
    assert!(!lines.iter().any(|l| l == "later"), "live editing off: {lines:?}");
    page.click("[data-action=\"live\"]").await;
    page.wait_for("the change taken", &format!("{OUTPUT_LINES}.includes('later')"))
        .await;

    page.click("[data-action=\"stop\"]").await;
    page.wait_for("the end", "document.body.dataset.state === 'ended'")
        .await;
    assert_eq!(connections.load(Ordering::SeqCst), 1, "one connection, never a second");
}
