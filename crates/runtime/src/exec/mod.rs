//! The interpreter, in layers that import only downwards: the object arena
//! ([`objects`]); the programs live edits swapped in, and how an event of an older one is
//! translated ([`generations`]); running calls' frames and re-entry marks ([`frames`]); an instance's
//! state, settings and the errors raised about it ([`state`]); the world outside's handles
//! ([`handle`]); the node API's side of a running node ([`machine`]); the hot nodes'
//! instructions ([`ops`]); what an observer sees ([`observe`]); the [`Instance`] every part
//! works on ([`base`]); the observer's hooks ([`hooks`]); a node run through its
//! implementation ([`node_path`]); function calls ([`calls`]); one event's chain, the one
//! dispatch ([`chain`]); a live edit's program swap ([`swap`]); and the event loop and public API ([`instance`]).

// The layers, bottom up, are as the doc above lists them (rustfmt sorts these lines);
// crates/runtime/tests/layers.rs checks that no file imports one above it in a circle.
pub(crate) mod base;
pub(crate) mod calls;
pub(crate) mod chain;
pub(crate) mod frames;
pub(crate) mod generations;
pub(crate) mod handle;
pub(crate) mod hooks;
pub(crate) mod instance;
pub(crate) mod machine;
pub(crate) mod node_path;
pub(crate) mod objects;
pub(crate) mod observe;
pub(crate) mod ops;
pub(crate) mod state;
pub(crate) mod swap;

pub use crate::node::event::{EventSender, KeepAlive, LatentFn, TaskFn};
pub use crate::node::host::HostError;
pub use base::Instance;
pub use generations::Swapped;
pub use handle::{Answer, InstanceHandle};
pub use instance::{Outcome, RunReport};
pub use observe::{value_preview, Control, NodeView, Observer, Ran, Tracer};
pub use state::{RunOptions, DEFAULT_MAX_VALUE_SIZE};
