//! The command itself: `graphrun nodes`, and inputs that are not graph files.

use std::process::{Command, Output};

fn graphrun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(args)
        .output()
        .expect("graphrun runs")
}

/// Every node of the spec's section 4, as the spec names them.
const SECTION_4: &[&str] = &[
    "Event BeginPlay",
    "Event EndPlay",
    "Custom Event",
    "Print String",
    "Branch",
    "Sequence",
    "For Loop",
    "For Each Loop",
    "While Loop",
    "Do Once",
    "Delay",
    "Set Timer by Event",
    "Clear Timer",
    "Quit",
    "Get",
    "Set",
    "Construct Object",
    "Is Valid",
    "Add",
    "Subtract",
    "Multiply",
    "Divide",
    "Equal",
    "Not Equal",
    "Less",
    "Greater",
    "Less Equal",
    "Greater Equal",
    "And",
    "Or",
    "Not",
    "Append",
    "Format String",
    "To String",
    "String To Int",
    "String To Float",
    "Make Json Object",
    "Get Field",
    "Get String Field",
    "Get Int Field",
    "Get Float Field",
    "Get Bool Field",
    "Set Field",
    "Has Field",
    "Get Field Names",
    "Get Json Object at Location",
    "Load Json From String",
    "Get Json String",
    "Make Array",
    "Array Length",
    "Array Get",
    "Array Add",
    // The second table: Blueprint's everyday nodes.
    "Switch on Int",
    "Switch on String",
    "Flip Flop",
    "Gate",
    "Do N",
    "Increment",
    "Decrement",
    "Select",
    "Modulo",
    "Min",
    "Max",
    "Clamp",
    "Abs",
    "Truncate",
    "Round",
    "Floor",
    "Ceil",
    "Random Integer in Range",
    "Random Float in Range",
    "Get Time Seconds",
    "Len",
    "Contains",
    "Find Substring",
    "Starts With",
    "Ends With",
    "Get Substring",
    "Replace",
    "To Upper",
    "To Lower",
    "Trim",
    "Parse Into Array",
    "Join String Array",
    "Array Contains",
    "Array Find",
    "Array Set",
    "Array Insert",
    "Array Remove Index",
    "Map Find",
    "Map Add",
    "Map Remove",
    "Map Contains",
    "Map Keys",
    "Map Values",
    "Map Length",
    "Json As String",
    "Json As Int",
    "Json As Float",
    "Json As Bool",
    "Make Json Array",
    "Json Type",
    "Json Array Length",
];

