//! The node types a graph's own functions make: a call of each function, and the two
//! ends of its body (Function Entry, Return Node). Calls and returns run as instructions of
//! the chain (`Instr::Call`, `Instr::Return`): the body runs in the caller's instance.

use std::sync::Arc;

use graphrun_format::Type;

use crate::node::{Entry, Flow, FnNode, NodeDoc, NodeError, NodeType, Op, Signature};
use crate::value::Value;

use super::reuse::{FunctionInfo, FUNCTION_ENTRY, RETURN_NODE};

/// A function's pins with their checked types.
pub(super) struct FunctionPins {
    pub inputs: Vec<(String, Type)>,
    pub outputs: Vec<(String, Type)>,
}

fn never_called(what: &'static str) -> impl Fn(&mut crate::Cx<'_>, Entry) -> Result<Flow, NodeError> + Clone {
    move |_, _| Err(NodeError::new(format!("{what} runs as an instruction of the chain")))
}

/// The node type of calls to function number `f`.
pub(super) fn call(f: u32, info: &FunctionInfo, pins: &FunctionPins, defined_at: &str) -> Arc<dyn NodeType> {
    let mut sig = if info.pure {
        Signature::pure()
    } else {
        Signature::then()
    };
    for (name, ty) in &pins.inputs {
        sig = sig.input_or(name, ty.clone(), Value::zero(ty));
    }
    for (name, ty) in &pins.outputs {
        sig = sig.output(name, ty.clone());
    }
    let what = if info.pure {
        "A pure function: its body runs each time a node reads it"
    } else {
        "A function: its body runs, then `then`"
    };
    let doc = NodeDoc::of("Functions", &format!("{what} (defined at {defined_at})."), &sig);
    Arc::new(
        FnNode::simple(&info.name, doc, sig, never_called("a function call")).intrinsic(move |_| Some(Op::Call(f))),
    )
}

/// The Function Entry of a function: its outputs are the call's inputs.
pub(super) fn entry(pins: &FunctionPins) -> Arc<dyn NodeType> {
    let mut sig = Signature::pure().exec_out("then");
    for (name, ty) in &pins.inputs {
        sig = sig.output(name, ty.clone());
    }
    let doc = NodeDoc::of(
        "Functions",
        "Where a function's body starts; its outputs are the call's inputs.",
        &sig,
    );
    Arc::new(FnNode::simple(FUNCTION_ENTRY, doc, sig, |_, _| Ok(Flow::Then(0))))
}

/// A Return Node of a function: its inputs become the call's outputs, and the call ends.
pub(super) fn return_node(pins: &FunctionPins) -> Arc<dyn NodeType> {
    let mut sig = Signature::impure();
    for (name, ty) in &pins.outputs {
        sig = sig.input_or(name, ty.clone(), Value::zero(ty));
    }
    let doc = NodeDoc::of(
        "Functions",
        "Ends the function: the call's outputs take these inputs.",
        &sig,
    );
    Arc::new(FnNode::simple(RETURN_NODE, doc, sig, never_called("a Return Node")).intrinsic(|_| Some(Op::Return)))
}
