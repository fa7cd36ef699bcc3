//! A running instance of a program: its variables, output slots, objects, timers and event
//! queue, and the interpreter that runs one event at a time. Chains run synchronously;
//! latent work (timers, Delay, a node's future) comes back as a new event.

use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::code::{FloatOp, Instr, IntOp, Reg};
use crate::node::{Entry, EventRef, Flow, NodeError};
use crate::objects::{self, IdSet, Objects};
use crate::program::{InputPlan, Program, ProgramInner};
use crate::registry::{Registry, TIMER_CLASS};
use crate::value::{ClassNames, Conversion, ObjectRef, Value};

/// How bad a log message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Worth knowing.
    Info,
    /// Something was refused or dropped.
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Info => "info",
            Level::Warning => "warning",
        })
    }
}

/// Where an instance's output goes. The defaults write Print String to stdout and the
/// rest to stderr, as `graphrun run` does; an embedding host overrides what it wants.
pub trait Host: Send + Sync {
    /// A Print String.
    fn print(&self, text: &str) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// A log message from the runtime or a node library.
    fn log(&self, level: Level, message: &str) {
        eprintln!("{level}: {message}");
    }

    /// A runtime error; it ended its event's execution, not the instance.
    fn runtime_error(&self, error: &RuntimeError) {
        eprintln!("{error}");
    }

    /// One line of `--trace`: a node that ran, with its pin values.
    fn trace(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// The host of `graphrun run`: stdout and stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct StdioHost;

impl Host for StdioHost {}

/// A runtime error: what went wrong, and the node, graph and position where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    /// What went wrong.
    pub message: String,
    /// The node's id.
    pub node_id: String,
    /// The node's type.
    pub node_type: String,
    /// The graph's name.
    pub graph: String,
    /// `FILE:LINE:COL` of the node.
    pub location: String,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "runtime error: {}\n  --> {}: node `{}` ({}), graph `{}`",
            self.message, self.location, self.node_id, self.node_type, self.graph
        )
    }
}

impl std::error::Error for RuntimeError {}

/// Settings of one instance.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Loop iterations one event may run before it is stopped as a runtime error.
    pub max_loop_iterations: u64,
    /// Send each node that runs, with its pin values, to [`Host::trace`].
    pub trace: bool,
    /// How long the end of an instance waits for its connections to close.
    pub shutdown_grace: Duration,
    /// The largest value, in bytes of its text form, that a node may make; a node whose
    /// result would be larger fails with a runtime error instead.
    pub max_value_size: usize,
}

/// The default of [`RunOptions::max_value_size`]: 64 MiB.
pub const DEFAULT_MAX_VALUE_SIZE: usize = 64 << 20;

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_loop_iterations: 1_000_000,
            trace: false,
            shutdown_grace: Duration::from_secs(2),
            max_value_size: DEFAULT_MAX_VALUE_SIZE,
        }
    }
}

/// Why an instance ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `Quit` ran.
    Quit,
    /// Nothing was left that could ever run.
    Idle,
    /// The host stopped it.
    Stopped,
}

/// How a run went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// Why it ended.
    pub outcome: Outcome,
    /// How many runtime errors happened.
    pub runtime_errors: usize,
    /// The most objects that were alive at once (objects nothing can reach are freed).
    pub peak_objects: usize,
}

