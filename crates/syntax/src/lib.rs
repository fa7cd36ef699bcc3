//! The one reader of graph files' text: a lexer ([`lex`]), a parser that tells a [`Sink`]
//! what it reads ([`parse_into`]), and the lossless syntax tree that is one such sink
//! ([`parse`]). Every byte is in a token (spaces, newlines and comments included), so the
//! tree's text is always the file's text; built on rowan's green trees, as rust-analyzer's
//! is. The parser never fails: what it cannot read goes into `ERROR` nodes, so a half-typed
//! file still has a tree (the language server needs one), and its first error is the one
//! users are shown. The graph model's values (`graphrun_format::ron`) are another sink of
//! the same parser, so the format has one grammar.

mod kind;
mod lex;
mod parser;
mod reparse;
mod scalar;
mod tree;

pub use kind::{Ron, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, MAX_DEPTH};
pub use lex::{lex, Lexer};
pub use parser::{parse_into, Sink};
pub use reparse::reparse;
pub use scalar::{scalar_of, ParseError, Scalar};
pub use tree::{parse, Parse};
