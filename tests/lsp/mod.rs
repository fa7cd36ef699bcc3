//! `graphrun lsp`, spoken to as an editor speaks to it: the real process, JSON-RPC over its
//! stdin and stdout (`client.rs`), on copies of the repository's graphs. Every request the
//! server offers, on a graph, a library it imports, a file that does not parse and a test
//! file; and Neovim's own LSP client (`neovim.rs`).

mod client;
mod frames;
mod neovim;
#[path = "../graph_cases/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::PathBuf;

use client::{apply, labels, position, uri, Client};
use serde_json::{json, Value};

const GRAPH: &str = include_str!("../../graphs/reuse_example.ron");
const LIBRARY: &str = include_str!("../../graphs/lib/words.ron");
const TEST: &str = include_str!("../../graphs/reuse_example.test.ron");

/// `graphrun lsp` (the one this test binary was built with) on `root`, initialized.
fn start(root: &std::path::Path) -> Client {
    Client::start_with(std::path::Path::new(env!("CARGO_BIN_EXE_graphrun")), root)
}

/// A folder holding the reuse example, its library and its test.
pub fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("reuse_example.ron"), GRAPH).unwrap();
    std::fs::write(dir.join("lib/words.ron"), LIBRARY).unwrap();
    std::fs::write(dir.join("reuse_example.test.ron"), TEST).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

