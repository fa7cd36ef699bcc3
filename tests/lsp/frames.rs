//! Issue 34, 2 and 14: the language server reads its frames with bounds, answers a body
//! that is not a message with JSON-RPC's error and goes on, and ends with the reason and
//! a non-zero status where the input stops being frames. Each case was an abort (134), a
//! panic (101), memory growing until the allocator aborted, or a silent exit 0.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs `graphrun lsp`, writes `input` (then closes stdin unless `keep_open`), and returns
/// its exit status, stdout and stderr; a run over 60 s fails.
fn lsp_with(input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // The server may stop reading (and end) before all is written: a broken pipe is fine.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("graphrun lsp did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    (status.code(), out.join().unwrap(), err.join().unwrap())
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
const SHUTDOWN: &str = r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#;
const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

#[test]
fn a_length_over_the_bound_or_past_u64_ends_the_server_with_the_reason() {
    for length in ["1000000000000", "18446744073709551615", "99999999999999999999999"] {
        let (status, _, stderr) = lsp_with(format!("Content-Length: {length}\r\n\r\n{{}}").as_bytes());
        assert_eq!(status, Some(1), "{length}: {stderr}");
        assert!(
            stderr.contains("over the limit of 64 MiB") || stderr.contains("is not a number"),
            "{length}: {stderr}"
        );
    }
    let (status, _, stderr) = lsp_with(b"Content-Length: twelve\r\n\r\n{}");
    assert_eq!(status, Some(1));
    assert!(
        stderr.contains("Content-Length is not a number: \"twelve\""),
        "{stderr}"
    );
}

#[test]
fn a_header_line_that_never_ends_is_not_read_past_8_kib() {
    // 16 MiB without a line end: before, it was all kept, and more while it came.
    let (status, _, stderr) = lsp_with(&vec![b'A'; 16 << 20]);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("a header line longer than 8 KiB"), "{stderr}");
}

#[test]
fn frames_that_end_early_or_lack_a_length_end_the_server_with_the_reason() {
    for (input, reason) in [
        (
            &b"Content-Length: 50\r\n\r\n{\"jsonrpc\""[..],
            "the input ended 10 bytes into a body of 50",
        ),
        (
            b"Content-Type: application/json\r\n\r\n{}",
            "a frame without Content-Length",
        ),
        (b"Content-Length: 2\r\n", "the input ended in a frame's headers"),
        (b"no colon here\r\n\r\n", "a header line without `:`"),
    ] {
        let (status, _, stderr) = lsp_with(input);
        assert_eq!(status, Some(1), "{reason}: {stderr}");
        assert!(stderr.contains(reason), "{reason}: {stderr}");
    }
}

#[test]
fn a_body_that_is_not_a_message_is_answered_and_the_server_goes_on() {
    let mut input = Vec::new();
    for body in [
        "{not json",
        "[{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"shutdown\"}]",
        "\"\\ud800\"",
        "{\"jsonrpc\":\"2.0\",\"params\":3}",
    ] {
        input.extend(frame(body));
    }
    // Not UTF-8.
    input.extend(b"Content-Length: 2\r\n\r\n\xff\xfe");
    for body in [INITIALIZE, INITIALIZED, SHUTDOWN, EXIT] {
        input.extend(frame(body));
    }
    let (status, stdout, stderr) = lsp_with(&input);
    assert_eq!(status, Some(0), "{stderr}");
    let errors: Vec<i64> = stdout
        .split("Content-Length: ")
        .filter_map(|part| part.split_once("\r\n\r\n"))
        .filter_map(|(_, body)| serde_json::from_str::<serde_json::Value>(body).ok())
        .filter_map(|message| message["error"]["code"].as_i64())
        .collect();
    assert_eq!(errors, [-32700, -32600, -32700, -32600, -32700], "{stdout}");
    assert!(
        stdout.contains("\"capabilities\""),
        "initialize was answered after them: {stdout}"
    );
}

#[test]
fn exit_without_shutdown_ends_with_status_1_and_with_it_0() {
    let mut input = Vec::new();
    for body in [INITIALIZE, INITIALIZED, EXIT] {
        input.extend(frame(body));
    }
    let (status, _, stderr) = lsp_with(&input);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("`exit` without `shutdown`"), "{stderr}");
    let mut input = Vec::new();
    for body in [INITIALIZE, INITIALIZED, SHUTDOWN, EXIT] {
        input.extend(frame(body));
    }
    let (status, _, stderr) = lsp_with(&input);
    assert_eq!(status, Some(0), "{stderr}");
}
