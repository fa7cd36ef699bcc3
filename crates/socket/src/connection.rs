//! A connection's task: it owns the socket, one per connection, and reports back to the
//! instance through its bounded event channel (`report.rs` says what a report does there;
//! the object it reports about is `object.rs`'s), so a graph slower than its server slows
//! the reader instead of growing memory.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use graphrun::{EventSender, ObjectRef, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::error::UrlError;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{Connector, WebSocketStream};

use crate::object::Kind;
use crate::report::{Posted, Report};
use crate::tap::{Closer, Tap, TapEvent};
use crate::Shared;

/// Counts a live connection task toward the host's limit while it exists.
pub struct LiveGuard(Arc<Shared>);

impl LiveGuard {
    /// Takes a place under the limit, or says the limit is reached.
    pub fn take(shared: &Arc<Shared>) -> Option<LiveGuard> {
        let limit = shared.config.max_connections;
        shared
            .live
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| (n < limit).then_some(n + 1),
            )
            .ok()
            .map(|_| LiveGuard(shared.clone()))
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Everything a connection task needs.
pub struct Task {
    pub shared: Arc<Shared>,
    pub sender: EventSender,
    /// The node that started it (its logs name that node).
    pub node: u32,
    pub conn: ObjectRef,
    pub attempt: u64,
    pub kind: Kind,
    pub request: Request,
    pub protocol: String,
    pub outgoing: mpsc::Receiver<String>,
    /// Bytes queued in `outgoing`; the task takes off what it has written.
    pub queued_bytes: Arc<AtomicUsize>,
    /// Bytes of incoming messages the instance has not handled yet, as permits.
    pub incoming: Arc<Semaphore>,
    pub close: oneshot::Receiver<()>,
    /// Held for the task's life: it counts toward the host's connection limit.
    pub _live: LiveGuard,
    /// The host's tap and this connection's number in it.
    pub tap: Option<(Arc<dyn Tap>, u64)>,
    /// The subprotocol the server chose (for the tap).
    pub chosen_protocol: Option<String>,
    /// Held for the task's life: an instance with an open or opening connection is not idle.
    /// Taken before the task is spawned, so the instance never sees a gap.
    pub _alive: graphrun::KeepAlive,
}

impl Task {
    /// Posts a report to the instance; false if the instance has ended.
    async fn report(&self, report: Report) -> bool {
        match &report {
            Report::ConnectionError(error) => self.tap(TapEvent::Failed { error }),
            Report::Connected => self.tap(TapEvent::Opened {
                protocol: self.chosen_protocol.as_deref(),
            }),
            Report::Disconnected {
                code,
                reason,
                clean,
                by,
            } => self.tap(TapEvent::Closed {
                code: *code,
                reason,
                clean: *clean,
                by: *by,
            }),
            Report::Message(..) | Report::Dropped(_) => {}
        }
        let posted = Posted {
            attempt: self.attempt,
            report,
        };
        self.sender.report(self.node, self.conn, Box::new(posted)).await
    }

    /// Tells the host's tap, if any.
    fn tap(&self, event: TapEvent<'_>) {
        if let Some((tap, conn)) = &self.tap {
            tap.event(*conn, event);
        }
    }

