//! A RON value as the format reads it: what was written, and where.

use crate::source::{Span, Spanned};

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
