//! What a host may watch of every connection: its handshake's outcome, each message both
//! ways and how it ended, as the graph saw them. `graphrun run --record` writes them down,
//! and `graphrun replay` plays them back to the graph. Nothing of the handshake request
//! (its headers, the Authentication token) is shown.

/// Who ended a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closer {
    /// The graph (Disconnect), or the client for it (a message over the limit).
    Graph,
    /// The server, with a close frame.
    Server,
    /// Nobody: the connection was lost or failed.
    Lost,
}

/// One thing that happened on a connection.
#[derive(Clone, Copy, Debug)]
pub enum TapEvent<'a> {
    /// The handshake succeeded.
    Opened {
        /// The subprotocol the server chose, if any.
        protocol: Option<&'a str>,
    },
    /// The connection could not open.
    Failed {
        /// The error the graph is told.
        error: &'a str,
    },
    /// A text message from the server.
    Received(&'a str),
    /// A binary message from the server (its length).
    ReceivedBinary(usize),
    /// A text message the graph sent.
    Sent(&'a str),
    /// The connection ended, as the graph was told.
    Closed {
        /// The status code.
        code: u16,
        /// The reason.
        reason: &'a str,
        /// Whether the close handshake completed.
        clean: bool,
        /// Who ended it.
        by: Closer,
    },
}

/// Watches connections (see [`crate::SocketConfig::tap`]).
pub trait Tap: Send + Sync + std::fmt::Debug {
    /// A connection to `url` is starting; the number its events will carry.
    fn connecting(&self, url: &str) -> u64;
    /// Something happened on connection `conn`.
    fn event(&self, conn: u64, event: TapEvent<'_>);
    /// A Connect or Reconnect went on through this exec output (`Connecting`, `Invalid Url`,
    /// `Url Blocked`, `Invalid Headers`, `Failed`, `Failed Connection In Progress`).
    fn outcome(&self, outcome: &str) {
        let _ = outcome;
    }
}
