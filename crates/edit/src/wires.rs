//! The wires of a document as written: a node's `inputs` entry linked to another node's
//! output (or a delegate bound to a Custom Event) and its `exec` entries into other nodes,
//! read from the syntax tree for the operations that follow, rename or remove them.

use crate::doc::{Doc, NodeRef};
use crate::facts::Body;
use crate::syntax::{SyntaxKind::*, SyntaxNode};
use crate::tree::{self, items, tuple_strings};
use graphrun_format::model::field;

/// One wire as written in a node: an input from another node's output (or a delegate bound
/// to a Custom Event), or an exec output into another node.
#[derive(Debug)]
pub(crate) enum Wire {
    /// `"PIN": Link("FROM", "FROM_PIN")` or `"PIN": Event("FROM")`.
    Input {
        from: String,
        from_pin: Option<String>,
        event: bool,
    },
    /// `"PIN": "TO"` or `"PIN": "TO.TO_PIN"`.
    Exec { to: String, to_pin: Option<String> },
}

/// `Link("node", "pin")` or `Event("node")`: the node, and the pin of a link.
pub(crate) fn link_source(value: &SyntaxNode) -> Option<(String, Option<String>)> {
    let kind = tree::name(value)?;
    if value.kind() != TUPLE || !matches!(kind.as_str(), "Link" | "Event") {
        return None;
    }
    let parts = tuple_strings(value);
    let node = parts.first()?.clone()?;
    Some((node, parts.get(1).cloned().flatten()))
}

/// `"node"` or `"node.Pin"`.
pub(crate) fn exec_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('.') {
        Some((n, p)) => (n, Some(p)),
        None => (target, None),
    }
}

/// One wire of each node of `body` that `rank` picks (`Some`): of a node's, the one
/// ranked first, else the first written — an entry of its `inputs` or `exec`, given the
/// node, the field's name and the entry's value. One scan; at most one a node, so that
/// removing them all at once never touches one container twice.
pub(crate) fn wire_per_node(
    doc: &Doc,
    body: &Body,
    rank: impl Fn(&NodeRef, Wire) -> Option<usize>,
) -> Vec<(SyntaxNode, usize)> {
    let mut found = Vec::new();
    for node in doc.nodes(body) {
        let mut best: Option<(usize, SyntaxNode, usize)> = None;
        for field_name in [field::INPUTS, field::EXEC] {
            let Some(map) = node.field(field_name).filter(|m| m.kind() == MAP) else {
                continue;
            };
            for (i, item) in items(&map).iter().enumerate() {
                let Some(value) = item.value() else {
                    continue;
                };
                let wire = if field_name == field::INPUTS {
                    match link_source(&value) {
                        Some((from, pin)) => Wire::Input {
                            from,
                            from_pin: pin,
                            event: tree::name(&value).as_deref() == Some("Event"),
                        },
                        None => continue,
                    }
                } else {
                    match tree::string(&value) {
                        Some(target) => {
                            let (to, to_pin) = exec_target(&target);
                            Wire::Exec {
                                to: to.to_string(),
                                to_pin: to_pin.map(str::to_string),
                            }
                        }
                        None => continue,
                    }
                };
                if let Some(r) = rank(&node, wire) {
                    if best.as_ref().is_none_or(|(b, _, _)| r < *b) {
                        best = Some((r, map.clone(), i));
                    }
                }
            }
        }
        found.extend(best.map(|(_, map, i)| (map, i)));
    }
    found
}
