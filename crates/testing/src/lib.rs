//! Testing graphs like code, and replaying runs (the spec's `testing.md`).
//!
//! - [`run_test`] runs a `*.test.ron` file: the graph against scripted WebSocket servers
//!   that live in the process and speak the real protocol over memory, on a virtual clock
//!   (a paused tokio runtime: time jumps to the next deadline when nothing can run).
//! - [`Recorder`] records a run (a [`graphrun_socket::Tap`] for the socket library and a
//!   [`RecordingHost`] for what the instance shows); [`replay`] runs it again from its
//!   record, with no network and no waiting, and says where it departs.
//!
//! `graphrun test`, `graphrun run --record` and `graphrun replay` are these, with output.

pub mod error;
mod model;
mod record;
mod replay;
mod runner;
mod server;

pub use error::TestError;
pub use record::{Recorder, RecordingHost};
pub use replay::{replay, Replayed, EXIT_DEPARTED};
pub use runner::{run_test, Outcome};
pub use server::{Expected, Failures, ScriptTransport, Step};

/// The mistakes in a test file's text (its shape, steps and values), each at its place;
/// what needs its graph (its variables, its Custom Events) is checked when it runs.
pub fn test_file_diagnostics(source: &graphrun_format::SourceFile) -> Vec<graphrun_format::Diagnostic> {
    model::read(source).1
}
