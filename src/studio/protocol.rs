//! What a page asks of the studio, as typed values: the page's JSON is read into
//! [`Action`] once, where it arrives, and nothing after that matches on strings.

use serde::Deserialize;

/// One request from a page.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Runs the file as it is on disk now.
    Run,
    /// Stops the run (EndPlay runs).
    Stop,
    /// Pauses the run.
    Pause,
    /// Goes on from a pause.
    Continue,
    /// Runs the next node, then pauses again.
    Step,
    /// Sets or clears a breakpoint on a node.
    Breakpoint {
        /// The graph the node is drawn in (none: the event graph).
        #[serde(default)]
        graph: Option<String>,
        /// The node's id.
        node: String,
    },
    /// `graphrun edit`'s operations, applied all or nothing and written.
    Edit {
        /// The body they apply to (none: the event graph).
        #[serde(default)]
        graph: Option<String>,
        /// The operations, as `-e` takes them.
        ops: Vec<String>,
    },
    /// The RON text of nodes, for the clipboard (the page pastes it with `paste`).
    Copy {
        /// The body they are in (none: the event graph).
        #[serde(default)]
        graph: Option<String>,
        /// Each node's id and where it is drawn (its `pos` in the copy).
        nodes: Vec<(String, i64, i64)>,
        /// What the page will do with it (told back with the text).
        #[serde(default)]
        purpose: Option<String>,
    },
    /// Undoes the last edit.
    Undo,
    /// Does again the last edit undone.
    Redo,
}
