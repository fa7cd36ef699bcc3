//! Hover: what the thing under the cursor is — a node type with its doc and pins, a node's
//! type, a pin's type, a variable's type and default — and, where a diagnostic is, what its
//! code means.

use graphrun_edit::doc::Doc;
use graphrun_edit::spot::Spot;
use graphrun_edit::{Body, Pins};

use lsp_types::Url;

use super::workspace::{Document, Workspace};

/// A node type's doc as Markdown: its name, category, sentence and pins.
pub fn node_doc(name: &str, d: &graphrun::NodeDoc) -> String {
    let mut out = format!("**{name}** — {}\n\n{}", d.category, d.description);
    let list = |title: &str, pins: Vec<String>| {
        if pins.is_empty() {
            String::new()
        } else {
            format!("\n\n{title}: {}", pins.join(", "))
        }
    };
    out.push_str(&list("exec in", d.exec_inputs.clone()));
    out.push_str(&list("exec out", d.exec_outputs.clone()));
    out.push_str(&list(
        "inputs",
        d.inputs.iter().map(|(n, t)| format!("`{n}`: {t}")).collect(),
    ));
    out.push_str(&list(
        "outputs",
        d.outputs.iter().map(|(n, t)| format!("`{n}`: {t}")).collect(),
    ));
    if d.latent {
        out.push_str("\n\nlatent: its outputs fire later");
    }
    out
}

/// A node's pins, with their types in words.
#[derive(Clone, Debug, Default)]
pub struct Shown {
    /// Exec outputs.
    pub exec_outputs: Vec<String>,
    /// Data inputs and their types.
    pub inputs: Vec<(String, String)>,
    /// Data outputs and their types.
    pub outputs: Vec<(String, String)>,
}

impl Shown {
    fn input(&self, name: &str) -> Option<&str> {
        self.inputs.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }

    fn output(&self, name: &str) -> Option<&str> {
        self.outputs.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }
}

/// A node's pins: as the last check found them, else as its type declares them.
pub fn pins_of(ws: &Workspace<'_>, uri: &Url, doc: &Doc<'_>, body: &Body, id: &str) -> Shown {
    let found: Option<&Pins> = ws
        .analyses
        .get(uri)
        .and_then(|a| a.pins.get(&(body.clone(), id.to_string())));
    if let Some(p) = found {
        let typed =
            |list: &[(String, graphrun_format::Type)]| list.iter().map(|(n, t)| (n.clone(), t.to_string())).collect();
        return Shown {
            exec_outputs: p.exec_outputs.clone(),
            inputs: typed(&p.inputs),
            outputs: typed(&p.outputs),
        };
    }
    let ty = doc.node(body, id).ok().and_then(|n| n.node_type()).unwrap_or_default();
    let Some(node) = ws.registry.node(&ty) else {
        return Shown::default();
    };
    let d = node.doc();
    Shown {
        exec_outputs: d.exec_outputs,
        inputs: d.inputs,
        outputs: d.outputs,
    }
}

/// The hover text at byte `offset` of an open document.
pub fn hover(
    ws: &Workspace<'_>,
    uri: &Url,
    document: &Document,
    offset: usize,
) -> Option<(String, std::ops::Range<usize>)> {
    let mut parts = Vec::new();
    let doc = document.doc();
    let at = graphrun_edit::spot::at_in(&doc.root, offset);
    if let Some(at) = &at {
        let pins = |node: &str| pins_of(ws, uri, &doc, &at.body, node);
        let node_type = |id: &str| doc.node(&at.body, id).ok().and_then(|n| n.node_type());
        let described = |ty: &str| match ws.registry.node(ty) {
            Some(n) => node_doc(n.name(), &n.doc()),
            None => reusable_doc(&doc, ty).unwrap_or_else(|| format!("**{ty}**")),
        };
        let pin_list = |p: &Shown| {
            let mut lines = Vec::new();
            for (n, t) in &p.inputs {
                lines.push(format!("- in `{n}`: {t}"));
            }
            for (n, t) in &p.outputs {
                lines.push(format!("- out `{n}`: {t}"));
            }
            lines.join("\n")
        };
        match &at.spot {
            Spot::NodeType => parts.push(described(&at.text)),
            Spot::NodeDef | Spot::NodeRef | Spot::ExecTarget | Spot::EventRef => {
                let id = at.text.split('.').next().unwrap_or_default();
                if let Some(ty) = node_type(id) {
                    parts.push(format!("node `{id}`: **{ty}**\n\n{}", pin_list(&pins(id))));
                }
            }
            Spot::InputPin { node } => {
                if let Some(t) = pins(node).input(&at.text) {
                    parts.push(format!("input `{}` of `{node}`: {t}", at.text));
                }
            }
            Spot::OutputPin { node } => {
                if let Some(t) = pins(node).output(&at.text) {
                    parts.push(format!("output `{}` of `{node}`: {t}", at.text));
                }
            }
            Spot::ExecPin { node } => parts.push(format!("exec output `{}` of `{node}`", at.text)),
            Spot::Variable | Spot::VariableDef | Spot::TestSet => {
                let bodies = [at.body.clone(), Body::Graph];
                let found = bodies
                    .iter()
                    .flat_map(|b| doc.variables(b))
                    .find(|(n, _, _)| *n == at.text);
                if let Some((n, t, default)) = found {
                    let default = default.map(|d| format!(", default `{d}`")).unwrap_or_default();
                    parts.push(format!("variable `{n}`: {t}{default}"));
                }
            }
            Spot::ReusableDef { .. } => parts.extend(reusable_doc(&doc, &at.text)),
            Spot::Class => {
                if let Some(c) = ws.registry.classes().iter().find(|c| c.name == at.text) {
                    parts.push(format!("class **{}**: {}", c.name, c.description));
                }
            }
            _ => {}
        }
    }
    // The diagnostics here, with what their codes mean.
    if let Some(analysis) = ws.analyses.get(uri) {
        for found in analysis
            .found
            .iter()
            .filter(|f| f.range.start <= offset && offset <= f.range.end)
        {
            let explained = graphrun::format::explanation(ws.diagnostics_page, &found.code)
                .map(|e| format!("\n\n{}", e.trim()))
                .unwrap_or_default();
            parts.push(format!("**{}**: {}{explained}", found.code, found.message));
        }
    }
    if parts.is_empty() {
        return None;
    }
    let range = at.map_or(offset..offset, |a| a.range);
    Some((parts.join("\n\n---\n\n"), range))
}

/// A function's or macro's pins as written in this file.
fn reusable_doc(doc: &Doc<'_>, name: &str) -> Option<String> {
    let body = doc.bodies().into_iter().find(|b| b.name() == Some(name))?;
    let what = if matches!(body, Body::Macro(_)) {
        "macro"
    } else {
        "function"
    };
    let pins = doc.pins(&body);
    let list = |p: &[(String, String)]| {
        p.iter()
            .map(|(n, t)| format!("`{n}`: {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(format!(
        "{what} **{name}**{}\n\ninputs: {}\n\noutputs: {}",
        if pins.pure { " (pure)" } else { "" },
        list(&pins.inputs),
        list(&pins.outputs)
    ))
}
