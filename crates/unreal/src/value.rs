//! A property's value as T3D writes it: a quoted string, a bare token (a number, a name,
//! an object path in one of its quotings, `NSLOCTEXT(…)`), or a parenthesised group of
//! items, each `Key=Value` or a value alone (`LinkedTo=(Node PinId,Node PinId,)`).

use crate::{Error, Pos, MAX_DEPTH};

/// One value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A quoted string, unescaped.
    Str(String),
    /// A bare token as written (quotes inside it kept).
    Bare(String),
    /// `(…)`: its items, each with its key where written `Key=Value`.
    Group(Vec<(Option<String>, Value)>),
}

impl Value {
    /// The field `key` of a group.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Group(items) => items.iter().find(|(k, _)| k.as_deref() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string or a bare token; a `NSLOCTEXT("ns", "key", "text")`,
    /// `LOCTEXT(…)` or `INVTEXT("text")` gives its text.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Bare(b) => {
                let localized = ["NSLOCTEXT(", "LOCTEXT(", "INVTEXT(", "LOCGEN_NUMBER("]
                    .iter()
                    .any(|p| b.starts_with(p));
                if localized {
                    // The last quoted string inside is the text shown.
                    let inner = b.split_once('(').map_or("", |(_, r)| r).trim_end_matches(')');
                    let mut last = None;
                    let mut p = Parser::new(inner, Pos::default());
                    while p.i < p.s.len() {
                        if p.peek() == Some('"') {
                            last = p.string().ok();
                        } else {
                            p.bump();
                        }
                    }
                    last
                } else {
                    Some(b.clone())
                }
            }
            Value::Group(_) => None,
        }
    }

    /// An object path, whichever of Unreal's quotings it is written in
    /// (`Class'/Script/Engine.Actor'`, `Class'"/Script/Engine.Actor"'`,
    /// `/Script/CoreUObject.Class'"/Script/Engine.Actor"'`,
    /// `"/Script/CoreUObject.Class'/Script/Engine.Actor'"`): `/Script/Engine.Actor`.
    /// `None` for `None` and for groups.
    pub fn path(&self) -> Option<String> {
        let text = match self {
            Value::Str(s) => s.as_str(),
            Value::Bare(b) => b.as_str(),
            Value::Group(_) => return None,
        };
        path(text)
    }
}

/// The object path in `text` (see [`Value::path`]).
pub(crate) fn path(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = match (text.find('\''), text.rfind('\'')) {
        (Some(a), Some(b)) if b > a => &text[a + 1..b],
        _ => text,
    };
    let inner = inner.trim_matches('"');
    (!inner.is_empty() && inner != "None").then(|| inner.to_string())
}

/// Reads values from one line's text.
pub(crate) struct Parser<'s> {
    pub(crate) s: &'s str,
    pub(crate) i: usize,
    /// Where `s` starts.
    at: Pos,
}

impl<'s> Parser<'s> {
    pub(crate) fn new(s: &'s str, at: Pos) -> Parser<'s> {
        Parser { s, i: 0, at }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        Some(c)
    }

    /// Where the parser is.
    pub(crate) fn pos(&self) -> Pos {
        Pos {
            line: self.at.line,
            col: self.at.col + self.s[..self.i].chars().count() as u32,
        }
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::new(self.pos(), message)
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
            self.i += 1;
        }
    }

