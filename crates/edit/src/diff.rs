//! `graphrun diff`: two graph files compared as graphs, not as text (authoring.md section
//! 4). Entries are matched by key — a node by its id, a variable, function or macro by its
//! name, a pin by its name — and values are compared as RON, without their spacing, so
//! reordering, reformatting and comments show no difference. One change a line, in the
//! order of the new file; layout (`pos`, a node's comment, comment boxes) last.

use graphrun_format::model::field;
use std::collections::HashMap;

use crate::EditError;

use crate::doc::Doc;
use crate::facts::Body;
use crate::syntax::{SyntaxKind::*, SyntaxNode};
use crate::tree::{self, field_value, items};

/// A value as RON without spacing or comments (`{"type":"hello","n":1}`), for comparing
/// and for showing.
pub fn compact(node: &SyntaxNode) -> String {
    let tokens: Vec<_> = node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        // A trailing comma before a closing bracket is not part of the value.
        let closes = tokens
            .get(i + 1)
            .is_some_and(|n| matches!(n.kind(), R_PAREN | R_BRACE | R_BRACK));
        if token.kind() == COMMA && closes {
            continue;
        }
        out.push_str(token.text());
    }
    out
}

/// A map's or struct's entries in order: key and value. A key written twice (which the
/// checker reports) is told apart by its count, `p (2)`, so the second matches the second.
fn entries(node: Option<SyntaxNode>) -> Vec<(String, SyntaxNode)> {
    let Some(node) = node else { return Vec::new() };
    let mut out: Vec<(String, SyntaxNode)> = Vec::new();
    // How many times each key was seen (a count per key: a list searched per entry was
    // quadratic in a map of 50,000 nodes).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in items(&node) {
        let key = match node.kind() {
            MAP => i.key(),
            STRUCT => i.field_name(),
            _ => None,
        };
        let (Some(key), Some(value)) = (key, i.value()) else {
            continue;
        };
        let times = seen.entry(key.clone()).or_insert(0);
        let count = *times;
        *times += 1;
        out.push((
            if count == 0 {
                key
            } else {
                format!("{key} ({})", count + 1)
            },
            value,
        ));
    }
    out
}

fn field(node: &SyntaxNode, name: &str) -> Option<String> {
    field_value(node, name).map(|v| compact(&v))
}

/// The items of a top-level list (`imports`, `comments`), each as compact RON.
fn listed(top: &SyntaxNode, field: &str) -> Vec<String> {
    field_value(top, field)
        .map(|l| {
            items(&l)
                .iter()
                .filter_map(|i| i.value())
                .map(|v| compact(&v))
                .collect()
        })
        .unwrap_or_default()
}

/// `(X, Y)` as people write a place.
fn place(value: &str) -> String {
    value.replace(',', ", ")
}

/// Entries by key, the first where a key is written twice (as a search from the start
/// finds it): looked up in constant time, so comparing 50,000 nodes is linear.
fn by_key(list: &[(String, SyntaxNode)]) -> HashMap<&str, &SyntaxNode> {
    let mut map = HashMap::with_capacity(list.len());
    for (key, value) in list {
        map.entry(key.as_str()).or_insert(value);
    }
    map
}

