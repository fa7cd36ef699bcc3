//! The edit layer under every tool that writes a graph file (authoring.md section 1): the
//! studio's editor, `graphrun edit`, and later `fmt`, `merge` and the language server.
//!
//! Three levels: the text; a lossless syntax tree of it ([`syntax`], every byte in a token,
//! so its text is the file's); and a view of the graph over that tree ([`doc`]: bodies,
//! nodes by id, variables). Operations ([`Op`]) become text edits ([`TextEdit`]) that
//! change only what they are about; every other byte stays as it was, and the edits'
//! inverses undo them byte for byte. [`file`](mod@file) writes the result atomically and never over
//! a file that changed since it was read.
//!
//! **Architecture Invariant:** this crate depends on the file format, never on the runtime:
//! what only the checker knows (a node's pins) comes through [`Inspector`].

pub mod batch;
pub mod clipboard;
pub mod collapse;
pub mod comments;
pub mod diff;
pub mod doc;
pub mod error;
pub mod facts;
pub mod file;
pub mod fmt;
pub mod ids;
pub mod layout;
pub mod merge;
pub mod op;
pub mod reusable;
pub mod session;
pub mod spot;
pub mod syntax;
pub mod text;
pub mod tree;
mod variables;
mod wires;
mod wiring;

pub use error::EditError;
pub use facts::{Body, Facts, Finding, Inspector, NoInspector, Pins};
pub use op::Op;
pub use session::{undo, Edited, Session};
pub use text::TextEdit;

/// Applies operations to a text, all or nothing: the edited text, or the first operation
/// that does not apply and why (`name` is the file's path, for messages).
///
/// A text in `fmt`'s canonical form stays in it (authoring.md section 8: an edit never
/// makes a file that `graphrun fmt --check` accepts one that it refuses): the edits, which
/// touch only what they are about, are followed by one more step that formats, undone
/// first like the others. Any other text keeps its own layout around the edits.
pub fn edit(name: &str, text: &str, body: Body, ops: &[Op], inspector: &dyn Inspector) -> Result<Edited, EditError> {
    let canonical = fmt::format(name, text).is_ok_and(|formatted| formatted == text);
    // The batch checked once (and where an operation needs the checker's pins), so moving
    // a thousand nodes checks the file a few times, not a thousand; if it fails, it is made
    // again an operation at a time, checked after each, to name the one at fault.
    let deferred = || -> Result<Session<'_>, EditError> {
        let mut session = Session::new(name, text, body.clone(), inspector)?;
        session.defer_checks();
        session.apply_deferred(ops)?;
        session.settle()?;
        Ok(session)
    };
    let session = match deferred() {
        Ok(session) => session,
        Err(_) => {
            let mut session = Session::new(name, text, body, inspector)?;
            for op in ops {
                session.apply(op).map_err(|e| EditError::In {
                    op: op.to_string(),
                    error: Box::new(e),
                })?;
            }
            session
        }
    };
    let mut edited = session.finish();
    if canonical {
        let formatted = fmt::format(name, &edited.text)?;
        if formatted != edited.text {
            let step = text::between(&edited.text, &formatted);
            let (next, inverse) = text::apply(&edited.text, std::slice::from_ref(&step))
                .map_err(|_| EditError::Internal("formatting the edit did not apply".into()))?;
            edited.text = next;
            edited.undo.push(inverse);
        }
    }
    Ok(edited)
}
