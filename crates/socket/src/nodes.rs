//! The socket library's node types: Connect (Json and String), Reconnect, Disconnect,
//! the three Sends and Is Connected.

use std::sync::Arc;

use graphrun::format::codes;
use graphrun::{
    CompileCx, Cx, Entry, Flow, FnNode, Level, NodeDoc, NodeError, ObjectRef, PinError, RegistryBuilder, Signature,
    SignatureCx, Type, Value,
};
use tokio::sync::{mpsc, oneshot};

use crate::connection::{LiveGuard, Task};
use crate::object::{ConnectParams, Connection, Delegates, Kind, State};
use crate::request::{auth_headers, build_request, check_headers, check_url, Authentication};
use crate::{Shared, JSON_CLASS, STRING_CLASS};

/// Connect's exec outputs, in the order the spec lists them.
const OUTCOMES: [&str; 6] = [
    "Connecting",
    "Invalid Url",
    "Url Blocked",
    "Invalid Headers",
    "Failed",
    "Failed Connection In Progress",
];
const CONNECTING: usize = 0;
const INVALID_URL: usize = 1;
const URL_BLOCKED: usize = 2;
const INVALID_HEADERS: usize = 3;
const FAILED: usize = 4;
const IN_PROGRESS: usize = 5;

fn class_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Json => JSON_CLASS,
        Kind::String => STRING_CLASS,
    }
}

fn object(kind: Kind) -> Type {
    Type::Object(class_of(kind).into())
}

fn none_target() -> NodeError {
    NodeError::new("Target is None: construct the connection with Construct Object and keep it in a variable")
}

/// The connection behind a Target pin.
fn target<'c>(cx: &'c mut Cx<'_>) -> Result<(ObjectRef, &'c mut Connection), NodeError> {
    let obj = cx.input(0).as_object().ok_or_else(none_target)?;
    let conn = cx
        .object_mut::<Connection>(obj)
        .ok_or_else(|| NodeError::new("Target is not a WebSocket connection"))?;
    Ok((obj, conn))
}

fn connect_signature(kind: Kind) -> Signature {
    let me = object(kind);
    let message = match kind {
        Kind::Json => Type::Json,
        Kind::String => Type::String,
    };
    let mut sig = Signature::impure();
    for out in OUTCOMES {
        sig = sig.exec_out(out);
    }
    sig.input("Target", me.clone())
        .input("Url", Type::String)
        .input_or("Protocol", Type::String, "")
        .input_or("Authentication", Type::String, "None")
        .input_or("Headers", Type::Map(Box::new(Type::String)), Value::Map(Arc::default()))
        .delegate("On Connected", &[("Connection", me.clone())])
        .delegate(
            "On Connection Error",
            &[("Connection", me.clone()), ("Error", Type::String)],
        )
        .delegate(
            "On Disconnected",
            &[
                ("Connection", me.clone()),
                ("Status Code", Type::Int),
                ("Reason", Type::String),
                ("Was Clean", Type::Bool),
            ],
        )
        .delegate("On Message Received", &[("Connection", me), ("Message", message)])
}

fn connect_doc(kind: Kind) -> NodeDoc {
    let class = class_of(kind);
    let message = if kind == Kind::Json { "Json" } else { "String" };
    NodeDoc::new(
        "WebSockets",
        &format!("Connects the {class}; exactly one exec output fires at once, and after Connecting one of On Connected / On Connection Error."),
    )
    .exec_in(&["exec"])
    .exec_out(&OUTCOMES)
    .input("Target", &format!("Object(\"{class}\")"))
    .input("Url", "String (ws:// or wss://)")
    .input("Protocol", "String = \"\"")
    .input("Authentication", "String = \"None\" (None, Organization, Project, World)")
    .input("Headers", "Map(String) = {}")
    .input("On Connected", "delegate (Connection)")
    .input("On Connection Error", "delegate (Connection, Error: String)")
    .input("On Disconnected", "delegate (Connection, Status Code: Int, Reason: String, Was Clean: Bool)")
    .input("On Message Received", &format!("delegate (Connection, Message: {message})"))
}

