//! The graph as a view over the tree: the body an edit is about (the event graph, or a
//! function's or macro's), its nodes by id, their fields, the variables in scope. Lookups
//! that miss say so with the nearest known name.

use crate::EditError;
use graphrun_format::model::field;

use crate::facts::Body;
use crate::syntax::{parse, SyntaxKind::*, SyntaxNode};
use crate::tree::{self, field_value, items, Item};

/// The order of a graph's top-level fields, as `graphrun fmt` writes them (the file
/// format's schema, `graphrun_format::model`).
pub const TOP_ORDER: &[&str] = graphrun_format::model::GRAPH_FIELDS;
/// The order of a node's fields.
pub const NODE_ORDER: &[&str] = graphrun_format::model::NODE_FIELDS;
/// The order of a function's or macro's fields.
pub const BODY_ORDER: &[&str] = graphrun_format::model::FUNCTION_FIELDS;
/// The order of a variable's fields.
pub const VARIABLE_ORDER: &[&str] = graphrun_format::model::VARIABLE_FIELDS;

/// A function's or macro's pins as written: each a name and a type as written (`Exec` for
/// a macro's exec pins).
#[derive(Clone, Debug, Default)]
pub struct WrittenPins {
    /// Its inputs.
    pub inputs: Vec<(String, String)>,
    /// Its outputs.
    pub outputs: Vec<(String, String)>,
    /// `pure: true`.
    pub pure: bool,
}

/// A file's text with its tree.
pub struct Doc<'t> {
    /// The text.
    pub text: &'t str,
    /// The tree's root.
    pub root: SyntaxNode,
}

/// A node of a body: its entry in the `nodes` map and its value.
#[derive(Clone, Debug)]
pub struct NodeRef {
    /// The node's id.
    pub id: String,
    /// Its entry in the `nodes` map.
    pub entry: Item,
    /// Its `(...)`.
    pub value: SyntaxNode,
}

impl NodeRef {
    /// A field's value (`inputs`, `exec`, `pos`, …).
    pub fn field(&self, name: &str) -> Option<SyntaxNode> {
        field_value(&self.value, name)
    }

    /// A string field's value (`node`, `var`, `comment`).
    pub fn string(&self, name: &str) -> Option<String> {
        self.field(name).and_then(|v| tree::string(&v))
    }

    /// The node type's name.
    pub fn node_type(&self) -> Option<String> {
        self.string(field::NODE)
    }
}

