//! Scripted WebSocket servers that live in the test's process: the socket library reaches
//! them through [`ScriptTransport`], over an in-memory stream, with the real handshake
//! and framing (tungstenite on both ends). Each connection runs its host's script from
//! the top; what departs from it is written down as a failure naming the step.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use graphrun_socket::{Connecting, Transport};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// A script step with its JSON read (from the test file's literal).
#[derive(Clone, Debug)]
pub enum Step {
    /// Answers the handshake, choosing this subprotocol if any.
    Accept(Option<String>),
    /// Refuses the handshake with this HTTP status.
    Reject(u16),
    /// Refuses the TCP connection itself, as a server that is down (a script of its own).
    Refuse,
    /// The graph's next message must be this.
    Receive(Expected),
    /// Sends this text message.
    Send(String),
    /// Waits this many virtual seconds.
    Wait(f64),
    /// Closes with this code and reason.
    Close(u16, String),
    /// Loses the connection, with no close frame.
    Drop,
    /// The graph must close, with this code.
    ExpectClose(u16),
    /// The step before ended this many virtual seconds after the run began (first: the
    /// connection came then), within a millisecond; else the script fails here.
    At(f64),
    /// Waits until this many virtual seconds since the run began (a replay's timing).
    Until(f64),
    /// Sends a binary message of this many bytes (a replay's).
    SendBinary(usize),
    /// The connection does not open: the graph is told this error, word for word (a
    /// replay's; only as the first step).
    Fail(String),
}

/// What a Receive step takes.
#[derive(Clone, Debug)]
pub enum Expected {
    /// A JSON message equal to this.
    Json(serde_json::Value),
    /// This text.
    Text(String),
    /// Any message.
    Any,
}

/// The in-memory servers of one test, by host: a script per connection, in order (the
/// last one again for any further connection, or none: a replay's record has no more).
#[derive(Debug)]
pub struct ScriptTransport {
    scripts: HashMap<String, Vec<Vec<Step>>>,
    repeat_last: bool,
    opened: Mutex<HashMap<String, usize>>,
    /// When the run began, on the virtual clock (what `At` counts from).
    pub started: Mutex<Option<tokio::time::Instant>>,
    /// What departed from a script, in the order found.
    pub failures: Arc<Failures>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl ScriptTransport {
    /// Servers running these scripts: the first per connection in turn, the last again
    /// if `repeat_last`, else a further connection is refused and is a failure.
    pub fn new(scripts: HashMap<String, Vec<Vec<Step>>>, repeat_last: bool) -> ScriptTransport {
        ScriptTransport {
            scripts,
            repeat_last,
            opened: Mutex::default(),
            started: Mutex::default(),
            failures: Arc::default(),
            tasks: Mutex::default(),
        }
    }

    /// Waits, in virtual time and for at most `limit`, for the servers to finish (the
    /// instance has closed its connections); then ends those still running.
    pub async fn finish(&self, limit: Duration) {
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *self.tasks.lock().unwrap());
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(limit, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Transport for ScriptTransport {
    fn connect<'a>(&'a self, url: &'a url::Url) -> Connecting<'a> {
        Box::pin(async move {
            let host = url.host_str().unwrap_or_default().to_string();
            let Some(scripts) = self.scripts.get(&host) else {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    format!("the test has no server for `{host}`"),
                ));
            };
            let n = {
                let mut opened = self.opened.lock().unwrap();
                let n = opened.entry(host.clone()).or_insert(0);
                *n += 1;
                *n
            };
            let script = match scripts.get(n - 1).or(scripts.last().filter(|_| self.repeat_last)) {
                Some(script) => script.clone(),
                None => {
                    let what = format!("{host}: connection {n} is not in the record");
                    self.failures.push(what.clone());
                    return Err(io::Error::other(graphrun_socket::Replayed(what)));
                }
            };
            match script.first() {
                Some(Step::Fail(error)) => return Err(io::Error::other(graphrun_socket::Replayed(error.clone()))),
                Some(Step::Refuse) => return Err(refused()),
                _ => {}
            }
            let started = self.started.lock().unwrap().unwrap_or_else(tokio::time::Instant::now);
            // Failures name the connection where each has its own script.
            let host = if scripts.len() > 1 {
                format!("{host} connection {n}")
            } else {
                host
            };
            let (client, server) = tokio::io::duplex(64 << 10);
            let failures = self.failures.clone();
            let task = tokio::spawn(serve(host, script, server, failures, started));
            self.tasks.lock().unwrap().push(task);
            Ok(Box::new(client) as Box<dyn graphrun_socket::Stream>)
        })
    }
}

/// A refused TCP connection, as the system reports one (the graph sees what it would from
/// a server that is down: on Linux, `Connection refused (os error 111)`).
fn refused() -> io::Error {
    #[cfg(target_os = "linux")]
    return io::Error::from_raw_os_error(111);
    #[cfg(not(target_os = "linux"))]
    io::Error::from(io::ErrorKind::ConnectionRefused)
}

/// What departed from the servers' scripts; the first one may stop the run (a replay
/// stops at its first departure).
#[derive(Default)]
pub struct Failures {
    list: Mutex<Vec<String>>,
    on_first: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl std::fmt::Debug for Failures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list.lock().unwrap().iter()).finish()
    }
}

