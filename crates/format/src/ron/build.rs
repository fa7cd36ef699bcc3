//! The graph model's values built from the format's one parser (`graphrun_syntax::parse_into`):
//! a sink that turns its events into a [`Value`] with spans, without a syntax tree, and
//! keeps its first error, the one a user is shown.

use graphrun_syntax::{parse_into, scalar_of, Parse, ParseError, Scalar, Sink, SyntaxKind};

use crate::ron::value::{Kind, SyntaxError, Value};
use crate::ron::Parsed;
use crate::source::{Span, Spanned};

use SyntaxKind::*;

/// Parses one RON value (the whole text, with comments and `#![enable(..)]` attributes).
pub fn parse(text: &str) -> Parsed {
    build(text, |sink| parse_into(text, sink))
}

/// The value of a file already parsed into its syntax tree (`graphrun_syntax::parse`),
/// as [`parse`] of its text gives it, without parsing again.
pub fn from_parse(parse: &Parse) -> Parsed {
    let root = parse.root();
    let bom = root.first_token().is_some_and(|t| t.text().starts_with('\u{feff}'));
    build(if bom { "\u{feff}" } else { "" }, |sink| parse.replay(sink))
}

/// The value `tell` tells a builder of, `text` being the file's text (or its start, where
/// only a byte-order mark matters).
fn build(text: &str, tell: impl FnOnce(&mut Build)) -> Parsed {
    // A byte-order mark is the loader's to take off (the lexer takes it as a space); RON
    // has none.
    if text.starts_with('\u{feff}') {
        return Err(SyntaxError {
            message: "expected a value, found `\u{feff}`".to_string(),
            span: Span::new(0, 3),
        });
    }
    let mut build = Build {
        open: Vec::new(),
        values: Vec::new(),
        names: Vec::new(),
        end: 0,
        value: None,
        error: None,
    };
    tell(&mut build);
    match (build.error, build.value) {
        (Some(e), _) => Err(e),
        (None, Some(value)) => Ok(value),
        // The parser tells an error wherever no value is made.
        (None, None) => Err(SyntaxError {
            message: "expected a value".to_string(),
            span: Span::new(0, 0),
        }),
    }
}

/// A node not yet ended: its kind, where it starts, and how many finished values and
/// names there were before it (its own are those after).
struct Open {
    kind: SyntaxKind,
    start: usize,
    values: usize,
    names: usize,
    named: bool,
}

/// Builds values bottom-up: a value's items wait on `values` (and struct, tuple and field
/// names on `names`) until its node ends and takes them.
struct Build {
    open: Vec<Open>,
    values: Vec<Value>,
    names: Vec<Spanned<String>>,
    /// The byte after the last token that is not trivia.
    end: usize,
    value: Option<Value>,
    error: Option<SyntaxError>,
}

impl Build {
    /// The value of an atom's token.
    fn atom(&self, kind: SyntaxKind, text: &str, at: usize) -> Result<Kind, ParseError> {
        if kind == IDENT {
            return Ok(match text {
                "true" => Kind::Bool(true),
                "false" => Kind::Bool(false),
                "inf" => Kind::Float(f64::INFINITY),
                "NaN" => Kind::Float(f64::NAN),
                _ => Kind::Ident(text.to_string()),
            });
        }
        Ok(match scalar_of(kind, text, at)? {
            Scalar::Int(n) => Kind::Int(n),
            Scalar::Float(f) => Kind::Float(f),
            Scalar::Str(s) => Kind::Str(s),
            Scalar::Char(c) => Kind::Char(c),
        })
    }
}

impl Sink for Build {
    const TRIVIA: bool = false;

    fn start(&mut self, kind: SyntaxKind, at: usize) {
        self.open.push(Open {
            kind,
            start: at,
            values: self.values.len(),
            names: self.names.len(),
            named: false,
        });
    }

    fn token(&mut self, kind: SyntaxKind, text: &str, at: usize) {
        if self.error.is_some() {
            return;
        }
        let span = Span::new(at, at + text.len());
        self.end = at + text.len();
        let Some(open) = self.open.last_mut() else {
            return;
        };
        match open.kind {
            ATOM => match self.atom(kind, text, at) {
                Ok(kind) => self.values.push(Value { kind, span }),
                Err(e) => self.error(e),
            },
            // A struct's or tuple's name comes before its `(`; a field's before its `:`.
            STRUCT | TUPLE if kind == IDENT => {
                open.named = true;
                self.names.push(Spanned::new(text.to_string(), span));
            }
            FIELD if kind == IDENT => self.names.push(Spanned::new(text.to_string(), span)),
            _ => {}
        }
    }

    fn finish(&mut self) {
        let Some(open) = self.open.pop() else {
            return;
        };
        if self.error.is_some() {
            return;
        }
        let span = Span::new(open.start, self.end);
        let kind = match open.kind {
            LIST => Kind::List(self.values.split_off(open.values)),
            MAP => {
                let mut items = self.values.drain(open.values..);
                let mut entries = Vec::with_capacity(items.len() / 2);
                while let (Some(key), Some(value)) = (items.next(), items.next()) {
                    entries.push((key, value));
                }
                Kind::Map(entries)
            }
            STRUCT => {
                let mut names = self.names.drain(open.names..);
                let name = if open.named { names.next() } else { None };
                let fields = names.zip(self.values.drain(open.values..)).collect();
                Kind::Struct { name, fields }
            }
            TUPLE => {
                let items = self.values.split_off(open.values);
                match if open.named { self.names.pop() } else { None } {
                    None if items.is_empty() => Kind::Unit,
                    name => Kind::Tuple { name, items },
                }
            }
            ROOT => {
                self.value = self.values.pop();
                return;
            }
            _ => return,
        };
        self.values.push(Value { kind, span });
    }

    fn error(&mut self, error: ParseError) {
        if self.error.is_none() {
            self.error = Some(SyntaxError {
                message: error.message,
                span: Span::new(error.start, error.end),
            });
        }
    }
}
