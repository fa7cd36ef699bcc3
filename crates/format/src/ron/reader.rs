//! The positioned reader: the lexer's tokens (`graphrun_syntax::lex`, the tokens the
//! syntax tree is made of) read into a [`Value`] with spans, failing at the first error
//! with a message that says what was expected where.

use graphrun_syntax::{Lexer, SyntaxKind, MAX_DEPTH};

use crate::ron::scalar::Scan;
use crate::ron::value::{Kind, SyntaxError, Value};
use crate::source::{Span, Spanned};

use SyntaxKind::*;

/// Parses one RON value (the whole text, with comments and `#![enable(..)]` attributes).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    // A byte-order mark is the loader's to take off (the lexer takes it as a space); RON
    // has none.
    if text.starts_with('\u{feff}') {
        return Err(Scan::at(text, 0).expected("a value"));
    }
    let mut p = Reader {
        src: text,
        lexer: Lexer::new(text),
        kind: None,
        start: 0,
        end: 0,
        depth: 0,
    };
    p.bump();
    p.skip_trivia()?;
    while matches!(p.peek(), Some(ATTRIBUTE | ERROR_TOKEN) if p.text().starts_with('#')) {
        p.attribute()?;
        p.skip_trivia()?;
    }
    if p.peek().is_none() {
        return Err(p
            .scan()
            .error_here("the file is empty: expected a value such as `Graph(...)`"));
    }
    let value = p.value()?;
    p.skip_trivia()?;
    if p.peek().is_some() {
        let scan = p.scan();
        return Err(scan.error_at(
            scan.pos,
            scan.pos + scan.char_len(),
            format!("unexpected {} after the end of the value", scan.describe_here()),
        ));
    }
    Ok(value)
}

