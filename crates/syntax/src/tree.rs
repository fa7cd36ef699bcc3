//! The lossless tree: the parser's events built into rowan's green nodes; what cannot be
//! read is in `ERROR` nodes.

use rowan::{GreenNode, GreenNodeBuilder, GreenNodeData, Language, NodeOrToken};

use crate::kind::{Ron, SyntaxKind, SyntaxNode};
use crate::parser::{parse_into, Sink};
use crate::scalar::ParseError;

/// A parsed file: its green tree and the problems the parser met.
#[derive(Clone, Debug)]
pub struct Parse {
    green: GreenNode,
    /// Problems met, in the order of the text; the first is the one the graph model's
    /// reader reports.
    pub errors: Vec<ParseError>,
}

impl Parse {
    /// The root of the tree.
    pub fn root(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// Tells `sink` what parsing the text again would tell it (the errors first), from the
    /// tree: a reader of values gets them from a file already parsed, as the language
    /// server's documents are, without a second parse. It walks the green nodes (no red
    /// tree is made), with a stack of its own rather than recursion.
    pub fn replay<S: Sink>(&self, sink: &mut S) {
        for error in &self.errors {
            sink.error(error.clone());
        }
        let kind = |raw: rowan::SyntaxKind| Ron::kind_from_raw(raw);
        let root: &GreenNodeData = &self.green;
        let mut at = 0usize;
        sink.start(kind(root.kind()), at);
        let mut stack = vec![root.children()];
        while let Some(children) = stack.last_mut() {
            match children.next() {
                Some(NodeOrToken::Node(node)) => {
                    sink.start(kind(node.kind()), at);
                    stack.push(node.children());
                }
                Some(NodeOrToken::Token(token)) => {
                    let token_kind = kind(token.kind());
                    if S::TRIVIA || !token_kind.is_trivia() {
                        sink.token(token_kind, token.text(), at);
                    }
                    at += token.text().len();
                }
                None => {
                    stack.pop();
                    sink.finish();
                }
            }
        }
    }
}

/// Parses any text into a tree whose text is `text`.
pub fn parse(text: &str) -> Parse {
    let mut sink = TreeSink {
        builder: GreenNodeBuilder::new(),
        errors: Vec::new(),
    };
    parse_into(text, &mut sink);
    Parse {
        green: sink.builder.finish(),
        errors: sink.errors,
    }
}

struct TreeSink {
    builder: GreenNodeBuilder<'static>,
    errors: Vec<ParseError>,
}

impl Sink for TreeSink {
    fn start(&mut self, kind: SyntaxKind, _at: usize) {
        self.builder.start_node(kind.into());
    }

    fn token(&mut self, kind: SyntaxKind, text: &str, _at: usize) {
        self.builder.token(kind.into(), text);
    }

    fn finish(&mut self) {
        self.builder.finish_node();
    }

    fn error(&mut self, error: ParseError) {
        self.errors.push(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::SyntaxKind::*;

    #[test]
    fn the_tree_holds_every_byte() {
        for text in [
            "",
            "Graph(format: 1, // one\n name: \"x\" /* two /* nested */ */, nodes: {},)",
            "{\"a\": [1, 2.5e-3, -inf, 'c', r#\"raw \"q\"\"#, None, Some(1)], }",
            "#![enable(implicit_some)]\n(a: 1)",
            "Graph(a: [1, 2)",
            "\"open",
            "((((",
            "))))",
            "{: :,, ]",
            "é ☃ \u{0}",
            "\u{feff}Graph(a: 1)",
        ] {
            assert_eq!(parse(text).root().to_string(), text);
        }
    }

    #[test]
    fn shapes() {
        let root = parse("Graph(a: {\"k\": Link(\"n\", \"p\")}, b: [()])").root();
        let kinds: Vec<SyntaxKind> = root.descendants().map(|n| n.kind()).collect();
        assert_eq!(
            kinds,
            [ROOT, STRUCT, FIELD, MAP, ENTRY, ATOM, TUPLE, ATOM, ATOM, FIELD, LIST, TUPLE]
        );
        assert!(parse("Graph(a: 1)").errors.is_empty());
        assert!(parse("\u{feff}Graph(a: 1)").errors.is_empty());
        assert!(!parse("Graph(a: [1, 2)").errors.is_empty());
    }

    #[test]
    fn any_text_parses_without_panicking_and_keeps_every_byte() {
        let alphabet: Vec<char> = "()[]{}:,\"'\\/*#r -+.0123456789abcdefxé☃\n\t\r\u{feff}"
            .chars()
            .collect();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let len = rng.usize(0..40);
            let text: String = (0..len).map(|_| alphabet[rng.usize(..alphabet.len())]).collect();
            assert_eq!(parse(&text).root().to_string(), text, "{text:?}");
        }
        for text in ["'\\é'", "'\\é", "\"\\é\"", "r#\"é", "'é'", "/*é", "#é"] {
            assert_eq!(parse(text).root().to_string(), text);
        }
    }

    /// A sink that writes down what it is told.
    #[derive(Default, PartialEq, Debug)]
    struct Told(Vec<String>);

    impl Sink for Told {
        fn start(&mut self, kind: SyntaxKind, at: usize) {
            self.0.push(format!("start {kind:?} {at}"));
        }
        fn token(&mut self, kind: SyntaxKind, text: &str, at: usize) {
            self.0.push(format!("token {kind:?} {text:?} {at}"));
        }
        fn finish(&mut self) {
            self.0.push("finish".into());
        }
        fn error(&mut self, error: ParseError) {
            self.0.push(format!("error {error:?}"));
        }
    }

    #[test]
    fn a_replay_tells_what_the_parse_told() {
        for text in [
            "Graph(a: {\"k\": Link(\"n\", \"p\")}, /* c */ b: [(), 1.5, -2, 'c'],)",
            "#![enable(x)] (a: 1)",
            "",
            "[1, 2",
        ] {
            let mut direct = Told::default();
            parse_into(text, &mut direct);
            let mut replayed = Told::default();
            parse(text).replay(&mut replayed);
            // The replay tells the errors first; the parse where they are met.
            let errors = |t: &Told| {
                t.0.iter()
                    .filter(|e| e.starts_with("error"))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            let rest = |t: &Told| {
                t.0.iter()
                    .filter(|e| !e.starts_with("error"))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            assert_eq!(errors(&direct), errors(&replayed), "{text}");
            assert_eq!(rest(&direct), rest(&replayed), "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_one_error_node_not_a_stack_overflow() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let parse = parse(&text);
        assert_eq!(parse.root().to_string(), text);
        assert!(!parse.errors.is_empty());
    }
}
