//! An echo server on loopback, in a thread of its own, counting the connections it took:
//! the live editing tests' peer, which must see one connection, never a second.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

/// An echo server on loopback, in a thread of its own, counting the connections it took.
pub fn echo_server() -> (u16, Arc<AtomicUsize>) {
    use futures_util::{SinkExt, StreamExt};
    let connections = Arc::new(AtomicUsize::new(0));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let counted = connections.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            port_tx.send(listener.local_addr().unwrap().port()).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    while let Some(Ok(message)) = ws.next().await {
                        if message.is_text() && ws.send(message).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    (port_rx.recv().unwrap(), connections)
}
