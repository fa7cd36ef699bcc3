//! The studio's server, on loopback only: the page (`/`) and its WebSocket (`/ws`), routed
//! by axum and served by hyper, each connection with a bounded request head and a deadline
//! for it. Every request must carry the session's token (`?token=…`) and name this server
//! in its `Host` header (`127.0.0.1:PORT` or `localhost:PORT`: a page elsewhere that
//! rebinds a name of its own to 127.0.0.1 is refused); the WebSocket's `Origin`, when a
//! browser sends one, must be the page's own. Otherwise 403; a path it does not serve,
//! 404; a method other than GET, 405. The page is one document with its script and style
//! in it, built into the binary: nothing is fetched from anywhere else.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::session::{same_token, Page, Session};

/// The page: its markup, style and scripts, put together when it is served.
const PAGE: &str = include_str!("page/index.html");
const STYLE: &str = include_str!("page/studio.css");
const SCRIPT: &str = include_str!("page/studio.js");
const EDITOR: &str = include_str!("page/editor.js");

/// The largest request head read (hyper answers 431 past it).
const MAX_HEAD: usize = 16 * 1024;

/// The largest message a page may send.
const MAX_MESSAGE: usize = 16 << 20;

/// How long a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// What the pages ask over their WebSockets: an action (with the page that asked it and
/// its bytes held in the queue), or that a page has gone.
pub enum Asked {
    Action(super::protocol::Action, Page, Held),
    Left(Page),
}

/// Where the pages' asks go.
pub type Actions = tokio::sync::mpsc::UnboundedSender<Asked>;

/// The bytes of every page's actions queued and not yet done, at most [`QUEUED_BYTES`]: a
/// page whose actions would pass it is not read until the studio has done enough (its
/// socket's buffers then fill, and it waits), however many pages and however large.
pub type Held = tokio::sync::OwnedSemaphorePermit;

/// The most bytes of actions queued at once, of all pages.
pub const QUEUED_BYTES: usize = 4 * MAX_MESSAGE;

/// The queue's free bytes, shared by every page's socket.
pub fn queue_room() -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(QUEUED_BYTES))
}

/// What every request is checked against and served from.
#[derive(Clone)]
struct App {
    token: Arc<str>,
    port: u16,
    session: Arc<Session>,
    actions: Actions,
    /// The action queue's free bytes (see [`Held`]).
    room: Arc<tokio::sync::Semaphore>,
    title: Arc<str>,
}

/// Serves pages until the task is dropped.
pub async fn serve(listener: TcpListener, token: Arc<str>, session: Arc<Session>, actions: Actions, title: Arc<str>) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let app = App {
        token,
        port,
        session,
        actions,
        room: queue_room(),
        title,
    };
    let router = Router::new()
        .route("/", get(page))
        .route("/ws", get(socket))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, say: wait a moment rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .max_buf_size(MAX_HEAD)
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
}

/// The rules every request meets before it is served: this server's `Host`, the token,
/// and for the WebSocket the page's own `Origin`.
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let own = |value: &str| value == format!("127.0.0.1:{}", app.port) || value == format!("localhost:{}", app.port);
    // One of each: with two, a proxy and this server could each read another.
    for name in [header::HOST, header::ORIGIN] {
        if headers.get_all(&name).iter().count() > 1 {
            return plain(
                StatusCode::BAD_REQUEST,
                "bad request: more than one Host or Origin header\n",
            );
        }
    }
    if !header_str(headers, header::HOST).is_some_and(own) {
        return plain(
            StatusCode::FORBIDDEN,
            "forbidden: the Host header must name this server (127.0.0.1:PORT or localhost:PORT)\n",
        );
    }
    let token = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="));
    if !token.is_some_and(|t| same_token(t, &app.token)) {
        return plain(StatusCode::FORBIDDEN, "forbidden: this page needs its token\n");
    }
    if request.uri().path() == "/ws" {
        if let Some(origin) = headers.get(header::ORIGIN) {
            let allowed = origin
                .to_str()
                .ok()
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(own);
            if !allowed {
                return plain(
                    StatusCode::FORBIDDEN,
                    "forbidden: the WebSocket is only for the studio's own page\n",
                );
            }
        }
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn page(State(app): State<App>) -> Response {
    let page = PAGE
        .replace("/*STYLE*/", STYLE)
        .replace("/*SCRIPT*/", SCRIPT)
        .replace("/*EDITOR*/", EDITOR)
        .replace("{{TITLE}}", &escape(&app.title));
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'",
            ),
        ],
        page,
    )
        .into_response()
}

