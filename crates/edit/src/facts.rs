//! What an edit needs to know about a file that only the checker knows: each node's pins
//! and their types, and the file's diagnostics. The edit layer depends on no runtime, so
//! the checker is behind [`Inspector`]; the command line and the studio pass one built on
//! the runtime's registry, tests may pass [`NoInspector`] for edits that only need the text.

use std::collections::HashMap;

use graphrun_format::Type;

/// Which body of the file: the event graph, or a function's or macro's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Body {
    /// The graph's own nodes.
    Graph,
    /// The body of the function of this name.
    Function(String),
    /// The body of the macro of this name.
    Macro(String),
}

impl Body {
    /// The function's or macro's name (none for the event graph).
    pub fn name(&self) -> Option<&str> {
        match self {
            Body::Graph => None,
            Body::Function(n) | Body::Macro(n) => Some(n),
        }
    }
}

/// The pins of one node, as the checker decided them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pins {
    /// Exec inputs, the default one first.
    pub exec_inputs: Vec<String>,
    /// Exec outputs.
    pub exec_outputs: Vec<String>,
    /// Data inputs and their types (a delegate pin's type is `Object("delegate")`).
    pub inputs: Vec<(String, Type)>,
    /// Data outputs and their types.
    pub outputs: Vec<(String, Type)>,
}

impl Pins {
    /// Every pin's name, for "did you mean".
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.exec_inputs
            .iter()
            .chain(&self.exec_outputs)
            .map(String::as_str)
            .chain(self.inputs.iter().chain(&self.outputs).map(|(n, _)| n.as_str()))
    }

    /// A data input's type.
    pub fn input(&self, name: &str) -> Option<&Type> {
        self.inputs.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// A data output's type.
    pub fn output(&self, name: &str) -> Option<&Type> {
        self.outputs.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
}

/// One diagnostic of the checker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Its code (`E0104`).
    pub code: String,
    /// Whether it is an error (else a warning).
    pub error: bool,
    /// Its message.
    pub message: String,
    /// `FILE:LINE:COL`.
    pub location: String,
}

/// What the checker says of one text of the file.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Each node's pins, by body and id (a node whose pins could not be decided is absent).
    pub pins: HashMap<(Body, String), Pins>,
    /// Every diagnostic.
    pub findings: Vec<Finding>,
    /// Whether these facts come from a checker (else pins are unknown, not absent).
    pub checked: bool,
}

/// The checker, as the edit layer sees it.
pub trait Inspector {
    /// What the checker says of `text`.
    fn inspect(&self, text: &str) -> Facts;
}

/// An inspector that knows nothing: edits are checked against the text alone.
pub struct NoInspector;

impl Inspector for NoInspector {
    fn inspect(&self, _: &str) -> Facts {
        Facts::default()
    }
}

/// The codes of the errors an operation may not introduce: it names something that does
/// not exist, or joins what cannot be joined. Others (a required input still unset, say)
/// are written and shown as warnings.
pub const REFUSED: &[&str] = {
    use graphrun_format::codes::*;
    &[
        SYNTAX,
        SHAPE,
        FORMAT_VERSION,
        DUPLICATE,
        UNKNOWN_TYPE,
        INVALID_ID,
        UNKNOWN_NODE_TYPE,
        UNKNOWN_PIN,
        TYPE_MISMATCH,
        MISSING_NODE,
        MISSING_PIN,
        EXEC_INTO_PURE,
        DATA_FROM_EXEC,
        DATA_CYCLE,
        NOT_AN_EVENT,
        EVENT_SIGNATURE,
        UNKNOWN_VARIABLE,
        DEFAULT_TYPE,
        NODE_FIELD,
        UNKNOWN_CLASS,
        NOT_LITERAL,
        BODY,
        MACRO_CYCLE,
    ]
};

/// The errors of `after` that `before` did not have, of the kinds an edit may not make.
pub fn introduced<'a>(before: &Facts, after: &'a Facts) -> Vec<&'a Finding> {
    let mut old: HashMap<(&str, &str), usize> = HashMap::new();
    for f in before.findings.iter().filter(|f| f.error) {
        *old.entry((f.code.as_str(), f.message.as_str())).or_default() += 1;
    }
    after
        .findings
        .iter()
        .filter(|f| f.error)
        .filter(|f| match old.get_mut(&(f.code.as_str(), f.message.as_str())) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => REFUSED.contains(&f.code.as_str()),
        })
        .collect()
}
