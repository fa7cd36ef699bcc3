//! A language-server client for the tests: the real `graphrun lsp` process, spoken to in
//! JSON-RPC over its stdin and stdout with LSP's `Content-Length` framing.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long a test waits for an answer before it fails, saying what it waited for.
const PATIENCE: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for answers, oldest first.
    pub notes: Vec<Value>,
}

/// A file's URI.
pub fn uri(path: &Path) -> String {
    format!(
        "file://{}",
        std::fs::canonicalize(path).unwrap_or(path.to_path_buf()).display()
    )
}

/// A position: LSP's zero-based line and UTF-16 column of the first `marker` in `text`,
/// `within` characters into it.
pub fn position(text: &str, marker: &str, within: usize) -> Value {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("`{marker}` is not in the text"))
        + within;
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[start..at].encode_utf16().count();
    json!({"line": line, "character": col})
}

impl Client {
    /// Starts the `graphrun` at `bin` as a language server.
    pub fn start_with(bin: &Path, root: &Path) -> Client {
        let mut child = Command::new(bin)
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(child_log("lsp"))
            .spawn()
            .expect("graphrun lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).expect("a JSON message")).is_err() {
                return;
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            notes: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
        );
        assert!(init["capabilities"]["completionProvider"].is_object(), "{init}");
        client.notify("initialized", json!({}));
        client
    }

    fn write(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.write(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its answer: the result (an error answer panics).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let answer = self.answer(method, params);
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// Sends a request and waits for its whole answer (result or error).
    pub fn answer(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.write(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .incoming
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            if message["id"] == json!(id) {
                return message;
            }
            self.notes.push(message);
        }
    }

    /// Waits for diagnostics of `uri` that `accept` takes (those already read first, the
    /// newest of them), and gives them.
    pub fn diagnostics(&mut self, uri: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let latest = self
                .notes
                .iter()
                .rev()
                .find(|n| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
                .map(|n| n["params"]["diagnostics"].as_array().cloned().unwrap_or_default());
            if let Some(found) = latest.as_ref().filter(|d| accept(d)) {
                return found.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) => self.notes.push(message),
                Err(_) => panic!("no diagnostics for {uri} as expected; the last: {latest:?}"),
            }
        }
    }

    /// Waits until diagnostics of `uri` at `version` are published.
    pub fn wait_for_version(&mut self, uri: &str, version: i32) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let published = self.notes.iter().any(|n| {
                n["method"] == "textDocument/publishDiagnostics"
                    && n["params"]["uri"] == uri
                    && n["params"]["version"] == version
            });
            if published {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) => self.notes.push(message),
                Err(_) => panic!("no diagnostics for {uri} at version {version}"),
            }
        }
    }

    pub fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "ron", "version": 1, "text": text}}),
        );
        uri
    }

    /// Replaces the first `from` in the document's text (as the client has it) by `to`,
    /// sent as an incremental change.
    pub fn change(&mut self, uri: &str, text: &mut String, version: i32, from: &str, to: &str) {
        let start = position(text, from, 0);
        let end = position(text, from, from.len());
        *text = text.replacen(from, to, 1);
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": start, "end": end}, "text": to}]}),
        );
    }

    /// Shuts the server down as an editor does; its exit status.
    pub fn stop(mut self) -> Option<i32> {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        // The server closes its stdout as it exits: the reader's channel ends then.
        loop {
            match self.incoming.recv_timeout(PATIENCE) {
                Ok(message) => self.notes.push(message),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("graphrun lsp did not exit"),
            }
        }
        self.child.wait().unwrap().code()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The labels of a completion answer.
pub fn labels(completion: &Value) -> Vec<String> {
    completion
        .as_array()
        .or_else(|| completion["items"].as_array())
        .map(|items| {
            items
                .iter()
                .map(|i| i["label"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Applies LSP text edits to a text.
pub fn apply(text: &str, edits: &Value) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let character = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let rest = &text[start..];
        let mut units = 0;
        for (i, c) in rest.char_indices() {
            if units >= character || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

// Also loaded by tests/graph_cases/support.rs in the same test crate; bench/src/bin/lsp.rs
// borrows this file alone, so it loads its own.
#[allow(clippy::duplicate_mod)]
#[path = "../support/child_log.rs"]
mod child_log;
use child_log::child_log;