async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found\n")
}

/// The WebSocket: hyper's upgrade, handed to tokio-tungstenite.
async fn socket(State(app): State<App>, request: Request) -> Response {
    let headers = request.headers();
    let upgrade = header_str(headers, header::UPGRADE).is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let Some(key) = header_str(headers, header::SEC_WEBSOCKET_KEY).filter(|_| upgrade) else {
        return plain(StatusCode::BAD_REQUEST, "a WebSocket upgrade is expected\n");
    };
    // RFC 6455 section 4.4: a version this server does not speak is answered with 426 and
    // the version it does.
    if header_str(headers, header::SEC_WEBSOCKET_VERSION) != Some("13") {
        return Response::builder()
            .status(StatusCode::UPGRADE_REQUIRED)
            .header(header::SEC_WEBSOCKET_VERSION, "13")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("this server speaks WebSocket version 13\n"))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot answer\n"));
    }
    let accept = derive_accept_key(key.as_bytes());
    let upgraded = hyper::upgrade::on(request);
    tokio::spawn(async move {
        if let Ok(upgraded) = upgraded.await {
            // A page's message is an action (a paste at most): 16 MiB bounds what one holds.
            let config = WebSocketConfig::default()
                .max_message_size(Some(MAX_MESSAGE))
                .max_frame_size(Some(MAX_MESSAGE));
            let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
            page_socket(socket, app.session, app.actions, app.room).await;
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::UPGRADE, "websocket")
        .header(header::CONNECTION, "Upgrade")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot answer the upgrade\n"))
}

/// One page: everything so far, then every message; its actions go to the studio.
async fn page_socket<S: AsyncRead + AsyncWrite + Unpin>(
    socket: WebSocketStream<S>,
    session: Arc<Session>,
    actions: Actions,
    room: Arc<tokio::sync::Semaphore>,
) {
    let page = session.page();
    page_messages(socket, &session, &actions, room, page).await;
    // Its history goes with it.
    let _ = actions.send(Asked::Left(page));
}

/// A wait for room in the action queue.
type Room = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Held, tokio::sync::AcquireError>> + Send>>;

/// One page's messages both ways, until it leaves.
async fn page_messages<S: AsyncRead + AsyncWrite + Unpin>(
    socket: WebSocketStream<S>,
    session: &Session,
    actions: &Actions,
    room: Arc<tokio::sync::Semaphore>,
    page: Page,
) {
    let (mut tx, mut rx) = socket.split();
    let mut events = session.subscribe();
    if tx.send(Message::text(session.hello())).await.is_err() {
        return;
    }
    // An action read, waiting for room in the queue.
    let mut waiting: Option<(super::protocol::Action, Room)> = None;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                // Another page's answer.
                Ok((Some(to), _)) if to != page => {}
                Ok((_, text)) => {
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
            // The action read waits for room in the queue; the page's messages go on.
            // (The same wait each time round, so that it keeps its place in the queue.)
            held = async {
                match waiting.as_mut() {
                    Some((_, room)) => room.as_mut().await,
                    None => std::future::pending().await,
                }
            }, if waiting.is_some() =>
            {
                let (Ok(held), Some((action, _))) = (held, waiting.take()) else { return };
                let _ = actions.send(Asked::Action(action, page, held));
            }
            message = rx.next(), if waiting.is_none() => match message {
                Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                    // Held until the studio has done it: the next message is not read while
                    // the queue is full.
                    Ok(action) => {
                        let bytes = text.len().clamp(1, QUEUED_BYTES) as u32;
                        waiting = Some((action, Box::pin(room.clone().acquire_many_owned(bytes))));
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
