//! The variables of a body: the graph's, or a function's or macro's locals. Adding one,
//! removing one (refused while a node uses it), renaming one with every `Var`, `var:` and
//! pin named after it, and its type and default.

use crate::doc::{in_body, nearest, Doc, NodeRef, BODY_ORDER, TOP_ORDER, VARIABLE_ORDER};
use crate::facts::Body;
use crate::layout::{insert_field, insert_item, Style};
use crate::session::{literal, Session};
use crate::syntax::{SyntaxKind::*, SyntaxNode};
use crate::text::{first_on_line, indent_at, indent_unit, quote, TextEdit};
use crate::tree::{self, entry, field_value, items, range, tuple_strings};
use graphrun_format::model::field;

use graphrun_format::ron;

impl Session<'_> {
    pub(crate) fn variable(&self, name: &str) -> Result<(SyntaxNode, SyntaxNode), String> {
        let doc = self.doc();
        let map = doc.variables_map(&self.body)?;
        let found = map
            .as_ref()
            .and_then(|m| entry(m, name))
            .and_then(|e| e.value())
            .filter(|v| v.kind() == STRUCT);
        match (map, found) {
            (Some(map), Some(v)) => Ok((map, v)),
            _ => Err(format!(
                "no variable `{name}`{}{}",
                in_body(&self.body),
                nearest(name, &doc.variable_names(&self.body))
            )),
        }
    }

    pub(crate) fn add_variable(&mut self, name: &str, ty: &str, default: Option<&str>) -> Result<(), String> {
        if name.is_empty() {
            return Err("a variable needs a name".to_string());
        }
        let doc = self.doc();
        if doc.variable_names(&self.body).iter().any(|n| n == name) {
            return Err(format!("a variable `{name}` already exists{}", in_body(&self.body)));
        }
        let parsed = parse_type(ty)?;
        let mut value = format!("(type: {})", ty.trim());
        if let Some(d) = default {
            let literal = literal(d, Some(&parsed))?;
            value = format!("(type: {}, default: {literal})", ty.trim());
        }
        let item = format!("{}: {value}", quote(name));
        let holder = doc.reusable(&self.body)?;
        let edits = match doc.variables_map(&self.body)? {
            Some(map) => insert_item(&self.text, &map, None, &item, Style::Block),
            None => {
                let (field_name, order) = if self.body == Body::Graph {
                    (field::VARIABLES, TOP_ORDER)
                } else {
                    (field::LOCALS, BODY_ORDER)
                };
                let map = block_map(&self.text, &holder, &item);
                insert_field(&self.text, &holder, order, field_name, &map, Style::Block)
            }
        };
        self.step(edits)
    }

    /// The nodes of the bodies that see variable `name` of this body that use it.
    fn users(&self, name: &str) -> Vec<(Body, NodeRef)> {
        let doc = self.doc();
        let mut out = Vec::new();
        for body in self.scope(&doc, name) {
            for node in doc.nodes(&body) {
                if node_uses(&node, name) {
                    out.push((body.clone(), node));
                }
            }
        }
        out
    }

    /// The bodies where a variable of this body is seen: this one, and for a graph variable
    /// every function and macro without a local of the same name.
    fn scope(&self, doc: &Doc<'_>, name: &str) -> Vec<Body> {
        if self.body != Body::Graph {
            return vec![self.body.clone()];
        }
        doc.bodies()
            .into_iter()
            .filter(|b| *b == Body::Graph || !doc.variable_names(b).iter().any(|n| n == name))
            .collect()
    }

    pub(crate) fn remove_variable(&mut self, name: &str) -> Result<(), String> {
        let (map, _) = self.variable(name)?;
        let users = self.users(name);
        if !users.is_empty() {
            let list: Vec<String> = users
                .iter()
                .map(|(body, n)| format!("`{}`{}", n.id, in_body(body)))
                .collect();
            return Err(format!("variable `{name}` is used by {}", list.join(", ")));
        }
        let index = items(&map)
            .iter()
            .position(|i| i.key().as_deref() == Some(name))
            .unwrap_or(0);
        self.remove_at(&map, index)
    }

    pub(crate) fn rename_variable(&mut self, old: &str, new: &str) -> Result<(), String> {
        let (map, _) = self.variable(old)?;
        if new.is_empty() {
            return Err("a variable needs a name".to_string());
        }
        let doc = self.doc();
        if doc.variable_names(&self.body).iter().any(|n| n == new) {
            return Err(format!("a variable `{new}` already exists{}", in_body(&self.body)));
        }
        let mut edits = Vec::new();
        if let Some(key) = entry(&map, old).and_then(|e| e.key_node()) {
            edits.push(TextEdit::replace(range(&key), quote(new)));
        }
        for body in self.scope(&doc, old) {
            let nodes = doc.nodes(&body);
            // Get, Set, Increment and Decrement name their pins after their variable.
            let named: Vec<&str> = nodes
                .iter()
                .filter(|n| n.string(field::VAR).as_deref() == Some(old))
                .map(|n| n.id.as_str())
                .collect();
            for node in &nodes {
                if named.contains(&node.id.as_str()) {
                    if let Some(v) = node.field(field::VAR) {
                        edits.push(TextEdit::replace(range(&v), quote(new)));
                    }
                }
                let Some(inputs) = node.field(field::INPUTS).filter(|m| m.kind() == MAP) else {
                    continue;
                };
                for item in items(&inputs) {
                    if named.contains(&node.id.as_str()) && item.key().as_deref() == Some(old) {
                        if let Some(k) = item.key_node() {
                            edits.push(TextEdit::replace(range(&k), quote(new)));
                        }
                    }
                    let Some(value) = item.value() else { continue };
                    match tree::name(&value).as_deref() {
                        Some("Var") if tuple_strings(&value).first().is_some_and(|s| s.as_deref() == Some(old)) => {
                            if let Some(first) = items(&value).first() {
                                edits.push(TextEdit::replace(first.range.clone(), quote(new)));
                            }
                        }
                        Some("Link") => {
                            let parts = tuple_strings(&value);
                            let from_named = parts
                                .first()
                                .and_then(|p| p.as_deref())
                                .is_some_and(|n| named.contains(&n));
                            if from_named && parts.get(1).and_then(|p| p.as_deref()) == Some(old) {
                                if let Some(second) = items(&value).get(1) {
                                    edits.push(TextEdit::replace(second.range.clone(), quote(new)));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        self.step(edits)
    }

    pub(crate) fn set_default(&mut self, name: &str, value: &str) -> Result<(), String> {
        let (_, variable) = self.variable(name)?;
        let ty = variable_type(&variable)?;
        let literal = literal(value, Some(&ty))?;
        self.set_struct_field(&variable, VARIABLE_ORDER, field::DEFAULT, &literal)
    }

    pub(crate) fn set_type(&mut self, name: &str, ty: &str) -> Result<(), String> {
        let (_, variable) = self.variable(name)?;
        parse_type(ty)?;
        let old = field_value(&variable, field::TYPE).ok_or("the variable has no `type`")?;
        self.step(vec![TextEdit::replace(range(&old), ty.trim())])?;
        // The default was of the old type.
        let (_, variable) = self.variable(name)?;
        self.remove_struct_field(&variable, field::DEFAULT)
    }
}

/// A map written as a block, holding `item`, for a new field of `holder`.
pub(crate) fn block_map(text: &str, holder: &SyntaxNode, item: &str) -> String {
    let unit = indent_unit(text);
    let fields = items(holder);
    let indent = match fields.first() {
        Some(f) if first_on_line(text, f.range.start) => indent_at(text, f.range.start).to_string(),
        _ => format!("{}{unit}", indent_at(text, tree::brackets(holder).0)),
    };
    format!("{{\n{indent}{unit}{item},\n{indent}}}")
}

/// Whether a node reads or writes variable `name` (`var:`, or `Var(...)` on an input).
fn node_uses(node: &NodeRef, name: &str) -> bool {
    if node.string(field::VAR).as_deref() == Some(name) {
        return true;
    }
    let Some(inputs) = node.field(field::INPUTS).filter(|m| m.kind() == MAP) else {
        return false;
    };
    items(&inputs).iter().any(|i| {
        i.value().is_some_and(|v| {
            tree::name(&v).as_deref() == Some("Var")
                && tuple_strings(&v).first().is_some_and(|s| s.as_deref() == Some(name))
        })
    })
}

/// A variable's type, as its `type:` says.
fn variable_type(variable: &SyntaxNode) -> Result<graphrun_format::Type, String> {
    let ty = field_value(variable, field::TYPE).ok_or("the variable has no `type`")?;
    parse_type(&ty.to_string())
}

fn parse_type(text: &str) -> Result<graphrun_format::Type, String> {
    let value = ron::parse(text).map_err(|e| format!("`{text}` is not a type: {}", e.message))?;
    graphrun_format::read_type(&value).map_err(|d| d.message)
}
