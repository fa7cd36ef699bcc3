//! The language server's speed on a large graph, as an editor meets it: `graphrun lsp` (the
//! release binary, as a process) with a 2,000-node graph open. Each diagnostics sample is
//! one change typed into the file (a literal changed, as an incremental change), timed
//! from sending it until the diagnostics of that version arrive; each completion sample is
//! a completion asked inside a node's type and inside a `Link`, timed until the answer.
//! The goals (issue 22): diagnostics within 100 ms of a change, completion within 20 ms.
//! Prints one line each, as scripts/compare.sh does.
//!
//! `lsp [SAMPLES]`; needs `target/release/graphrun` (cargo build --release).

#[path = "../../../tests/lsp/client.rs"]
#[allow(dead_code)]
mod client;

use std::path::Path;
use std::time::Instant;

use client::{position, Client};
use graphrun_bench::placed_graph;
use serde_json::json;

fn summary(name: &str, goal: f64, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: median={:.1} ms p90={:.1} ms max={:.1} ms samples={} goal={goal} ms {}",
        at(0.5),
        at(0.9),
        ms[ms.len() - 1],
        ms.len(),
        if at(0.9) <= goal { "met" } else { "NOT MET" }
    );
}

fn main() {
    let samples: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(30);
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/graphrun");
    assert!(
        bin.exists(),
        "build it first: cargo build --release ({})",
        bin.display()
    );
    let dir = std::env::temp_dir().join(format!("graphrun-lsp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = placed_graph();
    assert_eq!(text.matches("(node: ").count(), 2_000);
    let path = dir.join("big.ron");
    std::fs::write(&path, &text).unwrap();

    let mut lsp = Client::start_with(&bin, &dir);
    let uri = lsp.open(&path, &text);
    lsp.diagnostics(&uri, |_| true);

    // Diagnostics: a change typed, until its version's diagnostics are published.
    let mut checks = Vec::new();
    for i in 0..samples {
        let version = i as i32 + 2;
        let (from, to) = (format!("\"B\": {i}}}"), format!("\"B\": {}}}", i + 10_000));
        let started = Instant::now();
        lsp.change(&uri, &mut text, version, &from, &to);
        lsp.wait_for_version(&uri, version);
        checks.push(started.elapsed().as_secs_f64() * 1e3);
    }
    summary("lsp diagnostics after a change (a 2,000-node file)", 100.0, checks);

    // Completion: a node type, and a node id in a Link, deep in the file.
    let mut completions = Vec::new();
    for i in 0..samples {
        let node = 900 + i % 90;
        let (marker, within) = if i % 2 == 0 {
            (format!("\"p{node}\": (node: \"Print String\""), 16)
        } else {
            (format!("Link(\"a{node}\""), 6)
        };
        let params = json!({"textDocument": {"uri": uri}, "position": position(&text, &marker, within)});
        let started = Instant::now();
        let answer = lsp.request("textDocument/completion", params);
        completions.push(started.elapsed().as_secs_f64() * 1e3);
        assert!(!client::labels(&answer).is_empty());
    }
    summary("lsp completion (a 2,000-node file)", 20.0, completions);
    lsp.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
