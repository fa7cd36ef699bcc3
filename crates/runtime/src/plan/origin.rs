//! Where a node was written — the graph, a function or a macro, and the macro uses it
//! sits in — as the checker lays reuse out and as runtime errors and traces name it.

use std::sync::Arc;

use graphrun_format::Span;

/// Where a node was written: in the graph, a function or a macro, and, for a node of a
/// macro use, the uses it sits in, innermost first.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub scope: Scope,
    /// Shared by every node of a use: a node costs the same however deep it sits.
    pub uses: Arc<[Site]>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scope {
    Graph,
    /// Function number N.
    Function(u32),
    /// A macro, by name.
    Macro(String),
}

/// A node as messages name it: its id as written, its type, where it is, and its scope.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub id: String,
    pub type_name: String,
    pub span: Span,
    pub scope: Scope,
}
