//! Copy and paste (authoring.md section 6): nodes copied as RON text — a map of id to
//! node, with their places and the wires among them — and pasted into any body of any
//! file, with fresh ids where theirs are taken and placed at the pointer. Both work on a
//! scratch graph made of the copied text, with the same operations as every other edit.

use crate::EditError;

use std::collections::HashSet;

use graphrun_format::ron;

use crate::doc::Doc;
use crate::facts::{Body, NoInspector};
use crate::layout::{insert_item, Style};
use crate::session::{check_id, fresh_id, Session, Wire};
use crate::syntax::SyntaxNode;
use crate::text::{first_on_line, indent_at, indent_unit, quote};
use crate::tree::{brackets, items, range};

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
    let mut map = String::from("{\n");
    for (id, _) in nodes {
        let node = doc.node(body, id)?;
        map.push_str(&format!(
            "    {}: {},\n",
            quote(id),
            reindent(text, &node.value, "    ")
        ));
    }
    map.push('}');
    let wrapped = scratch(&map);
    let mut copied = Session::new("clipboard", &wrapped, Body::Graph, &NoInspector)?;
    for (id, pos) in nodes {
        if let Some((x, y)) = pos {
            copied.set_field(id, "pos", &format!("({x}, {y})"))?;
        }
    }
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
        let ids: Vec<String> = pasted.doc().nodes(&Body::Graph).into_iter().map(|n| n.id).collect();
        if ids.is_empty() {
            return Err("the pasted text holds no nodes".to_string());
        }
        let taken: Vec<String> = self.doc().nodes(&self.body).into_iter().map(|n| n.id).collect();
        let mut used: Vec<String> = taken.iter().chain(&ids).cloned().collect();
        let mut fresh = Vec::with_capacity(ids.len());
        for id in &ids {
            check_id(id)?;
            if taken.contains(id) {
                // `two_2` copied again is `two_3`, not `two_2_2`.
                let base = match id.rsplit_once('_') {
                    Some((base, n)) if !base.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
                    _ => id.as_str(),
                };
                let new = fresh_id(base, &used);
                used.push(new.clone());
                pasted.rename_node(id, &new)?;
                fresh.push(new);
            } else {
                fresh.push(id.clone());
            }
        }
        // Wires to nodes that were not copied with them are not theirs to keep.
        let own: HashSet<&str> = fresh.iter().map(String::as_str).collect();
        pasted.remove_wires(|_, w| match w {
            Wire::Input { from, .. } => !own.contains(from.as_str()),
            Wire::Exec { to, .. } => !own.contains(to.as_str()),
        })?;
        // The top-left of the nodes that have a place goes to (x, y); the others follow it.
        let places: Vec<Option<(i64, i64)>> = fresh.iter().map(|id| pos_of(&pasted, id)).collect();
        let left = places.iter().flatten().map(|p| p.0).min().unwrap_or(0);
        let top = places.iter().flatten().map(|p| p.1).min().unwrap_or(0);
        for (k, (id, place)) in fresh.iter().zip(&places).enumerate() {
            let (px, py) = match place {
                Some((px, py)) => (x + px - left, y + py - top),
                None => (x + 32 * k as i64, y + 32 * k as i64),
            };
            pasted.set_field(id, "pos", &format!("({px}, {py})"))?;
        }
        let doc = self.doc();
        let map = doc.nodes_map(&self.body)?;
        let indent = match items(&map).first() {
            Some(first) if first_on_line(&self.text, first.range.start) => {
                indent_at(&self.text, first.range.start).to_string()
            }
            _ => format!("{}{}", indent_at(&self.text, brackets(&map).0), indent_unit(&self.text)),
        };
        let source = pasted.doc();
        let entries: Vec<String> = source
            .nodes(&Body::Graph)
            .iter()
            .map(|n| format!("{}: {}", quote(&n.id), reindent(&pasted.text, &n.value, &indent)))
            .collect();
        drop(doc);
        for entry in entries {
            let doc = self.doc();
            let map = doc.nodes_map(&self.body)?;
            let edits = insert_item(&self.text, &map, None, &entry, Style::Block);
            self.step(edits)?;
        }
        self.printed.extend(fresh);
        Ok(())
    }
}

/// A node's `pos`, if it has one.
fn pos_of(session: &Session<'_>, id: &str) -> Option<(i64, i64)> {
    let node = session.doc().node(&Body::Graph, id).ok()?;
    let pos = node.field("pos")?;
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
