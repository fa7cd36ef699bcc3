//! A child's output read line by line as it comes (a thread reads it), and waits for a
//! line with a deadline, so a child that stops writing fails the test instead of hanging it.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The lines `read` gives, as they come.
pub fn lines_of(read: impl std::io::Read + Send + 'static) -> Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(read).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits (at most 20 s) for a line that `want` accepts; the lines before it too.
pub fn wait_for(lines: &Receiver<String>, want: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let done = want(&line);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("not seen within 20 s; seen: {seen:?}"),
        }
    }
}

/// Every line until the writer closes (at most 20 s).
pub fn rest(lines: &Receiver<String>) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return seen,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("still writing after 20 s; seen: {seen:?}"),
        }
    }
}
