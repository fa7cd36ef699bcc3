//! Collapse to Function and Collapse to Macro (authoring.md section 6): the selected nodes
//! become the body of a new function (or macro) of the file, with the pins their wires to
//! the rest of the graph need, and a node using it takes their place, wired as they were.
//! As in Blueprint, a function has one exec input and one exec output (or none: a pure
//! function); a macro has as many as the selection needs.

use graphrun_format::model::field;
use std::collections::HashSet;

use graphrun_format::Type;

use crate::facts::{Body, NoInspector};
use crate::ids::fresh_id;
use crate::session::Session;
use crate::syntax::SyntaxKind::MAP;
use crate::text::{indent_unit, quote};
use crate::tree::{items, range};

pub use crate::op::Reusable;

/// A pin of the new function or macro and the wires it stands for.
struct Pin {
    name: String,
    ty: Option<Type>,
    /// The end of the wires it stands for that they share: an outside output for a data
    /// input, a selected node's output for a data output, an outside target for an exec
    /// output, a selected target for an exec input.
    end: (String, Option<String>),
    /// The pins at the wires' other ends: node and input pin (data), node and exec output.
    wired: Vec<(String, String)>,
}

/// A name for a pin, not yet taken by `pins` (`Value`, `Value 2`, …).
fn pin_name(base: &str, pins: &[Pin]) -> String {
    let taken = |n: &str| pins.iter().any(|p| p.name == n);
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|k| format!("{base} {k}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

/// Finds the pin standing for wires with the end `end` in `pins`, or adds one named after `base`.
fn pin_for<'p>(pins: &'p mut Vec<Pin>, end: (String, Option<String>), base: &str, ty: Option<Type>) -> &'p mut Pin {
    match pins.iter().position(|p| p.end == end) {
        Some(i) => &mut pins[i],
        None => {
            let name = pin_name(base, pins);
            pins.push(Pin {
                name,
                ty,
                end,
                wired: Vec::new(),
            });
            pins.last_mut().unwrap_or_else(|| unreachable!())
        }
    }
}

