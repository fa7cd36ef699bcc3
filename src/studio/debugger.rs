//! A studio run's observer, host and tap: what runs, the values on its pins, breakpoints,
//! pause and step (through the engine's observer hooks, the ones `--trace` uses), and the
//! output, log and connections. They add to the session's [`Pending`]; a pause sends at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::protocol::{ConnectionEntry, LogEntry};
use graphrun::{value_preview, Control, Host, Level, NodeView, Observer, Ran, RuntimeError, Tracer};
use graphrun_socket::{Closer, Tap, TapEvent};

use super::session::{cut, NodeKey, PausedAt, RunControl, RunState, Session};

/// Watches one run for the studio.
pub struct Debugger {
    session: Arc<Session>,
    control: Arc<RunControl>,
    /// `--trace`, if asked for: it sees every hook too.
    tracer: Option<Tracer>,
    /// Per node: its key, and whether it has a breakpoint (as of `seen_generation`).
    keys: HashMap<u32, (NodeKey, bool)>,
    seen_generation: u64,
    /// The inputs of the nodes running, as `before` saw them (a function call's node
    /// waits for its body's).
    inputs: Vec<Vec<(String, String)>>,
    /// The node that last failed, for the runtime error that follows.
    failed: Option<NodeKey>,
}

impl Debugger {
    pub fn new(session: Arc<Session>, control: Arc<RunControl>, tracer: Option<Tracer>) -> Debugger {
        Debugger {
            session,
            control,
            tracer,
            keys: HashMap::new(),
            seen_generation: u64::MAX,
            inputs: Vec::new(),
            failed: None,
        }
    }

    /// The node's key and whether it has a breakpoint.
    fn key(&mut self, node: &NodeView<'_>) -> (NodeKey, bool) {
        let generation = self.session.breakpoints.generation.load(Ordering::SeqCst);
        if generation != self.seen_generation {
            self.keys.clear();
            self.seen_generation = generation;
        }
        let session = &self.session;
        self.keys
            .entry(node.index())
            .or_insert_with(|| {
                let key = (node.within().map(str::to_string), node.id().to_string());
                let bps = session.breakpoints.set.lock().unwrap_or_else(|e| e.into_inner());
                let hit = bps.contains(&key);
                (key, hit)
            })
            .clone()
    }

    fn variables(node: &NodeView<'_>) -> Vec<(String, String)> {
        node.variables()
            .map(|(name, value)| (name.to_string(), value_preview(value, node.registry())))
            .collect()
    }
}

fn texts<'a>(pins: impl Iterator<Item = (&'a str, &'a graphrun::Value)>, node: &NodeView<'_>) -> Vec<(String, String)> {
    pins.filter(|(_, v)| !matches!(v, graphrun::Value::Unset))
        .map(|(name, value)| (name.to_string(), value_preview(value, node.registry())))
        .collect()
}

impl Observer for Debugger {
    fn event(&mut self, node: &NodeView<'_>) {
        if let Some(tracer) = &mut self.tracer {
            tracer.event(node);
        }
        self.session.pending().variables = Some(Debugger::variables(node));
    }

    fn before(&mut self, node: &NodeView<'_>) -> Control {
        if let Some(tracer) = &mut self.tracer {
            tracer.before(node);
        }
        let (key, breakpoint) = self.key(node);
        let inputs: Vec<(String, String)> = {
            let values = node.inputs();
            texts(values.iter().map(|(n, v)| (*n, v)), node)
        };
        let control = &self.control;
        let depth = node.call_depth();
        let pause = node.can_pause() && !control.stopping() && (breakpoint || control.steps_to(depth));
        if pause {
            control.go_on(None);
            control.paused_depth.store(depth, Ordering::SeqCst);
        }
        {
            let mut pending = self.session.pending();
            pending.values.entry(key.clone()).or_default().inputs = inputs.clone();
            pending.active = Some(key.clone());
            if pause {
                pending.variables = Some(Debugger::variables(node));
            }
        }
        self.inputs.push(inputs);
        if !pause {
            return Control::Continue;
        }
        // What ran up to here reaches the page before it is told of the pause.
        self.session.flush();
        self.session.set_state(
            RunState::Paused,
            Some(PausedAt {
                node: key,
                calls: node.calls(),
            }),
        );
        // The node has not run: its inputs are seen again when it does.
        self.inputs.pop();
        Control::Pause
    }

