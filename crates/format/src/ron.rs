//! A small RON reader that keeps positions. The `ron` crate reports positions only for its
//! own syntax errors (serde has no spans), so graph files are read here into a tree of
//! [`Value`]s, each with the [`Span`] it was written at; the typed model is read from it.

use crate::source::{Span, Spanned};

/// How deeply lists, maps and structs may nest before the file is refused. Graph files
/// need a handful of levels; the limit keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 128;

/// A RON value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// What was written.
    pub kind: Kind,
    /// Where: from its first to its last character.
    pub span: Span,
}

/// The kinds of RON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits an `i64`.
    Int(i64),
    /// A float (`1.5`, `2e3`, `inf`, `NaN`).
    Float(f64),
    /// A string (plain or raw).
    Str(String),
    /// A character literal (`'a'`).
    Char(char),
    /// `[a, b]`.
    List(Vec<Value>),
    /// `{k: v}`; keys in the order written, duplicates kept so the checker can name them.
    Map(Vec<(Value, Value)>),
    /// `Name(field: v)` or `(field: v)`.
    Struct {
        /// The struct name, if written.
        name: Option<Spanned<String>>,
        /// Fields in the order written.
        fields: Vec<(Spanned<String>, Value)>,
    },
    /// `Name(a, b)`, `(a, b)` or `Name()`.
    Tuple {
        /// The tuple name, if written.
        name: Option<Spanned<String>>,
        /// Items in order.
        items: Vec<Value>,
    },
    /// A bare identifier: a unit struct or enum variant such as `Int` or `None`.
    Ident(String),
    /// `()`.
    Unit,
}

impl Value {
    /// Moves every span in the value by `by` bytes (an imported file's spans start at its
    /// part's base offset).
    pub fn shift(&mut self, by: u32) {
        fn span(s: &mut Span, by: u32) {
            s.start += by;
            s.end += by;
        }
        span(&mut self.span, by);
        match &mut self.kind {
            Kind::List(items) => items.iter_mut().for_each(|v| v.shift(by)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.shift(by);
                v.shift(by);
            }),
            Kind::Struct { name, fields } => {
                if let Some(n) = name {
                    span(&mut n.span, by);
                }
                for (k, v) in fields {
                    span(&mut k.span, by);
                    v.shift(by);
                }
            }
            Kind::Tuple { name, items } => {
                if let Some(n) = name {
                    span(&mut n.span, by);
                }
                items.iter_mut().for_each(|v| v.shift(by));
            }
            _ => {}
        }
    }
}

impl Kind {
    /// A word for the kind, for messages ("expected a string, found a list").
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Bool(_) => "a bool",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Str(_) => "a string",
            Kind::Char(_) => "a char",
            Kind::List(_) => "a list",
            Kind::Map(_) => "a map",
            Kind::Struct { .. } => "a struct",
            Kind::Tuple { .. } => "a tuple",
            Kind::Ident(_) => "an identifier",
            Kind::Unit => "`()`",
        }
    }
}

