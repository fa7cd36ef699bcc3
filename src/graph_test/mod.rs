//! `graphrun test`: finds `*.test.ron` files (see `docs/testing.md`) and runs them with
//! `graphrun_testing::run_test` on the machine's cores; one line per test, then
//! `N passed, M failed`. And `graphrun replay`'s output.

use std::path::{Path, PathBuf};

/// Every `*.test.ron` under `path` (a file is itself), in name order; `target/` and hidden
/// folders are skipped.
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if entry.is_dir() {
            if name != "target" && !name.starts_with('.') {
                collect(&entry, out);
            }
        } else if name.ends_with(".test.ron") {
            out.push(entry);
        }
    }
}

/// Runs the tests under `paths` (default: the current folder); the exit status: 0 all
/// passed, 1 one failed, 2 a test file or its graph did not load.
pub fn run_tests(paths: &[PathBuf]) -> u8 {
    let mut files = Vec::new();
    let roots: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for root in &roots {
        if !root.exists() {
            eprintln!("error: no file or folder `{}`", root.display());
            return 2;
        }
        collect(root, &mut files);
    }
    // Each test runs on its own thread and runtime; the results come back in file order.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<graphrun_testing::Outcome, String>>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(file) = files.get(i) else { break };
                let result = std::panic::catch_unwind(|| graphrun_testing::run_test(file).map_err(String::from))
                    .unwrap_or_else(|_| Err(format!("{}: error: the test runner panicked", file.display())));
                *results[i].lock().unwrap() = Some(result);
            });
        }
    });
    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    for result in results {
        match result.into_inner().unwrap().expect("every test ran") {
            Ok(outcome) if outcome.reasons.is_empty() => {
                passed += 1;
                println!("ok {} ({:.2} s)", outcome.name, outcome.seconds);
            }
            Ok(outcome) => {
                failed += 1;
                println!("FAILED {}", outcome.name);
                for reason in &outcome.reasons {
                    println!("    {reason}");
                }
            }
            Err(diagnostics) => {
                broken += 1;
                eprint!("{diagnostics}");
                if !diagnostics.ends_with('\n') {
                    eprintln!();
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if broken > 0 {
        2
    } else if failed > 0 {
        1
    } else {
        0
    }
}

/// `graphrun replay RUN.jsonl`: the run's output, then its exit status, or what departs
/// from the record and 4; 2 if the record or its graph cannot be read.
pub fn replay(path: &Path, trace: bool) -> u8 {
    match graphrun_testing::replay(path, std::sync::Arc::new(graphrun::StdioHost), trace) {
        Err(e) => {
            let e = e.to_string();
            eprint!("{e}");
            if !e.ends_with('\n') {
                eprintln!();
            }
            2
        }
        Ok(replayed) if replayed.departures.is_empty() => replayed.exit,
        Ok(replayed) => {
            eprintln!("graphrun replay: the run departs from {}:", path.display());
            for departure in &replayed.departures {
                eprintln!("    {departure}");
            }
            graphrun_testing::EXIT_DEPARTED
        }
    }
}
