//! The lexer: text into tokens, every byte in one.

use crate::kind::SyntaxKind::{self, *};

/// Splits text into tokens: `(kind, length in bytes)`, covering every byte.
pub fn lex(text: &str) -> Vec<(SyntaxKind, usize)> {
    Lexer::new(text).collect()
}

/// The tokens of a text, one at a time: `(kind, length in bytes)`, covering every byte. A
/// copy goes on from where the original was, so a reader can look ahead and come back.
#[derive(Clone, Copy, Debug)]
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// The tokens of `text`, from its start.
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0 }
    }
}

impl Iterator for Lexer<'_> {
    type Item = (SyntaxKind, usize);

    fn next(&mut self) -> Option<(SyntaxKind, usize)> {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return None;
        }
        // A byte-order mark (as some editors write) is not part of the value.
        if start == 0 && text.starts_with('\u{feff}') {
            self.pos = 3;
            return Some((WHITESPACE, 3));
        }
        let mut pos = start;
        let b = bytes[pos];
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
                    pos += 1;
                }
                WHITESPACE
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                while pos < bytes.len() && bytes[pos] != b'\n' {
                    pos += 1;
                }
                LINE_COMMENT
            }
            b'/' if bytes.get(pos + 1) == Some(&b'*') => {
                pos += 2;
                let mut level = 1;
                while level > 0 && pos < bytes.len() {
                    if bytes[pos] == b'*' && bytes.get(pos + 1) == Some(&b'/') {
                        level -= 1;
                        pos += 2;
                    } else if bytes[pos] == b'/' && bytes.get(pos + 1) == Some(&b'*') {
                        level += 1;
                        pos += 2;
                    } else {
                        pos += 1;
                    }
                }
                if level > 0 {
                    ERROR_TOKEN
                } else {
                    BLOCK_COMMENT
                }
            }
            b'"' => {
                pos += 1;
                let mut closed = false;
                while pos < bytes.len() {
                    match bytes[pos] {
                        b'\\' => pos = (pos + 2).min(bytes.len()),
                        b'"' => {
                            pos += 1;
                            closed = true;
                            break;
                        }
                        _ => pos += 1,
                    }
                }
                if closed {
                    STRING
                } else {
                    ERROR_TOKEN
                }
            }
            b'r' if matches!(bytes.get(pos + 1), Some(b'"' | b'#')) && raw_string_len(&text[pos..]).is_some() => {
                pos += raw_string_len(&text[pos..]).unwrap_or(1);
                RAW_STRING
            }
            b'\'' => {
                pos += 1;
                // An escape runs to the closing quote (`'\u{1F600}'` is one token), within
                // the longest escape's length.
                let escaped = (bytes.get(pos) == Some(&b'\\'))
                    .then(|| {
                        let mut chars = text[pos..].char_indices().skip(2).take(10);
                        chars.find(|&(_, c)| c == '\'').map(|(at, _)| pos + at)
                    })
                    .flatten();
                match escaped {
                    Some(quote) => pos = quote,
                    None => {
                        if bytes.get(pos) == Some(&b'\\') {
                            pos += 1;
                        }
                        // One character (after a backslash, the escaped one), whole.
                        pos += text[pos..].chars().next().map_or(0, char::len_utf8);
                        pos = pos.min(bytes.len());
                    }
                }
                if bytes.get(pos) == Some(&b'\'') {
                    pos += 1;
                    CHAR
                } else {
                    ERROR_TOKEN
                }
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                pos = number_end(bytes, pos);
                NUMBER
            }
            b'#' => {
                while pos < bytes.len() && bytes[pos] != b']' {
                    pos += 1;
                }
                if pos < bytes.len() {
                    pos += 1;
                    ATTRIBUTE
                } else {
                    ERROR_TOKEN
                }
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                while pos < bytes.len() && (bytes[pos].is_ascii_alphanumeric() || bytes[pos] == b'_') {
                    pos += 1;
                }
                IDENT
            }
            b'(' => punct(&mut pos, L_PAREN),
            b')' => punct(&mut pos, R_PAREN),
            b'{' => punct(&mut pos, L_BRACE),
            b'}' => punct(&mut pos, R_BRACE),
            b'[' => punct(&mut pos, L_BRACK),
            b']' => punct(&mut pos, R_BRACK),
            b':' => punct(&mut pos, COLON),
            b',' => punct(&mut pos, COMMA),
            _ => {
                pos += text[pos..].chars().next().map_or(1, char::len_utf8);
                ERROR_TOKEN
            }
        };
        self.pos = pos;
        Some((kind, pos - start))
    }
}

/// The end of the number starting at `start`, as the scalar decoder reads one: a sign;
/// `inf`, `NaN` or another word after it (the reader's error); `0x`, `0b`, `0o` and their
/// digits; digits with `_`, a `.` and more (not a `.` before a word), an exponent. A word
/// right after a number is a token of its own, as the reader finds it.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut pos = start;
    let at = |pos: usize| bytes.get(pos).copied();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let digits = |mut pos: usize| {
        while at(pos).is_some_and(|b| b.is_ascii_digit() || b == b'_') {
            pos += 1;
        }
        pos
    };
    if matches!(at(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    if at(pos).is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') {
        while at(pos).is_some_and(word) {
            pos += 1;
        }
        return pos;
    }
    if at(pos) == Some(b'0') && matches!(at(pos + 1), Some(b'x' | b'b' | b'o')) {
        pos += 2;
        while at(pos).is_some_and(word) {
            pos += 1;
        }
        return pos;
    }
    pos = digits(pos);
    if at(pos) == Some(b'.')
        && at(pos + 1).is_none_or(|b| b.is_ascii_digit() || !(b.is_ascii_alphabetic() || b == b'_'))
    {
        pos = digits(pos + 1);
    }
    if matches!(at(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(at(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        pos = digits(pos);
    }
    pos.max(start + 1)
}

fn punct(pos: &mut usize, kind: SyntaxKind) -> SyntaxKind {
    *pos += 1;
    kind
}

/// The length of the raw string at the start of `text` (`r##"…"##`), if it is closed.
fn raw_string_len(text: &str) -> Option<usize> {
    let hashes = text[1..].bytes().take_while(|&b| b == b'#').count();
    let open = 1 + hashes;
    if text.as_bytes().get(open) != Some(&b'"') {
        return None;
    }
    let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
    text[open + 1..].find(&closing).map(|at| open + 1 + at + closing.len())
}
