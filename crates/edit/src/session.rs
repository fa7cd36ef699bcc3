//! Applying operations: each becomes text edits on the file as it is after the ones before
//! it (operations name ids, never offsets), checked by the [`Inspector`] after each. One
//! that does not apply leaves the text as it was and says why; the edits' inverses are
//! kept, so a whole batch can be undone byte for byte.

use graphrun_format::model::field;
use std::collections::HashMap;

use crate::EditError;

use graphrun_format::ron;

use crate::doc::{in_body, Doc, NodeRef, NODE_ORDER};
use crate::facts::{introduced, Body, Facts, Inspector};
use crate::ids::{check_id, fresh_id};
use crate::layout::{insert_field, insert_item, remove_item, remove_item_of, Style};
use crate::op::Op;
use crate::syntax::{SyntaxKind::*, SyntaxNode};
use crate::text::{apply, quote, TextEdit};
use crate::tree::{self, entry, field_value, items, range};
use crate::wires::{exec_target, link_source, wire_per_node, Wire};

/// Edits being made to one file.
pub struct Session<'i> {
    pub(crate) text: String,
    pub(crate) body: Body,
    inspector: &'i dyn Inspector,
    pub(crate) facts: Facts,
    /// Each step's inverse edits, in the order the steps were made.
    undo: Vec<Vec<TextEdit>>,
    /// What the operations printed (ids picked for `auto`, pasted nodes' ids).
    pub(crate) printed: Vec<String>,
    /// The tree of `text`, made when first asked for after a change: an operation looks
    /// at the file several times between two changes.
    tree: std::cell::RefCell<Option<SyntaxNode>>,
    /// Checking is left to the end of the batch (see [`crate::edit`]), or to the next
    /// operation that reads pins: one check for a thousand moves, not a thousand.
    deferred: bool,
    /// `facts` are of an earlier text than `text`.
    stale: bool,
}

/// What a batch of operations made.
#[derive(Clone, Debug)]
pub struct Edited {
    /// The new text.
    pub text: String,
    /// The edits that give the old text back, to apply in order ([`undo`]).
    pub undo: Vec<Vec<TextEdit>>,
    /// What the operations printed (ids picked for `auto`).
    pub printed: Vec<String>,
    /// What the checker says of the new text.
    pub facts: Facts,
}

/// Applies `Edited::undo` to the new text: the old text, byte for byte.
pub fn undo(text: &str, steps: &[Vec<TextEdit>]) -> Option<String> {
    let mut text = text.to_string();
    for step in steps.iter().rev() {
        text = apply(&text, step).ok()?.0;
    }
    Some(text)
}

/// Why a text cannot be edited: its first syntax error, located.
pub fn syntax_error(name: &str, text: &str) -> Option<String> {
    // A byte-order mark (as some editors write) is not part of the value; the loader skips it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    ron::parse(text).err().map(|e| {
        let file = graphrun_format::SourceFile::new(name, text);
        format!("{}: {}", file.location(e.span), e.message)
    })
}

/// The most edits of one step the tree follows by splicing; past it, it is parsed again.
const SPLICED_EDITS: usize = 8;

