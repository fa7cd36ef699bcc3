//! A batch of operations as a program sends it: each operation's words apart, so nothing
//! is quoted, and the nodes the batch adds named by the sender, their ids made here by the
//! rule `add-node auto` follows. The studio's page sends its edits so: it writes no
//! quoting and no id rule of its own.

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
        pin: Option<String>,
    },
}

/// The operations of `ops` for `body` of `doc`: each operation's words read as
/// [`Op::from_words`] reads them, once each new node has its id.
pub fn resolve(doc: &Doc<'_>, body: &Body, ops: &[Vec<Word>]) -> Result<Vec<Op>, EditError> {
    let mut taken: Option<std::collections::HashSet<String>> = None;
    let mut made: HashMap<&str, String> = HashMap::new();
    ops.iter()
        .map(|words| {
            let words: Vec<String> = words
                .iter()
                .map(|word| match word {
                    Word::Text(text) => text.clone(),
                    Word::New { name, pin } => {
                        let id = made.entry(name.as_str()).or_insert_with(|| {
                            let taken =
                                taken.get_or_insert_with(|| doc.nodes(body).into_iter().map(|n| n.id).collect());
                            // Numbers from 2 for each name, as `add-node auto` tries them.
                            let id = fresh_id_where(name, &mut 2, |id| taken.contains(id));
                            taken.insert(id.clone());
                            id
                        });
                        match pin {
                            Some(pin) => format!("{id}.{pin}"),
                            None => id.clone(),
                        }
                    }
                })
                .collect();
            Op::from_words(&words)
        })
        .collect()
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
            pin: pin.map(str::to_string),
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
    fn a_bad_operation_is_refused_with_its_usage() {
        let doc = Doc::new("Graph(format: 1, nodes: {})");
        let err = resolve(&doc, &Body::Graph, &[vec![text("move"), text("a")]]).unwrap_err();
        assert!(err.to_string().contains("usage: move"), "{err}");
        assert!(resolve(&doc, &Body::Graph, &[vec![]]).is_err());
    }
}
