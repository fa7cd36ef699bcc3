//! A batch of operations as a program sends it: each operation's words apart, so nothing
//! is quoted, and what the batch adds named by the sender: nodes, their ids made here by
//! the rule `add-node auto` follows, and variables, functions and macros, their names made
//! fresh here. The studio's page sends its edits so: it writes no quoting, no id rule and
//! no naming rule of its own.

use std::collections::HashMap;

use crate::doc::Doc;
use crate::facts::Body;
use crate::ids::fresh_id_where;
use crate::op::Op;
use crate::EditError;

/// One word of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Word {
    /// The word as it is (an id, a node type, a number, a value's text).
    Text(String),
    /// A node the batch adds, by the sender's `name` for it: every word with that name is
    /// the same node, whose id is made fresh from the name (`Print String` becomes
    /// `print_string`, or `print_string_2` where that is taken). With `pin`, that node's
    /// pin (`id.pin`).
    New {
        /// The sender's name for the node, also what its id is made from.
        name: String,
        /// One of its pins.
        pin: Option<PinName>,
    },
    /// A variable, function or macro the batch adds, by the name it is made from: every
    /// word with the same kind and base is the same name, made fresh where the batch
    /// applies (a variable `NewVar`, or `NewVar2`, `NewVar3`… where taken, among the body's
    /// variables and, in a function or macro, the graph's; a function `New Function`, or
    /// `New Function 2`…, among the file's functions and macros). The word is `prefix`
    /// and the name (`var=` for `add-node`'s option).
    Name {
        /// What is named.
        kind: NameKind,
        /// What the name is made from.
        base: String,
        /// Written before the name in the word.
        prefix: String,
    },
}

/// A pin of a node the batch adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinName {
    /// By its name.
    Text(String),
    /// The pin named after a variable the batch adds (a Get's or a Set's), by what the
    /// variable's name is made from.
    Variable(String),
}

/// What a [`Word::Name`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// A variable of the body the batch applies to.
    Variable,
    /// A function or a macro of the file.
    Body,
}

/// A batch's operations, and the names its [`Word::Name`]s were given (base, name), in
/// the order first met.
#[derive(Debug)]
pub struct Resolved {
    /// The operations.
    pub ops: Vec<Op>,
    /// Each name made: what it was made from, and the name.
    pub names: Vec<(String, String)>,
}

/// The operations of `ops` for `body` of `doc`: each operation's words read as
/// [`Op::from_words`] reads them, once each new node has its id.
pub fn resolve(doc: &Doc<'_>, body: &Body, ops: &[Vec<Word>]) -> Result<Vec<Op>, EditError> {
    resolve_named(doc, body, ops).map(|resolved| resolved.ops)
}

/// As [`resolve`], also saying what each name the batch made is.
pub fn resolve_named(doc: &Doc<'_>, body: &Body, ops: &[Vec<Word>]) -> Result<Resolved, EditError> {
    let mut taken: Option<std::collections::HashSet<String>> = None;
    let mut made: HashMap<&str, String> = HashMap::new();
    let mut named: HashMap<(NameKind, String), String> = HashMap::new();
    let mut names = Vec::new();
    // The name made from `base`, the same wherever the batch names it.
    let name_of = |named: &mut HashMap<(NameKind, String), String>,
                   names: &mut Vec<(String, String)>,
                   kind: NameKind,
                   base: &str| {
        named
            .entry((kind, base.to_string()))
            .or_insert_with(|| {
                let name = fresh_name(doc, body, kind, base);
                names.push((base.to_string(), name.clone()));
                name
            })
            .clone()
    };
    let ops = ops
        .iter()
        .map(|words| {
            let words: Vec<String> = words
                .iter()
                .map(|word| match word {
                    Word::Text(text) => text.clone(),
                    Word::New { name, pin } => {
                        let id = made
                            .entry(name.as_str())
                            .or_insert_with(|| {
                                let taken =
                                    taken.get_or_insert_with(|| doc.nodes(body).into_iter().map(|n| n.id).collect());
                                // Numbers from 2 for each name, as `add-node auto` tries them.
                                let id = fresh_id_where(name, &mut 2, |id| taken.contains(id));
                                taken.insert(id.clone());
                                id
                            })
                            .clone();
                        match pin {
                            Some(PinName::Text(pin)) => format!("{id}.{pin}"),
                            Some(PinName::Variable(base)) => {
                                let pin = name_of(&mut named, &mut names, NameKind::Variable, base);
                                format!("{id}.{pin}")
                            }
                            None => id,
                        }
                    }
                    Word::Name { kind, base, prefix } => {
                        format!("{prefix}{}", name_of(&mut named, &mut names, *kind, base))
                    }
                })
                .collect();
            Op::from_words(&words)
        })
        .collect::<Result<Vec<Op>, EditError>>()?;
    Ok(Resolved { ops, names })
}

