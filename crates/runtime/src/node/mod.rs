//! What a node type is: its pins for one use in a file ([`Signature`]), how it compiles to
//! a runnable [`Node`], and what a node may do when it runs ([`Flow`]). This is the API
//! that node libraries, the standard library included, are written against.

use std::fmt;

use graphrun_format::ron;
use graphrun_format::Type;

use crate::value::Value;

pub(crate) mod arith;
pub(crate) mod cx;
pub(crate) mod event;
mod fn_node;
pub(crate) mod host;
pub(crate) mod input;
pub(crate) mod queue;
pub(crate) mod registry;
mod typed;

pub use cx::Cx;
pub use fn_node::FnNode;
pub use typed::{PinOutput, PinValue, TypeError, TypedFn};

/// The role a node type plays for the instance, beyond running when reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// An ordinary node.
    Plain,
    /// Starts a chain when the instance begins.
    BeginPlay,
    /// Starts a chain when the instance ends.
    EndPlay,
    /// Starts a chain when fired: by a delegate, a timer or the host. Its outputs are the
    /// event's params.
    CustomEvent,
    /// Reads or writes the variable named by `var:`.
    Variable,
    /// A reroute knot: what is wired into it goes on out of it. The checker checks it as a
    /// node; the compiled program wires around it, so it costs nothing at run time.
    Reroute,
}

/// A node type, as a node library defines it.
pub trait NodeType: Send + Sync + 'static {
    /// The name graphs use (`node: "Print String"`): Blueprint's display name.
    fn name(&self) -> &str;

    /// Its pins and a description, for `graphrun nodes`.
    fn doc(&self) -> NodeDoc;

    /// What role it plays (most nodes: [`Role::Plain`]).
    fn role(&self) -> Role {
        Role::Plain
    }

    /// For a deprecated node type: what to use instead.
    fn deprecated(&self) -> Option<&str> {
        None
    }

    /// Its pins for one node in a file: which pins the file may wire, and their types,
    /// which may depend on what is connected (generic pins) or on the keys the file uses
    /// (`Then 0`, `[0]`, a Format String's holes).
    fn signature(&self, cx: &dyn SignatureCx) -> Result<Signature, PinError>;

    /// Builds the runnable node for one checked node in a file.
    fn compile(&self, cx: &dyn CompileCx) -> Result<Box<dyn Node>, PinError>;

    /// For the hot standard nodes: an instruction the interpreter runs itself, without a
    /// call through [`Node`] (traced or not). Only the standard library can make one.
    #[doc(hidden)]
    fn intrinsic(&self, _cx: &dyn CompileCx) -> Option<Intrinsic> {
        None
    }

    /// The input whose value this pure node's output is a changed copy of (Array Add's
    /// Array), if it changes that value in place when it holds the only reference to it
    /// (`Arc::make_mut`) and never fails after taking it. Then `Set X = Node(X, …)` moves X
    /// into the node instead of copying it, so growing a variable is not quadratic.
    fn updates(&self) -> Option<usize> {
        None
    }
}

/// An instruction the interpreter runs itself: see [`NodeType::intrinsic`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intrinsic(pub(crate) Op);

/// The intrinsic instructions. Each does exactly what its node's compiled form does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Arithmetic on two Ints.
    Int(arith::IntOp),
    /// Arithmetic on two Floats.
    Float(arith::FloatOp),
    /// A comparison of two Ints.
    CompareInt(arith::Compare),
    /// A comparison of two Floats.
    CompareFloat(arith::Compare),
    /// Get of variable number N.
    Get(u32),
    /// Set of variable number N.
    Set(u32),
    ForLoop,
    /// For Each Loop over an Array or a Json array.
    ForEach,
    Branch,
    /// An event node (BeginPlay, EndPlay, Custom Event): its chain goes on through its
    /// exec output; its outputs (a Custom Event's params) are already in place.
    Event,
    /// A call of the program's function number N (its body runs in the chain).
    Call(u32),
    /// A function's Return Node.
    Return,
}

/// What a node type can ask of the file while its pins are being decided.
pub trait SignatureCx {
    /// The names of the inputs the file wires, in the order written.
    fn input_names(&self) -> Vec<&str>;
    /// The names of the exec outputs the file wires, in the order written.
    fn exec_output_names(&self) -> Vec<&str>;
    /// The type of what is wired to an input: a link's source pin, a variable, or a
    /// literal's own type. `None` if nothing is, or its type is not known.
    fn input_type(&self, pin: &str) -> Option<Type>;
    /// The literal wired to an input, if it is one.
    fn literal(&self, pin: &str) -> Option<&ron::Value>;
    /// The `var:` variable and its type, if the node names a known one.
    fn variable(&self) -> Option<(&str, Type)>;
    /// The `params:` declared on the node, if any.
    fn params(&self) -> Option<Vec<(String, Type)>>;
    /// For a Custom Event bound to delegates: the params of the first delegate it is bound to.
    fn bound_delegate(&self) -> Option<Vec<(String, Type)>>;
    /// The registry being checked against (classes, other node types).
    fn registry(&self) -> &crate::Registry;
}