impl Failures {
    /// Writes down a departure.
    pub fn push(&self, what: String) {
        self.list.lock().unwrap().push(what);
        if let Some(first) = self.on_first.lock().unwrap().take() {
            first();
        }
    }

    /// Every departure, in the order found.
    pub fn all(&self) -> Vec<String> {
        self.list.lock().unwrap().clone()
    }

    /// Runs `f` at the first departure.
    pub fn on_first(&self, f: impl FnOnce() + Send + 'static) {
        *self.on_first.lock().unwrap() = Some(Box::new(f));
    }
}

/// A departure from step `n` (1-based) of `host`'s script.
fn fail(failures: &Failures, host: &str, n: usize, what: String) {
    failures.push(format!("{host} step {n}: {what}"));
}

/// Whether `when` is `seconds` after `started`, within a millisecond; else what happened.
/// (`what`: what was expected then, `did`: what it did instead, as "it came").
fn at(
    started: tokio::time::Instant,
    when: tokio::time::Instant,
    seconds: f64,
    what: &str,
    did: &str,
) -> Option<String> {
    let was = when.saturating_duration_since(started).as_secs_f64();
    ((was - seconds).abs() > 0.001).then(|| format!("expected {what} at {} s, {did} at {} s", secs(seconds), secs(was)))
}

