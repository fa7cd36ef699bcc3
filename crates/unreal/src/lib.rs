//! Unreal Engine's Blueprint clipboard text: what the Blueprint editor puts on the
//! clipboard when an author copies nodes (Ctrl-C), in the engine's T3D form
//! (`Begin Object Class=… Name="…"` … `End Object`, a block a node). [`read`] reads it,
//! UE5's form and UE4's older ones alike, into [`Object`]s with their [`Pin`]s, every
//! error with its line and column, bounded in size and nesting so hostile text costs
//! little.
//!
//! **Architecture Invariant:** this crate knows Unreal's text and nothing of graphrun's
//! runtime; the mapping from Blueprint nodes to graphrun's is a table here that the
//! command line, the studio and an embedding host share.

pub mod export;
pub mod import;
pub mod map;
mod read;
mod value;

pub use export::export;
pub use import::{import, Imported};
pub use read::{read, Link, Object, Pin, Prop, Read, Warning};
pub use value::Value;

/// The largest text read (as a graph file may be at most).
pub const MAX_TEXT: usize = 64 * 1024 * 1024;

/// How deep objects may nest in one another, and values in parentheses.
pub const MAX_DEPTH: usize = 64;

/// A place in the text: line and column, from 1 (the column counts characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1, in characters.
    pub col: u32,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Why a text could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct Error {
    /// Where.
    pub at: Pos,
    /// What is wrong.
    pub message: String,
}

impl Error {
    pub(crate) fn new(at: Pos, message: impl Into<String>) -> Error {
        Error {
            at,
            message: message.into(),
        }
    }
}
