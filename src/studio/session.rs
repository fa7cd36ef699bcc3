//! What the studio knows and tells its pages: the graph's pictures or its diagnostics, the
//! run's state, output, log, variables, connections and breakpoints. A run's observer,
//! host and tap add to [`Pending`]; [`Session::flush`] (every 100 ms, and at once on a
//! pause or the end) moves that into the session and sends it to every page as one
//! message. A page that connects gets everything so far ([`Session::hello`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value as Json;

use super::protocol::{
    BodyEntry, ConnectionEntry, DiagnosticEntry, GraphEntry, LogEntry, NodeRef, PausedEntry, ToPage, ValuesEntry,
};
use graphrun_render::svg::Parts;

/// A node as the page knows it: the graph it is drawn in (`None`: the event graph, else a
/// function's or macro's name) and its id there.
pub type NodeKey = (Option<String>, String);

/// At most this many output lines, log entries and connection messages each are kept for
/// a page that connects later, and at most [`KEPT_BYTES`] of each (the oldest go first, and
/// the page is told how many).
const KEPT: usize = 5_000;
const KEPT_BYTES: usize = 4 << 20;

/// At most this many output lines, log entries and connection messages a batch carries,
/// and at most [`BATCH_BYTES`] of each panel's text (so that a flood of output never
/// crowds out the log); more in 100 ms are counted, and the count is shown in their place.
/// With [`LINE_CHARS`], this bounds a batch's size; with [`PAGE_QUEUE`], what a page that
/// does not read can make the studio hold.
const BATCH_LINES: usize = 2_000;
const BATCH_BYTES: usize = 256 << 10;

/// At most this many messages wait for a page that falls behind; past them it is sent
/// everything anew once it reads again ([`Session::hello`]).
const PAGE_QUEUE: usize = 16;

/// The most characters of a printed line, log entry or message the panels show.
pub const LINE_CHARS: usize = 2_000;

/// `text` as the panels show it: at most [`LINE_CHARS`] characters (copying no more), a
/// longer one cut with a marker saying how long it was.
pub fn cut(text: &str) -> String {
    match text.char_indices().nth(LINE_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!("{}… ({} bytes in all)", &text[..end], text.len()),
    }
}

/// The last values on one node's pins, as text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PinValues {
    pub inputs: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
}

/// What a run has reported since the last flush: each node and exec output that ran once,
/// the last values, and the panels' lines up to [`BATCH_LINES`] and [`BATCH_BYTES`].
#[derive(Default)]
pub struct Pending {
    /// Nodes that ran, with the exec output they went on through (once each).
    pub ran: HashSet<(NodeKey, Option<String>)>,
    pub values: HashMap<NodeKey, PinValues>,
    output: Vec<String>,
    log: Vec<LogEntry>,
    connections: Vec<ConnectionEntry>,
    /// Lines left out of this batch: output, log, connections.
    dropped: [u64; 3],
    /// The bytes of text this batch's lines hold: output, log, connections.
    bytes: [usize; 3],
    pub variables: Option<Vec<(String, String)>>,
    /// The node running last.
    pub active: Option<NodeKey>,
}

/// The breakpoints, kept from run to run, and a count that changes with them (observers
/// cache per node whether it has one).
#[derive(Default)]
pub struct Breakpoints {
    pub set: Mutex<BTreeSet<NodeKey>>,
    pub generation: AtomicU64,
}

/// How the page's controls reach one run's observer.
pub struct RunControl {
    /// Pause before the next node that can pause (Pause, Step).
    pub pause_next: AtomicBool,
    /// ... at this call depth or less (Step Over, Step Out; `usize::MAX`: any).
    pub step_depth: std::sync::atomic::AtomicUsize,
    /// The call depth of the node the run last paused at.
    pub paused_depth: std::sync::atomic::AtomicUsize,
    /// The run is being stopped: no more pauses (EndPlay runs through).
    pub stopping: AtomicBool,
}

impl Default for RunControl {
    fn default() -> RunControl {
        RunControl {
            pause_next: AtomicBool::new(false),
            step_depth: std::sync::atomic::AtomicUsize::new(usize::MAX),
            paused_depth: std::sync::atomic::AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
        }
    }
}

impl RunControl {
    /// Goes on from a pause: to the end or the next breakpoint (`None`), or to the next
    /// node at most `depth` calls deep.
    pub fn go_on(&self, depth: Option<usize>) {
        self.step_depth.store(depth.unwrap_or(usize::MAX), Ordering::SeqCst);
        self.pause_next.store(depth.is_some(), Ordering::SeqCst);
    }