/// Work done later in an instance: a node's result, posted from a task.
pub type LatentFn = Box<dyn FnOnce(&mut Cx<'_>) -> Result<Flow, NodeError> + Send>;

/// Work a node library's task runs in an instance (update an object, fire a delegate).
pub type TaskFn = Box<dyn FnOnce(&mut Cx<'_>) + Send>;

/// A host's access to the variables of a running instance.
type HostFn = Box<dyn FnOnce(&mut [Value]) + Send>;

enum Event {
    Start(u32),
    Custom {
        event: u32,
        args: Vec<Value>,
    },
    Wake {
        node: u32,
        payload: u64,
    },
    /// A timer of Set Timer by Event came due: its event runs, and a looping timer is set
    /// again from then (so a timer that falls behind has at most one firing queued).
    Timer {
        timer: ObjectRef,
        event: u32,
        period: Option<Duration>,
        due: Instant,
    },
    Latent {
        node: u32,
        f: LatentFn,
    },
    Task {
        node: u32,
        f: TaskFn,
    },
    Host(HostFn),
}

struct Shared {
    /// Work outside the queue that may still post an event (tasks, open connections).
    pending: AtomicUsize,
    /// The instance is ending (the host asked it to stop, or it is running EndPlay).
    stop: AtomicBool,
    /// The running chain is to stop at its next loop pass (or exec-cycle pass): set by each
    /// stop request, and cleared before EndPlay, so a second request also ends a long
    /// EndPlay.
    abort: AtomicBool,
    wake: Notify,
}

/// Keeps an instance from ending by quiescence while held: a node library holds one per
/// open connection or running task; a host holds one to keep an idle instance alive.
pub struct KeepAlive {
    shared: Arc<Shared>,
}

impl KeepAlive {
    fn new(shared: &Arc<Shared>) -> KeepAlive {
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
    tx: mpsc::Sender<Event>,
    shared: Arc<Shared>,
    prog: Arc<ProgramInner>,
}

impl fmt::Debug for EventSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventSender")
    }
}

impl EventSender {
    /// Fires a Custom Event with its args (already of its params' types). Waits while the
    /// queue is full. An error if `event` is not a Custom Event of this program, if the
    /// args do not fit its params, or if the instance has ended.
    pub async fn fire(&self, event: EventRef, args: Vec<Value>) -> Result<(), HostError> {
        check_event_args(&self.prog, event.0, &args).map_err(HostError)?;
        self.tx
            .send(Event::Custom { event: event.0, args })
            .await
            .map_err(|_| HostError("the instance has ended".into()))
    }

    /// Runs `f` in the instance, in the context of node `node` (see [`Cx::node_index`]),
    /// and follows the flow it returns from that node's exec outputs.
    pub async fn call(&self, node: u32, f: LatentFn) -> bool {
        self.tx.send(Event::Latent { node, f }).await.is_ok()
    }

    /// Runs `f` in the instance as an event of its own, in the context of node `node` (for
    /// its logs); nothing follows it. Waits while the queue is full; false if the instance
    /// has ended.
    pub async fn run(&self, node: u32, f: TaskFn) -> bool {
        self.tx.send(Event::Task { node, f }).await.is_ok()
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

/// A handle on an instance for its host: fire events, read and set variables while it
/// runs, stop it. Cheap to clone, `Send`.
#[derive(Clone)]
pub struct InstanceHandle {
    sender: EventSender,
    program: Program,
}

/// Why a host's request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

impl InstanceHandle {
    /// Fires the Custom Event with this node id, with args for its params (converted as
    /// pins convert). Waits while the queue is full.
    pub async fn fire(&self, event: &str, args: Vec<Value>) -> Result<(), HostError> {
        let (node, args) = event_args(&self.program, event, args)?;
        self.sender.fire(EventRef(node), args).await
    }

    /// Reads a variable of the running instance.
    pub async fn variable(&self, name: &str) -> Result<Value, HostError> {
        let index = variable_index(&self.program, name)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let f: HostFn = Box::new(move |vars| {
            let _ = tx.send(vars[index].clone());
        });
        self.sender
            .tx
            .send(Event::Host(f))
            .await
            .map_err(|_| HostError("the instance has ended".into()))?;
        rx.await
            .map_err(|_| HostError("the instance ended before it answered".into()))
    }

    /// Sets a variable of the running instance (between events).
    pub async fn set_variable(&self, name: &str, value: Value) -> Result<(), HostError> {
        let index = variable_index(&self.program, name)?;
        let value = checked_value(&self.program, index, value)?;
        let f: HostFn = Box::new(move |vars| vars[index] = value);
        self.sender
            .tx
            .send(Event::Host(f))
            .await
            .map_err(|_| HostError("the instance has ended".into()))
    }

    /// Stops the instance, then EndPlay runs.
    /// A chain running at the time stops at its next loop pass; asked again while EndPlay
    /// runs, EndPlay stops too.
    pub fn stop(&self) {
        self.sender.shared.stop.store(true, Ordering::SeqCst);
        self.sender.shared.abort.store(true, Ordering::SeqCst);
        self.sender.shared.wake.notify_one();
    }

    /// A guard that keeps the instance alive while held.
    pub fn keep_alive(&self) -> KeepAlive {
        self.sender.keep_alive()
    }
}

fn variable_index(program: &Program, name: &str) -> Result<usize, HostError> {
    program.variable_index(name).ok_or_else(|| {
        let known = program.variables().iter().map(|v| v.name.as_str());
        HostError(format!("no variable `{name}`{}", crate::check::suggest(name, known)))
    })
}

fn value_type(value: &Value, registry: &Registry) -> Option<graphrun_format::Type> {
    use graphrun_format::Type;
    Some(match value {
        Value::Unset => return None,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Float(_) => Type::Float,
        Value::String(_) => Type::String,
        Value::Json(_) => Type::Json,
        Value::Array(items) => Type::Array(Box::new(
            items
                .first()
                .and_then(|v| value_type(v, registry))
                .unwrap_or(Type::Json),
        )),
        Value::Map(map) => Type::Map(Box::new(
            map.values()
                .next()
                .and_then(|v| value_type(v, registry))
                .unwrap_or(Type::Json),
        )),
        Value::Object(Some(o)) => Type::Object(registry.class_name(o.class).into()),
        Value::Object(None) => return None,
    })
}

/// Converts a host's value to a type, as a pin would; an error names both types and
/// `what()` (made only then).
fn convert_to(
    value: Value,
    ty: &graphrun_format::Type,
    registry: &Registry,
    what: impl Fn() -> String,
) -> Result<Value, HostError> {
    use crate::value::Conversion;
    if let (graphrun_format::Type::Object(_), Value::Object(None)) = (ty, &value) {
        return Ok(value);
    }
    let from = value_type(&value, registry).ok_or_else(|| HostError(format!("{}: the value has no type", what())))?;
    match (&value, ty) {
        (Value::Array(items), graphrun_format::Type::Array(_)) if items.is_empty() => return Ok(value),
        (Value::Map(map), graphrun_format::Type::Map(_)) if map.is_empty() => return Ok(value),
        _ => {}
    }
    match Conversion::between(ty, &from) {
        Some(c) => Ok(value.convert(c, registry)),
        None => Err(HostError(format!("{} is {ty}, but the value is {from}", what()))),
    }
}

fn checked_value(program: &Program, index: usize, value: Value) -> Result<Value, HostError> {
    let var = &program.variables()[index];
    convert_to(value, &var.ty, program.registry(), || {
        format!("variable `{}`", var.name)
    })
}

/// Whether `args` may be fired at node `event`: it is a Custom Event, and they are as
/// many as its params and of their types. The error says what is wrong.
fn check_event_args(prog: &ProgramInner, event: u32, args: &[Value]) -> Result<(), String> {
    let debug = prog
        .debug
        .get(event as usize)
        .filter(|_| prog.is_event[event as usize])
        .ok_or_else(|| format!("node number {event} is not a Custom Event of graph `{}`", prog.name))?;
    if args.len() != debug.output_types.len() {
        return Err(format!(
            "Custom Event `{}` takes {} argument(s), not {}",
            debug.id,
            debug.output_types.len(),
            args.len()
        ));
    }
    for ((value, ty), name) in args.iter().zip(&debug.output_types).zip(&debug.output_names) {
        if !fits(value, ty, &prog.registry) {
            let what = value_type(value, &prog.registry).map_or("unset".to_string(), |t| t.to_string());
            return Err(format!(
                "param `{name}` of Custom Event `{}` is {ty}, but the value is {what}",
                debug.id
            ));
        }
    }
    Ok(())
}

/// Whether `value` is of type `ty` as it stands (no conversion).
fn fits(value: &Value, ty: &graphrun_format::Type, registry: &Registry) -> bool {
    use graphrun_format::Type;
    match (value, ty) {
        (Value::Bool(_), Type::Bool)
        | (Value::Int(_), Type::Int)
        | (Value::Float(_), Type::Float)
        | (Value::String(_), Type::String)
        | (Value::Json(_), Type::Json)
        | (Value::Object(None), Type::Object(_)) => true,
        (Value::Object(Some(o)), Type::Object(class)) => {
            let name = registry.class_name(o.class);
            name == &**class
                || registry
                    .class_id(class)
                    .is_some_and(|id| registry.class(id).deprecated_alias_of.as_deref() == Some(name))
        }
        (Value::Array(items), Type::Array(t)) => items.iter().all(|v| fits(v, t, registry)),
        (Value::Map(map), Type::Map(t)) => map.values().all(|v| fits(v, t, registry)),
        _ => false,
    }
}

fn event_args(program: &Program, event: &str, args: Vec<Value>) -> Result<(u32, Vec<Value>), HostError> {
    let inner = &program.inner;
    let Some(&node) = inner.events.get(event) else {
        let known = inner.events.keys().map(String::as_str);
        return Err(HostError(format!(
            "no Custom Event `{event}`{}",
            crate::check::suggest(event, known)
        )));
    };
    let debug = &inner.debug[node as usize];
    if args.len() != debug.output_types.len() {
        return Err(HostError(format!(
            "Custom Event `{event}` takes {} argument(s), not {}",
            debug.output_types.len(),
            args.len()
        )));
    }
    let args = args
        .into_iter()
        .zip(&debug.output_types)
        .zip(&debug.output_names)
        .map(|((v, ty), name)| convert_to(v, ty, &inner.registry, || format!("param `{name}` of `{event}`")))
        .collect::<Result<_, _>>()?;
    Ok((node, args))
}

/// What a Timer object holds: where the timer is.
enum TimerObject {
    /// Waiting in the timer table under this key.
    Set((Instant, u64)),
    /// Came due; its firing is in the queue (a looping timer is set again when it runs).
    Queued,
    /// Cleared, or a one-shot timer that fired.
    Off,
}

enum Timer {
    Wake {
        node: u32,
        payload: u64,
    },
    Event {
        timer: ObjectRef,
        event: u32,
        period: Option<Duration>,
    },
}

/// The mutable state of an instance that nodes may touch through [`Cx`].
struct State {
    /// The registers: the output slots, then the variables (from `vars_at`), then the
    /// constants the instructions read (from `consts_at`).
    regs: Vec<Value>,
    vars_at: usize,
    consts_at: usize,
    node_state: Vec<Option<Box<dyn Any + Send>>>,
    objects: Objects,
    /// Rate-limited warnings, by node and kind ([`Cx::log`]).
    warned: std::collections::HashMap<(u32, String), Warned>,
    /// Latent work started by nodes ([`Cx::spawn_latent`]), aborted when the instance ends.
    tasks: Vec<tokio::task::AbortHandle>,
    timers: BTreeMap<(Instant, u64), Timer>,
    timer_seq: u64,
    queue: VecDeque<Event>,
    quit: bool,
    errors: usize,
    /// The chain's pending re-entries (Sequence, loops); reused between events.
    stack: Vec<(u32, u64)>,
}

struct Env {
    host: Arc<dyn Host>,
    options: RunOptions,
    shared: Arc<Shared>,
    tx: mpsc::Sender<Event>,
    prog: Arc<ProgramInner>,
}

impl Env {
    fn sender(&self) -> EventSender {
        EventSender {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
            prog: self.prog.clone(),
        }
    }

    /// Whether the running chain is to stop now.
    #[inline(always)]
    fn aborted(&self) -> bool {
        self.shared.abort.load(Ordering::Relaxed)
    }
}

/// The capacity of an instance's incoming event channel.
const CHANNEL_CAPACITY: usize = 1024;

/// A running instance of a program.
pub struct Instance {
    program: Program,
    env: Env,
    st: State,
    scratch: Vec<Value>,
    rx: mpsc::Receiver<Event>,
    started: bool,
    ended: bool,
}

impl fmt::Debug for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("program", &self.program.name())
            .finish()
    }
}

impl Instance {
    /// A new instance with the default options, its variables at their defaults.
    pub fn new(program: &Program, host: Arc<dyn Host>) -> Instance {
        Instance::with_options(program, host, RunOptions::default())
    }

    /// A new instance with these options.
    pub fn with_options(program: &Program, host: Arc<dyn Host>, options: RunOptions) -> Instance {
        let inner = &program.inner;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        Instance {
            program: program.clone(),
            env: Env {
                host,
                options,
                shared: Arc::new(Shared {
                    pending: AtomicUsize::new(0),
                    stop: AtomicBool::new(false),
                    abort: AtomicBool::new(false),
                    wake: Notify::new(),
                }),
                tx,
                prog: program.inner.clone(),
            },
            st: State {
                regs: std::iter::repeat_n(Value::Unset, inner.slot_count)
                    .chain(inner.variables.iter().map(|v| v.default.clone()))
                    .chain(inner.code.consts.iter().cloned())
                    .collect(),
                vars_at: inner.slot_count,
                consts_at: inner.slot_count + inner.variables.len(),
                node_state: (0..inner.nodes.len()).map(|_| None).collect(),
                objects: Objects::new(),
                tasks: Vec::new(),
                warned: std::collections::HashMap::new(),
                timers: BTreeMap::new(),
                timer_seq: 0,
                queue: VecDeque::new(),
                quit: false,
                errors: 0,
                stack: Vec::new(),
            },
            scratch: Vec::new(),
            rx,
            started: false,
            ended: false,
        }
    }

    /// The program it runs.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// A handle for the host: fire events, stop, read variables while it runs.
    pub fn handle(&self) -> InstanceHandle {
        InstanceHandle {
            sender: self.sender(),
            program: self.program.clone(),
        }
    }

    /// A sender for events by node number, as nodes get from [`Cx::sender`].
    pub fn sender(&self) -> EventSender {
        self.env.sender()
    }

    /// A variable's current value.
    pub fn variable(&self, name: &str) -> Option<&Value> {
        self.program.variable_index(name).map(|i| &self.st.vars()[i])
    }

    /// Sets a variable (converted as a pin converts: an Int to a Float variable is fine).
    pub fn set_variable(&mut self, name: &str, value: Value) -> Result<(), HostError> {
        let index = variable_index(&self.program, name)?;
        self.st.vars_mut()[index] = checked_value(&self.program, index, value)?;
        Ok(())
    }

    /// Queues a Custom Event (by its node id) with args for its params; it runs in turn
    /// when the instance runs.
    pub fn fire(&mut self, event: &str, args: Vec<Value>) -> Result<(), HostError> {
        let (event, args) = event_args(&self.program, event, args)?;
        self.st.queue.push_back(Event::Custom { event, args });
        Ok(())
    }

    /// Runs the instance until it ends: by `Quit`, by having nothing left that could ever
    /// run, or by [`InstanceHandle::stop`]. BeginPlay runs first (once), EndPlay last; then
    /// every object is dropped (closing connections) and the end waits, for at most
    /// [`RunOptions::shutdown_grace`], for their tasks to finish.
    pub async fn run(&mut self) -> RunReport {
        if self.ended {
            return self.report(Outcome::Stopped);
        }
        let prog = self.program.inner.clone();
        if !self.started {
            self.started = true;
            for (i, &node) in prog.begin_play.iter().enumerate() {
                self.st.queue.insert(i, Event::Start(node));
            }
        }
        let mut budget = 0u32;
        let outcome = loop {
            if self.env.shared.stop.load(Ordering::SeqCst) {
                break Outcome::Stopped;
            }
            if let Some(event) = self.st.queue.pop_front() {
                self.dispatch(&prog, event);
                if self.st.quit {
                    break Outcome::Quit;
                }
                budget += 1;
                if budget >= 256 {
                    budget = 0;
                    tokio::task::yield_now().await;
                }
                continue;
            }
            // The queue is empty: the timers that are due and the next event from tasks
            // take their turns, so that neither a flood of messages nor timers that fall
            // behind keeps the other waiting. One event at a time from tasks, so that what
            // it fires runs before the next (a delegate before the next report).
            let timers = !self.st.timers.is_empty() && self.queue_due_timers(Instant::now());
            let received = match self.rx.try_recv() {
                Ok(event) => {
                    self.st.queue.push_back(event);
                    true
                }
                Err(_) => false,
            };
            if timers || received {
                continue;
            }
            if self.st.timers.is_empty() && self.env.shared.pending.load(Ordering::SeqCst) == 0 {
                match self.rx.try_recv() {
                    Ok(event) => {
                        self.st.queue.push_back(event);
                        continue;
                    }
                    Err(_) => break Outcome::Idle,
                }
            }
            let next = self.st.timers.keys().next().map(|k| k.0);
            tokio::select! {
                Some(event) = self.rx.recv() => self.st.queue.push_back(event),
                _ = sleep_until(next) => {}
                _ = self.env.shared.wake.notified() => {}
            }
        };
        self.end(&prog).await;
        self.report(outcome)
    }

    fn report(&self, outcome: Outcome) -> RunReport {
        RunReport {
            outcome,
            runtime_errors: self.st.errors,
            peak_objects: self.st.objects.peak(),
        }
    }

    async fn end(&mut self, prog: &Arc<ProgramInner>) {
        self.ended = true;
        self.env.shared.stop.store(true, Ordering::SeqCst);
        // EndPlay runs to its end unless the host asks to stop again.
        self.env.shared.abort.store(false, Ordering::SeqCst);
        self.st.quit = false;
        self.st.queue.clear();
        self.st.timers.clear();
        for task in self.st.tasks.drain(..) {
            task.abort();
        }
        for &node in &prog.end_play {
            self.dispatch(prog, Event::Start(node));
            if self.st.quit {
                break;
            }
        }
        self.st.queue.clear();
        self.st.objects.clear();
        self.report_hidden_warnings(prog);
        self.st.node_state.clear();
        self.rx.close();
        let deadline = Instant::now() + self.env.options.shutdown_grace;
        while self.env.shared.pending.load(Ordering::SeqCst) > 0 {
            tokio::select! {
                _ = self.env.shared.wake.notified() => {}
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        while self.rx.try_recv().is_ok() {}
    }

    /// Says how many warnings were not shown since the last of their kind was.
    fn report_hidden_warnings(&mut self, prog: &ProgramInner) {
        let mut hidden: Vec<_> = self.st.warned.drain().filter(|(_, w)| w.hidden > 0).collect();
        hidden.sort_by(|a, b| a.0.cmp(&b.0));
        for ((node, kind), w) in hidden {
            let message = format!(
                "{kind}: {} more warning(s) of this kind were not shown (at most one a second)",
                w.hidden
            );
            log_at(prog, &self.env, node, Level::Warning, &message);
        }
    }

    /// Moves every timer that is due into the queue, earliest first. True if any was.
    fn queue_due_timers(&mut self, now: Instant) -> bool {
        let mut any = false;
        while let Some(entry) = self.st.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((due, _), timer) = entry.remove_entry();
            any = true;
            match timer {
                Timer::Wake { node, payload } => self.st.queue.push_back(Event::Wake { node, payload }),
                Timer::Event { timer, event, period } => {
                    self.st.queue.push_back(Event::Timer {
                        timer,
                        event,
                        period,
                        due,
                    });
                    if let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) {
                        *t = TimerObject::Queued;
                    }
                }
            }
        }
        any
    }

    /// A timer's firing is about to run: false if the timer was cleared meanwhile. A
    /// looping timer is set again for its next tick after now, keeping its cadence: ticks
    /// it missed are not made up (as Unreal's timers fire at most once a frame).
    fn rearm(&mut self, timer: ObjectRef, event: u32, period: Option<Duration>, due: Instant) -> bool {
        let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) else {
            return false;
        };
        if !matches!(t, TimerObject::Queued) {
            return false;
        }
        *t = match period {
            Some(p) => {
                let now = Instant::now();
                let missed = now.saturating_duration_since(due).as_nanos() / p.as_nanos().max(1);
                let next = u32::try_from(missed + 1)
                    .ok()
                    .and_then(|k| p.checked_mul(k))
                    .and_then(|d| due.checked_add(d))
                    .filter(|next| *next > now)
                    .unwrap_or_else(|| later(now, p));
                let key = (next, self.st.timer_seq);
                self.st.timer_seq += 1;
                self.st.timers.insert(key, Timer::Event { timer, event, period });
                TimerObject::Set(key)
            }
            None => TimerObject::Off,
        };
        true
    }

    fn dispatch(&mut self, prog: &ProgramInner, event: Event) {
        match event {
            Event::Start(node) => self.run_chain(prog, node, Entry::Pin(0), Start::Fresh),
            Event::Custom { event, args } => {
                let base = prog.nodes[event as usize].out_base as usize;
                for (i, arg) in args.into_iter().enumerate() {
                    self.st.regs[base + i] = arg;
                }
                self.run_chain(prog, event, Entry::Pin(0), Start::Fresh)
            }
            Event::Wake { node, payload } => self.run_chain(prog, node, Entry::Resume(payload), Start::NoInputs),
            Event::Timer {
                timer,
                event,
                period,
                due,
            } => {
                if self.rearm(timer, event, period, due) {
                    self.run_chain(prog, event, Entry::Pin(0), Start::Fresh)
                }
            }
            Event::Latent { node, f } => {
                if (node as usize) < prog.nodes.len() {
                    self.run_chain(prog, node, Entry::Resume(0), Start::With(f))
                }
            }
            Event::Task { node, f } => {
                if (node as usize) < prog.nodes.len() {
                    self.scratch.clear();
                    let mut cx = Cx {
                        prog,
                        st: &mut self.st,
                        env: &self.env,
                        inputs: Inputs::Copied(&mut self.scratch),
                        node,
                        out_base: prog.nodes[node as usize].out_base as usize,
                    };
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut cx)));
                    if let Err(payload) = run {
                        self.runtime_error(prog, node, panicked(payload.as_ref()));
                    }
                }
            }
            Event::Host(f) => f(self.st.vars_mut()),
        }
    }

    fn runtime_error(&mut self, prog: &ProgramInner, node: u32, error: NodeError) {
        self.st.errors += 1;
        let debug = &prog.debug[node as usize];
        let error = RuntimeError {
            message: error.0,
            node_id: debug.id.clone(),
            node_type: debug.type_name.clone(),
            graph: prog.name.clone(),
            location: prog.source.location(debug.span),
        };
        self.env.host.runtime_error(&error);
    }

    /// Runs one event's chain from `node`, with the loop guard, until it ends.
    fn run_chain(&mut self, prog: &ProgramInner, node: u32, entry: Entry, start: Start) {
        let mut chain = Chain {
            stack: std::mem::take(&mut self.st.stack),
            iterations: 0,
        };
        chain.stack.clear();
        let first = match start {
            Start::Fresh => Some((node, entry)),
            start => {
                let result = self.exec_node(prog, node, entry, start);
                self.advance(prog, node, result, &mut chain)
            }
        };
        if let Some((n, entry)) = first {
            if self.env.options.trace {
                let mut next = Some((n, entry));
                while let Some((n, entry)) = next {
                    let result = self.exec_node(prog, n, entry, Start::Fresh);
                    next = self.advance(prog, n, result, &mut chain);
                }
            } else {
                self.run_code(prog, n, entry, &mut chain);
            }
        }
        chain.stack.clear();
        self.st.stack = chain.stack;
    }

    /// Where a chain goes once node `n` has run: the next node and how it is entered, or
    /// `None` when the chain is over (it ended, failed, quit or tripped the loop guard).
    #[inline(always)]
    fn advance(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        result: Result<Flow, (u32, NodeError)>,
        chain: &mut Chain,
    ) -> Option<(u32, Entry)> {
        let flow = match result {
            Ok(flow) => flow,
            Err((at, e)) => {
                self.runtime_error(prog, at, e);
                return None;
            }
        };
        if self.st.quit {
            return None;
        }
        let out = match flow {
            Flow::Then(out) => Some(out),
            Flow::End => None,
            Flow::Call { out, resume } => {
                chain.stack.push((n, resume));
                Some(out)
            }
            Flow::Loop { out, resume } => {
                // A stop request ends the chain at a loop pass.
                if self.env.aborted() {
                    return None;
                }
                chain.iterations += 1;
                chain.stack.push((n, resume));
                Some(out)
            }
        };
        let exec_out = &prog.nodes[n as usize].exec_out;
        let target = match out {
            Some(out) if out < exec_out.len() => exec_out[out],
            Some(out) => {
                self.no_such_exec_output(prog, n, out);
                return None;
            }
            None => None,
        };
        if target.is_some_and(|t| t.back_edge) {
            // An exec cycle's pass: a stop request ends the chain here too.
            if self.env.aborted() {
                return None;
            }
            chain.iterations += 1;
        }
        if chain.iterations > self.env.options.max_loop_iterations {
            self.loop_guard(prog, n);
            return None;
        }
        match target {
            Some(target) => Some((target.node, Entry::Pin(target.pin as usize))),
            None => chain.stack.pop().map(|(node, payload)| (node, Entry::Resume(payload))),
        }
    }

    #[cold]
    fn no_such_exec_output(&mut self, prog: &ProgramInner, n: u32, out: usize) {
        let names = &prog.debug[n as usize].exec_output_names;
        let error = NodeError(format!(
            "the node went on through exec output number {out}, but it has {} ({})",
            names.len(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            }
        ));
        self.runtime_error(prog, n, error);
    }

    #[cold]
    fn loop_guard(&mut self, prog: &ProgramInner, n: u32) {
        let error = loop_guard_error(self.env.options.max_loop_iterations);
        self.runtime_error(prog, n, error);
    }

    /// Runs a chain from node `n` through the program's instructions: for each node, its
    /// pure dependencies, then the node, then on to where its flow leads.
    fn run_code(&mut self, prog: &ProgramInner, mut n: u32, mut entry: Entry, chain: &mut Chain) {
        let code = &prog.code;
        let mut pc = code.start[n as usize] as usize;
        loop {
            // The pure instructions go on to the next; the others end the node's run.
            let result = match code.instrs[pc] {
                Instr::Pure(d) => match self.call(prog, d, Entry::Pin(0)) {
                    Ok(_) => Ok(None),
                    Err(e) => Err(Err(e)),
                },
                Instr::Node(m) => match self.call(prog, m, entry) {
                    Ok(flow) => Ok(Some(flow)),
                    Err(e) => Err(Err(e)),
                },
                Instr::Int { op, a, b, dst } => int_op(&mut self.st, op, a, b, dst).map(|()| None).map_err(Ok),
                Instr::Float { op, a, b, dst } => float_op(&mut self.st, op, a, b, dst).map(|()| None).map_err(Ok),
                Instr::Get { var, dst } => {
                    get(&mut self.st, var, dst);
                    Ok(None)
                }
                Instr::Set { var, src, dst } => set(&mut self.st, var, src, dst).map(Some).map_err(Ok),
                Instr::SetInt {
                    op,
                    a,
                    b,
                    sum,
                    var,
                    dst,
                } => set_int(&mut self.st, op, (a, b, sum), var, dst).map(Some).map_err(Ok),
                Instr::ForLoop {
                    first,
                    last,
                    dst,
                    body_len: 0,
                    ..
                } => for_loop(&mut self.st, entry, first, last, dst).map(Some).map_err(Ok),
                Instr::ForLoop {
                    first,
                    last,
                    dst,
                    body,
                    body_len,
                } => {
                    let body = body as usize..(body + body_len) as usize;
                    match self.loop_in_place(prog, chain, pc, entry, (first, last, dst), body) {
                        Ok(flow) => Ok(Some(flow)),
                        Err(e) => Err(Err(e)),
                    }
                }
                Instr::Branch { cond } => branch(&self.st, cond).map(Some).map_err(Ok),
            };
            let result = match result {
                Ok(None) => {
                    pc += 1;
                    continue;
                }
                Ok(Some(flow)) => Ok(flow),
                Err(Ok(fault)) => Err(fault.at(prog, pc)),
                Err(Err(e)) => Err(e),
            };
            match self.advance(prog, n, result, chain) {
                Some((next, next_entry)) => {
                    n = next;
                    entry = next_entry;
                    pc = code.start[n as usize] as usize;
                }
                None => return,
            }
        }
    }

    /// Runs a For Loop whose body is a straight run of `Set`s in place (see
    /// [`Instr::ForLoop`]): the same passes, errors, loop-guard count and Quit as when the
    /// chain goes through the body node by node.
    #[inline(never)]
    fn loop_in_place(
        &mut self,
        prog: &ProgramInner,
        chain: &mut Chain,
        pc: usize,
        mut entry: Entry,
        (first, last, dst): (Reg, Reg, Reg),
        body: Range<usize>,
    ) -> Result<Flow, (u32, NodeError)> {
        let code = &prog.code;
        let n = code.owner[pc];
        let deps = code.start[n as usize] as usize..pc;
        let limit = self.env.options.max_loop_iterations;
        loop {
            let index = match for_loop(&mut self.st, entry, first, last, dst) {
                Ok(Flow::Loop { resume, .. }) => resume,
                Ok(flow) => return Ok(flow),
                Err(fault) => return Err(fault.at(prog, pc)),
            };
            // In the order `advance` takes them: Quit (a pure node called through its
            // implementation may have quit), then the loop guard.
            if self.st.quit {
                return Ok(Flow::End);
            }
            chain.iterations += 1;
            if chain.iterations > limit {
                return Err((n, loop_guard_error(limit)));
            }
            // A stop request ends the chain at a loop pass.
            if self.env.aborted() {
                return Ok(Flow::End);
            }
            if !self.run_straight(prog, body.clone())? || !self.run_straight(prog, deps.clone())? {
                // A node quit: the chain ends (the caller sees it).
                return Ok(Flow::End);
            }
            entry = Entry::Resume(index);
        }
    }

    /// Runs pure instructions and `Set`s one after another; false if a node quit.
    #[inline(always)]
    fn run_straight(&mut self, prog: &ProgramInner, run: Range<usize>) -> Result<bool, (u32, NodeError)> {
        let code = &prog.code;
        for (i, instr) in code.instrs[run.clone()].iter().enumerate() {
            // Tested one by one, the likeliest first: branches that predict better than a
            // jump table in the tight loops this runs.
            if let Instr::SetInt {
                op,
                a,
                b,
                sum,
                var,
                dst,
            } = *instr
            {
                set_int(&mut self.st, op, (a, b, sum), var, dst).map_err(|f| f.at(prog, run.start + i))?;
                if self.st.quit {
                    return Ok(false);
                }
            } else if let Instr::Set { var, src, dst } = *instr {
                set(&mut self.st, var, src, dst).map_err(|f| f.at(prog, run.start + i))?;
                if self.st.quit {
                    return Ok(false);
                }
            } else if let Instr::Int { op, a, b, dst } = *instr {
                int_op(&mut self.st, op, a, b, dst).map_err(|f| f.at(prog, run.start + i))?;
            } else {
                self.run_other(prog, run.start + i, *instr)?;
            }
        }
        Ok(true)
    }

    /// The rest of [`Instance::run_straight`]: kept out of its loop, so that the loop tests
    /// for its likeliest instructions instead of jumping through a table.
    #[inline(never)]
    fn run_other(&mut self, prog: &ProgramInner, pc: usize, instr: Instr) -> Result<(), (u32, NodeError)> {
        match instr {
            Instr::Pure(d) => self.call(prog, d, Entry::Pin(0)).map(drop),
            Instr::Float { op, a, b, dst } => float_op(&mut self.st, op, a, b, dst).map_err(|f| f.at(prog, pc)),
            Instr::Get { var, dst } => {
                get(&mut self.st, var, dst);
                Ok(())
            }
            _ => unreachable!("a straight run holds pure instructions and Sets"),
        }
    }

    /// Runs node `n` through its implementation, its inputs made readable first.
    fn call(&mut self, prog: &ProgramInner, n: u32, entry: Entry) -> Result<Flow, (u32, NodeError)> {
        let in_place = self.prepare_inputs(prog, n).map_err(|e| (n, e))?;
        self.run_node(prog, n, entry, None, in_place).map_err(|e| (n, e))
    }

    /// Evaluates a node's pure dependencies and inputs, then runs it.
    fn exec_node(&mut self, prog: &ProgramInner, n: u32, entry: Entry, start: Start) -> Result<Flow, (u32, NodeError)> {
        let plan = &prog.nodes[n as usize];
        let (latent, in_place) = match start {
            Start::Fresh => {
                for &dep in plan.pure_deps.iter() {
                    self.call(prog, dep, Entry::Pin(0))?;
                }
                (None, self.prepare_inputs(prog, n).map_err(|e| (n, e))?)
            }
            Start::NoInputs => {
                self.scratch.clear();
                self.scratch.resize(plan.inputs.len(), Value::Unset);
                (None, false)
            }
            Start::With(f) => {
                self.scratch.clear();
                self.scratch.resize(plan.inputs.len(), Value::Unset);
                (Some(f), false)
            }
        };
        self.run_node(prog, n, entry, latent, in_place).map_err(|e| (n, e))
    }

    /// Makes a node's inputs readable: in place (checking that no slot it reads is unset),
    /// or copied and converted into the scratch buffer. True if in place.
    fn prepare_inputs(&mut self, prog: &ProgramInner, n: u32) -> Result<bool, NodeError> {
        let plan = &prog.nodes[n as usize];
        if !plan.in_place {
            self.gather_inputs(prog, n)?;
            return Ok(false);
        }
        for (i, input) in plan.inputs.iter().enumerate() {
            if let InputPlan::Slot { slot, .. } = input {
                if let Value::Unset = self.st.regs[*slot as usize] {
                    return Err(unset_read(prog, n, i, *slot));
                }
            }
        }
        Ok(true)
    }

    fn gather_inputs(&mut self, prog: &ProgramInner, n: u32) -> Result<(), NodeError> {
        self.scratch.clear();
        for (i, input) in prog.nodes[n as usize].inputs.iter().enumerate() {
            let value = match input {
                InputPlan::Const(v) => v.clone(),
                InputPlan::Slot { slot, conversion } => {
                    let v = &self.st.regs[*slot as usize];
                    if matches!(v, Value::Unset) {
                        return Err(unset_read(prog, n, i, *slot));
                    }
                    convert(v, *conversion, prog, n, i)?
                }
                InputPlan::Var { var, conversion } => convert(&self.st.vars()[*var as usize], *conversion, prog, n, i)?,
            };
            self.scratch.push(value);
        }
        Ok(())
    }

    fn run_node(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        entry: Entry,
        latent: Option<LatentFn>,
        in_place: bool,
    ) -> Result<Flow, NodeError> {
        let plan = &prog.nodes[n as usize];
        let trace_inputs = if self.env.options.trace {
            let values: Vec<Value> = if in_place {
                plan.inputs
                    .iter()
                    .map(|input| read_in_place(&self.st, input).clone())
                    .collect()
            } else {
                self.scratch.clone()
            };
            Some(self.trace_values(prog, &prog.debug[n as usize].input_names, &values))
        } else {
            None
        };
        let inputs = if in_place {
            Inputs::InPlace(&plan.inputs)
        } else {
            Inputs::Copied(&mut self.scratch)
        };
        let mut cx = Cx {
            prog,
            st: &mut self.st,
            env: &self.env,
            inputs,
            node: n,
            out_base: plan.out_base as usize,
        };
        // A host's node that panics fails with a runtime error, as any other failure.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match latent {
            None => plan.imp.run(&mut cx, entry),
            Some(f) => f(&mut cx),
        }))
        .unwrap_or_else(|payload| Err(panicked(payload.as_ref())));
        if !in_place {
            self.scratch.clear();
        }
        if let Some(inputs) = trace_inputs {
            self.trace(prog, n, inputs, &result);
        }
        result
    }

    fn trace_values(&self, prog: &ProgramInner, names: &[String], values: &[Value]) -> String {
        let mut out = String::new();
        for (name, value) in names.iter().zip(values) {
            if matches!(value, Value::Unset) {
                continue;
            }
            let mut text = String::new();
            value.write_text(&mut text, &prog.registry, true);
            if text.chars().count() > 200 {
                text = text.chars().take(200).collect::<String>() + "…";
            }
            out.push_str(&format!(" {name}={text}"));
        }
        out
    }

    fn trace(&self, prog: &ProgramInner, n: u32, inputs: String, result: &Result<Flow, NodeError>) {
        let debug = &prog.debug[n as usize];
        let base = prog.nodes[n as usize].out_base as usize;
        let outputs = self.trace_values(
            prog,
            &debug.output_names,
            &self.st.regs[base..base + debug.output_names.len()],
        );
        let exec = match result {
            Ok(Flow::Then(o) | Flow::Call { out: o, .. } | Flow::Loop { out: o, .. }) => {
                format!(" => {}", debug.exec_output_names.get(*o).map_or("?", String::as_str))
            }
            Ok(Flow::End) => String::new(),
            Err(e) => format!(" => error: {}", e.0),
        };
        let arrow = if outputs.is_empty() { "" } else { " ->" };
        self.env.host.trace(&format!(
            "trace: {} `{}` ({}){inputs}{arrow}{outputs}{exec}",
            prog.name, debug.id, debug.type_name
        ));
    }
}