fn at(uri: &str, text: &str, marker: &str, within: usize) -> Value {
    json!({"textDocument": {"uri": uri}, "position": position(text, marker, within)})
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn diagnostics_come_on_open_and_on_change_and_a_quick_fix_applies_the_did_you_mean() {
    let dir = workspace("diagnostics");
    let mut lsp = start(&dir);
    let mut text = GRAPH.replace("node: \"Format String\"", "node: \"Format Strng\"");
    let doc = lsp.open(&dir.join("reuse_example.ron"), &text);
    let found = lsp.diagnostics(&doc, |d| !d.is_empty());
    assert_eq!(codes(&found), ["E0101"], "{found:?}");
    let d = &found[0];
    assert_eq!(d["range"]["start"], position(&text, "\"Format Strng\"", 0));
    assert_eq!(d["range"]["end"], position(&text, "\"Format Strng\"", 14));
    assert!(
        d["message"].as_str().unwrap().contains("did you mean `Format String`"),
        "{d}"
    );

    // The quick fix is the did-you-mean, written in place.
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], "Change to `Format String`");
    assert_eq!(fix["kind"], "quickfix");
    let fixed = apply(&text, &fix["edit"]["changes"][&doc]);
    assert_eq!(fixed, GRAPH);

    // A change: the diagnostics follow (the version is the change's).
    lsp.change(&doc, &mut text, 2, "Format Strng", "Format String");
    assert_eq!(text, GRAPH);
    lsp.wait_for_version(&doc, 2);
    assert!(lsp.diagnostics(&doc, |_| true).is_empty());
    // And a new mistake, typed: an unknown variable, with its nearest name.
    lsp.change(&doc, &mut text, 3, "Var(\"Best\")", "Var(\"Bset\")");
    let found = lsp.diagnostics(&doc, |d| !d.is_empty());
    assert_eq!(codes(&found), ["E0114"]);
    assert!(found[0]["message"].as_str().unwrap().contains("did you mean `Best`"));
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn completion_knows_node_types_pins_ids_variables_types_classes_and_imported_functions() {
    let dir = workspace("completion");
    let mut lsp = start(&dir);
    let doc = lsp.open(&dir.join("reuse_example.ron"), GRAPH);
    lsp.diagnostics(&doc, |_| true);
    let mut complete =
        |marker: &str, within: usize| lsp.request("textDocument/completion", at(&doc, GRAPH, marker, within));

    // A node type, with its doc; the file's and the library's functions and macros.
    let types = complete("node: \"Print String\"", 7);
    assert_eq!(types["isIncomplete"], false, "every node type fits in one answer");
    let print = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "Print String")
        .expect("Print String is offered");
    assert!(print["documentation"]["value"]
        .as_str()
        .unwrap()
        .contains("Writes the text"));
    assert_eq!(
        print["textEdit"]["range"]["start"],
        position(GRAPH, "\"Print String\"", 1)
    );
    let types = labels(&types);
    for reusable in [
        "Add Score",
        "If Leading",
        "Shout",
        "For Each Word",
        "Format String",
        "Branch",
    ] {
        assert!(types.contains(&reusable.to_string()), "{reusable} in {types:?}");
    }
    // Typed so far: only what fits.
    let typed = labels(&complete("node: \"Print String\"", 10));
    assert!(typed.contains(&"Print String".to_string()) && !typed.contains(&"Branch".to_string()));

    // A node's input pins (as its type declares them), a node id, a node's outputs.
    assert_eq!(labels(&complete("\"In String\": Link(\"line\"", 1)), ["In String"]);
    let ids = labels(&complete("Link(\"line\"", 6));
    assert!(
        ids.contains(&"words".to_string()) && ids.contains(&"shout".to_string()),
        "{ids:?}"
    );
    assert_eq!(labels(&complete("Link(\"shout\", \"Loud\")", 15)), ["Loud"]);
    assert_eq!(labels(&complete("\"Word\": \"add\"", 1)), ["Word", "Done"]);
    // Variables: the graph's, and in a function its locals too.
    assert_eq!(labels(&complete("Var(\"Best\")", 5)), ["Scores", "Best", "Results"]);
    assert_eq!(
        labels(&complete("Var(\"New\")", 5)),
        ["New", "Scores", "Best", "Results"]
    );
    // Types after `type:`, with the classes.
    let types = labels(&complete("(type: Map(Int))", 7));
    assert!(types.contains(&"Int".to_string()) && types.iter().any(|t| t.contains("M2_JsonWebSocketConnection")));
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn hover_definition_references_and_symbols() {
    let dir = workspace("navigate");
    let mut lsp = start(&dir);
    let doc = lsp.open(&dir.join("reuse_example.ron"), GRAPH);
    lsp.diagnostics(&doc, |_| true);

    let hover = |lsp: &mut Client, marker: &str, within: usize| {
        lsp.request("textDocument/hover", at(&doc, GRAPH, marker, within))["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(hover(&mut lsp, "node: \"Print String\"", 8).contains("Writes the text and a newline"));
    assert!(hover(&mut lsp, "Var(\"Results\")", 6)
        .contains("variable `Results`: String, default `\"ada grace ada linus grace ada\"`"));
    assert!(hover(&mut lsp, "\"add\": (", 2).contains("node `add`: **Add Score**"));
    assert!(hover(&mut lsp, "Link(\"add\", \"Total\")", 14).contains("output `Total` of `add`: Int"));
    assert!(hover(&mut lsp, "node: \"If Leading\"", 8).contains("macro **If Leading**"));

    // Definition: a node id, a variable, a function of an imported file, the import.
    let def = |lsp: &mut Client, marker: &str, within: usize| {
        lsp.request("textDocument/definition", at(&doc, GRAPH, marker, within))
    };
    let here = |marker: &str, within: usize| position(GRAPH, marker, within);
    assert_eq!(
        def(&mut lsp, "Link(\"line\"", 6)["range"]["start"],
        here("\"line\": (", 1)
    );
    assert_eq!(
        def(&mut lsp, "Var(\"Best\")", 5)["range"]["start"],
        here("\"Best\": (type", 1)
    );
    let shout = def(&mut lsp, "node: \"Shout\"", 8);
    assert_eq!(shout["uri"], uri(&dir.join("lib/words.ron")));
    assert_eq!(shout["range"]["start"], position(LIBRARY, "\"Shout\"", 1));
    assert_eq!(
        def(&mut lsp, "\"lib/words.ron\"", 2)["uri"],
        uri(&dir.join("lib/words.ron"))
    );

    // References of a node id: its key, its links, its exec targets and its comment box.
    let refs = lsp.request(
        "textDocument/references",
        json!({"textDocument": {"uri": doc}, "position": position(GRAPH, "\"add\": (", 1), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(refs.as_array().unwrap().len(), 5, "{refs}");
    // Of an imported function: in the library and in this file.
    let refs = lsp.request(
        "textDocument/references",
        json!({"textDocument": {"uri": doc}, "position": position(GRAPH, "\"Shout\"", 2), "context": {"includeDeclaration": true}}),
    );
    let files: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files.contains(&uri(&dir.join("lib/words.ron")).as_str()) && files.contains(&doc.as_str()));

    // The outline.
    let symbols = lsp.request("textDocument/documentSymbol", json!({"textDocument": {"uri": doc}}));
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Scores", "Best", "Results", "begin", "Add Score", "If Leading"]);
    assert_eq!(symbols[4]["children"].as_array().unwrap().len(), 7);
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn rename_is_a_workspace_edit_and_formatting_is_fmt() {
    let dir = workspace("rename");
    let mut lsp = start(&dir);
    let doc = lsp.open(&dir.join("reuse_example.ron"), GRAPH);
    lsp.diagnostics(&doc, |_| true);
    let rename = |lsp: &mut Client, marker: &str, within: usize, to: &str| {
        lsp.request(
            "textDocument/rename",
            json!({"textDocument": {"uri": doc}, "position": position(GRAPH, marker, within), "newName": to}),
        )
    };
    // A node id: everything `graphrun edit`'s rename-node renames.
    let edit = rename(&mut lsp, "Link(\"add\"", 6, "score");
    let renamed = apply(GRAPH, &edit["changes"][&doc]);
    std::fs::write(dir.join("expected.ron"), GRAPH).unwrap();
    let ran = std::process::Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(&dir)
        .args(["edit", "expected.ron", "-e", "rename-node add score"])
        .output()
        .unwrap();
    assert!(ran.status.success());
    assert_eq!(renamed, std::fs::read_to_string(dir.join("expected.ron")).unwrap());
    // A variable.
    let edit = rename(&mut lsp, "Var(\"Best\")", 5, "Winner");
    let renamed = apply(GRAPH, &edit["changes"][&doc]);
    assert!(
        !renamed.contains("\"Best\"") && renamed.matches("Winner").count() == 4,
        "{renamed}"
    );
    // An imported function: in the library that defines it and in every file that imports it.
    let prepared = lsp.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": doc}, "position": position(GRAPH, "\"Shout\"", 2)}),
    );
    assert_eq!(prepared["start"], position(GRAPH, "\"Shout\"", 1));
    let edit = rename(&mut lsp, "\"Shout\"", 2, "Yell");
    let library = uri(&dir.join("lib/words.ron"));
    assert_eq!(
        apply(LIBRARY, &edit["changes"][&library]),
        LIBRARY.replace("\"Shout\"", "\"Yell\"")
    );
    assert_eq!(
        apply(GRAPH, &edit["changes"][&doc]),
        GRAPH.replace("\"Shout\"", "\"Yell\"")
    );
    // Issue 34, 12: a rename that would make an error `graphrun edit` refuses is refused
    // too: a graph variable to a function's local's name, a macro to a structural node's.
    for (marker, within, to, says) in [
        ("Var(\"Best\")", 5, "New", "E0004"),
        ("\"If Leading\"", 2, "Function Entry", "E0004"),
        ("\"If Leading\"", 2, "Return Node", "E0004"),
    ] {
        let refused = lsp.answer(
            "textDocument/rename",
            json!({"textDocument": {"uri": doc}, "position": position(GRAPH, marker, within), "newName": to}),
        );
        let message = refused["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "renaming {marker} to {to}: {refused}");
    }
    // What cannot be renamed says why.
    let refused = lsp.answer(
        "textDocument/rename",
        json!({"textDocument": {"uri": doc}, "position": position(GRAPH, "\"Print String\"", 2), "newName": "X"}),
    );
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("can be renamed"),
        "{refused}"
    );

    // Formatting: graphrun fmt's form.
    let messy = GRAPH.replace(
        "    format: 1,\n    name: \"Scoreboard\",",
        "  format:1,name:\"Scoreboard\",",
    );
    let messy_doc = lsp.open(&dir.join("messy.ron"), &messy);
    let edits = lsp.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": messy_doc}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(apply(&messy, &edits), GRAPH);
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn a_file_that_does_not_parse_has_its_error_and_still_completes_and_hovers() {
    let dir = workspace("broken");
    let mut lsp = start(&dir);
    // Typing a new node: the file stops at the cursor.
    let cut = GRAPH.find("\"shout\": (node: \"Shout\"").unwrap();
    let text = format!("{}\"new\": (node: \"Print S", &GRAPH[..cut]);
    let doc = lsp.open(&dir.join("reuse_example.ron"), &text);
    let found = lsp.diagnostics(&doc, |d| !d.is_empty());
    assert_eq!(codes(&found), ["E0001"], "{found:?}");
    let end = json!({"textDocument": {"uri": doc}, "position": position(&text, "Print S", 7)});
    let offered = labels(&lsp.request("textDocument/completion", end.clone()));
    assert!(offered.contains(&"Print String".to_string()), "{offered:?}");
    let hover = lsp.request("textDocument/hover", at(&doc, &text, "Var(\"Results\")", 6));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("variable `Results`"));
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn test_files_complete_steps_variables_and_events_and_say_names_their_graph_lacks() {
    let dir = workspace("tests");
    let mut lsp = start(&dir);
    let text = TEST
        .replace("set: {\"Results\"", "set: {\"Resuts\"")
        .replace("    expect:", "    servers: {\"echo.test\": [Accept, ]},\n    expect:");
    let path = dir.join("reuse_example.test.ron");
    let doc = lsp.open(&path, &text);
    let found = lsp.diagnostics(&doc, |d| !d.is_empty());
    assert_eq!(codes(&found), ["E0114"]);
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("no variable `Resuts` to set; did you mean `Results`?"));
    let set = labels(&lsp.request("textDocument/completion", at(&doc, &text, "\"Resuts\"", 1)));
    assert_eq!(set, ["Scores", "Best", "Results"]);
    let steps = labels(&lsp.request("textDocument/completion", at(&doc, &text, "[Accept, ]", 9)));
    assert!(
        steps.contains(&"Receive(Json({}))".to_string()) && steps.contains(&"Drop".to_string()),
        "{steps:?}"
    );
    let graph = lsp.request("textDocument/definition", at(&doc, &text, "\"reuse_example.ron\"", 2));
    assert_eq!(graph["uri"], uri(&dir.join("reuse_example.ron")));
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn an_importer_is_checked_again_with_its_library_s_unsaved_text() {
    let dir = workspace("importers");
    let mut lsp = start(&dir);
    let graph = lsp.open(&dir.join("reuse_example.ron"), GRAPH);
    assert!(lsp.diagnostics(&graph, |_| true).is_empty());
    let mut library = LIBRARY.to_string();
    let lib = lsp.open(&dir.join("lib/words.ron"), &library);
    lsp.diagnostics(&lib, |_| true);
    // The library's function renamed in the editor, not saved: the graph's use of it is now
    // unknown, and says so.
    lsp.change(&lib, &mut library, 2, "\"Shout\": (", "\"Yell\": (");
    let found = lsp.diagnostics(&graph, |d| !d.is_empty());
    assert_eq!(codes(&found), ["E0101"], "{found:?}");
    assert!(found[0]["message"].as_str().unwrap().contains("`Shout`"));
    lsp.change(&lib, &mut library, 3, "\"Yell\": (", "\"Shout\": (");
    assert!(lsp.diagnostics(&graph, |d| d.is_empty()).is_empty());
    // An error in a library the editor has not opened is shown in that file.
    std::fs::write(
        dir.join("lib/words.ron"),
        LIBRARY.replace("\"To Upper\"", "\"To Uper\""),
    )
    .unwrap();
    lsp.notify("textDocument/didClose", json!({"textDocument": {"uri": lib}}));
    let found = lsp.diagnostics(&lib, |d| !d.is_empty());
    assert_eq!(codes(&found), ["E0101"]);
    assert_eq!(found[0]["range"]["start"], position(LIBRARY, "\"To Upper\"", 0));
    assert_eq!(lsp.stop(), Some(0));
}

