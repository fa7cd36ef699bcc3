//! [`Cx`]: what a running node can see and do (its inputs and outputs, variables, per-node
//! state, objects, timers, logs and the instance's events), the API node code is written
//! against. What it asks of the instance goes through [`Machine`], which the interpreter
//! implements: node code never sees the interpreter, and this layer never imports it.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::node::event::{EventSender, LatentFn};
use crate::node::host::Level;
use crate::node::input::InputPlan;
use crate::node::registry::Registry;
use crate::node::{EventRef, NodeError};
use crate::value::{ClassNames, ObjectRef, Value};

/// The instance as a running node reaches it: what [`Cx`] asks of the interpreter.
pub(crate) trait Machine {
    /// The registers (output slots, variables, constants) and where the variables start.
    fn regs(&self) -> (&[Value], usize);
    /// The registers, to write an output or a variable.
    fn regs_mut(&mut self) -> (&mut [Value], usize);
    /// Node `node`'s state slot.
    fn node_state(&mut self, node: u32) -> &mut Option<Box<dyn Any + Send>>;
    /// A Print String line, through the host.
    fn print(&self, text: &str);
    /// A figure of the graph's own, through the host ([`crate::Host::metric`]).
    fn metric(&self, name: &str, value: Option<f64>);
    /// A log line of node `node`, through the host (warnings rate-limited).
    fn log(&mut self, node: u32, level: Level, message: &str);
    /// Ends the instance after this chain.
    fn quit(&mut self);
    /// Re-enters node `node` with `payload` after `delay`.
    fn wake_after(&mut self, node: u32, delay: Duration, payload: u64);
    /// A timer firing `event` (see [`Cx::set_timer`]); `inputs` are the running node's
    /// copied inputs, which a collection must see.
    fn set_timer(
        &mut self,
        event: u32,
        period: Duration,
        looping: bool,
        inputs: Option<&[Value]>,
    ) -> Result<ObjectRef, NodeError>;
    /// See [`Cx::clear_timer`].
    fn clear_timer(&mut self, timer: ObjectRef) -> bool;
    /// A new object (see [`Cx::new_object`]); `inputs` as for `set_timer`.
    fn new_object(
        &mut self,
        class: u32,
        data: Box<dyn Any + Send>,
        inputs: Option<&[Value]>,
    ) -> Result<ObjectRef, NodeError>;
    /// See [`Cx::hold_object`].
    fn hold_object(&mut self, obj: ObjectRef, hold: bool);
    /// An object's data, if it is alive.
    fn object(&mut self, obj: ObjectRef) -> Option<&mut (dyn Any + Send)>;
    /// The program's registry.
    fn registry(&self) -> &Registry;
    /// Node `node`'s id as written.
    fn node_id(&self, node: u32) -> &str;
    /// Queues a Custom Event (checked against its params).
    fn fire(&mut self, event: u32, args: Vec<Value>) -> Result<(), NodeError>;
    /// A sender for events from other tasks.
    fn sender(&self) -> EventSender;
    /// Runs `work` as node `node`'s latent work (see [`Cx::spawn_latent`]).
    fn spawn_latent(&mut self, node: u32, work: Pin<Box<dyn Future<Output = LatentFn> + Send>>);
    /// The value size limit in bytes.
    fn max_value_size(&self) -> usize;
    /// The instance's random numbers.
    fn rng(&mut self) -> &mut fastrand::Rng;
    /// Seconds since the instance was made.
    fn time_seconds(&self) -> f64;
    /// Whether the instance is ending.
    fn is_ending(&self) -> bool;
}