/// What a node type can ask of the checked program while it compiles one node.
pub trait CompileCx {
    /// The node's checked signature.
    fn signature(&self) -> &Signature;
    /// The index of the `var:` variable.
    fn variable_index(&self) -> Option<usize>;
    /// The Custom Event bound to a delegate input.
    fn delegate(&self, pin: &str) -> Option<EventRef>;
    /// The value of an input wired to a literal.
    fn literal(&self, pin: &str) -> Option<Value>;
    /// The type of what is wired to an input (before conversion to the pin's type).
    fn source_type(&self, pin: &str) -> Option<Type>;
    /// The number of a class.
    fn class_id(&self, class: &str) -> Option<u32>;
}

/// A Custom Event node in a compiled program: what delegates and timers fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventRef(pub u32);

/// Where a node's run starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Through exec input number N (0 is the first, usually `exec`); pure nodes get `Pin(0)`.
    Pin(usize),
    /// Back into the node: after the chain of a [`Flow::Call`] or [`Flow::Loop`] ended, or
    /// when a wake-up the node asked for ([`Cx::wake_after`]) came. The number is the one
    /// the node gave.
    Resume(u64),
}

/// What happens after a node ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on through exec output N.
    Then(usize),
    /// Nothing follows (the chain ends here, or a latent node will go on later).
    End,
    /// Run the chain from exec output `out`; when it ends, re-enter this node with
    /// `Entry::Resume(resume)` (Sequence).
    Call {
        /// The exec output to run now.
        out: usize,
        /// The number to resume with.
        resume: u64,
    },
    /// Like `Call`, and counts as one loop iteration for the loop guard (For Loop, While).
    Loop {
        /// The exec output to run now.
        out: usize,
        /// The number to resume with.
        resume: u64,
    },
}

/// A runnable node: one node of a checked file, compiled.
pub trait Node: Send + Sync {
    /// Runs the node. Its inputs have been evaluated (pure nodes first) and are read
    /// through `cx`.
    fn run(&self, cx: &mut Cx<'_>, entry: Entry) -> Result<Flow, NodeError>;
}

impl<F> Node for F
where
    F: Fn(&mut Cx<'_>, Entry) -> Result<Flow, NodeError> + Send + Sync,
{
    fn run(&self, cx: &mut Cx<'_>, entry: Entry) -> Result<Flow, NodeError> {
        self(cx, entry)
    }
}

/// A runtime error raised by a node; the instance adds the node, graph and position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// A failure the node says in words.
    #[error("{0}")]
    Message(Box<str>),
    /// A value of another type than the node needs.
    #[error(transparent)]
    Type(Box<TypeError>),
    /// A result over the instance's value size limit ([`crate::RunOptions::max_value_size`]).
    #[error("the result would be {bytes} bytes, over the value size limit of {limit} bytes (--max-value-size)")]
    TooLarge {
        /// The result's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// Int arithmetic whose result does not fit in 64 bits.
    #[error("integer overflow: {a} {op} {b} does not fit in 64 bits")]
    Overflow {
        /// The left operand.
        a: i64,
        /// The operation.
        op: Arithmetic,
        /// The right operand.
        b: i64,
    },
    /// The node's code panicked, with this message.
    #[error("the node panicked: {0}")]
    Panicked(Box<str>),
}

impl From<TypeError> for NodeError {
    fn from(e: TypeError) -> NodeError {
        NodeError::Type(Box::new(e))
    }
}

/// An Int operation, as [`NodeError::Overflow`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// `Add`.
    Add,
    /// `Subtract`.
    Subtract,
    /// `Multiply`.
    Multiply,
    /// `Divide`.
    Divide,
}

impl fmt::Display for Arithmetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arithmetic::Add => "Add",
            Arithmetic::Subtract => "Subtract",
            Arithmetic::Multiply => "Multiply",
            Arithmetic::Divide => "Divide",
        })
    }
}

impl NodeError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> NodeError {
        NodeError::Message(message.into().into_boxed_str())
    }
}

/// So that `?` on a `Result<_, String>` works in a node.
impl From<String> for NodeError {
    fn from(message: String) -> NodeError {
        NodeError::Message(message.into_boxed_str())
    }
}

