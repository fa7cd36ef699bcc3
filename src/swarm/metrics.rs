//! What a swarm measures, without changing the graph: the socket library's tap (Connect
//! outcomes, handshake times, connection errors, closes, messages both ways and the reply
//! time: from a Send to the next message on that connection) and the instances' host
//! (runtime errors by node, warnings, `Record Metric` and `Count Metric`, the output).
//! Every instance of the process adds to one [`Metrics`].

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
// The runtime's clock: virtual under `--servers`, the system's otherwise.
use tokio::time::Instant;

use graphrun::{Host, Level, RuntimeError};
use graphrun_socket::{Tap, TapEvent};

use super::report::Histogram;

/// The first few warnings and runtime errors of each kind are shown; the rest counted.
const SHOWN: u64 = 3;

/// Counters of the whole swarm, and what the current second adds.
#[derive(Default)]
pub struct Metrics {
    pub started: AtomicU64,
    pub ended: Mutex<BTreeMap<String, u64>>,
    pub sent: AtomicU64,
    pub sent_bytes: AtomicU64,
    pub received: AtomicU64,
    pub received_bytes: AtomicU64,
    pub warnings: AtomicU64,
    inner: Mutex<Inner>,
    next_conn: AtomicU64,
}

/// What is kept under one lock: tables by name and the histograms.
#[derive(Default)]
pub struct Inner {
    pub outcomes: BTreeMap<String, u64>,
    pub connection_errors: BTreeMap<String, u64>,
    pub closes: BTreeMap<String, u64>,
    pub runtime_errors: BTreeMap<String, u64>,
    pub counters: BTreeMap<String, u64>,
    pub handshake: Histogram,
    pub reply: Histogram,
    pub metrics: BTreeMap<String, Histogram>,
    /// This second's reply times (for the per-second rows and the plot).
    pub second_reply: Histogram,
    /// Open connections: when each began to connect, and its oldest Send not yet replied to.
    conns: HashMap<u64, Conn>,
    /// How many of each kind of warning were shown.
    shown: HashMap<String, u64>,
}

struct Conn {
    connecting: Instant,
    waiting: Option<Instant>,
}

impl Metrics {
    pub fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An instance ended this way (`quit`, `idle`, `runtime_error`, `duration`, `stopped`).
    pub fn ended(&self, how: &str) {
        *self
            .ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(how.to_string())
            .or_default() += 1;
    }

    /// Instances ended so far.
    pub fn ended_count(&self) -> u64 {
        self.ended.lock().unwrap_or_else(|e| e.into_inner()).values().sum()
    }

    /// Whether a warning or error of this kind is among the first few (to be shown).
    fn first_few(&self, kind: &str) -> bool {
        let mut inner = self.inner();
        let shown = inner.shown.entry(kind.to_string()).or_default();
        *shown += 1;
        *shown <= SHOWN
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Seconds to the histograms' unit (microseconds).
fn micros(seconds: f64) -> u64 {
    (seconds * 1e6).round().max(0.0) as u64
}

impl Tap for Metrics {
    fn connecting(&self, _url: &str) -> u64 {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.inner().conns.insert(
            conn,
            Conn {
                connecting: Instant::now(),
                waiting: None,
            },
        );
        conn
    }

    fn event(&self, conn: u64, event: TapEvent<'_>) {
        let now = Instant::now();
        match event {
            TapEvent::Opened { .. } => {
                let mut inner = self.inner();
                if let Some(at) = inner.conns.get(&conn).map(|c| c.connecting) {
                    inner.handshake.record(micros((now - at).as_secs_f64()));
                }
            }
            TapEvent::Failed { error } => {
                let mut inner = self.inner();
                inner.conns.remove(&conn);
                *inner.connection_errors.entry(reason(error)).or_default() += 1;
            }
            TapEvent::Sent(text) => {
                self.sent.fetch_add(1, Ordering::Relaxed);
                self.sent_bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
                if let Some(c) = self.inner().conns.get_mut(&conn) {
                    c.waiting.get_or_insert(now);
                }
            }
            TapEvent::Received(text) => self.received(conn, text.len(), now),
            TapEvent::ReceivedBinary(len) => self.received(conn, len, now),
            TapEvent::Closed { code, .. } => {
                let mut inner = self.inner();
                inner.conns.remove(&conn);
                *inner.closes.entry(code.to_string()).or_default() += 1;
            }
        }
    }

    fn outcome(&self, outcome: &str) {
        *self.inner().outcomes.entry(outcome.to_string()).or_default() += 1;
    }
}

impl Metrics {
    fn received(&self, conn: u64, len: usize, now: Instant) {
        self.received.fetch_add(1, Ordering::Relaxed);
        self.received_bytes.fetch_add(len as u64, Ordering::Relaxed);
        let mut inner = self.inner();
        if let Some(sent) = inner.conns.get_mut(&conn).and_then(|c| c.waiting.take()) {
            let reply = micros((now - sent).as_secs_f64());
            inner.reply.record(reply);
            inner.second_reply.record(reply);
        }
    }
}

/// An error as the table counts it: its first 200 characters.
fn reason(error: &str) -> String {
    error.chars().take(200).collect()
}

/// The host of every instance of a swarm: output to `--output` (each line prefixed with the
/// instance's number) or nowhere, warnings and runtime errors counted (the first few of
/// each kind shown), the graph's own figures kept.
pub struct SwarmHost {
    pub instance: u64,
    pub metrics: std::sync::Arc<Metrics>,
    pub output: Option<std::sync::Arc<Mutex<std::io::BufWriter<std::fs::File>>>>,
}

impl Host for SwarmHost {
    fn print(&self, text: &str) {
        if let Some(out) = &self.output {
            let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(out, "{} {text}", self.instance);
        }
    }

    fn log(&self, level: Level, message: &str) {
        if level == Level::Warning {
            self.metrics.warnings.fetch_add(1, Ordering::Relaxed);
            let kind = message.split(':').next().unwrap_or(message);
            if self.metrics.first_few(&format!("warning {kind}")) {
                let _ = writeln!(std::io::stderr(), "instance {}: warning: {message}", self.instance);
            }
        }
    }

    fn runtime_error(&self, error: &RuntimeError) {
        let node = format!(
            "node `{}` ({}){}, {}",
            error.node_id,
            error.node_type,
            error.within.as_ref().map(|w| format!(" in {w}")).unwrap_or_default(),
            error.location
        );
        *self.metrics.inner().runtime_errors.entry(node.clone()).or_default() += 1;
        if self.metrics.first_few(&format!("error {node}")) {
            let _ = writeln!(std::io::stderr(), "instance {}: {error}", self.instance);
        }
    }

    fn metric(&self, name: &str, value: Option<f64>) {
        let mut inner = self.metrics.inner();
        match value {
            Some(value) => inner.metrics.entry(name.to_string()).or_default().record(micros(value)),
            None => *inner.counters.entry(name.to_string()).or_default() += 1,
        }
    }
}
