//! What a position in a graph, library or test file is about, read from the lossless tree
//! (so a half-typed file has an answer too): a node type, a pin of a node, a node id, a
//! variable, a type, an import, a test's step. The language server completes, explains and
//! navigates from it.

use graphrun_format::model::field;
use std::ops::Range;

use crate::facts::Body;
use crate::syntax::{parse, SyntaxKind, SyntaxKind::*, SyntaxNode, SyntaxToken};
use crate::tree::{self, range};

/// The kinds of place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spot {
    /// `node: "…"`: a node type, or a function or macro used as one.
    NodeType,
    /// A node's id where it is defined (its key in `nodes`).
    NodeDef,
    /// A data input's name in a node's `inputs`.
    InputPin {
        /// The node's id.
        node: String,
    },
    /// An exec output's name in a node's `exec`.
    ExecPin {
        /// The node's id.
        node: String,
    },
    /// A node id that names a node: `Link("…")`, a comment box's nodes.
    NodeRef,
    /// An exec output's target: `"id"` or `"id.pin"`.
    ExecTarget,
    /// `Event("…")`: a Custom Event's id.
    EventRef,
    /// `Link("id", "…")`: an output of node `id`.
    OutputPin {
        /// The node's id.
        node: String,
    },
    /// `Var("…")` or `var: "…"`.
    Variable,
    /// A variable's (or local's) name where it is defined.
    VariableDef,
    /// A function's or macro's name where it is defined.
    ReusableDef {
        /// A macro's (else a function's).
        macro_: bool,
    },
    /// A type (`type: …`, a function's pin types).
    Type,
    /// A class name (`Object("…")`, Construct Object's `Class`).
    Class,
    /// An item of `imports`.
    Import,
    /// A test's `graph: "…"`.
    TestGraph,
    /// A key of a test's `set`: a variable of its graph.
    TestSet,
    /// A test's `fire: [(event: "…")]`: a Custom Event of its graph.
    TestEvent,
    /// A key of a test's `servers`: a host.
    Host,
    /// A step of a server's script (`Accept`, `Receive(…)`, …).
    Step,
}

/// A place in the text: what it is, the body it is in, the text written there so far and
/// where that text is (inside the quotes, for a string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    /// What the place is.
    pub spot: Spot,
    /// The event graph, or the function or macro the place is in.
    pub body: Body,
    /// The name written there (a string's value).
    pub text: String,
    /// Where it is written: a string's inside, a word.
    pub range: Range<usize>,
    /// Whether the file is a test file (`Test(...)`).
    pub test: bool,
}

/// What the place at byte `offset` of `text` is about, if anything known.
pub fn at(text: &str, offset: usize) -> Option<At> {
    let root = parse(text).root();
    at_in(&root, offset)
}

/// [`at`] on a tree already made.
pub fn at_in(root: &SyntaxNode, offset: usize) -> Option<At> {
    let offset = offset.min(usize::from(root.text_range().end()));
    let test = tree::top(root).and_then(|t| tree::name(&t)).as_deref() == Some("Test");
    let token = word_at(root, offset);
    let (spot, body, text, range) = match &token {
        Some(token) if is_string(token) => {
            let r = range_of(token);
            let inner = r.start + 1..(r.end - usize::from(token.kind() == STRING)).max(r.start + 1);
            let value = token
                .parent()
                .and_then(|p| tree::string(&p))
                .unwrap_or_else(|| text_of(token, &inner, r.start));
            let (spot, body) = string_spot(token, test)?;
            (spot, body, value, inner)
        }
        Some(token) => {
            let (spot, body) = word_spot(token, test)?;
            (spot, body, token.text().to_string(), range_of(token))
        }
        None => {
            // Between tokens: after `type:`, or where a step goes.
            let (spot, body) = gap_spot(root, offset, test)?;
            (spot, body, String::new(), offset..offset)
        }
    };
    Some(At {
        spot,
        body,
        text,
        range,
        test,
    })
}

fn range_of(token: &SyntaxToken) -> Range<usize> {
    let r = token.text_range();
    usize::from(r.start())..usize::from(r.end())
}

fn text_of(token: &SyntaxToken, inner: &Range<usize>, start: usize) -> String {
    token
        .text()
        .get(inner.start - start..inner.end - start)
        .unwrap_or_default()
        .to_string()
}

