//! What a connection's task reports, and what the report does in the instance: the
//! connection classes' `on_report` applies it (state first, so a handler sees the
//! connection idle and may connect again, then the delegate the last Connect bound, read
//! from the object as it is then).

use graphrun::{Cx, EventRef, Level, ObjectRef, Value};
use tokio::sync::OwnedSemaphorePermit;

use crate::object::{Connection, State};
use crate::tap::Closer;

/// What a connection's task reports to the instance: data for the connection classes'
/// `on_report` ([`on_report`]), which applies it with the delegates the connection's last Connect
/// bound, as they are when it is applied.
pub(crate) struct Posted {
    /// The attempt it is about: a report of an attempt since replaced is dropped.
    pub(crate) attempt: u64,
    pub(crate) report: Report,
}

/// What happened.
pub(crate) enum Report {
    Connected,
    ConnectionError(String),
    /// A message, holding its share of the incoming buffer until the instance handles it.
    Message(Value, Option<OwnedSemaphorePermit>),
    Dropped(String),
    Disconnected {
        code: u16,
        reason: String,
        clean: bool,
        by: Closer,
    },
}

/// The connection classes' `on_report`: a task's report applied in the instance.
pub(crate) fn on_report(cx: &mut Cx<'_>, conn: ObjectRef, data: Box<dyn std::any::Any + Send>) {
    if let Ok(posted) = data.downcast::<Posted>() {
        apply(cx, conn, *posted);
    }
}

/// Applies a task's report in the instance: state first (so a handler sees the connection
/// idle and may connect again), then the delegate its last Connect bound.
fn apply(cx: &mut Cx<'_>, conn: ObjectRef, Posted { attempt, report }: Posted) {
    let Some(c) = cx.object_mut::<Connection>(conn) else {
        return;
    };
    if c.attempt != attempt {
        return;
    }
    let delegates = c.last.as_ref().map(|last| last.delegates).unwrap_or_default();
    let me = Value::Object(Some(conn));
    match report {
        Report::Connected => {
            c.state = State::Connected;
            // Held while it connected; from now on, as any object, while something refers
            // to it (On Connected's Connection, to begin with).
            cx.hold_object(conn, false);
            if let Some(event) = delegates.on_connected {
                fire(cx, event, vec![me]);
            }
        }
        Report::ConnectionError(reason) => {
            reset(c);
            cx.hold_object(conn, false);
            cx.log(Level::Warning, &format!("connection error: {reason}"));
            if let Some(event) = delegates.on_connection_error {
                fire(cx, event, vec![me, Value::from(reason)]);
            }
        }
        Report::Message(message, _permit) => {
            if c.state == State::Connected && !c.closing {
                if let Some(event) = delegates.on_message_received {
                    fire(cx, event, vec![me, message]);
                }
            }
        }
        Report::Dropped(why) => {
            if !c.closing {
                cx.log(Level::Warning, &why);
            }
        }
        Report::Disconnected {
            code, reason, clean, ..
        } => {
            reset(c);
            if let Some(event) = delegates.on_disconnected {
                fire(
                    cx,
                    event,
                    vec![me, Value::Int(code.into()), Value::from(reason), Value::Bool(clean)],
                );
            }
        }
    }
}

/// Fires a delegate's event; one that does not take these args is logged, not dropped.
fn fire(cx: &mut Cx<'_>, event: EventRef, args: Vec<Value>) {
    if let Err(e) = cx.fire(event, args) {
        cx.log(Level::Warning, &format!("delegate not fired: {e}"));
    }
}

fn reset(c: &mut Connection) {
    c.state = State::Idle;
    c.closing = false;
    c.outgoing = None;
    c.close = None;
}
