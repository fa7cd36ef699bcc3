//! Completion: what may be written at the place the cursor is (`graphrun_edit::spot`), from
//! the registry (node types, classes), the file and the files it imports (functions,
//! macros, node ids, variables), the last check (each node's pins), and for a test file its
//! graph (variables, Custom Events, hosts).

use std::path::Path;

use graphrun_edit::doc::Doc;
use graphrun_edit::spot::Spot;
use graphrun_edit::Body;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent, MarkupKind, TextEdit,
};

use super::text::Lines;
use super::workspace::{custom_events, imports_in, test_graph, Document, Workspace};

/// The completions at byte `offset` of an open document, as LSP answers them.
pub fn complete(
    ws: &Workspace<'_>,
    document: &Document,
    offset: usize,
    uri: &lsp_types::Url,
) -> lsp_types::CompletionList {
    let doc = document.doc();
    let typed = graphrun_edit::spot::at_in(&doc.root, offset)
        .and_then(|at| {
            document
                .text
                .get(at.range.start..offset.clamp(at.range.start, at.range.end))
        })
        .unwrap_or_default();
    answer(items(ws, document, offset, uri), typed)
}

/// Every completion at byte `offset` of an open document.
fn items(ws: &Workspace<'_>, document: &Document, offset: usize, uri: &lsp_types::Url) -> Vec<CompletionItem> {
    let (path, text) = (document.path.as_path(), document.text.as_str());
    let doc = document.doc();
    let Some(at) = graphrun_edit::spot::at_in(&doc.root, offset) else {
        return Vec::new();
    };
    let lines = Lines::new(text);
    let range = lines.range(at.range.clone());
    let typed = text
        .get(at.range.start..offset.clamp(at.range.start, at.range.end))
        .unwrap_or_default();
    let item = |label: String, kind: CompletionItemKind, detail: Option<String>, doc: Option<String>| CompletionItem {
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, label.clone()))),
        label,
        kind: Some(kind),
        detail,
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    };
    let pins = |node: &str| super::hover::pins_of(ws, uri, &doc, &at.body, node);
    let names = |list: Vec<String>, kind, detail: &str| {
        list.into_iter()
            .map(|n| item(n, kind, Some(detail.to_string()), None))
            .collect::<Vec<_>>()
    };
    match &at.spot {
        Spot::NodeType => {
            let mut out: Vec<CompletionItem> = ws
                .registry
                .nodes()
                .map(|n| {
                    let d = n.doc();
                    item(
                        n.name().to_string(),
                        CompletionItemKind::CLASS,
                        Some(d.category.clone()),
                        Some(super::hover::node_doc(n.name(), &d)),
                    )
                })
                .collect();
            for (name, from, macro_) in reusables(ws, path, &doc) {
                let what = if macro_ { "macro" } else { "function" };
                out.push(item(
                    name,
                    CompletionItemKind::FUNCTION,
                    Some(format!("{what} of {from}")),
                    None,
                ));
            }
            out
        }
        Spot::InputPin { node } => {
            let p = pins(node);
            p.inputs
                .into_iter()
                .map(|(n, t)| item(n, CompletionItemKind::FIELD, Some(t.to_string()), None))
                .collect()
        }
        Spot::ExecPin { node } => names(pins(node).exec_outputs, CompletionItemKind::EVENT, "exec output"),
        Spot::OutputPin { node } => pins(node)
            .outputs
            .into_iter()
            .map(|(n, t)| item(n, CompletionItemKind::FIELD, Some(t.to_string()), None))
            .collect(),
        Spot::NodeRef | Spot::ExecTarget | Spot::NodeDef => doc
            .nodes(&at.body)
            .into_iter()
            .map(|n| {
                let ty = n.node_type().unwrap_or_default();
                item(n.id, CompletionItemKind::VALUE, Some(ty), None)
            })
            .collect(),
        Spot::EventRef => names(
            doc.nodes(&at.body)
                .into_iter()
                .filter(|n| n.node_type().as_deref() == Some("Custom Event"))
                .map(|n| n.id)
                .collect(),
            CompletionItemKind::EVENT,
            "Custom Event",
        ),
        Spot::Variable => variables(&doc, &at.body)
            .into_iter()
            .map(|(n, t)| item(n, CompletionItemKind::VARIABLE, Some(t), None))
            .collect(),
        Spot::Type => {
            let mut out: Vec<CompletionItem> = ["Bool", "Int", "Float", "String", "Json", "Exec"]
                .into_iter()
                .map(|t| item(t.to_string(), CompletionItemKind::TYPE_PARAMETER, None, None))
                .collect();
            for (t, what) in [("Array(Int)", "an array"), ("Map(String)", "a map from String keys")] {
                out.push(item(
                    t.to_string(),
                    CompletionItemKind::TYPE_PARAMETER,
                    Some(what.into()),
                    None,
                ));
            }
            for class in ws.registry.classes() {
                out.push(item(
                    format!("Object(\"{}\")", class.name),
                    CompletionItemKind::CLASS,
                    Some(class.description.clone()),
                    None,
                ));
            }
            out
        }
        Spot::Class => ws
            .registry
            .classes()
            .iter()
            .filter(|c| c.deprecated_alias_of.is_none())
            .map(|c| {
                item(
                    c.name.clone(),
                    CompletionItemKind::CLASS,
                    Some(c.description.clone()),
                    None,
                )
            })
            .collect(),
        Spot::Import | Spot::TestGraph => {
            let library = at.spot == Spot::Import;
            let dir = path.parent().unwrap_or(Path::new(""));
            files_beside(dir)
                .into_iter()
                .filter(|(_, text)| {
                    text.trim_start_matches(|c: char| c.is_whitespace())
                        .contains("Library(")
                        == library
                })
                .map(|(name, _)| item(name, CompletionItemKind::FILE, None, None))
                .collect()
        }
        Spot::TestSet => {
            let graph = test_graph(path, &doc.root)
                .and_then(|g| ws.text_of(&g))
                .unwrap_or_default();
            variables(&Doc::new(&graph), &Body::Graph)
                .into_iter()
                .map(|(n, t)| item(n, CompletionItemKind::VARIABLE, Some(t), None))
                .collect()
        }
        Spot::TestEvent => {
            let graph = test_graph(path, &doc.root)
                .and_then(|g| ws.text_of(&g))
                .unwrap_or_default();
            names(custom_events(&graph), CompletionItemKind::EVENT, "Custom Event")
        }
        Spot::Host => {
            let graph = test_graph(path, &doc.root)
                .and_then(|g| ws.text_of(&g))
                .unwrap_or_default();
            names(hosts(&graph), CompletionItemKind::VALUE, "a host the graph connects to")
        }
        Spot::Step => STEPS
            .iter()
            .map(|(step, what)| {
                item(
                    step.to_string(),
                    CompletionItemKind::KEYWORD,
                    Some(what.to_string()),
                    None,
                )
            })
            .collect(),
        Spot::VariableDef | Spot::ReusableDef { .. } => Vec::new(),
    }
    .into_iter()
    .filter(|i| fits(typed, &i.label))
    .collect()
}