/// A string, or the start of one not closed yet.
fn is_string(token: &SyntaxToken) -> bool {
    token.kind() == STRING || (token.kind() == ERROR_TOKEN && token.text().starts_with('"'))
}

/// The string or word the offset is in (inside a string's quotes, or at a word's end).
fn word_at(root: &SyntaxNode, offset: usize) -> Option<SyntaxToken> {
    let at = (offset as u32).into();
    let candidates: Vec<SyntaxToken> = root.token_at_offset(at).collect();
    candidates.into_iter().find(|t| {
        let r = range_of(t);
        if is_string(t) {
            let closed = t.kind() == STRING && t.text().len() > 1;
            r.start < offset && (offset < r.end || (!closed && offset == r.end))
        } else {
            t.kind() == IDENT && r.start <= offset && offset <= r.end
        }
    })
}

/// The name of the field whose value `node` is (or is inside, for `node` an atom).
fn field_name(field: &SyntaxNode) -> Option<String> {
    (field.kind() == FIELD)
        .then(|| {
            field
                .children_with_tokens()
                .find(|t| t.kind() == IDENT)
                .map(|t| t.to_string())
        })
        .flatten()
}

/// The field a container is the value of: `inputs` for the map in `inputs: {...}`.
fn holder(container: &SyntaxNode) -> Option<String> {
    container.parent().and_then(|f| field_name(&f))
}

/// For a node's `(...)`: its id, if the struct is an entry of a `nodes` map.
fn node_id(structure: &SyntaxNode) -> Option<String> {
    let entry = structure.parent().filter(|e| e.kind() == ENTRY)?;
    let map = entry.parent().filter(|m| m.kind() == MAP)?;
    (holder(&map).as_deref() == Some(field::NODES))
        .then(|| entry.children().next().and_then(|k| tree::string(&k)))
        .flatten()
}

/// The body a place is in: the function or macro whose entry holds it, else the graph.
fn body_of(node: &SyntaxNode) -> Body {
    for entry in node.ancestors().filter(|a| a.kind() == ENTRY) {
        let Some(map) = entry.parent() else { continue };
        let name = || {
            entry
                .children()
                .next()
                .and_then(|k| tree::string(&k))
                .unwrap_or_default()
        };
        match holder(&map).as_deref() {
            Some(field::FUNCTIONS) => return Body::Function(name()),
            Some(field::MACROS) => return Body::Macro(name()),
            _ => {}
        }
    }
    Body::Graph
}

/// Whether a node is inside a test's `servers`.
fn in_servers(node: &SyntaxNode) -> bool {
    node.ancestors()
        .any(|a| a.kind() == FIELD && field_name(&a).as_deref() == Some("servers"))
}