/// Checks a literal Authentication at load time.
fn check_authentication_literal(cx: &dyn SignatureCx) -> Option<PinError> {
    use graphrun::format::ron::Kind as R;
    match cx.literal("Authentication").map(|l| &l.kind) {
        Some(R::Str(name)) if Authentication::parse(name).is_none() => Some(PinError::at(
            "Authentication",
            codes::TYPE_MISMATCH,
            format!("Authentication is one of None, Organization, Project or World, not {name:?}"),
        )),
        _ => None,
    }
}

/// Starts a connection with `params`, running the checks in the spec's order. Returns the
/// exec output to follow.
fn start(cx: &mut Cx<'_>, shared: &Arc<Shared>, obj: ObjectRef, params: ConnectParams) -> usize {
    let refuse = |cx: &mut Cx<'_>, outcome: usize, why: String| {
        cx.log(Level::Warning, &format!("{}: {why}", OUTCOMES[outcome]));
        outcome
    };
    let Some(conn) = cx.object_mut::<Connection>(obj) else {
        return FAILED;
    };
    if conn.state != State::Idle {
        let state = if conn.state == State::Connecting {
            "connecting"
        } else {
            "connected"
        };
        return refuse(cx, IN_PROGRESS, format!("the connection is already {state}"));
    }
    let kind = conn.kind;
    let url = match check_url(&params.url) {
        Ok(url) => url,
        Err(why) => return refuse(cx, INVALID_URL, why),
    };
    if !shared.config.policy.allows(&url) {
        return refuse(
            cx,
            URL_BLOCKED,
            format!("the host's access policy does not allow `{url}`"),
        );
    }
    // Invalid Headers comes before Failed, even when the Authentication is unknown.
    let auth = Authentication::parse(&params.authentication);
    if let Err(why) = check_headers(&params.headers, &params.protocol, auth.unwrap_or(Authentication::None)) {
        return refuse(cx, INVALID_HEADERS, why);
    }
    let Some(auth) = auth else {
        let why = format!(
            "Authentication {:?} is not one of None, Organization, Project or World",
            params.authentication
        );
        return refuse(cx, FAILED, why);
    };
    if cx.is_ending() {
        return refuse(cx, FAILED, "the instance is shutting down".into());
    }
    let auth_headers = match auth_headers(auth, shared.config.auth.as_ref()) {
        Ok(h) => h,
        Err(why) => return refuse(cx, FAILED, why),
    };
    let request = match build_request(&url, &params.protocol, &params.headers, &auth_headers) {
        Ok(r) => r,
        Err(why) => return refuse(cx, FAILED, why),
    };
    let Some(live) = LiveGuard::take(shared) else {
        let why = format!(
            "the host's limit of {} open connections is reached",
            shared.config.max_connections
        );
        return refuse(cx, FAILED, why);
    };
    let (out_tx, out_rx) = mpsc::channel(shared.config.outgoing_queue);
    let queued_bytes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let incoming = Arc::new(tokio::sync::Semaphore::new(
        shared.config.incoming_buffer.clamp(1, u32::MAX as usize),
    ));
    let (close_tx, close_rx) = oneshot::channel();
    let sender = cx.sender();
    let sender_alive = sender.keep_alive();
    let node = cx.node_index();
    let Some(conn) = cx.object_mut::<Connection>(obj) else {
        return FAILED;
    };
    conn.attempt += 1;
    conn.state = State::Connecting;
    conn.closing = false;
    conn.outgoing = Some(out_tx);
    conn.queued_bytes = queued_bytes.clone();
    conn.close = Some(close_tx);
    let task = Task {
        shared: shared.clone(),
        sender,
        node,
        conn: obj,
        attempt: conn.attempt,
        kind,
        request,
        protocol: params.protocol.clone(),
        outgoing: out_rx,
        queued_bytes,
        incoming,
        close: close_rx,
        tap: None,
        chosen_protocol: None,
        _live: live,
        _alive: sender_alive,
    };
    conn.last = Some(params);
    // A connection that is connecting stays alive whatever refers to it, so that its On
    // Connected (or On Connection Error) can hand it over.
    cx.hold_object(obj, true);
    tokio::spawn(task.run());
    CONNECTING
}

/// `outcome`, told to the tap if one watches.
fn told(shared: &Shared, outcome: usize) -> usize {
    if let Some(tap) = &shared.config.tap {
        tap.outcome(OUTCOMES[outcome]);
    }
    outcome
}

