//! The one helper every test file that starts processes shares, included by `#[path]`
//! (tests/studio.rs, tests/graph_cases/support.rs, tests/lsp/client.rs, and the benchmark
//! that borrows the last).

/// Where a child process of the tests writes its stderr: a file under the tests' own
/// scratch folder (`target/tmp/logs`), kept for a failure to be looked into, so a passing
/// run prints nothing of it.
pub fn child_log(name: &str) -> std::process::Stdio {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    // Integration tests have their scratch folder; a benchmark that borrows this file, the
    // system's.
    let dir = option_env!("CARGO_TARGET_TMPDIR")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from)
        .join("logs");
    let _ = std::fs::create_dir_all(&dir);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    match std::fs::File::create(dir.join(format!("{name}-{}-{n}.log", std::process::id()))) {
        Ok(file) => file.into(),
        Err(_) => std::process::Stdio::null(),
    }
}