    fn after(&mut self, node: &NodeView<'_>, ran: Ran<'_>) {
        if let Some(tracer) = &mut self.tracer {
            tracer.after(node, ran);
        }
        let (key, _) = self.key(node);
        let outputs = texts(node.outputs().into_iter(), node);
        let inputs = self.inputs.pop();
        let exec = match ran {
            Ran::Exec(pin) => Some(pin.to_string()),
            Ran::Done => None,
            Ran::Failed(_) => {
                self.failed = Some(key.clone());
                None
            }
        };
        // After a node that writes a variable, the variables panel is brought up to date.
        let variables = node.writes_variable().then(|| Debugger::variables(node));
        let mut pending = self.session.pending();
        let values = pending.values.entry(key.clone()).or_default();
        values.outputs = outputs;
        if let Some(inputs) = inputs {
            values.inputs = inputs;
        }
        if variables.is_some() {
            pending.variables = variables;
        }
        pending.ran.insert((key, exec));
    }

    fn swapped(&mut self, program: &graphrun::Program, variables: &[graphrun::Value], what: &graphrun::Swapped) {
        if let Some(tracer) = &mut self.tracer {
            tracer.swapped(program, variables, what);
        }
        // Node numbers are the new program's from now on.
        self.keys.clear();
        let names: Vec<String> = program.variables().iter().map(|v| v.name.clone()).collect();
        let shown = names
            .iter()
            .zip(variables)
            .map(|(name, value)| (name.clone(), value_preview(value, program.registry())))
            .collect();
        self.session.swapped(names, shown);
    }

    fn runtime_error(&mut self, error: &RuntimeError) {
        if let Some(tracer) = &mut self.tracer {
            tracer.runtime_error(error);
        }
        let node = self.failed.take();
        self.session.pending().log(LogEntry {
            level: "error",
            message: cut(&error.to_string()),
            graph: node.as_ref().and_then(|k| k.0.clone()),
            node: node.map(|k| k.1),
        });
    }
}

/// Where a studio run's output goes: the output and log panels (and `--trace` to stderr).
pub struct StudioHost {
    pub session: Arc<Session>,
}

impl Host for StudioHost {
    fn print(&self, text: &str) {
        self.session.pending().print(text);
    }

    fn log(&self, level: Level, message: &str) {
        let level = match level {
            Level::Info => "info",
            Level::Warning => "warning",
        };
        self.session.log(level, message);
    }

    fn runtime_error(&self, _: &RuntimeError) {
        // The observer reports it, with its node.
    }
}

/// The connections panel: each connection's URL, how it went and its messages.
#[derive(Debug)]
pub struct StudioTap {
    pub session: Arc<Session>,
    pub next: AtomicU64,
}

impl Tap for StudioTap {
    fn connecting(&self, url: &str) -> u64 {
        let conn = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        self.session.pending().connection(ConnectionEntry {
            conn,
            kind: "connecting",
            text: cut(url),
        });
        conn
    }

    fn event(&self, conn: u64, event: TapEvent<'_>) {
        let (kind, text) = match event {
            TapEvent::Opened { protocol } => (
                "opened",
                protocol.map_or("open".to_string(), |p| format!("open, subprotocol {p}")),
            ),
            TapEvent::Failed { error } => ("failed", cut(error)),
            TapEvent::Received(text) => ("received", cut(text)),
            TapEvent::ReceivedBinary(len) => ("received", format!("(a binary message of {len} bytes)")),
            TapEvent::Sent(text) => ("sent", cut(text)),
            TapEvent::Closed {
                code,
                reason,
                clean,
                by,
            } => {
                let by = match by {
                    Closer::Graph => "the graph",
                    Closer::Server => "the server",
                    Closer::Lost => "nobody (lost)",
                };
                (
                    "closed",
                    format!(
                        "closed by {by}: status {code}, clean {clean}{}",
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(", \"{reason}\"")
                        }
                    ),
                )
            }
        };
        self.session.pending().connection(ConnectionEntry { conn, kind, text });
    }
}
