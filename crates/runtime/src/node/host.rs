//! What an instance reports to its host: printed lines, logs, runtime errors and trace
//! lines ([`Host`]), and the runtime error itself.

use std::fmt;

/// How bad a log message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Worth knowing.
    Info,
    /// Something was refused or dropped.
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Info => "info",
            Level::Warning => "warning",
        })
    }
}

/// Where an instance's output goes. The defaults write Print String to stdout and the
/// rest to stderr, as `graphrun run` does; an embedding host overrides what it wants.
pub trait Host: Send + Sync {
    /// A Print String.
    fn print(&self, text: &str) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// A log message from the runtime or a node library.
    fn log(&self, level: Level, message: &str) {
        to_stderr(format_args!("{level}: {message}"));
    }

    /// A runtime error; it ended its event's execution, not the instance.
    fn runtime_error(&self, error: &RuntimeError) {
        to_stderr(format_args!("{error}"));
    }

    /// One line of `--trace`: a node that ran, with its pin values.
    fn trace(&self, line: &str) {
        to_stderr(format_args!("{line}"));
    }

    /// A figure of the graph's own (`Record Metric`: a sample `value`; `Count Metric`:
    /// `None`, one more). A host that measures (`graphrun swarm`) keeps them; by default
    /// they go nowhere.
    fn metric(&self, name: &str, value: Option<f64>) {
        let _ = (name, value);
    }
}

/// A line to stderr; if nobody reads it any more (a closed pipe), the run goes on.
fn to_stderr(line: fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The host of `graphrun run`: stdout and stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct StdioHost;

impl Host for StdioHost {}

/// A runtime error: what went wrong, and the node, graph and position where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    /// What went wrong.
    pub message: String,
    /// The node's id.
    pub node_id: String,
    /// The node's type.
    pub node_type: String,
    /// The graph's name.
    pub graph: String,
    /// `FILE:LINE:COL` of the node.
    pub location: String,
    /// For a node of a function or a macro: which (``function `Ratio` ``).
    pub within: Option<String>,
    /// For a node of a function or a macro: how the run got there, innermost first
    /// (``called from main.ron:30:9: node `ratio` (Ratio), graph `Main` ``).
    pub trail: Vec<String>,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "runtime error: {}\n  --> {}: node `{}` ({})",
            self.message, self.location, self.node_id, self.node_type
        )?;
        match &self.within {
            Some(within) => write!(f, " in {within}")?,
            None => write!(f, ", graph `{}`", self.graph)?,
        }
        for line in &self.trail {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}

/// Why a host's request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The instance has ended: nothing more runs in it.
    #[error("the instance has ended")]
    Ended,
    /// The instance ended before it answered the request.
    #[error("the instance ended before it answered")]
    NoAnswer,
    /// The request names something the program does not have, or gives values that do
    /// not fit (the message says what and suggests the nearest names).
    #[error("{0}")]
    Invalid(String),
}
