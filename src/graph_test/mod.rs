//! `graphrun test`: finds `*.test.ron` files (see `docs/testing.md`) and runs them with
//! `graphrun_testing::run_test` on the machine's cores; one line per test, then
//! `N passed, M failed`. And `graphrun replay`'s output.

use std::path::{Path, PathBuf};

/// The most test files one run looks at.
const MOST_FILES: usize = 100_000;

/// Every `*.test.ron` under `path` (a file named on the command line is itself), in name
/// order, through the one walk over a folder's `.ron` files (`files::ron_files`): hidden
/// folders and `target/` skipped, symbolic links not followed. A named path that is not a
/// regular file or a folder (a device, a FIFO) is an error.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    if !meta.is_dir() {
        return Err(format!("`{}` is not a regular file or a folder", path.display()));
    }
    let mut files = Vec::new();
    for (folder, why) in graphrun_format::files::ron_files(path, &mut files, MOST_FILES) {
        eprintln!("warning: skipped `{}`: {why}", folder.display());
    }
    if files.len() >= MOST_FILES {
        eprintln!("warning: looked at the first {MOST_FILES} .ron files only");
    }
    out.extend(files.into_iter().filter(|f| f.to_string_lossy().ends_with(".test.ron")));
    Ok(())
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
        if let Err(why) = collect(root, &mut files) {
            eprintln!("error: {why}");
            return 2;
        }
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
