//! The checked, compiled program: what the checker builds and nothing else can. Pins,
//! variables and exec successors are slot indices; names and positions live in a side
//! table ([`NodeDebug`]) read only for messages and traces.

use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::{Diagnostics, SourceFile, Span, Type};

use crate::node::registry::Registry;
use crate::node::Node;
use crate::plan::code::Code;
pub(crate) use crate::plan::code::ExecTarget;
use crate::value::Value;

/// A checked graph, ready to run. Cheap to clone; any number of instances can run it.
#[derive(Clone)]
pub struct Program {
    pub(crate) inner: Arc<ProgramInner>,
}

pub(crate) struct ProgramInner {
    pub registry: Registry,
    pub source: SourceFile,
    pub name: String,
    pub nodes: Vec<NodePlan>,
    /// The nodes as flat instructions, run when not tracing.
    pub code: Code,
    pub debug: Vec<NodeDebug>,
    pub variables: Vec<VariableInfo>,
    pub slot_count: usize,
    pub begin_play: Vec<u32>,
    pub end_play: Vec<u32>,
    pub events: EventMap,
    /// Per node, whether it is a Custom Event (what may be fired).
    pub is_event: Box<[bool]>,
    pub warnings: Diagnostics,
    /// The graph's functions (and its imports').
    pub functions: Box<[FunctionPlan]>,
    /// How many of `variables` are the graph's own (the rest are function and macro locals).
    pub graph_vars: usize,
    /// The file's functions and macros (and its imports'), as `graphrun nodes FILE` lists them.
    pub own_nodes: Vec<(String, crate::node::NodeDoc)>,
    /// The event graph (`None`) and each function's body, as written, for drawing.
    pub pictures: Vec<(Option<String>, crate::picture::Picture)>,
}

/// A function, compiled: where its body starts and which registers are its frame.
pub(crate) struct FunctionPlan {
    pub name: String,
    /// Its Function Entry node.
    pub entry: u32,
    /// The output slots of its body's nodes: a call starts them unset, and a recursive call
    /// saves and restores the caller's.
    pub slots: std::ops::Range<u32>,
    /// Its locals (variable numbers), fresh for every call.
    pub locals: std::ops::Range<u32>,
    /// Its outputs' zero values: what a call gives when no Return Node runs.
    pub zeros: Box<[Value]>,
}

/// One node, compiled: what the interpreter reads on every execution.
pub(crate) struct NodePlan {
    pub imp: Box<dyn Node>,
    /// Where each input's value comes from, in signature order.
    pub inputs: Box<[InputPlan]>,
    /// Whether the node reads its inputs where they are (no conversion, none wired to its
    /// own outputs) instead of from copies.
    pub in_place: bool,
    /// The pure nodes to evaluate before this node runs, dependencies first.
    pub pure_deps: Box<[u32]>,
    /// The first of this node's output slots.
    pub out_base: u32,
    /// Where each exec output leads.
    pub exec_out: Box<[Option<ExecTarget>]>,
    /// For a function call or a Return Node: which. They are instructions of their own
    /// (`Instr::Call`, `PureCall`, `Return`); their `imp` only fails, saying so.
    pub call: Option<CallKind>,
}

/// What a node of a function does to the chain.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CallKind {
    /// Calls function number N.
    Function(u32),
    /// Returns from the function running.
    Return,
}

pub(crate) use crate::node::input::InputPlan;

/// Names and positions of one node, for errors and traces.
pub(crate) struct NodeDebug {
    /// Where it was written: the graph, a function, a macro (and the macro's uses).
    pub origin: crate::plan::origin::Origin,
    pub id: String,
    pub type_name: String,
    pub span: Span,
    pub input_names: Vec<String>,
    pub output_names: Vec<String>,
    pub exec_output_names: Vec<String>,
    /// Its outputs' types, as its wires resolved them (a Custom Event's: its params').
    pub output_types: Vec<Type>,
    /// Whether it is pure (for the message when its output is read unset).
    pub pure: bool,
    /// Whether it writes the variable its `var:` names (Set, Increment: an impure node
    /// naming one), for a debugger's variables panel.
    pub writes_variable: bool,
}

/// A graph variable.
#[derive(Clone, Debug)]
pub struct VariableInfo {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Its value when an instance starts.
    pub default: Value,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("name", &self.inner.name)
            .field("nodes", &self.inner.nodes.len())
            .finish()
    }
}

impl Program {
    /// The graph's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The source file it was loaded from.
    pub fn source(&self) -> &SourceFile {
        &self.inner.source
    }

