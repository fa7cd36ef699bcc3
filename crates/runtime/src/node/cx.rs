//! [`Cx`]: what a running node can see and do (its inputs and outputs, variables, per-node
//! state, objects, timers, logs and the instance's events), the API node code is written
//! against.

use std::any::Any;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use crate::exec::handle::check_event_args;
use crate::exec::instance::{later, log_at, Env, Event, LatentFn, State, Timer, TimerObject, Warned, WARNING_INTERVAL};
use crate::exec::objects::{self, IdSet};
use crate::exec::ops::read_in_place;
use crate::node::{EventRef, NodeError};
use crate::plan::program::{InputPlan, ProgramInner};
use crate::registry::{Registry, TIMER_CLASS_ID};
use crate::value::{ClassNames, ObjectRef, Value};
use crate::EventSender;
use crate::Level;

/// What a running node can see and do: its inputs and outputs, variables, per-node state,
/// objects, timers, and the instance's event machinery.
pub struct Cx<'a> {
    pub(crate) prog: &'a ProgramInner,
    pub(crate) st: &'a mut State,
    pub(crate) env: &'a Env,
    pub(crate) inputs: Inputs<'a>,
    pub(crate) node: u32,
    pub(crate) out_base: usize,
}

/// Where a running node's inputs are read from.
pub(crate) enum Inputs<'a> {
    /// Copies, converted to the pins' types (and unset on a wake-up).
    Copied(&'a mut Vec<Value>),
    /// Where they are: constants, output slots and variables of the right types.
    InPlace(&'a [InputPlan]),
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

    /// This node's state in this instance, made with `T::default()` on first use; an
    /// error if the node asked for it as another type before.
    pub fn state<T: Default + Send + 'static>(&mut self) -> Result<&mut T, NodeError> {
        let slot = &mut self.st.node_state[self.node as usize];
        let state = slot.get_or_insert_with(|| Box::new(T::default()));
        // A node that asks for its state as another type than before has a bug: said, not
        // hidden by starting it over.
        state.downcast_mut().ok_or_else(|| {
            NodeError::new(format!(
                "internal error: this node's state is not a `{}` (a bug in its node library)",
                std::any::type_name::<T>()
            ))
        })
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
        // The chain ends here (and every function call it is in).
        self.st.halt = true;
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
        let class = TIMER_CLASS_ID;
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
            TimerObject::Queued { .. } => true,
            TimerObject::Off => false,
        }
    }

    /// Makes a new object of class number `class` holding `data`. Objects that nothing can
    /// reach any more may be freed first: what keeps one alive is a variable, an output
    /// slot, a queued event's argument, a pending timer, this node's inputs, or a hold
    /// ([`Cx::hold_object`]; a connection is held while it connects) (but not an
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
    /// a frame a recursive call put aside, a queued event's argument, a timer, or this
    /// node's inputs.
    #[cold]
    pub(crate) fn collect_objects(&mut self) {
        let mut reachable = IdSet::default();
        // The registers, and the frames recursive calls put aside.
        for v in self
            .st
            .regs
            .iter()
            .chain(&self.st.saved_frames)
            .chain(&self.st.returned)
        {
            objects::mark(v, &mut reachable);
        }
        if let Inputs::Copied(values) = &self.inputs {
            values.iter().for_each(|v| objects::mark(v, &mut reachable));
        }
        for event in &self.st.queue {
            match event {
                Event::Custom { args, .. } => args.iter().for_each(|v| objects::mark(v, &mut reachable)),
                Event::CustomOne { arg, .. } => objects::mark(arg, &mut reachable),
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

    /// Keeps an object alive whatever refers to it (`hold: true`) until it is let go
    /// (`false`): what a node library does while work it started for the object is under
    /// way (a connection while it connects, so that its On Connected can hand it over).
    pub fn hold_object(&mut self, obj: ObjectRef, hold: bool) {
        self.st.objects.hold(obj.id, hold);
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
        check_event_args(self.prog, event.0, &args).map_err(NodeError::new)?;
        self.st.queue.push_back(Event::custom(event.0, args));
        Ok(())
    }

    /// A sender for events from other tasks.
    pub fn sender(&self) -> EventSender {
        self.env.sender()
    }

    /// Runs `work` on the tokio runtime; the closure it yields then runs in this node's
    /// context as a new event and its flow is followed. The instance stays alive meanwhile;
    /// when it ends, `work` is cancelled (dropped at its next await).
    pub fn spawn_latent<F>(&mut self, work: F)
    where
        F: Future<Output = LatentFn> + Send + 'static,
    {
        let sender = self.sender();
        let alive = sender.keep_alive();
        let node = self.node;
        let cancelled = self.st.cancel.clone();
        self.st.latent.spawn(async move {
            tokio::select! {
                _ = cancelled.cancelled() => {}
                f = work => {
                    sender.call(node, f).await;
                }
            }
            drop(alive);
        });
    }

    /// Fails when a result of `bytes` would be over the instance's value size limit
    /// ([`RunOptions::max_value_size`](crate::RunOptions::max_value_size)): call it before making a large value.
    pub fn check_size(&self, bytes: usize) -> Result<(), NodeError> {
        let limit = self.env.options.max_value_size;
        if bytes > limit {
            return Err(NodeError::TooLarge { bytes, limit });
        }
        Ok(())
    }

    /// The instance's value size limit in bytes ([`RunOptions::max_value_size`](crate::RunOptions::max_value_size)).
    pub fn max_value_size(&self) -> usize {
        self.env.options.max_value_size
    }

    /// A random integer from `min` to `max` inclusive (`max` below `min`: `min`), from the
    /// instance's generator ([`RunOptions::seed`](crate::RunOptions::seed)).
    pub fn random_int(&mut self, min: i64, max: i64) -> i64 {
        if max <= min {
            return min;
        }
        self.st.rng.i64(min..=max)
    }

    /// A random float from 0 (inclusive) to 1 (exclusive), from the instance's generator.
    pub fn random_float(&mut self) -> f64 {
        self.st.rng.f64()
    }

    /// Seconds since the instance was made.
    pub fn time_seconds(&self) -> f64 {
        self.st.born.elapsed().as_secs_f64()
    }

    /// Whether the instance is ending (EndPlay is running, or stop was asked).
    pub fn is_ending(&self) -> bool {
        self.env.shared.stop.load(Ordering::SeqCst)
    }
}
