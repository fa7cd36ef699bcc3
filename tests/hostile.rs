//! Hostile graph files: a bounded, deterministic mutation test over every graph in the
//! repository (no panic, no hang, every rejection with a position), deep nesting, a 10 MB
//! file and a 100,000-node graph.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use graphrun::{Registry, StandardLibrary};
use graphrun_socket::SocketLibrary;

fn registry() -> Registry {
    Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::default())
        .build()
}

/// xorshift64*: a small deterministic generator, so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces that make mutants interesting: RON syntax, node and pin names, links.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "'",
    "//",
    "/*",
    "*/",
    "#",
    "r#\"",
    "\\",
    "Link(\"begin\", \"then\")",
    "Var(\"Socket\")",
    "Event(\"connected\")",
    "\"Print String\"",
    "\"Add\"",
    "\"Sequence\"",
    "\"Then 7\"",
    "\"Return Value\"",
    "Array(Int)",
    "Map(Json)",
    "Object(\"M2_WebSocketConnection\")",
    "-9223372036854775808",
    "99999999999999999999",
    "1e309",
    "NaN",
    "inf",
    "\"\\u{110000}\"",
    "\u{feff}",
    "é",
    "\0",
    "\n",
    "format: 2",
    "nodes:",
    "var:",
    "params: {\"X\": Int}",
    "exec: {\"then\": \"begin\"}",
    "\"a.b\"",
    "()",
    "None",
    "true",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(5) {
            0 => {
                let end = (at + rng.below(40)).min(s.len());
                s.drain(at..end);
            }
            1 => {
                let end = (at + rng.below(80)).min(s.len());
                let copy: Vec<char> = s[at..end].to_vec();
                let to = rng.below(s.len() + 1);
                s.splice(to..to, copy);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                s.splice(at..at, token.chars());
            }
            3 => s.truncate(at),
            _ => {
                if !s.is_empty() {
                    let (a, b) = (rng.below(s.len()), rng.below(s.len()));
                    s.swap(a, b);
                }
            }
        }
    }
    s.into_iter().collect()
}

fn graph_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            graph_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Loads `text`; panics (failing the test) if loading panics or a rejection has no
/// position inside the text.
fn load_checked(registry: &Registry, text: &str, seed: u64) -> bool {
    let loaded = catch_unwind(AssertUnwindSafe(|| registry.load_str("mutant.ron", text)));
    let loaded = loaded.unwrap_or_else(|_| panic!("loading panicked (seed {seed}):\n{text}"));
    match loaded {
        Ok(_) => true,
        Err(diagnostics) => {
            assert!(diagnostics.has_errors(), "a rejection without an error (seed {seed})");
            for (d, line) in diagnostics.iter().zip(diagnostics.one_lines()) {
                assert!(
                    d.span.start as usize <= text.len() && d.span.end as usize <= text.len(),
                    "span past the end (seed {seed}): {d:?}"
                );
                let position = line
                    .strip_prefix("mutant.ron:")
                    .and_then(|rest| rest.split(": ").next());
                let numbers: Vec<u32> = position
                    .unwrap_or("")
                    .split(':')
                    .filter_map(|n| n.parse().ok())
                    .collect();
                assert!(
                    numbers.len() == 2 && numbers[0] >= 1 && numbers[1] >= 1,
                    "no position (seed {seed}): {line}"
                );
            }
            false
        }
    }
}

#[test]
fn mutated_graph_files_never_panic_and_every_rejection_has_a_position() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    graph_files(&root.join("graphs"), &mut seeds);
    graph_files(&root.join("tests/cases"), &mut seeds);
    assert!(seeds.len() > 50, "{}", seeds.len());
    let registry = registry();
    let started = Instant::now();
    let (mut loaded, mut refused) = (0, 0);
    const MUTANTS: u64 = 6_000;
    for seed in 1..=MUTANTS {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let base = &seeds[rng.below(seeds.len())];
        let mutant = mutate(&mut rng, base);
        if load_checked(&registry, &mutant, seed) {
            loaded += 1;
        } else {
            refused += 1;
        }
    }
    // Both kinds happen: the mutants are neither all broken nor all harmless.
    assert!(loaded > 100 && refused > 1000, "loaded {loaded}, refused {refused}");
    eprintln!(
        "{MUTANTS} mutants: {loaded} loaded, {refused} refused with positions, in {:?}",
        started.elapsed()
    );
}

