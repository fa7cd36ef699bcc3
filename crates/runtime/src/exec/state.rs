//! An instance's state: its settings, its registers (output slots, variables, constants),
//! objects, timers and queue, the environment a chain runs in, and the errors every part
//! of the interpreter raises about them. The bottom of the interpreter: it knows nothing
//! of how chains run.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::exec::frames::Reentry;
use crate::exec::objects::Objects;
use crate::node::arith::{IntFault, IntOp};
use crate::node::event::{Event, EventSender, Sent, Shared};
use crate::node::host::{Host, Level};
use crate::node::NodeError;
use crate::plan::code::Reg;
use crate::plan::program::{InputPlan, ProgramInner};
use crate::value::{ObjectRef, Value};

/// Settings of one instance.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Loop iterations one event may run before it is stopped as a runtime error.
    pub max_loop_iterations: u64,
    /// Send each node that runs, with its pin values, to [`Host::trace`] (through a tracer
    /// observing the instance: the same loop runs, traced or not).
    pub trace: bool,
    /// How long the end of an instance waits for its connections to close.
    pub shutdown_grace: Duration,
    /// The largest value, in bytes of its text form, that a node may make; a node whose
    /// result would be larger fails with a runtime error instead.
    pub max_value_size: usize,
    /// The seed of the instance's random numbers (`Random Integer in Range`, …): the same
    /// seed gives the same numbers. `None`: seeded from the system.
    pub seed: Option<u64>,
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
            seed: None,
        }
    }
}

/// What a Timer object holds: where the timer is.
pub(crate) enum TimerObject {
    /// Waiting in the timer table under this key.
    Set((Instant, u64)),
    /// Came due at `due`; its firing is in the queue (a looping timer, of `period`, is
    /// set again when it runs).
    Queued { due: Instant, period: Option<Duration> },
    /// Cleared, or a one-shot timer that fired.
    Off,
}

pub(crate) enum Timer {
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
/// Why a chain ends before its end: with a failure, Quit or a stop every call it is in
/// ends too; after a Return Node the innermost call takes the chain back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Halt {
    /// A runtime error (reported where it happened), the loop guard past its limit, or an
    /// exec output the node does not have.
    Failed,
    /// A Quit node ran: the instance ends after this chain.
    Quit,
    /// The host asked the run to stop (a signal, `--duration`, a handle's stop).
    Stopped,
    /// A Return Node ran.
    Returned,
}

/// Whether a chain is to end now, and why. The flag is kept apart from the reason because
/// the instruction loop tests it at every jump: testing an `Option<Halt>` there cost 9
/// instructions a loop pass (callgrind, the loop benchmark's graph).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Halting {
    halted: bool,
    why: Halt,
}

impl Default for Halting {
    fn default() -> Self {
        Halting {
            halted: false,
            why: Halt::Failed,
        }
    }
}

impl Halting {
    /// The chain ends now, for `why`.
    #[inline(always)]
    pub(crate) fn set(&mut self, why: Halt) {
        self.halted = true;
        self.why = why;
    }

    /// Whether the chain is to end now.
    #[inline(always)]
    pub(crate) fn is_set(&self) -> bool {
        self.halted
    }

    /// Why the chain is to end now, if it is.
    #[inline(always)]
    pub(crate) fn get(&self) -> Option<Halt> {
        self.halted.then_some(self.why)
    }

    /// Why the chain was to end, taken: it goes on, or it is over.
    #[inline(always)]
    pub(crate) fn take(&mut self) -> Option<Halt> {
        std::mem::take(&mut self.halted).then_some(self.why)
    }
}

pub(crate) struct State {
    /// The registers: the output slots, then the variables (from `vars_at`), then the
    /// constants the instructions read (from `consts_at`).
    pub(crate) regs: Vec<Value>,
    pub(crate) vars_at: usize,
    pub(crate) consts_at: usize,
    pub(crate) node_state: Vec<Option<Box<dyn Any + Send>>>,
    pub(crate) objects: Objects,
    /// Rate-limited warnings, by node and kind ([`Cx::log`]).
    pub(crate) warned: HashMap<(u32, String), Warned>,
    /// Latent work started by nodes ([`Cx::spawn_latent`]): tracked, and cancelled when
    /// the instance ends.
    pub(crate) latent: TaskTracker,
    pub(crate) cancel: CancellationToken,
    pub(crate) timers: BTreeMap<(Instant, u64), Timer>,
    pub(crate) timer_seq: u64,
    pub(crate) queue: VecDeque<Event>,
    pub(crate) quit: bool,
    /// Whether the running chain is to end now, and why: set where it is decided (a
    /// failure, Quit, a stop, a Return Node) and taken where the chain's run ends, which
    /// returns it as its `End`.
    pub(crate) halt: Halting,
    pub(crate) errors: usize,
    /// The chain's pending re-entries (Sequence, loops); reused between events.
    pub(crate) stack: Vec<Reentry>,
    /// The frames of running calls that a recursive call put aside (their slots and
    /// locals), innermost last: values a collection must count as reachable.
    pub(crate) saved_frames: Vec<Value>,
    /// What the Return Node that ended a recursive call's body gave, until the call's
    /// frame is back.
    pub(crate) returned: Vec<Value>,
    /// The running event's loop passes (and exec-cycle passes), in function bodies too,
    /// for the loop guard.
    pub(crate) iterations: u64,
    /// The instance's random numbers, seeded from [`RunOptions::seed`].
    pub(crate) rng: fastrand::Rng,
    /// When the instance was made (`Get Time Seconds` counts from here).
    pub(crate) born: Instant,
    /// The swaps live edits made.
    pub(crate) generations: crate::exec::generations::Generations,
}