fn loop_guard_error(limit: u64) -> NodeError {
    NodeError(format!(
        "infinite loop: more than {limit} loop iterations in one event (set the limit with --max-loop-iterations)"
    ))
}

/// A running chain's pending re-entries (Sequence, loops) and its loop-guard count.
struct Chain {
    stack: Vec<(u32, u64)>,
    iterations: u64,
}

enum Start {
    /// Evaluate pure dependencies and inputs first.
    Fresh,
    /// A wake-up: inputs are not evaluated again (they read as unset).
    NoInputs,
    /// A latent result: run this instead of the node.
    With(LatentFn),
}

/// Logs `message` through the host, naming node `node` and the graph.
fn log_at(prog: &ProgramInner, env: &Env, node: u32, level: Level, message: &str) {
    let debug = &prog.debug[node as usize];
    let location = prog.source.location(debug.span);
    env.host.log(
        level,
        &format!(
            "{message} (node `{}` ({}), graph `{}`, {location})",
            debug.id, debug.type_name, prog.name
        ),
    );
}

/// How often one kind of warning from one node is shown.
const WARNING_INTERVAL: Duration = Duration::from_secs(1);

/// When a kind of warning of a node was last shown, and how many were not since.
struct Warned {
    shown: Instant,
    hidden: u64,
}