    /// A quoted string at the parser, unescaped.
    pub(crate) fn string(&mut self) -> Result<String, Error> {
        let start = self.pos();
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(Error::new(start, "a string is never closed (a `\"` is missing)")),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some(c) => out.push(c),
                    None => return Err(Error::new(start, "a string is never closed (a `\"` is missing)")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// A value, up to a `,` or `)` at its own level (or the end).
    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, Error> {
        self.skip_spaces();
        match self.peek() {
            Some('(') => self.group(depth + 1),
            Some('"') => {
                let s = self.string()?;
                self.skip_spaces();
                Ok(Value::Str(s))
            }
            _ => self.bare(depth),
        }
    }

    /// `(item, item, …)`, a trailing comma allowed.
    fn group(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("values nest more than {MAX_DEPTH} deep")));
        }
        let open = self.pos();
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                None => return Err(Error::new(open, "a `(` is never closed")),
                Some(')') => {
                    self.bump();
                    self.skip_spaces();
                    return Ok(Value::Group(items));
                }
                Some(',') => {
                    self.bump();
                    continue;
                }
                _ => {}
            }
            let key = self.key();
            let value = self.value(depth)?;
            items.push((key, value));
            self.skip_spaces();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(')') | None => {}
                Some(c) => return Err(self.error(format!("expected `,` or `)`, found `{c}`"))),
            }
        }
    }

    /// `Key=` at the parser (a key is letters, digits, `_`, `.` and `(N)`), taken; else
    /// nothing is.
    fn key(&mut self) -> Option<String> {
        let rest = &self.s[self.i..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '(' | ')')))
            .unwrap_or(rest.len());
        let candidate = &rest[..end];
        if end == 0 || !rest[end..].starts_with('=') || candidate.starts_with('(') {
            return None;
        }
        // `Key(0)=` keeps its index in the key.
        self.i += end + 1;
        Some(candidate.to_string())
    }

    /// A bare token: up to `,` or `)` at its level, quotes and parentheses inside it kept.
    fn bare(&mut self, depth: usize) -> Result<Value, Error> {
        let start = self.i;
        let mut level = 0usize;
        while let Some(c) = self.peek() {
            match c {
                ',' | ')' if level == 0 => break,
                '(' => {
                    level += 1;
                    if depth + level > MAX_DEPTH {
                        return Err(self.error(format!("values nest more than {MAX_DEPTH} deep")));
                    }
                    self.bump();
                }
                ')' => {
                    level -= 1;
                    self.bump();
                }
                '"' => {
                    self.string()?;
                }
                '\'' => {
                    let at = self.pos();
                    self.bump();
                    match self.s[self.i..].find('\'') {
                        Some(n) => self.i += n + 1,
                        None => return Err(Error::new(at, "a `'` is never closed")),
                    }
                }
                _ => {
                    self.bump();
                }
            }
        }
        if level > 0 {
            return Err(self.error("a `(` is never closed"));
        }
        Ok(Value::Bare(self.s[start..self.i].trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> Value {
        Parser::new(s, Pos { line: 1, col: 1 }).value(0).unwrap()
    }

    #[test]
    fn groups_strings_and_bare_tokens() {
        let v = value(
            r#"(PinId=370D,PinName="execute",PinFriendlyName=NSLOCTEXT("K2Node", "true", "true"),LinkedTo=(K2Node_A 12AB,K2Node_B 34CD,),PinType.PinValueType=(),)"#,
        );
        assert_eq!(v.get("PinId"), Some(&Value::Bare("370D".into())));
        assert_eq!(v.get("PinName"), Some(&Value::Str("execute".into())));
        assert_eq!(v.get("PinFriendlyName").and_then(Value::text).as_deref(), Some("true"));
        assert_eq!(
            v.get("LinkedTo"),
            Some(&Value::Group(vec![
                (None, Value::Bare("K2Node_A 12AB".into())),
                (None, Value::Bare("K2Node_B 34CD".into()))
            ]))
        );
        assert_eq!(v.get("PinType.PinValueType"), Some(&Value::Group(vec![])));
    }

    #[test]
    fn the_four_quotings_of_an_object_path() {
        for text in [
            r#"Class'/Script/Engine.Actor'"#,
            r#"Class'"/Script/Engine.Actor"'"#,
            r#"/Script/CoreUObject.Class'"/Script/Engine.Actor"'"#,
            r#""/Script/CoreUObject.Class'/Script/Engine.Actor'""#,
        ] {
            assert_eq!(value(text).path().as_deref(), Some("/Script/Engine.Actor"), "{text}");
        }
        assert_eq!(value("None").path(), None);
    }

    #[test]
    fn escapes_and_errors_with_their_columns() {
        assert_eq!(value(r#""a\"b\\c\nd\'e""#), Value::Str("a\"b\\c\nd'e".into()));
        let err = |s: &str| Parser::new(s, Pos { line: 3, col: 5 }).value(0).unwrap_err();
        assert_eq!(err(r#"(A="x"#).at, Pos { line: 3, col: 8 });
        assert_eq!(err("(A=1").message, "a `(` is never closed");
        assert_eq!(err(r#"(A="x" B)"#).message, "expected `,` or `)`, found `B`");
        let deep = "(".repeat(100_000);
        assert!(err(&deep).message.contains("nest more than 64 deep"));
    }
}