#[test]
fn deep_nesting_is_refused_with_a_position() {
    let registry = registry();
    for depth in [200, 100_000] {
        let text = format!(
            "Graph(format: 1, name: \"Deep\", variables: {{\"J\": (type: Json, default: {}{})}}, nodes: {{}})",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = registry.load_str("deep.ron", &text).unwrap_err();
        let line = err.one_lines().next().unwrap();
        assert!(
            line.contains("deep.ron:1:") && line.contains("nest more than 128 levels"),
            "{line}"
        );
    }
    // Just under the limit loads.
    let text = format!(
        "Graph(format: 1, name: \"Deep\", variables: {{\"J\": (type: Json, default: {}{})}}, nodes: {{}})",
        "[".repeat(120),
        "]".repeat(120)
    );
    assert!(registry.load_str("deep.ron", &text).is_ok());
}

/// A generous bound: these must not hang or go quadratic, however slow the machine.
const BOUND: Duration = Duration::from_secs(60);

#[test]
fn a_ten_megabyte_file_loads_in_bounded_time() {
    let big = "x".repeat(10 << 20);
    let text = format!(
        "Graph(format: 1, name: \"Big\", nodes: {{\"begin\": (node: \"Event BeginPlay\", exec: {{\"then\": \"p\"}}), \"p\": (node: \"Print String\", inputs: {{\"In String\": \"{big}\"}})}})"
    );
    assert!(text.len() > 10 << 20);
    let started = Instant::now();
    assert!(registry().load_str("big.ron", &text).is_ok());
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    // And one whose 10 MB are broken at the very end: one error, at the end.
    let broken = format!("{}]", &text[..text.len() - 1]);
    let err = registry().load_str("big.ron", &broken).unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(err.one_lines().next().unwrap().starts_with("big.ron:1:"), "{err}");
}

/// Issue 9: a Format String with 200,000 holes (and Make Json Object with as many fields)
/// checks in time linear in them; looking pins up by name one by one took minutes.
#[test]
fn nodes_with_two_hundred_thousand_pins_load_in_bounded_time() {
    let n = 200_000;
    let holes: String = (0..n).map(|i| format!("{{h{i}}}")).collect();
    let inputs: String = (0..n).map(|i| format!(", \"h{i}\": \"x\"")).collect();
    let text = format!(
        "Graph(format: 1, name: \"Holes\", nodes: {{\"f\": (node: \"Format String\", inputs: {{\"Format\": \"{holes}\"{inputs}}}), \"j\": (node: \"Make Json Object\", inputs: {{\"first\": 1{inputs}}})}})"
    );
    let started = Instant::now();
    let program = registry()
        .load_str("holes.ron", &text)
        .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(program.node_count(), 2);
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
}

#[test]
fn a_hundred_thousand_node_graph_loads_and_runs() {
    // An exec chain of 50,000 Print Strings fed by a chain of 50,000 pure Adds.
    let n = 50_000;
    let mut nodes = String::from("\"begin\": (node: \"Event BeginPlay\", exec: {\"then\": \"p0\"}),\n");
    nodes.push_str("\"a0\": (node: \"Add\", inputs: {\"A\": 0, \"B\": 1}),\n");
    for i in 1..n {
        nodes.push_str(&format!(
            "\"a{i}\": (node: \"Add\", inputs: {{\"A\": Link(\"a{}\", \"Return Value\"), \"B\": 1}}),\n",
            i - 1
        ));
    }
    for i in 0..n - 1 {
        nodes.push_str(&format!(
            "\"p{i}\": (node: \"Print String\", inputs: {{\"In String\": \"x\"}}, exec: {{\"then\": \"p{}\"}}),\n",
            i + 1
        ));
    }
    nodes.push_str(&format!(
        "\"p{}\": (node: \"Print String\", inputs: {{\"In String\": Link(\"a{}\", \"Return Value\")}}),\n",
        n - 1,
        n - 1
    ));
    let text = format!("Graph(format: 1, name: \"Huge\", nodes: {{\n{nodes}}})");
    let started = Instant::now();
    let program = registry().load_str("huge.ron", &text).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(program.node_count(), 2 * n + 1);
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());

    #[derive(Default)]
    struct Last(std::sync::Mutex<(usize, String)>);
    impl graphrun::Host for Last {
        fn print(&self, text: &str) {
            let mut last = self.0.lock().unwrap();
            last.0 += 1;
            last.1 = text.to_string();
        }
    }
    let host = std::sync::Arc::new(Last::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(graphrun::Instance::new(&program, host.clone()).run());
    assert_eq!(report.runtime_errors, 0);
    assert_eq!(*host.0.lock().unwrap(), (n, n.to_string()));
}

/// Issue 10: the tracer stops formatting a value at what it shows (200 characters), so
/// tracing 1,000 passes that each read a 16 MiB string costs what tracing short ones does.
#[test]
fn tracing_a_huge_value_formats_only_what_it_shows() {
    #[derive(Default)]
    struct Traces(std::sync::Mutex<Vec<String>>);
    impl graphrun::Host for Traces {
        fn trace(&self, line: &str) {
            self.0.lock().unwrap().push(line.to_string());
        }
    }
    let text = r#"Graph(format: 1, name: "Huge", variables: {"S": (type: String, default: "0123456789abcdef"), "T": (type: String)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "grow"}),
        "grow": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 20}, exec: {"Loop Body": "double", "Completed": "read"}),
        "double": (node: "Set", var: "S", inputs: {"S": Link("twice", "Return Value")}),
        "twice": (node: "Append", inputs: {"A": Var("S"), "B": Var("S")}),
        "read": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 1000}, exec: {"Loop Body": "copy"}),
        "copy": (node: "Set", var: "T", inputs: {"T": Var("S")}),
    })"#;
    let program = registry().load_str("huge.ron", text).unwrap_or_else(|d| panic!("{d}"));
    let host = std::sync::Arc::new(Traces::default());
    let options = graphrun::RunOptions {
        trace: true,
        ..graphrun::RunOptions::default()
    };
    let mut instance = graphrun::Instance::with_options(&program, host.clone(), options);
    let started = Instant::now();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(instance.run());
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    let lines = host.0.lock().unwrap();
    let copy = lines.iter().rfind(|l| l.contains("`copy`")).unwrap();
    let shown = format!(
        "T=\"{}…",
        "0123456789abcdef".repeat(13).chars().take(199).collect::<String>()
    );
    assert!(copy.contains(&shown), "{copy}");
    assert!(copy.len() < 1000, "{}", copy.len());
}

