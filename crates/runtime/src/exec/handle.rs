//! How a host reaches an instance while it runs ([`InstanceHandle`], [`Answer`]), and the
//! checks that keep what hosts and node libraries send well-formed (the program's
//! [`EventCheck`]).

use std::sync::atomic::Ordering;

use crate::exec::generations::{SwapRequest, Swapped};
use crate::node::event::{Call, Event, EventCheck, EventSender, HostFn, KeepAlive};
use crate::node::host::{HostError, RuntimeError};
use crate::node::registry::Registry;
use crate::node::PinValue;
use crate::plan::program::{Program, ProgramInner};
use crate::value::{ClassNames, Value};

/// A handle on an instance for its host: fire events, read and set variables while it
/// runs, stop it. Cheap to clone, `Send`.
#[derive(Clone)]
pub struct InstanceHandle {
    pub(crate) sender: EventSender,
    pub(crate) program: Program,
}

impl InstanceHandle {
    /// Fires the Custom Event with this node id, with args for its params (converted as
    /// pins convert). Waits while the queue is full.
    pub async fn fire(&self, event: &str, args: Vec<Value>) -> Result<(), HostError> {
        // `event_args` has checked the event and converted the args: send them as they are.
        let (event, args) = event_args(&self.program, event, args)?;
        self.sender
            .post(Event::custom(event, args))
            .await
            .map_err(|_| HostError::Ended)
    }

    /// Fires the Custom Event with this node id, as [`fire`](Self::fire) does, and waits
    /// for the end of its chain: the host asks, the graph answers. The [`Answer`] holds the
    /// chain's first runtime error, if any, and the variables as the chain left them (read
    /// them with [`Answer::get`]). A chain that waits on a latent node (a Delay) has ended
    /// for this purpose: what runs after the wait is another event. Events queued before
    /// this one run first.
    pub async fn call(&self, event: &str, args: Vec<Value>) -> Result<Answer, HostError> {
        let (event, args) = event_args(&self.program, event, args)?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.sender
            .post(Event::Call(Box::new(Call { event, args, reply })))
            .await
            .map_err(|_| HostError::Ended)?;
        let replied = answer.await.map_err(|_| HostError::NoAnswer)?;
        Ok(Answer {
            error: replied.error,
            variables: replied.variables,
            program: replied
                .program
                .downcast::<Program>()
                .map_or_else(|_| self.program.clone(), |program| *program),
        })
    }

    /// Reads a variable of the running instance.
    pub async fn variable(&self, name: &str) -> Result<Value, HostError> {
        let index = variable_index(&self.program, name)?;
        self.ask(move |vars| vars[index].clone()).await
    }

    /// Runs `f` on the instance's variables between events (or while it is paused), and
    /// returns what it gives.
    async fn ask<T: Send + 'static>(&self, f: impl FnOnce(&mut [Value]) -> T + Send + 'static) -> Result<T, HostError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let f: HostFn = Box::new(move |vars| {
            let _ = tx.send(f(vars));
        });
        self.sender.post(Event::Host(f)).await.map_err(|_| HostError::Ended)?;
        rx.await.map_err(|_| HostError::NoAnswer)
    }

    /// Sets a variable of the running instance (between events).
    pub async fn set_variable(&self, name: &str, value: Value) -> Result<(), HostError> {
        let index = variable_index(&self.program, name)?;
        let value = checked_value(&self.program, index, value)?;
        let f: HostFn = Box::new(move |vars| vars[index] = value);
        self.sender.post(Event::Host(f)).await.map_err(|_| HostError::Ended)
    }

    /// A live edit: the instance takes `program` at its next event boundary (never inside a
    /// chain; a paused chain ends first), keeping what carries, and this says what did
    /// not ([`Swapped`]). From then this handle names the new program's events and
    /// variables; its clones made before still name the old program's, translated where
    /// they still exist. Refused when the program's registry has other classes.
    pub async fn swap(&mut self, program: &Program) -> Result<Swapped, HostError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = SwapRequest {
            program: program.clone(),
            reply,
        };
        self.sender
            .post(Event::Own(Box::new(request)))
            .await
            .map_err(|_| HostError::Ended)?;
        let (swapped, gen) = answer
            .await
            .map_err(|_| HostError::NoAnswer)?
            .map_err(HostError::Invalid)?;
        self.program = program.clone();
        self.sender.events = program.inner.clone();
        self.sender.gen = gen;
        Ok(swapped)
    }

    /// Stops the instance, then EndPlay runs.
    /// A chain running at the time stops at its next loop pass; asked again while EndPlay
    /// runs, EndPlay stops too.
    pub fn stop(&self) {
        self.sender.shared.stop.store(true, Ordering::SeqCst);
        self.sender.shared.abort.store(true, Ordering::SeqCst);
        self.sender.shared.wake.notify_one();
    }

    /// Pauses the instance between events, and returns once it holds: the chain running
    /// now (if any) has run to its end, or to a pause an observer asked for. Then nothing
    /// runs (no event, timer or message) until [`resume`](Self::resume); the host's
    /// requests are still answered. To pause inside a chain, an observer returns
    /// [`crate::Control::Pause`] from its `before` hook.
    pub async fn pause(&self) -> Result<(), HostError> {
        let shared = &self.sender.shared;
        shared.resume.store(false, Ordering::SeqCst);
        shared.hold.store(true, Ordering::SeqCst);
        shared.wake.notify_one();
        // A request is answered only between events or while paused: once this one is,
        // the instance holds.
        self.ask(|_| ()).await
    }

    /// Lets an instance that is paused (by an observer or [`pause`](Self::pause)) go on.
    pub fn resume(&self) {
        self.sender.shared.resume.store(true, Ordering::SeqCst);
        self.sender.shared.wake.notify_one();
    }

    /// A guard that keeps the instance alive while held.
    pub fn keep_alive(&self) -> KeepAlive {
        self.sender.keep_alive()
    }
}

