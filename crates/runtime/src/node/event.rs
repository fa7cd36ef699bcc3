//! What reaches a running instance from outside its chain: the events in its queue and
//! channel ([`Event`]), the work tasks post ([`LatentFn`], [`TaskFn`]), and the handles
//! that post it ([`EventSender`], [`KeepAlive`]), with the state they share with the
//! instance ([`Shared`]). The interpreter (`exec`) consumes them; node libraries and hosts
//! only send.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

use crate::node::host::{HostError, RuntimeError};
use crate::node::{Cx, EventRef, Flow, NodeError};
use crate::value::{ObjectRef, Value};

/// What an event's args must be, as its program says.
pub(crate) trait EventCheck: Send + Sync {
    /// An error (what is wrong) if `event` is not a Custom Event or `args` do not fit its
    /// params.
    fn check(&self, event: u32, args: &[Value]) -> Result<(), String>;
}

/// Work done later in an instance: a node's result, posted from a task.
pub type LatentFn = Box<dyn FnOnce(&mut Cx<'_>) -> Result<Flow, NodeError> + Send>;

/// Work a node library's task runs in an instance (update an object, fire a delegate).
pub type TaskFn = Box<dyn FnOnce(&mut Cx<'_>) + Send>;

/// A host's access to the variables of a running instance.
pub(crate) type HostFn = Box<dyn FnOnce(&mut [Value]) + Send>;

pub(crate) enum Event {
    Start(u32),
    Custom {
        event: u32,
        args: Vec<Value>,
    },
    /// A Custom Event with one param, its arg held here: the host's `Vec` is freed as soon
    /// as the event is queued, not when it runs (a million queued events otherwise keep a
    /// million small allocations alive and free them out of order).
    CustomOne {
        event: u32,
        arg: Value,
    },
    Wake {
        node: u32,
        payload: u64,
    },
    /// A timer of Set Timer by Event came due: its event runs, and a looping timer is set
    /// again from then (so a timer that falls behind has at most one firing queued). When
    /// it came due and its period are in its Timer object, keeping events small.
    Timer {
        timer: ObjectRef,
        event: u32,
    },
    Latent {
        node: u32,
        f: LatentFn,
    },
    Task {
        node: u32,
        f: TaskFn,
    },
    /// A report about an object, for its class's `on_report`, in node `node`'s context.
    Report {
        node: u32,
        object: ObjectRef,
        data: Box<dyn Any + Send>,
    },
    Host(HostFn),
    /// A host's [`InstanceHandle::call`]: a Custom Event whose caller awaits the end of
    /// its chain.
    Call(Box<Call>),
    /// A request of the interpreter's own that only it reads (a live edit's program swap,
    /// taken at the next event boundary): its type is the interpreter's, above this layer.
    Own(Box<dyn Any + Send>),
}

/// An event as a sender posts it into the channel: with the generation of the program its
/// node numbers are of. A live edit swaps the program and starts a new generation; a task
/// started before it (a connection) still posts with the old numbers, which the instance
/// translates when it takes the event in.
pub(crate) struct Sent {
    pub(crate) gen: u32,
    pub(crate) event: Event,
}

impl Event {
    /// A Custom Event with its args (already checked).
    pub(crate) fn custom(event: u32, mut args: Vec<Value>) -> Event {
        match (args.len(), args.pop()) {
            (1, Some(arg)) => Event::CustomOne { event, arg },
            (_, last) => {
                args.extend(last);
                Event::Custom { event, args }
            }
        }
    }
}

/// A host's call: its Custom Event, and where the chain's end is answered.
pub(crate) struct Call {
    pub(crate) event: u32,
    pub(crate) args: Vec<Value>,
    pub(crate) reply: tokio::sync::oneshot::Sender<Replied>,
}

/// How a called chain ended: its first runtime error, and the variables it left.
pub(crate) struct Replied {
    pub(crate) error: Option<RuntimeError>,
    pub(crate) variables: Vec<Value>,
    /// The program the variables are of (a live edit may have swapped it since the call
    /// was made): its own type, above this layer.
    pub(crate) program: Box<dyn Any + Send>,
}

pub(crate) struct Shared {
    /// Work outside the queue that may still post an event (tasks, open connections).
    pub(crate) pending: AtomicUsize,
    /// The instance is ending (the host asked it to stop, or it is running EndPlay).
    pub(crate) stop: AtomicBool,
    /// The running chain is to stop at its next loop pass (or exec-cycle pass): set by each
    /// stop request, and cleared before EndPlay, so a second request also ends a long
    /// EndPlay.
    pub(crate) abort: AtomicBool,
    /// The host asked a paused instance to go on ([`crate::InstanceHandle::resume`]).
    pub(crate) resume: AtomicBool,
    /// The host paused the instance between nodes ([`crate::InstanceHandle::pause`]).
    pub(crate) hold: AtomicBool,
    pub(crate) wake: Notify,
}

/// Keeps an instance from ending by quiescence while held: a node library holds one per
/// open connection or running task; a host holds one to keep an idle instance alive.
pub struct KeepAlive {
    pub(crate) shared: Arc<Shared>,
}

impl KeepAlive {
    pub(crate) fn new(shared: &Arc<Shared>) -> KeepAlive {
        shared.pending.fetch_add(1, Ordering::SeqCst);
        KeepAlive { shared: shared.clone() }
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        if self.shared.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.wake.notify_one();
        }
    }
}

impl fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeepAlive")
    }
}

