//! Diagnostics: every problem found in a file, each with a code, a message and a position.
//! They print as `FILE:LINE:COL: error[CODE]: message`, or, for a terminal, with the source
//! line and a caret under the spot (rendered by `codespan-reporting`).

use std::fmt;
use std::io;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};

use crate::source::{SourceFile, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file loads, but something deserves a look (a deprecated node, say).
    Warning,
    /// The file does not load.
    Error,
}

/// A problem in a graph file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code (`E0101`); see [`codes`].
    pub code: &'static str,
    /// What is wrong, naming the node and pin.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A note shown under the source line in the rich form.
    pub label: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Adds a label shown under the caret in the rich form.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// The one-line form: `FILE:LINE:COL: error[CODE]: message`.
    pub fn one_line(&self, file: &SourceFile) -> String {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!(
            "{}: {level}[{}]: {}",
            file.location(self.span),
            self.code,
            printable(&self.message)
        )
    }
}

/// A message as a terminal may print it: a control character a file held (an escape
/// sequence in a node id, say) written as its escape (`\u{1b}`), never sent raw.
fn printable(message: &str) -> std::borrow::Cow<'_, str> {
    if !message.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(message);
    }
    message
        .chars()
        .map(|c| match c.is_control() && c != '\n' {
            true => c.escape_debug().to_string(),
            false => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// The diagnostics of one file, in the order of their positions.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    file: SourceFile,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Diagnostics for `file`, sorted by position (errors and warnings interleaved).
    pub fn new(file: SourceFile, mut items: Vec<Diagnostic>) -> Diagnostics {
        items.sort_by_key(|d| (d.span.start, d.span.end));
        items.dedup();
        Diagnostics { file, items }
    }

    /// The file they are about.
    pub fn file(&self) -> &SourceFile {
        &self.file
    }

    /// Every diagnostic.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any is an error (the file does not load).
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Each diagnostic in its one-line form.
    pub fn one_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.items.iter().map(|d| d.one_line(&self.file))
    }

    /// Writes the rich form (source line, caret, label) to a terminal, in colour if `color`.
    pub fn emit_rich(&self, color: bool) -> io::Result<()> {
        let choice = if color {
            termcolor::ColorChoice::Auto
        } else {
            termcolor::ColorChoice::Never
        };
        let stream = termcolor::StandardStream::stderr(choice);
        let mut lock = stream.lock();
        self.write_rich(&mut lock)
    }

    /// Writes the rich form to `lock`.
    pub fn write_rich(&self, lock: &mut dyn termcolor::WriteColor) -> io::Result<()> {
        let mut files = SimpleFiles::new();
        let main = files.add(self.file.name(), self.file.text());
        let parts: Vec<usize> = self
            .file
            .parts()
            .iter()
            .map(|(_, part)| files.add(part.name(), part.text()))
            .collect();
        let config = term::Config::default();
        for d in &self.items {
            let severity = match d.severity {
                Severity::Error => cs::Severity::Error,
                Severity::Warning => cs::Severity::Warning,
            };
            let (file, span) = self.file.resolve(d.span);
            // A line longer than this is not quoted whole (a file that is not a graph, one
            // line of megabytes): the one-line form, then the spot's neighbourhood.
            let text = file.text();
            let at = (span.start as usize).min(text.len());
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            if line_end - line_start > MAX_QUOTED {
                let from = floor_char(text, at.saturating_sub(MAX_QUOTED / 2).max(line_start));
                let to = floor_char(text, (from + MAX_QUOTED).min(line_end));
                let excerpt: String = text[from..to]
                    .chars()
                    .map(|c| if c.is_control() { '�' } else { c })
                    .collect();
                writeln!(lock, "{}", d.one_line(&self.file))?;
                writeln!(
                    lock,
                    "  | …{excerpt}… (the line is {} bytes; {MAX_QUOTED} shown)",
                    line_end - line_start
                )?;
                continue;
            }
            let id = match self.file.parts().iter().position(|(_, p)| std::ptr::eq(p, file)) {
                Some(i) => parts[i],
                None => main,
            };
            let mut label = cs::Label::primary(id, span.start as usize..span.end as usize);
            if let Some(text) = &d.label {
                label = label.with_message(text);
            }
            let diagnostic = cs::Diagnostic::new(severity)
                .with_code(d.code)
                .with_message(printable(&d.message))
                .with_labels(vec![label]);
            term::emit(lock, &config, &files, &diagnostic).map_err(io::Error::other)?;
        }
        Ok(())
    }
}

