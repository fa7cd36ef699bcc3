//! Why the edit layer refused: what every public function of this crate returns as its
//! error, so a tool can tell a file that does not parse from an operation that does not
//! apply, and show either as it is.

/// Why an edit, a format, a diff, a merge or a copy was refused. Nothing is written when
/// one is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// A file's text does not parse; `message` has the position.
    #[error("{file} does not parse: {message}")]
    Parse {
        /// The file's path as given (empty for the text being edited).
        file: String,
        /// The reader's message, with its position.
        message: String,
    },
    /// An operation's text is not a well-formed operation (`graphrun edit`'s arguments).
    #[error("{0}")]
    Usage(String),
    /// The operation would leave an error the checker finds (its first).
    #[error("{location}: error[{code}]: {message}")]
    Check {
        /// `FILE:LINE:COL`.
        location: String,
        /// The diagnostic's code (`E0101`, …).
        code: String,
        /// What is wrong.
        message: String,
    },
    /// The operation does not apply to this file: no such node, a name already taken,
    /// nothing selected, …
    #[error("{0}")]
    Refused(String),
    /// One operation of a batch failed.
    #[error("`{op}`: {error}")]
    In {
        /// The operation as written.
        op: String,
        /// Why it failed.
        error: Box<EditError>,
    },
    /// The edit layer would have made text that does not parse or changes what it should
    /// not (a bug in it, refused rather than written).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<String> for EditError {
    fn from(message: String) -> EditError {
        EditError::Refused(message)
    }
}

impl From<&str> for EditError {
    fn from(message: &str) -> EditError {
        EditError::Refused(message.to_string())
    }
}

/// The crate's inner steps speak in messages; what they pass on keeps its words.
impl From<EditError> for String {
    fn from(error: EditError) -> String {
        error.to_string()
    }
}
