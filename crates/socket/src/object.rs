//! A connection object's data, as it lives in the instance: its kind and state, the last
//! Connect's parameters (the delegates it bound among them, for Reconnect and for the
//! reports of its task) and the handles to its task.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use graphrun::EventRef;
use tokio::sync::{mpsc, oneshot};

/// Which messages a connection carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `M2_JsonWebSocketConnection`: text messages that parse as JSON.
    Json,
    /// `M2_StringWebSocketConnection`: any text message.
    String,
}

/// Where a connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Never connected, or closed: Connect may be called.
    Idle,
    /// Connect started; On Connected or On Connection Error will follow.
    Connecting,
    /// Open: messages flow.
    Connected,
}

/// The Custom Events bound at Connect time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delegates {
    pub on_connected: Option<EventRef>,
    pub on_connection_error: Option<EventRef>,
    pub on_disconnected: Option<EventRef>,
    pub on_message_received: Option<EventRef>,
}

/// What the last Connect asked for, for Reconnect.
#[derive(Clone, Debug)]
pub struct ConnectParams {
    pub url: String,
    pub protocol: String,
    pub authentication: String,
    pub headers: Vec<(String, String)>,
    pub delegates: Delegates,
}

/// The data of a connection object in an instance.
#[derive(Debug)]
pub struct Connection {
    pub kind: Kind,
    pub state: State,
    /// Which Connect the task's reports belong to; reports of an older one are ignored.
    pub attempt: u64,
    /// Disconnect was called: nothing more is delivered but On Disconnected.
    pub closing: bool,
    pub last: Option<ConnectParams>,
    /// Outgoing text frames to the task; bounded, so Send can refuse when it is full.
    pub outgoing: Option<mpsc::Sender<String>>,
    /// Bytes in `outgoing` not yet written to the socket (shared with the task).
    pub queued_bytes: Arc<AtomicUsize>,
    /// Asks the task to close with 1000 (Disconnect). Dropping it (the object went away
    /// with its instance) closes with 1000 too, reporting nothing.
    pub close: Option<oneshot::Sender<()>>,
}

impl Connection {
    pub fn new(kind: Kind) -> Connection {
        Connection {
            kind,
            state: State::Idle,
            attempt: 0,
            closing: false,
            last: None,
            outgoing: None,
            queued_bytes: Arc::default(),
            close: None,
        }
    }
}

/// A live edit: the delegates a connection's last Connect bound, as Custom Events of the
/// new program (by event id); one the edit removed is unbound.
pub(crate) fn follow_edit(data: &mut (dyn std::any::Any + Send), event: &dyn Fn(EventRef) -> Option<EventRef>) {
    let Some(params) = data.downcast_mut::<Connection>().and_then(|c| c.last.as_mut()) else {
        return;
    };
    let d = &mut params.delegates;
    for slot in [
        &mut d.on_connected,
        &mut d.on_connection_error,
        &mut d.on_disconnected,
        &mut d.on_message_received,
    ] {
        *slot = slot.and_then(event);
    }
}
