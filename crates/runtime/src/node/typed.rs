//! Typed nodes: a node type made from a Rust function or closure, whose pins, their types
//! and the listing's documentation come from the function's signature, so that they cannot
//! drift from its code (as rhai's `register_fn` and mlua's `create_function` do).
//!
//! ```
//! use graphrun::{FnNode, NodeLibrary, RegistryBuilder};
//!
//! struct Mine;
//! impl NodeLibrary for Mine {
//!     fn install(&self, r: &mut RegistryBuilder) {
//!         r.add_node(FnNode::function("Clamp", ["Value", "Min", "Max"], |v: i64, lo: i64, hi: i64| v.clamp(lo, hi.max(lo))));
//!         r.add_node(FnNode::function("Parse Port", ["Text"], |t: String| t.parse::<u16>().map(i64::from)));
//!         r.add_node(FnNode::action("Log Score", ["Player", "Points"], |p: String, n: i64| eprintln!("{p}: {n}")));
//!     }
//! }
//! ```

use std::fmt::Display;

use graphrun_format::Type;

use super::{Cx, Entry, Flow, FnNode, NodeDoc, NodeError, Signature};
use crate::value::{Json, Value};

/// A Rust type that a pin carries: its pin type, and the conversions both ways.
pub trait PinValue: Sized + 'static {
    /// The pin's type.
    fn pin_type() -> Type;
    /// The value as this type (on a node's input, the checker made sure it is).
    fn from_value(value: &Value) -> Result<Self, TypeError>;
    /// The output's value.
    fn into_value(self) -> Value;
}

/// A value that is not of the type asked for (by [`Value::get`], or a typed node's input).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, but the value is {found}")]
pub struct TypeError {
    /// The type asked for.
    pub expected: Type,
    /// What the value is, in words.
    pub found: String,
}

fn wrong<T: PinValue>(value: &Value) -> TypeError {
    let found = match value {
        Value::Unset => "unset",
        Value::Bool(_) => "a Bool",
        Value::Int(_) => "an Int",
        Value::Float(_) => "a Float",
        Value::String(_) => "a String",
        Value::Json(_) => "Json",
        Value::Array(_) => "an Array",
        Value::Map(_) => "a Map",
        Value::Object(_) => "an Object",
    };
    TypeError {
        expected: T::pin_type(),
        found: found.to_string(),
    }
}

impl Value {
    /// The value as a Rust type: `value.get::<i64>()`. An Int also reads as an `f64`;
    /// nothing else converts.
    pub fn get<T: PinValue>(&self) -> Result<T, TypeError> {
        T::from_value(self)
    }
}