    /// Whether a node `depth` calls deep pauses for a step.
    pub fn steps_to(&self, depth: usize) -> bool {
        self.pause_next.load(Ordering::SeqCst) && depth <= self.step_depth.load(Ordering::SeqCst)
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// The run's state, as `document.body.dataset.state` shows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RunState {
    Idle,
    Running,
    Paused,
    Ended,
}

impl RunState {
    pub fn name(self) -> &'static str {
        match self {
            RunState::Idle => "idle",
            RunState::Running => "running",
            RunState::Paused => "paused",
            RunState::Ended => "ended",
        }
    }
}

/// Where a run is paused: the node, and the calls that led there.
#[derive(Clone)]
pub struct PausedAt {
    pub node: NodeKey,
    pub calls: Vec<String>,
}

/// Everything the pages are shown.
struct State {
    /// The pictures: (name, kind, svg), the event graph first.
    graphs: Vec<(Option<String>, Parts)>,
    diagnostics: Vec<DiagnosticEntry>,
    run: RunState,
    paused_at: Option<PausedAt>,
    output: Vec<String>,
    /// Lines no longer kept (a page that connects later is told).
    output_forgotten: u64,
    log: Vec<LogEntry>,
    variables: BTreeMap<String, String>,
    /// Variables in the order the file declares them.
    variable_order: Vec<String>,
    /// Whether live editing is on.
    live: bool,
    connections: Vec<ConnectionEntry>,
    values: HashMap<NodeKey, PinValues>,
    /// Every node type the palette offers.
    palette: Json,
    /// The file's bodies and their variables as written.
    declared: Vec<BodyEntry>,
    /// Writes the editor has made to the file.
    saved: u64,
}

/// The studio's one session: every page sees the same file and run.
pub struct Session {
    state: Mutex<State>,
    pending: Mutex<Pending>,
    pub breakpoints: Breakpoints,
    /// Every message, and the page it is for (`None`: every page).
    events: tokio::sync::broadcast::Sender<(Option<Page>, Arc<str>)>,
    /// The number the next page to connect gets.
    next_page: AtomicU64,
}

/// A connected page, as the studio answers what it asked: the answers to its edits, copies,
/// undos and breakpoints (the ids an edit made, a copy's text, a refusal) go to it alone,
/// in order with what every page is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Page(pub u64);

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session")
    }
}

fn node_ref(key: &NodeKey) -> NodeRef<'_> {
    (&key.0, key.1.as_str())
}

fn values_of(values: &HashMap<NodeKey, PinValues>) -> Vec<ValuesEntry<'_>> {
    values
        .iter()
        .map(|(key, v)| ValuesEntry {
            graph: &key.0,
            node: &key.1,
            inputs: &v.inputs,
            outputs: &v.outputs,
        })
        .collect()
}

/// Keeps the last [`KEPT`] of `items`, and no more than [`KEPT_BYTES`] of their text
/// (`size`); how many went.
fn keep_last<T>(items: &mut Vec<T>, size: impl Fn(&T) -> usize) -> u64 {
    let mut bytes = 0;
    let kept = items
        .iter()
        .rev()
        .take(KEPT)
        .take_while(|item| {
            bytes += size(item);
            bytes <= KEPT_BYTES
        })
        .count();
    let over = items.len() - kept;
    items.drain(..over);
    over as u64
}

