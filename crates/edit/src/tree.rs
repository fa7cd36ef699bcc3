//! Reading the tree: the items of a bracketed value (fields, entries, list items) with the
//! ranges an edit needs, a struct's fields by name, a map's entries by key, and the value of
//! a string. Everything here reads; `layout.rs` turns what it finds into text edits.

use std::ops::Range;

use crate::syntax::{SyntaxKind, SyntaxKind::*, SyntaxNode};

/// One item of a bracketed value: a struct's field, a map's entry, a list's or tuple's item.
#[derive(Clone, Debug)]
pub struct Item {
    /// The item's node (`FIELD`, `ENTRY`, or the value itself in a list or tuple).
    pub node: SyntaxNode,
    /// From its first to its last byte.
    pub range: Range<usize>,
    /// Its comma, if it has one.
    pub comma: Option<Range<usize>>,
}

impl Item {
    /// For a `FIELD`: its name.
    pub fn field_name(&self) -> Option<String> {
        (self.node.kind() == FIELD)
            .then(|| {
                self.node
                    .children_with_tokens()
                    .find(|t| t.kind() == IDENT)
                    .map(|t| t.to_string())
            })
            .flatten()
    }

    /// For an `ENTRY`: its key, if it is a string.
    pub fn key(&self) -> Option<String> {
        (self.node.kind() == ENTRY)
            .then(|| self.node.children().next().and_then(|k| string(&k)))
            .flatten()
    }

    /// For an `ENTRY`: its key node.
    pub fn key_node(&self) -> Option<SyntaxNode> {
        (self.node.kind() == ENTRY)
            .then(|| self.node.children().next())
            .flatten()
    }

    /// The value: a field's or entry's value, or the item itself.
    pub fn value(&self) -> Option<SyntaxNode> {
        match self.node.kind() {
            FIELD => self.node.children().next(),
            ENTRY => self.node.children().nth(1),
            _ => Some(self.node.clone()),
        }
    }
}

/// A node's byte range.
pub fn range(node: &SyntaxNode) -> Range<usize> {
    let r = node.text_range();
    usize::from(r.start())..usize::from(r.end())
}

/// Whether a node is a bracketed value.
pub fn is_container(node: &SyntaxNode) -> bool {
    matches!(node.kind(), STRUCT | TUPLE | MAP | LIST)
}

/// The items of a bracketed value, in order.
pub fn items(container: &SyntaxNode) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for element in container.children_with_tokens() {
        match element {
            rowan::NodeOrToken::Node(node) => {
                if node.kind() == ERROR {
                    continue;
                }
                out.push(Item {
                    range: range(&node),
                    node,
                    comma: None,
                });
            }
            rowan::NodeOrToken::Token(token) if token.kind() == COMMA => {
                if let Some(last) = out.last_mut() {
                    if last.comma.is_none() {
                        let r = token.text_range();
                        last.comma = Some(usize::from(r.start())..usize::from(r.end()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The offsets of the opening bracket and of the closing one, if it is there.
pub fn brackets(container: &SyntaxNode) -> (usize, Option<usize>) {
    // From each end, so that a map of thousands of items is not walked (callers ask once
    // per item they remove).
    let at = |t: crate::syntax::SyntaxToken| usize::from(t.text_range().start());
    let open = container
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| matches!(t.kind(), L_PAREN | L_BRACE | L_BRACK))
        .map_or(usize::from(container.text_range().start()), at);
    let close = std::iter::successors(container.last_child_or_token(), |e| e.prev_sibling_or_token())
        .filter_map(|e| e.into_token())
        .find(|t| matches!(t.kind(), R_PAREN | R_BRACE | R_BRACK))
        .map(at);
    (open, close)
}

/// A struct's field by name.
pub fn field(structure: &SyntaxNode, name: &str) -> Option<Item> {
    if structure.kind() != STRUCT {
        return None;
    }
    items(structure)
        .into_iter()
        .find(|i| i.field_name().as_deref() == Some(name))
}

/// A field's value, by name.
pub fn field_value(structure: &SyntaxNode, name: &str) -> Option<SyntaxNode> {
    field(structure, name).and_then(|f| f.value())
}

/// A map's entry by key.
pub fn entry(map: &SyntaxNode, key: &str) -> Option<Item> {
    if map.kind() != MAP {
        return None;
    }
    items(map).into_iter().find(|i| i.key().as_deref() == Some(key))
}

/// The name of a named struct or tuple (`Link` in `Link("a", "b")`).
pub fn name(node: &SyntaxNode) -> Option<String> {
    if !matches!(node.kind(), STRUCT | TUPLE) {
        return None;
    }
    node.children_with_tokens()
        .take_while(|e| !matches!(e.kind(), L_PAREN))
        .find(|e| e.kind() == IDENT)
        .map(|e| e.to_string())
}

/// The value of a string (plain or raw), with its escapes read.
pub fn string(node: &SyntaxNode) -> Option<String> {
    if node.kind() != ATOM {
        return None;
    }
    let token = node.first_token()?;
    if !matches!(token.kind(), STRING | RAW_STRING) {
        return None;
    }
    // Most strings have no escape: their text between the quotes is their value.
    let text = token.text();
    if token.kind() == STRING && text.len() >= 2 && !text.contains('\\') {
        return Some(text[1..text.len() - 1].to_string());
    }
    match graphrun_format::ron::parse(text).ok()?.kind {
        graphrun_format::ron::Kind::Str(s) => Some(s),
        _ => None,
    }
}

/// The items of a tuple such as `Link("a", "b")`, as strings where they are.
pub fn tuple_strings(node: &SyntaxNode) -> Vec<Option<String>> {
    items(node).iter().map(|i| i.value().and_then(|v| string(&v))).collect()
}

/// The single token kind of an atom (`IDENT` for `None`, say).
pub fn atom_kind(node: &SyntaxNode) -> Option<SyntaxKind> {
    (node.kind() == ATOM)
        .then(|| node.first_token().map(|t| t.kind()))
        .flatten()
}

/// The top-level value of the file (`Graph(...)`).
pub fn top(root: &SyntaxNode) -> Option<SyntaxNode> {
    root.children().find(|n| n.kind() != ERROR)
}
