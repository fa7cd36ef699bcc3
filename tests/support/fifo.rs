//! A FIFO nobody writes to, where graphrun wants a file: it must be refused at once (exit
//! status 2, saying it is not a regular file), never waited on.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Makes the FIFO `fifo`.
pub fn make(fifo: &Path) {
    let made = Command::new("mkfifo").arg(fifo).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());
}

/// Runs graphrun with `args` in `dir`, waiting at most `limit` (a FIFO waited on would
/// hold it forever), and asserts it ended with exit status 2; its standard error.
pub fn refused(dir: &Path, args: &[&str], limit: Duration) -> String {
    let child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphrun starts");
    let out = super::bounded::output_within(child, limit)
        .unwrap_or_else(|| panic!("graphrun {} still waiting on a FIFO after {limit:?}", args.join(" ")));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stderr
}