fn connect_node(shared: Arc<Shared>, kind: Kind) -> FnNode {
    let name = match kind {
        Kind::Json => "Connect Json Websocket",
        Kind::String => "Connect String Websocket",
    };
    FnNode::new(
        name,
        connect_doc(kind),
        move |cx| {
            let mut sig = connect_signature(kind);
            sig.errors.extend(check_authentication_literal(cx));
            Ok(sig)
        },
        move |cx: &dyn CompileCx| {
            let delegates = Delegates {
                on_connected: cx.delegate("On Connected"),
                on_connection_error: cx.delegate("On Connection Error"),
                on_disconnected: cx.delegate("On Disconnected"),
                on_message_received: cx.delegate("On Message Received"),
            };
            let shared = shared.clone();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let obj = cx.input(0).as_object().ok_or_else(none_target)?;
                let headers = match cx.input(4) {
                    Value::Map(map) => map.iter().map(|(k, v)| (k.clone(), v.as_str().to_string())).collect(),
                    _ => Vec::new(),
                };
                let params = ConnectParams {
                    url: cx.input(1).as_str().to_string(),
                    protocol: cx.input(2).as_str().to_string(),
                    authentication: cx.input(3).as_str().to_string(),
                    headers,
                    delegates,
                };
                Ok(Flow::Then(told(&shared, start(cx, &shared, obj, params))))
            }))
        },
    )
}

/// A Target pin that takes either connection class (JSON when nothing says otherwise).
fn any_connection(cx: &dyn SignatureCx) -> Result<Type, PinError> {
    match cx.input_type("Target") {
        None => Ok(object(Kind::Json)),
        Some(Type::Object(c)) if &*c == JSON_CLASS || &*c == STRING_CLASS => Ok(Type::Object(c)),
        Some(other) => Err(PinError::at(
            "Target",
            codes::TYPE_MISMATCH,
            format!("Target is a {JSON_CLASS} or {STRING_CLASS}, not {other}"),
        )),
    }
}

fn send_node(shared: &Shared, name: &str, kind: Kind, pin: &str, ty: Type, describe: &str) -> FnNode {
    let sig = Signature::then()
        .input("Target", object(kind))
        .input(pin, ty)
        .output("Return Value", Type::Bool);
    let doc = NodeDoc::of("WebSockets", describe, &sig);
    let object_only = name == "Send Json Object";
    let budget = shared.config.outgoing_buffer;
    FnNode::fixed(name, doc, sig, move |_| {
        Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| send(cx, object_only, budget)))
    })
}

/// Sends one text frame: true if it was queued; false, with a warning, if not. The
/// message is made into text only once the connection can take it, so a refused Send
/// costs no copy of it.
fn send(cx: &mut Cx<'_>, object_only: bool, budget: usize) -> Result<Flow, NodeError> {
    if object_only && matches!(cx.input(1), Value::Json(j) if !j.is_object()) {
        return Err(NodeError::new(
            "Send Json Object: Object is not a JSON object (use Send Json Value for other JSON)",
        ));
    }
    let full = "the outgoing queue is full (the server is not reading fast enough)";
    let (_, conn) = target(cx)?;
    let queued = conn.queued_bytes.load(std::sync::atomic::Ordering::SeqCst);
    let mut refused = match (&conn.state, conn.closing, &conn.outgoing) {
        // Something is queued: the message must fit beside it (measured, not copied).
        (State::Connected, false, Some(_)) if queued > 0 => {
            (queued.saturating_add(text_len(cx.input(1))) > budget).then(|| full.to_string())
        }
        (State::Connected, false, Some(_)) => None,
        (State::Connected, _, _) => Some("the connection is closing (Disconnect was called)".to_string()),
        (state, _, _) => Some(format!(
            "not connected (the connection is {})",
            if *state == State::Idle {
                "idle"
            } else {
                "still connecting"
            }
        )),
    };
    if refused.is_none() {
        let text = match cx.take_input(1) {
            Value::String(s) => Arc::unwrap_or_clone(s),
            Value::Json(j) => j.to_string(),
            other => other.to_json().to_string(),
        };
        let (_, conn) = target(cx)?;
        let len = text.len();
        refused = if let Some(out) = &conn.outgoing {
            conn.queued_bytes.fetch_add(len, std::sync::atomic::Ordering::SeqCst);
            match out.try_send(text) {
                Ok(()) => None,
                Err(e) => {
                    conn.queued_bytes.fetch_sub(len, std::sync::atomic::Ordering::SeqCst);
                    Some(match e {
                        mpsc::error::TrySendError::Full(_) => full.to_string(),
                        mpsc::error::TrySendError::Closed(_) => "the connection has closed".to_string(),
                    })
                }
            }
        } else {
            Some("the connection has closed".to_string())
        };
    }
    if let Some(why) = &refused {
        cx.log(Level::Warning, &format!("message not sent: {why}"));
    }
    cx.set_output(0, refused.is_none());
    Ok(Flow::Then(0))
}

