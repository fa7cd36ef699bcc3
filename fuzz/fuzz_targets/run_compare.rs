//! Fuzzes the one interpreter loop: the bytes make a graph that runs (`src/runs.rs`), and
//! its fused and unfused code, traced and not, must print, fail and end alike.
//! `cargo fuzz run run_compare`.
#![no_main]

use std::sync::OnceLock;

use graphrun::Registry;
use libfuzzer_sys::fuzz_target;

#[path = "../src/runs.rs"]
mod runs;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::standard)
}

fuzz_target!(|data: &[u8]| {
    runs::compare(registry(), data);
});