impl From<&str> for NodeError {
    fn from(message: &str) -> NodeError {
        NodeError::Message(message.into())
    }
}

/// An error in the pins a file wires to a node, found while deciding its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinError {
    /// The input pin to point at, if one is to blame (else the node).
    pub pin: Option<String>,
    /// The diagnostic code (see `graphrun_format::codes`).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for PinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pin {
            Some(pin) => write!(f, "input `{pin}`: {} [{}]", self.message, self.code),
            None => write!(f, "{} [{}]", self.message, self.code),
        }
    }
}

impl std::error::Error for PinError {}

impl PinError {
    /// An error about input `pin`.
    pub fn at(pin: &str, code: &'static str, message: impl Into<String>) -> PinError {
        PinError {
            pin: Some(pin.to_string()),
            code,
            message: message.into(),
        }
    }

    /// An error about the node as a whole.
    pub fn node(code: &'static str, message: impl Into<String>) -> PinError {
        PinError {
            pin: None,
            code,
            message: message.into(),
        }
    }
}

/// One data input pin.
#[derive(Clone, Debug, PartialEq)]
pub struct InputPin {
    /// Its name.
    pub name: String,
    /// What it takes.
    pub kind: InputKind,
    /// Its value when the file leaves it out; `None`: the file must wire it.
    pub default: Option<Value>,
}

/// What an input pin takes.
#[derive(Clone, Debug, PartialEq)]
pub enum InputKind {
    /// A value of this type, from a link, a variable or a literal.
    Data(Type),
    /// A literal of this type only (Construct Object's Class, Format String's Format).
    Literal(Type),
    /// A delegate: `Event("node")` binding a Custom Event with these params.
    Delegate(Vec<(String, Type)>),
}

/// One data output pin.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputPin {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// The pins of one node in a file. A node with no exec inputs is pure.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Signature {
    /// Exec inputs; empty for a pure node. The first is the one a plain `"node"` link enters.
    pub exec_inputs: Vec<String>,
    /// Exec outputs.
    pub exec_outputs: Vec<String>,
    /// Data inputs.
    pub inputs: Vec<InputPin>,
    /// Data outputs.
    pub outputs: Vec<OutputPin>,
    /// Warnings about this use of the node (a deprecated class named on a pin, say).
    pub warnings: Vec<PinError>,
    /// Errors that do not stop the rest of the node from being checked (a literal that is
    /// not one of a pin's allowed values, say).
    pub errors: Vec<PinError>,
}

impl Signature {
    /// A pure node (no exec pins).
    pub fn pure() -> Signature {
        Signature::default()
    }

    /// An impure node with the exec input `exec`.
    pub fn impure() -> Signature {
        Signature {
            exec_inputs: vec!["exec".to_string()],
            ..Signature::default()
        }
    }

    /// An impure node with the exec input `exec` and the exec output `then`.
    pub fn then() -> Signature {
        Signature::impure().exec_out("then")
    }

    /// Whether the node has no exec pins.
    pub fn is_pure(&self) -> bool {
        self.exec_inputs.is_empty() && self.exec_outputs.is_empty()
    }

    /// Whether the node starts chains (exec outputs, no exec input): an event.
    pub fn is_event(&self) -> bool {
        self.exec_inputs.is_empty() && !self.exec_outputs.is_empty()
    }

    /// Adds an exec input.
    pub fn exec_in(mut self, name: &str) -> Signature {
        self.exec_inputs.push(name.to_string());
        self
    }

    /// Adds an exec output.
    pub fn exec_out(mut self, name: &str) -> Signature {
        self.exec_outputs.push(name.to_string());
        self
    }

    /// Adds a required data input.
    pub fn input(mut self, name: &str, ty: Type) -> Signature {
        self.inputs.push(InputPin {
            name: name.to_string(),
            kind: InputKind::Data(ty),
            default: None,
        });
        self
    }

    /// Adds a data input with a default.
    pub fn input_or(mut self, name: &str, ty: Type, default: impl Into<Value>) -> Signature {
        self.inputs.push(InputPin {
            name: name.to_string(),
            kind: InputKind::Data(ty),
            default: Some(default.into()),
        });
        self
    }

    /// Adds a required input that takes a literal only.
    pub fn literal_input(mut self, name: &str, ty: Type) -> Signature {
        self.inputs.push(InputPin {
            name: name.to_string(),
            kind: InputKind::Literal(ty),
            default: None,
        });
        self
    }

