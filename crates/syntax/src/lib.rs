//! The one reader of graph files' text: a lexer ([`lex`]) and a lossless syntax tree
//! ([`parse`]). Every byte is in a token (spaces, newlines and comments included), so the
//! tree's text is always the file's text; built on rowan's green trees, as rust-analyzer's
//! is. The parser never fails: what it cannot read goes into `ERROR` nodes, so a half-typed
//! file still has a tree (the language server needs one). The positioned reader that builds
//! the graph model (`graphrun_format::ron`) reads the same tokens, so the format has one
//! lexer.

mod kind;
mod lex;
mod reparse;
mod tree;

pub use kind::{Ron, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, MAX_DEPTH};
pub use lex::{lex, Lexer};
pub use reparse::reparse;
pub use tree::{parse, Parse, ParseError};