/// The most characters of a line the rich form quotes.
pub const MAX_QUOTED: usize = 200;

/// `at`, moved back to a character boundary of `text`.
fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.one_lines() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The diagnostic codes. Each stays with its meaning once released.
pub mod codes {
    /// The file cannot be read, or is not valid RON.
    pub const SYNTAX: &str = "E0001";
    /// The file is RON but not shaped like a graph (a missing or unknown field, a wrong kind of value).
    pub const SHAPE: &str = "E0002";
    /// The format version is missing, unknown, or newer than this graphrun.
    pub const FORMAT_VERSION: &str = "E0003";
    /// Two nodes, variables, pins, params or keys of a literal share a name.
    pub const DUPLICATE: &str = "E0004";
    /// A type is not one of the file format's types.
    pub const UNKNOWN_TYPE: &str = "E0005";
    /// A node id is empty or contains `.` (which separates a node from its exec pin).
    pub const INVALID_ID: &str = "E0006";
    /// No node library defines this node type.
    pub const UNKNOWN_NODE_TYPE: &str = "E0101";
    /// The node type has no such pin.
    pub const UNKNOWN_PIN: &str = "E0102";
    /// A required input is not given.
    pub const MISSING_INPUT: &str = "E0103";
    /// A link, literal or variable has the wrong type for its pin.
    pub const TYPE_MISMATCH: &str = "E0104";
    /// A link names a node that does not exist.
    pub const MISSING_NODE: &str = "E0105";
    /// A link names a pin that its node does not have.
    pub const MISSING_PIN: &str = "E0106";
    /// An exec link leads into a node that has no such exec input (a pure node, for one).
    pub const EXEC_INTO_PURE: &str = "E0107";
    /// A data link reads an exec pin, or an exec link names a data pin.
    pub const DATA_FROM_EXEC: &str = "E0108";
    /// An exec output is wired twice (one exec output goes to one place).
    pub const EXEC_OUTPUT_TWICE: &str = "E0109";
    /// Pure nodes depend on each other in a cycle.
    pub const DATA_CYCLE: &str = "E0110";
    /// `Event(...)` names something that is not a Custom Event, or sits on a pin that is not a delegate.
    pub const NOT_AN_EVENT: &str = "E0111";
    /// A Custom Event's params do not match the delegate it is bound to.
    pub const EVENT_SIGNATURE: &str = "E0112";
    /// A Custom Event is bound to delegates of different signatures.
    pub const EVENT_BOUND_TWICE: &str = "E0113";
    /// No variable has this name.
    pub const UNKNOWN_VARIABLE: &str = "E0114";
    /// A variable's default does not have the variable's type.
    pub const DEFAULT_TYPE: &str = "E0115";
    /// A field that this node does not take (`var` on a Print String, `params` on a Branch).
    pub const NODE_FIELD: &str = "E0116";
    /// No node library defines this class.
    pub const UNKNOWN_CLASS: &str = "E0117";
    /// A pin's value must be a literal here (Construct Object's Class, Format String's Format).
    pub const NOT_LITERAL: &str = "E0118";
    /// An imported file cannot be read, is not a Library, or imports lead round in a cycle.
    pub const IMPORT: &str = "E0119";
    /// A function's or macro's body is not well formed (no Function Entry, an event or a
    /// latent node in a function, an event in a macro, …).
    pub const BODY: &str = "E0120";
    /// A macro uses itself, directly or through other macros.
    pub const MACRO_CYCLE: &str = "E0121";
    /// A deprecated node or class: the warning names the replacement.
    pub const DEPRECATED: &str = "W0001";
    /// An impure node no exec link leads to: it never runs.
    pub const UNREACHED: &str = "W0002";

