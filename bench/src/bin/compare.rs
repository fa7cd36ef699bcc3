//! Runs every comparison once, on this machine, and prints one line each:
//! `NAME: graphrun=X UNIT peer=Y UNIT ratio=R` (R above 1: graphrun is better).
//! `scripts/compare.sh` builds and runs it. Arguments name the comparisons to run (`loop`,
//! `calls`, `events`, `echo`, `process`, `startup`, `shapes`, `load`, `scale`); none runs
//! them all.
//!
//! `process`, `startup` and `shapes` measure as users run graphrun: the `graphrun` binary as a process
//! (`GRAPHRUN_BIN`, default `target/release/graphrun`) against a peer process, alternating,
//! medians with the spread; the others measure the runtime embedded in this process.

use std::process::Command;
use std::time::Instant;

use graphrun_bench::*;

/// The best of `runs` timings of `f`, in seconds (the least disturbed run).
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let started = Instant::now();
        let value = f();
        best = best.min(started.elapsed().as_secs_f64());
        out = Some(value);
    }
    (best, out.unwrap())
}

fn line(name: &str, graphrun: f64, peer_name: &str, peer: f64, unit: &str, higher_is_better: bool) {
    let ratio = if higher_is_better {
        graphrun / peer
    } else {
        peer / graphrun
    };
    println!("{name}: graphrun={graphrun:.0} {unit} {peer_name}={peer:.0} {unit} ratio={ratio:.3}");
}

const COMPARISONS: [&str; 12] = [
    "loop", "calls", "events", "echo", "process", "startup", "shapes", "load", "scale", "swarm", "import", "bulk",
];

fn main() {
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    if let Some(unknown) = chosen.iter().find(|c| !COMPARISONS.contains(&c.as_str())) {
        eprintln!(
            "compare: no comparison `{unknown}` (there are {})",
            COMPARISONS.join(", ")
        );
        std::process::exit(2);
    }
    let wanted = |name: &str| chosen.is_empty() || chosen.iter().any(|c| c == name);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if wanted("loop") {
        compare_loop(&rt);
    }
    if wanted("calls") {
        compare_calls(&rt);
    }
    if wanted("events") {
        compare_events(&rt);
    }
    if wanted("echo") {
        compare_echo();
    }
    if wanted("process") {
        compare_echo_processes();
    }
    if wanted("startup") {
        compare_startup();
    }
    if wanted("shapes") {
        compare_shapes();
    }
    if wanted("load") {
        compare_load();
    }
    if wanted("scale") {
        compare_scale(&rt);
    }
    if wanted("import") {
        compare_import();
    }
    if wanted("swarm") {
        compare_swarm();
    }
    if wanted("bulk") {
        compare_bulk();
    }
}

