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
