//! What fits a data pin, as the checker decides it: for an editor's palette opened off a
//! pin, the node types with an input that takes its value (off an output) or an output
//! that gives what it takes (off an input), each with that pin. A node type's signature is
//! asked for as the checker asks it, with the one pin wired (a generic node takes its
//! types from its wires), and the link is judged by the checker's own conversion rule.

use graphrun_format::Type;

use crate::node::registry::Registry;
use crate::node::{InputKind, SignatureCx};
use crate::value::Conversion;

/// A node with nothing wired but, perhaps, one input of a known type.
struct Probe<'a> {
    registry: &'a Registry,
    wired: Option<(&'a str, &'a Type)>,
}

impl SignatureCx for Probe<'_> {
    fn input_names(&self) -> Vec<&str> {
        self.wired.iter().map(|(pin, _)| *pin).collect()
    }
    fn exec_output_names(&self) -> Vec<&str> {
        Vec::new()
    }
    fn input_type(&self, pin: &str) -> Option<Type> {
        self.wired.filter(|(p, _)| *p == pin).map(|(_, ty)| ty.clone())
    }
    fn literal(&self, _: &str) -> Option<&graphrun_format::ron::Value> {
        None
    }
    fn variable(&self) -> Option<(&str, Type)> {
        None
    }
    fn params(&self) -> Option<Vec<(String, Type)>> {
        None
    }
    fn bound_delegate(&self) -> Option<Vec<(String, Type)>> {
        None
    }
    fn registry(&self) -> &Registry {
        self.registry
    }
}

/// Whether a value of type `from` may be wired into an input of type `to` (converted as a
/// link converts: an Int into a Float, anything into a String).
pub fn fits(to: &Type, from: &Type) -> bool {
    Conversion::between(to, from).is_some()
}

/// Off an output of type `ty`: each node type (by name, as the registry lists them) with a
/// data input that takes it, and the first such input.
pub fn taking(registry: &Registry, ty: &Type) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for node in registry.nodes() {
        let Ok(bare) = node.signature(&Probe { registry, wired: None }) else {
            continue;
        };
        let pin = bare.inputs.iter().find_map(|input| {
            if !matches!(input.kind, InputKind::Data(_)) {
                return None;
            }
            let probe = Probe {
                registry,
                wired: Some((&input.name, ty)),
            };
            let sig = node.signature(&probe).ok()?;
            match &sig.inputs.iter().find(|p| p.name == input.name)?.kind {
                InputKind::Data(to) if fits(to, ty) => Some(input.name.clone()),
                _ => None,
            }
        });
        if let Some(pin) = pin {
            found.push((node.name().to_string(), pin));
        }
    }
    found
}

/// Off an input of type `ty`: each node type with an output that gives what it takes, and
/// the first such output.
pub fn giving(registry: &Registry, ty: &Type) -> Vec<(String, String)> {
    registry
        .nodes()
        .filter_map(|node| {
            let sig = node.signature(&Probe { registry, wired: None }).ok()?;
            let pin = sig.outputs.iter().find(|o| fits(ty, &o.ty))?;
            Some((node.name().to_string(), pin.name.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[(String, String)]) -> Vec<&str> {
        found.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn an_int_goes_where_the_checker_lets_it() {
        let registry = Registry::standard();
        let found = taking(&registry, &Type::Int);
        let pin = |name: &str| found.iter().find(|(n, _)| n == name).map(|(_, p)| p.as_str());
        // Generic arithmetic takes it; so does a String input (converted), and a Float.
        assert_eq!(pin("Add"), Some("A"));
        assert_eq!(pin("Print String"), Some("In String"));
        assert!(pin("Delay").is_some(), "Duration is a Float: {:?}", names(&found));
        // A Bool input does not.
        assert_eq!(pin("Not"), None);
        assert_eq!(pin("Branch"), None);
    }

    #[test]
    fn an_input_is_offered_the_outputs_that_fit_it() {
        let registry = Registry::standard();
        let found = giving(&registry, &Type::Bool);
        let names = names(&found);
        assert!(names.contains(&"Not") && names.contains(&"Less"), "{names:?}");
        assert!(!names.contains(&"Append"), "{names:?}");
    }
}
