//! Proxies as users meet them (issue 35): `graphrun run` as a process, the environment's
//! proxy variables read as curl reads them, through an HTTP CONNECT proxy in this test —
//! with and without credentials, `NO_PROXY`, `--proxy` above the variables, `wss://`
//! through the tunnel — and the access policy judging the target before the proxy hears
//! anything.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::probe_once;
use super::servers::echo_server;
use super::tls::{make_ca, server as tls_server};

/// What the proxy was asked: each CONNECT's request head.
#[derive(Default)]
struct Asked(Mutex<Vec<String>>);

impl Asked {
    fn heads(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// An HTTP CONNECT proxy on loopback; with `credentials`, it answers 407 to a CONNECT
/// without `Proxy-Authorization: Basic` of them.
async fn connect_proxy(credentials: Option<&str>) -> (SocketAddr, Arc<Asked>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Asked::default());
    let expected = credentials.map(|c| {
        format!(
            "Proxy-Authorization: Basic {}",
            data_encoding::BASE64.encode(c.as_bytes())
        )
    });
    let seen = asked.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (seen, expected) = (seen.clone(), expected.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let Ok(byte) = client.read_u8().await else { return };
                    head.push(byte);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                seen.0.lock().unwrap().push(head.clone());
                if expected.as_ref().is_some_and(|e| !head.lines().any(|l| l == e)) {
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n")
                        .await;
                    return;
                }
                let target = head.split_whitespace().nth(1).unwrap_or_default().to_string();
                let Ok(mut server) = TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (addr, asked)
}

/// `graphrun run probe.ron` to `url` sending `{"over": "proxy"}`, with `args` and `env`.
async fn probe(url: String, args: Vec<String>, env: Vec<(&'static str, String)>) -> String {
    probe_once(url, "proxy", args, env).await
}

const ECHOED: &str = r#"message: {"over":"proxy"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_goes_through_http_proxy_unless_no_proxy_says_direct_and_proxy_is_above_both() {
    let target = echo_server().await;
    let url = format!("ws://{target}/");
    let (proxy, asked) = connect_proxy(None).await;
    let connect = format!("CONNECT {target} HTTP/1.1");
    // HTTP_PROXY, and its lower-case form.
    for name in ["HTTP_PROXY", "http_proxy"] {
        let before = asked.heads().len();
        let out = probe(url.clone(), vec![], vec![(name, format!("http://{proxy}"))]).await;
        assert!(out.contains(ECHOED), "{name}: {out}");
        let heads = asked.heads();
        assert_eq!(heads.len(), before + 1, "{name}: one tunnel");
        assert!(heads[before].starts_with(&connect), "{}", heads[before]);
    }
    // ALL_PROXY for ws:// too.
    let out = probe(url.clone(), vec![], vec![("ALL_PROXY", format!("{proxy}"))]).await;
    assert!(out.contains(ECHOED), "{out}");
    assert_eq!(asked.heads().len(), 3);
    // NO_PROXY: the host goes direct, the proxy hears nothing.
    for no in ["127.0.0.1", "*", "localhost,127.0.0.1"] {
        let env = vec![("HTTP_PROXY", format!("http://{proxy}")), ("NO_PROXY", no.to_string())];
        let out = probe(url.clone(), vec![], env).await;
        assert!(out.contains(ECHOED), "NO_PROXY={no}: {out}");
        assert_eq!(asked.heads().len(), 3, "NO_PROXY={no}");
    }
    // --proxy above the variables (HTTP_PROXY names a port where nothing listens).
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let out = probe(
        url.clone(),
        vec!["--proxy".into(), format!("http://{proxy}")],
        vec![("HTTP_PROXY", format!("http://{dead}"))],
    )
    .await;
    assert!(out.contains(ECHOED), "{out}");
    assert_eq!(asked.heads().len(), 4);
    // The dead proxy alone: a connection error naming it.
    let out = probe(url.clone(), vec![], vec![("HTTP_PROXY", format!("http://{dead}"))]).await;
    assert!(
        out.contains(&format!(
            "connection error: cannot connect: cannot reach the proxy {dead}"
        )),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_wants_credentials_gets_them_from_its_url_and_they_are_never_shown() {
    let target = echo_server().await;
    let url = format!("ws://{target}/");
    let (proxy, asked) = connect_proxy(Some("ada:s3cr+t pass")).await;
    // Without: 407 in words.
    let out = probe(url.clone(), vec![], vec![("HTTP_PROXY", format!("http://{proxy}"))]).await;
    assert!(!out.contains(ECHOED), "{out}");
    assert!(
        out.contains(&format!(
            "connection error: cannot connect: the proxy {proxy} requires credentials (HTTP 407"
        )),
        "{out}"
    );
    // Wrong ones: refused, and the password is not in the output.
    let out = probe(
        url.clone(),
        vec!["--trace".into()],
        vec![("HTTP_PROXY", format!("http://ada:wrong@{proxy}"))],
    )
    .await;
    assert!(
        out.contains("refused the credentials in the proxy URL (HTTP 407"),
        "{out}"
    );
    assert!(!out.contains("wrong"), "{out}");
    // Right ones (percent-encoded in the URL): through, traced, and never shown.
    let out = probe(
        url.clone(),
        vec!["--trace".into()],
        vec![("HTTP_PROXY", format!("http://ada:s3cr%2Bt%20pass@{proxy}"))],
    )
    .await;
    assert!(out.contains(ECHOED), "{out}");
    assert!(!out.contains("s3cr") && !out.contains("ada:"), "{out}");
    assert!(asked.heads().len() >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_goes_through_https_proxy_and_a_blocked_url_never_reaches_the_proxy() {
    let dir = std::env::temp_dir().join(format!("graphrun-proxy-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ca = make_ca(&dir);
    let port = tls_server(&ca, false).await;
    let (proxy, asked) = connect_proxy(None).await;
    // wss:// through HTTPS_PROXY (HTTP_PROXY is not its): TLS runs inside the tunnel.
    let out = probe(
        format!("wss://localhost:{port}/"),
        vec!["--ca-file".into(), ca.pem.display().to_string()],
        vec![
            ("HTTPS_PROXY", format!("http://{proxy}")),
            ("HTTP_PROXY", "http://127.0.0.1:9".to_string()),
        ],
    )
    .await;
    assert!(out.contains(ECHOED), "{out}");
    let heads = asked.heads();
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].starts_with(&format!("CONNECT localhost:{port} HTTP/1.1")),
        "{}",
        heads[0]
    );
    // A URL the policy blocks (only loopback without --allow) is blocked before the proxy
    // hears of it, whatever the proxy would reach.
    // The URL forms of the policy's own tests: look-alikes of loopback, mapped addresses.
    for url in [
        "ws://example.com/",
        "wss://example.com:8443/x",
        "ws://10.1.2.3:80/",
        "ws://[::ffff:10.0.0.1]/",
        "ws://localhost.example/",
        "ws://a.localhost/",
        "ws://[::2]/",
    ] {
        let out = probe(url.to_string(), vec![], vec![("ALL_PROXY", format!("http://{proxy}"))]).await;
        assert!(out.contains("connect: Url Blocked"), "{url}: {out}");
    }
    // With --allow, a path outside the pattern's prefix is blocked too.
    let out = probe(
        "ws://host.test:9001/apix".to_string(),
        vec!["--allow".into(), "ws://host.test:9001/api".into()],
        vec![("ALL_PROXY", format!("http://{proxy}"))],
    )
    .await;
    assert!(out.contains("connect: Url Blocked"), "{out}");
    assert_eq!(asked.heads().len(), 1, "the proxy heard of no blocked URL");
    let _ = std::fs::remove_dir_all(&dir);
}
