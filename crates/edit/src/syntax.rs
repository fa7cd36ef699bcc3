//! The lossless syntax tree of a RON file, from the one reader of the format
//! (`graphrun_syntax`): every byte is in a token, so the tree's text is always the file's
//! text, and the parser never fails.

pub use graphrun_syntax::*;
