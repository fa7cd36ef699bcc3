//! `graphrun test` itself: the project's graphs' tests pass, the runner's own cases pass,
//! a wrong expectation and a mismatched server step fail with messages that point at the
//! cause, a broken test file is a load error, and results do not depend on the machine's
//! load.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn graphrun_test(paths: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(ROOT)
        .arg("test")
        .args(paths)
        .output()
        .expect("graphrun runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_projects_graph_tests_pass() {
    let out = graphrun_test(&["graphs"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.ends_with("7 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn the_runners_own_cases_pass() {
    let out = graphrun_test(&["tests/graph_tests/pass"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("ok an hour of Delay in virtual time ("), "{stdout}");
    assert!(
        stdout.contains("ok backoff across refused and lost connections ("),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok a refused connection reads as a server that is down ("),
        "{stdout}"
    );
    assert!(stdout.ends_with("9 passed, 0 failed\n"), "{stdout}");
}

/// Issue 24, 14 (testing.md section 5): a line printed at the wrong time and a server step
/// that ended at the wrong time fail, naming the line, the connection and the step.
#[test]
fn lines_and_steps_at_the_wrong_virtual_time_fail_naming_them() {
    let out = graphrun_test(&["tests/graph_tests/fail/wrong_times.test.ron"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "FAILED wrong times\n    output line 3 \"connected at 3.0\": expected at 2 s, printed at 3 s\n    server.test connection 3 step 4: expected the step before to end at 3 s, it ended at 3.5 s\n0 passed, 1 failed\n"
    );
}

/// Issue 24, 14: every mistake in a test file in one run, each at its place with its code
/// and the nearest known name (a step, a field, a variable, a host, a Custom Event, a param).
#[test]
fn every_mistake_in_a_test_file_is_reported_at_once_with_the_nearest_name() {
    let out = graphrun_test(&["tests/graph_tests/fail/many_mistakes.test.ron"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let at = "tests/graph_tests/fail/many_mistakes.test.ron";
    for line in [
        "3:11: error[E0114]: in `set`: no variable `Urll` in graph `Backoff`; did you mean `Url`?",
        "3:47: error[E0002]: `set` of `Url` names host `server.tst`, which has no server (the run would take Url Blocked); did you mean `server.test`?",
        "3:78: error[E0104]: `set` of `Backoff`: variable `Backoff` is Float",
        "6:14: error[E0002]: no server step `Acept`; did you mean `Accept`?",
        "6:26: error[E0002]: the wait is -1 s",
        "7:22: error[E0002]: `Refuse` is a script of its own, `[Refuse]`",
        "10:29: error[E0111]: graph `Backoff` has no Custom Event `conected` to fire; did you mean `connected`?",
        "10:76: error[E0102]: Custom Event `failed` has no param `Eror`; did you mean `Error`?",
        "11:5: error[E0002]: unknown field `timeot` in Test; did you mean `timeout`?",
        "12:23: error[E0002]: expected an output line as `\"text\"` or `At(SECONDS, \"text\")`",
    ] {
        assert!(stderr.contains(&format!("{at}:{line}")), "{line}\n{stderr}");
    }
}

#[test]
fn a_wrong_expected_line_fails_naming_the_line() {
    let out = graphrun_test(&["tests/graph_tests/fail/wrong_output.test.ron"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "FAILED a wrong expected line\n    output line 2: expected \"quit at 1.0\", got \"quit at 0.0\"\n    the output was:\n        \"connected\"\n        \"quit at 0.0\"\n0 passed, 1 failed\n"
    );
}

#[test]
fn a_mismatched_server_step_fails_naming_the_step() {
    let out = graphrun_test(&["tests/graph_tests/fail/wrong_step.test.ron"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("    server.test step 2: expected \"hello\", received \"goodbye\"\n"),
        "{stdout}"
    );
}

#[test]
fn a_broken_test_file_is_a_load_error_with_its_position() {
    let out = graphrun_test(&["tests/graph_tests/fail/bad_file.test.ron"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("tests/graph_tests/fail/bad_file.test.ron:3:31: error[E0002]: no server step `Greet`"),
        "{stderr}"
    );
    assert!(stderr.contains("missing field `expect`"), "{stderr}");
}

#[test]
fn a_message_that_cannot_be_json_is_an_error_at_its_place() {
    let out = graphrun_test(&["tests/graph_tests/fail/bad_json.test.ron"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("tests/graph_tests/fail/bad_json.test.ron:3:41: error[E0104]: a message's JSON:"),
        "{stderr}"
    );
}

#[test]
fn results_are_the_same_every_run_while_the_machine_is_loaded() {
    // Load every core with busy work while the suite runs 50 times.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let busy: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get()))
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();
    // The times each test took differ; the rest must not.
    let results = |out: &Output| -> String {
        text(&out.stdout)
            .lines()
            .map(|l| l.split(" (").next().unwrap_or(l).to_string() + "\n")
            .collect()
    };
    let first = results(&graphrun_test(&["graphs", "tests/graph_tests/pass"]));
    assert!(first.ends_with("16 passed, 0 failed\n"), "{first}");
    for run in 1..50 {
        let again = results(&graphrun_test(&["graphs", "tests/graph_tests/pass"]));
        assert_eq!(again, first, "run {run} differs");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for thread in busy {
        thread.join().unwrap();
    }
    assert!(Path::new(ROOT).join("graphs").is_dir());
}

/// A folder of test files with a link back to itself and a `*.test.ron` linked to a device:
/// the walk follows no link, so it ends, and runs only the real test.
#[test]
fn the_folder_walk_follows_no_symbolic_link_and_a_path_that_is_not_a_file_is_an_error() {
    let dir = std::env::temp_dir().join(format!("graphrun-test-walk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("hello.ron"),
        r#"Graph(format: 1, name: "Hello", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": "hello"}),
        })"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("hello.test.ron"),
        r#"Test(format: 1, name: "says hello", graph: "hello.ron", expect: (output: ["hello"]))"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.test.ron")).unwrap();
    let out = graphrun_test(&[dir.to_str().unwrap()]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("1 passed, 0 failed") && !said.contains("zero"), "{said}");
    assert_eq!(out.status.code(), Some(0), "{said}");
    // Named on the command line, a path that is not a regular file or a folder is an error.
    let out = graphrun_test(&[dir.join("zero.test.ron").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not a regular file"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Times a test file cannot mean are load errors at their place (exit 2): a Wait of 1e300
/// seconds panicked, a negative one was taken as 0, and an event fired at 1e300 s was
/// silently never fired, so the test passed.
#[test]
fn impossible_times_in_a_test_file_are_load_errors_with_their_positions() {
    let dir = std::env::temp_dir().join(format!("graphrun-test-times-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graphs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph_tests/graphs/client.ron");
    let cases = [
        (
            "wait.test.ron",
            r#"servers: {"server.test": [Wait(1e300)]},"#,
            "the wait is 1e300 s",
        ),
        (
            "negative.test.ron",
            r#"servers: {"server.test": [Wait(-1.0)]},"#,
            "the wait is -1 s",
        ),
        (
            "at.test.ron",
            r#"fire: [(at: 1e300, event: "Ping")],"#,
            "`at` is 1e300 s",
        ),
        (
            "late.test.ron",
            r#"timeout: 5.0, fire: [(at: 10.0, event: "Ping")],"#,
            "after the test's timeout",
        ),
    ];
    for (name, fields, said) in cases {
        let file = format!(
            "Test(format: 1, name: \"times\", graph: {:?},\n    {fields}\n    expect: (output: [\"connected\"]),\n)",
            graphs.display().to_string()
        );
        std::fs::write(dir.join(name), file).unwrap();
        let out = graphrun_test(&[dir.join(name).to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}{}", text(&out.stdout));
        assert!(
            err.contains(said) && err.contains(&format!("{name}:2:")),
            "{name}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A record's times and sizes are bounded as a live run's are: a negative time, one of
/// 1e18 seconds and a binary message of 99,999,999,999,999 bytes are refused by line.
#[test]
fn a_crafted_record_is_refused_at_its_line() {
    let dir = std::env::temp_dir().join(format!("graphrun-replay-crafted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graph = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph_tests/graphs/client.ron");
    let head = format!(r#"{{"record": 1, "graph": {:?}}}"#, graph.display().to_string());
    let cases = [
        (
            r#"{"t": -1.0, "conn": 1, "connect": "ws://server.test/"}"#,
            "`t` is -1.0",
        ),
        (
            r#"{"t": 1e18, "conn": 1, "connect": "ws://server.test/"}"#,
            "`t` is 1e+18",
        ),
        (
            r#"{"t": 0.5, "conn": 1, "received_binary": 99999999999999}"#,
            "`received_binary` is 99999999999999 bytes",
        ),
    ];
    // Not a regular file, or empty: refused, not read.
    for (path, said) in [("/dev/zero", "it is not a regular file"), ("", "not a graphrun record")] {
        let path = if path.is_empty() {
            let empty = dir.join("empty.jsonl");
            std::fs::write(&empty, "").unwrap();
            empty
        } else {
            std::path::PathBuf::from(path)
        };
        let out = Command::new(env!("CARGO_BIN_EXE_graphrun"))
            .args(["replay", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(said), "{}", text(&out.stderr));
    }
    for (i, (line, said)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("r{i}.jsonl"));
        let opened = r#"{"t": 0.0, "conn": 1, "connect": "ws://server.test/"}"#;
        std::fs::write(&path, format!("{head}\n{opened}\n{line}\n")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_graphrun"))
            .args(["replay", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line}: {err}");
        assert!(err.contains("line 3:") && err.contains(said), "{line}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A record with no end (no exit, no stop) of a graph that never ends by itself: the
/// replay stops where the record ends (exit 4, "the record ends here") instead of running
/// its virtual clock forever at full speed.
#[test]
fn a_replay_never_runs_past_its_record() {
    let dir = std::env::temp_dir().join(format!("graphrun-replay-end-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graph = dir.join("ticker.ron");
    std::fs::write(
        &graph,
        r#"Graph(format: 1, name: "Ticker", variables: {"N": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
            "timer": (node: "Set Timer by Event", inputs: {"Event": Event("tick"), "Time": 1.0, "Looping": true}),
            "tick": (node: "Custom Event", exec: {"then": "count"}),
            "count": (node: "Increment", var: "N"),
        })"#,
    )
    .unwrap();
    let record = dir.join("r.jsonl");
    std::fs::write(
        &record,
        format!(
            "{{\"record\": 1, \"graph\": {:?}}}\n{{\"t\": 2.0, \"conn\": 1, \"connect\": \"ws://nowhere.test/\"}}\n",
            graph.display().to_string()
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["replay", record.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: a replay that runs on is killed and fails the test.
    let out = crate::bounded::output_within(child, std::time::Duration::from_secs(30))
        .expect("the replay ran past its record");
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert!(said.contains("the record ends here"), "{said}");
    std::fs::remove_dir_all(&dir).unwrap();
}
