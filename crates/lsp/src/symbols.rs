//! Document symbols: a graph's variables, its events (the nodes that start its flows) and
//! its functions and macros with their nodes; a test file's servers.

use graphrun_edit::doc::Doc;
use graphrun_edit::Body;
use lsp_types::{DocumentSymbol, SymbolKind};

use super::text::Lines;

/// The outline of a document.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written; `tags` replaces it.
pub fn symbols(doc: &Doc<'_>) -> Vec<DocumentSymbol> {
    let lines = Lines::new(doc.text);
    let symbol = |name: String, detail: Option<String>, kind, range: std::ops::Range<usize>, children| DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: lines.range(range.clone()),
        selection_range: lines.range(range),
        children,
    };
    let mut out = Vec::new();
    let Ok(top) = doc.top() else { return out };
    if graphrun_edit::tree::name(&top).as_deref() == Some("Test") {
        if let Some(servers) = graphrun_edit::tree::field_value(&top, "servers") {
            for item in graphrun_edit::tree::items(&servers) {
                if let Some(host) = item.key() {
                    out.push(symbol(
                        host,
                        Some("server".into()),
                        SymbolKind::INTERFACE,
                        item.range.clone(),
                        None,
                    ));
                }
            }
        }
        return out;
    }
    if let Ok(Some(map)) = doc.variables_map(&Body::Graph) {
        for item in graphrun_edit::tree::items(&map) {
            let Some(name) = item.key() else { continue };
            let ty = item
                .value()
                .and_then(|v| graphrun_edit::tree::field_value(&v, graphrun_format::model::field::TYPE))
                .map(|t| graphrun_edit::diff::compact(&t));
            out.push(symbol(name, ty, SymbolKind::VARIABLE, item.range.clone(), None));
        }
    }
    let events = |body: &Body| -> Vec<DocumentSymbol> {
        doc.nodes(body)
            .into_iter()
            .filter_map(|n| {
                let ty = n.node_type()?;
                let starts = ty.starts_with("Event ")
                    || matches!(ty.as_str(), "Custom Event" | "Function Entry" | "Macro Inputs");
                starts.then(|| symbol(n.id.clone(), Some(ty), SymbolKind::EVENT, n.entry.range.clone(), None))
            })
            .collect()
    };
    out.extend(events(&Body::Graph));
    for body in doc.bodies() {
        let (kind, detail) = match &body {
            Body::Function(_) => (SymbolKind::FUNCTION, "function"),
            Body::Macro(_) => (SymbolKind::METHOD, "macro"),
            Body::Graph => continue,
        };
        let Ok(value) = doc.reusable(&body) else { continue };
        let range = value.parent().map_or_else(
            || graphrun_edit::tree::range(&value),
            |entry| graphrun_edit::tree::range(&entry),
        );
        let nodes: Vec<DocumentSymbol> = doc
            .nodes(&body)
            .into_iter()
            .map(|n| {
                symbol(
                    n.id.clone(),
                    n.node_type(),
                    SymbolKind::OBJECT,
                    n.entry.range.clone(),
                    None,
                )
            })
            .collect();
        out.push(symbol(
            body.name().unwrap_or_default().to_string(),
            Some(detail.to_string()),
            kind,
            range,
            Some(nodes),
        ));
    }
    out
}
