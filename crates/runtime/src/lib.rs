//! graphrun: an embeddable runtime for Blueprint-style node graphs.
//!
//! Build a [`Registry`] from node libraries (the [`StandardLibrary`] and your own, through
//! [`NodeLibrary`]), load a graph file into a checked [`Program`], and run an [`Instance`]
//! of it on tokio:
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use graphrun::{Instance, Registry, StdioHost};
//!
//! let registry = Registry::standard();
//! let program = registry.load_str("hello.ron", r#"Graph(format: 1, name: "Hello", nodes: {
//!     "begin": (node: "Event BeginPlay", exec: {"then": "print"}),
//!     "print": (node: "Print String", inputs: {"In String": "Hello"}),
//! })"#).unwrap();
//! let report = Instance::new(&program, Arc::new(StdioHost)).run().await;
//! assert_eq!(report.runtime_errors, 0);
//! # });
//! ```

mod check;
mod exec;
mod listing;
mod names;
mod node;
pub mod offer;
mod picture;
mod plan;
mod stdlib;
mod value;

pub use check::load::read_file as read_graph_text;
pub use check::MAX_FILE_SIZE;
pub use exec::{
    value_preview, Answer, Control, EventSender, HostError, Instance, InstanceHandle, KeepAlive, LatentFn, NodeView,
    Observer, Outcome, Ran, RunOptions, RunReport, Swapped, TaskFn, Tracer, DEFAULT_MAX_VALUE_SIZE,
};
pub use graphrun_format::{Diagnostic, Diagnostics, Severity, SourceFile, Type};
pub use listing::{
    node_listing_json, node_listing_markdown, node_listing_text, program_listing_json, program_listing_markdown,
    program_listing_text,
};
pub use node::host::{Host, Level, RuntimeError, StdioHost};
pub use node::registry::{
    ClassDef, Constructor, EventsFn, NodeLibrary, Registry, RegistryBuilder, ReportFn, TIMER_CLASS,
};
pub use node::{
    Arithmetic, CompileCx, Cx, Entry, EventRef, Flow, FnNode, InputKind, InputPin, Intrinsic, Node, NodeDoc, NodeError,
    NodeType, OutputPin, PinError, PinOutput, PinValue, Role, Signature, SignatureCx, TypeError, TypedFn,
};
pub use picture::{delegate_type, is_delegate, CommentBox, Picture, PictureNode, Wire, EVENT_PIN};
pub use plan::{LiteralError, Program, VariableInfo};
pub use stdlib::StandardLibrary;
pub use value::{Json, ObjectRef, Value};

/// The positioned RON reader and the file model, for hosts that read graph-like files.
pub use graphrun_format as format;
/// JSON, as Json values hold it.
pub use serde_json;
