//! The graph file as written: variables, nodes, inputs and exec links, each with its
//! position (`read.rs` makes one from the text). Nothing here knows which node types
//! exist (that is the checker's job, in the runtime crate).

use std::fmt;
use std::sync::Arc;

use crate::ron;
use crate::source::{SourceFile, Span, Spanned};

/// The format version this reader writes and reads.
pub const FORMAT_VERSION: i64 = 1;

// The file's schema: each field's name, written once here, and each struct's fields in
// the order `graphrun fmt` writes them. The reader knows a struct's fields from these
// lists, and the edit layer finds and places fields by them, so no other file spells a
// field's name.

/// The names of the file's fields.
pub mod field {
    /// `format`.
    pub const FORMAT: &str = "format";
    /// `name`.
    pub const NAME: &str = "name";
    /// `imports`.
    pub const IMPORTS: &str = "imports";
    /// `variables`.
    pub const VARIABLES: &str = "variables";
    /// `functions`.
    pub const FUNCTIONS: &str = "functions";
    /// `macros`.
    pub const MACROS: &str = "macros";
    /// `comments`.
    pub const COMMENTS: &str = "comments";
    /// `nodes`.
    pub const NODES: &str = "nodes";
    /// `node`.
    pub const NODE: &str = "node";
    /// `var`.
    pub const VAR: &str = "var";
    /// `params`.
    pub const PARAMS: &str = "params";
    /// `pos`.
    pub const POS: &str = "pos";
    /// `comment`.
    pub const COMMENT: &str = "comment";
    /// `inputs`.
    pub const INPUTS: &str = "inputs";
    /// `exec`.
    pub const EXEC: &str = "exec";
    /// `outputs`.
    pub const OUTPUTS: &str = "outputs";
    /// `pure`.
    pub const PURE: &str = "pure";
    /// `locals`.
    pub const LOCALS: &str = "locals";
    /// `type`.
    pub const TYPE: &str = "type";
    /// `default`.
    pub const DEFAULT: &str = "default";
    /// `text`.
    pub const TEXT: &str = "text";
    /// `color`.
    pub const COLOR: &str = "color";
}

/// The fields of `Graph(...)`.
pub const GRAPH_FIELDS: &[&str] = &[
    field::FORMAT,
    field::NAME,
    field::IMPORTS,
    field::VARIABLES,
    field::FUNCTIONS,
    field::MACROS,
    field::COMMENTS,
    field::NODES,
];

/// The fields of `Library(...)`.
pub const LIBRARY_FIELDS: &[&str] = &[
    field::FORMAT,
    field::NAME,
    field::IMPORTS,
    field::FUNCTIONS,
    field::MACROS,
];

/// The fields of a node.
pub const NODE_FIELDS: &[&str] = &[
    field::NODE,
    field::VAR,
    field::PARAMS,
    field::POS,
    field::COMMENT,
    field::INPUTS,
    field::EXEC,
];

/// The fields of a function.
pub const FUNCTION_FIELDS: &[&str] = &[field::INPUTS, field::OUTPUTS, field::PURE, field::LOCALS, field::NODES];

/// The fields of a macro (a function's, but `pure`).
pub const MACRO_FIELDS: &[&str] = &[field::INPUTS, field::OUTPUTS, field::LOCALS, field::NODES];

/// The fields of a variable's declaration.
pub const VARIABLE_FIELDS: &[&str] = &[field::TYPE, field::DEFAULT];

/// The fields of a comment box.
pub const COMMENT_FIELDS: &[&str] = &[field::TEXT, field::NODES, field::COLOR];

/// A data type of the file format.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `true` or `false`.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// A 64-bit float.
    Float,
    /// UTF-8 text.
    String,
    /// Any JSON value.
    Json,
    /// A list of values of one type.
    Array(Box<Type>),
    /// String keys to values of one type, in insertion order.
    Map(Box<Type>),
    /// A handle to an object of the named class (None until set).
    Object(Arc<str>),
}

impl Type {
    /// The type's zero value is used when a variable has no default; this says whether a
    /// value of type `from` may be used where `self` is expected (the implicit conversions:
    /// Int to Float, anything to String, anything but an Object to Json).
    pub fn accepts(&self, from: &Type) -> bool {
        match (self, from) {
            (a, b) if a == b => true,
            (Type::Float, Type::Int) => true,
            (Type::String, _) => true,
            (Type::Json, Type::Object(_)) => false,
            (Type::Json, _) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("Bool"),
            Type::Int => f.write_str("Int"),
            Type::Float => f.write_str("Float"),
            Type::String => f.write_str("String"),
            Type::Json => f.write_str("Json"),
            Type::Array(t) => write!(f, "Array({t})"),
            Type::Map(t) => write!(f, "Map({t})"),
            Type::Object(c) => write!(f, "Object({c:?})"),
        }
    }
}