    /// Adds a delegate input (optional: unbound when left out).
    pub fn delegate(mut self, name: &str, params: &[(&str, Type)]) -> Signature {
        self.inputs.push(InputPin {
            name: name.to_string(),
            kind: InputKind::Delegate(params.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()),
            default: Some(Value::Unset),
        });
        self
    }

    /// Adds a delegate input that the file must bind.
    pub fn required_delegate(mut self, name: &str, params: &[(&str, Type)]) -> Signature {
        self = self.delegate(name, params);
        if let Some(pin) = self.inputs.last_mut() {
            pin.default = None;
        }
        self
    }

    /// Adds a data output.
    pub fn output(mut self, name: &str, ty: Type) -> Signature {
        self.outputs.push(OutputPin {
            name: name.to_string(),
            ty,
        });
        self
    }

    /// The index of an input pin.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|p| p.name == name)
    }

    /// The index of an output pin.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|p| p.name == name)
    }

    /// The index of an exec output.
    pub fn exec_output_index(&self, name: &str) -> Option<usize> {
        self.exec_outputs.iter().position(|p| p == name)
    }
}

/// A node type's pins in words, for `graphrun nodes` (types may be generic: "Int or Float").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeDoc {
    /// A group such as "Flow Control" or "Json".
    pub category: String,
    /// One sentence.
    pub description: String,
    /// Whether it is latent (its outputs fire later, letting other events run).
    pub latent: bool,
    /// Exec inputs (empty: a pure node).
    pub exec_inputs: Vec<String>,
    /// Exec outputs.
    pub exec_outputs: Vec<String>,
    /// Data inputs: name and type in words.
    pub inputs: Vec<(String, String)>,
    /// Data outputs: name and type in words.
    pub outputs: Vec<(String, String)>,
}

impl NodeDoc {
    /// A doc in `category` saying `description`.
    pub fn new(category: &str, description: &str) -> NodeDoc {
        NodeDoc {
            category: category.to_string(),
            description: description.to_string(),
            ..NodeDoc::default()
        }
    }

    /// A doc in `category` saying `description`, with the pins of a fixed signature (an
    /// input with a default shows it: `Bool = false`), so they are written once.
    pub fn of(category: &str, description: &str, signature: &Signature) -> NodeDoc {
        let mut doc = NodeDoc::new(category, description);
        doc.exec_inputs = signature.exec_inputs.clone();
        doc.exec_outputs = signature.exec_outputs.clone();
        for pin in &signature.inputs {
            let ty = match &pin.kind {
                InputKind::Data(t) | InputKind::Literal(t) => t.to_string(),
                InputKind::Delegate(params) => {
                    let params: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                    format!("delegate ({})", params.join(", "))
                }
            };
            let ty = match &pin.default {
                Some(default) => format!("{ty} = {}", default.to_json()),
                None => ty,
            };
            doc.inputs.push((pin.name.clone(), ty));
        }
        doc.outputs = signature
            .outputs
            .iter()
            .map(|p| (p.name.clone(), p.ty.to_string()))
            .collect();
        doc
    }

    /// Adds exec inputs.
    pub fn exec_in(mut self, names: &[&str]) -> NodeDoc {
        self.exec_inputs.extend(names.iter().map(|s| s.to_string()));
        self
    }

    /// Adds exec outputs.
    pub fn exec_out(mut self, names: &[&str]) -> NodeDoc {
        self.exec_outputs.extend(names.iter().map(|s| s.to_string()));
        self
    }

    /// Adds a data input.
    pub fn input(mut self, name: &str, ty: &str) -> NodeDoc {
        self.inputs.push((name.to_string(), ty.to_string()));
        self
    }

    /// Adds a data output.
    pub fn output(mut self, name: &str, ty: &str) -> NodeDoc {
        self.outputs.push((name.to_string(), ty.to_string()));
        self
    }

    /// Marks it latent.
    pub fn latent(mut self) -> NodeDoc {
        self.latent = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node's result travels through every step of a chain: a `NodeError` larger than
    /// a `String` makes every `Result` of the interpreter larger (and measurably slower).
    #[test]
    fn a_node_error_is_24_bytes() {
        assert_eq!(std::mem::size_of::<NodeError>(), 24);
    }
}

#[cfg(test)]
mod pin_error_tests {
    use super::PinError;

    #[test]
    fn a_pin_error_says_its_pin_message_and_code() {
        let e = PinError::at("Array", "E0106", "not an array");
        assert_eq!(e.to_string(), "input `Array`: not an array [E0106]");
        let e: Box<dyn std::error::Error> = Box::new(PinError::node("E0101", "no such type"));
        assert_eq!(e.to_string(), "no such type [E0101]");
    }
}
