//! A scalar token's text decoded: a string's escapes, a raw string, a character, a
//! number. The lexer has cut the text into tokens; this reads one token's characters into
//! its value, and says what is wrong with one that holds none. The parser's messages that
//! describe the text at a place ("expected `:`, found `1`") are made here too.

use crate::kind::SyntaxKind::{self, *};

/// A problem in the text: what is wrong, in words, and the bytes it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in words ("expected `,` or `]`, found `)`").
    pub message: String,
    /// The first byte it is about.
    pub start: usize,
    /// The byte after the last (`start` where it is about a place, not a character).
    pub end: usize,
}

/// A scalar token's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// An integer that fits an `i64`.
    Int(i64),
    /// A float (`1.5`, `2e3`, `-inf`, `NaN`).
    Float(f64),
    /// A string, plain or raw, its escapes decoded.
    Str(String),
    /// A character literal.
    Char(char),
}

/// The value of a scalar token known good (the parser has checked it), from its text alone;
/// `at` is its first byte, where an error would be placed.
pub fn scalar_of(kind: SyntaxKind, text: &str, at: usize) -> Result<Scalar, ParseError> {
    scalar(text, 0, text.len(), kind).map_err(|e| ParseError {
        start: e.start + at,
        end: e.end + at,
        ..e
    })
}

/// The value of the scalar token of kind `kind` at bytes `start..end` of `src`: a string,
/// raw string, character or number (or an `ERROR_TOKEN` that starts as a string or a
/// character, whose error this is). The token must be read whole: what a number token
/// holds past its number is an error of the number.
pub(crate) fn scalar(src: &str, start: usize, end: usize, kind: SyntaxKind) -> Result<Scalar, ParseError> {
    let text = &src[start..end];
    if kind == STRING && !text.contains('\\') {
        // A string without escapes is its text between the quotes.
        return Ok(Scalar::Str(text[1..text.len() - 1].to_string()));
    }
    let mut scan = Scan::at(src, start);
    let value = match kind {
        RAW_STRING => Scalar::Str(scan.raw_string()?),
        NUMBER => scan.number()?,
        _ if text.starts_with('\'') => Scalar::Char(scan.char_lit()?),
        _ => Scalar::Str(scan.string()?),
    };
    if scan.pos != end || kind == ERROR_TOKEN {
        let what = if kind == NUMBER { "number" } else { "literal" };
        return Err(scan.error_at(start, end, format!("malformed {what} `{text}`")));
    }
    Ok(value)
}

/// Whether the scalar token of kind `kind`, `text`, needs decoding to be known good (a
/// string without escapes and a short integer do not).
pub(crate) fn needs_check(kind: SyntaxKind, text: &str) -> bool {
    match kind {
        STRING => text.contains('\\'),
        // Up to 18 digits, signed or not, always fit an `i64` (as positions do).
        NUMBER => {
            let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
            !(1..=18).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit())
        }
        _ => true,
    }
}

/// The error of an `r` at byte `start` that starts no closed raw string.
pub(crate) fn raw_string_error(src: &str, start: usize) -> ParseError {
    let mut scan = Scan::at(src, start);
    match scan.raw_string() {
        Err(e) => e,
        Ok(_) => scan.error_at(start, start + 1, "this raw string is never closed"),
    }
}

/// A cursor in the text, at a token's start.
pub(crate) struct Scan<'a> {
    pub(crate) src: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
}

/// A number's text without its `_` separators (borrowed where it has none, as most have).
fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') {
        std::borrow::Cow::Owned(text.replace('_', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub(crate) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Scan<'a> {
    /// A cursor at byte `pos` of `src`.
    pub(crate) fn at(src: &'a str, pos: usize) -> Scan<'a> {
        Scan {
            src,
            bytes: src.as_bytes(),
            pos,
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos + n).copied()
    }

    pub(crate) fn char_len(&self) -> usize {
        self.src[self.pos..].chars().next().map_or(0, char::len_utf8)
    }

    pub(crate) fn describe_here(&self) -> String {
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

    pub(crate) fn error_at(&self, start: usize, end: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            start,
            end,
        }
    }

    pub(crate) fn error_here(&self, message: impl Into<String>) -> ParseError {
        let end = self.pos + self.char_len();
        self.error_at(self.pos, end, message)
    }

    pub(crate) fn expected(&self, what: &str) -> ParseError {
        self.error_here(format!("expected {what}, found {}", self.describe_here()))
    }

    pub(crate) fn ident(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        &self.src[start..self.pos]
    }

    pub(crate) fn string(&mut self) -> Result<String, ParseError> {
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

    fn escape(&mut self, at: usize) -> Result<char, ParseError> {
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

    fn hex_escape(&mut self, at: usize, len: usize) -> Result<char, ParseError> {
        let digits = self.src.get(self.pos..self.pos + len).unwrap_or("");
        if digits.len() != len || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error_at(at, self.pos, format!("expected {len} hex digits in the escape")));
        }
        self.pos += len;
        self.char_from(at, digits)
    }

    fn char_from(&self, at: usize, digits: &str) -> Result<char, ParseError> {
        u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error_at(at, self.pos, format!("`{digits}` is not a Unicode scalar value")))
    }

    pub(crate) fn raw_string(&mut self) -> Result<String, ParseError> {
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

    pub(crate) fn char_lit(&mut self) -> Result<char, ParseError> {
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

    pub(crate) fn number(&mut self) -> Result<Scalar, ParseError> {
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
                "inf" => Ok(Scalar::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY })),
                "NaN" => Ok(Scalar::Float(f64::NAN)),
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
            let digits = without_underscores(&self.src[digits_start..self.pos]);
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
        let text = without_underscores(&self.src[start..self.pos]);
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return Err(self.error_at(start, self.pos.max(start + 1), "expected a number"));
        }
        if is_float {
            let f: f64 = text
                .parse()
                .map_err(|_| self.error_at(start, self.pos, format!("malformed float `{text}`")))?;
            Ok(Scalar::Float(f))
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

    fn int_kind(&self, start: usize, n: i128) -> Result<Scalar, ParseError> {
        i64::try_from(n).map(Scalar::Int).map_err(|_| {
            self.error_at(
                start,
                self.pos,
                format!("integer `{}` does not fit in 64 bits", &self.src[start..self.pos]),
            )
        })
    }
}