/// Input `i` of node `n` converted to its pin's type. A value with an infinite or NaN
/// Float cannot become JSON: that is the node's error, as the same literal is a load error.
fn convert(value: &Value, conversion: Conversion, prog: &ProgramInner, n: u32, i: usize) -> Result<Value, NodeError> {
    if conversion == Conversion::ToJson {
        if let Some(f) = value.non_finite() {
            let input = prog.debug[n as usize].input_names.get(i).map_or("?", String::as_str);
            return Err(NodeError(format!(
                "`{input}` takes Json, but the value holds the Float {}, and JSON has no infinite or NaN numbers",
                crate::value::float_text(f)
            )));
        }
    }
    Ok(value.clone().convert(conversion, &prog.registry))
}

/// The error of a node that panicked, with the panic's message.
#[cold]
fn panicked(payload: &(dyn Any + Send)) -> NodeError {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    NodeError(format!("the node panicked: {message}"))
}

fn unset_read(prog: &ProgramInner, reader: u32, input: usize, slot: u32) -> NodeError {
    let source = prog.nodes.partition_point(|p| p.out_base <= slot).saturating_sub(1);
    let d = &prog.debug[source];
    let pin = d
        .output_names
        .get((slot - prog.nodes[source].out_base) as usize)
        .map_or("?", String::as_str);
    let input = prog.debug[reader as usize]
        .input_names
        .get(input)
        .map_or("?", String::as_str);
    // A pure node runs right before the node that reads it: if its output is unset, it
    // ran without setting it. Checking here, when it is read, costs nothing on the way.
    let what = if d.pure {
        "a pure node that ran but did not set it"
    } else {
        "which has not run yet or did not set it"
    };
    NodeError(format!(
        "`{input}` reads `{pin}` of node `{}` ({}), {what}",
        d.id, d.type_name
    ))
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// `d` after `now` (capped where the clock would overflow).
fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)))
}