#[test]
fn nodes_lists_every_standard_node_with_its_pins() {
    let out = graphrun(&["nodes", "--json"]);
    assert!(out.status.success());
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).expect("nodes --json prints JSON");
    let nodes = listing["nodes"].as_array().unwrap();
    for name in SECTION_4 {
        let node = nodes
            .iter()
            .find(|n| n["name"] == *name)
            .unwrap_or_else(|| panic!("`{name}` is not listed"));
        assert!(
            node["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name} has no description"
        );
    }
    let pins = |name: &str, key: &str| -> Vec<String> {
        let node = nodes.iter().find(|n| n["name"] == name).unwrap();
        node[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}: {}", p["name"].as_str().unwrap(), p["type"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(pins("For Loop", "inputs"), ["First Index: Int", "Last Index: Int"]);
    assert_eq!(pins("For Loop", "outputs"), ["Index: Int"]);
    assert_eq!(pins("String To Int", "outputs"), ["Return Value: Int", "Success: Bool"]);
    assert_eq!(
        pins("Set Timer by Event", "outputs"),
        ["Return Value: Object(\"Timer\")"]
    );
    let do_once = nodes.iter().find(|n| n["name"] == "Do Once").unwrap();
    assert_eq!(do_once["exec_inputs"], serde_json::json!(["exec", "Reset"]));
    assert_eq!(do_once["exec_outputs"], serde_json::json!(["Completed"]));

    let text = graphrun(&["nodes"]);
    let text = String::from_utf8(text.stdout).unwrap();
    for name in SECTION_4 {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{name} ("))),
            "`{name}` missing from `graphrun nodes`"
        );
    }
    assert!(text.contains("    in:  Duration: Float = 0.2"), "{text}");
}

#[test]
fn a_missing_file_is_a_load_error() {
    let out = graphrun(&["run", "no/such/graph.ron"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("no/such/graph.ron:1:1: error[E0001]: cannot read the file:"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_text_is_a_load_error() {
    let dir = std::env::temp_dir().join(format!("graphrun-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("binary.ron");
    std::fs::write(&path, b"Graph(\xff\xfe)").unwrap();
    let out = graphrun(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("error[E0001]: the file is not UTF-8 text (invalid byte at offset 6)"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_each_file_and_fails_if_any_fails() {
    let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");
    let good = format!("{cases}/std/branch.ron");
    let bad = format!("{cases}/check/six_mistakes.ron");
    let out = graphrun(&["check", &good, &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("branch.ron"), "{err}");
    assert!(err.contains("six_mistakes.ron: 6 error(s)"), "{err}");
    assert_eq!(graphrun(&["check", &good]).status.code(), Some(0));
}

/// Issue 9: `graphrun run -` reads the graph from standard input.
#[test]
fn run_dash_reads_the_graph_from_standard_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let graph = r#"Graph(format: 1, name: "Piped", nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "p"}),
        "p": (node: "Print String", inputs: {"In String": "read from stdin"}),
        "bad": (node: "Print Strng"),
    })"#;
    child.stdin.take().unwrap().write_all(graph.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("<stdin>:4:23: error[E0101]: unknown node type `Print Strng`"),
        "{stderr}"
    );
    let fixed = graph.replace("        \"bad\": (node: \"Print Strng\"),\n", "");
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args(["run", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(fixed.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        (out.status.code(), String::from_utf8_lossy(&out.stdout).as_ref()),
        (Some(0), "read from stdin\n")
    );
}

/// Issue 9: a file over 64 MiB, or one that never ends, is refused once 64 MiB are read.
#[test]
fn a_file_over_64_mib_or_without_end_is_refused() {
    let out = graphrun(&["check", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("/dev/zero:1:1: error[E0001]: the file is larger than 64 MiB, the most a graph file may be"),
        "{stderr}"
    );
}

/// Issue 9: a token that cannot be sent in its header is refused when the run starts,
/// naming the header and never the token.
#[test]
fn a_token_with_a_newline_is_refused_at_the_start_naming_the_header() {
    let out = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .args([
            "run",
            "tests/cases/std/print_string.ron",
            "--auth-token-env",
            "GRAPHRUN_TEST_TOKEN",
        ])
        .env("GRAPHRUN_TEST_TOKEN", "s3cret\nInjected: yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: --auth-token-env GRAPHRUN_TEST_TOKEN: the bearer token cannot be sent in the `Authorization` header: it contains the control character \\n\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_seed_repeats_its_random_numbers_and_another_seed_differs() {
    let graph = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/stdlib/random.ron");
    let first_line = |args: &[&str]| {
        let out = graphrun(&[&["run", graph], args].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    let seven = first_line(&["--seed", "7"]);
    assert_eq!(seven, first_line(&["--seed", "7"]));
    assert_ne!(seven, first_line(&["--seed", "8"]));
    // Without a seed, from the system: two runs differ (the first fifteen dice agreeing by
    // chance has odds of 6^-15).
    assert_ne!(first_line(&[]), first_line(&[]));
}

#[test]
fn nodes_with_a_file_lists_its_functions_and_macros_and_its_imports() {
    let graph = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/functions/imports.ron");
    let out = graphrun(&["nodes", graph, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = listing["nodes"].as_array().unwrap();
    let node = |name: &str| {
        nodes
            .iter()
            .find(|n| n["name"] == name)
            .unwrap_or_else(|| panic!("`{name}` is not listed"))
    };
    // Its imports' functions (a nested import too) and macros, before the registry's nodes.
    assert_eq!(node("Shout")["category"], "Functions");
    assert_eq!(node("Shout")["exec_inputs"], serde_json::json!([]));
    assert_eq!(node("Ratio Text")["exec_outputs"], serde_json::json!(["then"]));
    assert_eq!(
        node("Ratio")["outputs"],
        serde_json::json!([{"name": "Result", "type": "Int"}])
    );
    assert_eq!(node("Twice")["category"], "Macros");
    assert_eq!(node("Twice")["exec_outputs"], serde_json::json!(["Each"]));
    assert!(node("Ratio")["description"]
        .as_str()
        .unwrap()
        .ends_with("lib/math.ron:3:9)."));
    assert_eq!(nodes[0]["category"], "Functions");
    node("Print String");

    let text = String::from_utf8(graphrun(&["nodes", graph]).stdout).unwrap();
    assert!(text.starts_with("== Functions ==\n"), "{text}");
    assert!(text.contains("== Macros ==\nTwice (impure)"), "{text}");
    // A file that does not load is reported, exit 2.
    let bad = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/functions/body_errors.ron");
    assert_eq!(graphrun(&["nodes", bad]).status.code(), Some(2));
}

/// Issue 34, 17: `studio --help` listed `--stats` and `--record`, which it refuses; a
/// `--set` of a variable the graph lacks made every Run do nothing, silently.
#[test]
fn the_studio_offers_only_its_options_and_refuses_a_set_the_graph_cannot_take() {
    let help = graphrun(&["studio", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--set") && help.contains("--port"), "{help}");
    assert!(!help.contains("--stats") && !help.contains("--record"), "{help}");
    let root = env!("CARGO_MANIFEST_DIR");
    let refused = graphrun(&["studio", &format!("{root}/graphs/hello.ron"), "--set", "Nope=1"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--set Nope=1: no variable `Nope` in graph `Hello`"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// The connection options refuse what cannot work, before the run: a ping every
/// microsecond, an idle timeout of none, a client certificate without its key, a proxy
/// URL of another kind.
#[test]
fn connection_options_that_cannot_work_are_refused_before_the_run() {
    for (args, says) in [
        (
            &["--ping-interval", "0.000001"][..],
            "--ping-interval takes at least 0.01 seconds",
        ),
        (
            &["--idle-timeout", "0"][..],
            "--idle-timeout takes at least 0.01 seconds",
        ),
        (
            &["--idle-timeout=-1"][..],
            "--idle-timeout takes a number of seconds of 0 or more",
        ),
        (&["--client-cert", "Cargo.toml"][..], "--client-cert needs --client-key"),
        (
            &["--proxy", "socks5://127.0.0.1:1080"][..],
            "--proxy: a `socks5://` proxy is not supported",
        ),
    ] {
        let mut all = vec!["run", "graphs/hello.ron"];
        all.extend(args);
        let out = graphrun(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
