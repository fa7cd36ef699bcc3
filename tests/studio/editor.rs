//! The studio as an editor, driven as a person drives it: real pointer and key events
//! (CDP `Input.dispatchMouseEvent` / `dispatchKeyEvent`) at the places the page shows
//! things, JavaScript only to read what it shows. After each edit the file on disk is
//! checked byte for byte against what only that change gives, and the graph is run.

use std::path::Path;

use serde_json::json;

use super::browser::Browser;
use super::{scratch, screenshots, start};

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

fn file(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// What `graphrun run FILE` prints.
fn runs(path: &Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Waits for the file's write number `n` to be on disk (the page's `data-saved`).
async fn saved(page: &mut Browser, n: u64) {
    page.wait_for(&format!("write {n}"), &format!("document.body.dataset.saved === '{n}'"))
        .await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_adds_wires_sets_moves_undoes_and_deletes_with_pointer_and_keys() {
    let dir = scratch("editor");
    let graph = dir.join("edit_me.ron");
    std::fs::write(&graph, START).unwrap();
    let (_studio, url) = start(&dir, &["studio", "edit_me.ron", "--port", "0"]);
    let mut page = Browser::launch("editor").await;
    page.goto(&url).await;
    page.wait_for(
        "the graph to be drawn",
        "document.querySelectorAll('#stage g.node[data-node]').length === 2",
    )
    .await;
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
    page.click("#stage g.node[data-node=\"say\"] [data-literal=\"In String\"]")
        .await;
    page.wait_for(
        "the literal's field",
        "document.activeElement?.classList.contains('literal-field')",
    )
    .await;
    page.type_text("hi \"there\"").await;
    page.key("Enter", 0).await;
    saved(&mut page, 4).await;
    let literal = wired.replace("{\"In String\": \"hello\"}", "{\"In String\": \"hi \\\"there\\\"\"}");
    assert_eq!(file(&graph), literal, "editing the literal");
    assert_eq!(runs(&graph), "hi \"there\"\n");

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
    assert_eq!(runs(&graph), "hi \"there\"\n");

    // A change made elsewhere is picked up within a second; the next edit applies to it.
    let elsewhere = deleted.replace("// starts it", "// starts it (changed elsewhere)");
    std::fs::write(&graph, &elsewhere).unwrap();
    let started = std::time::Instant::now();
    page.wait_for(
        "the outside change",
        "document.querySelector('#stage g.node[data-node=\"begin\"]') !== null",
    )
    .await;
    let alt = page.centre(&pin("begin", "then", "out")).await;
    // Alt-click on a pin disconnects it.
    page.click_at(alt, "left", 1).await;
    saved(&mut page, 11).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
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
