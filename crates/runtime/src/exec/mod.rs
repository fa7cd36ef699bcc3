//! The interpreter: an instance and its event loop ([`instance`]), one event's chain
//! ([`chain`]), a node run through its implementation ([`node_path`]), function calls
//! ([`calls`]), the hot nodes' instructions ([`ops`]), the object arena ([`objects`]), and
//! what the world outside sees of it: its handles ([`handle`]).

pub(crate) mod calls;
pub(crate) mod chain;
pub(crate) mod handle;
pub(crate) mod instance;
pub(crate) mod machine;
pub(crate) mod node_path;
pub(crate) mod objects;
pub(crate) mod observe;
pub(crate) mod ops;

pub use crate::node::event::{EventSender, KeepAlive, LatentFn, TaskFn};
pub use crate::node::host::HostError;
pub use handle::{Answer, InstanceHandle};
pub use instance::{Instance, Outcome, RunOptions, RunReport, DEFAULT_MAX_VALUE_SIZE};
pub use observe::{value_preview, Control, NodeView, Observer, Ran, Tracer};