/// Seconds as a failure shows them: to the millisecond, no trailing zeros.
pub(crate) fn secs(seconds: f64) -> String {
    let text = format!("{seconds:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A message as a failure shows it.
fn shown(message: &Message) -> String {
    match message {
        Message::Text(t) => t.to_string(),
        Message::Binary(b) => format!("a binary message of {} bytes", b.len()),
        Message::Close(Some(frame)) => format!("a close with {}", u16::from(frame.code)),
        Message::Close(None) => "a close with no status".to_string(),
        other => format!("{other:?}"),
    }
}

/// Runs `script` on one connection.
#[allow(clippy::result_large_err)] // the handshake callback's type is tungstenite's
async fn serve(
    host: String,
    script: Vec<Step>,
    stream: tokio::io::DuplexStream,
    failures: Arc<Failures>,
    started: tokio::time::Instant,
) {
    // `At` steps first check when the connection came.
    let came = tokio::time::Instant::now();
    let mut steps_from = 0;
    while let Some(Step::At(seconds)) = script.get(steps_from) {
        steps_from += 1;
        if let Some(what) = at(started, came, *seconds, "the connection", "it came") {
            fail(&failures, &host, steps_from, what);
            return;
        }
    }
    // The handshake's answer: the next step if it is one, else Accept.
    let answer = match script.get(steps_from) {
        Some(step @ (Step::Accept(_) | Step::Reject(_))) => {
            steps_from += 1;
            step.clone()
        }
        _ => Step::Accept(None),
    };
    let callback = |_request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        match &answer {
            Step::Reject(status) => {
                let mut refusal = ErrorResponse::new(Some("refused by the test's script".to_string()));
                *refusal.status_mut() =
                    tokio_tungstenite::tungstenite::http::StatusCode::from_u16(*status).unwrap_or_default();
                Err(refusal)
            }
            Step::Accept(Some(protocol)) => {
                if let Ok(value) = protocol.parse() {
                    response.headers_mut().insert("sec-websocket-protocol", value);
                }
                Ok(response)
            }
            _ => Ok(response),
        }
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    for (i, step) in script.iter().enumerate().skip(steps_from) {
        let n = i + 1;
        match step {
            Step::Accept(_) | Step::Reject(_) | Step::Fail(_) | Step::Refuse => {
                fail(&failures, &host, n, "a handshake answer comes only first".to_string());
                return;
            }
            Step::At(seconds) => {
                if let Some(what) = at(
                    started,
                    tokio::time::Instant::now(),
                    *seconds,
                    "the step before to end",
                    "it ended",
                ) {
                    fail(&failures, &host, n, what);
                    return;
                }
            }
            Step::Until(seconds) => tokio::time::sleep_until(started + Duration::from_secs_f64(*seconds)).await,
            Step::SendBinary(len) => {
                let _ = ws.send(Message::binary(vec![0u8; *len])).await;
            }
            Step::Receive(expected) => {
                let message = loop {
                    match ws.next().await {
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                        Some(Ok(message)) => break Some(message),
                        _ => break None,
                    }
                };
                let want = match expected {
                    Expected::Json(v) => v.to_string(),
                    Expected::Text(t) => format!("{t:?}"),
                    Expected::Any => "a message".to_string(),
                };
                let Some(message) = message else {
                    fail(
                        &failures,
                        &host,
                        n,
                        format!("expected {want}, but the connection was lost"),
                    );
                    return;
                };
                let matches = match (expected, &message) {
                    (Expected::Any, Message::Text(_) | Message::Binary(_)) => true,
                    (Expected::Text(t), Message::Text(got)) => got.as_str() == t,
                    (Expected::Json(v), Message::Text(got)) => {
                        serde_json::from_str::<serde_json::Value>(got).is_ok_and(|got| got == *v)
                    }
                    _ => false,
                };
                if !matches {
                    let got = match (expected, &message) {
                        (Expected::Text(_) | Expected::Any, Message::Text(t)) => format!("{:?}", t.as_str()),
                        _ => shown(&message),
                    };
                    fail(&failures, &host, n, format!("expected {want}, received {got}"));
                    return;
                }
                if matches!(message, Message::Close(_)) {
                    return;
                }
            }
            Step::Send(text) => {
                if ws.send(Message::text(text.clone())).await.is_err() {
                    fail(
                        &failures,
                        &host,
                        n,
                        "the connection was closed before the server could send".to_string(),
                    );
                    return;
                }
            }
            Step::Wait(seconds) => tokio::time::sleep(Duration::from_secs_f64(*seconds)).await,
            Step::Close(code, reason) => {
                let frame = CloseFrame {
                    code: CloseCode::from(*code),
                    reason: reason.clone().into(),
                };
                let _ = ws.send(Message::Close(Some(frame))).await;
                // The client's close reply, then the end.
                while let Some(Ok(_)) = ws.next().await {}
                return;
            }
            Step::Drop => return,
            Step::ExpectClose(code) => {
                let got = loop {
                    match ws.next().await {
                        Some(Ok(Message::Close(frame))) => break Some(frame.map(|f| u16::from(f.code))),
                        Some(Ok(_)) => continue,
                        _ => break None,
                    }
                };
                match got {
                    Some(Some(c)) if c == *code => {}
                    Some(Some(c)) => fail(
                        &failures,
                        &host,
                        n,
                        format!("expected a close with {code}, received {c}"),
                    ),
                    Some(None) => fail(
                        &failures,
                        &host,
                        n,
                        format!("expected a close with {code}, received a close with no status"),
                    ),
                    None => fail(
                        &failures,
                        &host,
                        n,
                        format!("expected a close with {code}, but the connection was lost"),
                    ),
                }
                while let Some(Ok(_)) = ws.next().await {}
                return;
            }
        }
    }
    // After the last step: the connection stays open and reads what comes.
    while let Some(Ok(_)) = ws.next().await {}
}
