//! `graphrun edit`: one test per operation and per refusal, on a file with comments and
//! hand alignment (`fixture.ron`). After each edit the file on disk must be the fixture with
//! exactly the change the operation is about, byte for byte; after each refusal it must be
//! the fixture, untouched. (`crates/edit/tests/property.rs` applies random operations to
//! every graph of the repository and undoes them.)

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = include_str!("fixture.ron");

/// A folder of its own for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-edit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Ran {
    status: i32,
    stdout: String,
    stderr: String,
}

fn graphrun(dir: &Path, args: &[&str]) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("graphrun runs");
    Ran {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `graphrun edit g.ron` with `ops` (and `extra` arguments first) on the fixture.
fn edit_fixture(name: &str, extra: &[&str], ops: &[&str]) -> (Ran, String, PathBuf) {
    let dir = scratch(name);
    std::fs::write(dir.join("g.ron"), FIXTURE).unwrap();
    let mut args = vec!["edit", "g.ron"];
    args.extend(extra);
    for op in ops {
        args.push("-e");
        args.push(op);
    }
    let ran = graphrun(&dir, &args);
    let text = std::fs::read_to_string(dir.join("g.ron")).unwrap();
    (ran, text, dir)
}

/// The fixture with each `(old, new)` replaced; each `old` must be there exactly once.
fn fixture_with(changes: &[(&str, &str)]) -> String {
    let mut text = FIXTURE.to_string();
    for (old, new) in changes {
        assert_eq!(
            text.matches(old).count(),
            1,
            "`{old}` is not in the fixture exactly once"
        );
        text = text.replacen(old, new, 1);
    }
    text
}

/// The edit is written, and the file is the fixture with exactly `changes`.
fn edits(name: &str, ops: &[&str], changes: &[(&str, &str)]) -> (Ran, PathBuf) {
    edits_in(name, &[], ops, changes)
}

fn edits_in(name: &str, extra: &[&str], ops: &[&str], changes: &[(&str, &str)]) -> (Ran, PathBuf) {
    let (ran, text, dir) = edit_fixture(name, extra, ops);
    assert_eq!(ran.status, 0, "{ops:?} failed: {}", ran.stderr);
    assert_eq!(text, fixture_with(changes), "{ops:?} wrote something else");
    (ran, dir)
}

/// The edit is refused: exit 2, a message holding `says`, and the file untouched.
fn refused(name: &str, extra: &[&str], ops: &[&str], says: &str) {
    let (ran, text, _) = edit_fixture(name, extra, ops);
    assert_eq!(ran.status, 2, "{ops:?} was not refused: {}", ran.stderr);
    assert!(
        ran.stderr.contains(says),
        "{ops:?}: expected `{says}` in:\n{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("nothing was written") || ran.stderr.starts_with("error: `"),
        "{}",
        ran.stderr
    );
    assert_eq!(text, FIXTURE, "{ops:?} was refused but the file changed");
}

/// What the graph prints when run.
fn runs(dir: &Path) -> String {
    let ran = graphrun(dir, &["run", "g.ron"]);
    assert_eq!(ran.status, 0, "the edited graph does not run: {}", ran.stderr);
    ran.stdout
}

#[test]
fn the_fixture_runs() {
    let dir = scratch("fixture");
    std::fs::write(dir.join("g.ron"), FIXTURE).unwrap();
    assert_eq!(runs(&dir), "hello ada\nhello ada\ndone\n");
}

#[test]
fn add_node_with_an_auto_id_prints_it_and_takes_the_next_free_one() {
    let (ran, _) = edits(
        "add-node",
        &["add-node auto \"Print String\" 100 200", "add-node auto \"Print String\""],
        &[(
            "        \"done\":  (node: \"Print String\",  inputs: {\"In String\": \"done\"}),\n",
            "        \"done\":  (node: \"Print String\",  inputs: {\"In String\": \"done\"}),\n        \"print_string\": (node: \"Print String\", pos: (100, 200)),\n        \"print_string_2\": (node: \"Print String\"),\n",
        )],
    );
    assert_eq!(ran.stdout, "print_string\nprint_string_2\n");
}

#[test]
fn add_node_get_names_its_variable() {
    edits(
        "add-get",
        &["add-node who Get var=Name"],
        &[(
            "\"In String\": \"done\"}),\n",
            "\"In String\": \"done\"}),\n        \"who\": (node: \"Get\", var: \"Name\"),\n",
        )],
    );
}

#[test]
fn add_node_in_a_function_body() {
    edits_in(
        "add-in-function",
        &["--function", "Twice"],
        &["add-node one Add"],
        &[(
            "                \"ret\":   (node: \"Return Node\", inputs: {\"Y\": Link(\"dbl\", \"Return Value\")}),\n",
            "                \"ret\":   (node: \"Return Node\", inputs: {\"Y\": Link(\"dbl\", \"Return Value\")}),\n                \"one\": (node: \"Add\"),\n",
        )],
    );
}

#[test]
fn remove_node_takes_its_line_its_comment_and_every_wire_to_it() {
    let (ran, dir) = edits(
        "remove-node",
        &["remove-node line"],
        &[
            ("        /* the line */\n        \"line\":  (node: \"Format String\", inputs: {\"Format\": \"hello {n}\", \"n\": Var(\"Name\")}),\n", ""),
            (",  inputs: {\"In String\": Link(\"line\", \"Return Value\")}", ""),
        ],
    );
    assert_eq!(ran.stderr, "");
    // Print String's input takes its default.
    assert_eq!(runs(&dir), "Hello\nHello\ndone\n");
}

#[test]
fn remove_node_takes_exec_links_and_comment_box_places() {
    let (_, dir) = edits(
        "remove-exec-target",
        &["remove-node greet"],
        &[
            ("{\"Loop Body\": \"greet\", \"Completed\": \"done\"}", "{\"Completed\": \"done\"}"),
            ("nodes: [\"begin\", \"greet\"]", "nodes: [\"begin\"]"),
            ("        \"greet\": (node: \"Print String\",  inputs: {\"In String\": Link(\"line\", \"Return Value\")}), // says it\n", ""),
        ],
    );
    assert_eq!(runs(&dir), "done\n");
}

#[test]
fn rename_node_renames_every_reference() {
    let (_, dir) = edits(
        "rename-node",
        &["rename-node greet hello"],
        &[
            ("\"Loop Body\": \"greet\"", "\"Loop Body\": \"hello\""),
            ("nodes: [\"begin\", \"greet\"]", "nodes: [\"begin\", \"hello\"]"),
            ("        \"greet\": (node", "        \"hello\": (node"),
        ],
    );
    assert_eq!(runs(&dir), "hello ada\nhello ada\ndone\n");
}

#[test]
fn move_sets_pos_in_place_or_adds_it_where_fmt_puts_it() {
    edits(
        "move",
        &["move begin 16 32", "move done 10 20"],
        &[
            ("pos: (0, 0),   exec", "pos: (16, 32),   exec"),
            (
                "\"done\":  (node: \"Print String\",  inputs",
                "\"done\":  (node: \"Print String\",  pos: (10, 20), inputs",
            ),
        ],
    );
}

#[test]
fn set_writes_a_literal_a_plain_string_or_a_variable() {
    let (_, dir) = edits(
        "set",
        &[
            "set done \"In String\" \"all done\"",
            "set loop \"First Index\" 2",
            "set line n Var(\"Times\")",
        ],
        &[
            ("{\"In String\": \"done\"}", "{\"In String\": \"all done\"}"),
            ("\"First Index\": 1,", "\"First Index\": 2,"),
            ("\"n\": Var(\"Name\")", "\"n\": Var(\"Times\")"),
        ],
    );
    assert_eq!(runs(&dir), "hello 2\nall done\n");
}

#[test]
fn set_adds_an_input_and_an_inputs_map_where_there_are_none() {
    edits(
        "set-new",
        &["add-node p \"Print String\"", "set p \"In String\" hi", "set line Format \"{n} and {m}\"", "set line m 1"],
        &[
            (
                "\"In String\": \"done\"}),\n",
                "\"In String\": \"done\"}),\n        \"p\": (node: \"Print String\", inputs: {\"In String\": \"hi\"}),\n",
            ),
            (
                "{\"Format\": \"hello {n}\", \"n\": Var(\"Name\")}",
                "{\"Format\": \"{n} and {m}\", \"n\": Var(\"Name\"), \"m\": \"1\"}",
            ),
        ],
    );
}

#[test]
fn clear_removes_the_input() {
    edits(
        "clear",
        &["clear loop \"First Index\""],
        &[(
            "{\"First Index\": 1, \"Last Index\": Var(\"Times\")}",
            "{\"Last Index\": Var(\"Times\")}",
        )],
    );
}

#[test]
fn connect_exec_rewires_and_data_links() {
    let (_, dir) = edits(
        "connect",
        &[
            "connect begin.then done",
            "connect \"line.Return Value\" \"done.In String\"",
        ],
        &[
            ("exec: {\"then\": \"loop\"}", "exec: {\"then\": \"done\"}"),
            (
                "{\"In String\": \"done\"}",
                "{\"In String\": Link(\"line\", \"Return Value\")}",
            ),
        ],
    );
    assert_eq!(runs(&dir), "hello ada\n");
}

#[test]
fn connect_adds_an_exec_map_where_there_is_none() {
    edits(
        "connect-new",
        &["connect greet.then done"],
        &[(
            "inputs: {\"In String\": Link(\"line\", \"Return Value\")}), // says it",
            "inputs: {\"In String\": Link(\"line\", \"Return Value\")}, exec: {\"then\": \"done\"}), // says it",
        )],
    );
}

#[test]
fn disconnect_removes_every_wire_at_the_pin() {
    edits(
        "disconnect",
        &["disconnect loop.Completed", "disconnect \"line.Return Value\""],
        &[
            (
                "{\"Loop Body\": \"greet\", \"Completed\": \"done\"}",
                "{\"Loop Body\": \"greet\"}",
            ),
            (",  inputs: {\"In String\": Link(\"line\", \"Return Value\")}", ""),
        ],
    );
    // An exec input: the links into it.
    edits(
        "disconnect-in",
        &["disconnect greet.exec"],
        &[(
            "{\"Loop Body\": \"greet\", \"Completed\": \"done\"}",
            "{\"Completed\": \"done\"}",
        )],
    );
}

#[test]
fn variables_are_added_renamed_given_defaults_and_removed() {
    edits(
        "add-variable",
        &["add-variable Greeting String \"hi there\"", "add-variable Count Int"],
        &[(
            "        \"Times\": (type: Int,    default: 2),\n",
            "        \"Times\": (type: Int,    default: 2),\n        \"Greeting\": (type: String, default: \"hi there\"),\n        \"Count\": (type: Int),\n",
        )],
    );
    let (_, dir) = edits(
        "rename-variable",
        &["rename-variable Name Who", "set-default Times 1"],
        &[
            ("\"Name\":  (type: String", "\"Who\":  (type: String"),
            ("Var(\"Name\")", "Var(\"Who\")"),
            ("default: 2)", "default: 1)"),
        ],
    );
    assert_eq!(runs(&dir), "hello ada\ndone\n");
    edits(
        "remove-variable",
        &["add-variable Spare Bool", "remove-variable Spare"],
        &[],
    );
}

#[test]
fn a_local_goes_into_a_new_locals_block() {
    edits_in(
        "add-local",
        &["--function", "Twice"],
        &["add-variable T Int 1"],
        &[(
            "            pure: true,\n",
            "            pure: true,\n            locals: {\n                \"T\": (type: Int, default: 1),\n            },\n",
        )],
    );
}

#[test]
fn renaming_a_variable_renames_the_pins_named_after_it() {
    let text = r#"Graph(format: 1, name: "V", variables: {"N": (type: Int)}, nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "set"}),
    "get": (node: "Get", var: "N"),
    "add": (node: "Add", inputs: {"A": Link("get", "N"), "B": 1}),
    "set": (node: "Set", var: "N", inputs: {"N": Link("add", "Return Value")}, exec: {"then": "show"}),
    "show": (node: "Print String", inputs: {"In String": Link("set", "N")}),
})
"#;
    let dir = scratch("rename-pins");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "rename-variable N Count"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let expected = text
        .replace("\"N\": (type", "\"Count\": (type")
        .replace("var: \"N\"", "var: \"Count\"")
        .replace("Link(\"get\", \"N\")", "Link(\"get\", \"Count\")")
        .replace("{\"N\": Link", "{\"Count\": Link")
        .replace("Link(\"set\", \"N\")", "Link(\"set\", \"Count\")");
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), expected);
    assert_eq!(runs(&dir), "1\n");
}

#[test]
fn comment_sets_and_removes_a_note() {
    edits(
        "comment",
        &["comment greet \"says hello\""],
        &[(
            "\"greet\": (node: \"Print String\",  inputs",
            "\"greet\": (node: \"Print String\",  comment: \"says hello\", inputs",
        )],
    );
    edits("comment-remove", &["comment greet hi", "comment greet \"\""], &[]);
}

#[test]
fn a_delegate_is_bound_to_a_custom_event() {
    let text = r#"Graph(format: 1, name: "T", nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
    "timer": (node: "Set Timer by Event", inputs: {"Time": 0.01}),
    "tick": (node: "Custom Event", exec: {"then": "quit"}),
    "quit": (node: "Quit"),
})
"#;
    let dir = scratch("delegate");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "connect tick timer.Event"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let expected = text.replace("{\"Time\": 0.01}", "{\"Time\": 0.01, \"Event\": Event(\"tick\")}");
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), expected);
    runs(&dir);
}

#[test]
fn a_file_that_does_not_exist_is_made_at_the_first_edit() {
    let dir = scratch("new-file");
    let ran = graphrun(
        &dir,
        &[
            "edit",
            "hello_world.ron",
            "-e",
            "add-node say \"Print String\"",
            "-e",
            "connect begin.then say",
        ],
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("hello_world.ron")).unwrap(),
        "Graph(\n    format: 1,\n    name: \"hello_world\",\n    nodes: {\n        \"begin\": (node: \"Event BeginPlay\", pos: (0, 0), exec: {\"then\": \"say\"}),\n        \"say\": (node: \"Print String\"),\n    },\n)\n"
    );
    let ran = graphrun(&dir, &["run", "hello_world.ron"]);
    assert_eq!(ran.stdout, "Hello\n");
}

#[test]
fn refusals_name_what_is_wrong_and_write_nothing() {
    refused(
        "unknown-node",
        &[],
        &["move gret 1 2"],
        "no node `gret`; did you mean `greet`?",
    );
    refused(
        "unknown-type",
        &[],
        &["add-node x \"Prnt String\""],
        "unknown node type `Prnt String` for node `x`; did you mean `Print String`",
    );
    refused(
        "unknown-pin",
        &[],
        &["set greet \"In Strin\" x"],
        "has no input pin `In Strin`; did you mean `In String`?",
    );
    refused(
        "unknown-output",
        &[],
        &["connect \"line.Return Valu\" \"done.In String\""],
        "has no output pin `Return Valu`; did you mean `Return Value`?",
    );
    refused(
        "unknown-variable",
        &[],
        &["add-node g Get var=Nam"],
        "unknown variable `Nam` in node `g`; did you mean `Name`?",
    );
    refused(
        "unknown-variable-op",
        &[],
        &["set-default Tmes 3"],
        "no variable `Tmes`; did you mean `Times`?",
    );
    refused(
        "type-mismatch",
        &[],
        &["connect \"line.Return Value\" \"loop.First Index\""],
        "expected Int, but `line`.`Return Value` is String",
    );
    refused(
        "bad-literal",
        &[],
        &["set loop \"First Index\" abc"],
        "expected a literal of type Int",
    );
    refused("bad-default", &[], &["set-default Times \"two\""], "error[E0115]");
    refused(
        "taken-id",
        &[],
        &["rename-node greet done"],
        "a node `done` already exists",
    );
    refused("dotted-id", &[], &["add-node a.b Quit"], "cannot be a node id");
    refused(
        "taken-variable",
        &[],
        &["add-variable Name Int"],
        "a variable `Name` already exists",
    );
    refused("bad-type", &[], &["add-variable N Integer"], "Integer");
    refused(
        "used-variable",
        &[],
        &["remove-variable Times"],
        "variable `Times` is used by `loop`",
    );
    refused("no-wire", &[], &["disconnect done.then"], "no wire at `done.then`");
    refused(
        "not-set",
        &[],
        &["clear done Format"],
        "node `done` has no input `Format` set",
    );
    refused(
        "exec-into-pure",
        &[],
        &["connect begin.then line"],
        "node `line` has no exec input",
    );
    refused(
        "exec-into-pure-pin",
        &[],
        &["connect begin.then line.exec"],
        "error[E0107]",
    );
    refused(
        "unknown-function",
        &["--function", "Thrice"],
        &["add-node a Quit"],
        "no function `Thrice` in the file; did you mean `Twice`?",
    );
    refused(
        "event-in-function",
        &["--function", "Twice"],
        &["add-node e \"Event BeginPlay\""],
        "error[E0120]",
    );
    refused(
        "unknown-op",
        &[],
        &["conect a.b c.d"],
        "unknown operation `conect`; did you mean `connect`",
    );
    refused("usage", &[], &["move greet 1"], "usage: move ID X Y");
    // All or nothing: the first operation applies, the second does not; nothing is written.
    refused(
        "all-or-nothing",
        &[],
        &["move greet 1 2", "move nobody 1 2"],
        "`move nobody 1 2`: no node `nobody`",
    );
}

#[test]
fn a_file_that_does_not_parse_is_not_edited() {
    let dir = scratch("no-parse");
    let broken = "Graph(format: 1, name: \"B\", nodes: {\n    \"a\": (node: \"Quit\"\n})\n";
    std::fs::write(dir.join("g.ron"), broken).unwrap();
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "move a 1 2"]);
    assert_eq!(ran.status, 2);
    assert!(
        ran.stderr.contains("the file does not parse: g.ron:3:1:"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), broken);
}

#[test]
fn an_edit_that_leaves_the_graph_unchecked_is_written_with_warnings() {
    let (ran, _) = edits(
        "warns",
        &["add-node send \"Send Json Object\""],
        &[(
            "\"In String\": \"done\"}),\n",
            "\"In String\": \"done\"}),\n        \"send\": (node: \"Send Json Object\"),\n",
        )],
    );
    assert!(ran.stderr.contains("warning[E0103]"), "{}", ran.stderr);
}

#[test]
fn paste_gives_fresh_ids_keeps_the_wires_among_the_nodes_and_places_them() {
    let copied = "{\"greet\": (node: \"Print String\", pos: (10, 10), inputs: {\"In String\": Link(\"line\", \"Return Value\")}, exec: {\"then\": \"w\"}),\n \"w\": (node: \"Quit\", pos: (50, 10))}";
    let (ran, _) = edits(
        "paste",
        &[&format!("paste 96 208 {}", graphrun_edit::op::word(copied))],
        &[(
            "        \"done\":  (node: \"Print String\",  inputs: {\"In String\": \"done\"}),\n",
            "        \"done\":  (node: \"Print String\",  inputs: {\"In String\": \"done\"}),\n        \"greet_2\": (node: \"Print String\", pos: (96, 208), exec: {\"then\": \"w\"}),\n        \"w\": (node: \"Quit\", pos: (136, 208)),\n",
        )],
    );
    // The pasted nodes' ids, for the studio to select them.
    assert_eq!(ran.stdout, "greet_2\nw\n");
}

#[test]
fn collapse_to_function_makes_a_function_and_calls_it_in_their_place() {
    let (_, dir) = edits(
        "collapse-function",
        &["collapse-to-function Greet line greet"],
        &[
            (
                "            },\n        ),\n    },\n    comments",
                "            },\n        ),\n        \"Greet\": (\n            nodes: {\n                \"entry\": (node: \"Function Entry\", exec: {\"then\": \"greet\"}),\n                \"line\": (node: \"Format String\", inputs: {\"Format\": \"hello {n}\", \"n\": Var(\"Name\")}),\n                \"greet\": (node: \"Print String\",  inputs: {\"In String\": Link(\"line\", \"Return Value\")}),\n                \"return\": (node: \"Return Node\"),\n            },\n        ),\n    },\n    comments",
            ),
            ("\n        /* the line */\n        \"line\":  (node: \"Format String\", inputs: {\"Format\": \"hello {n}\", \"n\": Var(\"Name\")}),\n        \"greet\": (node: \"Print String\",  inputs: {\"In String\": Link(\"line\", \"Return Value\")}), // says it\n", "\n"),
            ("\"In String\": \"done\"}),\n    },", "\"In String\": \"done\"}),\n        \"greet\": (node: \"Greet\"),\n    },"),
        ],
    );
    assert_eq!(runs(&dir), "hello ada\nhello ada\ndone\n");
}

#[test]
fn collapse_passes_what_crosses_the_edge_as_pins() {
    // Format String's output goes out of the selection, Name's value comes in.
    let text = r#"Graph(format: 1, name: "P", variables: {"N": (type: Int, default: 20)}, nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "say"}),
    "get": (node: "Get", var: "N"),
    "double": (node: "Multiply", inputs: {"A": Link("get", "N"), "B": 2}),
    "more": (node: "Add", inputs: {"A": Link("double", "Return Value"), "B": 2}),
    "say": (node: "Print String", inputs: {"In String": Link("more", "Return Value")}),
})
"#;
    let dir = scratch("collapse-pins");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "collapse-to-function Twice double more"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let written = std::fs::read_to_string(dir.join("g.ron")).unwrap();
    for part in [
        "inputs: {\"N\": Int},",
        "outputs: {\"Return Value\": Int},",
        "pure: true,",
    ] {
        assert!(written.contains(part), "{part} in {written}");
    }
    assert!(
        written.contains("\"twice\": (node: \"Twice\", inputs: {\"N\": Link(\"get\", \"N\")}),"),
        "{written}"
    );
    assert!(
        written.contains("{\"In String\": Link(\"twice\", \"Return Value\")}"),
        "{written}"
    );
    assert_eq!(runs(&dir), "42\n");
}

#[test]
fn collapse_refusals() {
    refused(
        "collapse-two-exits",
        &[],
        &["collapse-to-function Loop loop"],
        "a function has one exec input and one exec output",
    );
    refused(
        "collapse-taken",
        &[],
        &["collapse-to-function Twice greet"],
        "already has a function or macro `Twice`",
    );
    refused(
        "collapse-nobody",
        &[],
        &["collapse-to-macro M nobody"],
        "no node `nobody`",
    );
}

#[test]
fn functions_and_macros_are_made_empty_and_wired_through() {
    let (_, dir) = edits(
        "add-reusable",
        &["add-function Hello", "add-macro \"Twice More\""],
        &[(
            "            },\n        ),\n    },\n    comments",
            "            },\n        ),\n        \"Hello\": (\n            nodes: {\n                \"entry\": (node: \"Function Entry\", pos: (0, 0), exec: {\"then\": \"return\"}),\n                \"return\": (node: \"Return Node\", pos: (320, 0)),\n            },\n        ),\n    },\n    macros: {\n        \"Twice More\": (\n            inputs: {\"exec\": Exec},\n            outputs: {\"then\": Exec},\n            nodes: {\n                \"inputs\": (node: \"Macro Inputs\", pos: (0, 0), exec: {\"exec\": \"outputs.then\"}),\n                \"outputs\": (node: \"Macro Outputs\", pos: (320, 0)),\n            },\n        ),\n    },\n    comments",
        )],
    );
    // The new function is a body `--function` edits like any other.
    let ran = graphrun(
        &dir,
        &[
            "edit",
            "g.ron",
            "--function",
            "Hello",
            "-e",
            "add-node say \"Print String\"",
        ],
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    refused(
        "add-taken",
        &[],
        &["add-function Twice"],
        "already has a function or macro `Twice`",
    );
}

#[test]
fn comment_boxes_are_added_renamed_and_removed() {
    edits(
        "comment-box",
        &["comment-box \"the end\" done", "set-comment-box 0 greeting"],
        &[(
            "comments: [(text: \"the greeting\", nodes: [\"begin\", \"greet\"])]",
            "comments: [(text: \"greeting\", nodes: [\"begin\", \"greet\"]), (text: \"the end\", nodes: [\"done\"])]",
        )],
    );
    edits(
        "remove-comment-box",
        &["remove-comment-box 0"],
        &[(
            "    comments: [(text: \"the greeting\", nodes: [\"begin\", \"greet\"])],\n",
            "",
        )],
    );
    refused(
        "no-comment-box",
        &[],
        &["set-comment-box 3 x"],
        "no comment box 3 (the graph has 1)",
    );
    refused(
        "comment-box-no-node",
        &[],
        &["comment-box x nobody"],
        "no node `nobody`",
    );
}

#[test]
fn set_type_retypes_a_variable_and_drops_its_default() {
    let (_, dir) = edits(
        "set-type",
        &["set-type Name Int", "set-default Name 7"],
        &[(
            "\"Name\":  (type: String, default: \"ada\")",
            "\"Name\":  (type: Int, default: 7)",
        )],
    );
    assert_eq!(runs(&dir), "hello 7\nhello 7\ndone\n");
    refused(
        "set-type-mismatch",
        &[],
        &["set-type Times Float"],
        "expected Int, but variable `Times` is Float",
    );
}

#[test]
fn a_file_with_windows_line_ends_and_a_byte_order_mark_keeps_them() {
    let text = "\u{feff}Graph(\r\n    format: 1,\r\n    name: \"W\",\r\n    nodes: {\r\n        \"begin\": (node: \"Event BeginPlay\"),\r\n    },\r\n)\r\n";
    let dir = scratch("crlf");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    let ran = graphrun(
        &dir,
        &[
            "edit",
            "g.ron",
            "-e",
            "add-node say \"Print String\"",
            "-e",
            "connect begin.then say",
        ],
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("g.ron")).unwrap(),
        text.replace(
            "(node: \"Event BeginPlay\"),\r\n",
            "(node: \"Event BeginPlay\", exec: {\"then\": \"say\"}),\r\n        \"say\": (node: \"Print String\"),\r\n"
        )
    );
    assert_eq!(runs(&dir), "Hello\n");
}

#[test]
fn a_file_larger_than_a_graph_may_be_is_refused_without_reading_it() {
    let dir = scratch("huge");
    // Sparse: 65 MiB on paper, nothing on disk.
    std::fs::File::create(dir.join("g.ron"))
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "move a 1 2"]);
    assert_eq!(ran.status, 2);
    assert!(ran.stderr.contains("larger than 64 MiB"), "{}", ran.stderr);
    assert_eq!(std::fs::metadata(dir.join("g.ron")).unwrap().len(), (64 << 20) + 1);
}

#[test]
fn construct_object_takes_a_bare_class_name_and_its_class_picks_the_return_type() {
    let text = r#"Graph(format: 1, name: "T", variables: {"Socket": (type: Object("M2_JsonWebSocketConnection"))}, nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "make"}),
    "make": (node: "Construct Object", exec: {"then": "keep"}),
    "keep": (node: "Set", var: "Socket"),
})
"#;
    let dir = scratch("construct-bare");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    // The class is picked as a String pin's text is typed: bare; the Return Value then has
    // the class's type, so it wires into the variable of that class.
    let ran = graphrun(
        &dir,
        &[
            "edit",
            "g.ron",
            "-e",
            "set make Class M2_JsonWebSocketConnection",
            "-e",
            "connect \"make.Return Value\" keep.Socket",
        ],
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let expected = text
        .replace(
            "(node: \"Construct Object\", exec",
            "(node: \"Construct Object\", inputs: {\"Class\": \"M2_JsonWebSocketConnection\"}, exec",
        )
        .replace(
            "var: \"Socket\")",
            "var: \"Socket\", inputs: {\"Socket\": Link(\"make\", \"Return Value\")})",
        );
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), expected);
    runs(&dir);
}

#[test]
fn renaming_a_custom_event_follows_its_bindings() {
    let text = r#"Graph(format: 1, name: "T", nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
    "timer": (node: "Set Timer by Event", inputs: {"Event": Event("custom_event"), "Time": 0.01}),
    "custom_event": (node: "Custom Event", exec: {"then": "quit"}),
    "quit": (node: "Quit"),
})
"#;
    let dir = scratch("rename-event");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "rename-node custom_event OnTick"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let expected = text.replace("\"custom_event\"", "\"OnTick\"");
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), expected);
    runs(&dir);
    // A name already taken is refused, and nothing is written.
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "rename-node OnTick quit"]);
    assert_eq!(ran.status, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("a node `quit` already exists"), "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), expected);
}

/// A path that ends inside the selection (a Branch's False going nowhere) would, in a
/// function, return and go on to what follows the call: Collapse to Function is refused
/// with that reason, and Collapse to Macro keeps what the graph does.
#[test]
fn a_collapse_that_would_change_what_the_graph_does_is_refused() {
    let text = r#"Graph(format: 1, name: "T", nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "check"}),
    "check": (node: "Branch", inputs: {"Condition": false}, exec: {"True": "yes"}),
    "yes": (node: "Print String", inputs: {"In String": "yes"}, exec: {"then": "after"}),
    "after": (node: "Print String", inputs: {"In String": "after"}),
})
"#;
    let dir = scratch("collapse-changes");
    std::fs::write(dir.join("g.ron"), text).unwrap();
    assert_eq!(runs(&dir), "");
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "collapse-to-function Check check yes"]);
    assert_eq!(ran.status, 2, "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("node `check`'s exec output `False` ends its path inside the selection")
            && ran.stderr.contains("go on to `after`"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_to_string(dir.join("g.ron")).unwrap(), text);
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "collapse-to-macro Check check yes"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(runs(&dir), "", "the macro keeps the False path ending");
    // With the False path wired out too, a function takes it: one way in, one way out.
    std::fs::write(
        dir.join("g.ron"),
        text.replace("{\"True\": \"yes\"}", "{\"True\": \"yes\", \"False\": \"after\"}"),
    )
    .unwrap();
    assert_eq!(runs(&dir), "after\n");
    let ran = graphrun(&dir, &["edit", "g.ron", "-e", "collapse-to-function Check check yes"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(runs(&dir), "after\n");
}

#[test]
fn reroute_puts_a_knot_on_an_exec_wire_and_on_a_data_wire_and_the_graph_runs_the_same() {
    let (ran, dir) = edits(
        "reroute",
        &[
            "reroute auto loop.Completed done.exec 320 160",
            "reroute knot \"line.Return Value\" \"greet.In String\"",
        ],
        &[
            ("\"Completed\": \"done\"", "\"Completed\": \"reroute.In\""),
            (
                "        \"done\":  (node: \"Print String\",  inputs: {\"In String\": \"done\"}),\n",
                "        \"done\":  (node: \"Print String\",  inputs: {\"In String\": \"done\"}),\n        \"reroute\": (node: \"Reroute\", pos: (320, 160), exec: {\"Out\": \"done\"}),\n        \"knot\": (node: \"Reroute\", inputs: {\"In\": Link(\"line\", \"Return Value\")}),\n",
            ),
            (
                "{\"In String\": Link(\"line\", \"Return Value\")}",
                "{\"In String\": Link(\"knot\", \"Out\")}",
            ),
        ],
    );
    assert_eq!(ran.stdout, "reroute\n");
    assert_eq!(runs(&dir), "hello ada\nhello ada\ndone\n");
    // Only on a wire that is there.
    refused(
        "reroute-nowire",
        &[],
        &["reroute auto begin.then done.exec"],
        "no wire from `begin.then` to `done.exec`",
    );
}
