//! `graphrun swarm` as a process, against an echo server in the test's process: exact
//! counts in the report, thresholds met and not (exit 0 and 99), four `--segment` parts
//! merged equal to one process, runtime errors by node, `--duration` and `--output`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-swarm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn swarm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(ROOT)
        .arg("swarm")
        .args(args)
        .output()
        .expect("graphrun runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An echo server on loopback in this process, for as long as the runtime lives.
fn echo_server() -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (addr, server) = runtime
        .block_on(graphrun_socket::echo::bind(([127, 0, 0, 1], 0).into()))
        .unwrap();
    runtime.spawn(server);
    (runtime, format!("Url=ws://{addr}/"))
}

/// The bytes the swarm client sends in all: "hello from N" ten times per instance.
fn greeting_bytes(instances: u64) -> u64 {
    (0..instances)
        .map(|n| format!("hello from {n}").len() as u64 * 10)
        .sum()
}

#[test]
fn a_thousand_clients_against_an_echo_server_are_counted_exactly() {
    let (_server, url) = echo_server();
    let dir = scratch("thousand");
    let out = dir.join("report.json");
    let run = swarm(&[
        "graphs/swarm_client.ron",
        "--instances",
        "1000",
        "--ramp",
        "0.5",
        "--set",
        &url,
        "--out",
        out.to_str().unwrap(),
        "--csv",
        dir.join("seconds.csv").to_str().unwrap(),
        "--plot",
        dir.join("reply.svg").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    let r = report(&out);
    assert_eq!(r["instances"], 1000);
    assert_eq!(r["started"], 1000);
    assert_eq!(r["ended"], serde_json::json!({"quit": 1000}));
    assert_eq!(r["connect"], serde_json::json!({"Connecting": 1000}));
    assert_eq!(r["closes"], serde_json::json!({"1000": 1000}));
    let bytes = greeting_bytes(1000);
    assert_eq!(
        r["messages"],
        serde_json::json!({"sent": 10000, "sent_bytes": bytes, "received": 10000, "received_bytes": bytes})
    );
    assert_eq!(r["histograms"]["reply"]["count"], 10000);
    assert_eq!(r["histograms"]["handshake"]["count"], 1000);
    assert_eq!(r["counters"], serde_json::json!({"finished": 1000}));
    assert_eq!(r["runtime_errors"], serde_json::json!({}));
    let summary = text(&run.stdout);
    assert!(summary.contains("ended quit 1000"), "{summary}");
    assert!(summary.contains("reply      p50 "), "{summary}");
    // A row per second, whose messages add up to the totals.
    let csv = std::fs::read_to_string(dir.join("seconds.csv")).unwrap();
    let received: u64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(received, 10000, "{csv}");
    let plot = std::fs::read_to_string(dir.join("reply.svg")).unwrap();
    assert!(plot.starts_with("<svg") && plot.contains("class=\"p95\""), "{plot}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn thresholds_met_exit_0_and_one_not_met_exits_99_naming_it() {
    let (_server, url) = echo_server();
    let common = ["graphs/swarm_client.ron", "--instances", "20", "--set", &url];
    let met = swarm(
        &[
            &common[..],
            &[
                "--threshold",
                "messages_received == 200",
                "--threshold",
                "connect_errors == 0",
            ],
        ]
        .concat(),
    );
    assert_eq!(met.status.code(), Some(0), "{}", text(&met.stdout));
    assert!(text(&met.stdout).contains("every threshold met (2)"));
    let unmet = swarm(
        &[
            &common[..],
            &[
                "--threshold",
                "messages_received > 200",
                "--threshold",
                "reply_p99 < 10",
            ],
        ]
        .concat(),
    );
    assert_eq!(unmet.status.code(), Some(99), "{}", text(&unmet.stdout));
    let stdout = text(&unmet.stdout);
    assert!(
        stdout.contains("threshold not met: messages_received > 200 (it is 200)"),
        "{stdout}"
    );
    assert!(!stdout.contains("threshold not met: reply_p99"), "{stdout}");
    let wrong = swarm(&[&common[..], &["--threshold", "reply_p59 < 1"]].concat());
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("no figure `reply_p59`; did you mean"),
        "{}",
        text(&wrong.stderr)
    );
}

#[test]
fn four_segments_merged_equal_one_process() {
    let dir = scratch("segments");
    let whole = dir.join("whole.json");
    let run = swarm(&[
        "tests/swarm/faulty.ron",
        "--instances",
        "1000",
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let parts: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("part{i}.json"))).collect();
    for (i, part) in parts.iter().enumerate() {
        let run = swarm(&[
            "tests/swarm/faulty.ron",
            "--instances",
            "1000",
            "--segment",
            &format!("{i}/4"),
            "--out",
            part.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    }
    let merged = dir.join("merged.json");
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    args.extend([
        "--out",
        merged.to_str().unwrap(),
        "--threshold",
        "runtime_errors == 100",
    ]);
    let merge = swarm(&args);
    assert_eq!(
        merge.status.code(),
        Some(0),
        "{}{}",
        text(&merge.stdout),
        text(&merge.stderr)
    );
    let (w, m) = (report(&whole), report(&merged));
    for field in [
        "instances",
        "started",
        "ended",
        "runtime_errors",
        "counters",
        "messages",
    ] {
        assert_eq!(w[field], m[field], "{field}");
    }
    assert_eq!(m["parts"], serde_json::json!([0, 1, 2, 3]));
    assert_eq!(m["ended"], serde_json::json!({"idle": 900, "runtime_error": 100}));
    // Every instance recorded its number: the merged histogram is the whole one's.
    let (wh, mh) = (&w["histograms"]["metric.n"], &m["histograms"]["metric.n"]);
    assert_eq!(wh["count"], 1000);
    assert_eq!(wh, mh, "the merged histogram is the one process's");
    let summary = text(&merge.stdout);
    let p99 = |s: &str| -> f64 {
        let line = s.lines().find(|l| l.contains("metric.n:")).unwrap();
        line.split("p99 ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let exact = 989.0; // the 990th of 0..999
    assert!((p99(&summary) - exact).abs() / exact < 0.01, "{summary}");
    assert!((p99(&text(&run.stdout)) - exact).abs() / exact < 0.01);
    // Parts missing, or one given twice, are said.
    let partial = swarm(&["merge", parts[0].to_str().unwrap(), parts[1].to_str().unwrap()]);
    assert!(
        text(&partial.stderr).contains("warning: the reports hold parts [0, 1] of 4: the swarm is not whole"),
        "{}",
        text(&partial.stderr)
    );
    let twice = swarm(&["merge", parts[0].to_str().unwrap(), parts[0].to_str().unwrap()]);
    assert!(
        text(&twice.stderr).contains("a part given twice is counted twice"),
        "{}",
        text(&twice.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_in_a_tenth_of_the_instances_are_shown_by_node() {
    let run = swarm(&["tests/swarm/faulty.ron", "--instances", "200"]);
    assert_eq!(run.status.code(), Some(0));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("ended idle 180, runtime_error 20"), "{stdout}");
    assert!(stdout.contains("runtime errors 20, warnings 0"), "{stdout}");
    assert!(
        stdout.contains("      20  node `ratio` (Divide), tests/swarm/faulty.ron:12:9"),
        "{stdout}"
    );
    // The first few are shown with their instance; the rest counted.
    let stderr = text(&run.stderr);
    assert_eq!(stderr.matches("runtime error: division by zero").count(), 3, "{stderr}");
}

#[test]
fn duration_stops_every_instance_after_endplay_and_output_names_the_instance() {
    let dir = scratch("duration");
    let output = dir.join("lines.txt");
    let run = swarm(&[
        "tests/swarm/forever.ron",
        "--instances",
        "30",
        "--duration",
        "0.5",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("ended duration 30"), "{}", text(&run.stdout));
    let mut lines: Vec<String> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort_by_key(|l| l.split(' ').next().unwrap().parse::<u64>().unwrap());
    let expected: Vec<String> = (0..30).map(|n| format!("{n} bye")).collect();
    assert_eq!(lines, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--servers`: the swarm runs against a test file's in-memory servers on its virtual
/// clock: five virtual seconds of half-second replies take milliseconds, and the reply
/// time is the script's, within the histograms' 1%.
#[test]
fn a_swarm_runs_against_a_test_files_servers_in_virtual_time() {
    let dir = scratch("servers");
    let out = dir.join("report.json");
    let started = std::time::Instant::now();
    let run = swarm(&[
        "graphs/swarm_client.ron",
        "--instances",
        "200",
        "--servers",
        "tests/swarm/servers.test.ron",
        "--set",
        "Url=ws://echo.test/",
        "--out",
        out.to_str().unwrap(),
    ]);
    let wall = started.elapsed();
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    let r = report(&out);
    assert_eq!(r["ended"], serde_json::json!({"quit": 200}));
    assert_eq!(r["closes"], serde_json::json!({"1000": 200}));
    assert_eq!(r["messages"]["received"], 2000);
    assert_eq!(r["histograms"]["reply"]["count"], 2000);
    let seconds = r["seconds"].as_f64().unwrap();
    assert!((seconds - 5.0).abs() < 0.01, "{seconds} virtual seconds");
    for bucket in r["histograms"]["reply"]["buckets"].as_array().unwrap() {
        let micros = bucket[0].as_f64().unwrap();
        assert!((micros - 500_000.0).abs() / 500_000.0 < 0.01, "{bucket}");
    }
    assert!(wall < std::time::Duration::from_secs(60), "not virtual: {wall:?}");
    // A script the clients do not meet fails the swarm as a test fails, naming the step.
    let wrong = dir.join("wrong.test.ron");
    let script = std::fs::read_to_string(Path::new(ROOT).join("tests/swarm/servers.test.ron"))
        .unwrap()
        .replace("ExpectClose(code: 1000)", "ExpectClose(code: 4000)")
        .replace(
            "../../graphs/swarm_client.ron",
            &format!("{ROOT}/graphs/swarm_client.ron"),
        );
    std::fs::write(&wrong, script).unwrap();
    let run = swarm(&[
        "graphs/swarm_client.ron",
        "--instances",
        "3",
        "--servers",
        wrong.to_str().unwrap(),
        "--set",
        "Url=ws://echo.test/",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stdout));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("the servers' scripts were not met (3):"), "{stdout}");
    assert!(
        stdout.contains("echo.test step 31: expected a close with 4000, received 1000"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `graphrun swarm ARGS` (with `--output`, to a file in `dir`), sends it `signal` once
/// it listens for signals, and gives its exit status and how long it ran after the signal;
/// a swarm still running a minute after is killed and fails the test.
fn swarm_signalled(dir: &Path, args: &[&str], signal: Option<&str>) -> (Option<i32>, std::time::Duration) {
    let output = dir.join("lines.txt");
    let _ = std::fs::remove_file(&output);
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(ROOT)
        .arg("swarm")
        .args(args)
        .args(["--output", output.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    if let Some(signal) = signal {
        // The swarm catches SIGINT and SIGTERM now (its handlers are in /proc's `SigCgt`).
        while !catches_int_and_term(child.id()) {
            assert!(
                std::time::Instant::now() < deadline,
                "the swarm never listened for signals"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let pid = child.id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }
    let signalled = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the swarm ran a minute after it was to stop: {args:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    (status.code(), signalled.elapsed())
}

/// Whether process `pid` has handlers for SIGINT (2) and SIGTERM (15).
fn catches_int_and_term(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let caught = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or(0);
    caught & (1 << 1) != 0 && caught & (1 << 14) != 0
}

/// Issue 34, 3: with a ramp, the swarm waited for the next instance's start before it
/// looked at a signal or `--duration`: `--instances 2 --ramp 60 --duration 2` ran 30 s, and
/// with `--ramp 3600` SIGTERM waited half an hour.
#[test]
fn a_signal_or_the_duration_stops_a_swarm_in_the_middle_of_its_ramp() {
    let dir = scratch("ramp");
    let (status, _) = swarm_signalled(
        &dir,
        &[
            "tests/swarm/forever.ron",
            "--instances",
            "2",
            "--ramp",
            "60",
            "--duration",
            "2",
        ],
        None,
    );
    assert_eq!(status, Some(0));
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        let (status, after) = swarm_signalled(
            &dir,
            &["tests/swarm/started.ron", "--instances", "2", "--ramp", "3600"],
            Some(signal),
        );
        assert_eq!(status, Some(code), "{signal}");
        assert!(
            after < std::time::Duration::from_secs(30),
            "{signal}: ended {after:?} after it"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 34, 4: `--instances 10000000000000000000 --segment 1/2` overflowed, waited forever
/// for 1.4e19 instances and ignored SIGTERM. Past the bound it is refused; a billion over a
/// long ramp stops at a signal, the instances not started counted out.
#[test]
fn a_swarm_too_large_is_refused_and_a_huge_one_stops_at_a_signal() {
    let run = swarm(&[
        "tests/swarm/forever.ron",
        "--instances",
        "10000000000000000000",
        "--segment",
        "1/2",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("--instances 10000000000000000000: at most 1000000000"),
        "{}",
        text(&run.stderr)
    );
    let dir = scratch("huge");
    let (status, after) = swarm_signalled(
        &dir,
        &[
            "tests/swarm/started.ron",
            "--instances",
            "1000000000",
            "--segment",
            "1/2",
            "--ramp",
            "1000000",
        ],
        Some("-TERM"),
    );
    assert_eq!(status, Some(143));
    assert!(
        after < std::time::Duration::from_secs(30),
        "ended {after:?} after SIGTERM"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 34, 10: every connection refused, `reply_p95 < 0.05` said "every threshold met"
/// and exited 0: an empty histogram's percentile was 0.
#[test]
fn a_threshold_on_a_figure_with_no_samples_is_not_met() {
    let run = swarm(&[
        "graphs/swarm_client.ron",
        "--instances",
        "3",
        "--set",
        "Url=ws://127.0.0.1:1/",
        "--threshold",
        "reply_p95 < 0.05",
        "--threshold",
        "metric.login_tme.p99 < 2",
    ]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(99), "{stdout}{}", text(&run.stderr));
    assert!(
        stdout.contains("threshold not met: reply_p95 < 0.05 (no samples: no reply was timed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("threshold not met: metric.login_tme.p99 < 2 (no samples"),
        "{stdout}"
    );
}

/// Issue 34, 15: `--stats` divided the peak memory by every instance that ran, though
/// only some were alive at the peak (5.33 KiB reported, ~17 real). It divides by the most
/// alive at once, and says how many that was.
#[test]
fn stats_share_the_peak_memory_among_the_instances_alive_at_once() {
    let run = swarm(&["tests/swarm/brief.ron", "--instances", "40", "--ramp", "2", "--stats"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stats: resident memory"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let number = |after: &str| -> f64 {
        let at = line.find(after).unwrap_or_else(|| panic!("{line}")) + after.len();
        line[at..].split([' ', ')']).next().unwrap().parse().unwrap()
    };
    let (start, peak) = (number("memory "), number("instances, "));
    let alive = number("(");
    let per = number("peak: ");
    // 40 over two seconds, each alive a tenth of one: a few at once, not 40.
    assert!((1.0..20.0).contains(&alive), "{line}");
    assert!(((peak - start) / alive - per).abs() < 0.01, "{line}");
}

/// `swarm merge` adds parts of one swarm only: a report of another graph, report format,
/// instance count or segment count is refused naming the file and the difference; a file
/// that is not a regular file (a FIFO nobody writes to) is refused, not waited on; counts
/// at the top of `u64` saturate instead of wrapping.
#[test]
fn swarm_merge_refuses_parts_of_another_swarm_and_files_that_are_not_reports() {
    let dir = scratch("foreign");
    let parts: Vec<PathBuf> = (0..2).map(|i| dir.join(format!("part{i}.json"))).collect();
    for (i, part) in parts.iter().enumerate() {
        let run = swarm(&[
            "tests/swarm/faulty.ron",
            "--instances",
            "20",
            "--segment",
            &format!("{i}/2"),
            "--out",
            part.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    }
    let second = report(&parts[1]);
    let variant = |name: &str, field: &str, value: Value| -> PathBuf {
        let mut changed = second.clone();
        changed[field] = value;
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string(&changed).unwrap()).unwrap();
        path
    };
    let cases = [
        (variant("graph.json", "graph", "Other".into()), "graph `Other`, not `"),
        (variant("format.json", "format", 2.into()), "report format 2, not 1"),
        (
            variant("instances.json", "instances", 30.into()),
            "30 instances, not 20",
        ),
        (variant("of.json", "of", 3.into()), "part of 3, not of 2"),
    ];
    for (path, says) in &cases {
        let merge = swarm(&["merge", parts[0].to_str().unwrap(), path.to_str().unwrap()]);
        let err = text(&merge.stderr);
        assert_eq!(merge.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("error: {}: a part of another swarm: ", path.display())),
            "{err}"
        );
        assert!(err.contains(says), "{says}: {err}");
    }
    // A FIFO with no writer: refused at once (bounded: a wait of 20 s fails the test).
    let fifo = dir.join("fifo.json");
    crate::fifo::make(&fifo);
    let args = ["swarm", "merge", parts[0].to_str().unwrap(), fifo.to_str().unwrap()];
    let err = crate::fifo::refused(Path::new(ROOT), &args, std::time::Duration::from_secs(20));
    assert!(err.contains("it is not a regular file"), "{err}");
    // Counts at the top of u64 saturate.
    let mut huge = second.clone();
    huge["started"] = u64::MAX.into();
    huge["messages"]["sent"] = u64::MAX.into();
    let huge_path = dir.join("huge.json");
    std::fs::write(&huge_path, serde_json::to_string(&huge).unwrap()).unwrap();
    let merged = dir.join("merged.json");
    let merge = swarm(&[
        "merge",
        parts[0].to_str().unwrap(),
        huge_path.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(merge.status.code(), Some(0), "{}", text(&merge.stderr));
    let m = report(&merged);
    assert_eq!(m["started"], u64::MAX);
    assert_eq!(m["messages"]["sent"], u64::MAX);
    let _ = std::fs::remove_dir_all(&dir);
}