/// A name made from `base` that `doc` does not have yet: `base`, else `base2`, `base3`…
/// for a variable (among the body's variables and, in a function or macro, the graph's);
/// `base 2`, `base 3`… for a function or macro (among the file's).
fn fresh_name(doc: &Doc<'_>, body: &Body, kind: NameKind, base: &str) -> String {
    let (taken, sep): (std::collections::HashSet<String>, &str) = match kind {
        NameKind::Variable => {
            let mut taken: std::collections::HashSet<String> =
                doc.variables(body).into_iter().map(|(name, _, _)| name).collect();
            if *body != Body::Graph {
                taken.extend(doc.variables(&Body::Graph).into_iter().map(|(name, _, _)| name));
            }
            (taken, "")
        }
        NameKind::Body => (
            doc.bodies()
                .into_iter()
                .filter_map(|b| match b {
                    Body::Function(name) | Body::Macro(name) => Some(name),
                    Body::Graph => None,
                })
                .collect(),
            " ",
        ),
    };
    if !taken.contains(base) {
        return base.to_string();
    }
    (2u64..)
        .map(|n| format!("{base}{sep}{n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(w: &str) -> Word {
        Word::Text(w.to_string())
    }

    fn new(name: &str, pin: Option<&str>) -> Word {
        Word::New {
            name: name.to_string(),
            pin: pin.map(|p| PinName::Text(p.to_string())),
        }
    }

    #[test]
    fn new_nodes_get_fresh_ids_the_same_wherever_named() {
        let file =
            "Graph(format: 1, nodes: {\"print_string\": (node: \"Print String\"), \"delay\": (node: \"Delay\")})";
        let doc = Doc::new(file);
        let ops = resolve(
            &doc,
            &Body::Graph,
            &[
                vec![
                    text("add-node"),
                    new("Print String", None),
                    text("Print String"),
                    text("10"),
                    text("-20"),
                ],
                vec![text("add-node"), new("Delay", None), text("Delay")],
                vec![text("connect"), new("Print String", Some("then")), new("Delay", None)],
                vec![text("set"), text("a b"), text("In String"), text("say \"hi\"")],
            ],
        )
        .unwrap();
        let expected = [
            "add-node print_string_2 \"Print String\" 10 -20",
            "add-node delay_2 Delay",
            "connect print_string_2.then delay_2",
            "set \"a b\" \"In String\" \"say \\\"hi\\\"\"",
        ];
        for (op, text) in ops.iter().zip(expected) {
            assert_eq!(*op, Op::parse(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn names_are_made_fresh_once_per_batch() {
        let file = r#"Graph(format: 1, variables: {"NewVar": (type: Bool), "NewVar2": (type: Int)},
            functions: {"New Function": (nodes: {})}, macros: {"New Function 2": (nodes: {})}, nodes: {})"#;
        let doc = Doc::new(file);
        let var = |prefix: &str| Word::Name {
            kind: NameKind::Variable,
            base: "NewVar".into(),
            prefix: prefix.into(),
        };
        let function = Word::Name {
            kind: NameKind::Body,
            base: "New Function".into(),
            prefix: String::new(),
        };
        let resolved = resolve_named(
            &doc,
            &Body::Graph,
            &[
                vec![text("add-variable"), var(""), text("Bool")],
                vec![text("add-node"), new("Get", None), text("Get"), var("var=")],
                vec![
                    text("connect"),
                    Word::New {
                        name: "Get".into(),
                        pin: Some(PinName::Variable("NewVar".into())),
                    },
                    text("x.In"),
                ],
                vec![text("add-function"), function],
            ],
        )
        .unwrap();
        let expected = [
            "add-variable NewVar3 Bool",
            "add-node get Get var=NewVar3",
            "connect get.NewVar3 x.In",
            "add-function \"New Function 3\"",
        ];
        for (op, text) in resolved.ops.iter().zip(expected) {
            assert_eq!(*op, Op::parse(text).unwrap(), "{text}");
        }
        assert_eq!(
            resolved.names,
            [
                ("NewVar".to_string(), "NewVar3".to_string()),
                ("New Function".to_string(), "New Function 3".to_string())
            ]
        );
    }

    #[test]
    fn a_bad_operation_is_refused_with_its_usage() {
        let doc = Doc::new("Graph(format: 1, nodes: {})");
        let err = resolve(&doc, &Body::Graph, &[vec![text("move"), text("a")]]).unwrap_err();
        assert!(err.to_string().contains("usage: move"), "{err}");
        assert!(resolve(&doc, &Body::Graph, &[vec![]]).is_err());
    }
}