/// A chain of macros: `M{k}` uses `M{k-1}` `uses` times in a row (M0 prints); the graph
/// uses the last once from BeginPlay.
fn macro_chain(levels: usize, uses: usize) -> String {
    let mut macros = String::new();
    macros.push_str(
        r#""M0": (inputs: {"exec": Exec}, outputs: {"then": Exec}, nodes: {
            "in": (node: "Macro Inputs", exec: {"exec": "p"}),
            "p": (node: "Print String", inputs: {"In String": "deep"}, exec: {"then": "out.then"}),
            "out": (node: "Macro Outputs"),
        }),"#,
    );
    for k in 1..levels {
        let mut nodes =
            r#""in": (node: "Macro Inputs", exec: {"exec": "u0"}), "out": (node: "Macro Outputs"),"#.to_string();
        for u in 0..uses {
            let next = if u + 1 == uses {
                "out.then".to_string()
            } else {
                format!("u{}", u + 1)
            };
            nodes.push_str(&format!(r#""u{u}": (node: "M{}", exec: {{"then": "{next}"}}),"#, k - 1));
        }
        macros.push_str(&format!(
            r#""M{k}": (inputs: {{"exec": Exec}}, outputs: {{"then": Exec}}, nodes: {{{nodes}}}),"#
        ));
    }
    format!(
        r#"Graph(format: 1, name: "Chain", macros: {{{macros}}}, nodes: {{
            "begin": (node: "Event BeginPlay", exec: {{"then": "use"}}),
            "use": (node: "M{}"),
        }})"#,
        levels - 1
    )
}

