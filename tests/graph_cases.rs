//! The data-driven runner. Every `NAME.expected` under `tests/cases/` is a case: it runs
//! `NAME.ron` (or the graph its `graph:` line names) and says what it must give:
//!
//! ```text
//! graph: probe.ron                     (optional: another graph in the folder)
//! command: check                       (optional: `check FILE` instead of `run FILE`)
//! args: --set Url=ws://{python}/echo   (optional: more arguments; {python} is the peer)
//! arg: Greeting=hello, world           (optional, repeatable: one more argument, spaces kept)
//! env: GRAPHRUN_TOKEN=s3cret           (optional, repeatable: environment for the run)
//! max-rss-kib: 65536                   (with --stats: the bound on peak resident memory)
//! exit: 0
//! --- stdout
//! lines the graph prints
//! --- stderr
//! diagnostics, runtime errors, warnings
//! ```
//!
//! A section left out must be empty. With `--stats`, the peak-memory line must be within
//! `max-rss-kib` and reads `within max-rss-kib`; the time line reads `(time)`. The command runs in the case's folder, so positions
//! read `NAME.ron:LINE:COL`. `{python}` starts the independent WebSocket peer,
//! `tests/peers/ws_server.py` (Python's `websockets`), once for the whole run and stands for
//! its `127.0.0.1:PORT`. `UPDATE_EXPECT=1 cargo test` rewrites the expected files from what
//! the cases give (read the diff before committing it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};

#[path = "graph_cases/support.rs"]
mod support;

use support::PythonPeer;

/// The Python peer, started by the first case that needs it and stopped when every case
/// has run.
type Peer = OnceLock<Result<Mutex<Option<PythonPeer>>, String>>;

static PEER: Peer = OnceLock::new();

struct Expected {
    graph: Option<String>,
    command: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    max_rss_kib: Option<u64>,
    exit: i32,
    stdout: String,
    stderr: String,
}

fn parse_expected(text: &str) -> Expected {
    let mut expected = Expected {
        graph: None,
        command: "run".into(),
        args: Vec::new(),
        env: Vec::new(),
        max_rss_kib: None,
        exit: 0,
        stdout: String::new(),
        stderr: String::new(),
    };
    let mut section: Option<&mut String> = None;
    for line in text.lines() {
        match line {
            "--- stdout" => section = Some(&mut expected.stdout),
            "--- stderr" => section = Some(&mut expected.stderr),
            _ => match &mut section {
                Some(s) => {
                    s.push_str(line);
                    s.push('\n');
                }
                None => {
                    if let Some(g) = line.strip_prefix("graph:") {
                        expected.graph = Some(g.trim().to_string());
                    } else if let Some(a) = line.strip_prefix("args:") {
                        expected.args.extend(a.split_whitespace().map(String::from));
                    } else if let Some(a) = line.strip_prefix("arg:") {
                        expected.args.push(a.strip_prefix(' ').unwrap_or(a).to_string());
                    } else if let Some(e) = line.strip_prefix("env:") {
                        let (k, v) = e.trim().split_once('=').expect("env: NAME=VALUE");
                        expected.env.push((k.to_string(), v.to_string()));
                    } else if let Some(m) = line.strip_prefix("max-rss-kib:") {
                        expected.max_rss_kib = Some(m.trim().parse().expect("max-rss-kib: a number"));
                    } else if let Some(c) = line.strip_prefix("command:") {
                        expected.command = c.trim().to_string();
                    } else if let Some(e) = line.strip_prefix("exit:") {
                        expected.exit = e.trim().parse().expect("exit: a number");
                    } else if !line.trim().is_empty() {
                        panic!("unexpected line in an expected file: {line}");
                    }
                }
            },
        }
    }
    expected
}

fn render(e: &Expected) -> String {
    let mut out = String::new();
    if let Some(g) = &e.graph {
        out.push_str(&format!("graph: {g}\n"));
    }
    if e.command != "run" {
        out.push_str(&format!("command: {}\n", e.command));
    }
    if e.args.iter().any(|a| a.is_empty() || a.contains(char::is_whitespace)) {
        for a in &e.args {
            out.push_str(&format!("arg: {a}\n"));
        }
    } else if !e.args.is_empty() {
        out.push_str(&format!("args: {}\n", e.args.join(" ")));
    }
    for (k, v) in &e.env {
        out.push_str(&format!("env: {k}={v}\n"));
    }
    if let Some(m) = e.max_rss_kib {
        out.push_str(&format!("max-rss-kib: {m}\n"));
    }
    out.push_str(&format!("exit: {}\n", e.exit));
    if !e.stdout.is_empty() {
        out.push_str("--- stdout\n");
        out.push_str(&e.stdout);
    }
    if !e.stderr.is_empty() {
        out.push_str("--- stderr\n");
        out.push_str(&e.stderr);
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/cases exists")
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "expected") {
            out.push(path);
        }
    }
}