impl PinValue for i64 {
    fn pin_type() -> Type {
        Type::Int
    }
    fn from_value(value: &Value) -> Result<i64, TypeError> {
        match value {
            Value::Int(n) => Ok(*n),
            other => Err(wrong::<i64>(other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Int(self)
    }
}

impl PinValue for f64 {
    fn pin_type() -> Type {
        Type::Float
    }
    fn from_value(value: &Value) -> Result<f64, TypeError> {
        match value {
            Value::Float(f) => Ok(*f),
            Value::Int(n) => Ok(*n as f64),
            other => Err(wrong::<f64>(other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Float(self)
    }
}

impl PinValue for bool {
    fn pin_type() -> Type {
        Type::Bool
    }
    fn from_value(value: &Value) -> Result<bool, TypeError> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(wrong::<bool>(other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

impl PinValue for String {
    fn pin_type() -> Type {
        Type::String
    }
    fn from_value(value: &Value) -> Result<String, TypeError> {
        match value {
            Value::String(s) => Ok(s.to_string()),
            other => Err(wrong::<String>(other)),
        }
    }
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

impl PinValue for Json {
    fn pin_type() -> Type {
        Type::Json
    }
    fn from_value(value: &Value) -> Result<Json, TypeError> {
        match value {
            Value::Json(j) => Ok((**j).clone()),
            other => Err(wrong::<Json>(other)),
        }
    }
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

impl<T: PinValue> PinValue for Vec<T> {
    fn pin_type() -> Type {
        Type::Array(Box::new(T::pin_type()))
    }
    fn from_value(value: &Value) -> Result<Vec<T>, TypeError> {
        match value {
            Value::Array(items) => items.iter().map(T::from_value).collect(),
            other => Err(wrong::<Vec<T>>(other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Array(std::sync::Arc::new(self.into_iter().map(T::into_value).collect()))
    }
}

/// What a typed node's function returns: a value for its `Return Value` pin, nothing
/// (`()`: no output), or a `Result` whose error is the node's runtime error.
pub trait PinOutput: 'static {
    /// The `Return Value` pin's type, if it has one.
    fn output_type() -> Option<Type>;
    /// The output's value, or the node's error.
    fn into_output(self) -> Result<Option<Value>, NodeError>;
}

impl<T: PinValue> PinOutput for T {
    fn output_type() -> Option<Type> {
        Some(T::pin_type())
    }
    fn into_output(self) -> Result<Option<Value>, NodeError> {
        Ok(Some(self.into_value()))
    }
}

impl PinOutput for () {
    fn output_type() -> Option<Type> {
        None
    }
    fn into_output(self) -> Result<Option<Value>, NodeError> {
        Ok(None)
    }
}

impl<T: PinOutput, E: Display + 'static> PinOutput for Result<T, E> {
    fn output_type() -> Option<Type> {
        T::output_type()
    }
    fn into_output(self) -> Result<Option<Value>, NodeError> {
        self.map_err(|e| NodeError::new(e.to_string()))?.into_output()
    }
}

/// A Rust function usable as a typed node: its argument types are the input pins' types.
/// Implemented for functions and closures of up to six [`PinValue`] arguments.
pub trait TypedFn<Args>: Send + Sync + 'static {
    /// The input pins' types, in order.
    fn input_types() -> Vec<Type>;
    /// The `Return Value` pin's type, if any.
    fn output_type() -> Option<Type>;
    /// Calls the function on the node's inputs.
    fn call(&self, cx: &Cx<'_>) -> Result<Option<Value>, NodeError>;
}

macro_rules! typed_fn {
    ($($arg:ident $i:tt),*) => {
        impl<F, R, $($arg: PinValue),*> TypedFn<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
            R: PinOutput,
        {
            fn input_types() -> Vec<Type> {
                vec![$($arg::pin_type()),*]
            }
            fn output_type() -> Option<Type> {
                R::output_type()
            }
            #[allow(unused_variables)]
            fn call(&self, cx: &Cx<'_>) -> Result<Option<Value>, NodeError> {
                (self)($($arg::from_value(cx.input($i))?),*).into_output()
            }
        }
    };
}

typed_fn!();
typed_fn!(A 0);
typed_fn!(A 0, B 1);
typed_fn!(A 0, B 1, C 2);
typed_fn!(A 0, B 1, C 2, D 3);
typed_fn!(A 0, B 1, C 2, D 3, E 4);
typed_fn!(A 0, B 1, C 2, D 3, E 4, G 5);

/// The signature and listing doc of a typed node with these pins.
fn typed_parts<Args, F: TypedFn<Args>>(pure: bool, pins: &[&str]) -> (Signature, NodeDoc) {
    let types = F::input_types();
    assert_eq!(
        pins.len(),
        types.len(),
        "a typed node names one pin per argument of its function"
    );
    let mut sig = if pure { Signature::pure() } else { Signature::then() };
    let mut doc = NodeDoc::new(
        "Host",
        if pure {
            "A host function (pure)."
        } else {
            "A host action."
        },
    );
    if !pure {
        doc = doc.exec_in(&["exec"]).exec_out(&["then"]);
    }
    for (name, ty) in pins.iter().zip(types) {
        doc = doc.input(name, &ty.to_string());
        sig = sig.input(name, ty);
    }
    if let Some(ty) = F::output_type() {
        doc = doc.output("Return Value", &ty.to_string());
        sig = sig.output("Return Value", ty);
    }
    (sig, doc)
}

impl FnNode {
    /// A pure node from a function: an input pin per argument, named by `pins` in order,
    /// of the argument's type; a `Return Value` of the result's type (a `Result`'s error
    /// is the node's runtime error). Its listing says "Host"; [`FnNode::describe`] says more.
    pub fn function<Args, F: TypedFn<Args>>(name: &str, pins: impl AsRef<[&'static str]>, f: F) -> FnNode {
        let (sig, doc) = typed_parts::<Args, F>(true, pins.as_ref());
        let f = std::sync::Arc::new(f);
        FnNode::fixed(name, doc, sig, move |_| {
            let f = f.clone();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                if let Some(value) = f.call(cx)? {
                    cx.set_output(0, value);
                }
                Ok(Flow::End)
            }))
        })
    }

    /// An impure node from a function: like [`FnNode::function`], with an exec input and a
    /// `then` output; it runs once each time the chain reaches it.
    pub fn action<Args, F: TypedFn<Args>>(name: &str, pins: impl AsRef<[&'static str]>, f: F) -> FnNode {
        let (sig, doc) = typed_parts::<Args, F>(false, pins.as_ref());
        let f = std::sync::Arc::new(f);
        FnNode::fixed(name, doc, sig, move |_| {
            let f = f.clone();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                if let Some(value) = f.call(cx)? {
                    cx.set_output(0, value);
                }
                Ok(Flow::Then(0))
            }))
        })
    }

    /// Sets the category and the sentence the node listing shows.
    pub fn describe(mut self, category: &str, description: &str) -> FnNode {
        self.doc.category = category.to_string();
        self.doc.description = description.to_string();
        self
    }
}
