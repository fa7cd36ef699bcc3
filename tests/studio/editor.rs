//! The studio as an editor, driven as a person drives it: real pointer and key events
//! (CDP `Input.dispatchMouseEvent` / `dispatchKeyEvent`) at the places the page shows
//! things, JavaScript only to read what it shows. After each edit the file on disk is
//! checked byte for byte against what only that change gives, and the graph is run.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::browser::Browser;
use super::{file, pin, pos_of, saved, scratch, screenshots, start, type_literal, Process};

/// A small graph with comments and hand alignment that the edits must keep.
const START: &str = r#"// Says hello. Edited in the studio by tests/studio/editor.rs.
Graph(
    format: 1,
    name: "Edit Me",
    nodes: {
        "begin": (node: "Event BeginPlay", pos: (0, 0)),   // starts it
        "say":   (node: "Print String",    pos: (320, 0), inputs: {"In String": "hello"}),
    },
)
"#;

/// What `graphrun run FILE` prints.
fn runs(path: &Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `graphrun studio FILE` in a folder of its own (FILE holding `text`, or not there), and
/// Chromium on its page once the page has drawn `nodes` nodes.
async fn open(name: &str, file_name: &str, text: Option<&str>, nodes: usize) -> (Process, Browser, PathBuf, PathBuf) {
    let dir = scratch(name);
    let graph = dir.join(file_name);
    if let Some(text) = text {
        std::fs::write(&graph, text).unwrap();
    }
    let (studio, url) = start(&dir, &["studio", file_name, "--port", "0"]);
    let mut page = Browser::launch(name).await;
    page.goto(&url).await;
    page.wait_for(
        "the graph to be drawn",
        &format!("document.querySelectorAll('#stage g.node[data-node]').length === {nodes}"),
    )
    .await;
    (studio, page, dir, graph)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_adds_wires_sets_moves_undoes_and_deletes_with_pointer_and_keys() {
    let (_studio, mut page, dir, graph) = open("editor", "edit_me.ron", Some(START), 2).await;
    // Opened at a zoom where titles can be read.
    let title_px = page
        .eval("document.querySelector('#stage g.node[data-node=\"say\"] text').getBoundingClientRect().height")
        .await;
    assert!(title_px.as_f64().unwrap() >= 10.0, "titles are {title_px} px tall");

    // Add from the palette: right-click on empty canvas, type, Enter.
    let (sx, sy) = page.centre("#stage g.node[data-node=\"say\"] rect").await;
    let empty = (sx, sy + 160.0);
    page.click_at(empty, "right", 0).await;
    page.wait_for("the palette", "!document.querySelector('#palette').hidden && document.activeElement === document.querySelector('#palette input')").await;
    page.type_text("qui").await;
    page.wait_for(
        "the palette to offer Quit first",
        "document.querySelector('#palette [data-palette-item].current')?.dataset.paletteItem === 'Quit'",
    )
    .await;
    page.save_screenshot(&screenshots(), "editor-palette.png").await;
    page.key("Enter", 0).await;
    saved(&mut page, 1).await;
    let text = file(&graph);
    let (qx, qy) = pos_of(&text, "quit");
    assert!(qx % 16 == 0 && qy % 16 == 0, "snapped to 16: ({qx}, {qy})");
    let added = START.replace(
        "\"hello\"}),\n",
        &format!("\"hello\"}}),\n        \"quit\": (node: \"Quit\", pos: ({qx}, {qy})),\n"),
    );
    assert_eq!(text, added, "adding from the palette");
    page.wait_for(
        "the new node",
        "!!document.querySelector('#stage g.node[data-node=\"quit\"]')",
    )
    .await;

    // Wire: begin.then to say's exec input, then say.then to quit.
    let from = page.centre(&pin("begin", "then", "out")).await;
    let to = page.centre(&pin("say", "exec", "in")).await;
    page.drag(from, to, "left").await;
    saved(&mut page, 2).await;
    let wired = added.replace(
        "(node: \"Event BeginPlay\", pos: (0, 0)),",
        "(node: \"Event BeginPlay\", pos: (0, 0), exec: {\"then\": \"say\"}),",
    );
    assert_eq!(file(&graph), wired, "wiring begin.then to say");
    page.wait_for(
        "say's exec pin",
        &format!(
            "!!document.querySelector('{}')",
            pin("say", "then", "out").replace('\'', "\\'")
        ),
    )
    .await;
    let from = page.centre(&pin("say", "then", "out")).await;
    let to = page.centre(&pin("quit", "exec", "in")).await;
    page.drag(from, to, "left").await;
    saved(&mut page, 3).await;
    let wired = wired.replace(
        "inputs: {\"In String\": \"hello\"}),",
        "inputs: {\"In String\": \"hello\"}, exec: {\"then\": \"quit\"}),",
    );
    assert_eq!(file(&graph), wired, "wiring say.then to quit");
    assert_eq!(runs(&graph), "hello\n");

    // A wire that cannot be: a String output into... nothing takes it here; an exec
    // output into a data input is refused with the reason, and nothing is written.
    let from = page.centre(&pin("begin", "then", "out")).await;
    let to = page.centre(&pin("say", "In String", "in")).await;
    page.drag(from, to, "left").await;
    page.wait_for("the refusal", "!!document.body.dataset.refused").await;
    assert_eq!(file(&graph), wired, "a refused wire writes nothing");

    // Edit a literal: click the value, type, Enter (a String is typed without quotes).
    // Quotes typed are part of the text, as Blueprint takes it.
    type_literal(&mut page, "say", "In String", "\"hi there\"").await;
    saved(&mut page, 4).await;
    let literal = wired.replace("{\"In String\": \"hello\"}", "{\"In String\": \"\\\"hi there\\\"\"}");
    assert_eq!(file(&graph), literal, "editing the literal");
    assert_eq!(runs(&graph), "\"hi there\"\n");

    // Move: drag say by its title; the file gets its pos, snapped to 16.
    page.wait_for(
        "say's literal drawn",
        "document.querySelector('#stage g.node[data-node=\"say\"] [data-literal]')?.textContent.includes('there')",
    )
    .await;
    let title = page.centre("#stage g.node[data-node=\"say\"] rect.title").await;
    page.drag(title, (title.0 + 100.0, title.1 + 70.0), "left").await;
    saved(&mut page, 5).await;
    let moved_text = file(&graph);
    let (mx, my) = pos_of(&moved_text, "say");
    assert!(
        mx > 320 && my > 0 && mx % 16 == 0 && my % 16 == 0,
        "moved to ({mx}, {my})"
    );
    let moved = literal.replace("pos: (320, 0)", &format!("pos: ({mx}, {my})"));
    assert_eq!(moved_text, moved, "moving say");

    // Undo and redo, each step written.
    page.key("z", 2).await;
    saved(&mut page, 6).await;
    assert_eq!(file(&graph), literal, "undo gives back the file before the move");
    page.key("z", 2).await;
    saved(&mut page, 7).await;
    assert_eq!(
        file(&graph),
        wired,
        "a second undo gives back the file before the literal"
    );
    page.key("z", 2 | 8).await;
    saved(&mut page, 8).await;
    assert_eq!(file(&graph), literal, "redo");
    page.key("y", 2).await;
    saved(&mut page, 9).await;
    assert_eq!(file(&graph), moved, "redo again");

    // Select quit (a click) and Delete: its line and the wire into it go.
    page.wait_for(
        "say moved on the page",
        &format!("document.querySelector('#stage g.node[data-node=\"say\"] rect').getAttribute('x') === '{mx}'"),
    )
    .await;
    page.click("#stage g.node[data-node=\"quit\"] rect.title").await;
    page.wait_for(
        "quit selected",
        "document.querySelector('#stage g.node[data-node=\"quit\"]').classList.contains('selected')",
    )
    .await;
    page.save_screenshot(&screenshots(), "editor-selected.png").await;
    page.key("Delete", 0).await;
    saved(&mut page, 10).await;
    let deleted = moved
        .replace(", exec: {\"then\": \"quit\"}", "")
        .replace(&format!("        \"quit\": (node: \"Quit\", pos: ({qx}, {qy})),\n"), "");
    assert_eq!(file(&graph), deleted, "deleting quit");
    assert_eq!(runs(&graph), "\"hi there\"\n");

    // A change made elsewhere is picked up (the file is watched); the next edit applies to it.
    let elsewhere = deleted.replace("// starts it", "// starts it (changed elsewhere)");
    std::fs::write(&graph, &elsewhere).unwrap();
    page.wait_for(
        "the outside change",
        "document.querySelector('#stage g.node[data-node=\"begin\"]') !== null",
    )
    .await;
    let alt = page.centre(&pin("begin", "then", "out")).await;
    // Alt-click on a pin disconnects it.
    page.click_at(alt, "left", 1).await;
    saved(&mut page, 11).await;
    assert_eq!(
        file(&graph),
        elsewhere.replace(", exec: {\"then\": \"say\"}", ""),
        "alt-click disconnects, on the file as it is now"
    );
    // Undo after an outside change is refused, never overwriting it.
    std::fs::write(&graph, file(&graph) + "\n").unwrap();
    page.key("z", 2).await;
    page.wait_for(
        "the refused undo",
        "document.body.dataset.refused?.includes('changed on disk')",
    )
    .await;
    assert_eq!(page.eval("document.body.dataset.saved").await, json!("11"));
    page.save_screenshot(&screenshots(), "editor.png").await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A graph for copying, collapsing and the panels: two prints in a row.
const TWO: &str = r#"Graph(
    format: 1,
    name: "Two",
    variables: {
        "Who": (type: String, default: "ada"),
    },
    nodes: {
        "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "one"}),
        "one":   (node: "Print String", pos: (256, 0), inputs: {"In String": Var("Who")}, exec: {"then": "two"}),
        "two":   (node: "Print String", pos: (512, 0), inputs: {"In String": "two"}),
    },
)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_copies_pastes_collapses_and_edits_variables_comment_boxes_and_functions() {
    let (_studio, mut page, dir, graph) = open("editor-more", "two.ron", Some(TWO), 3).await;

    // Copy `two` (click, Ctrl-C), move the pointer to empty canvas, paste (Ctrl-V).
    page.click("#stage g.node[data-node=\"two\"] rect.title").await;
    page.key("c", 2).await;
    let (tx, ty) = page.centre("#stage g.node[data-node=\"two\"] rect").await;
    page.mouse("mouseMoved", (tx, ty + 200.0), "none", 0).await;
    page.wait_for(
        "the copy",
        "!!document.querySelector('#stage g.node[data-node=\"two\"].selected')",
    )
    .await;
    // The copy comes back from the studio before the paste can use it.
    page.wait_for("the copy to arrive", "document.body.dataset.copied === '1'")
        .await;
    page.key("v", 2).await;
    saved(&mut page, 1).await;
    let text = file(&graph);
    let (px, py) = pos_of(&text, "two_2");
    let pasted = TWO.replace(
        "\"In String\": \"two\"}),\n",
        &format!("\"In String\": \"two\"}}),\n        \"two_2\": (node: \"Print String\", pos: ({px}, {py}), inputs: {{\"In String\": \"two\"}}),\n"),
    );
    assert_eq!(text, pasted, "pasting a copy of `two`");
    page.wait_for(
        "the pasted node selected",
        "document.querySelector('#stage g.node[data-node=\"two_2\"]')?.classList.contains('selected')",
    )
    .await;

    // Ctrl-D duplicates the selection (the pasted node) 32 units down and right.
    page.key("d", 2).await;
    saved(&mut page, 2).await;
    let duplicated = pasted.replace(
        &format!("pos: ({px}, {py}), inputs: {{\"In String\": \"two\"}}),\n"),
        &format!(
            "pos: ({px}, {py}), inputs: {{\"In String\": \"two\"}}),\n        \"two_3\": (node: \"Print String\", pos: ({}, {}), inputs: {{\"In String\": \"two\"}}),\n",
            px + 32,
            py + 32
        ),
    );
    assert_eq!(file(&graph), duplicated, "duplicating");

    // Select `one` and `two` with a box dragged on empty canvas, then Delete the copies
    // first: select them by clicking with Shift.
    page.wait_for(
        "two_3 drawn",
        "!!document.querySelector('#stage g.node[data-node=\"two_3\"]')",
    )
    .await;
    page.click("#stage g.node[data-node=\"two_2\"] rect.title").await;
    let copy3 = page.centre("#stage g.node[data-node=\"two_3\"] rect.title").await;
    page.click_at(copy3, "left", 8).await;
    page.wait_for(
        "both copies selected",
        "document.querySelectorAll('#stage g.node.selected').length === 2",
    )
    .await;
    page.key("Delete", 0).await;
    saved(&mut page, 3).await;
    assert_eq!(file(&graph), TWO, "deleting the copies gives the file back");

    // A box around `one` and `two`, then C: a comment box; its text edited in place.
    page.wait_for(
        "the copies gone",
        "document.querySelectorAll('#stage g.node[data-node]').length === 3",
    )
    .await;
    let one = page.centre("#stage g.node[data-node=\"one\"] rect").await;
    let two = page.centre("#stage g.node[data-node=\"two\"] rect").await;
    page.drag((one.0 - 140.0, one.1 - 90.0), (two.0 + 140.0, two.1 + 90.0), "left")
        .await;
    page.wait_for(
        "one and two selected by the box",
        "document.querySelectorAll('#stage g.node.selected').length === 2",
    )
    .await;
    page.key("c", 0).await;
    saved(&mut page, 4).await;
    let boxed = TWO.replace(
        "    nodes: {\n        \"begin\"",
        "    comments: [(text: \"Comment\", nodes: [\"one\", \"two\"])],\n    nodes: {\n        \"begin\"",
    );
    assert_eq!(file(&graph), boxed, "a comment box");
    page.wait_for(
        "the box drawn",
        "!!document.querySelector('#stage g.comment[data-comment=\"0\"] text')",
    )
    .await;
    // Its text is edited by double-click (a drag by the title moves the box).
    let text_at = page.centre("#stage g.comment[data-comment=\"0\"] text").await;
    page.double_click_at(text_at).await;
    page.wait_for(
        "the box's field",
        "document.activeElement?.classList.contains('literal-field')",
    )
    .await;
    page.type_text("the greeting").await;
    page.key("Enter", 0).await;
    saved(&mut page, 5).await;
    let boxed = boxed.replace("(text: \"Comment\"", "(text: \"the greeting\"");
    assert_eq!(file(&graph), boxed, "the comment box's text");

    // Collapse to Function from the selection's menu (right-click on a selected node).
    page.wait_for(
        "still selected",
        "document.querySelectorAll('#stage g.node.selected').length === 2",
    )
    .await;
    let one = page.centre("#stage g.node[data-node=\"one\"] rect.title").await;
    page.click_at(one, "right", 0).await;
    page.wait_for("the menu", "!document.querySelector('#menu').hidden")
        .await;
    page.click("#menu [data-menu=\"collapse-function\"]").await;
    page.wait_for(
        "the name field",
        "document.activeElement === document.querySelector('#menu input')",
    )
    .await;
    page.type_text("Say Both").await;
    page.key("Enter", 0).await;
    saved(&mut page, 6).await;
    let collapsed = boxed
        .replace(
            "    comments: [(text: \"the greeting\", nodes: [\"one\", \"two\"])],\n",
            concat!(
                "    functions: {\n",
                "        \"Say Both\": (\n",
                "            nodes: {\n",
                "                \"entry\": (node: \"Function Entry\", pos: (0, 0), exec: {\"then\": \"one\"}),\n",
                "                \"one\": (node: \"Print String\", pos: (256, 0), inputs: {\"In String\": Var(\"Who\")}, exec: {\"then\": \"two\"}),\n",
                "                \"two\": (node: \"Print String\", pos: (512, 0), inputs: {\"In String\": \"two\"}),\n",
                "                \"return\": (node: \"Return Node\", pos: (832, 0)),\n",
                "            },\n",
                "        ),\n",
                "    },\n",
                "    comments: [(text: \"the greeting\", nodes: [\"say_both\"])],\n",
            ),
        )
        .replace("exec: {\"then\": \"one\"}),\n        \"one\"", "exec: {\"then\": \"say_both\"}),\n        \"one\"")
        .replace(
            "        \"one\":   (node: \"Print String\", pos: (256, 0), inputs: {\"In String\": Var(\"Who\")}, exec: {\"then\": \"two\"}),\n        \"two\":   (node: \"Print String\", pos: (512, 0), inputs: {\"In String\": \"two\"}),\n",
            "        \"say_both\": (node: \"Say Both\", pos: (256, 0)),\n",
        );
    assert_eq!(file(&graph), collapsed, "collapsing `one` and `two` into a function");
    assert_eq!(runs(&graph), "ada\ntwo\n");
    page.wait_for(
        "the function's tab",
        "!!document.querySelector('#tabs button[data-graph=\"Say Both\"]')",
    )
    .await;
    page.save_screenshot(&screenshots(), "editor-collapsed.png").await;

    // The variables panel: add one, rename it, and drag `Who` onto the graph for a Get.
    page.click("#add-variable").await;
    saved(&mut page, 7).await;
    assert!(file(&graph)
        .contains("        \"Who\": (type: String, default: \"ada\"),\n        \"NewVar\": (type: Bool),\n"));
    page.wait_for(
        "the new variable listed",
        "!!document.querySelector('#declared [data-declared=\"NewVar\"]')",
    )
    .await;
    page.click("#declared [data-declared=\"NewVar\"] .name").await;
    page.wait_for(
        "the rename field",
        "document.activeElement?.classList.contains('literal-field')",
    )
    .await;
    page.type_text("Ready").await;
    page.key("Enter", 0).await;
    saved(&mut page, 8).await;
    assert!(file(&graph).contains("        \"Ready\": (type: Bool),\n"));
    page.wait_for(
        "Who listed",
        "!!document.querySelector('#declared [data-declared=\"Who\"] .name')",
    )
    .await;
    let who = page.centre("#declared [data-declared=\"Who\"] .name").await;
    let (bx, by) = page.centre("#stage g.node[data-node=\"begin\"] rect").await;
    page.drag(who, (bx, by + 180.0), "left").await;
    saved(&mut page, 9).await;
    let got = file(&graph);
    assert!(got.contains("\"get\": (node: \"Get\", var: \"Who\", pos: ("), "{got}");

    // A new function from its button: a tab of its own, edited like the event graph.
    page.click("#tabs button[data-add=\"add-function\"]").await;
    saved(&mut page, 10).await;
    assert!(file(&graph).contains("        \"New Function\": (\n            nodes: {\n                \"entry\": (node: \"Function Entry\", pos: (0, 0), exec: {\"then\": \"return\"}),\n                \"return\": (node: \"Return Node\", pos: (320, 0)),\n            },\n        ),\n"));
    page.wait_for(
        "the new function shown",
        "document.querySelector('#tabs button.current')?.dataset.graph === 'New Function'",
    )
    .await;
    page.wait_for(
        "its nodes",
        "!!document.querySelector('#stage g.node[data-node=\"entry\"]')",
    )
    .await;
    let (ex, ey) = page.centre("#stage g.node[data-node=\"entry\"] rect").await;
    page.click_at((ex, ey + 150.0), "right", 0).await;
    page.type_text("print string").await;
    page.key("Enter", 0).await;
    saved(&mut page, 11).await;
    let body = file(&graph);
    assert!(body.contains("                \"return\": (node: \"Return Node\", pos: (320, 0)),\n                \"print_string\": (node: \"Print String\", pos: ("), "{body}");
    page.save_screenshot(&screenshots(), "editor-function.png").await;

    // The palette offers the file's own functions: a call of `Say Both` in the new one.
    page.click_at((ex, ey + 300.0), "right", 0).await;
    page.type_text("say both").await;
    page.wait_for(
        "the file's function in the palette",
        "document.querySelector('#palette [data-palette-item].current')?.dataset.paletteItem === 'Say Both'",
    )
    .await;
    page.key("Enter", 0).await;
    saved(&mut page, 12).await;
    let called = file(&graph);
    assert!(
        called.contains("                \"say_both\": (node: \"Say Both\", pos: ("),
        "{called}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_file_is_made_at_the_first_edit() {
    // Not there yet: the page shows a new graph, with its Event BeginPlay.
    let (_studio, mut page, dir, graph) = open("editor-new", "hello_new.ron", None, 1).await;
    assert!(!graph.exists(), "nothing is written before the first edit");
    let (bx, by) = page.centre("#stage g.node[data-node=\"begin\"] rect").await;
    page.click_at((bx + 260.0, by), "right", 0).await;
    page.type_text("print str").await;
    page.key("Enter", 0).await;
    saved(&mut page, 1).await;
    let text = file(&graph);
    let (px, py) = pos_of(&text, "print_string");
    assert_eq!(
        text,
        format!("Graph(\n    format: 1,\n    name: \"hello_new\",\n    nodes: {{\n        \"begin\": (node: \"Event BeginPlay\", pos: (0, 0)),\n        \"print_string\": (node: \"Print String\", pos: ({px}, {py})),\n    }},\n)\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A graph that prints `tick` every 50 ms until stopped.
const TICKER: &str = r#"Graph(
    format: 1,
    name: "Ticker",
    nodes: {
        "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "timer"}),
        "timer": (node: "Set Timer by Event", pos: (256, 0), inputs: {"Event": Event("tick"), "Time": 0.05, "Looping": true}),
        "tick":  (node: "Custom Event", pos: (0, 192), exec: {"then": "say"}),
        "say":   (node: "Print String", pos: (256, 192), inputs: {"In String": "tick"}),
    },
)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_live_editing_off_an_edit_never_touches_a_running_instance() {
    let (_studio, mut page, dir, graph) = open("editor-running", "ticker.ron", Some(TICKER), 4).await;
    // Live editing is on by default (tests/studio/live.rs); switched off here.
    page.click("button[data-action=live]").await;
    page.wait_for(
        "live editing off",
        "document.querySelector('button[data-action=live]').getAttribute('aria-pressed') === 'false'",
    )
    .await;
    page.click("button[data-action=run]").await;
    page.wait_for("ticks", "document.querySelectorAll('#output > div').length >= 2")
        .await;
    // Edit the running graph's literal: written, but the run goes on with what it started.
    type_literal(&mut page, "say", "In String", "tock").await;
    saved(&mut page, 1).await;
    assert_eq!(
        file(&graph),
        TICKER.replace("{\"In String\": \"tick\"}", "{\"In String\": \"tock\"}")
    );
    let seen = page
        .eval("document.querySelectorAll('#output > div').length")
        .await
        .as_u64()
        .unwrap();
    page.wait_for(
        "more ticks after the edit",
        &format!("document.querySelectorAll('#output > div').length >= {}", seen + 3),
    )
    .await;
    assert_eq!(page.eval("document.body.dataset.state").await, json!("running"));
    let lines = page
        .eval("[...document.querySelectorAll('#output > div')].map(d => d.textContent)")
        .await;
    assert!(
        lines.as_array().unwrap().iter().all(|l| l == "tick"),
        "the running instance kept its program: {lines}"
    );
    // Stop, and Run starts the file as it is now.
    page.click("button[data-action=stop]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    page.click("button[data-action=run]").await;
    page.wait_for(
        "tocks",
        "[...document.querySelectorAll('#output > div')].some(d => d.textContent === 'tock')",
    )
    .await;
    page.click("button[data-action=stop]").await;
    page.wait_for("the run to end", "document.body.dataset.state === 'ended'")
        .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 34, 16: the undo history was one for all pages, so Ctrl-Z on one page undid
/// another page's edit, and what an edit answered (a refusal, a copy) reached every page.
/// Each page undoes its own edits: while another page's edit is on top of its own, its undo
/// is refused (the file untouched); once that one is undone, its own undo goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_undoes_its_own_edits_and_hears_its_own_answers() {
    let (_studio, mut one, dir, graph) = open("two-pages", "two.ron", Some(START), 2).await;
    let url = one.eval("location.href").await.as_str().unwrap().to_string();
    let mut two = Browser::launch("two-pages-second").await;
    two.goto(&url).await;
    two.wait_for(
        "the graph drawn on the second page",
        "document.querySelectorAll('#stage g.node[data-node]').length === 2",
    )
    .await;
    // Page one moves `say`; page two then moves `begin`.
    let title = one.centre("#stage g.node[data-node=\"say\"] rect.title").await;
    one.drag(title, (title.0 + 100.0, title.1 + 70.0), "left").await;
    saved(&mut one, 1).await;
    let after_one = file(&graph);
    assert_ne!(after_one, START);
    saved(&mut two, 1).await;
    let title = two.centre("#stage g.node[data-node=\"begin\"] rect.title").await;
    two.drag(title, (title.0 + 60.0, title.1 + 140.0), "left").await;
    saved(&mut two, 2).await;
    let after_two = file(&graph);
    assert_ne!(after_two, after_one);
    // Page one's undo would undo its own move, but page two's is on top: refused, on page
    // one only, and the file is as page two left it.
    saved(&mut one, 2).await;
    one.key("z", 2).await;
    one.wait_for(
        "page one's undo refused",
        "document.body.dataset.refused?.includes('another page')",
    )
    .await;
    assert_eq!(file(&graph), after_two);
    assert_eq!(two.eval("document.body.dataset.refused ?? null").await, json!(null));
    // Page two's undo takes back page two's move, not page one's.
    two.key("z", 2).await;
    saved(&mut two, 3).await;
    assert_eq!(file(&graph), after_one, "page two's undo undoes page two's move");
    // Now page one's own edit is on top again: its undo goes through.
    one.key("z", 2).await;
    saved(&mut one, 4).await;
    assert_eq!(file(&graph), START, "page one's undo undoes page one's move");
    // Page two has nothing left to undo (page one's edit was never in its history).
    two.key("z", 2).await;
    two.wait_for(
        "page two has nothing to undo",
        "document.body.dataset.refused?.includes('nothing to undo')",
    )
    .await;
    assert_eq!(file(&graph), START);
    // A copy reaches the page that copied only.
    one.click("#stage g.node[data-node=\"say\"] rect.title").await;
    one.wait_for(
        "say selected",
        "document.querySelector('#stage g.node[data-node=\"say\"]').classList.contains('selected')",
    )
    .await;
    one.key("c", 2).await;
    one.wait_for("the copy", "document.body.dataset.copied === '1'").await;
    // Page two has seen every message sent before page one's next refusal; it saw no copy.
    one.key("z", 2).await;
    one.wait_for(
        "a later answer",
        "document.body.dataset.refused?.includes('nothing to undo')",
    )
    .await;
    let title = two.centre("#stage g.node[data-node=\"begin\"] rect.title").await;
    two.drag(title, (title.0 + 40.0, title.1 + 40.0), "left").await;
    saved(&mut two, 5).await;
    assert_eq!(two.eval("document.body.dataset.copied ?? null").await, json!(null));
    let _ = std::fs::remove_dir_all(&dir);
}