/// How long a message's text is, without making it.
fn text_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = match value {
        Value::String(s) => return s.len(),
        Value::Json(j) => serde_json::to_writer(&mut count, &**j),
        other => serde_json::to_writer(&mut count, &other.to_json()),
    };
    count.0
}

/// Installs the socket node types.
pub fn install(r: &mut RegistryBuilder, shared: &Arc<Shared>) {
    r.add_node(connect_node(shared.clone(), Kind::Json));
    r.add_node(connect_node(shared.clone(), Kind::String));
    r.add_node(send_node(
        shared,
        "Send Json Object",
        Kind::Json,
        "Object",
        Type::Json,
        "Sends a JSON object as one text frame; false, with a warning, when not connected or the queue is full.",
    ));
    r.add_node(send_node(
        shared,
        "Send Json Value",
        Kind::Json,
        "Value",
        Type::Json,
        "Sends any JSON value as one text frame; false, with a warning, when not connected or the queue is full.",
    ));
    r.add_node(send_node(
        shared,
        "Send Message",
        Kind::String,
        "Message",
        Type::String,
        "Sends a string as one text frame; false, with a warning, when not connected or the queue is full.",
    ));
    let target_doc = |doc: NodeDoc| {
        doc.input(
            "Target",
            "Object(\"M2_JsonWebSocketConnection\" or \"M2_StringWebSocketConnection\")",
        )
    };
    r.add_node(FnNode::new(
        "Disconnect",
        target_doc(NodeDoc::new("WebSockets", "Closes with status 1000 and no reason; On Disconnected follows (On Connection Error while still connecting).").exec_in(&["exec"]).exec_out(&["then"])),
        |cx| Ok(Signature::then().input("Target", any_connection(cx)?)),
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let (_, conn) = target(cx)?;
                let why = match conn.state {
                    State::Idle => Some("Disconnect: the connection is not connected"),
                    _ if conn.closing => Some("Disconnect: already disconnecting"),
                    _ => None,
                };
                if why.is_none() {
                    conn.closing = true;
                    if let Some(close) = conn.close.take() {
                        let _ = close.send(());
                    }
                }
                if let Some(why) = why {
                    cx.log(Level::Warning, why);
                }
                Ok(Flow::Then(0))
            }))
        },
    ));
    let shared_reconnect = shared.clone();
    r.add_node(FnNode::new(
        "Reconnect",
        target_doc(NodeDoc::new("WebSockets", "Connects again with the parameters and delegates of the last Connect; Failed if Connect was never called.").exec_in(&["exec"]).exec_out(&OUTCOMES)),
        |cx| {
            let mut sig = Signature::impure();
            for out in OUTCOMES {
                sig = sig.exec_out(out);
            }
            Ok(sig.input("Target", any_connection(cx)?))
        },
        move |_| {
            let shared = shared_reconnect.clone();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let (obj, conn) = target(cx)?;
                let Some(params) = conn.last.clone() else {
                    cx.log(Level::Warning, "Failed: Reconnect needs a Connect first");
                    return Ok(Flow::Then(told(&shared, FAILED)));
                };
                Ok(Flow::Then(told(&shared, start(cx, &shared, obj, params))))
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Is Connected",
        target_doc(
            NodeDoc::new("WebSockets", "Whether the connection is open (pure); false for None.")
                .output("Return Value", "Bool"),
        ),
        |cx| {
            Ok(Signature::pure()
                .input("Target", any_connection(cx)?)
                .output("Return Value", Type::Bool))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let open = match cx.input(0).as_object() {
                    Some(obj) => cx
                        .object_mut::<Connection>(obj)
                        .is_some_and(|c| c.state == State::Connected && !c.closing),
                    None => false,
                };
                cx.set_output(0, open);
                Ok(Flow::End)
            }))
        },
    ));
}