/// No case may run longer than this: a hang is a failure, not a stuck test run.
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// Waits for the child, killing it after `limit`.
fn wait_bounded(child: Child, limit: Duration) -> Result<Output, String> {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.map_err(|e| e.to_string()),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            Err(format!("the run did not end within {limit:?} and was killed"))
        }
    }
}

/// Checks `--stats` output against the memory bound and makes it comparable: the peak
/// memory and the time differ from run to run.
fn stats_checked(stderr: &str, max_rss_kib: Option<u64>) -> Result<String, String> {
    let mut out = String::new();
    for line in stderr.lines() {
        if let Some(peak) = line.strip_prefix("stats: peak resident memory ") {
            let kib: u64 = peak
                .trim_end_matches(" KiB")
                .parse()
                .map_err(|_| format!("unreadable stats line: {line}"))?;
            let bound = max_rss_kib.ok_or("a case with --stats needs `max-rss-kib:`")?;
            if kib > bound {
                return Err(format!(
                    "peak resident memory {kib} KiB is over the bound of {bound} KiB"
                ));
            }
            out.push_str("stats: peak resident memory within max-rss-kib\n");
        } else if line.starts_with("stats: ran for ") {
            out.push_str("stats: ran for (time)\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Runs one case; `Err` describes how it differs.
fn run_case(case: &Path, update: bool) -> Result<(), String> {
    let expected = parse_expected(&std::fs::read_to_string(case).unwrap());
    let file = match &expected.graph {
        Some(g) => g.clone(),
        None => case
            .with_extension("ron")
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string(),
    };
    let mut args = Vec::new();
    let mut peer_addr = None;
    for arg in &expected.args {
        if arg.contains("{python}") {
            let addr =
                python_addr().map_err(|e| format!("this case needs the Python peer, which did not start: {e}"))?;
            args.push(arg.replace("{python}", &addr));
            peer_addr = Some(addr);
        } else {
            args.push(arg.clone());
        }
    }
    // The peer's port differs from run to run: outputs name it as {python}.
    let unport = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        match peer_addr.as_deref() {
            Some(addr) => text.replace(addr, "{python}"),
            None => text,
        }
    };
    let child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(case.parent().unwrap())
        .arg(&expected.command)
        .arg(&file)
        .args(&args)
        .envs(expected.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphrun runs");
    let output = wait_bounded(child, CASE_LIMIT)?;
    let actual = Expected {
        graph: expected.graph.clone(),
        command: expected.command.clone(),
        args: expected.args.clone(),
        env: expected.env.clone(),
        exit: output.status.code().unwrap_or(-1),
        stdout: unport(&output.stdout),
        stderr: stats_checked(&unport(&output.stderr), expected.max_rss_kib)?,
        max_rss_kib: expected.max_rss_kib,
    };
    let (want, got) = (render(&expected), render(&actual));
    if want == got {
        return Ok(());
    }
    if update {
        std::fs::write(case, got).unwrap();
        return Ok(());
    }
    Err(format!("--- expected\n{want}--- actual\n{got}"))
}

/// The Python peer's `127.0.0.1:PORT`, starting it if this is the first case to ask.
fn python_addr() -> Result<String, String> {
    let peer = PEER.get_or_init(|| PythonPeer::start().map(|p| Mutex::new(Some(p))));
    let peer = peer.as_ref().map_err(Clone::clone)?;
    let guard = peer.lock().unwrap();
    Ok(guard
        .as_ref()
        .expect("the peer runs until every case has run")
        .addr
        .clone())
}

/// A case run again another way, which must give what the case expects.
#[derive(Clone, Copy)]
enum Again {
    /// With `--trace`: the interpreter's one loop runs traced runs too, through an
    /// observer. The same stdout, the same stderr once the trace lines are taken out, the
    /// same exit.
    Traced,
    /// With the intrinsic instructions off (`--no-intrinsics`): every standard node runs
    /// through its implementation, so an instruction that does other than its node's
    /// closure shows. The same stdout, stderr and exit.
    Closures,
}

fn run_again(case: &Path, again: Again) -> Result<(), String> {
    let expected = parse_expected(&std::fs::read_to_string(case).unwrap());
    let file = expected.graph.clone().unwrap_or_else(|| {
        let file = case.with_extension("ron");
        file.file_name().unwrap().to_string_lossy().into_owned()
    });
    let flag = match again {
        Again::Traced => "--trace",
        Again::Closures => "--no-intrinsics",
    };
    let mut args = Vec::new();
    let mut peer_addr = None;
    for arg in &expected.args {
        if arg.contains("{python}") {
            let addr = python_addr().map_err(|e| format!("the Python peer did not start: {e}"))?;
            // The peer closes the first connection to a `close-once` id only: this run's
            // ids are its own.
            let arg = arg.replace("close-once?id=", &format!("close-once?id={flag}-"));
            args.push(arg.replace("{python}", &addr));
            peer_addr = Some(addr);
        } else {
            args.push(arg.clone());
        }
    }
    let child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(case.parent().unwrap())
        .arg("run")
        .arg(&file)
        .args(&args)
        .arg(flag)
        .envs(expected.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_bounded(child, CASE_LIMIT)?;
    let unport = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        match peer_addr.as_deref() {
            Some(addr) => text.replace(addr, "{python}"),
            None => text,
        }
    };
    let stdout = unport(&output.stdout);
    if stdout != expected.stdout {
        return Err(format!("stdout {flag}:\n{stdout}\nexpected:\n{}", expected.stdout));
    }
    let stderr = stats_checked(&unport(&output.stderr), expected.max_rss_kib)?;
    let errors: String = stderr
        .lines()
        .filter(|l| !(matches!(again, Again::Traced) && l.starts_with("trace: ")))
        .map(|l| format!("{l}\n"))
        .collect();
    if errors != expected.stderr {
        return Err(format!(
            "stderr {flag} (without trace lines):\n{errors}\nexpected:\n{}",
            expected.stderr
        ));
    }
    if output.status.code() != Some(expected.exit) {
        return Err(format!(
            "exit {flag} {:?}, expected {}",
            output.status.code(),
            expected.exit
        ));
    }
    Ok(())
}

/// One test per case (`cargo test --test cases NAME` runs those whose name holds NAME),
/// and, for each case that runs a graph, one with the intrinsics off (`closures/...`), and
/// for each such `std`, `stdlib`, `semantics` and `functions` case one traced (`traced/...`);
/// in parallel.
fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases = Vec::new();
    collect(&root, &mut cases);
    assert!(
        cases.len() >= 50,
        "expected the case folders to hold at least 50 cases, found {}",
        cases.len()
    );
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let name = |case: &Path| {
        case.strip_prefix(&root)
            .unwrap()
            .with_extension("")
            .display()
            .to_string()
    };
    let mut trials = Vec::new();
    for case in &cases {
        let path = case.clone();
        trials.push(Trial::test(name(case), move || {
            run_case(&path, update).map_err(Failed::from)
        }));
    }
    let mut closures = 0;
    for case in &cases {
        let expected = parse_expected(&std::fs::read_to_string(case).unwrap());
        if expected.command != "run" {
            continue;
        }
        let path = case.clone();
        trials.push(Trial::test(format!("closures/{}", name(case)), move || {
            run_again(&path, Again::Closures).map_err(Failed::from)
        }));
        closures += 1;
        let traced = ["std", "stdlib", "semantics", "functions"]
            .iter()
            .any(|dir| case.starts_with(root.join(dir)));
        if !traced || expected.stderr.contains("1000000 loop iterations") {
            continue;
        }
        let path = case.clone();
        trials.push(Trial::test(format!("traced/{}", name(case)), move || {
            run_again(&path, Again::Traced).map_err(Failed::from)
        }));
    }
    assert!(
        closures >= 100,
        "only {closures} cases run again with the intrinsics off"
    );
    let conclusion = libtest_mimic::run(&Arguments::from_args(), trials);
    // Stop the Python peer, if a case started it.
    if let Some(Ok(peer)) = PEER.get() {
        drop(peer.lock().unwrap().take());
    }
    conclusion.exit();
}
