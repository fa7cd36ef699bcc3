//! Graphs that run, made from bytes, and the comparison of one graph run four ways: fused
//! and unfused code, observed (traced) and not. The four must print the same, fail the
//! same and end with the same variables. Used by the `run_compare` fuzz target and, over
//! fixed seeds, by the test suite (`tests/tests.rs` includes this file).

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use graphrun::{Host, Instance, Level, Program, Registry, RunOptions, RuntimeError};

/// Reads bytes as choices; past the end, every choice is 0.
struct Choices<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn next(&mut self, below: u8) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b % below
    }

    fn literal(&mut self) -> i64 {
        i64::from(self.next(13)) - 4
    }
}

const VARS: [&str; 3] = ["A", "B", "C"];

/// The functions and the macro the generated statements use.
const REUSE: &str = r#"
    functions: {
        "Twice": (inputs: {"X": Int}, outputs: {"R": Int}, pure: true, nodes: {
            "entry": (node: "Function Entry", exec: {"then": "ret"}),
            "ret": (node: "Return Node", inputs: {"R": Link("sum", "Return Value")}),
            "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
        }),
        "Scale": (inputs: {"X": Int}, outputs: {"R": Int}, nodes: {
            "entry": (node: "Function Entry", exec: {"then": "ret"}),
            "ret": (node: "Return Node", inputs: {"R": Link("times", "Return Value")}),
            "times": (node: "Multiply", inputs: {"A": Link("entry", "X"), "B": Var("A")}),
        }),
        "Accumulate": (inputs: {"By": Int}, outputs: {"Old": Int}, locals: {"Was": (type: Int)}, nodes: {
            "entry": (node: "Function Entry", exec: {"then": "keep"}),
            "keep": (node: "Set", var: "Was", inputs: {"Was": Var("C")}, exec: {"then": "add"}),
            "add": (node: "Set", var: "C", inputs: {"C": Link("plus", "Return Value")}, exec: {"then": "ret"}),
            "plus": (node: "Add", inputs: {"A": Var("C"), "B": Link("entry", "By")}),
            "ret": (node: "Return Node", inputs: {"Old": Var("Was")}),
        }),
        "Bump": (inputs: {"By": Int}, outputs: {"Old": Int}, locals: {"Was": (type: Int)}, nodes: {
            "entry": (node: "Function Entry", exec: {"then": "keep"}),
            "keep": (node: "Set", var: "Was", inputs: {"Was": Var("C")}, exec: {"then": "seq"}),
            "seq": (node: "Sequence", exec: {"Then 0": "add", "Then 1": "ret", "Then 2": "never"}),
            "add": (node: "Set", var: "C", inputs: {"C": Link("plus", "Return Value")}),
            "plus": (node: "Add", inputs: {"A": Var("C"), "B": Link("entry", "By")}),
            "ret": (node: "Return Node", inputs: {"Old": Var("Was")}),
            "never": (node: "Print String", inputs: {"In String": "not reached: Return ended the body"}),
        }),
    },
    macros: {
        "If Positive": (inputs: {"exec": Exec, "X": Int}, outputs: {"Yes": Exec, "No": Exec}, nodes: {
            "in": (node: "Macro Inputs", exec: {"exec": "test"}),
            "gt": (node: "Greater", inputs: {"A": Link("in", "X"), "B": 0}),
            "test": (node: "Branch", inputs: {"Condition": Link("gt", "Return Value")}, exec: {"True": "out.Yes", "False": "out.No"}),
            "out": (node: "Macro Outputs"),
        }),
    },"#;

