//! A WebSocket echo server on loopback: the peer of the quick start (`graphrun demo`),
//! `graphrun serve-echo`, and the benchmarks. It echoes text and binary messages, accepts
//! the first subprotocol offered, and answers a close with the same code.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::Message;

/// Binds `addr` (port 0 for any free port) and returns the bound address and the server,
/// a future that serves until dropped.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(SocketAddr, impl std::future::Future<Output = ()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((local, serve(listener)))
}

async fn serve(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(echo(stream));
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
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(
        stream,
        choose_protocol as fn(&Request, Response) -> Result<Response, ErrorResponse>,
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
