//! What laying out reuse makes ([`Flat`]): the graph with its functions' bodies and
//! macro uses as one list of nodes, and what the checker needs to know of them. The driver
//! (`reuse.rs`) and the macro expander (`expand.rs`) both build on these; neither is
//! looked at from here.

use graphrun_format::{GraphFile, PinDecl, SourceFile, Span, Type};

/// The node types that mark a body's ends.
pub(crate) const FUNCTION_ENTRY: &str = "Function Entry";
pub(crate) const RETURN_NODE: &str = "Return Node";
pub(crate) const MACRO_INPUTS: &str = "Macro Inputs";
pub(crate) const MACRO_OUTPUTS: &str = "Macro Outputs";

/// A graph with its functions' bodies and its macro uses laid out as one list of nodes.
pub(crate) struct Flat {
    /// The graph: its nodes, then every function body (macro uses expanded everywhere);
    /// its variables, then every function's and macro use's locals.
    pub file: GraphFile,
    /// The main file with the imported files as parts.
    pub source: SourceFile,
    /// Each node's key (see the module's doc).
    pub node_keys: Vec<String>,
    /// Each variable's key: a graph variable's name; a local's `SCOPE-PREFIX name`.
    pub var_keys: Vec<String>,
    /// How many of the variables are the graph's own (the rest are locals).
    pub graph_vars: usize,
    /// Where each node comes from.
    pub origins: Vec<Origin>,
    /// The functions of the graph and its imports.
    pub functions: Vec<FunctionInfo>,
    /// The macros of the graph and its imports (for listings).
    pub macros: Vec<MacroInfo>,
    /// What each macro use wires to its typed data inputs, to check against their types.
    pub pin_checks: Vec<PinCheck>,
    /// The ids of the graph's own nodes as written (macro uses included), which comment
    /// boxes may name.
    pub graph_ids: Vec<String>,
    /// The graph's nodes as written (macro uses included), each function's body and each
    /// macro's, for pictures.
    pub written: Vec<Written>,
}

/// A graph, function or macro body as written, for its picture.
pub(crate) struct Written {
    /// The function's or macro's name (`None`: the event graph).
    pub name: Option<String>,
    /// A macro's body (its nodes' pins are those of its first expansion).
    pub is_macro: bool,
    pub nodes: Vec<graphrun_format::NodeDecl>,
}

/// A macro use's data input: what the use wires to it and the type the macro declares.
#[derive(Clone, Debug)]
pub(crate) struct PinCheck {
    pub source: graphrun_format::Source,
    pub ty: Type,
    pub span: Span,
    pub pin: String,
    pub macro_name: String,
}

pub(crate) use crate::plan::origin::{Origin, Scope, Site, Uses};

/// A function, as its calls see it.
#[derive(Clone, Debug)]
pub(crate) struct FunctionInfo {
    pub name: String,
    pub span: Span,
    pub inputs: Vec<(String, Type, Span)>,
    pub outputs: Vec<(String, Type, Span)>,
    pub pure: bool,
    /// Its body's nodes, in [`Flat::file`].
    pub nodes: std::ops::Range<usize>,
    /// Its locals, in [`Flat::file`]'s variables.
    pub locals: std::ops::Range<usize>,
}

/// A macro, for listings.
#[derive(Clone, Debug)]
pub(crate) struct MacroInfo {
    pub name: String,
    pub span: Span,
    pub inputs: Vec<PinDecl>,
    pub outputs: Vec<PinDecl>,
}
