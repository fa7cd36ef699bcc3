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
    pub uses: Uses,
}

/// The macro uses a node sits in, innermost first: a list whose tail each use shares with
/// the use around it, so a use nested ten thousand deep costs one link, not ten thousand
/// sites (as a slice per use did: quadratic in the depth).
#[derive(Clone, Debug, Default)]
pub(crate) struct Uses(Option<Arc<UseLink>>);

#[derive(Debug)]
struct UseLink {
    site: Site,
    outer: Uses,
}

impl Uses {
    /// No use: a node of the graph or a function.
    pub(crate) fn none() -> Uses {
        Uses(None)
    }

    /// `site`, inside these uses.
    pub(crate) fn within(&self, site: Site) -> Uses {
        Uses(Some(Arc::new(UseLink {
            site,
            outer: self.clone(),
        })))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The uses, innermost first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Site> {
        std::iter::successors(self.0.as_deref(), |link| link.outer.0.as_deref()).map(|link| &link.site)
    }
}

impl Drop for UseLink {
    /// Unlinks the chain a link at a time: dropping ten thousand nested links through
    /// their own drops would recurse as deep.
    fn drop(&mut self) {
        let mut outer = self.outer.0.take();
        while let Some(link) = outer {
            match Arc::try_unwrap(link) {
                Ok(mut link) => outer = link.outer.0.take(),
                Err(_) => break,
            }
        }
    }
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