impl<'i> Session<'i> {
    /// Starts editing `text` (`name` is its path, for messages); refuses a text that is not
    /// valid RON.
    pub fn new(name: &str, text: &str, body: Body, inspector: &'i dyn Inspector) -> Result<Session<'i>, EditError> {
        let facts = inspector.inspect(text);
        // A checker reads the text first: its syntax error is the reader's, located.
        let unread = match facts.checked {
            true => facts
                .findings
                .iter()
                .find(|f| f.error && f.code == graphrun_format::codes::SYNTAX)
                .map(|f| format!("{}: {}", f.location, f.message)),
            false => syntax_error(name, text),
        };
        if let Some(message) = unread {
            return Err(EditError::Parse {
                file: "the file".to_string(),
                message,
            });
        }
        let session = Session {
            text: text.to_string(),
            facts,
            body,
            inspector,
            undo: Vec::new(),
            printed: Vec::new(),
            tree: Default::default(),
            deferred: false,
            stale: false,
        };
        session.doc().reusable(&session.body)?;
        Ok(session)
    }

    /// The text as it is now.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The inverse edits of every step so far, in the order the steps were made.
    pub fn steps(&self) -> &[Vec<TextEdit>] {
        &self.undo
    }

    /// Applies one operation, or leaves the text as it was and says why.
    pub fn apply(&mut self, op: &Op) -> Result<(), EditError> {
        if self.deferred {
            // The checker is asked when an operation needs the pins it knows; the rest of
            // what an operation may not make is found at the batch's end.
            if self.stale && op.reads_pins() {
                self.verify()?;
                self.stale = false;
            }
            self.run(op)?;
            self.stale = true;
            return Ok(());
        }
        let (text, steps, printed) = (self.text.clone(), self.undo.len(), self.printed.len());
        let result = self.run(op).map_err(EditError::from).and_then(|()| self.verify());
        if result.is_err() {
            self.text = text;
            self.tree.take();
            self.undo.truncate(steps);
            self.printed.truncate(printed);
        }
        result
    }

    /// Applies operations with checks deferred: as [`Session::apply`] each, but a run of
    /// `remove-node`s (the studio's Delete of a selection) is made at once.
    pub(crate) fn apply_deferred(&mut self, ops: &[Op]) -> Result<(), EditError> {
        let mut rest = ops;
        while let Some(op) = rest.first() {
            let removals: Vec<String> = rest
                .iter()
                .map_while(|op| match op {
                    Op::RemoveNode { id } => Some(id.clone()),
                    _ => None,
                })
                .collect();
            if removals.len() > 1 {
                self.remove_nodes(&removals)?;
                self.stale = true;
                rest = &rest[removals.len()..];
            } else {
                self.apply(op)?;
                rest = &rest[1..];
            }
        }
        Ok(())
    }

    /// Leaves checking to the end of the batch ([`Session::settle`]) or to the next
    /// operation that reads pins. A batch that then fails is to be made again without, to
    /// find the operation at fault.
    pub(crate) fn defer_checks(&mut self) {
        self.deferred = true;
    }

    /// Checks what the operations deferred made.
    pub(crate) fn settle(&mut self) -> Result<(), EditError> {
        if self.stale {
            self.verify()?;
            self.stale = false;
        }
        Ok(())
    }

    /// The end of the batch.
    pub fn finish(self) -> Edited {
        Edited {
            text: self.text,
            undo: self.undo,
            printed: self.printed,
            facts: self.facts,
        }
    }

    /// The new text must parse, and the checker must not find what an edit may not make.
    fn verify(&mut self) -> Result<(), EditError> {
        // A checker refuses a syntax error the edit made (it is in `REFUSED`); without one,
        // the reader is asked.
        if !self.facts.checked {
            if let Some(e) = syntax_error("", &self.text) {
                return Err(EditError::Internal(format!(
                    "the edit would leave text that does not parse ({e})"
                )));
            }
        }
        let facts = self.inspector.inspect(&self.text);
        let new = introduced(&self.facts, &facts);
        if let Some(first) = new.first() {
            return Err(EditError::Check {
                location: first.location.clone(),
                code: first.code.to_string(),
                message: first.message.clone(),
            });
        }
        self.facts = facts;
        Ok(())
    }

    pub(crate) fn doc(&self) -> Doc<'_> {
        let root = self
            .tree
            .borrow_mut()
            .get_or_insert_with(|| crate::syntax::parse(&self.text).root())
            .clone();
        Doc { text: &self.text, root }
    }

    /// Applies edits made against the current text.
    pub(crate) fn step(&mut self, mut edits: Vec<TextEdit>) -> Result<(), String> {
        if edits.is_empty() {
            return Ok(());
        }
        // New lines end the way the file's lines do.
        if self.text.contains("\r\n") {
            for edit in &mut edits {
                if edit.text.contains('\n') {
                    edit.text = edit.text.replace("\r\n", "\n").replace('\n', "\r\n");
                }
            }
        }
        let (text, inverse) =
            apply(&self.text, &edits).map_err(|_| "internal error: the edit's changes overlap".to_string())?;
        // The tree follows the edits where it can (only the values they are in parsed
        // again), else it is made again from the whole text when next asked for.
        // Each splice rebuilds the containers above the edit (a map of thousands of nodes
        // among them): past a few edits in one step, parsing the whole text once is less.
        let old = self.tree.borrow_mut().take().filter(|_| edits.len() <= SPLICED_EDITS);
        let updated = old.and_then(|mut tree| {
            // As `apply` orders them, from the last: the earlier ranges stay where they are.
            edits.sort_by_key(|e| (e.range.start, e.range.end));
            for edit in edits.iter().rev() {
                tree = crate::syntax::reparse(&tree, edit.range.clone(), &edit.text)?;
            }
            Some(tree)
        });
        debug_assert!(updated.as_ref().is_none_or(|t| t.to_string() == text));
        *self.tree.borrow_mut() = updated;
        self.text = text;
        self.undo.push(inverse);
        Ok(())
    }