    /// The warnings found while loading (deprecated nodes and classes).
    pub fn warnings(&self) -> &Diagnostics {
        &self.inner.warnings
    }

    /// The graph's variables.
    pub fn variables(&self) -> &[VariableInfo] {
        &self.inner.variables[..self.inner.graph_vars]
    }

    /// The registry it was checked against.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.inner.nodes.len()
    }

    /// The Custom Events a host can fire, by node id, with their params.
    pub fn custom_events(&self) -> impl Iterator<Item = (&str, Vec<(&str, &Type)>)> {
        self.inner.events.iter().map(|(name, &node)| {
            let debug = &self.inner.debug[node as usize];
            let params = debug
                .output_names
                .iter()
                .map(String::as_str)
                .zip(debug.output_types.iter())
                .collect();
            (name.as_str(), params)
        })
    }

    /// Reads the text of a `--set NAME=VALUE` for a variable: a RON literal of the
    /// variable's type; for a String variable, text that is not a quoted RON string is
    /// taken as it is (so `Url=ws://127.0.0.1:9001/` works).
    pub fn parse_variable_value(&self, name: &str, text: &str) -> Result<Value, LiteralError> {
        let Some(index) = self.variable_index(name) else {
            let known = self.inner.variables.iter().map(|v| v.name.as_str());
            return Err(LiteralError::UnknownVariable(format!(
                "no variable `{name}` in graph `{}`{}",
                self.inner.name,
                crate::names::suggest(name, known)
            )));
        };
        let var = &self.inner.variables[index];
        let parsed = graphrun_format::ron::parse(text);
        if var.ty == Type::String {
            return Ok(match parsed {
                Ok(graphrun_format::ron::Value {
                    kind: graphrun_format::ron::Kind::Str(s),
                    ..
                }) => Value::from(s),
                _ => Value::from(text),
            });
        }
        let value = parsed.map_err(|e| {
            LiteralError::Syntax(format!("`{text}` is not a literal of type {}: {}", var.ty, e.message))
        })?;
        crate::value::literal_value(&value, &var.ty)
            .map_err(|(_, message)| LiteralError::Type(format!("variable `{name}` is {}: {message}", var.ty)))
    }

    /// Reads a RON literal as a value of type `ty`, as a pin reads one written in a graph
    /// file (for hosts that take values as text: a test file's event args, say).
    pub fn parse_literal(&self, ty: &Type, text: &str) -> Result<Value, LiteralError> {
        let value = graphrun_format::ron::parse(text)
            .map_err(|e| LiteralError::Syntax(format!("`{text}` is not a literal: {}", e.message)))?;
        crate::value::literal_value(&value, ty)
            .map_err(|(_, message)| LiteralError::Type(format!("not a {ty}: {message}")))
    }

    /// The event graph as written, for drawing (`None`), or the body of the function of
    /// that name; `None` if there is no such function, or the program was not loaded with
    /// [`Registry::load_file_to_draw`](crate::Registry::load_file_to_draw).
    pub fn picture(&self, function: Option<&str>) -> Option<&crate::picture::Picture> {
        self.inner
            .pictures
            .iter()
            .find(|(name, _)| name.as_deref() == function)
            .map(|(_, p)| p)
    }

    /// The names of the functions whose bodies [`Program::picture`] draws.
    pub fn picture_names(&self) -> impl Iterator<Item = &str> {
        self.inner.pictures.iter().filter_map(|(name, _)| name.as_deref())
    }

    /// The index of a variable, by name.
    pub fn variable_index(&self, name: &str) -> Option<usize> {
        self.variables().iter().position(|v| v.name == name)
    }
}

/// Custom Events by id: looked up each time a host fires one by name, so hashed with FNV-1a
/// (short keys; the map is built from the file, not from outside input).
pub(crate) type EventMap = HashMap<String, u32, std::hash::BuildHasherDefault<Fnv>>;

/// The FNV-1a hash.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Why a text is not a value for a variable or a pin ([`Program::parse_variable_value`],
/// [`Program::parse_literal`]); its text says what is wrong, with the nearest names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiteralError {
    /// The program has no variable of that name.
    UnknownVariable(String),
    /// The text is not a RON literal.
    Syntax(String),
    /// A RON literal, not of the type.
    Type(String),
}

impl std::fmt::Display for LiteralError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiteralError::UnknownVariable(m) | LiteralError::Syntax(m) | LiteralError::Type(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LiteralError {}

impl From<LiteralError> for String {
    fn from(e: LiteralError) -> String {
        e.to_string()
    }
}
