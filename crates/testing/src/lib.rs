//! Testing graphs like code, and replaying runs (the spec's `testing.md`).
//!
//! - [`run_test`] runs a `*.test.ron` file: the graph against scripted WebSocket servers
//!   that live in the process and speak the real protocol over memory, on a virtual clock
//!   (a paused tokio runtime: time jumps to the next deadline when nothing can run).
//! - [`Recorder`] records a run (a [`graphrun_socket::Tap`] for the socket library and a
//!   [`RecordingHost`] for what the instance shows); [`replay`] runs it again from its
//!   record, with no network and no waiting, and says where it departs.
//!
//! - [`TestServers`] are a test file's servers for a host of its own (`graphrun swarm
//!   --servers`).
//!
//! `graphrun test`, `graphrun run --record` and `graphrun replay` are these, with output.

pub mod error;
mod model;
mod record;
mod replay;
mod runner;
mod server;
mod servers;

pub use error::TestError;
pub use record::{Recorder, RecordingHost};
pub use replay::{replay, Replayed, EXIT_DEPARTED};
pub use runner::{run_test, Outcome};
pub use server::{Expected, Failures, ScriptTransport, Step};
pub use servers::TestServers;

/// The mistakes in a test file's text (its shape, steps and values), each at its place;
/// what needs its graph (its variables, its Custom Events) is checked when it runs.
pub fn test_file_diagnostics(source: &graphrun_format::SourceFile) -> Vec<graphrun_format::Diagnostic> {
    model::read(source).1
}

/// Like [`test_file_diagnostics`], from the file's value already parsed
/// (`graphrun_format::ron::from_parse` of its syntax tree, as an editor holds it).
pub fn test_file_diagnostics_parsed(
    source: &graphrun_format::SourceFile,
    parsed: graphrun_format::ron::Parsed,
) -> Vec<graphrun_format::Diagnostic> {
    model::read_parsed(source, parsed).1
}

/// A test file's text: a regular file of at most [`graphrun::MAX_FILE_SIZE`] bytes (a
/// graph's own limit), read no further than that.
pub(crate) fn read_capped(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".to_string());
    }
    let mut bytes = Vec::new();
    file.take(graphrun::MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > graphrun::MAX_FILE_SIZE {
        return Err(format!("it is over {} MiB", graphrun::MAX_FILE_SIZE >> 20));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}