#[test]
fn bad_requests_get_errors_and_the_server_goes_on() {
    let dir = workspace("bad");
    let mut lsp = start(&dir);
    let doc = lsp.open(&dir.join("reuse_example.ron"), GRAPH);
    lsp.diagnostics(&doc, |_| true);
    let error = |answer: Value| answer["error"]["code"].as_i64();
    // An unknown method, parameters of the wrong shape, a document not open.
    assert_eq!(
        error(lsp.answer("textDocument/semanticTokens/full", json!({}))),
        Some(-32601)
    );
    assert_eq!(
        error(lsp.answer("textDocument/hover", json!({"nonsense": 1}))),
        Some(-32602)
    );
    let elsewhere = uri(&dir.join("lib/words.ron"));
    assert_eq!(
        error(lsp.answer(
            "textDocument/completion",
            json!({"textDocument": {"uri": elsewhere}, "position": {"line": 0, "character": 0}})
        )),
        Some(-32602)
    );
    // Positions past the end, changes to documents never opened, a rename to nothing.
    let far = json!({"textDocument": {"uri": doc}, "position": {"line": 99999, "character": 99999}});
    assert!(lsp
        .answer("textDocument/completion", far.clone())
        .get("error")
        .is_none());
    assert!(lsp.answer("textDocument/hover", far.clone()).get("error").is_none());
    assert!(lsp.answer("textDocument/definition", far).get("error").is_none());
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": elsewhere, "version": 9}, "contentChanges": [{"text": "x"}]}),
    );
    let refused = lsp.answer(
        "textDocument/rename",
        json!({"textDocument": {"uri": doc}, "position": position(GRAPH, "\"Shout\"", 2), "newName": ""}),
    );
    assert!(refused.get("error").is_some(), "{refused}");
    // A change whose range lies past the text is applied where it can be.
    let mut text = GRAPH.to_string();
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 5000, "character": 0}, "end": {"line": 9000, "character": 3}}, "text": "// end\n"}]}),
    );
    text.push_str("// end\n");
    lsp.wait_for_version(&doc, 2);
    let symbols = lsp.request("textDocument/documentSymbol", json!({"textDocument": {"uri": doc}}));
    assert_eq!(symbols.as_array().unwrap().len(), 6);
    let formatted = lsp.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": doc}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(apply(&text, &formatted), GRAPH.to_string() + "// end\n");
    assert_eq!(lsp.stop(), Some(0));
}