    /// Every code with what it means, in order.
    pub const ALL: &[(&str, &str)] = &[
        (SYNTAX, "the file cannot be read, or is not valid RON"),
        (SHAPE, "the file is RON but not shaped like a graph"),
        (
            FORMAT_VERSION,
            "the format version is missing, unknown, or newer than this graphrun",
        ),
        (DUPLICATE, "two nodes, variables, pins, params or keys share a name"),
        (UNKNOWN_TYPE, "a type is not one of the file format's types"),
        (INVALID_ID, "a node id is empty or contains `.`"),
        (UNKNOWN_NODE_TYPE, "no node library defines this node type"),
        (UNKNOWN_PIN, "the node type has no such pin"),
        (MISSING_INPUT, "a required input is not given"),
        (
            TYPE_MISMATCH,
            "a link, literal or variable has the wrong type for its pin",
        ),
        (MISSING_NODE, "a link names a node that does not exist"),
        (MISSING_PIN, "a link names a pin that its node does not have"),
        (
            EXEC_INTO_PURE,
            "an exec link leads into a node that has no such exec input",
        ),
        (
            DATA_FROM_EXEC,
            "a data link reads an exec pin, or an exec link names a data pin",
        ),
        (EXEC_OUTPUT_TWICE, "an exec output is wired twice"),
        (DATA_CYCLE, "pure nodes depend on each other in a cycle"),
        (
            NOT_AN_EVENT,
            "`Event(...)` names something that is not a Custom Event, or is not on a delegate pin",
        ),
        (
            EVENT_SIGNATURE,
            "a Custom Event's params do not match the delegate it is bound to",
        ),
        (
            EVENT_BOUND_TWICE,
            "a Custom Event is bound to delegates of different signatures",
        ),
        (UNKNOWN_VARIABLE, "no variable has this name"),
        (DEFAULT_TYPE, "a variable's default does not have the variable's type"),
        (NODE_FIELD, "a field that this node does not take"),
        (UNKNOWN_CLASS, "no node library defines this class"),
        (NOT_LITERAL, "a pin's value must be written in the file here"),
        (
            IMPORT,
            "an imported file cannot be read or is not a Library, or imports go round in a cycle",
        ),
        (BODY, "a function's or macro's body is not well formed"),
        (MACRO_CYCLE, "a macro uses itself, directly or through other macros"),
        (DEPRECATED, "a deprecated node or class"),
        (UNREACHED, "an impure node no exec link leads to: it never runs"),
    ];
}

/// The section of a page of explanations (Markdown, one `## CODE: …` heading per code)
/// about `code`: its heading and text up to the next code's heading.
pub fn explanation<'a>(page: &'a str, code: &str) -> Option<&'a str> {
    let heading = format!("## {code}:");
    let start = page
        .match_indices(&heading)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || page[..i].ends_with('\n'))?;
    let rest = &page[start..];
    let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 2);
    Some(&rest[..end])
}

#[cfg(test)]
mod rich_tests {
    use super::*;
    use crate::{SourceFile, Span};

    #[test]
    fn the_rich_form_quotes_at_most_two_hundred_characters_of_a_line() {
        // One line of 100,000 bytes (a file that is not a graph), the error in its middle.
        let text = format!("{}SECRET{}", "x".repeat(50_000), "y".repeat(50_000));
        let file = SourceFile::new("environ", text);
        let d = Diagnostic::error(
            codes::SYNTAX,
            Span {
                start: 50_000,
                end: 50_006,
            },
            "not RON".to_string(),
        );
        let mut out = termcolor::Buffer::no_color();
        Diagnostics::new(file, vec![d]).write_rich(&mut out).unwrap();
        let out = String::from_utf8(out.into_inner()).unwrap();
        assert!(
            out.lines().all(|l| l.chars().count() < MAX_QUOTED + 80),
            "{}",
            &out[..out.len().min(600)]
        );
        assert!(out.contains("SECRET") && out.contains("environ:1:50001"), "{out}");
        // A short line is drawn with its caret as always.
        let file = SourceFile::new("g.ron", "Graph(oops)".to_string());
        let d = Diagnostic::error(codes::SYNTAX, Span { start: 6, end: 10 }, "not RON".to_string());
        let mut out = termcolor::Buffer::no_color();
        Diagnostics::new(file, vec![d]).write_rich(&mut out).unwrap();
        let out = String::from_utf8(out.into_inner()).unwrap();
        assert!(out.contains("Graph(oops)") && out.contains("^^^^"), "{out}");
    }
}