/// What a graph answered to [`InstanceHandle::call`]: how its chain ended and the
/// variables it left.
#[derive(Clone, Debug)]
pub struct Answer {
    pub(crate) error: Option<RuntimeError>,
    pub(crate) variables: Vec<Value>,
    pub(crate) program: Program,
}

impl Answer {
    /// The chain's first runtime error (it ended the chain), or `None` if it ran to its end.
    pub fn error(&self) -> Option<&RuntimeError> {
        self.error.as_ref()
    }

    /// A variable's value at the end of the chain, as a Rust type.
    pub fn get<T: PinValue>(&self, name: &str) -> Result<T, HostError> {
        let index = variable_index(&self.program, name)?;
        self.variables[index]
            .get::<T>()
            .map_err(|e| HostError::Invalid(format!("variable `{name}`: {e}")))
    }

    /// A variable's value at the end of the chain.
    pub fn variable(&self, name: &str) -> Option<&Value> {
        self.program.variable_index(name).map(|i| &self.variables[i])
    }
}

pub(crate) fn variable_index(program: &Program, name: &str) -> Result<usize, HostError> {
    program.variable_index(name).ok_or_else(|| {
        let known = program.variables().iter().map(|v| v.name.as_str());
        HostError::Invalid(format!("no variable `{name}`{}", crate::names::suggest(name, known)))
    })
}

pub(crate) fn value_type(value: &Value, registry: &Registry) -> Option<graphrun_format::Type> {
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
pub(crate) fn convert_to(
    value: Value,
    ty: &graphrun_format::Type,
    registry: &Registry,
    what: impl Fn() -> String,
) -> Result<Value, HostError> {
    use crate::value::Conversion;
    if let (graphrun_format::Type::Object(_), Value::Object(None)) = (ty, &value) {
        return Ok(value);
    }
    let from =
        value_type(&value, registry).ok_or_else(|| HostError::Invalid(format!("{}: the value has no type", what())))?;
    match (&value, ty) {
        (Value::Array(items), graphrun_format::Type::Array(_)) if items.is_empty() => return Ok(value),
        (Value::Map(map), graphrun_format::Type::Map(_)) if map.is_empty() => return Ok(value),
        _ => {}
    }
    match Conversion::between(ty, &from) {
        Some(c) => Ok(value.convert(c, registry)),
        None => Err(HostError::Invalid(format!(
            "{} is {ty}, but the value is {from}",
            what()
        ))),
    }
}

pub(crate) fn checked_value(program: &Program, index: usize, value: Value) -> Result<Value, HostError> {
    let var = &program.variables()[index];
    convert_to(value, &var.ty, program.registry(), || {
        format!("variable `{}`", var.name)
    })
}

/// Whether `args` may be fired at node `event`: it is a Custom Event, and they are as
/// many as its params and of their types. The error says what is wrong.
pub(crate) fn check_event_args(prog: &ProgramInner, event: u32, args: &[Value]) -> Result<(), String> {
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
pub(crate) fn fits(value: &Value, ty: &graphrun_format::Type, registry: &Registry) -> bool {
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

#[inline]
pub(crate) fn event_args(program: &Program, event: &str, args: Vec<Value>) -> Result<(u32, Vec<Value>), HostError> {
    let inner = &program.inner;
    let Some(&node) = inner.events.get(event) else {
        let known = inner.events.keys().map(String::as_str);
        return Err(HostError::Invalid(format!(
            "no Custom Event `{event}`{}",
            crate::names::suggest(event, known)
        )));
    };
    let debug = &inner.debug[node as usize];
    if args.len() != debug.output_types.len() {
        return Err(HostError::Invalid(format!(
            "Custom Event `{event}` takes {} argument(s), not {}",
            debug.output_types.len(),
            args.len()
        )));
    }
    // Args already of their params' types (the common case) go as they are.
    if args
        .iter()
        .zip(&debug.output_types)
        .all(|(v, ty)| fits(v, ty, &inner.registry))
    {
        return Ok((node, args));
    }
    let args = args
        .into_iter()
        .zip(&debug.output_types)
        .zip(&debug.output_names)
        .map(|((v, ty), name)| convert_to(v, ty, &inner.registry, || format!("param `{name}` of `{event}`")))
        .collect::<Result<_, _>>()?;
    Ok((node, args))
}

impl EventCheck for ProgramInner {
    fn check(&self, event: u32, args: &[Value]) -> Result<(), String> {
        check_event_args(self, event, args)
    }
}
