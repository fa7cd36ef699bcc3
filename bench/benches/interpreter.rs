//! Criterion benchmarks of the interpreter beside its peers: the loop (graphrun, Rhai, Lua,
//! native Rust), host-fired events, and loading a 10,000-node graph.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use graphrun_bench::*;

const LAST: i64 = 99_999;

fn the_loop(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("loop 100k");
    group.throughput(Throughput::Elements(LAST as u64 + 1));
    let program = loop_program(LAST);
    group.bench_function("graphrun", |b| b.iter(|| graph_loop(&program, &rt)));
    let (engine, ast) = rhai_setup(LAST);
    group.bench_function("rhai", |b| b.iter(|| rhai_loop(&engine, &ast)));
    let (_lua, f) = lua_setup(LAST);
    group.bench_function("lua", |b| b.iter(|| lua_loop(&f)));
    group.bench_function("native", |b| b.iter(|| native_loop(LAST)));
    let program = branch_loop_program(LAST);
    group.bench_function("graphrun, Branch in the body", |b| b.iter(|| graph_loop(&program, &rt)));
    let (engine, ast) = rhai_branch_setup(LAST);
    group.bench_function("rhai, if in the body", |b| b.iter(|| rhai_loop(&engine, &ast)));
    group.finish();
}

fn events(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("events 100k");
    group.throughput(Throughput::Elements(100_000));
    let program = events_program();
    group.bench_function("graphrun", |b| b.iter(|| graph_events(&program, &rt, 100_000)));
    group.bench_function("lua calls", |b| b.iter(|| lua_events(100_000)));
    group.finish();
}

fn load(c: &mut Criterion) {
    let text = big_graph(10_000);
    let registry = registry();
    c.bench_function("load 10000 nodes", |b| {
        b.iter(|| registry.load_str("big.ron", &text).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = the_loop, events, load
}
criterion_main!(benches);
