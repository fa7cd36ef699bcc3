//! The node listing of `graphrun nodes`: every node type and class of a registry, as text
//! for people and as JSON for tools.

use std::fmt::Write as _;

use crate::node::NodeDoc;
use crate::registry::Registry;

/// The categories of a registry's nodes, in the order their first nodes were added.
fn categories(registry: &Registry) -> Vec<String> {
    let mut categories: Vec<String> = Vec::new();
    for node in registry.nodes() {
        let category = node.doc().category;
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    categories
}

/// What kind of node it is, as the listings say it.
fn kind(doc: &NodeDoc) -> &'static str {
    if doc.latent {
        "latent"
    } else if doc.exec_inputs.is_empty() && doc.exec_outputs.is_empty() {
        "pure"
    } else if doc.exec_inputs.is_empty() {
        "event"
    } else {
        "impure"
    }
}

/// Every node type with its pins and their types, grouped by category, as text.
pub fn node_listing_text(registry: &Registry) -> String {
    let mut out = String::new();
    for category in &categories(registry) {
        let _ = writeln!(out, "== {category} ==");
        for node in registry.nodes().filter(|n| &n.doc().category == category) {
            let doc = node.doc();
            let _ = writeln!(out, "{} ({})", node.name(), kind(&doc));
            let _ = writeln!(out, "    {}", doc.description);
            if let Some(instead) = node.deprecated() {
                let _ = writeln!(out, "    deprecated: use {instead}");
            }
            if !doc.exec_inputs.is_empty() {
                let _ = writeln!(out, "    exec in:  {}", doc.exec_inputs.join(", "));
            }
            if !doc.exec_outputs.is_empty() {
                let _ = writeln!(out, "    exec out: {}", doc.exec_outputs.join(", "));
            }
            for (name, ty) in &doc.inputs {
                let _ = writeln!(out, "    in:  {name}: {ty}");
            }
            for (name, ty) in &doc.outputs {
                let _ = writeln!(out, "    out: {name}: {ty}");
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "== Classes ==");
    for class in registry.classes() {
        let _ = writeln!(out, "{}: {}", class.name, class.description);
    }
    out
}

/// Every node type and class as a Markdown page: the node reference in `docs/nodes.md`.
pub fn node_listing_markdown(registry: &Registry) -> String {
    let code = |names: &[String]| names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let mut out = String::from(
        "# Node reference\n\nEvery node type of the standard and socket libraries, with its pins and their types.\nThis page is made by `graphrun nodes --markdown` (a test checks that it matches).\n",
    );
    for category in &categories(registry) {
        let _ = writeln!(out, "\n## {category}");
        for node in registry.nodes().filter(|n| &n.doc().category == category) {
            let doc = node.doc();
            let _ = writeln!(out, "\n### {}\n\n*{}.* {}", node.name(), kind(&doc), doc.description);
            if let Some(instead) = node.deprecated() {
                let _ = writeln!(out, "\nDeprecated: use `{instead}`.");
            }
            let mut lines = Vec::new();
            if !doc.exec_inputs.is_empty() {
                lines.push(format!("- exec in: {}", code(&doc.exec_inputs)));
            }
            if !doc.exec_outputs.is_empty() {
                lines.push(format!("- exec out: {}", code(&doc.exec_outputs)));
            }
            for (name, ty) in &doc.inputs {
                lines.push(format!("- in `{name}`: {ty}"));
            }
            for (name, ty) in &doc.outputs {
                lines.push(format!("- out `{name}`: {ty}"));
            }
            if !lines.is_empty() {
                let _ = writeln!(out, "\n{}", lines.join("\n"));
            }
        }
    }
    let _ = writeln!(out, "\n## Classes\n");
    for class in registry.classes() {
        let _ = writeln!(out, "- `{}`: {}", class.name, class.description);
    }
    out
}

/// Every node type and class as JSON: `{"nodes": [...], "classes": [...]}`.
pub fn node_listing_json(registry: &Registry) -> serde_json::Value {
    let pins = |pins: &[(String, String)]| -> serde_json::Value {
        pins.iter()
            .map(|(name, ty)| serde_json::json!({"name": name, "type": ty}))
            .collect()
    };
    let nodes: Vec<serde_json::Value> = registry
        .nodes()
        .map(|node| {
            let doc = node.doc();
            serde_json::json!({
                "name": node.name(),
                "category": doc.category,
                "description": doc.description,
                "latent": doc.latent,
                "deprecated": node.deprecated(),
                "exec_inputs": doc.exec_inputs,
                "exec_outputs": doc.exec_outputs,
                "inputs": pins(&doc.inputs),
                "outputs": pins(&doc.outputs),
            })
        })
        .collect();
    let classes: Vec<serde_json::Value> = registry
        .classes()
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "description": c.description,
                "constructible": c.constructor.is_some(),
                "deprecated_alias_of": c.deprecated_alias_of,
            })
        })
        .collect();
    serde_json::json!({"nodes": nodes, "classes": classes})
}