    pub(crate) fn node(&self, id: &str) -> Result<NodeRef, String> {
        Ok(self.doc().node(&self.body, id)?)
    }

    pub(crate) fn pins(&self, id: &str) -> Option<&crate::facts::Pins> {
        self.facts.pins.get(&(self.body.clone(), id.to_string()))
    }

    fn run(&mut self, op: &Op) -> Result<(), String> {
        match op {
            Op::AddNode {
                id,
                node_type,
                pos,
                var,
            } => self.add_node(id, node_type, *pos, var.as_deref()),
            Op::RemoveNode { id } => self.remove_node(id),
            Op::Reroute { id, from, to, pos } => self.reroute(id, from, to, *pos),
            Op::RenameNode { old, new } => self.rename_node(old, new),
            Op::Move { id, x, y } => {
                self.node(id)?;
                self.set_field(id, field::POS, &format!("({x}, {y})"))
            }
            Op::Set { id, pin, value } => {
                self.node(id)?;
                let ty = self.pins(id).and_then(|p| p.input(pin)).cloned();
                let literal = literal(value, ty.as_ref())?;
                self.set_entry(id, field::INPUTS, pin, &literal)
            }
            Op::Clear { id, pin } => {
                let node = self.node(id)?;
                let inputs = node.field(field::INPUTS).filter(|m| m.kind() == MAP);
                let index = inputs
                    .as_ref()
                    .and_then(|m| items(m).iter().position(|i| i.key().as_deref() == Some(pin.as_str())));
                match (inputs, index) {
                    (Some(map), Some(i)) => self.remove_at(&map, i),
                    _ => Err(format!("node `{id}` has no input `{pin}` set{}", in_body(&self.body))),
                }
            }
            Op::Connect {
                from,
                from_pin,
                to,
                to_pin,
            } => self.connect(from, from_pin.as_deref(), to, to_pin.as_deref()),
            Op::Disconnect { id, pin } => self.disconnect(id, pin),
            Op::AddVariable { name, ty, default } => self.add_variable(name, ty, default.as_deref()),
            Op::RemoveVariable { name } => self.remove_variable(name),
            Op::RenameVariable { old, new } => self.rename_variable(old, new),
            Op::SetDefault { name, value } => self.set_default(name, value),
            Op::Paste { x, y, text } => self.paste(*x, *y, text),
            Op::Collapse { kind, name, ids } => self.collapse(*kind, name, ids),
            Op::AddReusable { kind, name } => self.add_reusable(*kind, name),
            Op::AddCommentBox { text, ids } => self.add_comment_box(text, ids),
            Op::SetCommentBox { index, text } => self.set_comment_box(*index, text),
            Op::RemoveCommentBox { index } => self.remove_comment_box(*index),
            Op::SetType { name, ty } => self.set_type(name, ty),
            Op::Comment { id, text } => {
                let node = self.node(id)?;
                if text.is_empty() {
                    self.remove_struct_field(&node.value, field::COMMENT)
                } else {
                    self.set_field(id, field::COMMENT, &quote(text))
                }
            }
        }
    }

    pub(crate) fn add_node(
        &mut self,
        id: &str,
        node_type: &str,
        pos: Option<(i64, i64)>,
        var: Option<&str>,
    ) -> Result<(), String> {
        let taken: Vec<String> = self.doc().nodes(&self.body).into_iter().map(|n| n.id).collect();
        let id = if id == "auto" {
            let fresh = fresh_id(node_type, &taken);
            self.printed.push(fresh.clone());
            fresh
        } else {
            check_id(id)?;
            if taken.iter().any(|t| t == id) {
                return Err(format!("a node `{id}` already exists{}", in_body(&self.body)));
            }
            id.to_string()
        };
        let mut value = format!("(node: {}", quote(node_type));
        if let Some(var) = var {
            value.push_str(&format!(", var: {}", quote(var)));
        }
        if let Some((x, y)) = pos {
            value.push_str(&format!(", pos: ({x}, {y})"));
        }
        value.push(')');
        let doc = self.doc();
        let map = doc.nodes_map(&self.body)?;
        let edits = insert_item(
            &self.text,
            &map,
            None,
            &format!("{}: {value}", quote(&id)),
            Style::Block,
        );
        self.step(edits)
    }