/// What a running node can see and do: its inputs and outputs, variables, per-node state,
/// objects, timers, and the instance's event machinery.
pub struct Cx<'a> {
    prog: &'a ProgramInner,
    st: &'a mut State,
    env: &'a Env,
    inputs: Inputs<'a>,
    node: u32,
    out_base: usize,
}

/// Where a running node's inputs are read from.
enum Inputs<'a> {
    /// Copies, converted to the pins' types (and unset on a wake-up).
    Copied(&'a mut Vec<Value>),
    /// Where they are: constants, output slots and variables of the right types.
    InPlace(&'a [InputPlan]),
}

/// Why an instruction failed; made into the owning node's error only when it does.
enum Fault {
    /// An input read a slot that is still unset.
    Unset(u32),
    /// Int arithmetic overflowed.
    Overflow(IntOp, i64, i64),
}

impl Fault {
    /// The error of the node owning instruction `pc`.
    #[cold]
    fn at(self, prog: &ProgramInner, pc: usize) -> (u32, NodeError) {
        let node = prog.code.owner[pc];
        let error = match self {
            Fault::Unset(slot) => {
                let inputs = &prog.nodes[node as usize].inputs;
                let input = inputs
                    .iter()
                    .position(|i| matches!(i, InputPlan::Slot { slot: s, .. } if *s == slot))
                    .unwrap_or(0);
                unset_read(prog, node, input, slot)
            }
            Fault::Overflow(op, a, b) => crate::stdlib::overflow(a, op.node_name(), b),
        };
        (node, error)
    }
}

impl State {
    fn vars(&self) -> &[Value] {
        &self.regs[self.vars_at..self.consts_at]
    }

    fn vars_mut(&mut self) -> &mut [Value] {
        &mut self.regs[self.vars_at..self.consts_at]
    }

    /// What an instruction reads in register `r` when it is not of the operand's type: an
    /// unset slot is an error; anything else converts as the node's closure would.
    #[cold]
    fn other<T>(&self, r: Reg, convert: impl Fn(&Value) -> T) -> Result<T, Fault> {
        match &self.regs[r as usize] {
            Value::Unset if (r as usize) < self.vars_at => Err(Fault::Unset(r)),
            other => Ok(convert(other)),
        }
    }

    #[inline(always)]
    fn int(&self, r: Reg) -> Result<i64, Fault> {
        match self.regs[r as usize] {
            Value::Int(v) => Ok(v),
            _ => self.other(r, Value::as_int),
        }
    }

    #[inline(always)]
    fn float(&self, r: Reg) -> Result<f64, Fault> {
        match self.regs[r as usize] {
            Value::Float(v) => Ok(v),
            _ => self.other(r, Value::as_float),
        }
    }

    #[inline(always)]
    fn bool(&self, r: Reg) -> Result<bool, Fault> {
        match self.regs[r as usize] {
            Value::Bool(v) => Ok(v),
            _ => self.other(r, Value::as_bool),
        }
    }

    #[inline(always)]
    fn put_int(&mut self, r: Reg, value: i64) {
        match &mut self.regs[r as usize] {
            Value::Int(v) => *v = value,
            place => *place = Value::Int(value),
        }
    }
}

// The standard library's hot nodes as instructions: each does exactly what its node's
// closure does (traced runs call the closures; a test compares the two).

/// Add, Subtract or Multiply of the Ints in `a` and `b`; an error if it overflows.
#[inline(always)]
fn int_result(st: &State, op: IntOp, a: Reg, b: Reg) -> Result<i64, Fault> {
    let (a, b) = (st.int(a)?, st.int(b)?);
    op.apply(a, b).ok_or(Fault::Overflow(op, a, b))
}

#[inline(always)]
fn int_op(st: &mut State, op: IntOp, a: Reg, b: Reg, dst: Reg) -> Result<(), Fault> {
    let value = int_result(st, op, a, b)?;
    st.put_int(dst, value);
    Ok(())
}

#[inline(always)]
fn float_op(st: &mut State, op: FloatOp, a: Reg, b: Reg, dst: Reg) -> Result<(), Fault> {
    let value = op.apply(st.float(a)?, st.float(b)?);
    st.regs[dst as usize] = Value::Float(value);
    Ok(())
}

#[inline(always)]
fn get(st: &mut State, var: Reg, dst: Reg) {
    st.regs[dst as usize] = st.regs[var as usize].clone();
}

#[inline(always)]
fn set(st: &mut State, var: Reg, src: Reg, dst: Reg) -> Result<Flow, Fault> {
    match st.regs[src as usize] {
        Value::Int(i) => {
            st.put_int(var, i);
            st.put_int(dst, i);
        }
        _ => {
            st.other(src, |_| ())?;
            let value = st.regs[src as usize].clone();
            st.regs[var as usize] = value.clone();
            st.regs[dst as usize] = value;
        }
    }
    Ok(Flow::Then(0))
}

#[inline(always)]
fn set_int(st: &mut State, op: IntOp, (a, b, sum): (Reg, Reg, Reg), var: Reg, dst: Reg) -> Result<Flow, Fault> {
    let value = int_result(st, op, a, b)?;
    st.put_int(sum, value);
    st.put_int(var, value);
    st.put_int(dst, value);
    Ok(Flow::Then(0))
}

#[inline(always)]
fn for_loop(st: &mut State, entry: Entry, first: Reg, last: Reg, dst: Reg) -> Result<Flow, Fault> {
    let (first, last) = (st.int(first)?, st.int(last)?);
    let index = match entry {
        Entry::Pin(_) => Some(first),
        Entry::Resume(previous) => (previous as i64).checked_add(1),
    };
    match index {
        Some(i) if i <= last => {
            st.put_int(dst, i);
            Ok(Flow::Loop {
                out: 0,
                resume: i as u64,
            })
        }
        _ => Ok(Flow::Then(1)),
    }
}

#[inline(always)]
fn branch(st: &State, cond: Reg) -> Result<Flow, Fault> {
    Ok(Flow::Then(if st.bool(cond)? { 0 } else { 1 }))
}

#[inline]
fn read_in_place<'s>(st: &'s State, input: &'s InputPlan) -> &'s Value {
    match input {
        InputPlan::Const(v) => v,
        InputPlan::Slot { slot, .. } => &st.regs[*slot as usize],
        InputPlan::Var { var, .. } => &st.vars()[*var as usize],
    }
}

impl Cx<'_> {
    /// Input number `i`, evaluated and converted to the pin's type.
    ///
    /// Read inputs before writing this node's variables: an input wired to a variable the
    /// node then sets may read the new value.
    #[inline]
    pub fn input(&self, i: usize) -> &Value {
        match &self.inputs {
            Inputs::Copied(values) => &values[i],
            Inputs::InPlace(plans) => read_in_place(self.st, &plans[i]),
        }
    }

    /// How many inputs the node has.
    pub fn signature_inputs(&self) -> usize {
        match &self.inputs {
            Inputs::Copied(values) => values.len(),
            Inputs::InPlace(plans) => plans.len(),
        }
    }

    /// Takes input number `i` out (saving a clone), leaving it unset.
    pub fn take_input(&mut self, i: usize) -> Value {
        match &mut self.inputs {
            Inputs::Copied(values) => std::mem::take(&mut values[i]),
            Inputs::InPlace(plans) => read_in_place(self.st, &plans[i]).clone(),
        }
    }

    /// Sets output number `i`.
    pub fn set_output(&mut self, i: usize, value: impl Into<Value>) {
        self.st.regs[self.out_base + i] = value.into();
    }

    /// Output number `i`, as last set.
    pub fn output(&self, i: usize) -> &Value {
        &self.st.regs[self.out_base + i]
    }

    /// Variable number `i` (from [`crate::CompileCx::variable_index`]).
    pub fn variable(&self, i: usize) -> &Value {
        &self.st.vars()[i]
    }

    /// Sets variable number `i`.
    pub fn set_variable(&mut self, i: usize, value: Value) {
        self.st.vars_mut()[i] = value;
    }

    /// This node's state in this instance, made with `T::default()` on first use.
    pub fn state<T: Default + Send + 'static>(&mut self) -> &mut T {
        let slot = &mut self.st.node_state[self.node as usize];
        if !slot.as_ref().is_some_and(|s| s.is::<T>()) {
            *slot = Some(Box::new(T::default()));
        }
        slot.as_mut().and_then(|s| s.downcast_mut()).expect("just set")
    }

    /// Writes a Print String line through the host.
    pub fn print(&self, text: &str) {
        self.env.host.print(text);
    }

    /// Logs through the host, naming this node and graph. Warnings of one kind (the text
    /// before the first `:`) from one node are shown at most once a second; how many were
    /// not is said with the next one shown, or when the instance ends.
    pub fn log(&mut self, level: Level, message: &str) {
        let mut note = String::new();
        if level == Level::Warning {
            let kind = message.split(':').next().unwrap_or(message);
            let now = Instant::now();
            match self.st.warned.get_mut(&(self.node, kind.to_string())) {
                Some(w) if now.duration_since(w.shown) < WARNING_INTERVAL => {
                    w.hidden += 1;
                    return;
                }
                Some(w) => {
                    if w.hidden > 0 {
                        note = format!(
                            " ({} more warning(s) of this kind in the last {:.1} s were not shown)",
                            w.hidden,
                            now.duration_since(w.shown).as_secs_f64()
                        );
                    }
                    *w = Warned { shown: now, hidden: 0 };
                }
                None => {
                    self.st
                        .warned
                        .insert((self.node, kind.to_string()), Warned { shown: now, hidden: 0 });
                }
            }
        }
        let message = format!("{message}{note}");
        log_at(self.prog, self.env, self.node, level, &message);
    }

    /// Ends the instance: nothing more of this event runs, then EndPlay.
    pub fn quit(&mut self) {
        self.st.quit = true;
    }

    /// Re-enters this node with `Entry::Resume(payload)`, as a new event, after `delay`.
    pub fn wake_after(&mut self, delay: Duration, payload: u64) {
        let key = (later(Instant::now(), delay), self.st.timer_seq);
        self.st.timer_seq += 1;
        self.st.timers.insert(
            key,
            Timer::Wake {
                node: self.node,
                payload,
            },
        );
    }

    /// Sets a timer that fires `event` (a Custom Event with no params) after `period`, and
    /// every `period` after that if `looping`. Returns the Timer handle (an error only when
    /// the instance has made all the objects it can).
    pub fn set_timer(&mut self, event: EventRef, period: Duration, looping: bool) -> Result<ObjectRef, NodeError> {
        let class = self.prog.registry.class_id(TIMER_CLASS).expect("built in");
        let timer = self.new_object(class, Box::new(TimerObject::Off))?;
        let key = (later(Instant::now(), period), self.st.timer_seq);
        self.st.timer_seq += 1;
        let period = looping.then_some(period);
        self.st.timers.insert(
            key,
            Timer::Event {
                timer,
                event: event.0,
                period,
            },
        );
        if let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) {
            *t = TimerObject::Set(key);
        }
        Ok(timer)
    }

    /// Clears a timer; false if it was not set (cleared, or a one-shot that fired). A
    /// firing already queued does not run.
    pub fn clear_timer(&mut self, timer: ObjectRef) -> bool {
        let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) else {
            return false;
        };
        match std::mem::replace(t, TimerObject::Off) {
            TimerObject::Set(key) => self.st.timers.remove(&key).is_some(),
            TimerObject::Queued => true,
            TimerObject::Off => false,
        }
    }

    /// Makes a new object of class number `class` holding `data`. Objects that nothing can
    /// reach any more may be freed first: what keeps one alive is a variable, an output
    /// slot, a queued event's argument, a pending timer, or this node's inputs (but not an
    /// object a node took out of its inputs with [`Cx::take_input`], nor one that only an
    /// object's data or a node's state refers to). An error only when the instance has made
    /// all the objects it can (4,294,967,295).
    pub fn new_object(&mut self, class: u32, data: Box<dyn Any + Send>) -> Result<ObjectRef, NodeError> {
        if self.st.objects.wants_collection() {
            self.collect_objects();
        }
        let id = self.st.objects.insert(data).ok_or_else(|| {
            NodeError::new("this instance has made all the objects it can (4,294,967,295); no more can be made")
        })?;
        Ok(ObjectRef { class, id })
    }

    /// Frees the objects that nothing can reach: not a register (variable or output slot),
    /// a queued event's argument, a timer, or this node's inputs.
    #[cold]
    fn collect_objects(&mut self) {
        let mut reachable = IdSet::default();
        for v in &self.st.regs {
            objects::mark(v, &mut reachable);
        }
        if let Inputs::Copied(values) = &self.inputs {
            values.iter().for_each(|v| objects::mark(v, &mut reachable));
        }
        for event in &self.st.queue {
            match event {
                Event::Custom { args, .. } => args.iter().for_each(|v| objects::mark(v, &mut reachable)),
                Event::Timer { timer, .. } => {
                    reachable.insert(timer.id.get());
                }
                _ => {}
            }
        }
        for timer in self.st.timers.values() {
            if let Timer::Event { timer, .. } = timer {
                reachable.insert(timer.id.get());
            }
        }
        self.st.objects.collect(&reachable);
    }

    /// The data of an object, if it is alive and holds a `T`.
    pub fn object_mut<T: Any>(&mut self, obj: ObjectRef) -> Option<&mut T> {
        self.st.objects.get_mut(obj.id)
    }

    /// The class name of an object.
    pub fn class_name(&self, obj: ObjectRef) -> &str {
        self.prog.registry.class_name(obj.class)
    }

    /// The registry, for class names and numbers.
    pub fn registry(&self) -> &Registry {
        &self.prog.registry
    }

    /// This node's number in the program (for [`EventSender::call`]).
    pub fn node_index(&self) -> u32 {
        self.node
    }

    /// This node's id as written in the file.
    pub fn node_id(&self) -> &str {
        &self.prog.debug[self.node as usize].id
    }

    /// Queues a Custom Event to run after the events already queued; an error if `event`
    /// is not a Custom Event or the args do not fit its params.
    pub fn fire(&mut self, event: EventRef, args: Vec<Value>) -> Result<(), NodeError> {
        check_event_args(self.prog, event.0, &args).map_err(NodeError)?;
        self.st.queue.push_back(Event::Custom { event: event.0, args });
        Ok(())
    }

    /// A sender for events from other tasks.
    pub fn sender(&self) -> EventSender {
        self.env.sender()
    }

    /// Runs `work` on the tokio runtime; the closure it yields then runs in this node's
    /// context as a new event and its flow is followed. The instance stays alive meanwhile.
    pub fn spawn_latent<F>(&mut self, work: F)
    where
        F: Future<Output = LatentFn> + Send + 'static,
    {
        let sender = self.sender();
        let alive = sender.keep_alive();
        let node = self.node;
        let task = tokio::spawn(async move {
            let f = work.await;
            sender.call(node, f).await;
            drop(alive);
        });
        let tasks = &mut self.st.tasks;
        if tasks.len() == tasks.capacity() {
            tasks.retain(|t| !t.is_finished());
        }
        tasks.push(task.abort_handle());
    }

    /// Fails when a result of `bytes` would be over the instance's value size limit
    /// ([`RunOptions::max_value_size`]): call it before making a large value.
    pub fn check_size(&self, bytes: usize) -> Result<(), NodeError> {
        let limit = self.env.options.max_value_size;
        if bytes > limit {
            return Err(NodeError(format!(
                "the result would be {} bytes, over the value size limit of {} bytes (--max-value-size)",
                bytes, limit
            )));
        }
        Ok(())
    }

    /// The instance's value size limit in bytes ([`RunOptions::max_value_size`]).
    pub fn max_value_size(&self) -> usize {
        self.env.options.max_value_size
    }

    /// Whether the instance is ending (EndPlay is running, or stop was asked).
    pub fn is_ending(&self) -> bool {
        self.env.shared.stop.load(Ordering::SeqCst)
    }
}