/// The place of a string token.
fn string_spot(token: &SyntaxToken, test: bool) -> Option<(Spot, Body)> {
    let atom = token.parent()?;
    let parent = atom.parent()?;
    let body = body_of(&atom);
    let spot = match parent.kind() {
        FIELD => {
            let name = field_name(&parent)?;
            let structure = parent.parent()?;
            match name.as_str() {
                field::NODE if node_id(&structure).is_some() => Spot::NodeType,
                field::VAR if node_id(&structure).is_some() => Spot::Variable,
                "graph" if test => Spot::TestGraph,
                "event" if test => Spot::TestEvent,
                _ => return None,
            }
        }
        ENTRY => {
            let is_key = parent.children().next().as_ref() == Some(&atom);
            let map = parent.parent()?;
            let field = holder(&map).unwrap_or_default();
            let owner = map.parent().and_then(|f| f.parent());
            let node = owner.as_ref().and_then(node_id);
            match (is_key, field.as_str(), node) {
                (true, field::NODES, _) => Spot::NodeDef,
                (true, field::INPUTS, Some(node)) => Spot::InputPin { node },
                (true, field::EXEC, Some(node)) => Spot::ExecPin { node },
                (true, field::VARIABLES | field::LOCALS, _) => Spot::VariableDef,
                (true, field::FUNCTIONS, _) => Spot::ReusableDef { macro_: false },
                (true, field::MACROS, _) => Spot::ReusableDef { macro_: true },
                (true, "set", _) if test => Spot::TestSet,
                (true, "servers", _) if test => Spot::Host,
                (false, field::EXEC, Some(_)) => Spot::ExecTarget,
                (false, field::INPUTS, Some(_)) => {
                    let key = parent.children().next().and_then(|k| tree::string(&k));
                    if key.as_deref() == Some("Class") {
                        Spot::Class
                    } else {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        TUPLE => {
            let index = tree::items(&parent).iter().position(|i| i.node == atom)?;
            match (tree::name(&parent)?.as_str(), index) {
                ("Link", 0) => Spot::NodeRef,
                ("Link", 1) => Spot::OutputPin {
                    node: tree::tuple_strings(&parent).first().cloned().flatten()?,
                },
                ("Event", 0) => Spot::EventRef,
                ("Var", 0) => Spot::Variable,
                ("Object", 0) => Spot::Class,
                _ => return None,
            }
        }
        LIST => match holder(&parent).as_deref() {
            Some(field::IMPORTS) => Spot::Import,
            Some(field::NODES) => Spot::NodeRef,
            _ => return None,
        },
        _ => return None,
    };
    Some((spot, body))
}

/// The place of a word (a type, a step).
fn word_spot(token: &SyntaxToken, test: bool) -> Option<(Spot, Body)> {
    let parent = token.parent()?;
    let body = body_of(&parent);
    if test && in_servers(&parent) {
        return Some((Spot::Step, body));
    }
    let typed = parent.ancestors().any(|a| {
        a.kind() == FIELD && field_name(&a).as_deref() == Some(field::TYPE)
            || (a.kind() == ENTRY
                && a.parent()
                    .and_then(|m| holder(&m))
                    .is_some_and(|f| f == field::INPUTS || f == field::OUTPUTS)
                && a.parent()
                    .and_then(|m| m.parent())
                    .and_then(|f| f.parent())
                    .is_some_and(|s| node_id(&s).is_none()))
    });
    typed.then_some((Spot::Type, body))
}

/// The place between tokens: a type after `type:`, a step where one goes.
fn gap_spot(root: &SyntaxNode, offset: usize, test: bool) -> Option<(Spot, Body)> {
    let before = previous_token(root, offset)?;
    let parent = before.parent()?;
    let body = body_of(&parent);
    if test && in_servers(&parent) && matches!(before.kind(), L_BRACK | COMMA) {
        return Some((Spot::Step, body));
    }
    if before.kind() == COLON && parent.kind() == FIELD && field_name(&parent).as_deref() == Some(field::TYPE) {
        return Some((Spot::Type, body));
    }
    None
}

/// The last token before `offset` that is not trivia.
fn previous_token(root: &SyntaxNode, offset: usize) -> Option<SyntaxToken> {
    let mut token = root.token_at_offset((offset as u32).into()).left_biased()?;
    loop {
        let kind: SyntaxKind = token.kind();
        if !kind.is_trivia() && usize::from(token.text_range().end()) <= offset {
            return Some(token);
        }
        token = token.prev_token()?;
    }
}

/// Every place a node id is written in a body: its key in `nodes` (first), `Link`s,
/// `Event`s, exec targets (the id part of `id.pin`), and comment boxes' node lists (the
/// event graph's). Ranges are the id's bytes inside the quotes.
pub fn node_mentions(doc: &crate::doc::Doc<'_>, body: &Body, id: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let Ok(map) = doc.nodes_map(body) else { return out };
    let inside = |atom: &SyntaxNode, len: usize| {
        let r = range(atom);
        r.start + 1..r.start + 1 + len
    };
    for entry in tree::items(&map) {
        let (Some(key), Some(value)) = (entry.key_node(), entry.value()) else {
            continue;
        };
        if tree::string(&key).as_deref() == Some(id) {
            out.insert(0, inside(&key, id.len()));
        }
        for d in value.descendants() {
            match d.kind() {
                TUPLE if matches!(tree::name(&d).as_deref(), Some("Link" | "Event")) => {
                    if let Some(first) = tree::items(&d).first().and_then(|i| i.value()) {
                        if tree::string(&first).as_deref() == Some(id) && raw(&first) {
                            out.push(inside(&first, id.len()));
                        }
                    }
                }
                MAP if holder(&d).as_deref() == Some(field::EXEC)
                    && d.parent().and_then(|f| f.parent()).as_ref() == Some(&value) =>
                {
                    for item in tree::items(&d) {
                        let Some(target) = item.value() else { continue };
                        let Some(s) = tree::string(&target) else { continue };
                        if (s == id || s.starts_with(&format!("{id}."))) && raw(&target) {
                            out.push(inside(&target, id.len()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if *body == Body::Graph {
        for boxed in doc.comment_boxes() {
            let Some(list) = tree::field_value(&boxed, field::NODES) else {
                continue;
            };
            for item in tree::items(&list) {
                let Some(v) = item.value() else { continue };
                if tree::string(&v).as_deref() == Some(id) && raw(&v) {
                    out.push(inside(&v, id.len()));
                }
            }
        }
    }
    out
}

/// Every place a variable is written: its key where it is defined (first; the body's
/// locals if it has one of that name, else the graph's variables), each `Var("…")` and
/// `var: "…"` in the bodies that see it (those without a local of that name).
pub fn variable_mentions(doc: &crate::doc::Doc<'_>, body: &Body, name: &str) -> Vec<Range<usize>> {
    let local = *body != Body::Graph && doc.variable_names(body).iter().any(|v| v == name);
    let scope = if local { body.clone() } else { Body::Graph };
    let mut out = Vec::new();
    let inside = |atom: &SyntaxNode| {
        let r = range(atom);
        r.start + 1..r.start + 1 + name.len()
    };
    if let Ok(Some(map)) = doc.variables_map(&scope) {
        for item in tree::items(&map) {
            if let Some(key) = item
                .key_node()
                .filter(|k| tree::string(k).as_deref() == Some(name) && raw(k))
            {
                out.push(inside(&key));
            }
        }
    }
    let bodies: Vec<Body> = if local {
        vec![body.clone()]
    } else {
        doc.bodies()
            .into_iter()
            .filter(|b| *b == Body::Graph || !doc.variable_names(b).iter().any(|v| v == name))
            .collect()
    };
    for b in bodies {
        for node in doc.nodes(&b) {
            for d in node.value.descendants() {
                let value = match d.kind() {
                    TUPLE if tree::name(&d).as_deref() == Some("Var") => {
                        tree::items(&d).first().and_then(|i| i.value())
                    }
                    FIELD
                        if field_name(&d).as_deref() == Some(field::VAR)
                            && d.parent().as_ref() == Some(&node.value) =>
                    {
                        d.children().next()
                    }
                    _ => None,
                };
                if let Some(v) = value.filter(|v| tree::string(v).as_deref() == Some(name) && raw(v)) {
                    out.push(inside(&v));
                }
            }
        }
    }
    out
}

/// Every place a function or macro is named in a file: its key where this file defines it
/// (if it does), and each node whose type it is, in every body.
pub fn reusable_mentions(doc: &crate::doc::Doc<'_>, name: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let inside = |atom: &SyntaxNode| {
        let r = range(atom);
        r.start + 1..r.start + 1 + name.len()
    };
    if let Ok(top) = doc.top() {
        for field in [field::FUNCTIONS, field::MACROS] {
            let Some(map) = tree::field_value(&top, field) else {
                continue;
            };
            for item in tree::items(&map) {
                if let Some(key) = item
                    .key_node()
                    .filter(|k| tree::string(k).as_deref() == Some(name) && raw(k))
                {
                    out.push(inside(&key));
                }
            }
        }
    }
    for body in doc.bodies() {
        for node in doc.nodes(&body) {
            if let Some(v) = node
                .field(field::NODE)
                .filter(|v| tree::string(v).as_deref() == Some(name) && raw(v))
            {
                out.push(inside(&v));
            }
        }
    }
    out
}

/// Whether a string atom is written without escapes (its value is its text), so a range
/// inside its quotes is its value.
fn raw(atom: &SyntaxNode) -> bool {
    atom.first_token()
        .is_some_and(|t| t.kind() == STRING && !t.text().contains('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;

    const TEXT: &str = r#"Graph(format: 1, name: "G",
    variables: {"Url": (type: String)},
    functions: {"F": (inputs: {"X": Int}, nodes: {"e": (node: "Function Entry", exec: {"then": "r"}), "r": (node: "Return Node")})},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "p.exec"}),
        "p": (node: "Print String", var: "Url", inputs: {"In String": Link("f", "Return Value"), "Class": "C"}),
        "f": (node: "Format String", inputs: {"x": Var("Url"), "e": Event("begin")}),
    },
    comments: [(text: "box", nodes: ["p"])],
)"#;

    fn spot(marker: &str, within: usize) -> Option<At> {
        let offset = TEXT.find(marker).unwrap() + within;
        at(TEXT, offset)
    }

    #[test]
    fn places() {
        let at = spot("\"Print String\"", 3).unwrap();
        assert_eq!((at.spot, at.text.as_str()), (Spot::NodeType, "Print String"));
        assert_eq!(&TEXT[at.range], "Print String");
        assert_eq!(
            spot("\"In String\"", 1).unwrap().spot,
            Spot::InputPin { node: "p".into() }
        );
        assert_eq!(spot("Link(\"f\"", 6).unwrap().spot, Spot::NodeRef);
        assert_eq!(
            spot("\"Return Value\"), \"Class", 2).unwrap().spot,
            Spot::OutputPin { node: "f".into() }
        );
        assert_eq!(spot("Var(\"Url\")", 5).unwrap().spot, Spot::Variable);
        assert_eq!(spot("var: \"Url\"", 6).unwrap().spot, Spot::Variable);
        assert_eq!(spot("Event(\"begin\")", 7).unwrap().spot, Spot::EventRef);
        assert_eq!(spot("\"p.exec\"", 1).unwrap().spot, Spot::ExecTarget);
        assert_eq!(
            spot("\"then\": \"p", 1).unwrap().spot,
            Spot::ExecPin { node: "begin".into() }
        );
        assert_eq!(spot("\"C\"", 1).unwrap().spot, Spot::Class);
        assert_eq!(spot("type: String", 7).unwrap().spot, Spot::Type);
        assert_eq!(spot("{\"X\": Int", 6).unwrap().spot, Spot::Type);
        assert_eq!(spot("nodes: [\"p\"]", 9).unwrap().spot, Spot::NodeRef);
        let inside = spot("\"Return Node\"", 2).unwrap();
        assert_eq!((inside.spot, inside.body), (Spot::NodeType, Body::Function("F".into())));
        assert_eq!(spot("\"begin\": (", 2).unwrap().spot, Spot::NodeDef);
        assert_eq!(spot("\"Url\": (type", 2).unwrap().spot, Spot::VariableDef);
        assert_eq!(spot("name: \"G\"", 7), None);
    }

    #[test]
    fn a_half_typed_file_has_places_too() {
        let text = "Graph(format: 1, nodes: {\"a\": (node: \"Pri";
        let at = at(text, text.len()).unwrap();
        assert_eq!((at.spot, at.text.as_str()), (Spot::NodeType, "Pri"));
        let text = "Graph(variables: {\"V\": (type: ";
        assert_eq!(super::at(text, text.len()).unwrap().spot, Spot::Type);
        let test = "Test(servers: {\"h\": [Accept, ";
        let at = super::at(test, test.len()).unwrap();
        assert_eq!((at.spot, at.test), (Spot::Step, true));
    }

    #[test]
    fn every_mention_of_a_variable_and_a_function() {
        let found: Vec<&str> = variable_mentions(&Doc::new(TEXT), &Body::Graph, "Url")
            .into_iter()
            .map(|r| &TEXT[r])
            .collect();
        assert_eq!(found, ["Url", "Url", "Url"]);
        let text = TEXT.replace("\"f\": (node: \"Format String\"", "\"f\": (node: \"F\"");
        assert_eq!(reusable_mentions(&Doc::new(&text), "F").len(), 2);
    }

    #[test]
    fn every_mention_of_a_node() {
        let found: Vec<&str> = node_mentions(&Doc::new(TEXT), &Body::Graph, "p")
            .into_iter()
            .map(|r| &TEXT[r])
            .collect();
        assert_eq!(found, ["p", "p", "p"]);
        let begin = node_mentions(&Doc::new(TEXT), &Body::Graph, "begin");
        assert_eq!(begin.len(), 2);
        assert_eq!(
            node_mentions(&Doc::new(TEXT), &Body::Function("F".into()), "r").len(),
            2
        );
    }
}