impl Session {
    pub fn new() -> Arc<Session> {
        let (events, _) = tokio::sync::broadcast::channel(PAGE_QUEUE);
        Arc::new(Session {
            state: Mutex::new(State {
                graphs: Vec::new(),
                diagnostics: Vec::new(),
                run: RunState::Idle,
                paused_at: None,
                output: Vec::new(),
                output_forgotten: 0,
                log: Vec::new(),
                variables: BTreeMap::new(),
                variable_order: Vec::new(),
                live: true,
                connections: Vec::new(),
                values: HashMap::new(),
                palette: Json::Null,
                declared: Vec::new(),
                saved: 0,
            }),
            pending: Mutex::new(Pending::default()),
            breakpoints: Breakpoints::default(),
            events,
            next_page: AtomicU64::new(1),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What a run adds to, between flushes.
    pub fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver of every message from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<(Option<Page>, Arc<str>)> {
        self.events.subscribe()
    }

    /// A number for a page that has just connected.
    pub fn page(&self) -> Page {
        Page(self.next_page.fetch_add(1, Ordering::Relaxed))
    }

    /// A message for `page` alone.
    fn answer(&self, page: &Page, message: &ToPage<'_>) {
        if let Ok(text) = serde_json::to_string(message) {
            let _ = self.events.send((Some(*page), text.into()));
        }
    }

    fn send(&self, message: &ToPage<'_>) {
        // No page connected is not an error: the next one gets a hello.
        if let Ok(text) = serde_json::to_string(message) {
            let _ = self.events.send((None, text.into()));
        }
    }

    /// Everything so far, for a page that connects.
    pub fn hello(&self) -> String {
        let st = self.state();
        let forgotten = format!("({} earlier lines are not shown)", st.output_forgotten);
        let mut output: Vec<&str> = Vec::with_capacity(st.output.len() + 1);
        if st.output_forgotten > 0 {
            output.push(&forgotten);
        }
        output.extend(st.output.iter().map(String::as_str));
        let bps = self.breakpoints.set.lock().unwrap_or_else(|e| e.into_inner());
        let message = ToPage::Hello {
            graphs: graphs_of(&st.graphs, &[]),
            diagnostics: &st.diagnostics,
            state: st.run.name(),
            paused_at: paused_of(st.paused_at.as_ref()),
            output,
            log: &st.log,
            variables: variables_of(&st),
            connections: &st.connections,
            values: values_of(&st.values),
            breakpoints: bps.iter().map(node_ref).collect(),
            palette: &st.palette,
            declared: &st.declared,
            saved: st.saved,
            live: st.live,
        };
        serde_json::to_string(&message).unwrap_or_default()
    }

    /// The file's bodies and variables as written, when they change.
    pub fn set_declared(&self, declared: Vec<BodyEntry>) {
        let mut st = self.state();
        if st.declared == declared {
            return;
        }
        st.declared = declared;
        self.send(&ToPage::Declared { declared: &st.declared });
    }

    /// What the palette offers.
    pub fn set_palette(&self, palette: Json) {
        self.state().palette = palette;
    }

    /// Turns live editing on or off, for every page.
    pub fn set_live(&self, on: bool) {
        self.state().live = on;
        self.send(&ToPage::Live { on });
    }

    /// Whether live editing is on.
    pub fn is_live(&self) -> bool {
        self.state().live
    }

    /// A live edit swapped a new program into the run: the variables panel shows its
    /// variables, in its order, with their values now.
    pub fn swapped(&self, variable_order: Vec<String>, variables: Vec<(String, String)>) {
        self.state().variable_order = variable_order;
        self.pending().variables = Some(variables);
    }

    /// The editor has written the file `count` times.
    pub fn set_saved(&self, count: u64) {
        self.state().saved = count;
        self.send(&ToPage::Saved { count });
    }

    /// An edit was written; what its operations printed (new nodes' ids).
    pub fn edited(&self, page: &Page, printed: &[String], names: &[(String, String)]) {
        self.answer(page, &ToPage::Edited { printed, names });
    }

    /// Copied nodes' text, for the page's clipboard.
    pub fn copied(&self, page: &Page, text: &str, purpose: Option<&str>) {
        self.answer(page, &ToPage::Copied { text, purpose });
    }

    /// What fits the pin `page` asked about (`Action::Fits`).
    pub fn fitting(&self, page: &Page, ty: &str, output: bool, pins: &[(String, String)]) {
        self.answer(
            page,
            &ToPage::Fitting {
                pin_type: ty,
                output,
                pins,
            },
        );
    }

    /// What `page` asked was refused: why, shown on that page (and in every page's log).
    pub fn refused(&self, page: &Page, message: &str) {
        self.answer(page, &ToPage::Refused { message });
        self.log("warning", message);
        self.flush();
    }

    /// The file as it is now: its pictures (the event graph first) and its diagnostics.
    pub fn set_graphs(&self, graphs: Vec<(Option<String>, Parts)>, diagnostics: Vec<DiagnosticEntry>) {
        let mut st = self.state();
        let before = std::mem::replace(&mut st.graphs, graphs);
        st.diagnostics = diagnostics;
        // Only what changed since the last pictures: pages hold those (a page that
        // connects later, or falls behind, gets a hello with everything).
        self.send(&ToPage::Graphs {
            graphs: graphs_of(&st.graphs, &before),
            diagnostics: &st.diagnostics,
        });
    }

    /// The file did not load: its diagnostics (the pictures stay as they were).
    pub fn set_diagnostics(&self, diagnostics: Vec<DiagnosticEntry>) {
        let mut st = self.state();
        st.diagnostics = diagnostics;
        self.send(&ToPage::Diagnostics {
            diagnostics: &st.diagnostics,
        });
    }

    /// A new run starts: what the last one showed is cleared.
    pub fn start_run(&self, variable_order: Vec<String>) {
        *self.pending() = Pending::default();
        let mut st = self.state();
        st.run = RunState::Running;
        st.paused_at = None;
        st.output.clear();
        st.output_forgotten = 0;
        st.log.clear();
        st.variables.clear();
        st.variable_order = variable_order;
        st.connections.clear();
        st.values.clear();
        drop(st);
        self.send(&ToPage::Reset);
        self.set_state(RunState::Running, None);
    }

    pub fn run_state(&self) -> RunState {
        self.state().run
    }

    /// The run is now `run` (paused at `at`).
    pub fn set_state(&self, run: RunState, at: Option<PausedAt>) {
        let mut st = self.state();
        st.run = run;
        st.paused_at = at;
        self.send(&ToPage::State {
            state: run.name(),
            paused_at: paused_of(st.paused_at.as_ref()),
        });
    }

    /// A line for the log panel (not from a run: the studio's own).
    pub fn log(&self, level: &'static str, message: &str) {
        self.pending().log(LogEntry {
            level,
            message: cut(message),
            graph: None,
            node: None,
        });
    }

    /// Toggles a breakpoint; the breakpoints now.
    pub fn toggle_breakpoint(&self, page: &Page, key: NodeKey) {
        {
            let mut bps = self.breakpoints.set.lock().unwrap_or_else(|e| e.into_inner());
            if !bps.remove(&key) {
                // Only on a node the file has now (a page could name any, of any length,
                // and every toggle sends the whole set to every page).
                let part = format!("node:{}", key.1);
                let drawn = self
                    .state()
                    .graphs
                    .iter()
                    .any(|(name, parts)| *name == key.0 && parts.items.iter().any(|(k, _)| *k == part));
                if !drawn {
                    drop(bps);
                    self.refused(
                        page,
                        &format!(
                            "no breakpoint: there is no node `{}` in {}",
                            shown_id(&key.1),
                            key.0
                                .as_deref()
                                .map_or("the event graph".to_string(), |f| format!("`{f}`"))
                        ),
                    );
                    return;
                }
                bps.insert(key);
            }
        }
        self.breakpoints.generation.fetch_add(1, Ordering::SeqCst);
        let bps = self.breakpoints.set.lock().unwrap_or_else(|e| e.into_inner());
        self.send(&ToPage::Breakpoints {
            breakpoints: bps.iter().map(node_ref).collect(),
        });
    }

    /// Moves what a run reported into the session and sends it to the pages: of the pins'
    /// values, only those that changed.
    pub fn flush(&self) {
        let batch = std::mem::take(&mut *self.pending());
        if batch.ran.is_empty()
            && batch.values.is_empty()
            && batch.output.is_empty()
            && batch.log.is_empty()
            && batch.variables.is_none()
            && batch.connections.is_empty()
            && batch.active.is_none()
            && batch.dropped == [0; 3]
        {
            return;
        }
        let Pending {
            ran,
            values,
            mut output,
            mut log,
            mut connections,
            dropped: [output_dropped, log_dropped, connections_dropped],
            variables,
            active,
            ..
        } = batch;
        let left_out = |n: u64, what: &str| {
            format!(
                "({n} more {what} in this moment are not shown; the studio shows {BATCH_LINES} or {} KiB every 100 ms)",
                BATCH_BYTES >> 10
            )
        };
        if output_dropped > 0 {
            output.push(left_out(output_dropped, "lines"));
        }
        if log_dropped > 0 {
            log.push(LogEntry {
                level: "warning",
                message: left_out(log_dropped, "log entries"),
                graph: None,
                node: None,
            });
        }
        if connections_dropped > 0 {
            connections.push(ConnectionEntry {
                conn: 0,
                kind: "dropped",
                text: left_out(connections_dropped, "connection events"),
            });
        }
        let mut st = self.state();
        st.output.extend(output.iter().cloned());
        let forgotten = keep_last(&mut st.output, String::len);
        st.output_forgotten += forgotten;
        st.log.extend(log.iter().cloned());
        keep_last(&mut st.log, |entry| entry.message.len());
        st.connections.extend(connections.iter().cloned());
        keep_last(&mut st.connections, |entry| entry.text.len());
        if let Some(vars) = &variables {
            st.variables = vars.iter().cloned().collect();
        }
        let changed: HashMap<NodeKey, PinValues> = values
            .into_iter()
            .filter(|(key, values)| st.values.get(key) != Some(values))
            .collect();
        for (key, values) in &changed {
            st.values.insert(key.clone(), values.clone());
        }
        let variables = variables.as_ref().map(|_| variables_of(&st));
        self.send(&ToPage::Batch {
            ran: ran.iter().map(|(key, exec)| (&key.0, key.1.as_str(), exec)).collect(),
            active: active.as_ref().map(node_ref),
            values: values_of(&changed),
            output: &output,
            log: &log,
            variables,
            connections: &connections,
        });
    }
}

impl Pending {
    /// Whether a line of `bytes` fits in this batch (else it is counted in `dropped[which]`).
    fn fits(&mut self, which: usize, lines: usize, bytes: usize) -> bool {
        if lines < BATCH_LINES && self.bytes[which] + bytes <= BATCH_BYTES {
            self.bytes[which] += bytes;
            true
        } else {
            self.dropped[which] += 1;
            false
        }
    }

    /// A printed line, cut at [`LINE_CHARS`].
    pub fn print(&mut self, line: &str) {
        let line = cut(line);
        if self.fits(0, self.output.len(), line.len()) {
            self.output.push(line);
        }
    }

    /// A log entry (its message already cut).
    pub fn log(&mut self, entry: LogEntry) {
        if self.fits(1, self.log.len(), entry.message.len()) {
            self.log.push(entry);
        }
    }

    /// A connection's event (its text already cut).
    pub fn connection(&mut self, entry: ConnectionEntry) {
        if self.fits(2, self.connections.len(), entry.text.len()) {
            self.connections.push(entry);
        }
    }
}

/// The pictures for the pages: per graph its opening, the keys of its elements in drawing
/// order, and the markup of each element that `before` (what the pages hold) does not have
/// as it is now.
fn graphs_of<'a>(graphs: &'a [(Option<String>, Parts)], before: &[(Option<String>, Parts)]) -> Vec<GraphEntry<'a>> {
    graphs
        .iter()
        .map(|(name, parts)| {
            let old: HashMap<&str, &str> = before
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p.items.iter().map(|(k, m)| (k.as_str(), m.as_str())).collect())
                .unwrap_or_default();
            GraphEntry {
                name,
                head: &parts.head,
                keys: parts.items.iter().map(|(k, _)| k.as_str()).collect(),
                markup: parts
                    .items
                    .iter()
                    .filter(|(k, m)| old.get(k.as_str()) != Some(&m.as_str()))
                    .map(|(k, m)| (k.as_str(), m.as_str()))
                    .collect(),
            }
        })
        .collect()
}

