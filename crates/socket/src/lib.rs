//! The socket library: M2's JSON and string WebSocket connections as graphrun nodes, on
//! tokio and tokio-tungstenite. It installs through [`graphrun::NodeLibrary`] like any
//! host's library; the host decides the access policy, the auth context and the limits
//! ([`SocketConfig`]).
//!
//! Architecture invariant: one tokio task per connection; everything it tells the instance
//! goes through the instance's bounded event channel; the bearer token lives only in the
//! handshake request.

mod connection;
pub mod echo;
pub mod error;
pub mod memory;
mod nodes;
mod object;
mod policy;
pub mod proxy;
mod report;
mod request;
mod tap;
pub mod tls;
mod transport;

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use graphrun::{ClassDef, NodeLibrary, RegistryBuilder};

pub use crate::error::{InvalidHeaders, InvalidUrl, PolicyError};
use crate::object::{Connection, Kind};
pub use crate::policy::{AccessPolicy, Pattern};
pub use crate::request::{AuthContext, Authentication};
pub use crate::tap::{Closer, Tap, TapEvent};
pub use crate::transport::{Connecting, Replayed, Stream, Transport};

/// The JSON connection class.
pub const JSON_CLASS: &str = "M2_JsonWebSocketConnection";
/// The string connection class.
pub const STRING_CLASS: &str = "M2_StringWebSocketConnection";
/// The deprecated name of the JSON connection class.
pub const DEPRECATED_CLASS: &str = "M2_WebSocketConnection";

/// What the host decides for the graphs' connections.
#[derive(Clone, Debug)]
pub struct SocketConfig {
    /// Which URLs graphs may connect to (default: loopback only).
    pub policy: AccessPolicy,
    /// The bearer token and ids that Authentication scopes send; `None`: scopes fail.
    pub auth: Option<AuthContext>,
    /// How long a handshake (DNS, TCP, TLS and HTTP upgrade) may take.
    pub handshake_timeout: Duration,
    /// The largest message accepted; a larger one closes the connection with 1009.
    pub max_message_size: usize,
    /// Connections open or opening at once, across every instance using this library.
    pub max_connections: usize,
    /// Outgoing messages queued per connection before Send returns false.
    pub outgoing_queue: usize,
    /// Outgoing bytes queued per connection before Send returns false (one message of any
    /// size is always taken when the queue is empty).
    pub outgoing_buffer: usize,
    /// Incoming bytes per connection read but not yet handled by the graph; past it the
    /// connection stops reading (TCP pushes back on the server).
    pub incoming_buffer: usize,
    /// Each connection's read buffer (small buffers keep idle connections cheap).
    pub read_buffer_size: usize,
    /// How long a close waits for the server's close frame.
    pub close_timeout: Duration,
    /// Sends a ping this often while a connection is open (`None`: never, as M2's
    /// connections do not), so that a server or a NAT on the way hears from it.
    pub ping_interval: Option<Duration>,
    /// A connection with no frame from the server for this long is taken as broken: On
    /// Disconnected with `Was Clean` false (`None`: it waits as long as TCP does).
    pub idle_timeout: Option<Duration>,
    /// How connections reach their servers; `None`: TCP, and TLS for `wss://`.
    pub transport: Option<Arc<dyn Transport>>,
    /// Watches every connection (recording a run); `None`: nothing watches.
    pub tap: Option<Arc<dyn Tap>>,
    /// Which proxy each connection goes through (see [`proxy::Proxies::from_env`]);
    /// default: none.
    pub proxies: proxy::Proxies,
    /// TLS for `wss://` (see [`tls::client_config`]); `None`: webpki's and the system's
    /// roots, no client certificate.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for SocketConfig {
    fn default() -> Self {
        SocketConfig {
            policy: AccessPolicy::loopback_only(),
            auth: None,
            handshake_timeout: Duration::from_secs(10),
            max_message_size: 16 << 20,
            max_connections: 100_000,
            outgoing_queue: 1024,
            outgoing_buffer: 8 << 20,
            incoming_buffer: 8 << 20,
            read_buffer_size: 4 << 10,
            close_timeout: Duration::from_secs(1),
            ping_interval: None,
            idle_timeout: None,
            transport: None,
            tap: None,
            proxies: proxy::Proxies::default(),
            tls: None,
        }
    }
}

/// State shared by every node and connection task of one installed library.
pub(crate) struct Shared {
    config: SocketConfig,
    /// Connections open or opening, for the host's limit.
    live: AtomicUsize,
    /// Made at the first `wss://` connection where the host gave none: the system's roots
    /// are read then, not at every start of a run that may never use them.
    tls: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
}

impl Shared {
    /// The TLS configuration of `wss://` connections.
    pub(crate) fn tls(&self) -> Arc<rustls::ClientConfig> {
        self.tls
            .get_or_init(|| self.config.tls.clone().unwrap_or_else(default_tls))
            .clone()
    }
}

/// The socket library, configured by its host.
#[derive(Clone)]
pub struct SocketLibrary {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SocketLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketLibrary")
            .field("config", &self.shared.config)
            .finish()
    }
}

/// TLS for wss:// with webpki's and the system's roots and the ring provider, chosen here
/// rather than installed process-wide (with rustls' features alone, a wss connect panics
/// for want of a provider: tokio-tungstenite issues 336 and 339). rustls 0.23.48 deprecates
/// ring's provider for its lack of post-quantum key exchange; it stays until the workspace
/// moves to a provider that has it (aws-lc-rs, a C library build on every clean build).
#[allow(deprecated)]
fn default_tls() -> Arc<rustls::ClientConfig> {
    tls::client_config(&tls::TlsOptions::default()).unwrap_or_else(|_| {
        // Only files named by options can fail; without any, webpki's roots alone.
        let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    })
}

impl SocketLibrary {
    /// The library with this configuration: TLS as `config.tls` says, else with webpki's
    /// and the system's roots.
    pub fn new(config: SocketConfig) -> SocketLibrary {
        SocketLibrary {
            shared: Arc::new(Shared {
                config,
                live: AtomicUsize::new(0),
                tls: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The library with this configuration and the host's own TLS configuration (its roots,
    /// client certificates, crypto provider).
    pub fn with_tls(config: SocketConfig, tls: Arc<rustls::ClientConfig>) -> SocketLibrary {
        SocketLibrary {
            shared: Arc::new(Shared {
                config,
                live: AtomicUsize::new(0),
                tls: std::sync::OnceLock::from(tls),
            }),
        }
    }

    /// Connections open or opening now, across every instance.
    pub fn live_connections(&self) -> usize {
        self.shared.live.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Default for SocketLibrary {
    fn default() -> Self {
        SocketLibrary::new(SocketConfig::default())
    }
}

impl NodeLibrary for SocketLibrary {
    fn install(&self, r: &mut RegistryBuilder) {
        // One hook for both classes: they hold the same data.
        let events: graphrun::EventsFn = std::sync::Arc::new(object::follow_edit);
        r.add_class(
            ClassDef::new(JSON_CLASS, "a WebSocket connection carrying JSON messages", || {
                Connection::new(Kind::Json)
            })
            .on_report(report::on_report)
            .events(events.clone()),
        );
        r.add_class(
            ClassDef::new(STRING_CLASS, "a WebSocket connection carrying string messages", || {
                Connection::new(Kind::String)
            })
            .on_report(report::on_report)
            .events(events),
        );
        r.add_class(ClassDef::deprecated_alias(DEPRECATED_CLASS, JSON_CLASS));
        nodes::install(r, &self.shared);
    }
}
