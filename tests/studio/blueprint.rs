//! The studio as a Blueprint author uses it (authoring.md section 8): the WebSocket
//! example's behaviour built from an empty file with the mouse and keyboard alone — no RON
//! typed, no clipboard from outside — through real pointer and key events at the places
//! the page shows things. The file then checks, is in `graphrun fmt`'s form, and runs
//! against `graphrun serve-echo`, printing the echo. The number of page actions it took is
//! the one docs/editing.md gives.

use super::browser::Browser;
use super::{file, output_of, pin, pos_of, scratch, screenshots, start, type_literal, Process};

/// Waits for the file's write number `n` (the page's `data-saved`), then for node `node`
/// (if any) to be drawn.
async fn saved(page: &mut Browser, n: u64, node: Option<&str>) {
    super::saved(page, n).await;
    if let Some(node) = node {
        page.wait_for(
            &format!("`{node}` drawn"),
            &format!("!!document.querySelector('#stage g.node[data-node=\"{node}\"]')"),
        )
        .await;
    }
}

/// Drops a wire dragged from `from` (a pin's selector) at `at`, on empty canvas, and waits
/// for the palette.
async fn drag_to_palette(page: &mut Browser, from: &str, at: (f64, f64)) {
    let start = page.centre(from).await;
    page.drag(start, at, "left").await;
    page.wait_for(
        "the palette",
        "!document.querySelector('#palette').hidden && document.activeElement === document.querySelector('#palette input')",
    )
    .await;
}

/// Types into the palette and takes its first entry, which must be `entry`.
async fn pick(page: &mut Browser, typed: &str, entry: &str) {
    if !typed.is_empty() {
        page.type_text(typed).await;
    }
    page.wait_for(
        &format!("the palette to offer `{entry}` first"),
        &format!("document.querySelector('#palette [data-palette-item].current')?.dataset.paletteItem === {entry:?}"),
    )
    .await;
    page.key("Enter", 0).await;
}

