//! The host's URL access policy: which ws/wss URLs a graph may connect to. A pattern is a
//! ws/wss URL whose host may be `*` or start with `*.`, whose port may be `*` (left out:
//! the scheme's default port), and whose path, if given, is a prefix. With no policy,
//! only loopback hosts are allowed, on any port.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// One allowed URL pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    secure: bool,
    host: HostPattern,
    port: Option<u16>,
    path: String,
    text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// `*.example.com`: any subdomain of it (not the domain itself).
    SubdomainOf(String),
    Exact(String),
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Pattern {
    /// Parses a pattern such as `wss://*.example.com/api`, `ws://127.0.0.1:*` or `ws://host:9001/`.
    pub fn parse(text: &str) -> Result<Pattern, crate::PolicyError> {
        Pattern::read(text).map_err(crate::PolicyError)
    }

    fn read(text: &str) -> Result<Pattern, String> {
        let bad = |why: &str| format!("`{text}` is not a URL pattern: {why}");
        let (scheme, rest) = text.split_once("://").ok_or_else(|| bad("expected ws:// or wss://"))?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "ws" => false,
            "wss" => true,
            _ => return Err(bad("the scheme must be ws or wss")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("user info is not allowed"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad(&format!("`{after}` after the address; expected `:PORT` or nothing")))?,
                ),
            };
            (format!("[{host}]"), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        let port = match port {
            None => Some(if secure { 443 } else { 80 }),
            Some("*") => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad("the port must be a number or *"))?),
        };
        let host = host.to_ascii_lowercase();
        // A host as the url crate reads it (IDNA-normalised, lower case), or why not.
        let normalised = |host: &str| -> Result<Url, String> {
            let url = Url::parse(&format!("{scheme}://{host}/")).map_err(|e| bad(&e.to_string()))?;
            match url.host_str() {
                Some(h) if url.path() == "/" && url.port().is_none() && !h.is_empty() => Ok(url),
                _ => Err(bad(&format!("`{host}` is not a host name or address"))),
            }
        };
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(domain) = host.strip_prefix("*.") {
            if domain.is_empty() || domain.contains('*') {
                return Err(bad("`*.` must be followed by a domain"));
            }
            let url = normalised(domain)?;
            match url.host() {
                Some(Host::Domain(d)) => HostPattern::SubdomainOf(d.to_string()),
                _ => return Err(bad("`*.` must be followed by a domain name, not an address")),
            }
        } else if host.is_empty() || host.contains('*') {
            return Err(bad("the host must be a name, an address, `*` or `*.domain`"));
        } else {
            HostPattern::Exact(normalised(&host)?.host_str().unwrap_or_default().to_string())
        };
        let path = if path == "/" { String::new() } else { path.to_string() };
        Ok(Pattern {
            secure,
            host,
            port,
            path,
            text: text.to_string(),
        })
    }

    /// Whether the pattern allows a (valid ws/wss) URL.
    pub fn allows(&self, url: &Url) -> bool {
        if (url.scheme() == "wss") != self.secure {
            return false;
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let host_ok = match &self.host {
            HostPattern::Any => true,
            // Only names have subdomains: an address never matches `*.`.
            HostPattern::SubdomainOf(domain) => {
                matches!(url.host(), Some(Host::Domain(_)))
                    && host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1)
            }
            HostPattern::Exact(exact) => &host == exact,
        };
        let port_ok = match self.port {
            None => true,
            Some(p) => url.port_or_known_default() == Some(p),
        };
        host_ok && port_ok && path_has_prefix(url.path(), &self.path)
    }
}

/// A path prefix that respects segments: `/api` allows `/api` and `/api/x`, not `/apix`.
fn path_has_prefix(path: &str, prefix: &str) -> bool {
    if prefix.is_empty() {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || prefix.ends_with('/') || rest.starts_with('/') || rest.starts_with('?'),
        None => false,
    }
}

/// The access policy: a list of allowed patterns, or loopback only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    /// `None`: no policy given, loopback hosts only.
    patterns: Option<Vec<Pattern>>,
}

impl AccessPolicy {
    /// The default: loopback hosts (127.0.0.0/8, ::1, localhost) on any port.
    pub fn loopback_only() -> AccessPolicy {
        AccessPolicy { patterns: None }
    }

    /// Exactly these patterns (loopback is then allowed only if a pattern allows it).
    pub fn allow(patterns: Vec<Pattern>) -> AccessPolicy {
        AccessPolicy {
            patterns: Some(patterns),
        }
    }

