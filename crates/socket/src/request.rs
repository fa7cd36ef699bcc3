//! The checks that Connect runs before it starts, in the spec's order (Invalid Url, Url
//! Blocked, Invalid Headers, Failed), and the handshake request they allow. The bearer
//! token goes into the request here and nowhere else: never into a log, a trace or `Debug`.

use std::fmt;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use url::Url;

/// The platform's authentication for one host: a bearer token and the ids that scopes add.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthContext {
    token: String,
    /// Sent as `x-m2-organization-id` by the Organization, Project and World scopes.
    pub organization_id: Option<String>,
    /// Sent as `x-m2-project-id` by the Project and World scopes.
    pub project_id: Option<String>,
    /// Sent as `x-m2-world-id` by the World scope.
    pub world_id: Option<String>,
}

impl AuthContext {
    /// An auth context with this bearer token and no ids.
    pub fn new(token: impl Into<String>) -> AuthContext {
        AuthContext {
            token: token.into(),
            ..AuthContext::default()
        }
    }
}

impl AuthContext {
    /// What Authentication sends that is a secret, for a host that must keep it out of
    /// what it writes (a record of a run): the bearer token. The organization, project and
    /// world ids name things; they are not secrets (and replacing a short one, `1` say,
    /// everywhere it appears would corrupt what is written).
    pub fn secrets(&self) -> Vec<String> {
        vec![self.token.clone()]
    }

    /// Whether every part can go into its header: a host checks this once, when it starts,
    /// rather than have each Connect fail. The error names the header, never the token.
    pub fn check(&self) -> Result<(), crate::InvalidHeaders> {
        self.check_parts().map_err(crate::InvalidHeaders)
    }

