//! The standard library: every node of the spec's section 4, one file per category. It
//! installs through [`NodeLibrary`] and uses the public node API as a host's library would,
//! plus the intrinsic instructions that only it may ask for (`FnNode::intrinsic`).

use std::sync::Arc;
use std::time::Duration;

use graphrun_format::ron::Kind;
use graphrun_format::{codes, Type};

use crate::node::registry::{NodeLibrary, RegistryBuilder, TIMER_CLASS};
use crate::node::Cx;
use crate::node::{Entry, Flow, FnNode, NodeDoc, NodeError, Op, PinError, Role, Signature, SignatureCx};
use crate::value::{Json, Value};

mod arrays;
mod events;
mod flow;
mod json;
mod maps;
mod math;
mod objects;
mod strings;
mod utilities;
mod variables;

/// The standard library.
#[derive(Clone, Copy, Debug, Default)]
pub struct StandardLibrary;

impl NodeLibrary for StandardLibrary {
    fn install(&self, r: &mut RegistryBuilder) {
        events::events(r);
        utilities::utilities(r);
        flow::flow(r);
        flow::more_flow(r);
        variables::variables(r);
        objects::objects(r);
        math::math(r);
        math::more_math(r);
        strings::strings(r);
        strings::text(r);
        json::json(r);
        json::json_values(r);
        arrays::arrays(r);
        arrays::more_arrays(r);
        maps::maps(r);
    }
}

pub(super) fn err(message: impl Into<String>) -> NodeError {
    NodeError::new(message)
}

pub(super) fn arr(t: Type) -> Type {
    Type::Array(Box::new(t))
}

/// Seconds as a Duration: negative and NaN are 0, the rest capped at about 31 years.
pub(super) fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_nan() { 0.0 } else { s.clamp(0.0, 1e9) })
}

/// For a pin named `Array`: Array(T) with element T, or Json with element Json.
pub(super) fn array_pin(cx: &dyn SignatureCx, node: &str) -> Result<(Type, Type), PinError> {
    match cx.input_type("Array") {
        Some(Type::Array(t)) => Ok((Type::Array(t.clone()), *t)),
        None | Some(Type::Json) => Ok((Type::Json, Type::Json)),
        Some(other) => Err(PinError::at(
            "Array",
            codes::TYPE_MISMATCH,
            format!("{node} takes an Array or a Json array, not {other}"),
        )),
    }
}

/// Element `index` of an Array or Json array; `None` past the end.
pub(super) fn element(array: &Value, index: usize, node: &str) -> Result<Option<Value>, NodeError> {
    array
        .element(index)
        .map_err(|kind| err(format!("{node}: the Json value is {kind}, not an array")))
}

pub(super) fn array_len(array: &Value, node: &str) -> Result<usize, NodeError> {
    match array {
        Value::Array(items) => Ok(items.len()),
        Value::Json(j) => match &**j {
            Json::Array(items) => Ok(items.len()),
            other => Err(err(format!(
                "{node}: the Json value is {}, not an array",
                json_kind(other)
            ))),
        },
        _ => Ok(0),
    }
}

pub(super) use crate::value::json_kind;

impl crate::node::registry::Registry {
    /// A registry with the standard library only.
    pub fn standard() -> crate::node::registry::Registry {
        RegistryBuilder::new().install(&StandardLibrary).build()
    }
}