    /// Reads a policy file: RON, either `["pattern", ...]` or `Policy(allow: ["pattern", ...])`.
    /// Errors carry `FILE:LINE:COL`.
    pub fn from_ron(name: &str, text: &str) -> Result<AccessPolicy, crate::PolicyError> {
        AccessPolicy::read(name, text).map_err(crate::PolicyError)
    }

    fn read(name: &str, text: &str) -> Result<AccessPolicy, String> {
        use graphrun::format::ron::{self, Kind};
        let source = graphrun::SourceFile::new(name, text);
        let at = |span| source.location(span);
        let value = ron::parse(text).map_err(|e| format!("{}: {}", at(e.span), e.message))?;
        let shape = || format!("{}: expected `Policy(allow: [\"ws://...\", ...])`", at(value.span));
        let list = match &value.kind {
            Kind::List(items) => items,
            Kind::Struct { name, fields } => {
                if let Some(name) = name.as_ref().filter(|n| n.value != "Policy") {
                    return Err(format!(
                        "{}: unknown `{}`: a policy file is `Policy(allow: [...])` or a list of patterns",
                        at(name.span),
                        name.value
                    ));
                }
                let mut allow = None;
                for (field, value) in fields {
                    if field.value != "allow" {
                        return Err(format!(
                            "{}: unknown field `{}`: a policy has only `allow`",
                            at(field.span),
                            field.value
                        ));
                    }
                    if allow.replace(value).is_some() {
                        return Err(format!("{}: field `allow` is given twice", at(field.span)));
                    }
                }
                match allow.map(|v| &v.kind) {
                    Some(Kind::List(items)) => items,
                    _ => return Err(shape()),
                }
            }
            Kind::Tuple { name: Some(name), .. } if name.value != "Policy" => {
                return Err(format!(
                    "{}: unknown `{}`: a policy file is `Policy(allow: [...])` or a list of patterns",
                    at(name.span),
                    name.value
                ))
            }
            Kind::Tuple { .. } => return Err(shape()),
            _ => {
                return Err(format!(
                    "{}: expected a list of URL patterns, as in [\"ws://127.0.0.1:*\"]",
                    at(value.span)
                ))
            }
        };
        let mut patterns = Vec::new();
        for item in list {
            match &item.kind {
                Kind::Str(s) => patterns.push(Pattern::read(s).map_err(|e| format!("{}: {e}", at(item.span)))?),
                _ => return Err(format!("{}: expected a URL pattern in quotes", at(item.span))),
            }
        }
        Ok(AccessPolicy::allow(patterns))
    }

    /// Adds a pattern (turning the loopback default into an explicit list).
    pub fn push(&mut self, pattern: Pattern) {
        self.patterns.get_or_insert_with(Vec::new).push(pattern);
    }

