//! What several test modules share: the independent Python peer.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The Python interpreter with `websockets`: $GRAPHRUN_PYTHON, else the repository's
/// `.venv` (which `.ci/run` and `scripts/test.sh` make), else `python3`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("GRAPHRUN_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

/// `tests/peers/ws_server.py` (Python's `websockets`), running; killed when dropped.
pub struct PythonPeer {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl PythonPeer {
    /// Starts the peer and waits for it to print its port.
    pub fn start() -> Result<PythonPeer, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/ws_server.py");
        let hint = "install it with `python3 -m venv .venv && .venv/bin/pip install -r tests/peers/requirements.txt`";
        let mut child = Command::new(python())
            .arg(&script)
            .stdout(Stdio::piped())
            .stderr(child_log("python-peer"))
            .spawn()
            .map_err(|e| format!("cannot start the Python peer ({}): {e}; {hint}", python().display()))?;
        let mut line = String::new();
        let read = std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        match (read, line.trim().parse::<u16>()) {
            (Ok(_), Ok(port)) => Ok(PythonPeer {
                child,
                addr: format!("127.0.0.1:{port}"),
            }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("the Python peer did not start (it printed {line:?}); {hint}"))
            }
        }
    }
}

impl Drop for PythonPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[path = "../support/child_log.rs"]
mod child_log;
use child_log::child_log;
