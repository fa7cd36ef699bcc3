//! A child process awaited for at most a bound: a thread waits for its end, so the test
//! wakes when the child ends (or the bound passes), never by polling.

use std::process::{Child, Output};
use std::time::Duration;

/// The child's output once it has ended; `None` if it had not ended within `limit` (it is
/// then killed).
pub fn output_within(child: Child, limit: Duration) -> Option<Output> {
    let pid = child.id();
    let (ended, end) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = ended.send(child.wait_with_output());
    });
    match end.recv_timeout(limit) {
        Ok(output) => Some(output.expect("the child's output is read")),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
            None
        }
    }
}