    fn check_parts(&self) -> Result<(), String> {
        let parts = [
            ("Authorization", "the bearer token", Some(&self.token)),
            (
                "x-m2-organization-id",
                "the organization id",
                self.organization_id.as_ref(),
            ),
            ("x-m2-project-id", "the project id", self.project_id.as_ref()),
            ("x-m2-world-id", "the world id", self.world_id.as_ref()),
        ];
        for (header, what, value) in parts {
            let Some(value) = value else { continue };
            if let Some(c) = value.chars().find(|&c| (c.is_control() && c != '\t') || c == '\u{7f}') {
                return Err(format!(
                    "{what} cannot be sent in the `{header}` header: it contains the control character {}",
                    c.escape_debug()
                ));
            }
            if value.is_empty() || value.trim() != value {
                return Err(format!(
                    "{what} cannot be sent in the `{header}` header: it is empty or has spaces around it"
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthContext")
            .field("token", &"<redacted>")
            .field("organization_id", &self.organization_id)
            .field("project_id", &self.project_id)
            .field("world_id", &self.world_id)
            .finish()
    }
}

/// The `Authentication` pin's scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authentication {
    /// No authentication headers.
    None,
    /// `Authorization` and `x-m2-organization-id`.
    Organization,
    /// Organization's headers and `x-m2-project-id`.
    Project,
    /// Project's headers and `x-m2-world-id`.
    World,
}

impl Authentication {
    /// The scopes by name, as graphs write them.
    pub const NAMES: [&'static str; 4] = ["None", "Organization", "Project", "World"];

    /// Reads a scope name.
    pub fn parse(name: &str) -> Option<Authentication> {
        Some(match name {
            "None" | "" => Authentication::None,
            "Organization" => Authentication::Organization,
            "Project" => Authentication::Project,
            "World" => Authentication::World,
            _ => return None,
        })
    }

    /// The headers this scope sets (the graph may not set them itself).
    fn header_names(self) -> &'static [&'static str] {
        match self {
            Authentication::None => &[],
            Authentication::Organization => &["authorization", "x-m2-organization-id"],
            Authentication::Project => &["authorization", "x-m2-organization-id", "x-m2-project-id"],
            Authentication::World => &[
                "authorization",
                "x-m2-organization-id",
                "x-m2-project-id",
                "x-m2-world-id",
            ],
        }
    }
}

/// Invalid Url: not a URL, scheme not ws/wss, no host, a fragment or user info.
pub(crate) fn check_url(text: &str) -> Result<Url, String> {
    if text.trim() != text || text.chars().any(char::is_control) {
        return Err(format!("{text:?} has spaces or control characters around or in it"));
    }
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(format!("`{text}`: the scheme must be ws or wss, not {}", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    if url.fragment().is_some() {
        return Err(format!(
            "`{text}` has a fragment (#...), which WebSocket URLs may not have"
        ));
    }
    // The url crate drops an empty user info (`ws://@host/`): look at what was written.
    let authority = text
        .split_once("://")
        .map_or("", |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
    if authority.contains('@') || !url.username().is_empty() || url.password().is_some() {
        return Err("the URL has user info (user@ or user:password@), which WebSocket URLs may not have".to_string());
    }
    Ok(url)
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Invalid Headers: a name that is not an HTTP token, a value with CR, LF, NUL or other
/// control characters, a header the handshake owns, or one that `auth` sets; a Protocol
/// that is not a list of tokens.
pub(crate) fn check_headers(headers: &[(String, String)], protocol: &str, auth: Authentication) -> Result<(), String> {
    if !protocol.is_empty() && !protocol.split(',').all(|p| is_token(p.trim())) {
        return Err(format!(
            "Protocol {protocol:?} is not a subprotocol name (or a comma-separated list of them)"
        ));
    }
    for (name, value) in headers {
        if !is_token(name) {
            return Err(format!("header name {name:?} is not an HTTP token"));
        }
        if let Some(c) = value.chars().find(|&c| (c.is_control() && c != '\t') || c == '\u{7f}') {
            return Err(format!(
                "the value of header `{name}` contains the control character {c:?}"
            ));
        }
        let lower = name.to_ascii_lowercase();
        if matches!(lower.as_str(), "host" | "connection" | "upgrade") || lower.starts_with("sec-websocket-") {
            return Err(format!(
                "header `{name}` belongs to the WebSocket handshake and cannot be set"
            ));
        }
        if auth.header_names().contains(&lower.as_str()) {
            return Err(format!("header `{name}` is set by Authentication {auth:?}"));
        }
    }
    Ok(())
}

/// Failed (before starting): the scope's headers, or why the host cannot provide them.
pub(crate) fn auth_headers(
    auth: Authentication,
    context: Option<&AuthContext>,
) -> Result<Vec<(&'static str, String)>, String> {
    if auth == Authentication::None {
        return Ok(Vec::new());
    }
    let Some(ctx) = context else {
        return Err(format!(
            "Authentication {auth:?} was asked for, but the host has no auth context (graphrun: --auth-token-env VAR)"
        ));
    };
    let need = |id: &Option<String>, what: &str, flag: &str| {
        id.clone()
            .ok_or_else(|| format!("Authentication {auth:?} needs the host's {what} (graphrun: {flag})"))
    };
    let mut headers = vec![("authorization", format!("Bearer {}", ctx.token))];
    headers.push((
        "x-m2-organization-id",
        need(&ctx.organization_id, "organization id", "--org-id")?,
    ));
    if matches!(auth, Authentication::Project | Authentication::World) {
        headers.push(("x-m2-project-id", need(&ctx.project_id, "project id", "--project-id")?));
    }
    if auth == Authentication::World {
        headers.push(("x-m2-world-id", need(&ctx.world_id, "world id", "--world-id")?));
    }
    Ok(headers)
}

/// The handshake request: the URL, the subprotocol, the graph's headers and the auth headers.
pub(crate) fn build_request(
    url: &Url,
    protocol: &str,
    headers: &[(String, String)],
    auth: &[(&'static str, String)],
) -> Result<Request, String> {
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("cannot make a handshake request: {e}"))?;
    let map = request.headers_mut();
    let value = |v: &str| HeaderValue::from_bytes(v.as_bytes()).map_err(|_| "a header value is not valid".to_string());
    if !protocol.is_empty() {
        map.insert("sec-websocket-protocol", value(protocol)?);
    }
    for (name, v) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("header name {name:?} is not valid"))?;
        map.append(name, value(v)?);
    }
    for (name, v) in auth {
        let mut v = value(v)?;
        v.set_sensitive(true);
        map.insert(*name, v);
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("ws://127.0.0.1:9001/x?y=1").is_ok());
        assert!(check_url("wss://example.com").is_ok());
        for bad in [
            "",
            "not a url",
            "http://x/",
            "ws://x/#frag",
            "ws://u:p@x/",
            "ws://u@x/",
            "ws://@127.0.0.1:9001/",
            "ws://:@host/",
            "wss://@example.com",
            " ws://x/",
            "ws://",
            "ws://:80/",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn headers() {
        let h = |n: &str, v: &str| vec![(n.to_string(), v.to_string())];
        assert!(check_headers(&h("X-Custom", "a b\tc"), "chat", Authentication::None).is_ok());
        assert!(check_headers(&h("Bad Name", "x"), "", Authentication::None).is_err());
        assert!(check_headers(&h("X", "a\r\nInjected: 1"), "", Authentication::None).is_err());
        assert!(check_headers(&h("X", "nul\0"), "", Authentication::None).is_err());
        assert!(check_headers(&h("Sec-WebSocket-Key", "x"), "", Authentication::None).is_err());
        assert!(check_headers(&h("host", "x"), "", Authentication::None).is_err());
        assert!(check_headers(&h("Authorization", "x"), "", Authentication::None).is_ok());
        assert!(check_headers(&h("Authorization", "x"), "", Authentication::Organization).is_err());
        assert!(check_headers(&h("x-m2-world-id", "x"), "", Authentication::Project).is_ok());
        assert!(check_headers(&h("x-m2-world-id", "x"), "", Authentication::World).is_err());
        assert!(check_headers(&[], "two words", Authentication::None).is_err());
    }

    #[test]
    fn an_auth_context_that_cannot_make_its_headers_names_the_header_not_the_token() {
        let err = AuthContext::new("s3cret\nInjected: 1").check().unwrap_err().0;
        assert_eq!(
            err,
            "the bearer token cannot be sent in the `Authorization` header: it contains the control character \\n"
        );
        let mut ctx = AuthContext::new("ok");
        ctx.world_id = Some("w\r".into());
        assert!(ctx.check().unwrap_err().0.contains("`x-m2-world-id`"));
        assert!(AuthContext::new("").check().unwrap_err().0.contains("empty"));
        assert!(AuthContext::new("s3cret").check().is_ok());
    }

    #[test]
    fn auth_scopes_and_redaction() {
        let mut ctx = AuthContext::new("s3cret");
        ctx.organization_id = Some("org".into());
        assert!(auth_headers(Authentication::Organization, None)
            .unwrap_err()
            .contains("no auth context"));
        let org = auth_headers(Authentication::Organization, Some(&ctx)).unwrap();
        assert_eq!(
            org,
            [
                ("authorization", "Bearer s3cret".to_string()),
                ("x-m2-organization-id", "org".to_string())
            ]
        );
        assert!(auth_headers(Authentication::Project, Some(&ctx))
            .unwrap_err()
            .contains("--project-id"));
        assert!(!format!("{ctx:?}").contains("s3cret"));
    }
}
