//! The studio's server, on loopback only: the page (`/`) and its WebSocket (`/ws`), each
//! only with the session's token in the query (`?token=…`); every other request gets 403
//! (no token, a wrong one) or 404. The page is one document with its script and style in
//! it, built into the binary: nothing is fetched from anywhere else.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::session::{same_token, Session};

/// The page: its markup, style and script, put together when it is served.
const PAGE: &str = include_str!("page/index.html");
const STYLE: &str = include_str!("page/studio.css");
const SCRIPT: &str = include_str!("page/studio.js");
const EDITOR: &str = include_str!("page/editor.js");

/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// How long a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// What a page asks over its WebSocket.
pub type Actions = tokio::sync::mpsc::UnboundedSender<super::protocol::Action>;

/// Serves pages until the task is dropped.
pub async fn serve(listener: TcpListener, token: Arc<str>, session: Arc<Session>, actions: Actions, title: Arc<str>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, say: wait a moment rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (token, session, actions, title) = (token.clone(), session.clone(), actions.clone(), title.clone());
        tokio::spawn(async move {
            let _ = handle(stream, &token, session, actions, &title).await;
        });
    }
}

/// A request's method, path, query and headers.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn token(&self) -> Option<&str> {
        self.query.split('&').find_map(|pair| pair.strip_prefix("token="))
    }
}

/// Reads a request head: up to the blank line, at most [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut TcpStream) -> Option<Request> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return None;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
    })
}

async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

async fn handle(
    mut stream: TcpStream,
    token: &str,
    session: Arc<Session>,
    actions: Actions,
    title: &str,
) -> std::io::Result<()> {
    let Ok(Some(request)) = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await else {
        return respond(&mut stream, "400 Bad Request", "text/plain", b"bad request\n").await;
    };
    if !request.token().is_some_and(|t| same_token(t, token)) {
        return respond(
            &mut stream,
            "403 Forbidden",
            "text/plain",
            b"forbidden: this page needs its token\n",
        )
        .await;
    }
    if request.method != "GET" {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain", b"only GET\n").await;
    }
    match request.path.as_str() {
        "/" => {
            let page = PAGE
                .replace("/*STYLE*/", STYLE)
                .replace("/*SCRIPT*/", SCRIPT)
                .replace("/*EDITOR*/", EDITOR)
                .replace("{{TITLE}}", &escape(title));
            respond(&mut stream, "200 OK", "text/html; charset=utf-8", page.as_bytes()).await
        }
        "/ws" => {
            let Some(key) = request.header("Sec-WebSocket-Key").filter(|_| {
                request
                    .header("Upgrade")
                    .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
            }) else {
                return respond(
                    &mut stream,
                    "400 Bad Request",
                    "text/plain",
                    b"a WebSocket upgrade is expected\n",
                )
                .await;
            };
            let accept = derive_accept_key(key.as_bytes());
            let head = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            let socket = WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
            page_socket(socket, session, actions).await;
            Ok(())
        }
        _ => respond(&mut stream, "404 Not Found", "text/plain", b"not found\n").await,
    }
}

/// One page: everything so far, then every message; its actions go to the studio.
async fn page_socket(socket: WebSocketStream<TcpStream>, session: Arc<Session>, actions: Actions) {
    let (mut tx, mut rx) = socket.split();
    let mut events = session.subscribe();
    if tx.send(Message::text(session.hello())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(text) => {
                    if tx.send(Message::text(text.to_string())).await.is_err() {
                        return;
                    }
                }
                // The page fell behind: it starts again from everything so far.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if tx.send(Message::text(session.hello())).await.is_err() {
                        return;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
            message = rx.next() => match message {
                Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                    Ok(action) => {
                        let _ = actions.send(action);
                    }
                    Err(e) => session.log("warning", &format!("the page asked for something the studio does not know: {e}")),
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
