//! The lossless tree: the lexer's tokens in nodes, what cannot be read in `ERROR` nodes.

use rowan::GreenNode;
use rowan::GreenNodeBuilder;

use crate::kind::SyntaxKind::{self, *};
use crate::kind::{SyntaxNode, MAX_DEPTH};
use crate::lex::lex;

/// A problem the tree's parser met (the positioned reader's messages are the ones users
/// see; these say where the tree has an `ERROR` node).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What was expected.
    pub message: String,
    /// Byte offset.
    pub at: usize,
}

/// A parsed file: its green tree and where the parser met problems.
#[derive(Clone, Debug)]
pub struct Parse {
    green: GreenNode,
    /// Problems met, in order.
    pub errors: Vec<ParseError>,
}

impl Parse {
    /// The root of the tree.
    pub fn root(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }
}

/// Parses any text into a tree whose text is `text`.
pub fn parse(text: &str) -> Parse {
    let tokens = lex(text);
    let mut offsets = Vec::with_capacity(tokens.len() + 1);
    let mut at = 0;
    for (_, len) in &tokens {
        offsets.push(at);
        at += len;
    }
    offsets.push(at);
    let mut p = Parser {
        text,
        tokens,
        offsets,
        pos: 0,
        depth: 0,
        builder: GreenNodeBuilder::new(),
        errors: Vec::new(),
    };
    p.builder.start_node(ROOT.into());
    p.trivia();
    while p.peek() == Some(ATTRIBUTE) {
        p.bump();
        p.trivia();
    }
    if p.peek().is_some() {
        p.value();
    }
    p.trivia();
    if p.peek().is_some() {
        p.error_here("unexpected text after the end of the value");
        p.builder.start_node(ERROR.into());
        while p.peek().is_some() {
            p.bump();
        }
        p.builder.finish_node();
    }
    p.builder.finish_node();
    Parse {
        green: p.builder.finish(),
        errors: p.errors,
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(SyntaxKind, usize)>,
    offsets: Vec<usize>,
    pos: usize,
    depth: usize,
    builder: GreenNodeBuilder<'static>,
    errors: Vec<ParseError>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<SyntaxKind> {
        self.tokens.get(self.pos).map(|t| t.0)
    }

    /// The next token that is not trivia, from `from`.
    fn peek_past_trivia(&self, from: usize) -> (Option<SyntaxKind>, usize) {
        let mut i = from;
        while let Some((kind, _)) = self.tokens.get(i) {
            if !kind.is_trivia() {
                return (Some(*kind), i);
            }
            i += 1;
        }
        (None, i)
    }

    fn bump(&mut self) {
        let (kind, len) = self.tokens[self.pos];
        let start = self.offsets[self.pos];
        self.builder.token(kind.into(), &self.text[start..start + len]);
        self.pos += 1;
    }

    fn trivia(&mut self) {
        while self.peek().is_some_and(SyntaxKind::is_trivia) {
            self.bump();
        }
    }

    fn error_here(&mut self, message: &str) {
        let at = self.offsets[self.pos.min(self.offsets.len() - 1)];
        self.errors.push(ParseError {
            message: message.to_string(),
            at,
        });
    }

    /// One value; consumes at least one token if there is one.
    fn value(&mut self) {
        let Some(kind) = self.peek() else {
            self.error_here("expected a value");
            return;
        };
        match kind {
            L_BRACK | L_BRACE | L_PAREN => self.nested(None),
            IDENT => {
                let word = self.token_text(self.pos);
                let (next, _) = self.peek_past_trivia(self.pos + 1);
                if next == Some(L_PAREN) && !matches!(word, "true" | "false" | "inf" | "NaN") {
                    let checkpoint = self.builder.checkpoint();
                    self.bump();
                    self.trivia();
                    self.nested(Some(checkpoint));
                } else {
                    self.atom();
                }
            }
            STRING | RAW_STRING | CHAR | NUMBER => self.atom(),
            _ => {
                self.error_here("expected a value");
                self.builder.start_node(ERROR.into());
                self.bump();
                self.builder.finish_node();
            }
        }
    }

    fn token_text(&self, i: usize) -> &str {
        let start = self.offsets[i];
        &self.text[start..start + self.tokens[i].1]
    }

    fn atom(&mut self) {
        self.builder.start_node(ATOM.into());
        self.bump();
        self.builder.finish_node();
    }

    /// A bracketed value at an opening bracket; `named` is the checkpoint before a struct or
    /// tuple name already consumed.
    fn nested(&mut self, named: Option<rowan::Checkpoint>) {
        let open = self.peek();
        let checkpoint = named.unwrap_or_else(|| self.builder.checkpoint());
        if self.depth >= MAX_DEPTH {
            self.error_here("values nest too deeply");
            self.builder.start_node_at(checkpoint, ERROR.into());
            self.skip_balanced();
            self.builder.finish_node();
            return;
        }
        let (kind, close) = match open {
            Some(L_BRACK) => (LIST, R_BRACK),
            Some(L_BRACE) => (MAP, R_BRACE),
            _ => {
                let (first, at) = self.peek_past_trivia(self.pos + 1);
                let (second, _) = self.peek_past_trivia(at + 1);
                let kind = if first == Some(IDENT) && second == Some(COLON) {
                    STRUCT
                } else {
                    TUPLE
                };
                (kind, R_PAREN)
            }
        };
        self.depth += 1;
        self.builder.start_node_at(checkpoint, kind.into());
        self.bump();
        loop {
            self.trivia();
            match self.peek() {
                None => {
                    self.error_here("a bracket is never closed");
                    break;
                }
                Some(k) if k == close => {
                    self.bump();
                    break;
                }
                Some(R_PAREN | R_BRACE | R_BRACK) => {
                    self.error_here("mismatched closing bracket");
                    self.builder.start_node(ERROR.into());
                    self.bump();
                    self.builder.finish_node();
                    continue;
                }
                Some(COMMA) => {
                    self.error_here("expected an item before `,`");
                    self.bump();
                    continue;
                }
                _ => {}
            }
            match kind {
                STRUCT => self.pair(FIELD),
                MAP => self.pair(ENTRY),
                _ => self.value(),
            }
            self.trivia();
            match self.peek() {
                Some(COMMA) => self.bump(),
                Some(k) if k == close => {}
                None => {}
                _ => self.error_here("expected `,`"),
            }
        }
        self.builder.finish_node();
        self.depth -= 1;
    }

    /// `key: value` (a field name or a map key).
    fn pair(&mut self, kind: SyntaxKind) {
        self.builder.start_node(kind.into());
        if kind == FIELD && self.peek() == Some(IDENT) {
            self.bump();
        } else {
            self.value();
        }
        let (next, _) = self.peek_past_trivia(self.pos);
        if next == Some(COLON) {
            self.trivia();
            self.bump();
            self.trivia();
            if !matches!(self.peek(), Some(COMMA | R_PAREN | R_BRACE | R_BRACK) | None) {
                self.value();
            } else {
                self.error_here("expected a value after `:`");
            }
        } else {
            self.error_here("expected `:`");
        }
        self.builder.finish_node();
    }

    /// Skips a bracketed run (too deep to read), counting brackets without recursion.
    fn skip_balanced(&mut self) {
        let mut level = 0usize;
        while let Some(kind) = self.peek() {
            self.bump();
            match kind {
                L_PAREN | L_BRACE | L_BRACK => level += 1,
                R_PAREN | R_BRACE | R_BRACK => {
                    level = level.saturating_sub(1);
                    if level == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn deep_nesting_is_one_error_node_not_a_stack_overflow() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let parse = parse(&text);
        assert_eq!(parse.root().to_string(), text);
        assert!(!parse.errors.is_empty());
    }
}
