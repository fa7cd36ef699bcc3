//! Wires as operations make them: `connect` (an exec link or a data link, a delegate
//! binding, a knot put on a wire by `reroute`), whether a wire is there, and `disconnect`.

use graphrun_format::model::field;

use crate::doc::{in_body, nearest, NodeRef};
use crate::session::Session;
use crate::syntax::SyntaxKind::*;
use crate::text::quote;
use crate::tree::{self, items};
use crate::wires::{exec_target, link_source, Wire};

/// The reroute knot's node type.
const REROUTE: &str = "Reroute";

impl Session<'_> {
    /// A reroute knot on the wire from `from` to `to` (each a node and pin): the wire goes
    /// into the knot's `In` and on from its `Out`.
    pub(crate) fn reroute(
        &mut self,
        id: &str,
        from: &(String, String),
        to: &(String, String),
        pos: Option<(i64, i64)>,
    ) -> Result<(), String> {
        if !self.wired(from, to)? {
            return Err(format!(
                "no wire from `{}.{}` to `{}.{}`{}",
                from.0,
                from.1,
                to.0,
                to.1,
                in_body(&self.body)
            ));
        }
        let printed = self.printed.len();
        self.add_node(id, REROUTE, pos, None)?;
        let id = if self.printed.len() > printed {
            self.printed[printed].clone()
        } else {
            id.to_string()
        };
        self.connect(&from.0, Some(&from.1), &id, Some("In"))?;
        self.connect(&id, Some("Out"), &to.0, Some(&to.1))
    }

    /// Whether a wire goes from output `from` to input `to` (exec or data).
    fn wired(&self, from: &(String, String), to: &(String, String)) -> Result<bool, String> {
        let source = self.node(&from.0)?;
        let target = self.node(&to.0)?;
        let entry = |node: &NodeRef, field: &str, key: &str| {
            let map = node.field(field).filter(|m| m.kind() == MAP)?;
            items(&map)
                .into_iter()
                .find(|i| i.key().as_deref() == Some(key))
                .and_then(|i| i.value())
        };
        if let Some(value) = entry(&source, field::EXEC, &from.1) {
            let Some(goes) = tree::string(&value) else {
                return Ok(false);
            };
            let (node, pin) = exec_target(&goes);
            let default = self.pins(node).and_then(|p| p.exec_inputs.first().cloned());
            return Ok(node == to.0 && pin.map(str::to_string).or(default).as_deref().is_none_or(|p| p == to.1));
        }
        Ok(entry(&target, field::INPUTS, &to.1)
            .and_then(|value| link_source(&value))
            .is_some_and(|(node, pin)| node == from.0 && pin.as_deref() == Some(from.1.as_str())))
    }

    pub(crate) fn connect(
        &mut self,
        from: &str,
        from_pin: Option<&str>,
        to: &str,
        to_pin: Option<&str>,
    ) -> Result<(), String> {
        self.node(from)?;
        self.node(to)?;
        let (out_pins, in_pins) = (self.pins(from).cloned(), self.pins(to).cloned());
        let default_exec = in_pins.as_ref().and_then(|p| p.exec_inputs.first().cloned());
        let Some(to_pin) = to_pin.map(str::to_string).or_else(|| default_exec.clone()).or_else(|| {
            // Pins unknown: `TO` alone is its exec input.
            in_pins.is_none().then(|| "exec".to_string())
        }) else {
            return Err(format!("node `{to}` has no exec input"));
        };
        let to_pin = to_pin.as_str();
        let Some(from_pin) = from_pin else {
            // A delegate: the Custom Event `from` bound to `to`'s pin.
            return self.set_entry(to, field::INPUTS, to_pin, &format!("Event({})", quote(from)));
        };
        let exec = match (&out_pins, &in_pins) {
            (Some(o), _) if o.exec_outputs.iter().any(|p| p == from_pin) => true,
            (Some(o), _) if o.output(from_pin).is_some() => false,
            (_, Some(i)) if i.exec_inputs.iter().any(|p| p == to_pin) => true,
            (_, Some(i)) if i.input(to_pin).is_some() => false,
            (Some(o), _) => {
                let known: Vec<String> = o
                    .exec_outputs
                    .iter()
                    .chain(o.outputs.iter().map(|(n, _)| n))
                    .cloned()
                    .collect();
                return Err(format!(
                    "node `{from}` has no output pin `{from_pin}`{}",
                    nearest(from_pin, &known)
                ));
            }
            // The checker does not know either node's pins: an exec input is
            // named `exec` by convention, and so is everything else wired by name.
            (None, _) => to_pin == "exec",
        };
        if exec {
            let default = default_exec
                .as_deref()
                .map_or(to_pin == "exec", |first| first == to_pin);
            let target = if default {
                to.to_string()
            } else {
                format!("{to}.{to_pin}")
            };
            self.set_entry(from, field::EXEC, from_pin, &quote(&target))
        } else {
            self.set_entry(
                to,
                field::INPUTS,
                to_pin,
                &format!("Link({}, {})", quote(from), quote(from_pin)),
            )
        }
    }

    pub(crate) fn disconnect(&mut self, id: &str, pin: &str) -> Result<(), String> {
        let node = self.node(id)?;
        let pins = self.pins(id).cloned().unwrap_or_default();
        // An exec output, or a data input with a wire or binding: its own entry.
        for field_name in [field::EXEC, field::INPUTS] {
            if let Some(map) = node.field(field_name).filter(|m| m.kind() == MAP) {
                if let Some(i) = items(&map).iter().position(|i| i.key().as_deref() == Some(pin)) {
                    let value = items(&map)[i].value();
                    let wired = field_name == field::EXEC || value.as_ref().is_some_and(|v| link_source(v).is_some());
                    if wired {
                        return self.remove_at(&map, i);
                    }
                }
            }
        }
        // An exec input or a data output: the entries of other nodes that lead to it.
        let default_exec = pins.exec_inputs.first().map_or(pin == "exec", |p| p == pin);
        let removed = self.remove_wires(|_, w| match w {
            Wire::Exec { to, to_pin: None, .. } => to == id && default_exec,
            Wire::Exec {
                to, to_pin: Some(p), ..
            } => to == id && p == pin,
            Wire::Input {
                from, from_pin, event, ..
            } => !event && from == id && from_pin.as_deref() == Some(pin),
        })? > 0;
        if removed {
            Ok(())
        } else {
            let names: Vec<String> = pins.names().map(str::to_string).collect();
            Err(format!("no wire at `{id}.{pin}`{}", nearest(pin, &names)))
        }
    }
}
