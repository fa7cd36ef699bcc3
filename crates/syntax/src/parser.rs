//! The format's one parser: the lexer's tokens read as RON's grammar, told to a [`Sink`] as
//! events (a node starts, a token, the node ends, an error), as rust-analyzer's parser
//! tells its tree builder. The lossless tree (`tree.rs`) is one sink; the graph model's
//! reader (`graphrun_format::ron`) is another, which builds values without a tree. The
//! parser never stops: after an error it goes on, wrapping what it cannot read in `ERROR`
//! nodes, so every byte reaches the sink. Its first error is the one a user is shown: the
//! messages say what was expected where, in the order a reader meets them.

use crate::kind::SyntaxKind::{self, *};
use crate::kind::MAX_DEPTH;
use crate::lex::Lexer;
use crate::scalar::{needs_check, raw_string_error, scalar, ParseError, Scan};

/// What a parse is told, in the order of the text: every token once (trivia included),
/// each inside the nodes that hold it.
pub trait Sink {
    /// Whether it is told of spaces and comments (the tree is; a reader of values is not).
    const TRIVIA: bool = true;
    /// A node of `kind` starts; its first token starts at byte `at`.
    fn start(&mut self, kind: SyntaxKind, at: usize);
    /// The next token: its kind, its text and its first byte.
    fn token(&mut self, kind: SyntaxKind, text: &str, at: usize);
    /// The last started node that has not ended ends.
    fn finish(&mut self);
    /// A problem, told before the tokens it is about.
    fn error(&mut self, error: ParseError);
}

/// Parses `text` into `sink`: one `ROOT` node holding everything.
pub fn parse_into(text: &str, sink: &mut impl Sink) {
    let mut p = Parser {
        src: text,
        lexer: Lexer::new(text),
        kind: None,
        start: 0,
        end: 0,
        depth: 0,
        sink,
    };
    p.advance();
    p.sink.start(ROOT, 0);
    p.trivia();
    while matches!(p.kind, Some(ATTRIBUTE | ERROR_TOKEN) if p.text().starts_with('#')) {
        p.attribute();
        p.trivia();
    }
    match p.kind {
        None => {
            let e = p
                .scan()
                .error_here("the file is empty: expected a value such as `Graph(...)`");
            p.sink.error(e);
        }
        Some(_) => p.value(),
    }
    p.trivia();
    if p.kind.is_some() {
        let scan = p.scan();
        let e = scan.error_at(
            scan.pos,
            scan.pos + scan.char_len(),
            format!("unexpected {} after the end of the value", scan.describe_here()),
        );
        p.sink.error(e);
        p.sink.start(ERROR, p.start);
        while p.kind.is_some() {
            p.bump();
        }
        p.sink.finish();
    }
    p.sink.finish();
}

/// A cursor over the tokens: the next one (`kind`, bytes `start..end`; `None` at the end)
/// and the lexer after it, which a copy of looks ahead with.
struct Parser<'a, S> {
    src: &'a str,
    lexer: Lexer<'a>,
    kind: Option<SyntaxKind>,
    start: usize,
    end: usize,
    depth: usize,
    sink: &'a mut S,
}

