//! The graphrun graph file format: the text of a graph file becomes a [`GraphFile`] (the
//! file as written, with the position of every node, pin, link and literal), or
//! [`Diagnostics`] saying what is wrong and where.
//!
//! This crate owns the file format and nothing else: it knows the shape of a graph file,
//! not which node types exist. Checking against a node registry is done by the runtime.

pub mod diagnostic;
pub mod files;
pub mod model;
pub mod names;
mod read;
pub mod ron;
pub mod source;

pub use diagnostic::{codes, explanation, Diagnostic, Diagnostics, Severity};
pub use model::{
    CommentDecl, ExecDecl, FunctionDecl, GraphFile, InputDecl, MacroDecl, NodeDecl, ParamDecl, PinDecl, Source, Type,
    VariableDecl, FORMAT_VERSION,
};
pub use read::{read, read_at, read_parsed, read_type};
pub use source::{LineCol, SourceFile, Span, Spanned};