/// The most items an answer holds; past it the list says it is incomplete, and the editor
/// asks again as more is typed (a 2,000-node graph's ids would be 350 KB a keystroke).
pub const MOST: usize = 150;

/// The completions as LSP answers them: those whose names start with what is typed first,
/// at most [`MOST`].
pub fn answer(mut items: Vec<CompletionItem>, typed: &str) -> lsp_types::CompletionList {
    let typed = typed.to_lowercase();
    items.sort_by_key(|i| !i.label.to_lowercase().starts_with(&typed));
    let is_incomplete = items.len() > MOST;
    items.truncate(MOST);
    lsp_types::CompletionList { is_incomplete, items }
}

/// Whether a name fits what is typed before the cursor (its words in any order, any case).
fn fits(typed: &str, label: &str) -> bool {
    let label = label.to_lowercase();
    typed.to_lowercase().split_whitespace().all(|w| label.contains(w))
}

/// A test script's steps, as written, with what each does.
const STEPS: &[(&str, &str)] = &[
    ("Accept", "accept the handshake"),
    ("Accept(protocol: \"\")", "accept with a subprotocol"),
    ("Reject(status: 403)", "answer the handshake with an HTTP status"),
    ("Refuse", "refuse the connection itself (as a list of its own in Each)"),
    ("Receive(Json({}))", "the graph's next message must equal this JSON"),
    ("Receive(Text(\"\"))", "the graph's next message must be this text"),
    ("Receive(Any)", "any next message"),
    ("Send(Json({}))", "send a JSON message"),
    ("Send(Text(\"\"))", "send a text message"),
    ("Wait(1.0)", "wait, in virtual seconds"),
    ("At(1.0)", "the step before ended at this virtual time"),
    ("Close(code: 1000, reason: \"\")", "the close handshake from the server"),
    ("Drop", "lose the connection, no close frame"),
    (
        "ExpectClose(code: 1000)",
        "wait for the graph to close with this status",
    ),
    ("Each([[Accept], [Refuse]])", "one script per connection, in order"),
];