    /// Runs the connection: handshake, then messages both ways until it closes.
    pub async fn run(mut self) {
        if let Some(tap) = &self.shared.config.tap {
            self.tap = Some((tap.clone(), tap.connecting(&self.request.uri().to_string())));
        }
        let config = &self.shared.config;
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(config.max_message_size))
            .max_frame_size(Some(config.max_message_size))
            .read_buffer_size(config.read_buffer_size)
            // Frames collect in tungstenite's buffer and go out in one write when the
            // batch is flushed (`write_batch`): replies to a burst of messages are one
            // system call, not one each (200,000 echoes: 9,499 writes where they were
            // 200,000, 1.17 s where it was 1.33-1.53 s).
            .write_buffer_size(WRITE_BUFFER)
            // Bounds what waits to be written, pongs and close frames included: a server
            // that pings and never reads cannot grow the client (tungstenite then keeps
            // only the latest pong, and a Send that does not fit fails the connection).
            .max_write_buffer_size(max_write_buffer(config));
        let request = std::mem::replace(&mut self.request, Request::new(()));
        // Each phase is on the heap only while it runs, so an open connection does not
        // keep the handshake's state (its connect, the HTTP exchange, a TLS session being
        // set up), nor room for the other kinds of stream. A `ws://` connection has a
        // plain TCP stream, not one that could be TLS (the TLS-capable handshake future
        // is 8.5 KiB where the plain one is 2 KiB).
        let uri = request.uri();
        let proxy = uri
            .host()
            .zip(uri.scheme_str())
            .and_then(|(host, scheme)| {
                config
                    .proxies
                    .for_target(scheme, host.trim_start_matches('[').trim_end_matches(']'))
            })
            .cloned();
        // Through a proxy's tunnel (the policy judged the target already).
        if let (None, Some(proxy)) = (&config.transport, proxy) {
            let connector = Connector::Rustls(self.shared.tls());
            let connect = Box::pin(async move {
                let (host, port) = host_and_port(request.uri())?;
                let tunnel = proxy.tunnel(&host, port).await.map_err(WsError::Io)?;
                tokio_tungstenite::client_async_tls_with_config(request, tunnel, Some(ws_config), Some(connector)).await
            });
            if let Some(open) = Box::pin(self.handshake(connect)).await {
                let (ws, response) = *open;
                Box::pin(self.established(ws, response)).await;
            }
            return;
        }
        match config.transport.clone() {
            None if request.uri().scheme_str() == Some("ws") => {
                let connect = Box::pin(connect_plain(request, ws_config));
                if let Some(open) = Box::pin(self.handshake(connect)).await {
                    let (ws, response) = *open;
                    Box::pin(self.established(ws, response)).await;
                }
            }
            None => {
                let connector = Connector::Rustls(self.shared.tls());
                let connect = Box::pin(tokio_tungstenite::connect_async_tls_with_config(
                    request,
                    Some(ws_config),
                    true,
                    Some(connector),
                ));
                if let Some(open) = Box::pin(self.handshake(connect)).await {
                    let (ws, response) = *open;
                    Box::pin(self.established(ws, response)).await;
                }
            }
            Some(transport) => {
                let connect = Box::pin(async move {
                    let url = url::Url::parse(&request.uri().to_string())
                        .map_err(|e| WsError::Io(std::io::Error::other(e.to_string())))?;
                    let stream = transport.connect(&url).await.map_err(WsError::Io)?;
                    tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config)).await
                });
                if let Some(open) = Box::pin(self.handshake(connect)).await {
                    let (ws, response) = *open;
                    Box::pin(self.established(ws, response)).await;
                }
            }
        }
    }

    /// Waits for the handshake, within the host's limit, unless Disconnect comes first;
    /// reports a failure as a connection error.
    async fn handshake<S>(
        &mut self,
        connect: impl std::future::Future<Output = Result<(WebSocketStream<S>, Response), WsError>>,
    ) -> Option<Box<(WebSocketStream<S>, Response)>> {
        let timeout = self.shared.config.handshake_timeout;
        let outcome = tokio::select! {
            r = tokio::time::timeout(timeout, connect) => r,
            asked = &mut self.close => {
                if asked.is_ok() {
                    self.report(Report::ConnectionError("Disconnect was called before the connection opened".into())).await;
                }
                return None;
            }
        };
        match outcome {
            Err(_) => {
                let secs = timeout.as_secs_f64();
                self.report(Report::ConnectionError(format!(
                    "the handshake did not complete within {secs} s"
                )))
                .await;
                None
            }
            Ok(Err(e)) => {
                self.report(Report::ConnectionError(connect_error(e))).await;
                None
            }
            Ok(Ok(pair)) => Some(Box::new(pair)),
        }
    }

    /// After the handshake: what the server answered must fit what was asked; then the
    /// connection is open. The checks and the split into halves happen before the future
    /// is made, so that the future holds the halves, not the stream and the response too.
    fn established<S>(mut self, ws: WebSocketStream<S>, response: Response) -> impl std::future::Future<Output = ()>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        // A refused stream is dropped here (the TCP connection closed) before the error is
        // told; the response too, whose headers would otherwise stay allocated.
        let accepted = self.accept(&response).map(|chosen| (chosen, ws.split()));
        drop(response);
        async move {
            let (sink, stream) = match accepted {
                Ok((chosen, halves)) => {
                    self.chosen_protocol = chosen;
                    halves
                }
                Err(why) => {
                    self.report(Report::ConnectionError(why)).await;
                    return;
                }
            };
            if self.report(Report::Connected).await {
                self.open(sink, stream).await;
            }
        }
    }

    /// The subprotocol the server chose, if what it answered fits what was asked; else why not.
    fn accept(&self, response: &Response) -> Result<Option<String>, String> {
        if let Some(extension) = response
            .headers()
            .get("sec-websocket-extensions")
            .filter(|v| !v.as_bytes().trim_ascii().is_empty())
        {
            // The client offers no extension, so the server may choose none (RFC 6455 4.1).
            let extension = String::from_utf8_lossy(extension.as_bytes());
            return Err(format!(
                "the server chose extension `{extension}`, which the client did not offer"
            ));
        }
        let chosen = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok());
        if !self.protocol.is_empty() {
            let requested: Vec<&str> = self.protocol.split(',').map(str::trim).collect();
            if !chosen.is_some_and(|c| requested.contains(&c)) {
                return Err(match chosen {
                    None => format!("the server accepted none of the subprotocols `{}`", self.protocol),
                    Some(c) => format!("the server chose subprotocol `{c}`, which was not asked for"),
                });
            }
        }
        Ok(chosen.map(str::to_string))
    }

    /// The open connection: reads, writes, and the close handshake.
    async fn open<S>(
        mut self,
        mut sink: SplitSink<WebSocketStream<S>, Message>,
        mut stream: SplitStream<WebSocketStream<S>>,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let close_timeout = self.shared.config.close_timeout;
        let limit = self.shared.config.max_message_size;
        let idle = self.shared.config.idle_timeout;
        let mut pings = self
            .shared
            .config
            .ping_interval
            .map(|every| tokio::time::interval_at(tokio::time::Instant::now() + every, every));
        // When the server was last heard from (any frame).
        let mut heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                biased;
                asked = &mut self.close => {
                    // Disconnect (report 1000), or the instance ended (report nothing).
                    let clean = close(&mut sink, &mut stream, CloseCode::Normal, "", close_timeout).await;
                    if asked.is_ok() {
                        self.report(Report::Disconnected { code: 1000, reason: String::new(), clean, by: Closer::Graph }).await;
                    }
                    return;
                }
                () = until(idle.map(|idle| heard + idle)) => {
                    // A peer gone without a close (a laptop shut, a NAT's timeout): nothing
                    // is sent to it, and its end is said as lost.
                    let idle = idle.unwrap_or_default();
                    self.report(Report::Disconnected {
                        code: 1006,
                        reason: format!(
                            "nothing heard from the server for {} s (--idle-timeout): the connection is taken as broken",
                            idle.as_secs_f64()
                        ),
                        clean: false,
                        by: Closer::Lost,
                    })
                    .await;
                    return;
                }
                () = tick(pings.as_mut()) => {
                    let sent = tokio::time::timeout(close_timeout, sink.send(Message::Ping(Vec::new().into()))).await;
                    if let Ok(Err(e)) = sent {
                        let (code, reason) = lost(&e);
                        self.report(Report::Disconnected { code, reason, clean: false, by: Closer::Lost }).await;
                        return;
                    }
                }
                text = self.outgoing.recv() => {
                    let Some(text) = text else { continue };
                    // The write races the close signal: a server that stopped reading must not
                    // keep Disconnect, or the end of the instance, waiting.
                    let outcome = tokio::select! {
                        result = write_batch(&mut sink, &mut self.outgoing, &self.queued_bytes, text, &self.tap) => Ok(result),
                        asked = &mut self.close => Err(asked.is_ok()),
                    };
                    match outcome {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            let (code, reason) = lost(&e);
                            self.report(Report::Disconnected { code, reason, clean: false, by: Closer::Lost }).await;
                            return;
                        }
                        Err(asked) => {
                            let clean = close(&mut sink, &mut stream, CloseCode::Normal, "", close_timeout).await;
                            if asked {
                                self.report(Report::Disconnected { code: 1000, reason: String::new(), clean, by: Closer::Graph }).await;
                            }
                            return;
                        }
                    }
                }
                message = stream.next() => {
                    if matches!(message, Some(Ok(_))) {
                        heard = tokio::time::Instant::now();
                    }
                    let report = match message {
                        Some(Ok(Message::Text(text))) => {
                            self.tap(TapEvent::Received(text.as_str()));
                            let budget = self.shared.config.incoming_buffer.clamp(1, u32::MAX as usize);
                            let permit = self.incoming.clone().acquire_many_owned(text.len().clamp(1, budget) as u32).await.ok();
                            self.text_report(text.as_str(), permit)
                        }
                        Some(Ok(Message::Binary(data))) => {
                            self.tap(TapEvent::ReceivedBinary(data.len()));
                            Report::Dropped(format!(
                            "dropped a binary message of {} bytes: a {} connection delivers text messages only",
                            data.len(),
                            if self.kind == Kind::Json { "JSON" } else { "string" }
                        ))
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let (code, reason) = frame.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
                            // tungstenite answers a close code no endpoint may send (1005,
                            // 1006, 999, …) with 1002 and hands on that answer: the close
                            // failed, it was not a clean one.
                            let violation = code == 1002 && reason == TUNGSTENITE_CLOSE_VIOLATION;
                            let _ = sink.flush().await;
                            drain_until_closed(&mut stream, close_timeout).await;
                            let report = if violation {
                                Report::Disconnected {
                                    code,
                                    reason: "protocol error: the server's close frame has a status code no endpoint may send".into(),
                                    clean: false,
                                    by: Closer::Server,
                                }
                            } else {
                                Report::Disconnected { code, reason, clean: true, by: Closer::Server }
                            };
                            self.report(report).await;
                            return;
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(WsError::Capacity(e))) => {
                            let reason = format!("a message over the {limit}-byte limit: {e}");
                            let clean = close(&mut sink, &mut stream, CloseCode::Size, "message too big", close_timeout).await;
                            self.report(Report::Disconnected { code: 1009, reason, clean, by: Closer::Graph }).await;
                            return;
                        }
                        Some(Err(e)) => {
                            let (code, reason) = failure(&e);
                            if code != 1006 {
                                let frame = CloseFrame { code: CloseCode::from(code), reason: "".into() };
                                let _ = tokio::time::timeout(close_timeout, sink.send(Message::Close(Some(frame)))).await;
                            }
                            self.report(Report::Disconnected { code, reason, clean: false, by: Closer::Lost }).await;
                            return;
                        }
                        None => {
                            self.report(Report::Disconnected {
                                code: 1006,
                                reason: "the connection was lost without a close frame".into(),
                                clean: false,
                                by: Closer::Lost,
                            })
                            .await;
                            return;
                        }
                    };
                    if !self.report(report).await {
                        // The instance ended while this message waited: close and go.
                        close(&mut sink, &mut stream, CloseCode::Normal, "", close_timeout).await;
                        return;
                    }
                }
            }
        }
    }

    fn text_report(&self, text: &str, permit: Option<OwnedSemaphorePermit>) -> Report {
        match self.kind {
            Kind::String => Report::Message(Value::from(text), permit),
            Kind::Json => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(json) => Report::Message(Value::from(json), permit),
                Err(e) => {
                    let shown: String = text.chars().take(60).collect();
                    let more = if shown.len() < text.len() { "…" } else { "" };
                    Report::Dropped(format!(
                        "dropped a text message that is not JSON ({e}): {shown:?}{more}"
                    ))
                }
            },
        }
    }
}