fn paused_of(at: Option<&PausedAt>) -> Option<PausedEntry<'_>> {
    at.map(|at| PausedEntry {
        graph: &at.node.0,
        node: &at.node.1,
        calls: &at.calls,
    })
}

/// The variables in the file's order, as `[name, value]` pairs.
fn variables_of(st: &State) -> Vec<(&str, &str)> {
    st.variable_order
        .iter()
        .filter_map(|name| st.variables.get(name).map(|v| (name.as_str(), v.as_str())))
        .collect()
}

/// Whether `a` and `b` are the same token, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh, unguessable token: 128 bits from the system's random source, as hex.
pub fn fresh_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("cannot make a token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A node id as a message shows it: control characters escaped, at most 80 characters.
fn shown_id(id: &str) -> String {
    let mut shown: String = id.chars().take(80).collect::<String>().escape_debug().to_string();
    if id.chars().nth(80).is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_lines_are_bounded_by_count_and_bytes() {
        let mut short: Vec<String> = (0..6_000).map(|i| i.to_string()).collect();
        assert_eq!(keep_last(&mut short, String::len), 1_000);
        assert_eq!(short[0], "1000");
        let mut long: Vec<String> = (0..5_000).map(|_| "x".repeat(LINE_CHARS)).collect();
        let went = keep_last(&mut long, String::len);
        assert_eq!(long.len(), KEPT_BYTES / LINE_CHARS);
        assert_eq!(went as usize + long.len(), 5_000);
    }

    #[test]
    fn a_long_line_is_cut_with_its_length_and_a_batch_counts_what_it_leaves_out() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(3_000);
        let shown = cut(&long);
        assert!(shown.starts_with(&"é".repeat(LINE_CHARS)));
        assert!(shown.ends_with("… (6000 bytes in all)"), "{shown}");
        let mut pending = Pending::default();
        for _ in 0..1_000 {
            pending.print(&long);
        }
        // A flood of output leaves the log its own room.
        pending.log(LogEntry {
            level: "info",
            message: "the run ended".to_string(),
            graph: None,
            node: None,
        });
        assert_eq!(pending.log.len(), 1);
        let kept = pending.output.len();
        assert_eq!(kept, BATCH_BYTES / cut(&long).len());
        assert_eq!(pending.dropped[0] as usize, 1_000 - kept);
    }
}
