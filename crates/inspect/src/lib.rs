//! The checker as the edit layer sees it: the runtime's `Registry::inspect_str` turned into
//! the edit layer's `Facts` (each node's pins by body and id, every diagnostic).

use graphrun::{Registry, Severity};
use graphrun_edit::{Body, Facts, Finding, Inspector, Pins};

/// What the checker said of one text.
pub type Inspection = (graphrun::Diagnostics, Vec<(Option<String>, graphrun::Picture)>);

/// Inspects a file's texts with a registry; `name` is the file's path (imports are found
/// beside it). The last text's inspection is kept: the studio draws the text an edit has
/// just checked, and a large graph's check is the longest step of an edit.
pub struct RegistryInspector<'r> {
    registry: &'r Registry,
    name: String,
    last: std::cell::RefCell<Option<(String, std::rc::Rc<Inspection>)>>,
}

impl<'r> RegistryInspector<'r> {
    /// An inspector for the file at `name`.
    pub fn new(registry: &'r Registry, name: &str) -> Self {
        RegistryInspector {
            registry,
            name: name.to_string(),
            last: Default::default(),
        }
    }

    /// The registry it checks with.
    pub fn registry(&self) -> &'r Registry {
        self.registry
    }

    /// The checker's diagnostics and pictures of `text`.
    pub fn inspection(&self, text: &str) -> std::rc::Rc<Inspection> {
        if let Some((last, found)) = &*self.last.borrow() {
            if last == text {
                return found.clone();
            }
        }
        let found = std::rc::Rc::new(self.registry.inspect_str(&self.name, text));
        *self.last.borrow_mut() = Some((text.to_string(), found.clone()));
        found
    }
}

impl Inspector for RegistryInspector<'_> {
    fn inspect(&self, text: &str) -> Facts {
        facts(&self.inspection(text))
    }
}

/// What an inspection says, as the edit layer's facts: each node's pins by body and id,
/// and every diagnostic.
pub fn facts(inspection: &Inspection) -> Facts {
    let (diagnostics, pictures) = inspection;
    let mut facts = Facts {
        checked: true,
        ..Facts::default()
    };
    for (name, picture) in pictures {
        let bodies = match name {
            None => vec![Body::Graph],
            // Functions and macros share one namespace of names.
            Some(n) => vec![Body::Function(n.clone()), Body::Macro(n.clone())],
        };
        for node in &picture.nodes {
            let pins = Pins {
                exec_inputs: node.exec_inputs.clone(),
                exec_outputs: node.exec_outputs.clone(),
                inputs: node.inputs.iter().map(|(n, t, _)| (n.clone(), t.clone())).collect(),
                outputs: node.outputs.clone(),
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