/// The reason tungstenite gives the 1002 close it answers an invalid close code with.
const TUNGSTENITE_CLOSE_VIOLATION: &str = "Protocol violation";

/// The most a connection may have waiting to be written: the outgoing queue's bytes and
/// one message more (tungstenite needs room for a whole message), plus room for framing.
/// How many bytes of frames collect before tungstenite writes them without waiting for
/// the flush (tungstenite's default).
const WRITE_BUFFER: usize = 128 << 10;

fn max_write_buffer(config: &crate::SocketConfig) -> usize {
    config
        .outgoing_buffer
        .saturating_add(config.max_message_size)
        .saturating_add(WRITE_BUFFER)
        .saturating_add(64 << 10)
}

/// Writes `first` and whatever else is queued, then flushes once; takes what it wrote off
/// the queue's byte count.
async fn write_batch<K>(
    sink: &mut K,
    queue: &mut mpsc::Receiver<String>,
    queued_bytes: &AtomicUsize,
    first: String,
    tap: &Option<(Arc<dyn Tap>, u64)>,
) -> Result<(), WsError>
where
    K: futures_util::Sink<Message, Error = WsError> + Unpin,
{
    let sent = |text: &str| {
        if let Some((tap, conn)) = tap {
            tap.event(*conn, TapEvent::Sent(text));
        }
    };
    let mut len = first.len();
    sent(&first);
    let mut result = sink.feed(Message::Text(first.into())).await;
    while result.is_ok() {
        match queue.try_recv() {
            Ok(more) => {
                len += more.len();
                sent(&more);
                result = sink.feed(Message::Text(more.into())).await;
            }
            Err(_) => break,
        }
    }
    queued_bytes.fetch_sub(len, Ordering::SeqCst);
    result?;
    sink.flush().await
}