impl Session<'_> {
    /// Collapses nodes `ids` of the body into a new function or macro `name`.
    pub(crate) fn collapse(&mut self, kind: Reusable, name: &str, ids: &[String]) -> Result<(), String> {
        if ids.is_empty() {
            return Err("nothing is selected".to_string());
        }
        if name.is_empty() {
            return Err("a function or macro needs a name".to_string());
        }
        let doc = self.doc();
        if doc.bodies().iter().any(|b| b.name() == Some(name)) {
            return Err(format!("the file already has a function or macro `{name}`"));
        }
        let selected: HashSet<&str> = ids.iter().map(String::as_str).collect();
        for id in ids {
            doc.node(&self.body, id)?;
        }
        // The wires that cross the selection's edge.
        let (mut data_in, mut data_out, mut exec_in, mut exec_out) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for node in doc.nodes(&self.body) {
            let inside = selected.contains(node.id.as_str());
            for field_name in [field::INPUTS, field::EXEC] {
                let Some(map) = node.field(field_name).filter(|m| m.kind() == MAP) else {
                    continue;
                };
                for item in items(&map) {
                    let (Some(key), Some(value)) = (item.key(), item.value()) else {
                        continue;
                    };
                    if field_name == field::INPUTS {
                        let Some((from, from_pin)) = crate::wires::link_source(&value) else {
                            continue;
                        };
                        let event = crate::tree::name(&value).as_deref() == Some("Event");
                        let from_inside = selected.contains(from.as_str());
                        if inside == from_inside {
                            continue;
                        }
                        if event {
                            return Err(format!(
                                "node `{}`'s `{key}` is bound to Custom Event `{from}` across the selection's edge; select both or neither",
                                node.id
                            ));
                        }
                        let pin = from_pin.unwrap_or_default();
                        let ty = self.pins(&from).and_then(|p| p.output(&pin)).cloned();
                        if inside {
                            pin_for(&mut data_in, (from, Some(pin.clone())), &pin, ty)
                                .wired
                                .push((node.id.clone(), key));
                        } else {
                            pin_for(&mut data_out, (from.clone(), Some(pin.clone())), &pin, ty)
                                .wired
                                .push((node.id.clone(), key));
                        }
                    } else {
                        let Some(target) = crate::tree::string(&value) else {
                            continue;
                        };
                        let (to, to_pin) = crate::wires::exec_target(&target);
                        let to_inside = selected.contains(to);
                        if inside == to_inside {
                            continue;
                        }
                        let outside = (to.to_string(), to_pin.map(str::to_string));
                        if inside {
                            pin_for(&mut exec_out, outside, "then", None)
                                .wired
                                .push((node.id.clone(), key));
                        } else {
                            pin_for(&mut exec_in, outside, "exec", None)
                                .wired
                                .push((node.id.clone(), key));
                        }
                    }
                }
            }
        }
        for p in data_in.iter().chain(&data_out) {
            if p.ty.is_none() {
                let (node, pin) = &p.end;
                return Err(format!(
                    "the type of `{node}.{}` is not known: the graph must check before it is collapsed",
                    pin.as_deref().unwrap_or_default()
                ));
            }
        }
        let impure = ids.iter().any(|id| {
            self.pins(id)
                .is_none_or(|p| !p.exec_inputs.is_empty() || !p.exec_outputs.is_empty())
        });
        if kind == Reusable::Function {
            if exec_in.len() > 1 || exec_out.len() > 1 {
                return Err(format!(
                    "a function has one exec input and one exec output, and the selection has {} wires in and {} out to different places; collapse it to a macro",
                    exec_in.len(),
                    exec_out.len()
                ));
            }
            if impure && exec_in.is_empty() {
                return Err(
                    "the selection runs nodes but no exec wire enters it: a function's body needs one".to_string(),
                );
            }
            // A path that ends inside the selection would, in a function, return and go on
            // after the call to where the selection's exec wire leads: a different graph.
            if let Some(out) = exec_out.first() {
                for id in ids {
                    let Some(pins) = self.pins(id) else { continue };
                    let node = doc.node(&self.body, id)?;
                    let wired: HashSet<String> = node
                        .field(field::EXEC)
                        .filter(|m| m.kind() == MAP)
                        .map(|m| items(&m).iter().filter_map(|i| i.key()).collect())
                        .unwrap_or_default();
                    if let Some(free) = pins.exec_outputs.iter().find(|p| !wired.contains(*p)) {
                        return Err(format!(
                            "node `{id}`'s exec output `{free}` ends its path inside the selection; in a function that path would return and go on to `{}` after the call, which changes what the graph does: collapse to a macro, or wire `{free}`",
                            out.end.0
                        ));
                    }
                }
            }
        }
        let places: Vec<(i64, i64)> = ids.iter().filter_map(|id| self.pos(id)).collect();
        let left = places.iter().map(|p| p.0).min();
        let top = places.iter().map(|p| p.1).min();
        let right = places.iter().map(|p| p.0).max();
        drop(doc);

        let body = self.body_text(
            kind,
            name,
            ids,
            &data_in,
            &data_out,
            &exec_in,
            &exec_out,
            impure,
            (left, top, right),
        )?;
        self.insert_reusable(kind, &body)?;

        // The node that takes the selection's place (it may take the id of one of them),
        // with the wires from outside rewritten to it where they are written.
        let taken: Vec<String> = self
            .doc()
            .nodes(&self.body)
            .into_iter()
            .map(|n| n.id)
            .filter(|id| !selected.contains(id.as_str()))
            .collect();
        let call = fresh_id(name, &taken);
        for (k, p) in exec_in.iter().enumerate() {
            let target = if k == 0 {
                call.clone()
            } else {
                format!("{call}.{}", p.name)
            };
            for (m, pin) in &p.wired {
                self.set_entry(m, field::EXEC, pin, &quote(&target))?;
            }
        }
        for p in &data_out {
            for (m, pin) in &p.wired {
                self.set_entry(
                    m,
                    field::INPUTS,
                    pin,
                    &format!("Link({}, {})", quote(&call), quote(&p.name)),
                )?;
            }
        }
        // The comment boxes around the selection hold the node taking its place instead.
        let boxes = self.comment_boxes_holding(&selected);
        for id in ids {
            self.remove_entry(id)?;
        }
        self.add_node(&call, name, left.zip(top), None)?;
        for index in boxes {
            self.add_to_comment_box(index, &call)?;
        }
        for p in &data_in {
            let (from, pin) = &p.end;
            let link = format!("Link({}, {})", quote(from), quote(pin.as_deref().unwrap_or_default()));
            self.set_entry(&call, field::INPUTS, &p.name, &link)?;
        }
        for p in &exec_out {
            let target = match &p.end {
                (to, Some(pin)) => format!("{to}.{pin}"),
                (to, None) => to.clone(),
            };
            self.set_entry(&call, field::EXEC, &p.name, &quote(&target))?;
        }
        Ok(())
    }

    /// A node's `pos`, if it has one.
    fn pos(&self, id: &str) -> Option<(i64, i64)> {
        let node = self.node(id).ok()?;
        let text = node.field(field::POS)?.to_string();
        let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
        let (x, y) = inner.split_once(',')?;
        Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
    }

    /// The text of the new function's or macro's entry, `"NAME": (...)`.
    #[allow(clippy::too_many_arguments)]
    fn body_text(
        &self,
        kind: Reusable,
        name: &str,
        ids: &[String],
        data_in: &[Pin],
        data_out: &[Pin],
        exec_in: &[Pin],
        exec_out: &[Pin],
        impure: bool,
        (left, top, right): (Option<i64>, Option<i64>, Option<i64>),
    ) -> Result<String, String> {
        let unit = indent_unit(&self.text);
        let field = if kind == Reusable::Function {
            field::FUNCTIONS
        } else {
            field::MACROS
        };
        let outer = self.entry_indent(field);
        let (inner, nodes_indent) = (format!("{outer}{unit}"), format!("{outer}{unit}{unit}"));
        // The selected nodes in a scratch graph of their own, rewired to the body's ends.
        let doc = self.doc();
        let taken: Vec<String> = ids.to_vec();
        let (entry, exit) = match kind {
            Reusable::Function => (fresh_id("entry", &taken), fresh_id("return", &taken)),
            Reusable::Macro => (fresh_id("inputs", &taken), fresh_id("outputs", &taken)),
        };
        let (entry_type, exit_type) = match kind {
            Reusable::Function => ("Function Entry", "Return Node"),
            Reusable::Macro => ("Macro Inputs", "Macro Outputs"),
        };
        let end = |id: &str, ty: &str, at: Option<(i64, i64)>| {
            let pos = at.map(|(x, y)| format!(", pos: ({x}, {y})")).unwrap_or_default();
            format!("{nodes_indent}{}: (node: {}{pos}),\n", quote(id), quote(ty))
        };
        let mut map = String::from("{\n");
        map.push_str(&end(&entry, entry_type, left.zip(top).map(|(x, y)| (x - 256, y))));
        for id in ids {
            let node = doc.node(&self.body, id)?;
            let value = reindent(&self.text, &node.value, &nodes_indent);
            map.push_str(&format!("{nodes_indent}{}: {value},\n", quote(id)));
        }
        map.push_str(&end(&exit, exit_type, right.zip(top).map(|(x, y)| (x + 320, y))));
        map.push_str(&format!("{inner}}}"));
        let wrapped = format!("Graph(format: 1, name: \"collapse\", nodes: {map})");
        let mut body = Session::new("collapse", &wrapped, Body::Graph, &NoInspector)?;
        for p in data_in {
            for (n, pin) in &p.wired {
                body.set_entry(
                    n,
                    field::INPUTS,
                    pin,
                    &format!("Link({}, {})", quote(&entry), quote(&p.name)),
                )?;
            }
        }
        for p in data_out {
            let (s, pin) = &p.end;
            let link = format!("Link({}, {})", quote(s), quote(pin.as_deref().unwrap_or_default()));
            body.set_entry(&exit, field::INPUTS, &p.name, &link)?;
        }
        match kind {
            Reusable::Function => {
                let first = match exec_in.first().map(|p| &p.end) {
                    Some((to, Some(pin))) => format!("{to}.{pin}"),
                    Some((to, None)) => to.clone(),
                    None => exit.clone(),
                };
                body.set_entry(&entry, field::EXEC, "then", &quote(&first))?;
                for p in exec_out {
                    for (n, pin) in &p.wired {
                        body.set_entry(n, field::EXEC, pin, &quote(&exit))?;
                    }
                }
            }
            Reusable::Macro => {
                for p in exec_in {
                    let target = match &p.end {
                        (to, Some(pin)) => format!("{to}.{pin}"),
                        (to, None) => to.clone(),
                    };
                    body.set_entry(&entry, field::EXEC, &p.name, &quote(&target))?;
                }
                for p in exec_out {
                    for (n, pin) in &p.wired {
                        body.set_entry(n, field::EXEC, pin, &quote(&format!("{exit}.{}", p.name)))?;
                    }
                }
            }
        }
        let nodes = body.doc().nodes_map(&Body::Graph)?;
        let nodes = body.text[range(&nodes)].to_string();
        let pins = |list: &[&Pin]| -> String {
            let written: Vec<String> = list
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        quote(&p.name),
                        p.ty.as_ref().map_or("Exec".to_string(), type_text)
                    )
                })
                .collect();
            format!("{{{}}}", written.join(", "))
        };
        let mut text = format!("{}: (\n", quote(name));
        let ins: Vec<&Pin> = if kind == Reusable::Macro {
            exec_in.iter().chain(data_in).collect()
        } else {
            data_in.iter().collect()
        };
        let outs: Vec<&Pin> = if kind == Reusable::Macro {
            exec_out.iter().chain(data_out).collect()
        } else {
            data_out.iter().collect()
        };
        if !ins.is_empty() {
            text.push_str(&format!("{inner}inputs: {},\n", pins(&ins)));
        }
        if !outs.is_empty() {
            text.push_str(&format!("{inner}outputs: {},\n", pins(&outs)));
        }
        if kind == Reusable::Function && !impure {
            text.push_str(&format!("{inner}pure: true,\n"));
        }
        text.push_str(&format!("{inner}nodes: {nodes},\n{outer})"));
        Ok(text)
    }
}

/// A type as a file writes it.
fn type_text(ty: &Type) -> String {
    ty.to_string()
}

use crate::clipboard::reindent;