    pub(crate) fn remove_node(&mut self, id: &str) -> Result<(), String> {
        self.node(id)?;
        // Every wire into or out of it first, then the node.
        self.remove_wires(|_, w| match w {
            Wire::Input { from, .. } => from == id,
            Wire::Exec { to, .. } => to == id,
        })?;
        self.remove_entry(id)
    }

    /// Removes nodes as [`Session::remove_node`] removes each, in a few scans and steps for
    /// all of them rather than some for each: their wires from the other nodes, their
    /// comment-box places, then their entries, in rounds that never remove two neighbours
    /// at once (the removal of an item reaches its neighbour's comma).
    pub(crate) fn remove_nodes(&mut self, ids: &[String]) -> Result<(), String> {
        let order: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let gone: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        if gone.len() < ids.len() {
            // The second removal of one node fails; made one at a time, it is named.
            return Err("a node is removed twice".to_string());
        }
        {
            let doc = self.doc();
            let have: std::collections::HashSet<String> = doc
                .nodes(&self.body)
                .into_iter()
                .filter(|n| n.value.kind() == STRUCT)
                .map(|n| n.id)
                .collect();
            if let Some(missing) = ids.iter().find(|id| !have.contains(*id)) {
                // Says why, with the nearest id.
                self.node(missing)?;
            }
        }
        // Each node's wires to them in the order the removals were asked for, as one
        // removal after another would take them (where they share a line, the spaces left
        // depend on it).
        self.remove_ranked_wires(|holder, w| {
            if gone.contains(holder.id.as_str()) {
                return None;
            }
            match w {
                Wire::Input { from, .. } => order.get(from.as_str()).copied(),
                Wire::Exec { to, .. } => order.get(to.as_str()).copied(),
            }
        })?;
        for id in ids {
            while let Some((list, i)) = self.comment_box_place(id) {
                self.remove_at(&list, i)?;
            }
        }
        let mut left = gone;
        while !left.is_empty() {
            let doc = self.doc();
            let map = doc.nodes_map(&self.body)?;
            let list = items(&map);
            let (mut edits, mut removed, mut after_removed) = (Vec::new(), Vec::new(), false);
            // A node's first entry, as `remove-node` takes it where an id is given twice.
            let mut met = std::collections::HashSet::new();
            for (i, item) in list.iter().enumerate() {
                let key = item.key();
                let hit = key
                    .as_deref()
                    .is_some_and(|k| left.contains(k) && met.insert(k.to_string()));
                if hit && !after_removed {
                    edits.extend(remove_item_of(&self.text, &map, &list, i).ok_or("internal error: no such item")?);
                    removed.extend(key);
                }
                after_removed = hit && !after_removed;
            }
            drop(doc);
            if removed.is_empty() {
                return Err("internal error: a node to remove was not found".to_string());
            }
            for key in &removed {
                left.remove(key.as_str());
            }
            self.step(edits)?;
        }
        Ok(())
    }

    /// Removes a node's entry and its places in comment boxes, leaving every wire as it is
    /// (a removed node's wires are gone already; a collapsed node's are rewritten to the
    /// node taking its place).
    pub(crate) fn remove_entry(&mut self, id: &str) -> Result<(), String> {
        while let Some((list, i)) = self.comment_box_place(id) {
            self.remove_at(&list, i)?;
        }
        let doc = self.doc();
        let map = doc.nodes_map(&self.body)?;
        let index = items(&map)
            .iter()
            .position(|i| i.key().as_deref() == Some(id))
            .ok_or_else(|| format!("no node `{id}`"))?;
        drop(doc);
        self.remove_at(&map, index)
    }

    /// Removes every wire `hit` picks; how many. See [`Session::remove_ranked_wires`].
    pub(crate) fn remove_wires(&mut self, hit: impl Fn(&NodeRef, Wire) -> bool) -> Result<usize, String> {
        self.remove_ranked_wires(|node, wire| hit(node, wire).then_some(0))
    }

    /// Removes every wire `rank` picks, each node's in the order of their ranks (then as
    /// written); how many. A scan finds the first of each node's, all removed in one step;
    /// again until none is left (as many rounds as the most wires one node loses, not one a
    /// wire).
    pub(crate) fn remove_ranked_wires(
        &mut self,
        rank: impl Fn(&NodeRef, Wire) -> Option<usize>,
    ) -> Result<usize, String> {
        let mut removed = 0;
        loop {
            let found = wire_per_node(&self.doc(), &self.body, &rank);
            if found.is_empty() {
                return Ok(removed);
            }
            let mut edits = Vec::new();
            for (map, i) in &found {
                edits.extend(self.removal(map, *i)?);
            }
            self.step(edits)?;
            removed += found.len();
        }
    }

