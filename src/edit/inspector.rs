//! The checker as the edit layer sees it: the runtime's `Registry::inspect_str` turned into
//! the edit layer's `Facts` (each node's pins by body and id, every diagnostic).

use graphrun::{Registry, Severity};
use graphrun_edit::{Body, Facts, Finding, Inspector, Pins};

/// Inspects a file's texts with a registry; `name` is the file's path (imports are found
/// beside it).
pub struct RegistryInspector<'r> {
    registry: &'r Registry,
    name: String,
}

impl<'r> RegistryInspector<'r> {
    /// An inspector for the file at `name`.
    pub fn new(registry: &'r Registry, name: &str) -> Self {
        RegistryInspector {
            registry,
            name: name.to_string(),
        }
    }
}

impl Inspector for RegistryInspector<'_> {
    fn inspect(&self, text: &str) -> Facts {
        let (diagnostics, pictures) = self.registry.inspect_str(&self.name, text);
        let mut facts = Facts {
            checked: true,
            ..Facts::default()
        };
        for (name, picture) in pictures {
            let bodies = match name {
                None => vec![Body::Graph],
                // Functions and macros share one namespace of names.
                Some(n) => vec![Body::Function(n.clone()), Body::Macro(n)],
            };
            for node in picture.nodes {
                let pins = Pins {
                    exec_inputs: node.exec_inputs,
                    exec_outputs: node.exec_outputs,
                    inputs: node.inputs.into_iter().map(|(n, t, _)| (n, t)).collect(),
                    outputs: node.outputs,
                };
                // A node whose pins could not be decided has none at all.
                if pins == Pins::default() {
                    continue;
                }
                for body in &bodies {
                    facts.pins.insert((body.clone(), node.id.clone()), pins.clone());
                }
            }
        }
        let file = diagnostics.file().clone();
        facts.findings = diagnostics
            .iter()
            .map(|d| Finding {
                code: d.code.to_string(),
                error: d.severity == Severity::Error,
                message: d.message.clone(),
                location: file.location(d.span),
            })
            .collect();
        facts
    }
}
