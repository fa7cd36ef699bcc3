//! The socket library's typed errors: what its public checks return.

/// A URL a Connect cannot use (what its `Invalid Url` exec output reports): not a URL, a
/// scheme other than ws or wss, no host, a fragment or user info.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidUrl(pub String);

/// Headers a Connect cannot send (what its `Invalid Headers` exec output reports), or
/// authentication parts that cannot go into a header. Never quotes a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidHeaders(pub String);

/// A URL pattern or an access policy file that does not read; the message has the
/// position (`FILE:LINE:COL`) when it came from a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);
