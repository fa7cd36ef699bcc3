//! `graphrun run --record RUN.jsonl`: what came into the instance from outside, one JSON
//! object a line, each with its time in seconds since the run began: the graph, the
//! variables as set and the seed first; then each connection's start, handshake outcome,
//! messages both ways and end (the socket library's tap: never a header value, so never
//! the bearer token); each printed line and runtime error; with `run --watch`, the
//! graph's text as the run started (`{"text": TEXT}`) and each live edit's text (`{"swap":
//! TEXT}`, when it was asked for); a stop; the exit status last.
//! The bearer token is replaced by `[redacted]` wherever it appears in a string of the
//! record, as written or JSON-escaped (a server's message echoing it included); the
//! organization, project and world ids are not secrets and are kept. A server that sends
//! the token transformed (split, encoded) gets it into the record.
//! [`crate::replay`] reads it back.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use graphrun::{Host, Level, RuntimeError};
use graphrun_socket::{Closer, Tap, TapEvent};
use serde_json::{json, Value as Json};

/// Writes a record.
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    /// What must never be written: the bearer token and the ids Authentication sends.
    secrets: Vec<String>,
    out: Mutex<std::io::BufWriter<std::fs::File>>,
    next_connection: AtomicU64,
}

impl Recorder {
    /// A record in `path`, starting with what the run is: the graph (its full path), the
    /// variables as set (their text, as `--set` gave it) and the seed.
    pub fn create(
        path: &std::path::Path,
        graph: &std::path::Path,
        set: &[String],
        seed: u64,
        secrets: Vec<String>,
    ) -> std::io::Result<Arc<Recorder>> {
        let file = std::fs::File::create(path)?;
        let graph = std::fs::canonicalize(graph).unwrap_or_else(|_| graph.to_path_buf());
        let set: serde_json::Map<String, Json> = set
            .iter()
            .filter_map(|s| s.split_once('='))
            .map(|(name, text)| (name.to_string(), Json::from(text)))
            .collect();
        let recorder = Arc::new(Recorder {
            started: Instant::now(),
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
            out: Mutex::new(std::io::BufWriter::new(file)),
            next_connection: AtomicU64::new(1),
        });
        recorder.line(json!({"record": 1, "graph": graph.display().to_string(), "set": set, "seed": seed}));
        Ok(recorder)
    }

    fn line(&self, mut value: Json) {
        self.redact(&mut value);
        let mut out = self.out.lock().unwrap();
        let _ = writeln!(out, "{value}");
    }

    /// Replaces every secret in the strings of `value`, as written and as JSON writes it
    /// inside a string (a server's JSON message echoing it).
    fn redact(&self, value: &mut Json) {
        match value {
            Json::String(s) => {
                for secret in &self.secrets {
                    let escaped = serde_json::to_string(secret).unwrap_or_default();
                    let escaped = escaped.trim_matches('"');
                    for form in [secret.as_str(), escaped] {
                        if s.contains(form) {
                            *s = s.replace(form, "[redacted]");
                        }
                    }
                }
            }
            Json::Array(items) => items.iter_mut().for_each(|v| self.redact(v)),
            Json::Object(map) => map.values_mut().for_each(|v| self.redact(v)),
            _ => {}
        }
    }

    /// One timed entry.
    pub fn entry(&self, mut fields: Json) {
        if let Json::Object(map) = &mut fields {
            map.insert("t".into(), Json::from(self.started.elapsed().as_secs_f64()));
        }
        self.line(fields);
    }

    /// The run is over: its exit status, and the record is flushed.
    pub fn finish(&self, exit: u8) {
        self.entry(json!({"exit": exit}));
        let _ = self.out.lock().unwrap().flush();
    }
}

impl Tap for Recorder {
    fn connecting(&self, url: &str) -> u64 {
        let conn = self.next_connection.fetch_add(1, Ordering::SeqCst);
        self.entry(json!({"conn": conn, "connect": url}));
        conn
    }

    fn event(&self, conn: u64, event: TapEvent<'_>) {
        self.entry(match event {
            TapEvent::Opened { protocol } => json!({"conn": conn, "opened": protocol}),
            TapEvent::Failed { error } => json!({"conn": conn, "failed": error}),
            TapEvent::Received(text) => json!({"conn": conn, "received": text}),
            TapEvent::ReceivedBinary(len) => json!({"conn": conn, "received_binary": len}),
            TapEvent::Sent(text) => json!({"conn": conn, "sent": text}),
            TapEvent::Closed {
                code,
                reason,
                clean,
                by,
            } => {
                let by = match by {
                    Closer::Graph => "graph",
                    Closer::Server => "server",
                    Closer::Lost => "lost",
                };
                json!({"conn": conn, "closed": {"code": code, "reason": reason, "clean": clean, "by": by}})
            }
        });
    }
}

/// A host that also writes what the instance prints, and its runtime errors, into the
/// record; everything goes on to `host`.
pub struct RecordingHost {
    /// The record.
    pub recorder: Arc<Recorder>,
    /// Where it all goes too.
    pub host: Arc<dyn Host>,
}

impl Host for RecordingHost {
    fn print(&self, text: &str) {
        self.recorder.entry(json!({"print": text}));
        self.host.print(text);
    }
    fn log(&self, level: Level, message: &str) {
        self.host.log(level, message);
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.recorder.entry(json!({"error": error.message}));
        self.host.runtime_error(error);
    }
    fn trace(&self, line: &str) {
        self.host.trace(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_redacted_as_written_and_json_escaped_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("graphrun-record-redact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.jsonl");
        let token = r#"tok"en\1"#;
        let recorder = Recorder::create(&path, &dir.join("g.ron"), &[], 1, vec![token.to_string()]).unwrap();
        // As written, and inside a server's JSON message (escaped).
        let json = serde_json::json!({"echo": token}).to_string();
        recorder.entry(json!({"conn": 1, "received": format!("plain {token} and {json}")}));
        recorder.entry(json!({"print": "1 + 1 = 2"}));
        recorder.finish(0);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!text.contains("tok"), "{text}");
        assert_eq!(text.matches("[redacted]").count(), 2, "{text}");
        assert!(text.contains(r#""print":"1 + 1 = 2""#), "{text}");
    }
}