impl<S: Sink> Parser<'_, S> {
    /// The next token's text.
    fn text(&self) -> &str {
        &self.src[self.start..self.end]
    }

    /// On to the next token without telling the sink.
    fn advance(&mut self) {
        self.start = self.end;
        match self.lexer.next() {
            Some((kind, len)) => {
                self.kind = Some(kind);
                self.end = self.start + len;
            }
            None => self.kind = None,
        }
    }

    /// The next token to the sink, and on.
    fn bump(&mut self) {
        if let Some(kind) = self.kind {
            self.sink.token(kind, &self.src[self.start..self.end], self.start);
        }
        self.advance();
    }

    /// The next token alone in a node of `kind`.
    fn wrap(&mut self, kind: SyntaxKind) {
        self.sink.start(kind, self.start);
        self.bump();
        self.sink.finish();
    }

    /// The scalar decoder at the next token (its messages describe the text there).
    fn scan(&self) -> Scan<'_> {
        Scan::at(self.src, self.start)
    }

    fn expected(&mut self, what: &str) {
        let e = self.scan().expected(what);
        self.sink.error(e);
    }

    /// Spaces and comments; a comment never closed (it runs to the end) is an error.
    fn trivia(&mut self) {
        loop {
            match self.kind {
                Some(kind) if kind.is_trivia() => {
                    if S::TRIVIA {
                        self.bump()
                    } else {
                        self.advance()
                    }
                }
                Some(ERROR_TOKEN) if self.text().starts_with("/*") => {
                    let e = self
                        .scan()
                        .error_at(self.start, self.start + 2, "unterminated block comment");
                    self.sink.error(e);
                    self.wrap(ERROR);
                }
                _ => return,
            }
        }
    }

    /// `#![enable(...)]`: RON extensions. Graph files need none; they are accepted and ignored.
    fn attribute(&mut self) {
        let start = self.start;
        let message = if !self.text().starts_with("#![") {
            "expected `#![` to start an attribute"
        } else if self.kind == Some(ERROR_TOKEN) {
            "unterminated attribute"
        } else {
            self.bump();
            return;
        };
        let e = self.scan().error_at(start, start + 1, message);
        self.sink.error(e);
        self.wrap(ERROR);
    }

    /// One value; takes at least one token if there is one.
    fn value(&mut self) {
        let Some(kind) = self.kind else {
            return self.expected("a value");
        };
        match kind {
            L_BRACK | L_BRACE | L_PAREN => self.nested(false),
            STRING | RAW_STRING | CHAR | NUMBER => self.atom(ATOM),
            ERROR_TOKEN if self.text().starts_with(['"', '\'']) => self.atom(ERROR),
            IDENT => {
                let word = self.text();
                // `r` before a `"` or `#` that does not make a closed raw string.
                if word == "r" && self.src[self.end..].starts_with(['"', '#']) {
                    let e = raw_string_error(self.src, self.start);
                    self.sink.error(e);
                    return self.wrap(ERROR);
                }
                let keyword = matches!(word, "true" | "false" | "inf" | "NaN");
                if !keyword && significant(self.lexer).next() == Some(L_PAREN) {
                    self.nested(true);
                } else {
                    self.wrap(ATOM);
                }
            }
            _ => {
                self.expected("a value");
                self.wrap(ERROR);
            }
        }
    }

    /// A scalar token, its value checked, in a node of `kind`.
    fn atom(&mut self, kind: SyntaxKind) {
        let token = self.kind.unwrap_or(ERROR_TOKEN);
        if needs_check(token, self.text()) {
            if let Err(e) = scalar(self.src, self.start, self.end, token) {
                self.sink.error(e);
            }
        }
        self.wrap(kind);
    }

    /// A bracketed value at its opening bracket, or at its name (`named`) before `(`.
    fn nested(&mut self, named: bool) {
        let node_start = self.start;
        let mut ahead = significant(self.lexer);
        if named {
            ahead.next(); // the `(`
        }
        let kind = match self.kind {
            Some(L_BRACK) if !named => LIST,
            Some(L_BRACE) if !named => MAP,
            _ if ahead.next() == Some(IDENT) && ahead.next() == Some(COLON) => STRUCT,
            _ => TUPLE,
        };
        if self.depth >= MAX_DEPTH {
            self.sink.start(ERROR, node_start);
            if named {
                self.bump();
                self.trivia();
            }
            let e = self
                .scan()
                .error_here(format!("values nest more than {MAX_DEPTH} levels deep"));
            self.sink.error(e);
            self.skip_balanced();
            self.sink.finish();
            return;
        }
        self.depth += 1;
        self.sink.start(kind, node_start);
        if named {
            self.bump();
            self.trivia();
        }
        let (open, close) = (self.start, self.kind.map_or(R_PAREN, closing));
        let closing_char = match close {
            R_BRACK => ']',
            R_BRACE => '}',
            _ => ')',
        };
        self.bump();
        loop {
            self.trivia();
            match self.kind {
                None => {
                    let bracket = &self.src[open..open + 1];
                    let e = self
                        .scan()
                        .error_at(open, open + 1, format!("this `{bracket}` is never closed"));
                    self.sink.error(e);
                    break;
                }
                Some(k) if k == close => {
                    self.bump();
                    break;
                }
                _ => {}
            }
            match kind {
                STRUCT => self.field(),
                MAP => self.entry(),
                _ => self.value(),
            }
            let end = self.start;
            self.trivia();
            match self.kind {
                Some(COMMA) => self.bump(),
                Some(k) if k == close => {}
                // Another item follows: the comma is missing at the end of this one.
                Some(k) if !matches!(k, R_PAREN | R_BRACK | R_BRACE) => {
                    let last = self.src[..end].chars().next_back().map_or(1, char::len_utf8);
                    let scan = self.scan();
                    let e = scan.error_at(
                        end - last,
                        end,
                        format!(
                            "expected `,` after this, before {} (or `{closing_char}`)",
                            scan.describe_here()
                        ),
                    );
                    self.sink.error(e);
                }
                other => {
                    self.expected(&format!("`,` or `{closing_char}`"));
                    if other.is_none() {
                        break;
                    }
                    self.wrap(ERROR);
                }
            }
        }
        self.sink.finish();
        self.depth -= 1;
    }

    /// `name: value` in a struct.
    fn field(&mut self) {
        self.sink.start(FIELD, self.start);
        if self.kind == Some(IDENT) {
            self.bump();
            self.colon_and_value("`:` after a field name");
        } else {
            self.expected("a field name");
            self.skip_item();
        }
        self.sink.finish();
    }

    /// `key: value` in a map.
    fn entry(&mut self) {
        self.sink.start(ENTRY, self.start);
        self.value();
        self.colon_and_value("`:` after a map key");
        self.sink.finish();
    }

    /// After a key: `: value` (`missing` names what the colon follows).
    fn colon_and_value(&mut self, missing: &str) {
        self.trivia();
        if self.kind != Some(COLON) {
            self.expected(missing);
            return self.skip_item();
        }
        self.bump();
        self.trivia();
        match self.kind {
            Some(COMMA | R_PAREN | R_BRACE | R_BRACK) | None => self.expected("a value"),
            Some(_) => self.value(),
        }
    }

    /// The rest of an item that went wrong, up to its `,` or its container's end, in an
    /// `ERROR` node, telling no more errors.
    fn skip_item(&mut self) {
        if matches!(self.kind, Some(COMMA | R_PAREN | R_BRACE | R_BRACK) | None) {
            return;
        }
        self.sink.start(ERROR, self.start);
        while let Some(kind) = self.kind {
            match kind {
                COMMA | R_PAREN | R_BRACE | R_BRACK => break,
                L_PAREN | L_BRACE | L_BRACK => self.skip_balanced(),
                _ => self.bump(),
            }
        }
        self.sink.finish();
    }

    /// A bracketed run at its opening bracket (too deep to read, or not to be read), taken
    /// whole by counting brackets without recursion.
    fn skip_balanced(&mut self) {
        let mut level = 0usize;
        while let Some(kind) = self.kind {
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

/// The kinds of the tokens `lexer` has left that are not trivia (a copy of the parser's
/// lexer: the tokens after the next one).
fn significant(lexer: Lexer<'_>) -> impl Iterator<Item = SyntaxKind> + '_ {
    lexer.map(|(kind, _)| kind).filter(|kind| !kind.is_trivia())
}

/// The bracket that closes `open`.
fn closing(open: SyntaxKind) -> SyntaxKind {
    match open {
        L_BRACK => R_BRACK,
        L_BRACE => R_BRACE,
        _ => R_PAREN,
    }
}
