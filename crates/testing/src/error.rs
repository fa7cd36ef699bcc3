//! Why a test file or a record could not run: what `run_test` and `replay` return.

/// Why a test file or a record could not run at all (a test that ran and failed is an
/// [`Outcome`](crate::Outcome) with its reasons, not this).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TestError {
    /// The file cannot be read.
    #[error("{0}")]
    Read(String),
    /// The test file, the record or their graph does not load: the diagnostics, with their
    /// positions.
    #[error("{0}")]
    Load(String),
    /// The run could not start or go on as the file says (the runtime, a `set`, an event's
    /// args).
    #[error("{0}")]
    Run(String),
}

impl From<TestError> for String {
    fn from(error: TestError) -> String {
        error.to_string()
    }
}