/// The changes of one body's nodes (or, with `nodes` false, nothing): lines without the
/// body's prefix, layout lines apart.
fn nodes(old: &[(String, SyntaxNode)], new: &[(String, SyntaxNode)], out: &mut Vec<String>, layout: &mut Vec<String>) {
    let (old_by_id, new_by_id) = (by_key(old), by_key(new));
    let find = |list: &HashMap<&str, &SyntaxNode>, id: &str| list.get(id).map(|v| (*v).clone());
    let type_of = |n: &SyntaxNode| {
        field_value(n, field::NODE)
            .and_then(|v| tree::string(&v))
            .unwrap_or_default()
    };
    for (id, node) in new {
        let Some(before) = find(&old_by_id, id) else {
            out.push(format!("+ node {id} ({})", type_of(node)));
            continue;
        };
        let (was, is) = (type_of(&before), type_of(node));
        if was != is {
            out.push(format!("~ node {id}: type {was} -> {is}"));
        }
        if field(&before, field::VAR) != field(node, field::VAR) {
            out.push(format!(
                "~ node {id}: var {} -> {}",
                field(&before, field::VAR).unwrap_or_else(|| "(none)".into()),
                field(node, field::VAR).unwrap_or_else(|| "(none)".into())
            ));
        }
        for (what, name) in [
            ("input", field::INPUTS),
            ("exec", field::EXEC),
            ("param", field::PARAMS),
        ] {
            let (a, b) = (entries(field_value(&before, name)), entries(field_value(node, name)));
            // An exec output's target is a node (and pin): shown as its id, as written.
            let shown = |v: &SyntaxNode| match what {
                field::EXEC => tree::string(v).unwrap_or_else(|| compact(v)),
                _ => compact(v),
            };
            let value =
                |list: &[(String, SyntaxNode)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| shown(v));
            for (key, v) in &b {
                match value(&a, key) {
                    Some(old) if old == shown(v) => {}
                    Some(old) => out.push(format!("~ node {id}: {what} {key}: {old} -> {}", shown(v))),
                    None => out.push(format!("~ node {id}: {what} {key}: (unset) -> {}", shown(v))),
                }
            }
            for (key, v) in &a {
                if value(&b, key).is_none() {
                    out.push(format!("~ node {id}: {what} {key}: {} -> (unset)", shown(v)));
                }
            }
        }
        for what in [field::POS, field::COMMENT] {
            let (a, b) = (field(&before, what), field(node, what));
            if a != b {
                let show = |v: Option<String>| {
                    v.map_or("(none)".to_string(), |v| if what == field::POS { place(&v) } else { v })
                };
                layout.push(format!("node {id}: {what} {} -> {}", show(a), show(b)));
            }
        }
    }
    for (id, node) in old {
        if find(&new_by_id, id).is_none() {
            out.push(format!("- node {id} ({})", type_of(node)));
        }
    }
}

/// The changes of a list of named entries (variables, pins): `+ KIND NAME (VALUE)`,
/// `- KIND NAME (VALUE)`, `~ KIND NAME: VALUE -> VALUE` (a variable's type and default
/// apart).
fn named(kind: &str, old: &[(String, SyntaxNode)], new: &[(String, SyntaxNode)], out: &mut Vec<String>) {
    let (old_by_key, new_by_key) = (by_key(old), by_key(new));
    let find = |list: &HashMap<&str, &SyntaxNode>, key: &str| list.get(key).map(|v| (*v).clone());
    let shown = |v: &SyntaxNode| match v.kind() {
        STRUCT => field(v, field::TYPE).unwrap_or_else(|| compact(v)),
        _ => compact(v),
    };
    for (name, value) in new {
        match find(&old_by_key, name) {
            None => out.push(format!("+ {kind} {name} ({})", shown(value))),
            Some(before) if value.kind() == STRUCT => {
                for part in [field::TYPE, field::DEFAULT] {
                    let (a, b) = (field(&before, part), field(value, part));
                    if a != b {
                        out.push(format!(
                            "~ {kind} {name}: {part} {} -> {}",
                            a.unwrap_or_else(|| "(none)".into()),
                            b.unwrap_or_else(|| "(none)".into())
                        ));
                    }
                }
            }
            Some(before) if compact(&before) != compact(value) => {
                out.push(format!("~ {kind} {name}: {} -> {}", compact(&before), compact(value)))
            }
            Some(_) => {}
        }
    }
    for (name, value) in old {
        if find(&new_by_key, name).is_none() {
            out.push(format!("- {kind} {name} ({})", shown(value)));
        }
    }
}

/// The changes of a function or macro that is in both files.
fn reusable(old: &SyntaxNode, new: &SyntaxNode, out: &mut Vec<String>, layout: &mut Vec<String>) {
    named(
        "input",
        &entries(field_value(old, field::INPUTS)),
        &entries(field_value(new, field::INPUTS)),
        out,
    );
    named(
        "output",
        &entries(field_value(old, field::OUTPUTS)),
        &entries(field_value(new, field::OUTPUTS)),
        out,
    );
    let pure = |n: &SyntaxNode| field(n, field::PURE).unwrap_or_else(|| "false".into());
    if pure(old) != pure(new) {
        out.push(format!("~ pure {} -> {}", pure(old), pure(new)));
    }
    named(
        "local",
        &entries(field_value(old, field::LOCALS)),
        &entries(field_value(new, field::LOCALS)),
        out,
    );
    nodes(
        &entries(field_value(old, field::NODES)),
        &entries(field_value(new, field::NODES)),
        out,
        layout,
    );
}

/// Which nodes of the event graph were added, changed (anything but their layout) or
/// removed, for a picture of the change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeChanges {
    /// In the new file only.
    pub added: Vec<String>,
    /// In both, with a change that is not layout.
    pub changed: Vec<String>,
    /// In the old file only.
    pub removed: Vec<String>,
}