/// A whole graph file.
#[derive(Clone, Debug)]
pub struct GraphFile {
    /// The source it was read from.
    pub source: SourceFile,
    /// The `format` field.
    pub format: Spanned<i64>,
    /// The graph's name, used in messages.
    pub name: Spanned<String>,
    /// Variables in the order written.
    pub variables: Vec<VariableDecl>,
    /// Nodes in the order written.
    pub nodes: Vec<NodeDecl>,
    /// Comment boxes (`comments:`), drawn around nodes; they never change how it runs.
    pub comments: Vec<CommentDecl>,
    /// Whether it is a `Library(...)` (functions and macros only) rather than a `Graph`.
    pub library: bool,
    /// `imports:`: library files, relative to this file, as written.
    pub imports: Vec<Spanned<String>>,
    /// `functions:` in the order written.
    pub functions: Vec<FunctionDecl>,
    /// `macros:` in the order written.
    pub macros: Vec<MacroDecl>,
}

/// A function: `"Name": (inputs: {...}, outputs: {...}, pure: bool, locals: {...}, nodes: {...})`.
#[derive(Clone, Debug)]
pub struct FunctionDecl {
    /// Its name: the node type of its calls.
    pub name: Spanned<String>,
    /// Data inputs, in order.
    pub inputs: Vec<PinDecl>,
    /// Data outputs, in order.
    pub outputs: Vec<PinDecl>,
    /// `pure: true`: its calls have no exec pins.
    pub pure: bool,
    /// Variables fresh for every call.
    pub locals: Vec<VariableDecl>,
    /// The body.
    pub nodes: Vec<NodeDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// A macro: `"Name": (inputs: {...}, outputs: {...}, locals: {...}, nodes: {...})`.
#[derive(Clone, Debug)]
pub struct MacroDecl {
    /// Its name: the node type of its uses.
    pub name: Spanned<String>,
    /// Inputs (exec or data), in order.
    pub inputs: Vec<PinDecl>,
    /// Outputs (exec or data), in order.
    pub outputs: Vec<PinDecl>,
    /// Variables of each use.
    pub locals: Vec<VariableDecl>,
    /// The body.
    pub nodes: Vec<NodeDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// A pin of a function or macro: `"Name": Type` (`Exec` for a macro's exec pins).
#[derive(Clone, Debug)]
pub struct PinDecl {
    /// The pin's name.
    pub name: Spanned<String>,
    /// Its type; `None` for an exec pin.
    pub ty: Option<Type>,
    /// Where the type is written.
    pub ty_span: Span,
}

/// `(text: "…", nodes: ["id", …], color: "#RRGGBB")`: a comment box around nodes.
#[derive(Clone, Debug)]
pub struct CommentDecl {
    /// The comment's text.
    pub text: Spanned<String>,
    /// The ids of the nodes it surrounds, as written (the checker finds them).
    pub nodes: Vec<Spanned<String>>,
    /// Its colour, `#RRGGBB`, if given.
    pub color: Option<Spanned<String>>,
    /// The whole comment.
    pub span: Span,
}

/// `"Name": (type: T, default: literal)`.
#[derive(Clone, Debug)]
pub struct VariableDecl {
    /// The variable's name.
    pub name: Spanned<String>,
    /// Its type.
    pub ty: Spanned<Type>,
    /// The default as written, checked against the type by the checker.
    pub default: Option<ron::Value>,
}

/// One node.
#[derive(Clone, Debug)]
pub struct NodeDecl {
    /// The node id (the map key).
    pub id: Spanned<String>,
    /// The node type's name (`node:`).
    pub node_type: Spanned<String>,
    /// Input pins in the order written.
    pub inputs: Vec<InputDecl>,
    /// Exec outputs in the order written.
    pub exec: Vec<ExecDecl>,
    /// `var:` on Get and Set.
    pub var: Option<Spanned<String>>,
    /// `params:` on a Custom Event.
    pub params: Option<Vec<ParamDecl>>,
    /// `pos: (X, Y)`: where the node's box's top-left corner sits, in graph units.
    pub pos: Option<Spanned<(i64, i64)>>,
    /// `comment:`: a note shown above the node.
    pub comment: Option<Spanned<String>>,
    /// The whole node, `(...)`.
    pub span: Span,
}

/// One input pin's value.
#[derive(Clone, Debug)]
pub struct InputDecl {
    /// The pin's name.
    pub pin: Spanned<String>,
    /// Where its value comes from.
    pub source: Source,
    /// Where the value is written.
    pub span: Span,
}

/// Where an input pin's value comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A literal, checked against the pin's type by the checker.
    Literal(ron::Value),
    /// `Link("node", "Output Pin")`.
    Link {
        /// The source node's id.
        node: Spanned<String>,
        /// The source output pin.
        pin: Spanned<String>,
    },
    /// `Var("Name")`.
    Var(Spanned<String>),
    /// `Event("node")`, on a delegate pin.
    Event(Spanned<String>),
}

/// `"Exec Out": "node"` or `"Exec Out": "node.Exec In"`.
#[derive(Clone, Debug)]
pub struct ExecDecl {
    /// The exec output pin.
    pub pin: Spanned<String>,
    /// The target node's id.
    pub node: Spanned<String>,
    /// The target exec input, if named (else the node's default exec input).
    pub input: Option<Spanned<String>>,
}

/// One `params` entry of a Custom Event.
#[derive(Clone, Debug)]
pub struct ParamDecl {
    /// The param (output pin) name.
    pub name: Spanned<String>,
    /// Its type.
    pub ty: Spanned<Type>,
}
