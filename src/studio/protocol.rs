//! The page's protocol, as typed values both ways: what a page asks is read into
//! [`Action`] where it arrives, and what the studio tells a page is a [`ToPage`].

use serde::{Deserialize, Serialize};

/// One request from a page.
/// A word of an operation the page sends: a text, a number, a node the batch adds
/// (`{"new": "Print String"}`, the same node wherever the batch names it so; with `"pin"`,
/// one of its pins), whose id the server makes, or a variable, function or macro it adds,
/// whose name the server makes (`graphrun_edit::batch`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Word {
    /// A text, as it is.
    Text(String),
    /// A whole number (a place).
    Number(i64),
    /// A node the batch adds.
    New {
        /// The page's name for it, which its id is made from.
        new: String,
        /// One of its pins: by name, or `{"variable": BASE}`, the pin named after the
        /// variable the batch adds from BASE (a Get's or a Set's).
        #[serde(default)]
        pin: Option<PinWord>,
    },
    /// A variable the batch adds, by the name it is made from (`{"variable": "NewVar"}`;
    /// with `"prefix": "var="` as `add-node`'s option), its name made fresh by the server.
    Variable {
        variable: String,
        #[serde(default)]
        prefix: String,
    },
    /// A function or macro the batch adds, by the name it is made from
    /// (`{"body": "New Function"}`).
    Body { body: String },
}

/// A pin of a node the batch adds, as the page names it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum PinWord {
    /// By its name.
    Text(String),
    /// Named after the variable the batch adds from this base.
    Variable { variable: String },
}

impl From<Word> for graphrun_edit::batch::Word {
    fn from(word: Word) -> Self {
        match word {
            Word::Text(text) => Self::Text(text),
            Word::Number(n) => Self::Text(n.to_string()),
            Word::New { new, pin } => Self::New {
                name: new,
                pin: pin.map(|pin| match pin {
                    PinWord::Text(pin) => graphrun_edit::batch::PinName::Text(pin),
                    PinWord::Variable { variable } => graphrun_edit::batch::PinName::Variable(variable),
                }),
            },
            Word::Variable { variable, prefix } => Self::Name {
                kind: graphrun_edit::batch::NameKind::Variable,
                base: variable,
                prefix,
            },
            Word::Body { body } => Self::Name {
                kind: graphrun_edit::batch::NameKind::Body,
                base: body,
                prefix: String::new(),
            },
        }
    }
}

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
    /// Runs the next node, then pauses again (Step Into: inside a call too).
    Step,
    /// Runs the next node, a call node's function whole, then pauses again.
    StepOver,
    /// Runs to the end of the function paused in, then pauses again (in the event graph:
    /// Continue).
    StepOut,
    /// Turns live editing on or off: on, a change of the file that checks reaches the
    /// running graph at its next event boundary; off, the run keeps the program it
    /// started with.
    Live {
        /// Whether it is on.
        on: bool,
    },
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
        /// The operations, each its words apart (`graphrun edit -e`'s words, nothing
        /// quoted; the nodes the batch adds named by the page, their ids made by the
        /// server).
        ops: Vec<Vec<Word>>,
    },
    /// What fits a data pin the palette is opened off, as the checker decides it: the node
    /// types (and Get and Set of the variables shown) with a pin that takes its value (off
    /// an output) or gives what it takes (off an input). Answered to the page alone.
    Fits {
        /// The pin's type, as the drawing writes it (`Int`, `Array(String)`,
        /// `Object("M2_JsonWebSocketConnection")`).
        #[serde(rename = "type")]
        ty: String,
        /// Whether the pin is an output.
        output: bool,
        /// Entries the page offers beside the registry's node types (Get and Set of the
        /// variables shown, the file's own functions and macros), with their pins' types
        /// as written.
        #[serde(default)]
        candidates: Vec<Candidate>,
    },
    /// The RON text of nodes, for the clipboard (the page pastes it with `paste`).
    Copy {
        /// The body they are in (none: the event graph).
        #[serde(default)]
        graph: Option<String>,
        /// Each node's id and where it is drawn (its `pos` in the copy).
        nodes: Vec<(String, i64, i64)>,
        /// What the page will do with it (told back with the text); `unreal`: the text is
        /// Unreal's clipboard text, for pasting into the Blueprint editor.
        #[serde(default)]
        purpose: Option<String>,
    },
    /// Unreal Blueprint clipboard text pasted: its nodes added with their top-left at
    /// (x, y), and the variables they use that the file does not declare.
    PasteUnreal {
        /// The body they go into (none: the event graph).
        #[serde(default)]
        graph: Option<String>,
        /// Where the top-left node goes.
        x: i64,
        /// Where the top-left node goes.
        y: i64,
        /// The clipboard text.
        text: String,
    },
    /// Undoes the last edit.
    Undo,
    /// Does again the last edit undone.
    Redo,
}

/// A line of the log panel: a warning or runtime error, with the node it is about.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    /// `error`, `warning` or `info`.
    pub level: &'static str,
    /// What happened.
    pub message: String,
    /// The graph the node is in (none: the event graph).
    pub graph: Option<String>,
    /// The node it is about, if any.
    pub node: Option<String>,
}

/// A line of the connections panel.
#[derive(Clone, Debug, Serialize)]
pub struct ConnectionEntry {
    /// The connection's number in this run.
    pub conn: u64,
    /// `connecting`, `opened`, `failed`, `sent`, `received` or `closed`.
    pub kind: &'static str,
    /// What to show.
    pub text: String,
}