    /// Whether a valid ws/wss URL may be connected to.
    pub fn allows(&self, url: &Url) -> bool {
        match &self.patterns {
            None => is_loopback(url),
            Some(patterns) => patterns.iter().any(|p| p.allows(url)),
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        // `::ffff:127.0.0.1` reaches 127.0.0.1.
        Some(Host::Ipv6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        // `localhost.` is `localhost`, fully qualified.
        Some(Host::Domain(d)) => {
            let d = d.strip_suffix('.').unwrap_or(d);
            d.eq_ignore_ascii_case("localhost")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(pattern: &str, url: &str) -> bool {
        Pattern::parse(pattern).unwrap().allows(&Url::parse(url).unwrap())
    }

    #[test]
    fn hosts_ports_and_paths() {
        assert!(allows("wss://*.example.com", "wss://a.example.com/x"));
        assert!(allows("wss://*.example.com", "wss://a.b.example.com:443/"));
        assert!(!allows("wss://*.example.com", "wss://example.com/"));
        assert!(!allows("wss://*.example.com", "wss://badexample.com/"));
        assert!(
            !allows("wss://*.example.com", "ws://a.example.com/"),
            "scheme must match"
        );
        assert!(
            !allows("wss://*.example.com", "wss://a.example.com:8443/"),
            "default port only"
        );
        assert!(allows("ws://*:*", "ws://anything:1234/"));
        assert!(allows("ws://host:9001/api", "ws://host:9001/api/v1?x=1"));
        assert!(allows("ws://host:9001/api", "ws://host:9001/api"));
        assert!(!allows("ws://host:9001/api", "ws://host:9001/apix"));
        assert!(allows("ws://HOST:80", "ws://host/"));
        assert!(allows("ws://[::1]:*", "ws://[::1]:9/"));
    }

    #[test]
    fn a_subdomain_pattern_never_matches_an_address_and_is_idna_normalised() {
        // What follows `*.` must be a name: `*.0.0.1` would read as an address.
        assert!(Pattern::parse("ws://*.0.0.1:*")
            .unwrap_err()
            .0
            .contains("not an address"));
        assert!(Pattern::parse("ws://*.1]:*").is_err());
        assert!(!allows("ws://*.localhost:*", "ws://127.0.0.1:9/"));
        assert!(allows("wss://*.bücher.example", "wss://shop.xn--bcher-kva.example/"));
        assert!(allows("wss://*.BÜCHER.example", "wss://shop.bücher.example/"));
        assert!(allows("wss://bücher.example", "wss://xn--bcher-kva.example/"));
    }

    #[test]
    fn junk_after_the_host_is_an_error() {
        for bad in [
            "ws://[::1]junk",
            "ws://[::1]junk:80",
            "ws://[::1]:",
            "ws://host:",
            "ws://a b/",
            "ws://*.a b/",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trailing_dots_and_mapped_addresses_are_loopback() {
        let p = AccessPolicy::loopback_only();
        for url in ["ws://localhost.:9001/", "ws://[::ffff:127.0.0.1]/", "ws://LOCALHOST/"] {
            assert!(p.allows(&Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "ws://[::ffff:10.0.0.1]/",
            "ws://localhost.example/",
            "ws://a.localhost/",
        ] {
            assert!(!p.allows(&Url::parse(url).unwrap()), "{url}");
        }
    }

    #[test]
    fn a_policy_file_with_unknown_names_or_fields_is_an_error_with_its_position() {
        let err = |text: &str| AccessPolicy::from_ron("p.ron", text).unwrap_err().0;
        assert_eq!(
            err("Polizy(allow: [\"ws://a\"])"),
            "p.ron:1:1: unknown `Polizy`: a policy file is `Policy(allow: [...])` or a list of patterns"
        );
        assert_eq!(
            err("Policy(\n  allow: [],\n  deny: [\"ws://a\"])"),
            "p.ron:3:3: unknown field `deny`: a policy has only `allow`"
        );
        assert_eq!(
            err("Policy(allow: [], allow: [\"ws://a\"])"),
            "p.ron:1:19: field `allow` is given twice"
        );
        assert_eq!(
            err("Policy()"),
            "p.ron:1:1: expected `Policy(allow: [\"ws://...\", ...])`"
        );
        assert!(AccessPolicy::from_ron("p.ron", "(allow: [\"ws://a\"])").is_ok());
    }

    #[test]
    fn default_is_loopback_only() {
        let p = AccessPolicy::loopback_only();
        for url in [
            "ws://127.0.0.1:9001/",
            "ws://127.1.2.3/",
            "ws://[::1]:80/",
            "wss://localhost:1/",
        ] {
            assert!(p.allows(&Url::parse(url).unwrap()), "{url}");
        }
        for url in ["ws://10.0.0.1/", "ws://example.com/", "ws://[::2]/"] {
            assert!(!p.allows(&Url::parse(url).unwrap()), "{url}");
        }
    }

    #[test]
    fn bad_patterns_and_files_say_why_and_where() {
        assert!(Pattern::parse("http://x").unwrap_err().0.contains("ws or wss"));
        assert!(Pattern::parse("ws://x:port").unwrap_err().0.contains("port"));
        assert!(Pattern::parse("ws://a*b").unwrap_err().0.contains("host"));
        let err = AccessPolicy::from_ron("p.ron", "Policy(allow: [\n  \"ws://ok:*\",\n  \"ftp://no\"])").unwrap_err();
        assert!(err.0.starts_with("p.ron:3:3: `ftp://no` is not a URL pattern"), "{err}");
        let ok = AccessPolicy::from_ron("p.ron", r#"["wss://*.example.com/api"]"#).unwrap();
        assert!(ok.allows(&Url::parse("wss://x.example.com/api/1").unwrap()));
        assert!(
            !ok.allows(&Url::parse("ws://127.0.0.1/").unwrap()),
            "a policy replaces the loopback default"
        );
    }
}