/// A graph made from `bytes`: Int variables A, B, C and a chain from BeginPlay of up to
/// twelve statements (Sets of sums, differences and products, For Loops whose bodies add
/// their Index (fused) or go through a Branch, their bounds constant or from a variable,
/// Branches, Sequences, Prints, calls of a pure and an impure function (in a loop too), a
/// macro's use; arithmetic with Divide and Modulo), each
/// leading on to the next.
pub fn graph(bytes: &[u8]) -> String {
    let mut c = Choices { bytes, at: 0 };
    let mut nodes = String::new();
    let count = 1 + c.next(12) as usize;
    let next = |i: usize| {
        if i + 1 < count {
            format!("s{}", i + 1)
        } else {
            "done".to_string()
        }
    };
    let _ = writeln!(nodes, r#""begin": (node: "Event BeginPlay", exec: {{"then": "s0"}}),"#);
    for i in 0..count {
        let to = next(i);
        let (x, y) = (VARS[c.next(3) as usize], VARS[c.next(3) as usize]);
        // Divide and Modulo by a zero operand fail, alike in every run.
        let op = ["Add", "Subtract", "Multiply", "Divide", "Modulo"][c.next(5) as usize];
        let operand = if c.next(2) == 0 {
            format!("Var(\"{y}\")")
        } else {
            c.literal().to_string()
        };
        let _ = match c.next(10) {
            0 | 1 => writeln!(
                nodes,
                r#""s{i}": (node: "Set", var: "{x}", inputs: {{"{x}": Link("s{i}_op", "Return Value")}}, exec: {{"then": "{to}"}}),
                "s{i}_op": (node: "{op}", inputs: {{"A": Var("{x}"), "B": {operand}}}),"#
            ),
            2 => {
                let first = c.literal();
                // A constant bound, or one from a variable (Y % 7): read once when the body
                // cannot change Y, each pass when it sets it (X is Y).
                let (last, bound) = if c.next(2) == 0 {
                    ((c.literal() + 6).to_string(), String::new())
                } else {
                    (
                        format!(r#"Link("s{i}_last", "Return Value")"#),
                        format!(r#""s{i}_last": (node: "Modulo", inputs: {{"A": Var("{y}"), "B": 7}}),"#),
                    )
                };
                let body = if c.next(2) == 0 {
                    // `Set X = X op Index`, fused.
                    format!(
                        r#""s{i}_body": (node: "Set", var: "{x}", inputs: {{"{x}": Link("s{i}_sum", "Return Value")}}),
                        "s{i}_sum": (node: "{op}", inputs: {{"A": Var("{x}"), "B": Link("s{i}", "Index")}}),"#
                    )
                } else {
                    // Through a Branch on a comparison (fused).
                    format!(
                        r#""s{i}_body": (node: "Branch", inputs: {{"Condition": Link("s{i}_less", "Return Value")}}, exec: {{"True": "s{i}_set"}}),
                        "s{i}_less": (node: "Less", inputs: {{"A": Link("s{i}", "Index"), "B": {operand}}}),
                        "s{i}_set": (node: "Set", var: "{x}", inputs: {{"{x}": Link("s{i}_sum", "Return Value")}}),
                        "s{i}_sum": (node: "{op}", inputs: {{"A": Var("{x}"), "B": Link("s{i}", "Index")}}),"#
                    )
                };
                writeln!(
                    nodes,
                    r#""s{i}": (node: "For Loop", inputs: {{"First Index": {first}, "Last Index": {last}}}, exec: {{"Loop Body": "s{i}_body", "Completed": "{to}"}}),
                    {bound}{body}"#
                )
            }
            3 => writeln!(
                nodes,
                r#""s{i}": (node: "Branch", inputs: {{"Condition": Link("s{i}_less", "Return Value")}}, exec: {{"True": "s{i}_yes", "False": "{to}"}}),
                "s{i}_less": (node: "Less", inputs: {{"A": Var("{x}"), "B": {operand}}}),
                "s{i}_yes": (node: "Print String", inputs: {{"In String": Var("{y}")}}, exec: {{"then": "{to}"}}),"#
            ),
            4 => writeln!(
                nodes,
                r#""s{i}": (node: "Sequence", exec: {{"Then 0": "s{i}_first", "Then 1": "{to}"}}),
                "s{i}_first": (node: "Set", var: "{x}", inputs: {{"{x}": Link("s{i}_op", "Return Value")}}),
                "s{i}_op": (node: "{op}", inputs: {{"A": Var("{y}"), "B": {operand}}}),"#
            ),
            5 => writeln!(
                nodes,
                r#""s{i}": (node: "Print String", inputs: {{"In String": Link("s{i}_text", "Return Value")}}, exec: {{"then": "{to}"}}),
                "s{i}_text": (node: "Format String", inputs: {{"Format": "{x}={{v}}", "v": Var("{x}")}}),"#
            ),
            // A pure function's call, read by a Set.
            6 => writeln!(
                nodes,
                r#""s{i}": (node: "Set", var: "{x}", inputs: {{"{x}": Link("s{i}_twice", "R")}}, exec: {{"then": "{to}"}}),
                "s{i}_twice": (node: "Twice", inputs: {{"X": Var("{y}")}}),"#
            ),
            // An impure function's call: Bump (its body a Sequence, a Set and an early
            // Return) or Accumulate (Sets from its entry to its Return Node).
            7 => {
                let function = ["Bump", "Accumulate"][c.next(2) as usize];
                writeln!(
                    nodes,
                    r#""s{i}": (node: "{function}", inputs: {{"By": {operand}}}, exec: {{"then": "s{i}_say"}}),
                    "s{i}_say": (node: "Print String", inputs: {{"In String": Link("s{i}", "Old")}}, exec: {{"then": "{to}"}}),"#
                )
            }
            // A loop whose body calls an impure function: Bump, or Scale (one Return Node),
            // with the Set after it.
            8 => {
                let (first, last) = (c.literal(), c.literal() + 4);
                let body = if c.next(2) == 0 {
                    let function = ["Bump", "Accumulate"][c.next(2) as usize];
                    format!(r#""s{i}_call": (node: "{function}", inputs: {{"By": Link("s{i}", "Index")}}),"#)
                } else {
                    format!(
                        r#""s{i}_call": (node: "Scale", inputs: {{"X": Link("s{i}", "Index")}}, exec: {{"then": "s{i}_set"}}),
                        "s{i}_set": (node: "Set", var: "{x}", inputs: {{"{x}": Link("s{i}_sum", "Return Value")}}),
                        "s{i}_sum": (node: "{op}", inputs: {{"A": Var("{x}"), "B": Link("s{i}_call", "R")}}),"#
                    )
                };
                writeln!(
                    nodes,
                    r#""s{i}": (node: "For Loop", inputs: {{"First Index": {first}, "Last Index": {last}}}, exec: {{"Loop Body": "s{i}_call", "Completed": "{to}"}}),
                    {body}"#
                )
            }
            // A macro's use, with an exec output left unwired.
            _ => writeln!(
                nodes,
                r#""s{i}": (node: "If Positive", inputs: {{"X": Var("{x}")}}, exec: {{"Yes": "s{i}_yes", "No": "{to}"}}),
                "s{i}_yes": (node: "Print String", inputs: {{"In String": "positive"}}, exec: {{"then": "{to}"}}),"#
            ),
        };
    }
    let _ = writeln!(
        nodes,
        r#""done": (node: "Print String", inputs: {{"In String": "done"}}),"#
    );
    let defaults: Vec<String> = VARS
        .iter()
        .map(|v| format!(r#""{v}": (type: Int, default: {})"#, c.literal() * 1_000_000_007))
        .collect();
    format!(
        "Graph(format: 1, name: \"Generated\", variables: {{{}}}, {REUSE} nodes: {{\n{nodes}}})",
        defaults.join(", ")
    )
}

/// What a run gave: its prints and runtime errors in order, and its variables.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub lines: Vec<String>,
    pub variables: Vec<String>,
}

#[derive(Default)]
struct Collect(Mutex<Vec<String>>);

impl Host for Collect {
    fn print(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
    fn log(&self, level: Level, message: &str) {
        self.0.lock().unwrap().push(format!("{level}: {message}"));
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.0
            .lock()
            .unwrap()
            .push(format!("error at {}: {}", error.node_id, error.message));
    }
    fn trace(&self, _: &str) {}
}

/// Runs `program` once, traced or not.
pub fn run(program: &Program, trace: bool) -> Outcome {
    let host = Arc::new(Collect::default());
    let options = RunOptions {
        max_loop_iterations: 10_000,
        trace,
        ..RunOptions::default()
    };
    let mut instance = Instance::with_options(program, host.clone(), options);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(instance.run());
    let variables = VARS.iter().map(|v| format!("{v}={:?}", instance.variable(v))).collect();
    let lines = host.0.lock().unwrap().clone();
    Outcome { lines, variables }
}

/// Runs the graph of `bytes` four ways and panics, with the graph, if any differ.
pub fn compare(registry: &Registry, bytes: &[u8]) {
    let text = graph(bytes);
    let fused = registry
        .load_str("generated.ron", &text)
        .unwrap_or_else(|d| panic!("a generated graph does not load:\n{d}\n{text}"));
    let unfused = registry
        .load_str_unfused("generated.ron", &text)
        .expect("it loaded fused");
    let closures = registry
        .load_str_without_intrinsics("generated.ron", &text)
        .expect("it loaded with the intrinsics");
    let reference = run(&fused, false);
    for (name, program, trace) in [
        ("traced", &fused, true),
        ("unfused", &unfused, false),
        ("unfused traced", &unfused, true),
        ("without intrinsics", &closures, false),
        ("without intrinsics, traced", &closures, true),
    ] {
        let other = run(program, trace);
        assert_eq!(other, reference, "{name} differs on:\n{text}");
    }
}