/// A syntax error: what was wrong and where.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// What is wrong, in words.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// A string written as a RON string literal (`"…"` with escapes).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses one RON value (the whole text, with comments and `#![enable(..)]` attributes).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut p = Parser {
        src: text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.skip_trivia()?;
    while p.peek() == Some(b'#') {
        p.attribute()?;
        p.skip_trivia()?;
    }
    if p.pos >= p.bytes.len() {
        return Err(p.error_here("the file is empty: expected a value such as `Graph(...)`"));
    }
    let value = p.value()?;
    p.skip_trivia()?;
    if p.pos < p.bytes.len() {
        return Err(p.error_at(
            p.pos,
            p.pos + p.char_len(),
            format!("unexpected {} after the end of the value", p.describe_here()),
        ));
    }
    Ok(value)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos + n).copied()
    }

    fn char_len(&self) -> usize {
        self.src[self.pos..].chars().next().map_or(0, char::len_utf8)
    }

    fn describe_here(&self) -> String {
        match self.src[self.pos..].chars().next() {
            None => "end of file".to_string(),
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                let word: String = self.src[self.pos..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(40)
                    .collect();
                format!("`{word}`")
            }
            Some(c) if c.is_control() => format!("character {:?}", c),
            Some(c) => format!("`{c}`"),
        }
    }

    fn error_at(&self, start: usize, end: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            span: Span::new(start, end),
        }
    }

    fn error_here(&self, message: impl Into<String>) -> SyntaxError {
        let end = self.pos + self.char_len();
        self.error_at(self.pos, end, message)
    }

    fn expected(&self, what: &str) -> SyntaxError {
        self.error_here(format!("expected {what}, found {}", self.describe_here()))
    }

    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    while let Some(b) = self.peek() {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    let start = self.pos;
                    self.pos += 2;
                    let mut level = 1;
                    while level > 0 {
                        match (self.peek(), self.peek_at(1)) {
                            (None, _) => return Err(self.error_at(start, start + 2, "unterminated block comment")),
                            (Some(b'*'), Some(b'/')) => {
                                level -= 1;
                                self.pos += 2;
                            }
                            (Some(b'/'), Some(b'*')) => {
                                level += 1;
                                self.pos += 2;
                            }
                            _ => self.pos += 1,
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// `#![enable(...)]`: RON extensions. Graph files need none; they are accepted and ignored.
    fn attribute(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        if self.peek() != Some(b'!') || self.peek_at(1) != Some(b'[') {
            return Err(self.error_at(start, start + 1, "expected `#![` to start an attribute"));
        }
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b']' {
                return Ok(());
            }
        }
        Err(self.error_at(start, start + 1, "unterminated attribute"))
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.expected("a value"));
        };
        let kind = match b {
            b'[' => self.nested(|p| p.list())?,
            b'{' => self.nested(|p| p.map())?,
            b'(' => self.nested(|p| p.paren(None))?,
            b'"' => Kind::Str(self.string()?),
            b'\'' => Kind::Char(self.char_lit()?),
            b'r' if matches!(self.peek_at(1), Some(b'"' | b'#')) => Kind::Str(self.raw_string()?),
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number()?,
            b if is_ident_start(b) => {
                let ident = self.ident();
                let ident_span = Span::new(start, self.pos);
                match ident {
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    "inf" => Kind::Float(f64::INFINITY),
                    "NaN" => Kind::Float(f64::NAN),
                    _ => {
                        let name = Spanned::new(ident.to_string(), ident_span);
                        let save = self.pos;
                        self.skip_trivia()?;
                        if self.peek() == Some(b'(') {
                            self.nested(|p| p.paren(Some(name)))?
                        } else {
                            self.pos = save;
                            Kind::Ident(name.value)
                        }
                    }
                }
            }
            _ => return Err(self.expected("a value")),
        };
        Ok(Value {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Kind, SyntaxError>) -> Result<Kind, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_here(format!("values nest more than {MAX_DEPTH} levels deep")));
        }
        self.depth += 1;
        let kind = f(self);
        self.depth -= 1;
        kind
    }

    fn ident(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        &self.src[start..self.pos]
    }

    /// Parses the items of `[..]`, `{..}` or `(..)` separated by commas, a trailing comma
    /// allowed, after the opening bracket has been consumed.
    fn items(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        let open = self.pos - 1;
        loop {
            self.skip_trivia()?;
            match self.peek() {
                Some(b) if b == close => {
                    self.pos += 1;
                    return Ok(());
                }
                None => {
                    return Err(self.error_at(
                        open,
                        open + 1,
                        format!("this `{}` is never closed", self.bytes[open] as char),
                    ))
                }
                _ => {}
            }
            item(self)?;
            let end = self.pos;
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b) if b == close => {}
                // Another item follows: the comma is missing at the end of this one.
                Some(b) if !matches!(b, b')' | b']' | b'}') => {
                    let last = self.src[..end].chars().next_back().map_or(1, char::len_utf8);
                    return Err(self.error_at(
                        end - last,
                        end,
                        format!(
                            "expected `,` after this, before {} (or `{}`)",
                            self.describe_here(),
                            close as char
                        ),
                    ));
                }
                _ => return Err(self.expected(&format!("`,` or `{}`", close as char))),
            }
        }
    }

    fn list(&mut self) -> Result<Kind, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.items(b']', |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Kind::List(items))
    }

    fn map(&mut self) -> Result<Kind, SyntaxError> {
        self.pos += 1;
        let mut entries = Vec::new();
        self.items(b'}', |p| {
            let key = p.value()?;
            p.skip_trivia()?;
            if p.peek() != Some(b':') {
                return Err(p.expected("`:` after a map key"));
            }
            p.pos += 1;
            p.skip_trivia()?;
            let value = p.value()?;
            entries.push((key, value));
            Ok(())
        })?;
        Ok(Kind::Map(entries))
    }

    /// After `(` (and an optional name): a struct if the first item is `ident:`, else a tuple.
    fn paren(&mut self, name: Option<Spanned<String>>) -> Result<Kind, SyntaxError> {
        self.pos += 1;
        self.skip_trivia()?;
        if self.peek() == Some(b')') && name.is_none() {
            self.pos += 1;
            return Ok(Kind::Unit);
        }
        if self.looks_like_field() {
            let mut fields = Vec::new();
            self.items(b')', |p| {
                let start = p.pos;
                if !p.peek().is_some_and(is_ident_start) {
                    return Err(p.expected("a field name"));
                }
                let field = p.ident().to_string();
                let field = Spanned::new(field, Span::new(start, p.pos));
                p.skip_trivia()?;
                if p.peek() != Some(b':') {
                    return Err(p.expected("`:` after a field name"));
                }
                p.pos += 1;
                p.skip_trivia()?;
                fields.push((field, p.value()?));
                Ok(())
            })?;
            Ok(Kind::Struct { name, fields })
        } else {
            let mut items = Vec::new();
            self.items(b')', |p| {
                items.push(p.value()?);
                Ok(())
            })?;
            Ok(Kind::Tuple { name, items })
        }
    }

    fn looks_like_field(&mut self) -> bool {
        let save = self.pos;
        let result = if self.peek().is_some_and(is_ident_start) {
            self.ident();
            self.skip_trivia().is_ok() && self.peek() == Some(b':')
        } else {
            false
        };
        self.pos = save;
        result
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err(self.error_at(start, start + 1, "this string is never closed"));
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape(at)?),
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self, at: usize) -> Result<char, SyntaxError> {
        let Some(c) = self.src[self.pos..].chars().next() else {
            return Err(self.error_at(at, at + 1, "unfinished escape sequence"));
        };
        self.pos += c.len_utf8();
        Ok(match c {
            '"' => '"',
            '\'' => '\'',
            '\\' => '\\',
            '/' => '/',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '0' => '\0',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'x' => self.hex_escape(at, 2)?,
            'u' if self.peek() == Some(b'{') => {
                self.pos += 1;
                let digits_start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let digits = &self.src[digits_start..self.pos];
                if self.peek() != Some(b'}') || digits.is_empty() || digits.len() > 6 {
                    return Err(self.error_at(at, self.pos, "malformed `\\u{...}` escape"));
                }
                self.pos += 1;
                self.char_from(at, digits)?
            }
            'u' => self.hex_escape(at, 4)?,
            other => return Err(self.error_at(at, self.pos, format!("unknown escape sequence `\\{other}`"))),
        })
    }

    fn hex_escape(&mut self, at: usize, len: usize) -> Result<char, SyntaxError> {
        let digits = self.src.get(self.pos..self.pos + len).unwrap_or("");
        if digits.len() != len || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error_at(at, self.pos, format!("expected {len} hex digits in the escape")));
        }
        self.pos += len;
        self.char_from(at, digits)
    }

    fn char_from(&self, at: usize, digits: &str) -> Result<char, SyntaxError> {
        u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error_at(at, self.pos, format!("`{digits}` is not a Unicode scalar value")))
    }

    fn raw_string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        if self.peek() != Some(b'"') {
            return Err(self.expected("`\"` to open a raw string"));
        }
        self.pos += 1;
        let body_start = self.pos;
        let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
        match self.src[body_start..].find(&closing) {
            Some(len) => {
                self.pos = body_start + len + closing.len();
                Ok(self.src[body_start..body_start + len].to_string())
            }
            None => Err(self.error_at(start, start + 1, "this raw string is never closed")),
        }
    }

    fn char_lit(&mut self) -> Result<char, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let c = match self.src[self.pos..].chars().next() {
            Some('\\') => {
                let at = self.pos;
                self.pos += 1;
                self.escape(at)?
            }
            Some('\'') | None => return Err(self.error_at(start, self.pos, "empty character literal")),
            Some(c) => {
                self.pos += c.len_utf8();
                c
            }
        };
        if self.peek() != Some(b'\'') {
            return Err(self.error_at(start, self.pos, "this character literal is never closed"));
        }
        self.pos += 1;
        Ok(c)
    }

    fn number(&mut self) -> Result<Kind, SyntaxError> {
        let start = self.pos;
        let negative = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b'+') => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        if self.peek().is_some_and(is_ident_start) {
            let word = self.ident();
            return match word {
                "inf" => Ok(Kind::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY })),
                "NaN" => Ok(Kind::Float(f64::NAN)),
                _ => Err(self.error_at(
                    start,
                    self.pos,
                    format!("expected a number, found `{}`", &self.src[start..self.pos]),
                )),
            };
        }
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some(b'0'), Some(b'x')) => 16,
            (Some(b'0'), Some(b'b')) => 2,
            (Some(b'0'), Some(b'o')) => 8,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            let digits_start = self.pos;
            while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                self.pos += 1;
            }
            let digits: String = self.src[digits_start..self.pos].chars().filter(|&c| c != '_').collect();
            let magnitude = i128::from_str_radix(&digits, radix)
                .map_err(|_| self.error_at(start, self.pos, format!("malformed base-{radix} integer")))?;
            return self.int_kind(start, if negative { -magnitude } else { magnitude });
        }
        let mut is_float = false;
        self.digits();
        if self.peek() == Some(b'.') && self.peek_at(1).is_none_or(|b| b.is_ascii_digit() || !is_ident_start(b)) {
            is_float = true;
            self.pos += 1;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.expected("digits in the exponent"));
            }
            self.digits();
        }
        let text: String = self.src[start..self.pos].chars().filter(|&c| c != '_').collect();
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return Err(self.error_at(start, self.pos.max(start + 1), "expected a number"));
        }
        if is_float {
            let f: f64 = text
                .parse()
                .map_err(|_| self.error_at(start, self.pos, format!("malformed float `{text}`")))?;
            Ok(Kind::Float(f))
        } else {
            let n: i128 = text
                .parse()
                .map_err(|_| self.error_at(start, self.pos, format!("integer `{text}` is too large")))?;
            self.int_kind(start, n)
        }
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit() || b == b'_') {
            self.pos += 1;
        }
    }

    fn int_kind(&self, start: usize, n: i128) -> Result<Kind, SyntaxError> {
        i64::try_from(n).map(Kind::Int).map_err(|_| {
            self.error_at(
                start,
                self.pos,
                format!("integer `{}` does not fit in 64 bits", &self.src[start..self.pos]),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Kind {
        parse(text).unwrap().kind
    }

    #[test]
    fn scalars() {
        assert_eq!(kind("true"), Kind::Bool(true));
        assert_eq!(kind(" -42 "), Kind::Int(-42));
        assert_eq!(kind("1_000"), Kind::Int(1000));
        assert_eq!(kind("0x1F"), Kind::Int(31));
        assert_eq!(kind("2.5"), Kind::Float(2.5));
        assert_eq!(kind("1e3"), Kind::Float(1000.0));
        assert_eq!(kind("-inf"), Kind::Float(f64::NEG_INFINITY));
        assert_eq!(kind(r#""a\n\"b\" \u{1F600}""#), Kind::Str("a\n\"b\" \u{1F600}".into()));
        assert_eq!(kind(r##"r#"raw "x""#"##), Kind::Str("raw \"x\"".into()));
        assert_eq!(kind("'c'"), Kind::Char('c'));
        assert_eq!(kind("()"), Kind::Unit);
        assert_eq!(kind("None"), Kind::Ident("None".into()));
    }

    #[test]
    fn structures_keep_spans() {
        let text = "Graph(a: [1, 2], b: {\"k\": Link(\"n\", \"p\")}, /* c */ c: (x: 1),)";
        let v = parse(text).unwrap();
        let Kind::Struct { name, fields } = v.kind else {
            panic!("not a struct")
        };
        assert_eq!(name.unwrap().value, "Graph");
        assert_eq!(fields.len(), 3);
        let (b, map) = &fields[1];
        assert_eq!(&text[b.span.start as usize..b.span.end as usize], "b");
        let Kind::Map(entries) = &map.kind else {
            panic!("not a map")
        };
        let link = &entries[0].1;
        assert_eq!(
            &text[link.span.start as usize..link.span.end as usize],
            "Link(\"n\", \"p\")"
        );
        assert!(matches!(&link.kind, Kind::Tuple { items, .. } if items.len() == 2));
    }

    #[test]
    fn a_missing_comma_is_reported_at_the_end_of_the_item_before_it() {
        let text = "{\n  \"a\": (x: 1)\n  \"b\": 2,\n}";
        let err = parse(text).unwrap_err();
        assert_eq!(&text[err.span.start as usize..err.span.end as usize], ")");
        assert_eq!(err.message, "expected `,` after this, before `\"` (or `}`)");
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("Graph(a: [1, 2)").unwrap_err();
        assert_eq!(err.span.start, 14);
        assert!(err.message.contains("expected `,` or `]`"), "{}", err.message);
        let err = parse("\"open").unwrap_err();
        assert_eq!(err.span.start, 0);
        let err = parse("99999999999999999999").unwrap_err();
        assert!(err.message.contains("64 bits"));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("nest"));
        assert!(parse("1 2").unwrap_err().message.contains("after the end"));
    }
}