/// A cursor over the tokens: the next one, and the lexer after it.
#[derive(Clone, Copy)]
struct Reader<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// The next token (`None` at the end of the text), from byte `start` to `end`.
    kind: Option<SyntaxKind>,
    start: usize,
    end: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<SyntaxKind> {
        self.kind
    }

    /// The next token's first byte (the end of the text after the last).
    fn pos(&self) -> usize {
        self.start
    }

    /// The next token's text.
    fn text(&self) -> &'a str {
        &self.src[self.start..self.end]
    }

    /// The scalar decoder, at the next token (its messages describe the text there).
    fn scan(&self) -> Scan<'a> {
        Scan::at(self.src, self.pos())
    }

    fn expected(&self, what: &str) -> SyntaxError {
        self.scan().expected(what)
    }

    /// On to the token after the next.
    fn bump(&mut self) {
        self.start = self.end;
        match self.lexer.next() {
            Some((kind, len)) => {
                self.kind = Some(kind);
                self.end = self.start + len;
            }
            None => self.kind = None,
        }
    }

    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek() {
                Some(WHITESPACE | LINE_COMMENT | BLOCK_COMMENT) => self.bump(),
                Some(ERROR_TOKEN) if self.text().starts_with("/*") => {
                    let start = self.pos();
                    return Err(self.scan().error_at(start, start + 2, "unterminated block comment"));
                }
                _ => return Ok(()),
            }
        }
    }

    /// `#![enable(...)]`: RON extensions. Graph files need none; they are accepted and ignored.
    fn attribute(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos();
        if !self.text().starts_with("#![") {
            return Err(self
                .scan()
                .error_at(start, start + 1, "expected `#![` to start an attribute"));
        }
        if self.peek() == Some(ERROR_TOKEN) {
            return Err(self.scan().error_at(start, start + 1, "unterminated attribute"));
        }
        self.bump();
        Ok(())
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos();
        let Some(kind) = self.peek() else {
            return Err(self.expected("a value"));
        };
        let kind = match kind {
            L_BRACK => self.nested(|p| p.list())?,
            L_BRACE => self.nested(|p| p.map())?,
            L_PAREN => self.nested(|p| p.paren(None))?,
            STRING | RAW_STRING | CHAR | NUMBER => self.scalar(kind)?,
            ERROR_TOKEN if self.text().starts_with(['"', '\'']) => self.scalar(kind)?,
            IDENT => {
                let ident = self.text();
                let ident_span = Span::new(start, start + ident.len());
                // `r` before a `"` or `#` that does not make a closed raw string.
                if ident == "r" && self.src[ident_span.end as usize..].starts_with(['"', '#']) {
                    return Err(self.raw_string_error(start));
                }
                self.bump();
                match ident {
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    "inf" => Kind::Float(f64::INFINITY),
                    "NaN" => Kind::Float(f64::NAN),
                    _ => {
                        let name = Spanned::new(ident.to_string(), ident_span);
                        let save = *self;
                        self.skip_trivia()?;
                        if self.peek() == Some(L_PAREN) {
                            self.nested(|p| p.paren(Some(name)))?
                        } else {
                            *self = save;
                            Kind::Ident(name.value)
                        }
                    }
                }
            }
            _ => return Err(self.expected("a value")),
        };
        Ok(Value {
            kind,
            span: Span::new(start, self.pos()),
        })
    }

    /// A string, raw string, character or number token decoded. The token must be read
    /// whole: what a number token holds past its number is an error of the number.
    fn scalar(&mut self, kind: SyntaxKind) -> Result<Kind, SyntaxError> {
        let (start, text) = (self.pos(), self.text());
        let end = start + text.len();
        let value = if kind == STRING && !text.contains('\\') {
            // A string without escapes is its text between the quotes.
            Kind::Str(text[1..text.len() - 1].to_string())
        } else {
            let mut scan = self.scan();
            let value = match kind {
                RAW_STRING => Kind::Str(scan.raw_string()?),
                NUMBER => scan.number()?,
                _ if text.starts_with('\'') => Kind::Char(scan.char_lit()?),
                _ => Kind::Str(scan.string()?),
            };
            if scan.pos != end {
                let what = if kind == NUMBER { "number" } else { "literal" };
                return Err(scan.error_at(start, end, format!("malformed {what} `{}`", &self.src[start..end])));
            }
            value
        };
        self.bump();
        Ok(value)
    }

    /// The error of an `r` that starts no closed raw string.
    fn raw_string_error(&self, start: usize) -> SyntaxError {
        let mut scan = self.scan();
        match scan.raw_string() {
            Err(e) => e,
            Ok(_) => scan.error_at(start, start + 1, "this raw string is never closed"),
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Kind, SyntaxError>) -> Result<Kind, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return Err(self
                .scan()
                .error_here(format!("values nest more than {MAX_DEPTH} levels deep")));
        }
        self.depth += 1;
        let kind = f(self);
        self.depth -= 1;
        kind
    }

    /// Reads the items of `[..]`, `{..}` or `(..)` separated by commas, a trailing comma
    /// allowed, after the opening bracket (at byte `open`) has been read.
    fn items(
        &mut self,
        open: usize,
        close: SyntaxKind,
        mut item: impl FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        let closing = match close {
            R_BRACK => ']',
            R_BRACE => '}',
            _ => ')',
        };
        loop {
            self.skip_trivia()?;
            match self.peek() {
                Some(k) if k == close => {
                    self.bump();
                    return Ok(());
                }
                None => {
                    return Err(self.scan().error_at(
                        open,
                        open + 1,
                        format!("this `{}` is never closed", &self.src[open..open + 1]),
                    ))
                }
                _ => {}
            }
            item(self)?;
            let end = self.pos();
            self.skip_trivia()?;
            match self.peek() {
                Some(COMMA) => self.bump(),
                Some(k) if k == close => {}
                // Another item follows: the comma is missing at the end of this one.
                Some(k) if !matches!(k, R_PAREN | R_BRACK | R_BRACE) => {
                    let last = self.src[..end].chars().next_back().map_or(1, char::len_utf8);
                    return Err(self.scan().error_at(
                        end - last,
                        end,
                        format!(
                            "expected `,` after this, before {} (or `{closing}`)",
                            self.scan().describe_here()
                        ),
                    ));
                }
                _ => return Err(self.expected(&format!("`,` or `{closing}`"))),
            }
        }
    }

    fn list(&mut self) -> Result<Kind, SyntaxError> {
        let open = self.pos();
        self.bump();
        let mut items = Vec::new();
        self.items(open, R_BRACK, |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Kind::List(items))
    }

    fn map(&mut self) -> Result<Kind, SyntaxError> {
        let open = self.pos();
        self.bump();
        let mut entries = Vec::new();
        self.items(open, R_BRACE, |p| {
            let key = p.value()?;
            p.skip_trivia()?;
            if p.peek() != Some(COLON) {
                return Err(p.expected("`:` after a map key"));
            }
            p.bump();
            p.skip_trivia()?;
            let value = p.value()?;
            entries.push((key, value));
            Ok(())
        })?;
        Ok(Kind::Map(entries))
    }

    /// After `(` (and an optional name): a struct if the first item is `ident:`, else a tuple.
    fn paren(&mut self, name: Option<Spanned<String>>) -> Result<Kind, SyntaxError> {
        let open = self.pos();
        self.bump();
        self.skip_trivia()?;
        if self.peek() == Some(R_PAREN) && name.is_none() {
            self.bump();
            return Ok(Kind::Unit);
        }
        if self.looks_like_field() {
            let mut fields = Vec::new();
            self.items(open, R_PAREN, |p| {
                if p.peek() != Some(IDENT) {
                    return Err(p.expected("a field name"));
                }
                let start = p.pos();
                let field = Spanned::new(p.text().to_string(), Span::new(start, start + p.text().len()));
                p.bump();
                p.skip_trivia()?;
                if p.peek() != Some(COLON) {
                    return Err(p.expected("`:` after a field name"));
                }
                p.bump();
                p.skip_trivia()?;
                fields.push((field, p.value()?));
                Ok(())
            })?;
            Ok(Kind::Struct { name, fields })
        } else {
            let mut items = Vec::new();
            self.items(open, R_PAREN, |p| {
                items.push(p.value()?);
                Ok(())
            })?;
            Ok(Kind::Tuple { name, items })
        }
    }

    /// Whether the next tokens are `ident :` (trivia between them skipped).
    fn looks_like_field(&self) -> bool {
        if self.peek() != Some(IDENT) {
            return false;
        }
        let mut ahead = self.lexer;
        let next = ahead.find(|(k, _)| !matches!(k, WHITESPACE | LINE_COMMENT | BLOCK_COMMENT));
        next.is_some_and(|(k, _)| k == COLON)
    }
}
