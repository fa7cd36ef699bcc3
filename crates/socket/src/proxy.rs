//! HTTP proxies, read as curl reads them: `wss://` through `HTTPS_PROXY`, `ws://` through
//! `HTTP_PROXY`, `ALL_PROXY` for either, each also in lower case (the lower-case form
//! first), `NO_PROXY` for hosts that go direct, and a host's own proxy (`--proxy`) above
//! them all. A connection through a proxy asks it for a tunnel (`CONNECT host:port`, with
//! basic credentials from the proxy URL); the WebSocket handshake, and TLS for `wss://`,
//! then run through the tunnel as over TCP. The access policy judged the target URL before
//! the connection began; the proxy's URL and credentials are never in an error, a trace or
//! a record.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A proxy: where it listens and the credentials it is given.
#[derive(Clone)]
pub struct Proxy {
    host: String,
    port: u16,
    /// `user:password`, percent-decoded, for `Proxy-Authorization: Basic`.
    credentials: Option<String>,
}

impl std::fmt::Debug for Proxy {
    // Never the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Proxy({})", self.shown())
    }
}

impl Proxy {
    /// A proxy from its URL (`http://[user:password@]host[:port]`, port 1080 if left out,
    /// as curl takes it), or what is wrong with it. `from` names where it came from.
    pub fn parse(text: &str, from: &str) -> Result<Proxy, String> {
        // A bare `host:port`, as the variables are often written, is an http proxy.
        let with_scheme = if text.contains("://") {
            text.to_string()
        } else {
            format!("http://{text}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| format!("{from}: not a proxy URL ({e})"))?;
        if url.scheme() != "http" {
            return Err(format!(
                "{from}: a `{}://` proxy is not supported (an HTTP proxy, `http://host:port`, is)",
                url.scheme()
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("{from}: the proxy URL has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = (!url.username().is_empty())
            .then(|| format!("{}:{}", decode(url.username()), decode(url.password().unwrap_or(""))));
        Ok(Proxy {
            host,
            port: url.port().unwrap_or(1080),
            credentials,
        })
    }

    /// The proxy as errors name it: its host and port, never its credentials.
    pub fn shown(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// A TCP stream to `host:port` through this proxy's tunnel.
    pub(crate) async fn tunnel(&self, host: &str, port: u16) -> io::Result<TcpStream> {
        let shown = self.shown();
        let mut stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("cannot reach the proxy {shown}: {e}")))?;
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some(credentials) = &self.credentials {
            head.push_str(&format!(
                "Proxy-Authorization: Basic {}\r\n",
                data_encoding::BASE64.encode(credentials.as_bytes())
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        // The answer's head, a byte at a time: nothing after it is the proxy's to read.
        let mut answer = Vec::new();
        while !answer.ends_with(b"\r\n\r\n") {
            if answer.len() >= MAX_ANSWER {
                return Err(io::Error::other(format!(
                    "the proxy {shown} answered CONNECT with a head over {MAX_ANSWER} bytes"
                )));
            }
            let byte = stream.read_u8().await.map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("the proxy {shown} closed the connection before answering CONNECT"),
                )
            })?;
            answer.push(byte);
        }
        let status_line =
            String::from_utf8_lossy(&answer[..answer.iter().position(|&b| b == b'\r').unwrap_or(0)]).into_owned();
        let mut words = status_line.splitn(3, ' ');
        let (version, code, reason) = (words.next(), words.next(), words.next().unwrap_or("").trim());
        let code: u16 = match (version, code.and_then(|c| c.parse().ok())) {
            (Some(v), Some(code)) if v.starts_with("HTTP/1.") => code,
            _ => {
                return Err(io::Error::other(format!(
                    "the proxy {shown} did not answer CONNECT in HTTP"
                )))
            }
        };
        match code {
            200..=299 => Ok(stream),
            407 if self.credentials.is_some() => Err(io::Error::other(format!(
                "the proxy {shown} refused the credentials in the proxy URL (HTTP 407 {reason})"
            ))),
            407 => Err(io::Error::other(format!(
                "the proxy {shown} requires credentials (HTTP 407 {reason}): give them in the proxy URL, http://user:password@host:port"
            ))),
            _ => Err(io::Error::other(format!(
                "the proxy {shown} refused to connect to {target}: HTTP {code} {reason}"
            ))),
        }
    }
}

/// The most bytes of a proxy's answer to CONNECT read before giving up on it.
const MAX_ANSWER: usize = 16 << 10;

/// Which proxy each connection takes.
#[derive(Clone, Debug, Default)]
pub struct Proxies {
    /// The host's own (`--proxy`): every connection's, above the variables.
    pub explicit: Option<Proxy>,
    http: Option<Proxy>,
    https: Option<Proxy>,
    all: Option<Proxy>,
    /// `NO_PROXY`: hosts (and their subdomains) that go direct; `*` for every host.
    no_proxy: Vec<String>,
}

impl Proxies {
    /// The proxies of the environment, as curl reads them, and the host's own above them.
    pub fn from_env(explicit: Option<Proxy>) -> Result<Proxies, String> {
        let var = |names: [&str; 2]| -> Result<Option<Proxy>, String> {
            for name in names {
                if let Ok(value) = std::env::var(name) {
                    if !value.trim().is_empty() {
                        return Proxy::parse(value.trim(), name).map(Some);
                    }
                }
            }
            Ok(None)
        };
        let no_proxy = ["no_proxy", "NO_PROXY"]
            .iter()
            .find_map(|name| std::env::var(name).ok())
            .unwrap_or_default();
        Ok(Proxies {
            explicit,
            http: var(["http_proxy", "HTTP_PROXY"])?,
            https: var(["https_proxy", "HTTPS_PROXY"])?,
            all: var(["all_proxy", "ALL_PROXY"])?,
            no_proxy: no_proxy
                .split(',')
                .map(|h| h.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        })
    }

    /// The proxy a connection to `host` (an address without brackets) by `scheme` goes
    /// through, if any.
    pub fn for_target(&self, scheme: &str, host: &str) -> Option<&Proxy> {
        if self.explicit.is_none() && self.http.is_none() && self.https.is_none() && self.all.is_none() {
            return None;
        }
        let host = host.to_ascii_lowercase();
        let direct = self.no_proxy.iter().any(|entry| {
            // A port given in an entry (`host:8080`) is not compared.
            let entry = match entry.rsplit_once(':') {
                Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
                _ => entry.as_str(),
            };
            let entry = entry.trim_start_matches('[').trim_end_matches(']');
            entry == "*" || host == entry || host.ends_with(&format!(".{entry}"))
        });
        if direct {
            return None;
        }
        let by_scheme = if scheme == "wss" { &self.https } else { &self.http };
        self.explicit.as_ref().or(by_scheme.as_ref()).or(self.all.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(http: Option<&str>, https: Option<&str>, all: Option<&str>, no: &str) -> Proxies {
        let p = |t: Option<&str>| t.map(|t| Proxy::parse(t, "test").unwrap());
        Proxies {
            explicit: None,
            http: p(http),
            https: p(https),
            all: p(all),
            no_proxy: no.split(',').map(str::to_string).filter(|s| !s.is_empty()).collect(),
        }
    }

    fn chosen(p: &Proxies, url: &str) -> Option<String> {
        let url = url::Url::parse(url).unwrap();
        let host = url.host_str().unwrap().trim_start_matches('[').trim_end_matches(']');
        p.for_target(url.scheme(), host).map(Proxy::shown)
    }

    #[test]
    fn each_scheme_takes_its_variable_then_all_proxy_and_no_proxy_goes_direct() {
        let p = proxies(Some("h:1"), Some("s:2"), Some("a:3"), "example.com,10.0.0.1,*.skip");
        assert_eq!(chosen(&p, "ws://x.org/").as_deref(), Some("h:1"));
        assert_eq!(chosen(&p, "wss://x.org/").as_deref(), Some("s:2"));
        assert_eq!(chosen(&p, "wss://example.com/"), None);
        assert_eq!(chosen(&p, "wss://api.example.com/"), None);
        assert_eq!(chosen(&p, "wss://notexample.com/").as_deref(), Some("s:2"));
        assert_eq!(chosen(&p, "ws://10.0.0.1:9/"), None);
        // Loopback is proxied unless NO_PROXY says otherwise.
        assert_eq!(chosen(&p, "ws://127.0.0.1:9/").as_deref(), Some("h:1"));
        let only_all = proxies(None, None, Some("a:3"), "");
        assert_eq!(chosen(&only_all, "wss://x.org/").as_deref(), Some("a:3"));
        assert_eq!(chosen(&proxies(Some("h:1"), None, None, "*"), "ws://x.org/"), None);
    }

    #[test]
    fn a_proxy_url_keeps_its_credentials_out_of_sight() {
        let p = Proxy::parse("http://us%40er:p%3Ass@proxy.corp:3128", "HTTPS_PROXY").unwrap();
        assert_eq!(p.credentials.as_deref(), Some("us@er:p:ss"));
        assert_eq!(p.shown(), "proxy.corp:3128");
        assert!(!format!("{p:?}").contains("p:ss"));
        assert_eq!(Proxy::parse("proxy.corp", "x").unwrap().shown(), "proxy.corp:1080");
        assert!(Proxy::parse("socks5://p:1", "ALL_PROXY")
            .unwrap_err()
            .contains("not supported"));
    }
}