impl<'t> Doc<'t> {
    /// Parses the text.
    pub fn new(text: &'t str) -> Doc<'t> {
        Doc {
            text,
            root: parse(text).root(),
        }
    }

    /// `Graph(...)` or `Library(...)`.
    pub fn top(&self) -> Result<SyntaxNode, EditError> {
        tree::top(&self.root)
            .filter(|t| t.kind() == STRUCT)
            .ok_or_else(|| "the file is not a `Graph(...)`".into())
    }

    /// A function's or macro's `(...)`.
    pub fn reusable(&self, body: &Body) -> Result<SyntaxNode, EditError> {
        let (field, name, what) = match body {
            Body::Graph => return self.top(),
            Body::Function(n) => (field::FUNCTIONS, n, "function"),
            Body::Macro(n) => (field::MACROS, n, "macro"),
        };
        let map = field_value(&self.top()?, field).filter(|m| m.kind() == MAP);
        let entries = map.as_ref().map(items).unwrap_or_default();
        entries
            .iter()
            .find(|e| e.key().as_deref() == Some(name.as_str()))
            .and_then(|e| e.value())
            .filter(|v| v.kind() == STRUCT)
            .ok_or_else(|| {
                let known: Vec<String> = entries.iter().filter_map(|e| e.key()).collect();
                format!("no {what} `{name}` in the file{}", nearest(name, &known)).into()
            })
    }

    /// The body's `nodes: {...}`.
    pub fn nodes_map(&self, body: &Body) -> Result<SyntaxNode, EditError> {
        field_value(&self.reusable(body)?, field::NODES)
            .filter(|m| m.kind() == MAP)
            .ok_or_else(|| "the graph has no `nodes: {...}`".into())
    }

    /// Every node of the body, in the order written.
    pub fn nodes(&self, body: &Body) -> Vec<NodeRef> {
        let Ok(map) = self.nodes_map(body) else {
            return Vec::new();
        };
        items(&map)
            .into_iter()
            .filter_map(|entry| {
                let id = entry.key()?;
                let value = entry.value()?;
                Some(NodeRef { id, entry, value })
            })
            .collect()
    }

    /// A node by id.
    pub fn node(&self, body: &Body, id: &str) -> Result<NodeRef, EditError> {
        let nodes = self.nodes(body);
        match nodes.iter().find(|n| n.id == id) {
            Some(n) if n.value.kind() == STRUCT => Ok(n.clone()),
            Some(_) => Err(format!("node `{id}` is not written as `(...)`").into()),
            None => {
                let known: Vec<String> = nodes.into_iter().map(|n| n.id).collect();
                Err(format!("no node `{id}`{}{}", in_body(body), nearest(id, &known)).into())
            }
        }
    }

    /// The variables map of the body: the graph's `variables`, or a function's or macro's
    /// `locals` (absent if the file has none yet).
    pub fn variables_map(&self, body: &Body) -> Result<Option<SyntaxNode>, EditError> {
        let holder = self.reusable(body)?;
        let field = if *body == Body::Graph {
            field::VARIABLES
        } else {
            field::LOCALS
        };
        Ok(field_value(&holder, field).filter(|m| m.kind() == MAP))
    }

    /// The names of the body's variables.
    pub fn variable_names(&self, body: &Body) -> Vec<String> {
        self.variables_map(body)
            .ok()
            .flatten()
            .map(|m| items(&m).iter().filter_map(Item::key).collect())
            .unwrap_or_default()
    }

    /// A function's or macro's pins as written (none for the event graph).
    pub fn pins(&self, body: &Body) -> WrittenPins {
        let holder = self.reusable(body).ok().filter(|_| *body != Body::Graph);
        let Some(holder) = holder else {
            return WrittenPins::default();
        };
        let pins = |field: &str| -> Vec<(String, String)> {
            field_value(&holder, field)
                .filter(|m| m.kind() == MAP)
                .map(|m| {
                    items(&m)
                        .iter()
                        .filter_map(|i| Some((i.key()?, i.value()?.to_string().trim().to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        WrittenPins {
            inputs: pins(field::INPUTS),
            outputs: pins(field::OUTPUTS),
            pure: field_value(&holder, field::PURE).is_some_and(|p| p.to_string().trim() == "true"),
        }
    }

    /// The body's variables as written: name, type and default (as RON text).
    pub fn variables(&self, body: &Body) -> Vec<(String, String, Option<String>)> {
        let Ok(Some(map)) = self.variables_map(body) else {
            return Vec::new();
        };
        items(&map)
            .iter()
            .filter_map(|item| {
                let name = item.key()?;
                let value = item.value()?;
                let ty = field_value(&value, field::TYPE).map(|t| t.to_string())?;
                Some((
                    name,
                    ty.trim().to_string(),
                    field_value(&value, field::DEFAULT).map(|d| d.to_string().trim().to_string()),
                ))
            })
            .collect()
    }

    /// The graph's `comments: [...]` list, if it has one.
    pub fn comment_list(&self) -> Option<SyntaxNode> {
        self.top()
            .ok()
            .and_then(|t| field_value(&t, field::COMMENTS))
            .filter(|l| l.kind() == LIST)
    }

    /// The comment boxes' `(...)`, in the order written (counted as `set-comment-box`
    /// counts them).
    pub fn comment_boxes(&self) -> Vec<SyntaxNode> {
        self.comment_list()
            .map(|list| items(&list).iter().filter_map(Item::value).collect())
            .unwrap_or_default()
    }

    /// The names of the file's functions and macros, as bodies.
    pub fn bodies(&self) -> Vec<Body> {
        let mut out = vec![Body::Graph];
        let Ok(top) = self.top() else { return out };
        for (field, make) in [
            (field::FUNCTIONS, Body::Function as fn(String) -> Body),
            (field::MACROS, Body::Macro),
        ] {
            if let Some(map) = field_value(&top, field).filter(|m| m.kind() == MAP) {
                out.extend(items(&map).iter().filter_map(Item::key).map(make));
            }
        }
        out
    }
}

/// ` in function F` / ` in macro M` / nothing for the event graph.
pub fn in_body(body: &Body) -> String {
    match body {
        Body::Graph => String::new(),
        Body::Function(n) => format!(" in function `{n}`"),
        Body::Macro(n) => format!(" in macro `{n}`"),
    }
}

/// `; did you mean `X`?` for the names of `known` near `name`, else nothing.
pub fn nearest(name: &str, known: &[String]) -> String {
    graphrun_format::names::suggest(name, known.iter().map(String::as_str))
}