/// Posts events into an instance from other tasks (a connection's reader, a host thread).
/// The channel is bounded: a sender waits while the instance is behind, so a slow graph
/// slows its sources instead of growing memory.
#[derive(Clone)]
pub struct EventSender {
    pub(crate) tx: super::queue::Sender<Sent>,
    pub(crate) shared: Arc<Shared>,
    /// What an event's args must be: the program's.
    pub(crate) events: Arc<dyn EventCheck>,
    /// The generation of the program its node numbers are of.
    pub(crate) gen: u32,
}

impl fmt::Debug for EventSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventSender")
    }
}

impl EventSender {
    /// Queues `event`, of this sender's program, waiting while the queue is full; false if
    /// the instance has ended.
    pub(crate) async fn post(&self, event: Event) -> Result<(), Event> {
        self.tx
            .send(Sent { gen: self.gen, event })
            .await
            .map_err(|sent| sent.event)
    }

    /// Fires a Custom Event with its args (already of its params' types). Waits while the
    /// queue is full. An error if `event` is not a Custom Event of this program, if the
    /// args do not fit its params, or if the instance has ended.
    pub async fn fire(&self, event: EventRef, args: Vec<Value>) -> Result<(), HostError> {
        self.events.check(event.0, &args).map_err(HostError::Invalid)?;
        self.post(Event::custom(event.0, args))
            .await
            .map_err(|_| HostError::Ended)
    }

    /// Runs `f` in the instance, in the context of node `node` (see [`Cx::node_index`](crate::Cx::node_index)),
    /// and follows the flow it returns from that node's exec outputs.
    pub async fn call(&self, node: u32, f: LatentFn) -> bool {
        self.post(Event::Latent { node, f }).await.is_ok()
    }

    /// Runs `f` in the instance as an event of its own, in the context of node `node` (for
    /// its logs); nothing follows it. Waits while the queue is full; false if the instance
    /// has ended.
    pub async fn run(&self, node: u32, f: TaskFn) -> bool {
        self.post(Event::Task { node, f }).await.is_ok()
    }

    /// Posts `data`, a report about `object` (a connection's "a message came"), to the
    /// instance: its class's [`ClassDef::on_report`](crate::ClassDef::on_report) handles
    /// it there as an event of its own, in the context of node `node`; nothing follows it.
    /// Waits while the queue is full; false if the instance has ended.
    pub async fn report(&self, node: u32, object: ObjectRef, data: Box<dyn Any + Send>) -> bool {
        self.post(Event::Report { node, object, data }).await.is_ok()
    }

    /// Whether the instance has been asked to stop.
    pub fn is_stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// A guard that keeps the instance alive while held.
    pub fn keep_alive(&self) -> KeepAlive {
        KeepAlive::new(&self.shared)
    }
}