/// The event graph's node changes from `old` to `new` (texts that parse).
pub fn node_changes(old: &str, new: &str) -> NodeChanges {
    let (a, b) = (Doc::new(old), Doc::new(new));
    let (x, y) = (
        entries(a.nodes_map(&Body::Graph).ok()),
        entries(b.nodes_map(&Body::Graph).ok()),
    );
    let mut changes = NodeChanges::default();
    let (x_by_id, y_by_id) = (by_key(&x), by_key(&y));
    for (id, node) in &y {
        let Some(before) = x_by_id.get(id.as_str()) else {
            changes.added.push(id.clone());
            continue;
        };
        let (mut lines, mut layout) = (Vec::new(), Vec::new());
        nodes(
            &[(id.clone(), (*before).clone())],
            &[(id.clone(), node.clone())],
            &mut lines,
            &mut layout,
        );
        if !lines.is_empty() {
            changes.changed.push(id.clone());
        }
    }
    changes.removed = x
        .iter()
        .filter(|(k, _)| !y_by_id.contains_key(k.as_str()))
        .map(|(k, _)| k.clone())
        .collect();
    changes
}

/// Every change from `old` to `new`, one a line, in the order of the new file; layout
/// lines (prefixed `layout: `) last unless `layout` is false. A file that does not parse
/// is an error naming it.
pub fn diff(old: (&str, &str), new: (&str, &str), layout: bool) -> Result<Vec<String>, EditError> {
    for (name, text) in [old, new] {
        if let Some(message) = crate::session::syntax_error(name, text) {
            return Err(EditError::Parse {
                file: name.to_string(),
                message,
            });
        }
    }
    let (a, b) = (Doc::new(old.1), Doc::new(new.1));
    let (top_a, top_b) = (a.top()?, b.top()?);
    let mut out = Vec::new();
    let mut later = Vec::new();
    let order: Vec<String> = items(&top_b).iter().filter_map(|i| i.field_name()).collect();
    let mut sections: Vec<&str> = order.iter().map(String::as_str).collect();
    for s in crate::doc::TOP_ORDER {
        if !sections.contains(s) {
            sections.push(s);
        }
    }
    for section in sections {
        match section {
            field::NAME | field::FORMAT => {
                let (x, y) = (field(&top_a, section), field(&top_b, section));
                if x != y {
                    out.push(format!(
                        "~ {section} {} -> {}",
                        x.unwrap_or_else(|| "(none)".into()),
                        y.unwrap_or_else(|| "(none)".into())
                    ));
                }
            }
            field::IMPORTS => {
                let (x, y) = (listed(&top_a, section), listed(&top_b, section));
                out.extend(y.iter().filter(|i| !x.contains(i)).map(|i| format!("+ import {i}")));
                out.extend(x.iter().filter(|i| !y.contains(i)).map(|i| format!("- import {i}")));
            }
            field::VARIABLES => named(
                "variable",
                &entries(field_value(&top_a, field::VARIABLES)),
                &entries(field_value(&top_b, field::VARIABLES)),
                &mut out,
            ),
            field::FUNCTIONS | field::MACROS => {
                let kind = if section == field::FUNCTIONS {
                    "function"
                } else {
                    "macro"
                };
                let (x, y) = (
                    entries(field_value(&top_a, section)),
                    entries(field_value(&top_b, section)),
                );
                let (x_by_name, y_by_name) = (by_key(&x), by_key(&y));
                for (name, body) in &y {
                    match x_by_name.get(name.as_str()) {
                        None => out.push(format!("+ {kind} {name}")),
                        Some(before) => {
                            let (mut lines, mut moved) = (Vec::new(), Vec::new());
                            reusable(before, body, &mut lines, &mut moved);
                            out.extend(lines.into_iter().map(|l| format!("{kind} {name}: {l}")));
                            later.extend(moved.into_iter().map(|l| format!("{kind} {name}: {l}")));
                        }
                    }
                }
                for (name, _) in &x {
                    if !y_by_name.contains_key(name.as_str()) {
                        out.push(format!("- {kind} {name}"));
                    }
                }
            }
            field::COMMENTS => {
                let (x, y) = (listed(&top_a, section), listed(&top_b, section));
                later.extend(
                    y.iter()
                        .filter(|c| !x.contains(c))
                        .map(|c| format!("+ comment box {c}")),
                );
                later.extend(
                    x.iter()
                        .filter(|c| !y.contains(c))
                        .map(|c| format!("- comment box {c}")),
                );
            }
            field::NODES => nodes(
                &entries(a.nodes_map(&Body::Graph).ok()),
                &entries(b.nodes_map(&Body::Graph).ok()),
                &mut out,
                &mut later,
            ),
            _ => {}
        }
    }
    if layout {
        out.extend(later.into_iter().map(|l| format!("layout: {l}")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(old: &str, new: &str) -> Vec<String> {
        diff(("old.ron", old), ("new.ron", new), true).unwrap()
    }

    const BASE: &str = r#"// A base.
Graph(
    format: 1,
    name: "G",
    variables: {"Url": (type: String, default: "ws://a/")},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "create"}),
        "create": (node: "Print String", pos: (100, 40)),
        "send": (node: "Send Json Object", inputs: {"Object": {"type": "hello"}}),
        "old_print": (node: "Print String"),
    },
)
"#;

    #[test]
    fn reordering_reformatting_and_comments_are_no_difference() {
        let same = r#"Graph(format: 1, name: "G",
    nodes: {
        // moved first
        "old_print": (node: "Print String"),
        "send": (inputs: {"Object": {"type":"hello",}}, node: "Send Json Object"),
        "create": (node: "Print String", pos: (100,40)),
        "begin": (exec: {"then": "create"}, node: "Event BeginPlay"),
    },
    variables: {"Url": (default: "ws://a/", type: String)},
)"#;
        assert_eq!(lines(BASE, same), Vec::<String>::new());
        // Inside a string, `,}` is text.
        let a = BASE.replace("\"hello\"", "\"a,}\"");
        let b = BASE.replace("\"hello\"", "\"a}\"");
        assert_eq!(lines(&a, &b).len(), 1);
    }

    #[test]
    fn each_kind_of_change_has_its_line() {
        let new = BASE
            .replace(
                "\"old_print\": (node: \"Print String\"),\n",
                "\"greet\": (node: \"Print String\"),\n",
            )
            .replace("{\"type\": \"hello\"}", "{\"type\": \"hello\", \"n\": 1}")
            .replace("{\"then\": \"create\"}", "{\"then\": \"greet\"}")
            .replace("pos: (100, 40)", "pos: (300, 40)")
            .replace("\"ws://a/\"", "\"ws://b/\"")
            .replace("variables: {", "variables: {\"Retries\": (type: Int), ");
        assert_eq!(
            lines(BASE, &new),
            [
                "+ variable Retries (Int)",
                "~ variable Url: default \"ws://a/\" -> \"ws://b/\"",
                "~ node begin: exec then: create -> greet",
                "~ node send: input Object: {\"type\":\"hello\"} -> {\"type\":\"hello\",\"n\":1}",
                "+ node greet (Print String)",
                "- node old_print (Print String)",
                "layout: node create: pos (100, 40) -> (300, 40)",
            ]
        );
        let no_layout = diff(("a", BASE), ("b", &new), false).unwrap();
        assert!(!no_layout.iter().any(|l| l.starts_with("layout:")));
    }

    #[test]
    fn functions_and_their_bodies() {
        let old = r#"Graph(format: 1, name: "G", functions: {"Twice": (inputs: {"X": Int}, outputs: {"Y": Int}, nodes: {
            "entry": (node: "Function Entry", exec: {"then": "ret"}),
            "ret": (node: "Return Node", inputs: {"Y": Link("entry", "X")}),
        })}, nodes: {})"#;
        let new = old
            .replace(
                "\"ret\": (node: \"Return Node\"",
                "\"dbl\": (node: \"Multiply\"),\n            \"ret\": (node: \"Return Node\"",
            )
            .replace("{\"X\": Int}", "{\"X\": Float}");
        assert_eq!(
            lines(old, &new),
            [
                "function Twice: ~ input X: Int -> Float",
                "function Twice: + node dbl (Multiply)"
            ]
        );
        assert_eq!(
            lines(old, "Graph(format: 1, name: \"G\", nodes: {})"),
            ["- function Twice"]
        );
    }

    #[test]
    fn a_file_that_does_not_parse_is_an_error() {
        let e = diff(("a.ron", BASE), ("b.ron", "Graph(format: 1,"), true).unwrap_err();
        assert!(matches!(e, crate::EditError::Parse { .. }), "{e:?}");
        assert!(e.to_string().starts_with("b.ron does not parse: b.ron:1:"), "{e}");
    }
}