/// Work on big files as users do it, whole processes: `graphrun edit` moving N nodes of a
/// 2,000-node graph in one command, `graphrun diff` and `graphrun merge` of N-node graphs
/// with one `pos` changed (and, for merge, one input on the other side). Each at two sizes;
/// the exponent of the time's growth is the figure (1: linear), against a goal of 1.2.
fn compare_bulk() {
    let dir = std::env::temp_dir().join(format!("graphrun-bulk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let chain = |n: usize| {
        let mut text = String::from("Graph(\n    format: 1,\n    name: \"Big\",\n    nodes: {\n");
        text.push_str("        \"begin\": (node: \"Event BeginPlay\", exec: {\"then\": \"n0\"}),\n");
        for i in 0..n {
            let then = if i + 1 < n {
                format!(", exec: {{\"then\": \"n{}\"}}", i + 1)
            } else {
                String::new()
            };
            text.push_str(&format!(
                "        \"n{i}\": (node: \"Print String\", inputs: {{\"In String\": \"line {i}\"}}{then}, pos: ({}, 20)),\n",
                i * 10
            ));
        }
        text.push_str("    },\n)\n");
        text
    };
    let best = |command: &mut dyn FnMut() -> f64| (0..3).map(|_| command()).fold(f64::MAX, f64::min);
    let exponent = |(n1, t1): (f64, f64), (n2, t2): (f64, f64)| (t2 / t1).ln() / (n2 / n1).ln();
    let row = |what: &str, small: (f64, f64), large: (f64, f64)| {
        let e = exponent(small, large);
        println!(
            "{what}: graphrun={:.2} s at {}, {:.2} s at {} exponent={e:.2} goal=1.2 ratio={:.3}",
            small.1,
            small.0,
            large.1,
            large.0,
            1.2 / e.max(0.01)
        );
    };
    // Moving N nodes of a 2,000-node graph in one edit.
    let graph = dir.join("moves.ron");
    let base = chain(2_000);
    let moves = |n: usize| {
        best(&mut || {
            std::fs::write(&graph, &base).unwrap();
            let mut command = Command::new(graphrun_bin());
            command.arg("edit").arg(&graph);
            for i in 0..n {
                command.arg("-e").arg(format!("move n{i} {} 40", i * 10 + 5));
            }
            wall(&mut command)
        })
    };
    let (a, b) = (moves(1_000), moves(2_000));
    row(
        "edit moving 1000 / 2000 nodes of a 2000-node graph, whole process",
        (1000.0, a),
        (2000.0, b),
    );
    // The studio's Delete of a selection: removing N nodes of an N-node graph in one edit.
    let removes = |n: usize| {
        let base = chain(n);
        best(&mut || {
            std::fs::write(&graph, &base).unwrap();
            let mut command = Command::new(graphrun_bin());
            command.arg("edit").arg(&graph);
            for i in 0..n {
                command.arg("-e").arg(format!("remove-node n{i}"));
            }
            wall(&mut command)
        })
    };
    let (a, b) = (removes(1_000), removes(2_000));
    row(
        "edit removing every node of a 1000 / 2000-node graph, whole process",
        (1000.0, a),
        (2000.0, b),
    );
    // The studio's Ctrl-D: pasting N copied nodes (all ids taken) into a 2,000-node graph.
    // (The copied text is one argument: at most 128 KiB on Linux.)
    let pastes = |n: usize| {
        let copied: String = std::iter::once("{\n".to_string())
            .chain((0..n).map(|i| {
                format!("    \"n{i}\": (node: \"Print String\", inputs: {{\"In String\": \"copy {i}\"}}, exec: {{\"then\": \"n{}\"}}, pos: ({}, 60)),\n", i + 1, i * 10)
            }))
            .chain(std::iter::once("}".to_string()))
            .collect();
        // Quoted as one word of an operation: `"` and `\` escaped.
        let op = format!("paste 0 400 \"{}\"", copied.replace('\\', "\\\\").replace('"', "\\\""));
        best(&mut || {
            std::fs::write(&graph, &base).unwrap();
            wall(Command::new(graphrun_bin()).arg("edit").arg(&graph).arg("-e").arg(&op))
        })
    };
    let (a, b) = (pastes(400), pastes(800));
    row(
        "edit pasting 400 / 800 nodes into a 2000-node graph, whole process",
        (400.0, a),
        (800.0, b),
    );
    // diff and merge of 25,000 and 50,000 nodes, one pos changed.
    let mut times = Vec::new();
    for n in [25_000usize, 50_000] {
        let old = chain(n);
        let ours = old.replacen(&format!("pos: ({}, 20)", (n / 2) * 10), "pos: (1, 1)", 1);
        let theirs = old.replacen("\"line 7\"", "\"line seven\"", 1);
        let (base_file, ours_file, theirs_file) = (dir.join("base.ron"), dir.join("ours.ron"), dir.join("theirs.ron"));
        std::fs::write(&base_file, &old).unwrap();
        std::fs::write(&ours_file, &ours).unwrap();
        std::fs::write(&theirs_file, &theirs).unwrap();
        // diff exits 1 when the graphs differ, as diff(1) does.
        let timed = |command: &mut Command| {
            let started = Instant::now();
            let out = command.output().unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{command:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            started.elapsed().as_secs_f64()
        };
        let diff = best(&mut || timed(Command::new(graphrun_bin()).arg("diff").arg(&base_file).arg(&ours_file)));
        let merge = best(&mut || {
            timed(
                Command::new(graphrun_bin())
                    .arg("merge")
                    .arg(&base_file)
                    .arg(&ours_file)
                    .arg(&theirs_file),
            )
        });
        times.push((n as f64, diff, merge));
    }
    row(
        "diff of 25000 / 50000 nodes, one pos changed, whole process",
        (times[0].0, times[0].1),
        (times[1].0, times[1].1),
    );
    row(
        "merge of 25000 / 50000 nodes, one change a side, whole process",
        (times[0].0, times[0].2),
        (times[1].0, times[1].2),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `graphrun swarm GRAPH --instances n` holding a connection each: the resident memory an
/// instance costs once all are open (beyond the process's start), and at the peak.
fn holding(graph: &std::path::Path, n: i64, url: &str) -> (f64, f64) {
    use std::io::Read;
    let mut child = Command::new(graphrun_bin())
        .arg("swarm")
        .arg(graph)
        .args(["--instances", &n.to_string(), "--stats", "--duration", "30"])
        .args(["--set", &format!("Url={url}"), "--handshake-timeout", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let fds = || std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as i64);
    let started = Instant::now();
    while fds() < n && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    // SIGTERM: the swarm stops its instances and prints its stats.
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let _ = child.wait();
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stats: resident memory"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let start: f64 = line["stats: resident memory ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let peak: f64 = line
        .rsplit(": ")
        .next()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    ((rss - start) / n as f64, peak)
}

/// `graphrun swarm` as users run it, as a process: the memory an instance costs (with one
/// idle connection, and with none), and echo throughput with the swarm's metrics on
/// against `graphrun run` on the same graph.
fn compare_swarm() {
    let Ok(url) = std::env::var("GRAPHRUN_SCALE_URL") else {
        println!("swarm: skipped (GRAPHRUN_SCALE_URL names the echo server process; scripts/compare.sh starts one)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("graphrun-swarm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (idle, wait, echo) = (
        write("idle.ron", SWARM_IDLE_GRAPH),
        write("wait.ron", SWARM_WAIT_GRAPH),
        write("echo.ron", ECHO_GRAPH),
    );
    // "stats: … : X KiB an instance" from `--stats`.
    let per_instance = |graph: &std::path::Path, instances: i64, extra: &[&str]| -> f64 {
        let out = Command::new(graphrun_bin())
            .arg("swarm")
            .arg(graph)
            .args(["--instances", &instances.to_string(), "--stats"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let line = stderr
            .lines()
            .find(|l| l.starts_with("stats: resident memory"))
            .unwrap_or_else(|| panic!("{stderr}"));
        line.rsplit(": ")
            .next()
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // The swarm holds one end of each connection, the echo server the other: each within
    // this machine's open-file limit. Measured while they are held (VmRSS once every
    // connection is open, as `scale` measures), beyond the process's start.
    let n = most_connections().min(10_000);
    let (kib, peak) = holding(&idle, n, &url);
    println!(
        "swarm {n} instances each holding an idle connection, whole process: graphrun={kib:.2} KiB/instance goal=16 KiB/instance ratio={:.3} (at the peak, while connecting: {peak:.2} KiB/instance)",
        16.0 / kib
    );
    let kib = per_instance(&wait, 100_000, &[]);
    println!(
        "swarm 100000 instances without connections, whole process: graphrun={kib:.2} KiB/instance goal=4 KiB/instance ratio={:.3}",
        4.0 / kib
    );
    let total = 200_000;
    let (mut swarm, mut run) = (Vec::new(), Vec::new());
    for _ in 0..PROCESS_RUNS {
        let sets = [
            "--set",
            &format!("Url={url}"),
            "--set",
            "InFlight=64",
            "--set",
            &format!("Total={total}"),
        ];
        let s = wall(
            Command::new(graphrun_bin())
                .args(["swarm", "--instances", "1"])
                .arg(&echo)
                .args(sets),
        );
        swarm.push(total as f64 / s);
        let s = wall(Command::new(graphrun_bin()).arg("run").arg(&echo).args(sets));
        run.push(total as f64 / s);
    }
    process_line(
        "echo 64 in flight, graphrun swarm --instances 1 (its metrics on) vs graphrun run, whole processes (goal: ratio at least 0.9)",
        swarm,
        "run",
        run,
        "messages/s",
        true,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn compare_loop(rt: &tokio::runtime::Runtime) {
    let iterations = (LOOP_LAST + 1) as f64;
    let expected: i64 = (0..=LOOP_LAST).sum();

    let program = loop_program(LOOP_LAST);
    let (graph_s, sum) = best(3, || graph_loop(&program, rt));
    assert_eq!(sum, expected);
    let (engine, ast) = rhai_setup(LOOP_LAST);
    let (rhai_s, sum) = best(3, || rhai_loop(&engine, &ast));
    assert_eq!(sum, expected);
    let (_lua, f) = lua_setup(LOOP_LAST);
    let (lua_s, sum) = best(3, || lua_loop(&f));
    assert_eq!(sum, expected);
    let (native_s, sum) = best(3, || native_loop(LOOP_LAST));
    assert_eq!(sum, expected);
    line(
        "loop vs rhai",
        iterations / graph_s,
        "peer",
        iterations / rhai_s,
        "iterations/s",
        true,
    );
    line(
        "loop vs lua",
        iterations / graph_s,
        "peer",
        iterations / lua_s,
        "iterations/s",
        true,
    );
    line(
        "loop vs native",
        iterations / graph_s,
        "peer",
        iterations / native_s,
        "iterations/s",
        true,
    );

    let program = branch_loop_program(LOOP_LAST);
    let (graph_s, sum) = best(3, || graph_loop(&program, rt));
    assert_eq!(sum, expected);
    let (engine, ast) = rhai_branch_setup(LOOP_LAST);
    let (rhai_s, sum) = best(3, || rhai_loop(&engine, &ast));
    assert_eq!(sum, expected);
    line(
        "loop with a Branch in the body vs rhai",
        iterations / graph_s,
        "peer",
        iterations / rhai_s,
        "iterations/s",
        true,
    );
}

/// A function call in a loop's body, against the same loop in Lua calling a Lua function;
/// also the cost of the call alone (the loop with the call less the loop with `X + X`
/// written in its body), in nanoseconds, for both.
fn compare_calls(rt: &tokio::runtime::Runtime) {
    let last = 999_999;
    let calls = (last + 1) as f64;
    let expected = (0..=last).map(|i| 2 * i).sum::<i64>();
    let (lua_lua, f) = lua_call_setup(last);
    let (lua_s, sum) = best(3, || lua_loop(&f));
    assert_eq!(sum, expected);
    drop(lua_lua);
    let (_lua, plain) = lua_setup(last);
    let (lua_plain_s, _) = best(3, || lua_loop(&plain));
    let plain_program = loop_program(last);
    let (graph_plain_s, _) = best(3, || graph_loop(&plain_program, rt));
    for (pure, what) in [(false, "impure"), (true, "pure")] {
        let program = call_loop_program(last, pure, TwiceBody::Expression);
        let (graph_s, sum) = best(3, || graph_loop(&program, rt));
        assert_eq!(sum, expected);
        line(
            &format!("loop calling {} {what} function vs lua", if pure { "a" } else { "an" }),
            calls / graph_s,
            "peer",
            calls / lua_s,
            "calls/s",
            true,
        );
        let lua_ns = (lua_s - lua_plain_s).max(0.0) / calls * 1e9;
        let call_ns = |graph_s: f64| (graph_s - graph_plain_s).max(0.0) / calls * 1e9;
        println!(
            "one {what} call, beyond the loop: graphrun={:.1} ns peer={lua_ns:.1} ns ratio={:.3}",
            call_ns(graph_s),
            lua_ns / call_ns(graph_s)
        );
        // The same function written with a local, and with a Sequence before it.
        for (body, how) in [
            (TwiceBody::Straight, "a body setting a local"),
            (TwiceBody::Chain, "its body's chain (a Sequence)"),
        ] {
            let program = call_loop_program(last, pure, body);
            let (graph_s, sum) = best(3, || graph_loop(&program, rt));
            assert_eq!(sum, expected);
            println!(
                "one {what} call of {how}, beyond the loop: graphrun={:.1} ns peer={lua_ns:.1} ns ratio={:.3}",
                call_ns(graph_s),
                lua_ns / call_ns(graph_s)
            );
        }
    }
}

fn compare_events(rt: &tokio::runtime::Runtime) {
    let n = 1_000_000;
    let program = events_program();
    let (graph_s, sum) = best(3, || graph_events(&program, rt, n));
    assert_eq!(sum, (0..n).sum::<i64>());
    let (lua_s, sum) = best(3, || lua_events(n));
    assert_eq!(sum, (0..n).sum::<i64>());
    line(
        "events vs lua calls",
        n as f64 / graph_s,
        "peer",
        n as f64 / lua_s,
        "events/s",
        true,
    );
}

fn compare_echo() {
    // Both clients run on one current-thread runtime (the echo server has its own thread),
    // alternating, best of five each.
    let url = echo_server();
    let program = echo_program();
    let one = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for in_flight in [64, 1] {
        let total = if in_flight == 1 { 20_000 } else { 200_000 };
        let (mut graph, mut raw) = (0.0f64, 0.0f64);
        for _ in 0..5 {
            graph = graph.max(graph_echo(&program, &one, &url, in_flight, total));
            raw = raw.max(raw_echo(&one, &url, in_flight, total));
        }
        line(
            &format!("echo {in_flight} in flight vs raw tokio-tungstenite (embedded: both in this process)"),
            graph,
            "peer",
            raw,
            "messages/s",
            true,
        );
    }
}

fn compare_load() {
    let text = big_graph(10_000);
    let registry = registry();
    let (load_s, program) = best(5, || registry.load_str("big.ron", &text).unwrap());
    assert_eq!(program.node_count(), 10_000);
    println!(
        "load 10000 nodes: graphrun={:.1} ms goal=100 ms ratio={:.3}",
        load_s * 1e3,
        0.1 / load_s
    );
}

/// `graphrun import` of a 5,000-node Blueprint paste (the generated graph `load` checks,
/// exported as clipboard text), as a process, against `graphrun check` of the graph it
/// makes: reading a paste should cost about what reading the graph does.
fn compare_import() {
    let dir = std::env::temp_dir().join(format!("graphrun-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graph = dir.join("big.ron");
    std::fs::write(&graph, big_graph(5_000)).unwrap();
    let paste = dir.join("big.t3d");
    wall(
        Command::new(graphrun_bin())
            .args(["export", "--unreal"])
            .arg(&graph)
            .arg("-o")
            .arg(&paste),
    );
    let imported = dir.join("imported.ron");
    let (mut import, mut check) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        import.push(wall(
            Command::new(graphrun_bin())
                .arg("import")
                .arg(&paste)
                .arg("-o")
                .arg(&imported),
        ));
        check.push(wall(Command::new(graphrun_bin()).arg("check").arg(&imported)));
    }
    let ((import, i_lo, i_hi), (check, c_lo, c_hi)) = (median(import), median(check));
    let paste_mb = std::fs::metadata(&paste).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "import a 5000-node paste ({paste_mb:.1} MB), whole processes (7 runs each): graphrun import={:.1} ms ({:.1}-{:.1}) graphrun check of the result={:.1} ms ({:.1}-{:.1}) ratio={:.3}",
        import * 1e3,
        i_lo * 1e3,
        i_hi * 1e3,
        check * 1e3,
        c_lo * 1e3,
        c_hi * 1e3,
        check / import
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn compare_scale(rt: &tokio::runtime::Runtime) {
    let server = std::env::var("GRAPHRUN_SCALE_URL").ok();
    match server {
        Some(url) => {
            let n = 10_000;
            let (elapsed, per_connection) = scale(rt, &url, n);
            println!(
                "scale {n} connections (embedded): graphrun={per_connection:.1} KiB/connection goal=24 KiB/connection ratio={:.3} (opened all in {:.2} s)",
                24.0 / per_connection,
                elapsed.as_secs_f64()
            );
            scale_process(&url);
        }
        None => println!("scale: skipped (GRAPHRUN_SCALE_URL names the echo server; scripts/compare.sh starts one)"),
    }
}

/// The most connections one process can hold here: its limit on open files, less some.
fn most_connections() -> i64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(1024);
    (soft - 200).min(50_000)
}

/// Idle connections as users hold them: `graphrun run bench/scale.ron` as a process opens
/// N connections, prints "all connected", and is measured (VmRSS) half a second later,
/// against the same process holding one.
fn scale_process(url: &str) {
    use std::io::BufRead;
    let graph = std::env::temp_dir().join(format!("graphrun-scale-{}.ron", std::process::id()));
    std::fs::write(&graph, SCALE_GRAPH).unwrap();
    let resident = |n: i64| -> (u64, f64) {
        let started = Instant::now();
        let mut child = Command::new(graphrun_bin())
            .arg("run")
            .arg(&graph)
            .args(["--set", &format!("Url={url}"), "--set", &format!("N={n}")])
            // Thousands of handshakes at once on one thread (and a busy server) may take
            // longer than the default 10 s each.
            .args(["--handshake-timeout", "60"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        if first != "all connected" {
            // Not left behind holding thousands of connections.
            let _ = child.kill();
            let _ = child.wait();
            panic!("{n} connections: {first}");
        }
        let opened = started.elapsed().as_secs_f64();
        std::thread::sleep(std::time::Duration::from_millis(500));
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
        let kib = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap();
        let _ = child.kill();
        let _ = child.wait();
        (kib, opened)
    };
    let n = most_connections();
    let (one, _) = resident(1);
    let (all, opened) = resident(n);
    let per_connection = (all.saturating_sub(one)) as f64 / (n - 1) as f64;
    println!(
        "scale {n} connections, whole process (the most this machine's open-file limit allows; goal: 50,000): graphrun={per_connection:.1} KiB/connection goal=24 KiB/connection ratio={:.3} (opened all in {opened:.2} s)",
        24.0 / per_connection
    );
    let _ = std::fs::remove_file(&graph);
}

/// How many runs of each side a process comparison makes (alternating).
const PROCESS_RUNS: usize = 7;

/// The `graphrun` binary the process comparisons run.
fn graphrun_bin() -> String {
    std::env::var("GRAPHRUN_BIN").unwrap_or_else(|_| "target/release/graphrun".to_string())
}

/// A sibling binary of this one (`echo_client`), built with it.
fn sibling(name: &str) -> std::path::PathBuf {
    std::env::current_exe().unwrap().with_file_name(name)
}

/// Runs `command` to its end; its wall-clock time, start to exit, in seconds.
fn wall(command: &mut Command) -> f64 {
    let started = Instant::now();
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let elapsed = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// The median and the spread (least, most) of some numbers.
fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn process_line(name: &str, graphrun: Vec<f64>, peer_name: &str, peer: Vec<f64>, unit: &str, higher_is_better: bool) {
    let runs = graphrun.len();
    let (g, g_lo, g_hi) = median(graphrun);
    let (p, p_lo, p_hi) = median(peer);
    let ratio = if higher_is_better { g / p } else { p / g };
    let digits = if g < 10.0 { 2 } else { 0 };
    println!(
        "{name}: graphrun={g:.digits$} {unit} ({g_lo:.digits$}–{g_hi:.digits$}) {peer_name}={p:.digits$} {unit} ({p_lo:.digits$}–{p_hi:.digits$}) ratio={ratio:.3} (medians of {runs}, alternating)"
    );
}

/// Echo as users run it: `graphrun run bench/echo.ron` as a process against the
/// `echo_client` process, both against one echo server process (`GRAPHRUN_SCALE_URL`,
/// which scripts/compare.sh starts), each run timed from process start to exit.
fn compare_echo_processes() {
    let Ok(url) = std::env::var("GRAPHRUN_SCALE_URL") else {
        println!("process: skipped (GRAPHRUN_SCALE_URL names the echo server process; scripts/compare.sh starts one)");
        return;
    };
    let graph = std::env::temp_dir().join(format!("graphrun-echo-{}.ron", std::process::id()));
    std::fs::write(&graph, ECHO_GRAPH).unwrap();
    for in_flight in [64, 1] {
        let total: i64 = if in_flight == 1 { 20_000 } else { 200_000 };
        let (mut graphrun, mut peer) = (Vec::new(), Vec::new());
        for _ in 0..PROCESS_RUNS {
            let s = wall(Command::new(graphrun_bin()).arg("run").arg(&graph).args([
                "--set",
                &format!("Url={url}"),
                "--set",
                &format!("InFlight={in_flight}"),
                "--set",
                &format!("Total={total}"),
            ]));
            graphrun.push(total as f64 / s);
            let s = wall(Command::new(sibling("echo_client")).args([&url, &in_flight.to_string(), &total.to_string()]));
            peer.push(total as f64 / s);
        }
        process_line(
            &format!("echo {in_flight} in flight, whole processes, vs a tokio-tungstenite client process"),
            graphrun,
            "peer",
            peer,
            "messages/s",
            true,
        );
    }
    let _ = std::fs::remove_file(&graph);
}

/// The startup graph: BeginPlay and nine Print Strings.
fn startup_graph() -> String {
    let mut nodes = String::from("\"begin\": (node: \"Event BeginPlay\", exec: {\"then\": \"p1\"}),\n");
    for i in 1..=9 {
        let next = if i < 9 {
            format!(", exec: {{\"then\": \"p{}\"}}", i + 1)
        } else {
            String::new()
        };
        nodes.push_str(&format!(
            "\"p{i}\": (node: \"Print String\", inputs: {{\"In String\": \"line {i}\"}}{next}),\n"
        ));
    }
    format!("Graph(format: 1, name: \"Startup\", nodes: {{\n{nodes}}})\n")
}

/// Startup: `graphrun run` of a 10-node graph (nine prints) against `lua5.4 -e` printing
/// the same nine lines, each timed from process start to exit.
fn compare_startup() {
    let Some(lua) = lua() else {
        println!("startup: skipped (no lua5.4 or lua on PATH: apt-get install lua5.4)");
        return;
    };
    let graph = std::env::temp_dir().join(format!("graphrun-startup-{}.ron", std::process::id()));
    std::fs::write(&graph, startup_graph()).unwrap();
    let script: String = (1..=9).map(|i| format!("print(\"line {i}\") ")).collect();
    let expected: String = (1..=9).map(|i| format!("line {i}\n")).collect();
    let out = Command::new(graphrun_bin()).arg("run").arg(&graph).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        expected,
        "the startup graph prints its nine lines"
    );
    let (mut graphrun, mut peer) = (Vec::new(), Vec::new());
    for _ in 0..PROCESS_RUNS * 3 {
        graphrun.push(wall(Command::new(graphrun_bin()).arg("run").arg(&graph)) * 1e3);
        peer.push(wall(Command::new(lua).args(["-e", &script])) * 1e3);
    }
    process_line(
        "startup: graphrun run of a 10-node graph vs lua -e printing the same, process start to exit",
        graphrun,
        "lua",
        peer,
        "ms",
        false,
    );
    let _ = std::fs::remove_file(&graph);
}

/// Lua 5.4 as a command (`lua5.4`, else `lua`), if there is one.
fn lua() -> Option<&'static str> {
    ["lua5.4", "lua"]
        .into_iter()
        .find(|l| Command::new(l).arg("-v").output().is_ok())
}

/// Graphs as users write them (`graphrun_bench::shapes`), the `graphrun` binary as a process
/// against `lua5.4 -e` doing the same work, each timed from process start to exit, after
/// checking that both print the same line.
fn compare_shapes() {
    let Some(lua) = lua() else {
        println!("shapes: skipped (no lua5.4 or lua on PATH: apt-get install lua5.4)");
        return;
    };
    for (i, shape) in graphrun_bench::shapes::SHAPES.iter().enumerate() {
        let graph = std::env::temp_dir().join(format!("graphrun-shape-{}-{i}.ron", std::process::id()));
        std::fs::write(&graph, shape.graph).unwrap();
        let n = shape.n.to_string();
        let set = format!("N={n}");
        let script = format!("N = {n} {}", shape.lua);
        let ours = Command::new(graphrun_bin())
            .arg("run")
            .arg(&graph)
            .args(["--set", &set, "--max-loop-iterations", "1000000000"])
            .output()
            .unwrap();
        let theirs = Command::new(lua).args(["-e", &script]).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{}: the graph and the Lua script print the same ({})",
            shape.name,
            String::from_utf8_lossy(&ours.stderr)
        );
        let (mut graphrun, mut peer) = (Vec::new(), Vec::new());
        for _ in 0..PROCESS_RUNS {
            graphrun.push(
                wall(Command::new(graphrun_bin()).arg("run").arg(&graph).args([
                    "--set",
                    &set,
                    "--max-loop-iterations",
                    "1000000000",
                ])) * 1e3,
            );
            peer.push(wall(Command::new(lua).args(["-e", &script])) * 1e3);
        }
        process_line(
            &format!(
                "shapes: {}, N={n}, whole process, vs Lua 5.4 with global variables",
                shape.name
            ),
            graphrun,
            "lua",
            peer,
            "ms",
            false,
        );
        let _ = std::fs::remove_file(&graph);
    }
}
