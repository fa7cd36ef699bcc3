//! The node listing of `graphrun nodes`: every node type and class of a registry (and,
//! for a graph file, its functions and macros), as text for people, Markdown for the node
//! reference and JSON for tools.

use std::fmt::Write as _;

use crate::node::registry::Registry;
use crate::node::NodeDoc;
use crate::plan::Program;

/// A node as listed: its name, doc and what replaces it if it is deprecated.
struct Listed {
    name: String,
    doc: NodeDoc,
    deprecated: Option<String>,
}

/// What a listing shows: nodes and classes.
struct Listing<'r> {
    nodes: Vec<Listed>,
    registry: &'r Registry,
}

impl<'r> Listing<'r> {
    fn of(registry: &'r Registry) -> Listing<'r> {
        Listing {
            nodes: registry
                .nodes()
                .map(|n| Listed {
                    name: n.name().to_string(),
                    doc: n.doc(),
                    deprecated: n.deprecated().map(str::to_string),
                })
                .collect(),
            registry,
        }
    }

    /// A program's functions and macros first, then its registry's nodes.
    fn of_program(program: &'r Program) -> Listing<'r> {
        let mut listing = Listing::of(program.registry());
        let own = program.inner.own_nodes.iter().map(|(name, doc)| Listed {
            name: name.clone(),
            doc: doc.clone(),
            deprecated: None,
        });
        listing.nodes.splice(0..0, own);
        listing
    }

    /// The categories, in the order their first nodes come.
    fn categories(&self) -> Vec<String> {
        let mut categories: Vec<String> = Vec::new();
        for node in &self.nodes {
            if !categories.contains(&node.doc.category) {
                categories.push(node.doc.category.clone());
            }
        }
        categories
    }
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
    text(&Listing::of(registry))
}

/// [`node_listing_text`] with the program's own functions and macros first.
pub fn program_listing_text(program: &Program) -> String {
    text(&Listing::of_program(program))
}

fn text(listing: &Listing<'_>) -> String {
    let mut out = String::new();
    for category in &listing.categories() {
        let _ = writeln!(out, "== {category} ==");
        for node in listing.nodes.iter().filter(|n| &n.doc.category == category) {
            let doc = &node.doc;
            let _ = writeln!(out, "{} ({})", node.name, kind(doc));
            let _ = writeln!(out, "    {}", doc.description);
            if let Some(instead) = &node.deprecated {
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
    for class in listing.registry.classes() {
        let _ = writeln!(out, "{}: {}", class.name, class.description);
    }
    out
}

/// Every node type and class as a Markdown page: the node reference in `docs/nodes.md`.
pub fn node_listing_markdown(registry: &Registry) -> String {
    markdown(&Listing::of(registry))
}

/// [`node_listing_markdown`] with the program's own functions and macros first.
pub fn program_listing_markdown(program: &Program) -> String {
    markdown(&Listing::of_program(program))
}

fn markdown(listing: &Listing<'_>) -> String {
    let code = |names: &[String]| names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let mut out = String::from(
        "# Node reference\n\nEvery node type of the standard and socket libraries, with its pins and their types.\nThis page is made by `graphrun nodes --markdown` (a test checks that it matches).\n",
    );
    for category in &listing.categories() {
        let _ = writeln!(out, "\n## {category}");
        for node in listing.nodes.iter().filter(|n| &n.doc.category == category) {
            let doc = &node.doc;
            let _ = writeln!(out, "\n### {}\n\n*{}.* {}", node.name, kind(doc), doc.description);
            if let Some(instead) = &node.deprecated {
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
    for class in listing.registry.classes() {
        let _ = writeln!(out, "- `{}`: {}", class.name, class.description);
    }
    out
}

/// Every node type and class as JSON: `{"nodes": [...], "classes": [...]}`.
pub fn node_listing_json(registry: &Registry) -> serde_json::Value {
    json(&Listing::of(registry))
}

/// [`node_listing_json`] with the program's own functions and macros first.
pub fn program_listing_json(program: &Program) -> serde_json::Value {
    json(&Listing::of_program(program))
}

fn json(listing: &Listing<'_>) -> serde_json::Value {
    let pins = |pins: &[(String, String)]| -> serde_json::Value {
        pins.iter()
            .map(|(name, ty)| serde_json::json!({"name": name, "type": ty}))
            .collect()
    };
    let nodes: Vec<serde_json::Value> = listing
        .nodes
        .iter()
        .map(|node| {
            let doc = &node.doc;
            serde_json::json!({
                "name": node.name,
                "category": doc.category,
                "description": doc.description,
                "latent": doc.latent,
                "deprecated": node.deprecated,
                "exec_inputs": doc.exec_inputs,
                "exec_outputs": doc.exec_outputs,
                "inputs": pins(&doc.inputs),
                "outputs": pins(&doc.outputs),
            })
        })
        .collect();
    let classes: Vec<serde_json::Value> = listing
        .registry
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