    /// The first place of node `id` in a comment box (the event graph's only).
    pub(crate) fn comment_box_place(&self, id: &str) -> Option<(SyntaxNode, usize)> {
        if self.body != Body::Graph {
            return None;
        }
        for boxed in self.doc().comment_boxes() {
            let Some(list) = field_value(&boxed, field::NODES).filter(|l| l.kind() == LIST) else {
                continue;
            };
            if let Some(i) = items(&list)
                .iter()
                .position(|i| i.value().and_then(|v| tree::string(&v)).as_deref() == Some(id))
            {
                return Some((list, i));
            }
        }
        None
    }

    pub(crate) fn rename_node(&mut self, old: &str, new: &str) -> Result<(), String> {
        self.node(old)?;
        check_id(new)?;
        if self.doc().nodes(&self.body).iter().any(|n| n.id == new) {
            return Err(format!("a node `{new}` already exists{}", in_body(&self.body)));
        }
        self.rename_nodes(&HashMap::from([(old.to_string(), new.to_string())]))
    }

    /// Renames nodes (old id to new, ids checked by the caller) and every reference to
    /// them — links, exec targets, comment-box places — in one scan and one step.
    pub(crate) fn rename_nodes(&mut self, renames: &HashMap<String, String>) -> Result<(), String> {
        let doc = self.doc();
        let mut edits = Vec::new();
        // Only a node's first entry, where a broken file gives an id twice (the node
        // `self.node` finds).
        let mut keyed = std::collections::HashSet::new();
        for n in doc.nodes(&self.body) {
            if let (Some(new), Some(key)) = (renames.get(&n.id), n.entry.key_node()) {
                if keyed.insert(n.id.clone()) {
                    edits.push(TextEdit::replace(range(&key), quote(new)));
                }
            }
            if let Some(map) = n.field(field::INPUTS).filter(|m| m.kind() == MAP) {
                for item in items(&map) {
                    let Some(value) = item.value() else { continue };
                    if let Some(new) = link_source(&value).and_then(|(source, _)| renames.get(&source)) {
                        if let Some(first) = items(&value).first() {
                            edits.push(TextEdit::replace(first.range.clone(), quote(new)));
                        }
                    }
                }
            }
            if let Some(map) = n.field(field::EXEC).filter(|m| m.kind() == MAP) {
                for item in items(&map) {
                    let Some(value) = item.value() else { continue };
                    let Some(target) = tree::string(&value) else { continue };
                    let (node, pin) = exec_target(&target);
                    if let Some(new) = renames.get(node) {
                        let renamed = match pin {
                            Some(pin) => format!("{new}.{pin}"),
                            None => new.to_string(),
                        };
                        edits.push(TextEdit::replace(range(&value), quote(&renamed)));
                    }
                }
            }
        }
        if self.body == Body::Graph {
            for boxed in doc.comment_boxes() {
                let Some(list) = field_value(&boxed, field::NODES).filter(|l| l.kind() == LIST) else {
                    continue;
                };
                for item in items(&list) {
                    if let Some(new) = item
                        .value()
                        .and_then(|v| tree::string(&v))
                        .and_then(|id| renames.get(&id))
                    {
                        edits.push(TextEdit::replace(item.range.clone(), quote(new)));
                    }
                }
            }
        }
        drop(doc);
        self.step(edits)
    }

    /// Sets `field.key` of a node (`inputs` or `exec`) to `value`, making the map if needed.
    pub(crate) fn set_entry(&mut self, id: &str, field_name: &str, key: &str, value: &str) -> Result<(), String> {
        let node = self.node(id)?;
        let item = format!("{}: {value}", quote(key));
        let edits = match node.field(field_name) {
            Some(map) if map.kind() == MAP => match entry(&map, key).and_then(|e| e.value()) {
                Some(old) => vec![TextEdit::replace(range(&old), value)],
                None => insert_item(&self.text, &map, None, &item, Style::Inline),
            },
            Some(_) => return Err(format!("node `{id}`'s `{field_name}` is not a map")),
            None => insert_field(
                &self.text,
                &node.value,
                NODE_ORDER,
                field_name,
                &format!("{{{item}}}"),
                Style::Inline,
            ),
        };
        self.step(edits)
    }

