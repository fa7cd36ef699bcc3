//! The data-driven runner. Every `NAME.ron` under `tests/cases/` runs beside
//! `NAME.expected`, which says how to run it and what it must give:
//!
//! ```text
//! args: --set Count=3 --timeout 1     (optional: more arguments after `run NAME.ron`)
//! command: check                      (optional: `check NAME.ron` instead of `run`)
//! exit: 0
//! --- stdout
//! lines the graph prints
//! --- stderr
//! diagnostics, runtime errors, warnings
//! ```
//!
//! A section left out must be empty. The command runs in the case's folder, so positions
//! read `NAME.ron:LINE:COL`. `UPDATE_EXPECT=1 cargo test` rewrites the expected files
//! from what the cases give (read the diff before committing it).

use std::path::{Path, PathBuf};
use std::process::Command;

struct Expected {
    command: String,
    args: Vec<String>,
    exit: i32,
    stdout: String,
    stderr: String,
}

fn parse_expected(text: &str) -> Expected {
    let mut expected = Expected {
        command: "run".into(),
        args: Vec::new(),
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
                    if let Some(a) = line.strip_prefix("args:") {
                        expected.args = a.split_whitespace().map(String::from).collect();
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
    if e.command != "run" {
        out.push_str(&format!("command: {}\n", e.command));
    }
    if !e.args.is_empty() {
        out.push_str(&format!("args: {}\n", e.args.join(" ")));
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
        } else if path.extension().is_some_and(|e| e == "ron") && path.with_extension("expected").exists() {
            out.push(path);
        }
    }
}

/// Runs one case; `Err` describes how it differs.
fn run_case(case: &Path, update: bool) -> Result<(), String> {
    let expected_path = case.with_extension("expected");
    let expected = parse_expected(&std::fs::read_to_string(&expected_path).unwrap());
    let file = case.file_name().unwrap().to_str().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(case.parent().unwrap())
        .arg(&expected.command)
        .arg(file)
        .args(&expected.args)
        .output()
        .expect("graphrun runs");
    let actual = Expected {
        command: expected.command.clone(),
        args: expected.args.clone(),
        exit: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    let (want, got) = (render(&expected), render(&actual));
    if want == got {
        return Ok(());
    }
    if update {
        std::fs::write(&expected_path, got).unwrap();
        return Ok(());
    }
    Err(format!("--- expected\n{want}--- actual\n{got}"))
}

#[test]
fn graph_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases = Vec::new();
    collect(&root, &mut cases);
    assert!(
        cases.len() >= 50,
        "expected the case folders to hold at least 50 cases, found {}",
        cases.len()
    );
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let result = run_case(case, update);
                results
                    .lock()
                    .unwrap()
                    .push((case.strip_prefix(&root).unwrap().display().to_string(), result));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let failures: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    for (name, result) in &results {
        eprintln!("case {name} ... {}", if result.is_ok() { "ok" } else { "FAILED" });
    }
    for (name, result) in &failures {
        eprintln!("\n=== {name}\n{}", result.as_ref().unwrap_err());
    }
    eprintln!(
        "{} cases: {} passed, {} failed",
        results.len(),
        results.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} graph cases failed",
        failures.len(),
        results.len()
    );
}
