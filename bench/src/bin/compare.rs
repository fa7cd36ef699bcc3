//! Runs every comparison once, on this machine, and prints one line each:
//! `NAME: graphrun=X UNIT peer=Y UNIT ratio=R` (R above 1: graphrun is better).
//! `scripts/compare.sh` builds and runs it. Arguments name the comparisons to run (`loop`,
//! `events`, `echo`, `load`, `scale`); none runs them all.

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

const COMPARISONS: [&str; 6] = ["loop", "calls", "events", "echo", "load", "scale"];

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
    if wanted("load") {
        compare_load();
    }
    if wanted("scale") {
        compare_scale(&rt);
    }
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
/// written in place), in nanoseconds, for both.
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
        let program = call_loop_program(last, pure);
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
        let graph_ns = (graph_s - graph_plain_s).max(0.0) / calls * 1e9;
        let lua_ns = (lua_s - lua_plain_s).max(0.0) / calls * 1e9;
        println!(
            "one {what} call, beyond the loop: graphrun={graph_ns:.1} ns peer={lua_ns:.1} ns ratio={:.3}",
            lua_ns / graph_ns
        );
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
            &format!("echo {in_flight} in flight vs raw tokio-tungstenite"),
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

fn compare_scale(rt: &tokio::runtime::Runtime) {
    let server = std::env::var("GRAPHRUN_SCALE_URL").ok();
    match server {
        Some(url) => {
            let n = 10_000;
            let (elapsed, per_connection) = scale(rt, &url, n);
            println!(
                "scale {n} connections: graphrun={per_connection:.1} KiB/connection goal=64 KiB/connection ratio={:.3} (opened all in {:.2} s)",
                64.0 / per_connection,
                elapsed.as_secs_f64()
            );
        }
        None => println!("scale: skipped (GRAPHRUN_SCALE_URL names the echo server; scripts/compare.sh starts one)"),
    }
}