/// The variables a body sees: its own (locals) and the graph's, with their types.
pub fn variables(doc: &Doc<'_>, body: &Body) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = doc.variables(body).into_iter().map(|(n, t, _)| (n, t)).collect();
    if *body != Body::Graph {
        out.extend(doc.variables(&Body::Graph).into_iter().map(|(n, t, _)| (n, t)));
    }
    out
}

/// The functions and macros a file may use: its own and those of the files it imports
/// (name, where from, whether a macro).
pub fn reusables(ws: &Workspace<'_>, path: &Path, doc: &Doc<'_>) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut own = |doc: &Doc<'_>, from: &str| {
        for body in doc.bodies() {
            match body {
                Body::Function(n) => out.push((n, from.to_string(), false)),
                Body::Macro(n) => out.push((n, from.to_string(), true)),
                Body::Graph => {}
            }
        }
    };
    own(doc, "this file");
    let dir = path.parent().unwrap_or(Path::new(""));
    for import in imports_in(doc) {
        if let Some(lib) = ws.text_of(&dir.join(&import)) {
            own(&Doc::new(&lib), &import);
        }
    }
    out
}

/// The `.ron` files in a folder (not tests): name and text.
fn files_beside(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name.ends_with(".ron") && !name.ends_with(".test.ron") && e.file_type().ok()?.is_file())
                .then(|| Some((name, graphrun_edit::file::read(&e.path()).ok()??)))
                .flatten()
        })
        .take(500)
        .collect();
    out.sort();
    out
}

/// The hosts of the `ws://` and `wss://` URLs written in a graph.
fn hosts(text: &str) -> Vec<String> {
    let mut out: Vec<String> = graphrun_edit::syntax::parse(text)
        .root()
        .descendants()
        .filter_map(|n| graphrun_edit::tree::string(&n))
        .filter_map(|s| url::Url::parse(&s).ok())
        .filter(|u| matches!(u.scheme(), "ws" | "wss"))
        .filter_map(|u| u.host_str().map(str::to_string))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_is_cut_and_says_so_with_what_starts_like_the_typed_first() {
        let items: Vec<CompletionItem> = (0..400)
            .map(|i| CompletionItem {
                label: if i == 399 { "p_last".into() } else { format!("a{i}") },
                ..CompletionItem::default()
            })
            .collect();
        let list = answer(items.clone(), "p");
        assert!(list.is_incomplete);
        assert_eq!(list.items.len(), MOST);
        assert_eq!(list.items[0].label, "p_last");
        let short = answer(items[..10].to_vec(), "");
        assert!(!short.is_incomplete && short.items.len() == 10);
        assert!(fits("strin print", "Print String") && !fits("branch", "Print String"));
    }
}
