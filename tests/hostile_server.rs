//! Issue 9's hostile servers, speaking raw frames after a hand-made handshake: pings the
//! server never reads the pongs of, an extension the client did not offer, a close frame
//! with a code no endpoint may send.

use std::future::Future;
use std::net::SocketAddr;

use graphrun_socket::SocketConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::socket::{probe_cli, run, url, PROBE};

/// A server on a free loopback port that answers one handshake with 101 and the
/// `extra` header lines, then runs `script` on the raw stream.
async fn raw_server<F, Fut>(extra: &'static str, script: F) -> SocketAddr
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8];
            if stream.read_exact(&mut byte).await.is_err() {
                return;
            }
            request.push(byte[0]);
        }
        let request = String::from_utf8(request).unwrap();
        let key = request
            .lines()
            .find_map(|l| {
                l.strip_prefix("Sec-WebSocket-Key: ")
                    .or_else(|| l.strip_prefix("sec-websocket-key: "))
            })
            .expect("the client sends its key");
        let accept = derive_accept_key(key.trim().as_bytes());
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
        );
        stream.write_all(response.as_bytes()).await.unwrap();
        script(stream).await;
    });
    addr
}

#[test]
fn a_server_that_pings_and_never_reads_keeps_the_client_bounded() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // A million pings with 125-byte payloads: 127 MB of pongs the server never reads.
    let addr = runtime.block_on(raw_server("", |mut stream| async move {
        let mut ping = vec![0x89u8, 125];
        ping.extend(std::iter::repeat_n(b'p', 125));
        let batch: Vec<u8> = ping.iter().copied().cycle().take(ping.len() * 1000).collect();
        for _ in 0..1000 {
            if stream.write_all(&batch).await.is_err() {
                return;
            }
        }
        // Then it goes away without a close frame (and still without reading).
    }));
    let url = format!("Url=ws://{addr}/");
    let out = probe_cli(&["--set", &url, "--stats"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.ends_with("clean=false\n") && stdout.contains("disconnected: 1006"),
        "{stdout}{stderr}"
    );
    let peak_kib: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("stats: peak resident memory "))
        .and_then(|l| l.strip_suffix(" KiB"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {stderr}"));
    assert!(peak_kib < 64 * 1024, "peak resident memory {peak_kib} KiB");
    drop(runtime);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_the_client_did_not_offer_fails_the_connection() {
    let addr = raw_server(
        "Sec-WebSocket-Extensions: permessage-deflate\r\n",
        |mut stream| async move {
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
        },
    )
    .await;
    let r = run(PROBE, SocketConfig::default(), &[url(addr, "/")]).await;
    assert_eq!(
        r.prints.last().unwrap(),
        "connection error: the server chose extension `permessage-deflate`, which the client did not offer; Is Connected: false"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_frame_with_a_code_no_endpoint_may_send_is_a_protocol_error() {
    // 1005 is reserved for "no code was sent" and must never be in a close frame.
    for code in [999u16, 1005, 1006, 1015, 2999] {
        let addr = raw_server("", move |mut stream| async move {
            let [hi, lo] = code.to_be_bytes();
            let _ = stream.write_all(&[0x88, 2, hi, lo]).await;
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
        })
        .await;
        let r = run(PROBE, SocketConfig::default(), &[url(addr, "/")]).await;
        let last = r.prints.last().unwrap();
        assert!(
            last.starts_with("disconnected: 1002 ") && last.ends_with(" clean=false"),
            "code {code}: {last}"
        );
    }
}
