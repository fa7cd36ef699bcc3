//! How a connection reaches its server. By default a `ws://` URL is dialled over TCP and a
//! `wss://` one over TCP and TLS; a host may put its own [`Transport`] in their place (an
//! in-memory server for tests, as `graphrun test` does, or a tunnel). The WebSocket
//! handshake and framing run over what the transport gives, the same either way.

use std::future::Future;
use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream a WebSocket runs over.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// What [`Transport::connect`] gives: a stream to the server, or why there is none.
pub type Connecting<'a> = Pin<Box<dyn Future<Output = io::Result<Box<dyn Stream>>> + Send + 'a>>;

/// An error a [`Transport`] gives to have the connection fail with exactly this message
/// (a replay gives the error the recorded run was told).
#[derive(Debug)]
pub struct Replayed(pub String);

impl std::fmt::Display for Replayed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Replayed {}

/// Opens the byte stream for a connection to `url` (already allowed by the host's policy).
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// A stream to the server of `url`; an error is the connection's error.
    fn connect<'a>(&'a self, url: &'a url::Url) -> Connecting<'a>;
}