/// The top-left corner of a node's box on the page.
async fn corner(page: &mut Browser, node: &str) -> (f64, f64) {
    let at = page
        .eval(&format!(
            "(() => {{ const r = document.querySelector('#stage g.node[data-node=\"{node}\"] rect').getBoundingClientRect(); return [r.left, r.top]; }})()"
        ))
        .await;
    (at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blueprint_author_builds_the_websocket_example_with_the_mouse_and_it_runs() {
    let dir = scratch("blueprint");
    let graph = dir.join("socket.ron");
    let (_echo, echo_line): (Process, String) = start(&dir, &["serve-echo", "--port", "0"]);
    let echo = echo_line
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .expect("the echo server's address")
        .to_string();
    let (_studio, url) = start(&dir, &["studio", "socket.ron", "--port", "0"]);
    let mut page = Browser::launch("blueprint").await;
    page.goto(&url).await;
    page.wait_for(
        "the new graph",
        "document.querySelectorAll('#stage g.node[data-node]').length === 1",
    )
    .await;
    // Reading the page and opening it are not actions of the author's.
    page.actions = 0;

    // Room to work: BeginPlay to the top left (a right-drag pans), zoomed out a step.
    let begin = page.centre("#stage g.node[data-node=\"begin\"] rect.title").await;
    page.drag(begin, (110.0, 110.0), "right").await;
    page.wheel((300.0, 300.0), 330.0).await;
    let (bx, by) = corner(&mut page, "begin").await;

    // BeginPlay → Construct Object, its class picked from a list.
    drag_to_palette(&mut page, &pin("begin", "then", "out"), (bx + 230.0, by + 10.0)).await;
    pick(&mut page, "construct", "Construct Object").await;
    saved(&mut page, 1, Some("construct_object")).await;
    page.click("#stage g.node[data-node=\"construct_object\"] [data-literal=\"Class\"]")
        .await;
    page.wait_for(
        "the class picker, focused",
        "document.activeElement?.closest('.picker') !== null",
    )
    .await;
    page.type_text("json").await;
    page.wait_for(
        "the picker to offer the JSON connection first",
        "document.querySelector('.picker [data-pick].current')?.dataset.pick === 'M2_JsonWebSocketConnection'",
    )
    .await;
    page.save_screenshot(&screenshots(), "blueprint-class.png").await;
    page.key("Enter", 0).await;
    saved(&mut page, 2, None).await;
    page.wait_for(
        "Return Value typed by the class",
        &format!(
            "document.querySelector('{}')?.dataset.type === 'Object(\"M2_JsonWebSocketConnection\")'",
            pin("construct_object", "Return Value", "out")
        ),
    )
    .await;

    // Promote to Variable on Return Value (right-click the pin): a variable, and a Set of
    // it in the exec chain; the variable renamed Socket in the panel.
    let ret = page.centre(&pin("construct_object", "Return Value", "out")).await;
    page.click_at(ret, "right", 0).await;
    page.wait_for("the pin's menu", "!document.querySelector('#pin-menu').hidden")
        .await;
    page.click("#pin-menu [data-menu=\"promote\"]").await;
    saved(&mut page, 3, Some("set_returnvalue")).await;
    page.wait_for(
        "the variable listed",
        "!!document.querySelector('#declared [data-declared=\"ReturnValue\"] .name')",
    )
    .await;
    page.click("#declared [data-declared=\"ReturnValue\"] .name").await;
    page.wait_for(
        "the rename field",
        "document.activeElement?.classList.contains('literal-field')",
    )
    .await;
    page.type_text("Socket").await;
    page.key("Enter", 0).await;
    saved(&mut page, 4, None).await;
    page.wait_for(
        "the Set's pin renamed",
        &format!(
            "!!document.querySelector('{}')",
            pin("set_returnvalue", "Socket", "out")
        ),
    )
    .await;

    // Off the Set's Socket: the class's functions, Target wired; Connect goes below.
    drag_to_palette(
        &mut page,
        &pin("set_returnvalue", "Socket", "out"),
        (bx + 10.0, by + 150.0),
    )
    .await;
    pick(&mut page, "connect json", "Connect Json Websocket").await;
    saved(&mut page, 5, Some("connect_json_websocket")).await;
    let from = page.centre(&pin("set_returnvalue", "then", "out")).await;
    let to = page.centre(&pin("connect_json_websocket", "exec", "in")).await;
    page.drag(from, to, "left").await;
    saved(&mut page, 6, None).await;
    // The Url, typed as text.
    type_literal(&mut page, "connect_json_websocket", "Url", &echo).await;
    saved(&mut page, 7, None).await;

    // Off On Connected: Add Custom Event, bound; off its then, Send Json Object, its Target
    // a Get of Socket from the palette, its Object typed as the JSON to send.
    let (_, cy) = corner(&mut page, "connect_json_websocket").await;
    drag_to_palette(
        &mut page,
        &pin("connect_json_websocket", "On Connected", "in"),
        (bx + 10.0, cy + 260.0),
    )
    .await;
    pick(&mut page, "", "Add Custom Event").await;
    saved(&mut page, 8, Some("on_connected")).await;
    page.save_screenshot(&screenshots(), "blueprint-delegate.png").await;
    let (ex, ey) = corner(&mut page, "on_connected").await;
    drag_to_palette(&mut page, &pin("on_connected", "then", "out"), (ex + 260.0, ey + 5.0)).await;
    pick(&mut page, "send json object", "Send Json Object").await;
    saved(&mut page, 9, Some("send_json_object")).await;
    let (sx, sy) = corner(&mut page, "send_json_object").await;
    drag_to_palette(
        &mut page,
        &pin("send_json_object", "Target", "in"),
        (sx - 130.0, sy + 110.0),
    )
    .await;
    pick(&mut page, "get socket", "Get Socket").await;
    saved(&mut page, 10, Some("get_socket")).await;
    type_literal(&mut page, "send_json_object", "Object", "{\"type\": \"hello\"}").await;
    saved(&mut page, 11, None).await;

    // Off On Message Received: Add Custom Event; its Message printed; then Disconnect,
    // its Target a Get of Socket.
    drag_to_palette(
        &mut page,
        &pin("connect_json_websocket", "On Message Received", "in"),
        (bx + 10.0, cy + 430.0),
    )
    .await;
    pick(&mut page, "", "Add Custom Event").await;
    saved(&mut page, 12, Some("on_message_received")).await;
    let (mx, my) = corner(&mut page, "on_message_received").await;
    drag_to_palette(
        &mut page,
        &pin("on_message_received", "then", "out"),
        (mx + 200.0, my + 5.0),
    )
    .await;
    pick(&mut page, "print string", "Print String").await;
    saved(&mut page, 13, Some("print_string")).await;
    let from = page.centre(&pin("on_message_received", "Message", "out")).await;
    let to = page.centre(&pin("print_string", "In String", "in")).await;
    page.drag(from, to, "left").await;
    saved(&mut page, 14, None).await;
    let (px, py) = corner(&mut page, "print_string").await;
    drag_to_palette(&mut page, &pin("print_string", "then", "out"), (px + 200.0, py + 5.0)).await;
    pick(&mut page, "disconnect", "Disconnect").await;
    saved(&mut page, 15, Some("disconnect")).await;
    let (dx, dy) = corner(&mut page, "disconnect").await;
    drag_to_palette(&mut page, &pin("disconnect", "Target", "in"), (dx - 20.0, dy + 110.0)).await;
    pick(&mut page, "get socket", "Get Socket").await;
    saved(&mut page, 16, Some("get_socket_2")).await;

    // The other two delegates, right of Connect: On Connection Error prints its Error; On
    // Disconnected prints a line typed as text.
    let right = page
        .eval("document.querySelector('#stage g.node[data-node=\"connect_json_websocket\"] rect').getBoundingClientRect().right")
        .await
        .as_f64()
        .unwrap();
    drag_to_palette(
        &mut page,
        &pin("connect_json_websocket", "On Connection Error", "in"),
        (right + 30.0, cy),
    )
    .await;
    pick(&mut page, "", "Add Custom Event").await;
    saved(&mut page, 17, Some("on_connection_error")).await;
    let (ox, oy) = corner(&mut page, "on_connection_error").await;
    drag_to_palette(
        &mut page,
        &pin("on_connection_error", "then", "out"),
        (ox + 10.0, oy + 100.0),
    )
    .await;
    pick(&mut page, "print string", "Print String").await;
    saved(&mut page, 18, Some("print_string_2")).await;
    let from = page.centre(&pin("on_connection_error", "Error", "out")).await;
    let to = page.centre(&pin("print_string_2", "In String", "in")).await;
    page.drag(from, to, "left").await;
    saved(&mut page, 19, None).await;
    drag_to_palette(
        &mut page,
        &pin("connect_json_websocket", "On Disconnected", "in"),
        (right + 170.0, oy + 200.0),
    )
    .await;
    pick(&mut page, "", "Add Custom Event").await;
    saved(&mut page, 20, Some("on_disconnected")).await;
    let (nx, ny) = corner(&mut page, "on_disconnected").await;
    drag_to_palette(
        &mut page,
        &pin("on_disconnected", "then", "out"),
        (nx + 10.0, ny + 115.0),
    )
    .await;
    pick(&mut page, "print string", "Print String").await;
    saved(&mut page, 21, Some("print_string_3")).await;
    type_literal(&mut page, "print_string_3", "In String", "disconnected").await;
    saved(&mut page, 22, None).await;

    // The event named as Blueprint names it: double-click its title, type, Enter; its
    // binding follows.
    let title = page
        .centre("#stage g.node[data-node=\"on_connected\"] [data-title]")
        .await;
    page.double_click_at(title).await;
    page.wait_for(
        "the rename field, focused",
        "document.activeElement?.classList.contains('rename')",
    )
    .await;
    page.type_text("OnConnected").await;
    page.key("Enter", 0).await;
    saved(&mut page, 23, Some("OnConnected")).await;
    let actions = page.actions;
    page.save_screenshot(&screenshots(), "blueprint-built.png").await;

    // What was built: the file checks, is canonical, and runs against the echo server.
    let text = file(&graph);
    assert!(text.contains("\"On Connected\": Event(\"OnConnected\")"), "{text}");
    for (delegate, event) in [
        ("On Message Received", "on_message_received"),
        ("On Connection Error", "on_connection_error"),
        ("On Disconnected", "on_disconnected"),
    ] {
        assert!(text.contains(&format!("\"{delegate}\": Event(\"{event}\")")), "{text}");
    }
    assert!(text.contains("\"Class\": \"M2_JsonWebSocketConnection\""), "{text}");
    assert!(
        text.contains("\"Socket\": (type: Object(\"M2_JsonWebSocketConnection\"))"),
        "{text}"
    );
    let graph_arg = graph.to_str().unwrap();
    output_of(&["check", graph_arg]);
    output_of(&["fmt", "--check", graph_arg]);
    assert_eq!(
        output_of(&["run", graph_arg, "--timeout", "20"]),
        "{\"type\":\"hello\"}\ndisconnected\n"
    );

    // And in the studio: Run prints the echo, disconnects, and the run ends.
    page.click("button[data-action=run]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    let lines = page.eval(super::OUTPUT_LINES).await;
    assert_eq!(lines, serde_json::json!(["{\"type\":\"hello\"}", "disconnected"]));

    // docs/editing.md tells how many page actions this took.
    let docs = std::fs::read_to_string(super::root().join("docs/editing.md")).unwrap();
    assert!(
        docs.contains(&format!("in {actions} page actions")),
        "docs/editing.md should say the example is built in {actions} page actions"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A graph that a looping timer keeps alive, a chain from BeginPlay that ends in Quit.
const STAPLES: &str = r#"Graph(
    format: 1,
    name: "Staples",
    nodes: {
        "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "timer"}),
        "timer": (
            node: "Set Timer by Event",
            pos: (256, 0),
            inputs: {"Event": Event("tick"), "Time": 0.05, "Looping": true},
            exec: {"then": "say"},
        ),
        "say": (
            node: "Print String",
            pos: (704, 0),
            inputs: {"In String": Link("text", "Return Value")},
            exec: {"then": "quit"},
        ),
        "text": (node: "Format String", pos: (256, 256), inputs: {"Format": "n={n}", "n": 7}),
        "quit": (node: "Quit", pos: (1024, 0)),
        "tick": (node: "Custom Event", pos: (0, 256)),
    },
)
"#;

/// Where the middle of a wire is on the page.
async fn wire_middle(page: &mut Browser, selector: &str) -> (f64, f64) {
    let at = page
        .eval(&format!(
            "(() => {{ const p = document.querySelector('{selector}'); const pt = p.getPointAtLength(p.getTotalLength() / 2); const m = p.getScreenCTM(); return [pt.x * m.a + m.e, pt.y * m.d + m.f]; }})()"
        ))
        .await;
    (at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reroutes_find_breakpoints_rename_and_the_palette_s_variables_as_in_blueprint() {
    let dir = scratch("staples");
    let graph = dir.join("staples.ron");
    std::fs::write(&graph, STAPLES).unwrap();
    let graph_arg = graph.to_str().unwrap().to_string();
    output_of(&["fmt", "--check", &graph_arg]);
    let (_studio, url) = start(&dir, &["studio", "staples.ron", "--port", "0"]);
    let mut page = Browser::launch("staples").await;
    page.goto(&url).await;
    page.wait_for(
        "the graph",
        "document.querySelectorAll('#stage g.node[data-node]').length === 6",
    )
    .await;
    let run = |args: &[&str]| output_of(args);
    assert_eq!(run(&["run", &graph_arg, "--timeout", "10"]), "n=7\n");

    // Double-click the exec wire and the data wire: a reroute knot on each; the graph runs
    // as it did, and stays in fmt's form.
    let at = wire_middle(&mut page, "path.wire.exec[data-from=\"timer.then\"]").await;
    page.double_click_at(at).await;
    saved(&mut page, 1, Some("reroute")).await;
    let text = file(&graph);
    assert!(
        text.contains("exec: {\"then\": \"reroute.In\"}") || text.contains("exec: {\"then\": \"reroute\"}"),
        "{text}"
    );
    assert!(text.contains("\"reroute\": (node: \"Reroute\", pos: ("), "{text}");
    assert!(text.contains("exec: {\"Out\": \"say\"}"), "{text}");
    let at = wire_middle(&mut page, "path.wire.data[data-to=\"say.In String\"]").await;
    page.double_click_at(at).await;
    saved(&mut page, 2, Some("reroute_2")).await;
    let text = file(&graph);
    assert!(
        text.contains("inputs: {\"In\": Link(\"text\", \"Return Value\")}"),
        "{text}"
    );
    assert!(text.contains("{\"In String\": Link(\"reroute_2\", \"Out\")}"), "{text}");
    output_of(&["fmt", "--check", &graph_arg]);
    assert_eq!(run(&["run", &graph_arg, "--timeout", "10"]), "n=7\n");
    page.wait_for(
        "the knots drawn on their wires",
        "document.querySelectorAll('#stage g.node.knot').length === 2 && !!document.querySelector('path.wire.data[data-to=\"say.In String\"][data-from=\"reroute_2.Out\"]')",
    )
    .await;
    page.save_screenshot(&screenshots(), "blueprint-reroutes.png").await;

    // Ctrl-F finds by type; Enter goes to the match and selects it; F9 sets its breakpoint.
    page.key("f", 2).await;
    page.wait_for(
        "the find field, focused",
        "document.activeElement === document.querySelector('#find input')",
    )
    .await;
    page.type_text("quit").await;
    page.wait_for(
        "quit found, and only quit",
        "[...document.querySelectorAll('#stage g.node.found')].map(n => n.dataset.node).join() === 'quit'",
    )
    .await;
    page.key("Enter", 0).await;
    page.wait_for(
        "quit selected",
        "document.querySelector('#stage g.node[data-node=\"quit\"]').classList.contains('selected')",
    )
    .await;
    // Back to the canvas (Escape leaves the field), F9.
    page.key("Escape", 0).await;
    page.key("F9", 0).await;
    page.wait_for(
        "the breakpoint on quit",
        "document.querySelector('#stage g.node[data-node=\"quit\"]').classList.contains('breakpoint')",
    )
    .await;

    // Run: paused before Quit; Continue goes on to the end although the timer would keep
    // the run alive (it once stayed "running" at Quit forever).
    page.click("button[data-action=run]").await;
    page.wait_for("the pause at quit", "document.body.dataset.state === 'paused'")
        .await;
    assert!(page
        .eval("document.querySelector('#status').textContent")
        .await
        .as_str()
        .unwrap()
        .contains("quit"));
    page.click("button[data-action=continue]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;

    // A rename to a name that is taken is refused in place; the file is untouched.
    let before = file(&graph);
    let title = page.centre("#stage g.node[data-node=\"say\"] [data-title]").await;
    page.double_click_at(title).await;
    page.wait_for(
        "the rename field",
        "document.activeElement?.classList.contains('rename')",
    )
    .await;
    page.type_text("quit").await;
    page.key("Enter", 0).await;
    page.wait_for(
        "the refusal, in place",
        "document.body.dataset.refused?.includes('`quit` already exists') && document.querySelector('.literal-field.rename.refused') !== null",
    )
    .await;
    page.key("Escape", 0).await;
    assert_eq!(file(&graph), before);

    // The palette lists Get and Set of the file's variables.
    page.click("#add-variable").await;
    saved(&mut page, 3, None).await;
    page.key("Tab", 0).await;
    page.wait_for("the palette", "!document.querySelector('#palette').hidden")
        .await;
    page.type_text("newvar").await;
    page.wait_for(
        "Get and Set of NewVar",
        "[...document.querySelectorAll('#palette [data-palette-item]')].map(i => i.dataset.paletteItem).join() === 'Get NewVar,Set NewVar'",
    )
    .await;
    page.key("ArrowDown", 0).await;
    page.key("Enter", 0).await;
    saved(&mut page, 4, Some("set_newvar")).await;
    assert!(file(&graph).contains("\"set_newvar\": (node: \"Set\", var: \"NewVar\", pos: ("));
    output_of(&["fmt", "--check", &graph_arg]);

    // Copy for Unreal (Ctrl-Shift-C) gives Blueprint clipboard text; Ctrl-V takes it back:
    // the nodes again, with fresh ids, the wire between them kept. (A double-click on
    // empty canvas first fits the graph in the view.)
    page.double_click_at((30.0, 130.0)).await;
    page.wait_for(
        "the graph fitted",
        "(() => { const r = document.querySelector('#stage g.node[data-node=\"text\"] rect').getBoundingClientRect(); return r.top > 60 && r.bottom < innerHeight && r.left > 0; })()",
    )
    .await;
    page.click("#stage g.node[data-node=\"say\"] rect.title").await;
    let text_title = page.centre("#stage g.node[data-node=\"text\"] rect.title").await;
    page.click_at(text_title, "left", 8).await;
    let knot = page.centre("#stage g.node[data-node=\"reroute_2\"] rect").await;
    page.click_at(knot, "left", 8).await;
    page.wait_for(
        "say, text and the knot between them selected",
        "document.querySelectorAll('#stage g.node.selected').length === 3",
    )
    .await;
    page.key("c", 2 | 8).await;
    page.wait_for("the copy", "document.body.dataset.copied === '1'").await;
    let copied = page.eval("editing.clipboard").await;
    let copied = copied.as_str().unwrap();
    assert!(
        copied.starts_with("Begin Object Class=/Script/BlueprintGraph.K2Node_CallFunction Name=\"say\""),
        "{copied}"
    );
    assert!(copied.contains("MemberName=\"PrintString\""), "{copied}");
    let (tx, ty) = page.centre("#stage g.node[data-node=\"text\"] rect").await;
    page.mouse("mouseMoved", (tx, ty + 140.0), "none", 0).await;
    page.key("v", 2).await;
    saved(&mut page, 5, Some("say_2")).await;
    let pasted = file(&graph);
    assert!(
        pasted.contains("\"say_2\": (")
            && pasted.contains("Link(\"reroute_3\", \"Out\")")
            && pasted.contains("inputs: {\"In\": Link(\"text_2\", \"Return Value\")}"),
        "{pasted}"
    );
    output_of(&["check", &graph_arg]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A function called once, in a comment box with the Print after it.
const CALLS: &str = r#"Graph(
    format: 1,
    name: "Calls",
    variables: {
        "Count": (type: Bool),
    },
    functions: {
        "Double": (
            inputs: {"X": Int},
            outputs: {"Y": Int},
            nodes: {
                "entry": (node: "Function Entry", pos: (0, 0), exec: {"then": "note"}),
                "note": (node: "Print String", pos: (256, 0), inputs: {"In String": "in double"}, exec: {"then": "ret"}),
                "ret": (node: "Return Node", pos: (512, 0), inputs: {"Y": Link("sum", "Return Value")}),
                "sum": (node: "Add", pos: (256, 160), inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
            },
        ),
    },
    comments: [(text: "the calls", nodes: ["call", "say"])],
    nodes: {
        "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "call"}),
        "call": (node: "Double", pos: (256, 0), inputs: {"X": 21}, exec: {"then": "say"}),
        "say": (node: "Print String", pos: (512, 96), inputs: {"In String": Link("call", "Y")}),
    },
)
"#;

async fn paused_before(page: &mut Browser, node: &str) {
    page.wait_for(
        &format!("the pause before {node}"),
        &format!("document.body.dataset.state === 'paused' && document.querySelector('#status').textContent === 'paused before {node}'"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_over_into_and_out_of_calls_and_moves_renames_and_retypes_as_in_blueprint() {
    let dir = scratch("calls");
    let graph = dir.join("calls.ron");
    std::fs::write(&graph, CALLS).unwrap();
    let (_studio, url) = start(&dir, &["studio", "calls.ron", "--port", "0"]);
    let mut page = Browser::launch("calls").await;
    page.goto(&url).await;
    page.wait_for(
        "the graph",
        "document.querySelectorAll('#stage g.node[data-node]').length === 3",
    )
    .await;

    // A breakpoint on the call (its dot), Run, F10: the function runs whole, the pause is
    // at the node after the call.
    page.click("#stage g.node[data-node=\"call\"] .bp").await;
    page.wait_for(
        "the breakpoint",
        "document.querySelector('#stage g.node[data-node=\"call\"]').classList.contains('breakpoint')",
    )
    .await;
    page.click("button[data-action=run]").await;
    paused_before(&mut page, "call").await;
    page.key("F10", 0).await;
    paused_before(&mut page, "say").await;
    assert_eq!(page.eval(super::OUTPUT_LINES).await, serde_json::json!(["in double"]));
    page.click("button[data-action=continue]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    assert_eq!(
        page.eval(super::OUTPUT_LINES).await,
        serde_json::json!(["in double", "42"])
    );

    // Again: F11 steps into the function (its tab shown), Shift-F11 out to the node after
    // the call.
    page.click("button[data-action=run]").await;
    paused_before(&mut page, "call").await;
    page.key("F11", 0).await;
    page.wait_for(
        "a pause inside Double",
        "document.body.dataset.state === 'paused' && document.querySelector('#tabs button.current')?.dataset.graph === 'Double'",
    )
    .await;
    page.key("F11", 8).await;
    paused_before(&mut page, "say").await;
    page.wait_for(
        "the event graph shown",
        "document.querySelector('#tabs button.current')?.dataset.graph === ''",
    )
    .await;
    page.click("button[data-action=continue]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    // The breakpoint off again (F9 on the selected call).
    page.click("#stage g.node[data-node=\"call\"] rect.title").await;
    page.key("F9", 0).await;
    page.wait_for(
        "the breakpoint gone",
        "!document.querySelector('#stage g.node[data-node=\"call\"]').classList.contains('breakpoint')",
    )
    .await;

    // Q straightens the wires between the selected call and say.
    let shift_click = page.centre("#stage g.node[data-node=\"say\"] rect.title").await;
    page.click_at(shift_click, "left", 8).await;
    page.wait_for(
        "call and say selected",
        "document.querySelectorAll('#stage g.node.selected').length === 2",
    )
    .await;
    page.key("q", 0).await;
    super::saved(&mut page, 1).await;
    let text = file(&graph);
    assert_eq!(pos_of(&text, "say"), (512, 0), "say level with the call: {text}");
    page.wait_for(
        "the exec wire level",
        "(() => { const a = document.querySelector('#stage g.node[data-node=\"call\"] .pin[data-pin=\"then\"]'), b = document.querySelector('#stage g.node[data-node=\"say\"] .pin[data-pin=\"exec\"]'); return a && b && a.dataset.at.split(',')[1] === b.dataset.at.split(',')[1]; })()",
    )
    .await;

    // The comment box dragged by its title takes its nodes along.
    let title = page.centre("#stage g.comment[data-comment=\"0\"] text").await;
    let scale = page.eval("view.scale").await.as_f64().unwrap();
    page.drag(title, (title.0 + 64.0 * scale, title.1 + 128.0 * scale), "left")
        .await;
    super::saved(&mut page, 2).await;
    let text = file(&graph);
    assert_eq!(
        (pos_of(&text, "call"), pos_of(&text, "say")),
        ((320, 128), (576, 128)),
        "{text}"
    );

    // F2 renames the selected node; a double-click on a call opens its function.
    page.wait_for(
        "the moved nodes drawn",
        "document.querySelector('#stage g.node[data-node=\"say\"] rect').getAttribute('y') === '128'",
    )
    .await;
    page.click("#stage g.node[data-node=\"say\"] rect.title").await;
    page.key("F2", 0).await;
    page.wait_for(
        "the rename field",
        "document.activeElement?.classList.contains('rename')",
    )
    .await;
    page.type_text("show").await;
    page.key("Enter", 0).await;
    super::saved(&mut page, 3).await;
    assert!(file(&graph).contains("\"show\": (node: \"Print String\", pos: (576, 128)"));
    assert!(file(&graph).contains("nodes: [\"call\", \"show\"]"));

    // A variable's type picked from the list.
    page.click("#declared [data-declared=\"Count\"] .type").await;
    page.wait_for(
        "the type picker, focused",
        "document.activeElement?.closest('.picker') !== null",
    )
    .await;
    page.type_text("int").await;
    page.wait_for(
        "Int first",
        "document.querySelector('.picker [data-pick].current')?.dataset.pick === 'Int'",
    )
    .await;
    page.key("Enter", 0).await;
    super::saved(&mut page, 4).await;
    assert!(file(&graph).contains("\"Count\": (type: Int),"));

    let body = page
        .centre("#stage g.node[data-node=\"call\"] .pin[data-pin=\"X\"]")
        .await;
    page.double_click_at((body.0 + 60.0, body.1)).await;
    page.wait_for(
        "the function's tab",
        "document.querySelector('#tabs button.current')?.dataset.graph === 'Double'",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The entries the palette offers as node types, in order.
const PALETTE_ITEMS: &str =
    "[...document.querySelectorAll('#palette [data-palette-item]')].map(i => i.dataset.paletteItem)";

/// What the palette offers off a data pin is the checker's decision, asked of the server:
/// off a Bool output, a generic node that compares numbers and strings (Add) is not offered
/// (the checker refuses a Bool there), while Not, Branch and Print String (a Bool converts
/// to a String) are, each wired to the pin that takes it; off a Float input, a node giving
/// an Int (converted) is offered, one giving only a String is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_palette_off_a_data_pin_offers_what_the_checker_accepts() {
    let dir = scratch("fits");
    let graph = dir.join("fits.ron");
    std::fs::write(
        &graph,
        r#"Graph(
    format: 1,
    name: "Fits",
    nodes: {
        "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "wait"}),
        "wait": (node: "Delay", pos: (256, 0)),
        "less": (node: "Less", pos: (0, 192), inputs: {"A": 1, "B": 2}),
    },
)
"#,
    )
    .unwrap();
    let (_studio, url) = start(&dir, &["studio", "fits.ron", "--port", "0"]);
    let mut page = Browser::launch("fits").await;
    page.goto(&url).await;
    page.wait_for(
        "the graph",
        "document.querySelectorAll('#stage g.node[data-node]').length === 3",
    )
    .await;

    let (lx, ly) = page.centre(&pin("less", "Return Value", "out")).await;
    drag_to_palette(&mut page, &pin("less", "Return Value", "out"), (lx + 200.0, ly + 120.0)).await;
    page.wait_for("the server's answer", &format!("{PALETTE_ITEMS}.includes('Not')"))
        .await;
    let items: Vec<String> = serde_json::from_value(page.eval(PALETTE_ITEMS).await).unwrap();
    for offered in ["Not", "Branch", "Print String", "Promote to Variable"] {
        assert!(items.iter().any(|i| i == offered), "{offered} is offered: {items:?}");
    }
    for refused in ["Add", "Multiply", "Delay"] {
        assert!(
            !items.iter().any(|i| i == refused),
            "{refused} is not offered: {items:?}"
        );
    }
    // Taken, it is wired to the pin that takes the Bool.
    pick(&mut page, "branch", "Branch").await;
    saved(&mut page, 1, Some("branch")).await;
    let text = file(&graph);
    assert!(
        text.contains("\"branch\": (\n            node: \"Branch\",")
            && text.contains(r#"inputs: {"Condition": Link("less", "Return Value")}"#),
        "{text}"
    );

    // Off Delay's Duration (a Float): Add (an Int, converted) is offered, Append is not.
    let (wx, wy) = page.centre(&pin("wait", "Duration", "in")).await;
    drag_to_palette(&mut page, &pin("wait", "Duration", "in"), (wx + 450.0, wy - 10.0)).await;
    page.wait_for("the server's answer", &format!("{PALETTE_ITEMS}.includes('Add')"))
        .await;
    let items: Vec<String> = serde_json::from_value(page.eval(PALETTE_ITEMS).await).unwrap();
    assert!(!items.iter().any(|i| i == "Append"), "Append gives a String: {items:?}");
    page.key("Escape", 0).await;
    let _ = std::fs::remove_dir_all(&dir);
}