pub(crate) struct Env {
    pub(crate) host: Arc<dyn Host>,
    pub(crate) options: RunOptions,
    pub(crate) shared: Arc<Shared>,
    pub(crate) tx: crate::node::queue::Sender<Sent>,
    pub(crate) prog: Arc<ProgramInner>,
    /// The generation of `prog`: 0 for the program the instance started with, one more at
    /// each live edit's swap.
    pub(crate) gen: u32,
}

impl Env {
    pub(crate) fn sender(&self) -> EventSender {
        EventSender {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
            events: self.prog.clone(),
            gen: self.gen,
        }
    }

    /// Whether the running chain is to stop now.
    #[inline(always)]
    pub(crate) fn aborted(&self) -> bool {
        self.shared.abort.load(Ordering::Relaxed)
    }
}

/// The capacity of an instance's incoming event channel.
pub(crate) const CHANNEL_CAPACITY: usize = 1024;

impl State {
    pub(crate) fn vars(&self) -> &[Value] {
        &self.regs[self.vars_at..self.consts_at]
    }

    pub(crate) fn vars_mut(&mut self) -> &mut [Value] {
        &mut self.regs[self.vars_at..self.consts_at]
    }

    /// The registers, for the instructions.
    #[inline(always)]
    pub(crate) fn file(&mut self) -> RegFile<'_> {
        RegFile {
            regs: &mut self.regs,
            vars_at: self.vars_at,
        }
    }
}

/// Why an instruction failed; made into the owning node's error only when it does.
pub(crate) enum Fault {
    /// An input read a slot that is still unset.
    Unset(u32),
    /// Int arithmetic overflowed or divided by zero.
    Int(IntOp, IntFault, i64, i64),
    /// A Float divided by zero.
    FloatByZero,
    /// For Each Loop's Json value is not an array: its kind.
    NotAnArray(&'static str),
}

impl Fault {
    /// The error of the node owning instruction `pc`.
    #[cold]
    pub(crate) fn at(self, prog: &ProgramInner, pc: usize) -> (u32, NodeError) {
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
            Fault::Int(op, fault, a, b) => op.error(fault, a, b),
            Fault::FloatByZero => NodeError::new("division by zero"),
            Fault::NotAnArray(kind) => NodeError::new(format!("For Each Loop: the Json value is {kind}, not an array")),
        };
        (node, error)
    }
}

/// An instance's registers as its instructions use them: the output slots, then from
/// `vars_at` the variables and the constants. Borrowed apart from the rest of [`State`],
/// so that a loop running instructions keeps their address and length in machine
/// registers instead of loading them again after every store.
pub(crate) struct RegFile<'a> {
    pub(crate) regs: &'a mut [Value],
    vars_at: usize,
}

impl RegFile<'_> {
    /// What an instruction reads in register `r` when it is not of the operand's type: an
    /// unset slot is an error; anything else converts as the node's closure would.
    #[cold]
    pub(crate) fn other<T>(&self, r: Reg, convert: impl Fn(&Value) -> T) -> Result<T, Fault> {
        match &self.regs[r as usize] {
            Value::Unset if (r as usize) < self.vars_at => Err(Fault::Unset(r)),
            other => Ok(convert(other)),
        }
    }

    #[inline(always)]
    pub(crate) fn int(&self, r: Reg) -> Result<i64, Fault> {
        match self.regs[r as usize] {
            Value::Int(v) => Ok(v),
            _ => self.other(r, Value::as_int),
        }
    }

    #[inline(always)]
    pub(crate) fn float(&self, r: Reg) -> Result<f64, Fault> {
        match self.regs[r as usize] {
            Value::Float(v) => Ok(v),
            _ => self.other(r, Value::as_float),
        }
    }

    #[inline(always)]
    pub(crate) fn bool(&self, r: Reg) -> Result<bool, Fault> {
        match self.regs[r as usize] {
            Value::Bool(v) => Ok(v),
            _ => self.other(r, Value::as_bool),
        }
    }

    /// Register `src` into register `dst` (an Int as an Int: a clone of a whole `Value`
    /// is copied in pieces that stall the loads after it).
    #[inline(always)]
    pub(crate) fn copy(&mut self, src: usize, dst: usize) {
        match self.regs[src] {
            Value::Int(v) => self.put_int(dst as Reg, v),
            _ => {
                let value = self.regs[src].clone();
                self.regs[dst] = value;
            }
        }
    }

    #[inline(always)]
    pub(crate) fn put_int(&mut self, r: Reg, value: i64) {
        match &mut self.regs[r as usize] {
            Value::Int(v) => *v = value,
            place => *place = Value::Int(value),
        }
    }
}

/// Logs `message` through the host, naming node `node` and the graph.
pub(crate) fn log_at(prog: &ProgramInner, env: &Env, node: u32, level: Level, message: &str) {
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
pub(crate) const WARNING_INTERVAL: Duration = Duration::from_secs(1);

/// When a kind of warning of a node was last shown, and how many were not since.
pub(crate) struct Warned {
    pub(crate) shown: Instant,
    pub(crate) hidden: u64,
}

pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// `d` after `now` (capped where the clock would overflow).
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)))
}

/// The error of a node that panicked, with the panic's message.
#[cold]
pub(crate) fn panicked(payload: &(dyn Any + Send)) -> NodeError {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    NodeError::Panicked(message.into())
}

pub(crate) fn unset_read(prog: &ProgramInner, reader: u32, input: usize, slot: u32) -> NodeError {
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
    NodeError::new(format!(
        "`{input}` reads `{pin}` of node `{}` ({}), {what}",
        d.id, d.type_name
    ))
}
