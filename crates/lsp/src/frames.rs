//! The language server's stdin and stdout: LSP's frames (`Content-Length` headers, then a
//! JSON body) read with bounds, in front of lsp-server's message loop. A header line is
//! at most 8 KiB and a body at most 64 MiB (the largest graph file); a frame that cannot
//! be read as one (a length missing, not a number or over the bound, a header line too
//! long, the input ending in a body) ends the server with the reason on stderr, since the
//! next frame cannot be found. A body that is not a JSON-RPC message (not UTF-8, not JSON,
//! a batch, an unknown shape) is answered with JSON-RPC's error and the server goes on.

use std::io::{BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};

/// The longest header line read.
const MAX_HEADER_LINE: usize = 8 << 10;

/// The largest body read: as large as a graph file may be.
pub const MAX_BODY: u64 = 64 << 20;

/// The threads reading stdin and writing stdout.
pub struct Io {
    reader: JoinHandle<Result<(), String>>,
    writer: JoinHandle<()>,
}

impl Io {
    /// Waits for the writer (what it has to send goes out) and, if it has stopped, the
    /// reader; why the input ended, if it was a broken frame. A reader still waiting on
    /// stdin (the server ended first) is left to the process's end.
    pub fn join(self) -> Result<(), String> {
        let _ = self.writer.join();
        // The server ends when the reader's channel closes, a moment before the thread does.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        while !self.reader.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        if !self.reader.is_finished() {
            return Ok(());
        }
        self.reader.join().unwrap_or_else(|_| Err("the reader failed".into()))
    }
}

/// A connection over stdin and stdout with bounded frames.
pub fn stdio() -> (Connection, Io) {
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let (to_writer, from_server) = crossbeam_channel::bounded::<Message>(0);
    let (to_server, from_reader) = crossbeam_channel::bounded::<Message>(0);
    let writer = {
        let out = out.clone();
        std::thread::Builder::new()
            .name("lsp-writer".into())
            .spawn(move || {
                for message in from_server {
                    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                    if message.write(&mut *out).is_err() {
                        return;
                    }
                }
            })
            .expect("a thread for stdout")
    };
    let reader = std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            loop {
                let body = match frame(&mut input)? {
                    Some(body) => body,
                    None => return Ok(()),
                };
                match message(&body) {
                    Ok(message) => {
                        let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                        if to_server.send(message).is_err() || exit {
                            return Ok(());
                        }
                    }
                    Err((code, text)) => {
                        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                        write_error(&mut *out, code, &text).map_err(|e| e.to_string())?;
                    }
                }
            }
        })
        .expect("a thread for stdin");
    (
        Connection {
            sender: to_writer,
            receiver: from_reader,
        },
        Io { reader, writer },
    )
}

/// The next frame's body, `None` at the end of the input; `Err` where the input stops being
/// frames.
pub fn frame(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut length: Option<u64> = None;
    let mut first = true;
    loop {
        let line = match header_line(input)? {
            Some(line) => line,
            None if first => return Ok(None),
            None => return Err("the input ended in a frame's headers".into()),
        };
        first = false;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a header line without `:`: {:?}", shown(&line)));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            let n: u64 = value
                .parse()
                .map_err(|_| format!("Content-Length is not a number: {:?}", shown(value)))?;
            if n > MAX_BODY {
                return Err(format!(
                    "Content-Length {n} is over the limit of {} MiB",
                    MAX_BODY >> 20
                ));
            }
            length = Some(n);
        }
    }
    let length = length.ok_or("a frame without Content-Length")?;
    let mut body = Vec::new();
    input
        .take(length)
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read a frame's body: {e}"))?;
    if (body.len() as u64) < length {
        return Err(format!("the input ended {} bytes into a body of {length}", body.len()));
    }
    Ok(Some(body))
}

/// One header line without its line end (`\r\n`, or a lone `\n`), at most
/// [`MAX_HEADER_LINE`] bytes; `None` at the end of the input before any byte of it.
fn header_line(input: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    let read = input
        .take(MAX_HEADER_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("cannot read a header: {e}"))?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() > MAX_HEADER_LINE {
            format!("a header line longer than {} KiB", MAX_HEADER_LINE >> 10)
        } else {
            "the input ended in a header line".to_string()
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| "a header line that is not UTF-8".to_string())
}

/// A body as a message, or the JSON-RPC error it is answered with.
fn message(body: &[u8]) -> Result<Message, (i32, String)> {
    const PARSE_ERROR: i32 = -32700;
    const INVALID_REQUEST: i32 = -32600;
    let text = std::str::from_utf8(body).map_err(|e| (PARSE_ERROR, format!("the message is not UTF-8 ({e})")))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (PARSE_ERROR, format!("the message is not JSON: {e}")))?;
    if value.is_array() {
        return Err((INVALID_REQUEST, "a batch of messages: LSP sends one at a time".into()));
    }
    serde_json::from_value(value).map_err(|e| (INVALID_REQUEST, format!("not a JSON-RPC message: {e}")))
}

/// A JSON-RPC error answering a message whose id could not be read (`id: null`).
fn write_error(out: &mut impl Write, code: i32, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    })
    .to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// At most 80 characters of `text`, for a message.
fn shown(text: &str) -> String {
    text.chars().take(80).collect()
}
