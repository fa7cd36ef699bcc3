//! A running instance of a program: its variables, output slots, objects, timers and event
//! queue, and the event loop that runs one event at a time. Chains run synchronously;
//! latent work (timers, Delay, a node's future) comes back as a new event.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::exec::base::{Instance, Start};
use crate::exec::generations::SwapRequest;
use crate::exec::handle::{checked_value, event_args, variable_index, InstanceHandle};
use crate::exec::node_path::Body;
use crate::exec::objects::Objects;
use crate::exec::observe::{Observer, Tracer};
use crate::exec::state::{
    later, log_at, sleep_until, Env, Halting, RunOptions, State, Timer, TimerObject, CHANNEL_CAPACITY,
};
use crate::node::event::{Call, Event, EventSender, Sent, Shared};
use crate::node::host::{Host, HostError, Level};
use crate::node::{Entry, PinValue};
use crate::plan::program::{Program, ProgramInner};
use crate::value::{ObjectRef, Value};

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

impl Instance {
    /// A new instance with the default options, its variables at their defaults.
    pub fn new(program: &Program, host: Arc<dyn Host>) -> Instance {
        Instance::with_options(program, host, RunOptions::default())
    }

    /// A new instance with these options.
    pub fn with_options(program: &Program, host: Arc<dyn Host>, options: RunOptions) -> Instance {
        let observer = options
            .trace
            .then(|| Box::new(Tracer::new(host.clone())) as Box<dyn Observer>);
        let inner = &program.inner;
        let (tx, rx) = crate::node::queue::channel(CHANNEL_CAPACITY);
        let rng = options.seed.map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Instance {
            program: program.clone(),
            env: Env {
                host,
                options,
                shared: Arc::new(Shared {
                    pending: AtomicUsize::new(0),
                    stop: AtomicBool::new(false),
                    abort: AtomicBool::new(false),
                    resume: AtomicBool::new(false),
                    hold: AtomicBool::new(false),
                    wake: Notify::new(),
                }),
                tx,
                prog: program.inner.clone(),
                gen: 0,
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
                latent: TaskTracker::new(),
                cancel: CancellationToken::new(),
                warned: std::collections::HashMap::new(),
                timers: BTreeMap::new(),
                timer_seq: 0,
                queue: VecDeque::new(),
                quit: false,
                halt: Halting::default(),
                errors: 0,
                stack: Vec::new(),
                saved_frames: Vec::new(),
                returned: Vec::new(),
                iterations: 0,
                rng,
                born: Instant::now(),
                generations: Default::default(),
            },
            scratch: Vec::new(),
            rx,
            started: false,
            ended: false,
            observer,
            paused: None,
            answering: None,
            calls: Default::default(),
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

    /// A sender for events by node number, as nodes get from [`Cx::sender`](crate::Cx::sender).
    pub fn sender(&self) -> EventSender {
        self.env.sender()
    }

    /// A variable's current value as a Rust type: `instance.get::<i64>("Count")`.
    pub fn get<T: PinValue>(&self, name: &str) -> Result<T, HostError> {
        let index = variable_index(&self.program, name)?;
        self.st.vars()[index]
            .get::<T>()
            .map_err(|e| HostError::Invalid(format!("variable `{name}`: {e}")))
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
        self.st.queue.push_back(Event::custom(event, args));
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
        let mut prog = self.program.inner.clone();
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
            if self.paused.is_some() || self.env.shared.hold.load(Ordering::SeqCst) {
                self.while_paused(&prog).await;
                // A chain resumed from a pause may have run Quit: the run ends there, as
                // it does after any other chain.
                if self.st.quit {
                    break Outcome::Quit;
                }
                continue;
            }
            if let Some(event) = self.st.queue.pop_front() {
                self.dispatch(&prog, event);
                if self.st.quit {
                    break Outcome::Quit;
                }
                if !Arc::ptr_eq(&prog, &self.env.prog) {
                    // A live edit swapped the program in.
                    prog = self.env.prog.clone();
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
                Some(sent) => {
                    self.take_in(sent);
                    true
                }
                None => false,
            };
            if timers || received {
                continue;
            }
            if self.st.timers.is_empty() && self.env.shared.pending.load(Ordering::SeqCst) == 0 {
                match self.rx.try_recv() {
                    Some(sent) => {
                        self.take_in(sent);
                        continue;
                    }
                    None => break Outcome::Idle,
                }
            }
            let next = self.st.timers.keys().next().map(|k| k.0);
            tokio::select! {
                Some(sent) = self.rx.recv() => self.take_in(sent),
                _ = sleep_until(next) => {}
                _ = self.env.shared.wake.notified() => {}
            }
        };
        self.end(&prog).await;
        self.report(outcome)
    }

    pub(crate) fn report(&self, outcome: Outcome) -> RunReport {
        RunReport {
            outcome,
            runtime_errors: self.st.errors,
            peak_objects: self.st.objects.peak(),
        }
    }

    pub(crate) async fn end(&mut self, prog: &Arc<ProgramInner>) {
        self.ended = true;
        self.env.shared.stop.store(true, Ordering::SeqCst);
        // EndPlay runs to its end unless the host asks to stop again.
        self.env.shared.abort.store(false, Ordering::SeqCst);
        self.st.quit = false;
        self.st.queue.clear();
        self.st.timers.clear();
        // A chain paused when the instance was stopped ends there.
        self.paused = None;
        // Latent work ends here: nothing of it may run in EndPlay or after.
        self.st.cancel.cancel();
        self.st.latent.close();
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
        tokio::select! {
            _ = self.st.latent.wait() => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
        while self.env.shared.pending.load(Ordering::SeqCst) > 0 {
            tokio::select! {
                _ = self.env.shared.wake.notified() => {}
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        while self.rx.try_recv().is_some() {}
    }

    /// Says how many warnings were not shown since the last of their kind was.
    pub(crate) fn report_hidden_warnings(&mut self, prog: &ProgramInner) {
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
    pub(crate) fn queue_due_timers(&mut self, now: Instant) -> bool {
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
                    self.st.queue.push_back(Event::Timer { timer, event });
                    if let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) {
                        *t = TimerObject::Queued { due, period };
                    }
                }
            }
        }
        any
    }

    /// A timer's firing is about to run: false if the timer was cleared meanwhile. A
    /// looping timer is set again for its next tick after now, keeping its cadence: ticks
    /// it missed are not made up (as Unreal's timers fire at most once a frame).
    pub(crate) fn rearm(&mut self, timer: ObjectRef, event: u32) -> bool {
        let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) else {
            return false;
        };
        let TimerObject::Queued { due, period } = *t else {
            return false;
        };
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

    pub(crate) fn dispatch(&mut self, prog: &ProgramInner, event: Event) {
        match event {
            Event::Start(node) => self.run_chain(prog, node, Entry::Pin(0), Start::Fresh),
            Event::Custom { event, args } => self.run_custom(prog, event, args),
            Event::CustomOne { event, arg } => {
                let base = prog.nodes[event as usize].out_base as usize;
                self.st.regs[base] = arg;
                self.run_chain(prog, event, Entry::Pin(0), Start::Fresh)
            }
            Event::Call(call) => {
                let Call { event, args, reply } = *call;
                self.answering = Some((reply, None));
                self.run_custom(prog, event, args);
                if self.paused.is_none() {
                    self.answer();
                }
            }
            Event::Wake { node, payload } => self.run_chain(prog, node, Entry::Resume(payload), Start::NoInputs),
            Event::Timer { timer, event } => {
                if self.rearm(timer, event) {
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
                    self.run_task(prog, node, Body::Task(f))
                }
            }
            Event::Report { node, object, data } => {
                if (node as usize) < prog.nodes.len() {
                    self.run_task(prog, node, Body::Report(object, data))
                }
            }
            Event::Host(f) => f(self.st.vars_mut()),
            Event::Own(request) => {
                if let Ok(request) = request.downcast::<SwapRequest>() {
                    let SwapRequest { program, reply } = *request;
                    let _ = reply.send(self.swap(&program).map(|swapped| (swapped, self.env.gen)));
                }
            }
        }
    }

    /// An event from the channel, in the numbers of the program running now, queued;
    /// dropped when what it is for is gone (a live edit removed the node), and a wait's
    /// end dropped so is said.
    fn take_in(&mut self, sent: Sent) {
        if sent.gen == self.env.gen {
            self.st.queue.push_back(sent.event);
        } else {
            self.take_in_older(sent);
        }
    }

    /// [`take_in`](Self::take_in) of an event posted before a live edit.
    #[cold]
    fn take_in_older(&mut self, sent: Sent) {
        let waited = match &sent.event {
            Event::Latent { node, .. } | Event::Wake { node, .. } => Some(*node),
            _ => None,
        };
        match self.st.generations.translate(sent.gen, sent.event) {
            Some(event) => self.st.queue.push_back(event),
            None => {
                if let Some(id) = waited.and_then(|n| self.st.generations.gone_id(sent.gen, n)) {
                    let message = format!(
                        "node `{id}` finished its wait after a live edit removed it: what followed it does not run"
                    );
                    self.env.host.log(Level::Warning, &message);
                }
            }
        }
    }

    fn run_custom(&mut self, prog: &ProgramInner, event: u32, args: Vec<Value>) {
        let base = prog.nodes[event as usize].out_base as usize;
        for (i, arg) in args.into_iter().enumerate() {
            self.st.regs[base + i] = arg;
        }
        self.run_chain(prog, event, Entry::Pin(0), Start::Fresh)
    }

    /// Paused by an observer or the host: answers the host's requests, holds every other
    /// event (they run in their turn after), fires no timer, until the host resumes or
    /// stops it.
    async fn while_paused(&mut self, prog: &ProgramInner) {
        if self.env.shared.resume.swap(false, Ordering::SeqCst) {
            self.env.shared.hold.store(false, Ordering::SeqCst);
            self.resume_chain(prog);
            return;
        }
        // The host's requests already taken into the queue are answered too (they run no
        // node); the events stay in their order.
        if self.st.queue.iter().any(|e| matches!(e, Event::Host(_))) {
            let queue = std::mem::take(&mut self.st.queue);
            for event in queue {
                match event {
                    Event::Host(f) => f(self.st.vars_mut()),
                    other => self.st.queue.push_back(other),
                }
            }
        }
        let room = self.st.queue.len() < CHANNEL_CAPACITY;
        tokio::select! {
            Some(sent) = self.rx.recv(), if room => match self.st.generations.translate(sent.gen, sent.event) {
                Some(Event::Host(f)) => f(self.st.vars_mut()),
                Some(other) => self.st.queue.push_back(other),
                None => {}
            },
            _ = self.env.shared.wake.notified() => {}
        }
    }

    /// Watches the run with `observer` from now on (replacing `--trace`'s tracer, if any).
    pub fn observe(&mut self, observer: Box<dyn Observer>) {
        self.observer = Some(observer);
    }

    /// Whether an observer has paused the instance.
    pub fn is_paused(&self) -> bool {
        self.paused.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events sit in the queue by the million when a host fires them in bulk: a variant
    /// that grows this slows every event down.
    #[test]
    fn an_event_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Event>(), 32);
    }
}
