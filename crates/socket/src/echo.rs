//! A WebSocket echo server on loopback: the peer of the quick start (`graphrun demo`),
//! `graphrun serve-echo`, and the benchmarks. It echoes text and binary messages, accepts
//! the first subprotocol offered, and answers a close with the same code. Its connections
//! are small (4 KiB read buffers), and it gives their memory back when they close.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// Binds `addr` (port 0 for any free port) and returns the bound address and the server,
/// a future that serves until dropped.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(SocketAddr, impl std::future::Future<Output = ()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((local, serve(listener)))
}

async fn serve(listener: TcpListener) {
    let open = Arc::new(Mutex::new(Open::default()));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        open.lock().unwrap_or_else(|e| e.into_inner()).opened();
        let open = open.clone();
        tokio::spawn(async move {
            echo(stream).await;
            let trim = open.lock().unwrap_or_else(|e| e.into_inner()).closed();
            if trim {
                crate::memory::give_back();
            }
        });
    }
}

/// How many connections are open, and the most since memory was last given back.
#[derive(Default)]
struct Open {
    now: usize,
    most: usize,
}

impl Open {
    fn opened(&mut self) {
        self.now += 1;
        self.most = self.most.max(self.now);
    }

    /// One closed; whether to give memory back now: when none is open, or half of the
    /// most since the last time have closed (a few times as a crowd leaves, not per close).
    fn closed(&mut self) -> bool {
        self.now = self.now.saturating_sub(1);
        let trim = self.now == 0 || (self.most >= 64 && self.now <= self.most / 2);
        if trim {
            self.most = self.now;
        }
        trim
    }
}

/// Accepts the first subprotocol the client offers.
#[allow(clippy::result_large_err)] // The signature is tungstenite's handshake callback.
fn choose_protocol(request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    if let Some(first) = request
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|p| p.trim().parse().ok())
    {
        response.headers_mut().insert("sec-websocket-protocol", first);
    }
    Ok(response)
}

async fn echo(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    // Small buffers, as the client's: an idle connection costs a few KiB, not tungstenite's
    // default 128 KiB read buffer.
    let config = WebSocketConfig::default().read_buffer_size(crate::SocketConfig::default().read_buffer_size);
    let Ok(ws) = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        choose_protocol as fn(&Request, Response) -> Result<Response, ErrorResponse>,
        Some(config),
    )
    .await
    else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                if sink.feed(message).await.is_err() {
                    return;
                }
                // Echo what has arrived, then flush once: fewer writes under load.
                if sink.flush().await.is_err() {
                    return;
                }
            }
            Message::Close(_) => {
                let _ = sink.flush().await;
            }
            _ => {}
        }
    }
}