/// Sends a close frame and reads until the peer closes, all within `limit` (a peer that
/// stopped reading cannot hold the task up); true if the close handshake completed.
async fn close<K, S>(sink: &mut K, stream: &mut S, code: CloseCode, reason: &str, limit: Duration) -> bool
where
    K: futures_util::Sink<Message, Error = WsError> + Unpin,
    S: futures_util::Stream<Item = Result<Message, WsError>> + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let handshake = async {
        if sink.send(Message::Close(Some(frame))).await.is_err() {
            return false;
        }
        drain_until_closed(stream, limit).await
    };
    tokio::time::timeout(limit, handshake).await.unwrap_or(false)
}

/// Reads until the peer's close frame or the end of the stream (or `limit` passes); true
/// if the close handshake completed.
async fn drain_until_closed<S>(stream: &mut S, limit: Duration) -> bool
where
    S: futures_util::Stream<Item = Result<Message, WsError>> + Unpin,
{
    let drain = async {
        loop {
            match stream.next().await {
                // The peer's close frame completes the close handshake, however its
                // TCP (or TLS) connection ends afterwards.
                Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
                Some(Err(WsError::ConnectionClosed)) | None => return true,
                Some(Err(_)) => return false,
            }
        }
    };
    tokio::time::timeout(limit, drain).await.unwrap_or(false)
}