#[test]
fn a_macro_that_doubles_thirty_times_is_refused_before_it_is_expanded() {
    let registry = registry();
    let text = macro_chain(30, 2);
    let started = Instant::now();
    let err = registry.load_str("bomb.ron", &text).unwrap_err();
    // Refused from the macros' sizes, not by expanding a billion nodes.
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    let line = err
        .one_lines()
        .find(|l| l.contains("1,000,000"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("bomb.ron:") && line.contains("`M29`") && line.contains("`M28`"),
        "{line}"
    );
    // Twelve doublings (4,096 prints) load.
    assert!(registry.load_str("ok.ron", &macro_chain(13, 2)).is_ok());
}

#[test]
fn three_hundred_and_ten_thousand_nested_macros_load_without_a_false_error_or_an_abort() {
    let registry = registry();
    for levels in [300, 10_000] {
        let text = macro_chain(levels, 1);
        let program = registry
            .load_str("nested.ron", &text)
            .unwrap_or_else(|e| panic!("{levels} levels: {}", e.one_lines().next().unwrap_or_default()));
        // BeginPlay and the innermost Print: the uses themselves leave no node.
        assert_eq!(program.node_count(), 2, "{levels} levels");
    }
}

#[test]
fn an_import_chain_of_eight_thousand_libraries_loads_without_an_abort() {
    let dir = std::env::temp_dir().join(format!("graphrun-import-chain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let n = 8_000;
    for i in 0..n {
        let imports = if i + 1 < n {
            format!(r#"imports: ["lib{}.ron"], "#, i + 1)
        } else {
            String::new()
        };
        let text = format!(
            r#"Library(format: 1, name: "L{i}", {imports}functions: {{"F{i}": (nodes: {{"entry": (node: "Function Entry")}})}})"#
        );
        std::fs::write(dir.join(format!("lib{i}.ron")), text).unwrap();
    }
    let graph = dir.join("main.ron");
    std::fs::write(
        &graph,
        r#"Graph(format: 1, name: "Main", imports: ["lib0.ron"], nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "call"}),
            "call": (node: "F7999"),
        })"#,
    )
    .unwrap();
    let loaded = registry().load_file(&graph);
    std::fs::remove_dir_all(&dir).unwrap();
    let program = loaded.unwrap_or_else(|e| panic!("{}", e.one_lines().next().unwrap_or_default()));
    assert!(program.node_count() >= 2);
}

#[test]
fn an_import_of_a_file_that_is_not_a_ron_library_is_refused_without_reading_it() {
    let dir = std::env::temp_dir().join(format!("graphrun-import-any-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = dir.join("environ");
    std::fs::write(&secret, "TOKEN=s3cret-value").unwrap();
    let graph = dir.join("main.ron");
    std::fs::write(
        &graph,
        format!(
            r#"Graph(format: 1, name: "Main", imports: [{:?}, "/proc/self/environ"], nodes: {{}})"#,
            secret.display().to_string()
        ),
    )
    .unwrap();
    let err = registry().load_file(&graph).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = err.to_string();
    assert_eq!(
        err.one_lines()
            .filter(|l| l.contains("a library is a `.ron` file"))
            .count(),
        2,
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
}

/// Issue 34, 5: 10,000 chained macros, each using the one before once beside a node of its
/// own (a 2.8 MB file expanding to 10,000 nodes), took 56 s and 8.9 GB to check: every
/// use copied the list of the uses around it, and every key named them all. Checked here in
/// a process limited to 2 GB of address space, which the quadratic expansion overran.
#[test]
fn ten_thousand_chained_macros_check_in_memory_linear_in_the_result() {
    let mut macros = String::from(
        r#""M0": (inputs: {"exec": Exec}, outputs: {"then": Exec}, nodes: {"in": (node: "Macro Inputs", exec: {"exec": "out.then"}), "out": (node: "Macro Outputs")}),"#,
    );
    for k in 1..10_000 {
        macros.push_str(&format!(
            r#""M{k}": (inputs: {{"exec": Exec}}, outputs: {{"then": Exec}}, nodes: {{"in": (node: "Macro Inputs", exec: {{"exec": "u"}}), "u": (node: "M{}", exec: {{"then": "p"}}), "p": (node: "Print String", inputs: {{"In String": "{k}"}}, exec: {{"then": "out.then"}}), "out": (node: "Macro Outputs")}}),"#,
            k - 1
        ));
        macros.push('\n');
    }
    let text = format!(
        r#"Graph(format: 1, name: "Chained", macros: {{{macros}}}, nodes: {{"begin": (node: "Event BeginPlay", exec: {{"then": "use"}}), "use": (node: "M9999")}})"#
    );
    let dir = std::env::temp_dir().join(format!("graphrun-chained-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chained.ron");
    std::fs::write(&file, &text).unwrap();
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 2000000 && exec '{}' check '{}'",
            env!("CARGO_BIN_EXE_graphrun"),
            file.display()
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = crate::bounded::output_within(child, BOUND)
        .unwrap_or_else(|| panic!("checking 10,000 chained macros took over {BOUND:?}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    let _ = std::fs::remove_dir_all(&dir);
}