/// What a running node can see and do: its inputs and outputs, variables, per-node state,
/// objects, timers, and the instance's event machinery.
pub struct Cx<'a> {
    pub(crate) machine: &'a mut dyn Machine,
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
            Inputs::InPlace(plans) => {
                let (regs, vars_at) = self.machine.regs();
                plans[i].read(regs, vars_at)
            }
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
            Inputs::InPlace(plans) => {
                let (regs, vars_at) = self.machine.regs();
                plans[i].read(regs, vars_at).clone()
            }
        }
    }

    /// Sets output number `i`.
    pub fn set_output(&mut self, i: usize, value: impl Into<Value>) {
        self.machine.regs_mut().0[self.out_base + i] = value.into();
    }

    /// Output number `i`, as last set.
    pub fn output(&self, i: usize) -> &Value {
        &self.machine.regs().0[self.out_base + i]
    }

    /// Variable number `i` (from [`crate::CompileCx::variable_index`]).
    pub fn variable(&self, i: usize) -> &Value {
        let (regs, vars_at) = self.machine.regs();
        &regs[vars_at + i]
    }

    /// Sets variable number `i`.
    pub fn set_variable(&mut self, i: usize, value: Value) {
        let (regs, vars_at) = self.machine.regs_mut();
        regs[vars_at + i] = value;
    }

    /// This node's state in this instance, made with `T::default()` on first use; an
    /// error if the node asked for it as another type before.
    pub fn state<T: Default + Send + 'static>(&mut self) -> Result<&mut T, NodeError> {
        let slot = self.machine.node_state(self.node);
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
        self.machine.print(text);
    }

    /// Hands the host a figure of the graph's own: a sample, or (`None`) one more of a count.
    pub fn metric(&self, name: &str, value: Option<f64>) {
        self.machine.metric(name, value);
    }

    /// Logs through the host, naming this node and graph. Warnings of one kind (the text
    /// before the first `:`) from one node are shown at most once a second; how many were
    /// not is said with the next one shown, or when the instance ends.
    pub fn log(&mut self, level: Level, message: &str) {
        self.machine.log(self.node, level, message);
    }

    /// Ends the instance: nothing more of this event runs, then EndPlay.
    pub fn quit(&mut self) {
        self.machine.quit();
    }

    /// Re-enters this node with `Entry::Resume(payload)`, as a new event, after `delay`.
    pub fn wake_after(&mut self, delay: Duration, payload: u64) {
        self.machine.wake_after(self.node, delay, payload);
    }

    /// Sets a timer that fires `event` (a Custom Event with no params) after `period`, and
    /// every `period` after that if `looping`. Returns the Timer handle (an error only when
    /// the instance has made all the objects it can).
    pub fn set_timer(&mut self, event: EventRef, period: Duration, looping: bool) -> Result<ObjectRef, NodeError> {
        let inputs = copied(&self.inputs);
        self.machine.set_timer(event.0, period, looping, inputs)
    }

    /// Clears a timer; false if it was not set (cleared, or a one-shot that fired). A
    /// firing already queued does not run.
    pub fn clear_timer(&mut self, timer: ObjectRef) -> bool {
        self.machine.clear_timer(timer)
    }

    /// Makes a new object of class number `class` holding `data`. Objects that nothing can
    /// reach any more may be freed first: what keeps one alive is a variable, an output
    /// slot, a queued event's argument, a pending timer, this node's inputs, or a hold
    /// ([`Cx::hold_object`]; a connection is held while it connects) (but not an
    /// object a node took out of its inputs with [`Cx::take_input`], nor one that only an
    /// object's data or a node's state refers to). An error only when the instance has made
    /// all the objects it can (4,294,967,295).
    pub fn new_object(&mut self, class: u32, data: Box<dyn Any + Send>) -> Result<ObjectRef, NodeError> {
        let inputs = copied(&self.inputs);
        self.machine.new_object(class, data, inputs)
    }

    /// Keeps an object alive whatever refers to it (`hold: true`) until it is let go
    /// (`false`): what a node library does while work it started for the object is under
    /// way (a connection while it connects, so that its On Connected can hand it over).
    pub fn hold_object(&mut self, obj: ObjectRef, hold: bool) {
        self.machine.hold_object(obj, hold);
    }

    /// The data of an object, if it is alive and holds a `T`.
    pub fn object_mut<T: Any>(&mut self, obj: ObjectRef) -> Option<&mut T> {
        self.machine.object(obj)?.downcast_mut()
    }

    /// The class name of an object.
    pub fn class_name(&self, obj: ObjectRef) -> &str {
        self.machine.registry().class_name(obj.class)
    }

    /// The registry, for class names and numbers.
    pub fn registry(&self) -> &Registry {
        self.machine.registry()
    }

    /// This node's number in the program (for [`EventSender::call`]).
    pub fn node_index(&self) -> u32 {
        self.node
    }

    /// This node's id as written in the file.
    pub fn node_id(&self) -> &str {
        self.machine.node_id(self.node)
    }

    /// Queues a Custom Event to run after the events already queued; an error if `event`
    /// is not a Custom Event or the args do not fit its params.
    pub fn fire(&mut self, event: EventRef, args: Vec<Value>) -> Result<(), NodeError> {
        self.machine.fire(event.0, args)
    }

    /// A sender for events from other tasks.
    pub fn sender(&self) -> EventSender {
        self.machine.sender()
    }

    /// Runs `work` on the tokio runtime; the closure it yields then runs in this node's
    /// context as a new event and its flow is followed. The instance stays alive meanwhile;
    /// when it ends, `work` is cancelled (dropped at its next await).
    pub fn spawn_latent<F>(&mut self, work: F)
    where
        F: Future<Output = LatentFn> + Send + 'static,
    {
        self.machine.spawn_latent(self.node, Box::pin(work));
    }

    /// Fails when a result of `bytes` would be over the instance's value size limit
    /// ([`RunOptions::max_value_size`](crate::RunOptions::max_value_size)): call it before making a large value.
    pub fn check_size(&self, bytes: usize) -> Result<(), NodeError> {
        let limit = self.machine.max_value_size();
        if bytes > limit {
            return Err(NodeError::TooLarge { bytes, limit });
        }
        Ok(())
    }

    /// The instance's value size limit in bytes ([`RunOptions::max_value_size`](crate::RunOptions::max_value_size)).
    pub fn max_value_size(&self) -> usize {
        self.machine.max_value_size()
    }

    /// A random integer from `min` to `max` inclusive (`max` below `min`: `min`), from the
    /// instance's generator ([`RunOptions::seed`](crate::RunOptions::seed)).
    pub fn random_int(&mut self, min: i64, max: i64) -> i64 {
        if max <= min {
            return min;
        }
        self.machine.rng().i64(min..=max)
    }

    /// A random float from 0 (inclusive) to 1 (exclusive), from the instance's generator.
    pub fn random_float(&mut self) -> f64 {
        self.machine.rng().f64()
    }

    /// Seconds since the instance was made.
    pub fn time_seconds(&self) -> f64 {
        self.machine.time_seconds()
    }

    /// Whether the instance is ending (EndPlay is running, or stop was asked).
    pub fn is_ending(&self) -> bool {
        self.machine.is_ending()
    }
}

/// A node's copied inputs, which a collection must see (inputs read in place are
/// registers, which it sees anyway).
fn copied<'i>(inputs: &'i Inputs<'_>) -> Option<&'i [Value]> {
    match inputs {
        Inputs::Copied(values) => Some(values),
        Inputs::InPlace(_) => None,
    }
}
