//! The scripted servers the socket tests talk to: in-process tokio-tungstenite servers on
//! loopback that record what they saw and run a script on each connection.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderMap, StatusCode};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// What the server saw: each handshake's headers, and the close code each client sent.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) headers: Mutex<Vec<HeaderMap>>,
    pub(super) close_codes: Mutex<Vec<u16>>,
    /// Signalled when a close code is recorded.
    pub(super) closed: tokio::sync::Notify,
    pub(super) connections: Mutex<usize>,
}

impl Seen {
    /// The close codes clients sent, once `n` have arrived (the server may record a close
    /// after the client saw its answer), waiting at most 5 s.
    pub(super) async fn close_codes(&self, n: usize) -> Vec<u16> {
        let wait = async {
            loop {
                let notified = self.closed.notified();
                let codes = self.close_codes.lock().unwrap().clone();
                if codes.len() >= n {
                    return codes;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .unwrap_or_else(|_| self.close_codes.lock().unwrap().clone())
    }
}

pub(super) type Ws = WebSocketStream<TcpStream>;

/// A server on a free loopback port that runs `script` on each connection (with its
/// number, from 1). It records headers, accepts subprotocol "chat" if offered, or refuses
/// every handshake with `refuse`.
pub(super) async fn server<F, Fut>(refuse: Option<StatusCode>, script: F) -> (SocketAddr, Arc<Seen>)
where
    F: Fn(Ws, usize, Arc<Seen>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    server_on("127.0.0.1:0", refuse, script).await
}

/// [`server`] bound to `bind`.
pub(super) async fn server_on<F, Fut>(bind: &str, refuse: Option<StatusCode>, script: F) -> (SocketAddr, Arc<Seen>)
where
    F: Fn(Ws, usize, Arc<Seen>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let script = Arc::new(script);
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (seen, script) = (seen2.clone(), script.clone());
            tokio::spawn(async move {
                let record = seen.clone();
                #[allow(clippy::result_large_err)]
                let callback = move |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
                    record.headers.lock().unwrap().push(request.headers().clone());
                    if let Some(status) = refuse {
                        let mut refusal = ErrorResponse::new(Some("refused".into()));
                        *refusal.status_mut() = status;
                        return Err(refusal);
                    }
                    let offered = request
                        .headers()
                        .get("sec-websocket-protocol")
                        .and_then(|v| v.to_str().ok());
                    if offered.is_some_and(|p| p.split(',').any(|p| p.trim() == "chat")) {
                        response
                            .headers_mut()
                            .insert("sec-websocket-protocol", "chat".parse().unwrap());
                    }
                    Ok(response)
                };
                if let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await {
                    let n = {
                        let mut c = seen.connections.lock().unwrap();
                        *c += 1;
                        *c
                    };
                    script(ws, n, seen).await;
                }
            });
        }
    });
    (addr, seen)
}

/// A server that accepts TCP connections and never answers the handshake.
pub(super) async fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// Echoes until the client closes; records the client's close code.
pub(super) async fn echo<S>(mut ws: WebSocketStream<S>, seen: Arc<Seen>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Close(frame) = &message {
            let code = frame.as_ref().map_or(1005, |f| u16::from(f.code));
            seen.close_codes.lock().unwrap().push(code);
            seen.closed.notify_waiters();
        } else if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
            return;
        }
    }
}

/// Waits for the client to close; records its close code.
pub(super) async fn wait_for_close(ws: Ws, seen: Arc<Seen>) {
    echo(ws, seen).await
}

/// A ws:// echo server on a free loopback port.
pub(super) async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                    echo(ws, Arc::default()).await;
                }
            });
        }
    });
    addr
}

/// A wss:// echo server on a free loopback port with this TLS configuration; its port.
pub(super) async fn tls_echo_server(config: rustls::ServerConfig) -> u16 {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else { return };
                if let Ok(ws) = tokio_tungstenite::accept_async(tls).await {
                    echo(ws, Arc::default()).await;
                }
            });
        }
    });
    port
}