/// A diagnostic, with the node it is on where it is on one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiagnosticEntry {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Its code.
    pub code: &'static str,
    /// Its one-line form.
    pub text: String,
    /// The body the node is in (none: the event graph).
    pub graph: Option<String>,
    /// The node.
    pub node: Option<String>,
}

/// A body of the file as written, for the variables panel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BodyEntry {
    /// Its name (none: the event graph).
    pub name: Option<String>,
    /// `graph`, `function` or `macro`.
    pub kind: &'static str,
    /// Its variables (a function's or macro's locals).
    pub variables: Vec<VariableEntry>,
    /// A function's or macro's pins, as the palette lists a node type's (empty for the
    /// event graph): a node of this file's own the palette offers.
    pub node: Option<serde_json::Value>,
}

/// A variable as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariableEntry {
    /// Its name.
    pub name: String,
    /// Its type, as written.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its default, as written.
    pub default: Option<String>,
}

/// A picture for the page: the keys of its elements in order, and the markup of those the
/// page does not have yet.
#[derive(Debug, Serialize)]
pub struct GraphEntry<'a> {
    /// The body it draws (none: the event graph).
    pub name: &'a Option<String>,
    /// The `<svg>` opening and background.
    pub head: &'a str,
    /// Every element's key, in drawing order.
    pub keys: Vec<&'a str>,
    /// The markup of the elements that changed.
    pub markup: std::collections::BTreeMap<&'a str, &'a str>,
}

/// Where a run is paused.
#[derive(Debug, Serialize)]
pub struct PausedEntry<'a> {
    /// The body (none: the event graph).
    pub graph: &'a Option<String>,
    /// The node.
    pub node: &'a str,
    /// The calls that led there.
    pub calls: &'a [String],
}

/// The last values on one node's pins.
#[derive(Debug, Serialize)]
pub struct ValuesEntry<'a> {
    /// The body (none: the event graph).
    pub graph: &'a Option<String>,
    /// The node.
    pub node: &'a str,
    /// Input pins and their values, as text.
    pub inputs: &'a [(String, String)],
    /// Output pins and their values, as text.
    pub outputs: &'a [(String, String)],
}

/// A node: its body (none: the event graph) and id.
pub type NodeRef<'a> = (&'a Option<String>, &'a str);

/// A palette entry whose pins the page knows (a variable's Get or Set, a function of the
/// file): its label and its data pins, each a name and a type as written.
#[derive(Debug, Deserialize)]
pub struct Candidate {
    pub label: String,
    #[serde(default)]
    pub inputs: Vec<(String, String)>,
    #[serde(default)]
    pub outputs: Vec<(String, String)>,
}

/// Everything the studio tells a page.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage<'a> {
    /// Everything so far, to a page that connects (or fell behind).
    Hello {
        graphs: Vec<GraphEntry<'a>>,
        diagnostics: &'a [DiagnosticEntry],
        state: &'static str,
        paused_at: Option<PausedEntry<'a>>,
        output: Vec<&'a str>,
        log: &'a [LogEntry],
        variables: Vec<(&'a str, &'a str)>,
        connections: &'a [ConnectionEntry],
        values: Vec<ValuesEntry<'a>>,
        breakpoints: Vec<NodeRef<'a>>,
        /// Every node type and class (`graphrun nodes --json`).
        palette: &'a serde_json::Value,
        declared: &'a [BodyEntry],
        saved: u64,
        /// Whether live editing is on.
        live: bool,
    },
    /// Live editing was turned on or off.
    Live { on: bool },
    /// The file's pictures changed (only the changed elements' markup).
    Graphs {
        graphs: Vec<GraphEntry<'a>>,
        diagnostics: &'a [DiagnosticEntry],
    },
    /// The file did not parse: its diagnostics (the pictures stay).
    Diagnostics { diagnostics: &'a [DiagnosticEntry] },
    /// A run starts: what the last one showed goes.
    Reset,
    /// The run's state.
    State {
        state: &'static str,
        paused_at: Option<PausedEntry<'a>>,
    },
    /// The breakpoints now.
    Breakpoints { breakpoints: Vec<NodeRef<'a>> },
    /// What a run reported since the last batch.
    Batch {
        /// Nodes that ran: body, id, the exec output they went on through.
        ran: Vec<(&'a Option<String>, &'a str, &'a Option<String>)>,
        active: Option<NodeRef<'a>>,
        values: Vec<ValuesEntry<'a>>,
        output: &'a [String],
        log: &'a [LogEntry],
        variables: Option<Vec<(&'a str, &'a str)>>,
        connections: &'a [ConnectionEntry],
    },
    /// The editor has written the file this many times.
    Saved { count: u64 },
    /// An edit was refused, and why.
    Refused { message: &'a str },
    /// An edit was written; the ids its operations printed (new nodes).
    Edited {
        printed: &'a [String],
        /// Each name the batch made fresh: what it was made from, and the name.
        names: &'a [(String, String)],
    },
    /// Copied nodes' RON text.
    Copied { text: &'a str, purpose: Option<&'a str> },
    /// What fits the pin a `fits` asked about: each palette entry (a node type's name, or
    /// `Get NAME` / `Set NAME`) with its pin that fits.
    Fitting {
        /// The pin's type, as asked.
        pin_type: &'a str,
        output: bool,
        pins: &'a [(String, String)],
    },
    /// The file's bodies and variables as written changed.
    Declared { declared: &'a [BodyEntry] },
}
