//! The plan of a checked graph: the [`Program`] the checker builds (per node, where its
//! inputs come from, its pure dependencies and exec targets) and its lowering to the flat
//! instructions an instance runs ([`code`]).

pub(crate) mod code;
pub(crate) mod origin;
pub(crate) mod program;

pub use program::{LiteralError, Program, VariableInfo};
