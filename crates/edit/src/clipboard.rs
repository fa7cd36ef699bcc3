//! Copy and paste (authoring.md section 6): nodes copied as RON text — a map of id to
//! node, with their places and the wires among them — and pasted into any body of any
//! file, with fresh ids where theirs are taken and placed at the pointer. Both work on a
//! scratch graph made of the copied text, with the same operations as every other edit.

use crate::EditError;
use graphrun_format::model::field;

use std::collections::{HashMap, HashSet};

use graphrun_format::ron;

use crate::doc::{Doc, NodeRef};
use crate::facts::{Body, NoInspector};
use crate::ids::{check_id, fresh_id_where};
use crate::layout::{insert_item, Style};
use crate::session::Session;
use crate::syntax::{SyntaxKind::STRUCT, SyntaxNode};
use crate::text::{first_on_line, indent_at, indent_unit, quote};
use crate::tree::{brackets, items, range};
use crate::wires::Wire;

/// A scratch graph holding the nodes map `map`.
fn scratch(map: &str) -> String {
    format!("Graph(format: 1, name: \"clipboard\", nodes: {map})")
}

/// The text of a node's value, its continuation lines moved from the indentation of the
/// line it starts on to `indent`.
pub(crate) fn reindent(text: &str, value: &SyntaxNode, indent: &str) -> String {
    let r = range(value);
    let old = indent_at(text, r.start);
    let mut out = String::new();
    for (i, line) in text[r].split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(indent);
            out.push_str(line.strip_prefix(old).unwrap_or(line.trim_start()));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The RON text of the nodes `ids` of `body`, each at the place given (where it is drawn),
/// with the wires among them and none to nodes left out.
pub fn copy(text: &str, body: &Body, nodes: &[(String, Option<(i64, i64)>)]) -> Result<String, EditError> {
    if nodes.is_empty() {
        return Err("nothing is selected".into());
    }
    let doc = Doc::new(text);
    let all: HashMap<String, NodeRef> = doc.nodes(body).into_iter().map(|n| (n.id.clone(), n)).collect();
    let mut map = String::from("{\n");
    for (id, _) in nodes {
        let node = match all.get(id) {
            Some(node) if node.value.kind() == STRUCT => node.clone(),
            // Says why, with the nearest id.
            _ => doc.node(body, id)?,
        };
        map.push_str(&format!(
            "    {}: {},\n",
            quote(id),
            reindent(text, &node.value, "    ")
        ));
    }
    map.push('}');
    let wrapped = scratch(&map);
    let mut copied = Session::new("clipboard", &wrapped, Body::Graph, &NoInspector)?;
    let places: HashMap<String, String> = nodes
        .iter()
        .filter_map(|(id, pos)| pos.map(|(x, y)| (id.clone(), format!("({x}, {y})"))))
        .collect();
    copied.set_node_fields(field::POS, &places)?;
    let keep: HashSet<&str> = nodes.iter().map(|(id, _)| id.as_str()).collect();
    copied.remove_wires(|_, w| match w {
        Wire::Input { from, .. } => !keep.contains(from.as_str()),
        Wire::Exec { to, .. } => !keep.contains(to.as_str()),
    })?;
    let doc = copied.doc();
    let map = doc.nodes_map(&Body::Graph)?;
    Ok(copied.text[range(&map)].to_string())
}

impl Session<'_> {
    /// Pastes copied nodes into the body: fresh ids where theirs are taken (wires among
    /// them follow), the top-left one at (x, y); prints each pasted node's id.
    pub(crate) fn paste(&mut self, x: i64, y: i64, text: &str) -> Result<(), String> {
        let value = ron::parse(text).map_err(|e| format!("the pasted text is not RON: {}", e.message))?;
        if !matches!(value.kind, ron::Kind::Map(_)) {
            return Err("the pasted text is not a map of nodes (`{\"id\": (node: …), …}`)".to_string());
        }
        let wrapped = scratch(text.trim());
        let mut pasted = Session::new("clipboard", &wrapped, Body::Graph, &NoInspector)?;
        let (ids, places): (Vec<String>, Vec<Option<(i64, i64)>>) = pasted
            .doc()
            .nodes(&Body::Graph)
            .into_iter()
            .map(|n| (n.id.clone(), pos_of(&n)))
            .unzip();
        if ids.is_empty() {
            return Err("the pasted text holds no nodes".to_string());
        }
        // Each node once: the lookups below are by id.
        let mut seen = HashSet::new();
        if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
            return Err(format!("the pasted text has node `{twice}` twice"));
        }
        let taken: HashSet<String> = self.doc().nodes(&self.body).into_iter().map(|n| n.id).collect();
        let mut used: HashSet<String> = taken.iter().chain(&ids).cloned().collect();
        // The next number to try for each base.
        let mut next: HashMap<String, u64> = HashMap::new();
        let mut renames = HashMap::new();
        let mut fresh = Vec::with_capacity(ids.len());
        for id in &ids {
            check_id(id)?;
            if taken.contains(id) {
                // `two_2` copied again is `two_3`, not `two_2_2`.
                let base = match id.rsplit_once('_') {
                    Some((base, n)) if !base.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
                    _ => id.as_str(),
                };
                let from = next.entry(base.to_string()).or_insert(2);
                let new = fresh_id_where(base, from, |id| used.contains(id));
                used.insert(new.clone());
                renames.insert(id.clone(), new.clone());
                fresh.push(new);
            } else {
                fresh.push(id.clone());
            }
        }
        pasted.rename_nodes(&renames)?;
        // Wires to nodes that were not copied with them are not theirs to keep.
        let own: HashSet<&str> = fresh.iter().map(String::as_str).collect();
        pasted.remove_wires(|_, w| match w {
            Wire::Input { from, .. } => !own.contains(from.as_str()),
            Wire::Exec { to, .. } => !own.contains(to.as_str()),
        })?;
        // The top-left of the nodes that have a place goes to (x, y); the others follow it.
        let left = places.iter().flatten().map(|p| p.0).min().unwrap_or(0);
        let top = places.iter().flatten().map(|p| p.1).min().unwrap_or(0);
        let mut placed = HashMap::with_capacity(fresh.len());
        for (k, (id, place)) in fresh.iter().zip(&places).enumerate() {
            let (px, py) = match place {
                Some((px, py)) => (x + px - left, y + py - top),
                None => (x + 32 * k as i64, y + 32 * k as i64),
            };
            placed.insert(id.clone(), format!("({px}, {py})"));
        }
        pasted.set_node_fields(field::POS, &placed)?;
        let doc = self.doc();
        let map = doc.nodes_map(&self.body)?;
        let indent = match items(&map).first() {
            Some(first) if first_on_line(&self.text, first.range.start) => {
                indent_at(&self.text, first.range.start).to_string()
            }
            _ => format!("{}{}", indent_at(&self.text, brackets(&map).0), indent_unit(&self.text)),
        };
        // All inserted at once, as one after another would have placed them: a line each
        // where the map's items are a line each (or it has none), else in the line.
        let (_, close) = brackets(&map);
        let lines = items(&map).is_empty() || close.is_some_and(|c| first_on_line(&self.text, c));
        let separator = if lines {
            format!(",\n{indent}")
        } else {
            ", ".to_string()
        };
        let source = pasted.doc();
        let entries: Vec<String> = source
            .nodes(&Body::Graph)
            .iter()
            .map(|n| format!("{}: {}", quote(&n.id), reindent(&pasted.text, &n.value, &indent)))
            .collect();
        let edits = insert_item(&self.text, &map, None, &entries.join(&separator), Style::Block);
        drop(doc);
        drop(source);
        self.step(edits)?;
        self.printed.extend(fresh);
        Ok(())
    }
}

/// A node's `pos`, if it has one.
fn pos_of(node: &NodeRef) -> Option<(i64, i64)> {
    let pos = node.field(field::POS)?;
    match ron::parse(&pos.to_string()).ok()?.kind {
        ron::Kind::Tuple { name: None, items } => match items[..] {
            [ron::Value {
                kind: ron::Kind::Int(x),
                ..
            }, ron::Value {
                kind: ron::Kind::Int(y),
                ..
            }] => Some((x, y)),
            _ => None,
        },
        _ => None,
    }
}