    /// Sets a node's field (`pos`, `comment`).
    pub(crate) fn set_field(&mut self, id: &str, field_name: &str, value: &str) -> Result<(), String> {
        let node = self.node(id)?;
        self.set_struct_field(&node.value, NODE_ORDER, field_name, value)
    }

    /// Sets field `field_name` of many nodes, each to its value, in one scan and one step.
    pub(crate) fn set_node_fields(&mut self, field_name: &str, values: &HashMap<String, String>) -> Result<(), String> {
        let doc = self.doc();
        let mut edits = Vec::new();
        let mut found = std::collections::HashSet::new();
        for node in doc.nodes(&self.body) {
            let Some(value) = values.get(&node.id) else { continue };
            if node.value.kind() != STRUCT {
                return Err(format!("node `{}` is not written as `(...)`", node.id));
            }
            edits.extend(match field_value(&node.value, field_name) {
                Some(old) => vec![TextEdit::replace(range(&old), value.clone())],
                None => insert_field(&self.text, &node.value, NODE_ORDER, field_name, value, Style::Inline),
            });
            found.insert(node.id);
        }
        if let Some(missing) = values.keys().find(|id| !found.contains(*id)) {
            return Err(format!("no node `{missing}`{}", in_body(&self.body)));
        }
        drop(doc);
        self.step(edits)
    }

    pub(crate) fn set_struct_field(
        &mut self,
        structure: &SyntaxNode,
        order: &[&str],
        field_name: &str,
        value: &str,
    ) -> Result<(), String> {
        let edits = match field_value(structure, field_name) {
            Some(old) => vec![TextEdit::replace(range(&old), value)],
            None => insert_field(&self.text, structure, order, field_name, value, Style::Inline),
        };
        self.step(edits)
    }

    /// Removes a struct's field `name`, if it has one.
    pub(crate) fn remove_struct_field(&mut self, structure: &SyntaxNode, name: &str) -> Result<(), String> {
        match items(structure)
            .iter()
            .position(|f| f.field_name().as_deref() == Some(name))
        {
            Some(index) => self.remove_at(structure, index),
            None => Ok(()),
        }
    }

    /// Removes an item; the last entry of a node's `inputs` or `exec`, or the last comment
    /// box, takes the field with it, as its author would have written the file without it.
    pub(crate) fn remove_at(&mut self, container: &SyntaxNode, index: usize) -> Result<(), String> {
        let edits = self.removal(container, index)?;
        self.step(edits)
    }

    /// The edits that remove an item as [`Session::remove_at`] does, to the text as it is.
    fn removal(&self, container: &SyntaxNode, index: usize) -> Result<Vec<TextEdit>, String> {
        let emptied_field = (matches!(container.kind(), MAP | LIST) && items(container).len() == 1)
            .then(|| container.parent())
            .flatten()
            .filter(|f| f.kind() == FIELD)
            .and_then(|f| {
                let name = tree::items(&f.parent()?).into_iter().position(|i| i.node == f)?;
                let holder = f.parent()?;
                let field_name = items(&holder)[name].field_name()?;
                let node_field = container.kind() == MAP && matches!(field_name.as_str(), field::INPUTS | field::EXEC);
                let boxes = container.kind() == LIST && field_name == field::COMMENTS;
                (node_field || boxes).then_some((holder, name))
            });
        match emptied_field {
            Some((holder, name)) => remove_item(&self.text, &holder, name),
            None => remove_item(&self.text, container, index),
        }
        .ok_or_else(|| "internal error: no such item".to_string())
    }
}

/// The RON text of a value for a pin or variable of type `ty`: a String may be given
/// unquoted (as `--set` takes it); `Var("NAME")` is kept; anything else must be RON.
pub fn literal(value: &str, ty: Option<&graphrun_format::Type>) -> Result<String, EditError> {
    let parsed = ron::parse(value);
    if let Ok(v) = &parsed {
        if matches!(&v.kind, ron::Kind::Tuple { name: Some(n), .. } if n.value == "Var") {
            return Ok(value.trim().to_string());
        }
    }
    match (ty, parsed) {
        (Some(graphrun_format::Type::String), Ok(v)) if matches!(v.kind, ron::Kind::Str(_)) => {
            Ok(value.trim().to_string())
        }
        (Some(graphrun_format::Type::String), _) => Ok(quote(value)),
        (_, Ok(_)) => Ok(value.trim().to_string()),
        (None, Err(_)) => Ok(quote(value)),
        (Some(ty), Err(e)) => Err(format!("`{value}` is not a {ty} value: {}", e.message).into()),
    }
}
