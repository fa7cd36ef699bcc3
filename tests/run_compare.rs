//! The one dispatch, compared with itself and with the nodes' own implementations: 400
//! generated graphs (fixed seeds, so a failure reproduces; `GRAPHRUN_COMPARE_RUNS=10000`
//! runs more), each run fused and unfused, traced and not, and with the intrinsic
//! instructions off (every standard node through its closure), must print, fail and end alike
//! (their statements include function calls, in loops too, loops whose bounds are read once
//! and each pass, Branches on comparisons, Modulo and Divide, and a macro's use).
//! `fuzz/` runs the same comparison on bytes libFuzzer chooses.

use graphrun::Registry;

#[path = "../fuzz/src/runs.rs"]
mod runs;

#[test]
fn fused_and_unfused_traced_and_not_run_alike() {
    let registry = Registry::standard();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let (mut calls, mut expressions, mut straight, mut macros) = (0, 0, 0, 0);
    let (mut variable_bounds, mut divisions) = (0, 0);
    let runs: usize = std::env::var("GRAPHRUN_COMPARE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    for _ in 0..runs {
        let bytes: Vec<u8> = (0..96)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let text = runs::graph(&bytes);
        calls += usize::from(
            ["Bump", "Twice", "Accumulate"]
                .iter()
                .any(|f| text.contains(&format!("(node: \"{f}\""))),
        );
        expressions += usize::from(text.contains("(node: \"Scale\""));
        straight += usize::from(text.contains("(node: \"Accumulate\""));
        macros += usize::from(text.contains("(node: \"If Positive\""));
        variable_bounds += usize::from(text.contains("_last\": (node: \"Modulo\""));
        divisions += usize::from(text.contains("(node: \"Divide\""));
        runs::compare(&registry, &bytes);
    }
    // The generated graphs do call functions (the impure expression in a loop too) and
    // use the macro.
    assert!(
        calls > 150 && expressions > 50 && straight > 50 && macros > 80 && variable_bounds > 50 && divisions > 100,
        "{calls} graphs with calls, {expressions} with Scale, {straight} with Accumulate, {macros} with the macro, \
         {variable_bounds} with a loop bound from a variable, {divisions} with Divide"
    );
}