/// A readable reason for a failed handshake.
fn connect_error(e: WsError) -> String {
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    match e {
        WsError::Http(response) => {
            let status = response.status();
            format!(
                "the server refused the handshake: HTTP {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_string()
        }
        // A transport that replays a run gives the error the run was told, as it was.
        WsError::Io(io) if io.get_ref().is_some_and(|e| e.is::<crate::Replayed>()) => io.to_string(),
        WsError::Io(io) => match io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
            Some(tls) => format!("TLS failed: {}", crate::tls::in_words(tls)),
            None => format!("cannot connect: {io}"),
        },
        WsError::Tls(tokio_tungstenite::tungstenite::error::TlsError::Rustls(tls)) => {
            format!("TLS failed: {}", crate::tls::in_words(tls.as_ref()))
        }
        WsError::Tls(tls) => format!("TLS failed: {tls}"),
        WsError::Url(url) => format!("cannot connect to the URL: {url}"),
        WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(e)) => {
            format!("the server did not agree on the subprotocol: {e}")
        }
        WsError::Protocol(p) => format!("the handshake failed: {p}"),
        other => format!("the handshake failed: {other}"),
    }
}

/// Waits until `deadline`; with none, forever.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The next tick of `interval`; with none, never.
async fn tick(interval: Option<&mut tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// A connection that failed while open: the status to report and why.
fn failure(e: &WsError) -> (u16, String) {
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    match e {
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => lost(e),
        WsError::Protocol(p) => (1002, format!("protocol error: {p}")),
        WsError::Utf8(_) => (1007, "a text message was not valid UTF-8".into()),
        other => lost(other),
    }
}

/// A connection lost without a close frame. The reason does not carry the I/O error: it
/// differs with timing (a reset, an end of stream) and means the same to a graph.
fn lost(_: &WsError) -> (u16, String) {
    (1006, "the connection was lost without a close frame".into())
}

/// The host a URI names (an IPv6 address without its brackets) and its port (the
/// scheme's default where none is given: 443 for `wss`, else 80).
fn host_and_port(uri: &tokio_tungstenite::tungstenite::http::Uri) -> Result<(String, u16), WsError> {
    let host = uri.host().ok_or(WsError::Url(UrlError::NoHostName))?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("wss") { 443 } else { 80 });
    Ok((host.to_string(), port))
}

/// A `ws://` connection as `tokio_tungstenite::connect_async` makes one (TCP with Nagle's
/// algorithm off, then the HTTP exchange), without the TLS half's state; an IPv6 host is
/// connected to without its brackets.
async fn connect_plain(
    request: Request,
    config: WebSocketConfig,
) -> Result<(WebSocketStream<TcpStream>, Response), WsError> {
    let (host, port) = host_and_port(request.uri())?;
    let socket = TcpStream::connect((host.as_str(), port)).await?;
    socket.set_nodelay(true)?;
    tokio_tungstenite::client_async_with_config(request, socket, Some(config)).await
}
