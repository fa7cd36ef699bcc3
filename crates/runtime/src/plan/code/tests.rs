//! The lowering's cases: jumps, fusions, loops that read their bounds once, and sets
//! that move.
use super::*;
use crate::Registry;

fn program(graph: &str) -> crate::Program {
    Registry::standard().load_str("t.ron", graph).unwrap()
}

/// The instruction ending node `id`'s run.
fn own(program: &crate::Program, id: &str) -> Instr {
    let inner = &program.inner;
    let n = inner.debug.iter().position(|d| d.id == id).unwrap();
    inner.code.instrs[inner.code.run_of(n as u32).end - 1]
}

/// Whether For Loop `id` reads its bounds once: a pass re-enters its own instruction.
fn reads_bounds_once(graph: &str, id: &str) -> bool {
    let program = program(graph);
    let inner = &program.inner;
    let n = inner.debug.iter().position(|d| d.id == id).unwrap();
    assert!(matches!(
        own(&program, id),
        Instr::ForLoop { .. } | Instr::ForEach { .. }
    ));
    let run = inner.code.run_of(n as u32);
    assert!(run.len() > 1, "`{id}` has no pure dependency");
    inner.code.resume[n] as usize == run.end - 1
}

fn graph(body: &str) -> String {
    format!(
        r#"Graph(format: 1, name: "T", variables: {{"A": (type: Int), "S": (type: String), "N": (type: Int, default: 4)}}, nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
                "last": (node: "Subtract", inputs: {{"A": Var("N"), "B": 1}}),
                "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": Link("last", "Return Value")}}, exec: {{"Loop Body": "set"}}),
                "set": (node: "Set", var: "A", inputs: {{"A": Link("add", "Return Value")}}, exec: {{"then": "next"}}),
                "add": (node: "Add", inputs: {{"A": Var("A"), "B": Link("loop", "Index")}}),
                {body}
            }})"#
    )
}

#[test]
fn an_instruction_is_at_most_40_bytes() {
    assert!(std::mem::size_of::<Instr>() <= 40, "{}", std::mem::size_of::<Instr>());
}

#[test]
fn a_node_jumps_to_the_start_of_the_next_nodes_run() {
    let text = graph(
        r#""next": (node: "Print String", inputs: {"In String": Link("f", "Return Value")}),
        "f": (node: "Format String", inputs: {"Format": "{a}", "a": Var("A")}),"#,
    );
    let program = program(&text);
    let code = &program.inner.code;
    let at = |id: &str| program.inner.debug.iter().position(|d| d.id == id).unwrap() as u32;
    let Instr::SetInt { next, .. } = own(&program, "set") else {
        panic!("{:?}", own(&program, "set"));
    };
    // The Print's run starts with its Format String.
    assert_eq!(next.pc, code.start[at("next") as usize]);
    assert!(matches!(code.instrs[next.pc as usize], Instr::Pure(f) if f == at("f")));
    let Instr::ForLoop { body, done, .. } = own(&program, "loop") else {
        panic!()
    };
    assert_eq!(body.pc, code.start[at("set") as usize]);
    assert_eq!(done, Next::END);
}

#[test]
fn a_fused_set_writes_its_outputs_when_another_node_reads_them() {
    let outputs_read = |next: &str| match own(&program(&graph(next)), "set") {
        Instr::SetInt { outputs_read, .. } => outputs_read,
        other => panic!("{other:?}"),
    };
    // The second Set reads the first's output, or the Add's.
    let set_output = r#""next": (node: "Set", var: "A", inputs: {"A": Link("set", "A")}),"#;
    let add_output = r#""next": (node: "Set", var: "A", inputs: {"A": Link("add", "Return Value")}),"#;
    let neither = r#""next": (node: "Set", var: "A", inputs: {"A": 1}),"#;
    assert!(outputs_read(set_output));
    assert!(outputs_read(add_output));
    assert!(!outputs_read(neither));
}

#[test]
fn every_arithmetic_and_comparison_is_an_instruction_and_a_branch_takes_its_comparison() {
    let text = graph(
        r#""next": (node: "Branch", inputs: {"Condition": Link("less", "Return Value")}, exec: {"True": "div"}),
        "rest": (node: "Modulo", inputs: {"A": Var("A"), "B": 3}),
        "less": (node: "Less", inputs: {"A": Link("rest", "Return Value"), "B": 2}),
        "div": (node: "Set", var: "A", inputs: {"A": Link("q", "Return Value")}),
        "q": (node: "Divide", inputs: {"A": Var("A"), "B": 2}),"#,
    );
    let program = program(&text);
    let inner = &program.inner;
    let n = inner.debug.iter().position(|d| d.id == "next").unwrap() as u32;
    let run = &inner.code.instrs[inner.code.run_of(n)];
    assert!(
        matches!(
            run,
            [
                Instr::Int { op: IntOp::Modulo, .. },
                Instr::CompareBranch {
                    op: Compare::Less,
                    outputs_read: false,
                    ..
                }
            ]
        ),
        "{run:?}"
    );
    assert!(matches!(own(&program, "div"), Instr::SetInt { op: IntOp::Divide, .. }));
    // Unfused: the comparison, then the Branch.
    let unfused = Registry::standard().load_str_unfused("t.ron", &text).unwrap();
    let code = &unfused.inner.code;
    assert!(matches!(
        code.instrs[code.run_of(n)],
        [Instr::Int { .. }, Instr::CompareInt { .. }, Instr::Branch { .. }]
    ));
    // Float comparisons too (not fused with the Branch); a String comparison goes through
    // the node.
    let compare = |ty: &str, b: &str| {
        program_of(
            &format!(
                r#"Graph(format: 1, name: "T", variables: {{"F": (type: {ty})}}, nodes: {{
                    "begin": (node: "Event BeginPlay", exec: {{"then": "b"}}),
                    "less": (node: "Less", inputs: {{"A": Var("F"), "B": {b}}}),
                    "b": (node: "Branch", inputs: {{"Condition": Link("less", "Return Value")}}),
                }})"#
            ),
            "b",
        )
    };
    let floats = compare("Float", "2.5");
    assert!(
        matches!(
            floats[..],
            [Instr::CompareFloat { op: Compare::Less, .. }, Instr::Branch { .. }]
        ),
        "{floats:?}"
    );
    let strings = compare("String", r#""m""#);
    assert!(
        matches!(strings[..], [Instr::Pure(_), Instr::Branch { .. }]),
        "{strings:?}"
    );
}

/// The run of node `id` in `graph`.
fn program_of(graph: &str, id: &str) -> Vec<Instr> {
    let program = Registry::standard().load_str("t.ron", graph).unwrap();
    let inner = &program.inner;
    let n = inner.debug.iter().position(|d| d.id == id).unwrap() as u32;
    inner.code.instrs[inner.code.run_of(n)].to_vec()
}

#[test]
fn a_loop_reads_its_bounds_once_only_when_nothing_in_its_body_can_change_them() {
    let print = r#""next": (node: "Print String", inputs: {"In String": Var("S")}),"#;
    // N - 1, and the body writes A only (a Print writes nothing).
    assert!(reads_bounds_once(&graph(print), "loop"));
    // The body sets N.
    let sets_n = r#""next": (node: "Set", var: "N", inputs: {"N": 2}),"#;
    assert!(!reads_bounds_once(&graph(sets_n), "loop"));
    // A node of the body names N (`Increment`), so may write it.
    let increments = r#""next": (node: "Increment", var: "N"),"#;
    assert!(!reads_bounds_once(&graph(increments), "loop"));
    // Further down the body, after a Branch and a Sequence.
    let deeper = r#""next": (node: "Sequence", exec: {"Then 0": "p", "Then 1": "b"}),
        "p": (node: "Print String", inputs: {"In String": "x"}),
        "b": (node: "Branch", inputs: {"Condition": true}, exec: {"False": "s"}),
        "s": (node: "Set", var: "N", inputs: {"N": 2}),"#;
    assert!(!reads_bounds_once(&graph(deeper), "loop"));
    // A bound that a pure node gives through its implementation (it may differ each time).
    let random = graph(print).replace(
        r#""last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),"#,
        r#""last": (node: "Random Integer in Range", inputs: {"Min": 1, "Max": 5}),"#,
    );
    assert!(!reads_bounds_once(&random, "loop"));
    // Unfused: each pass.
    let unfused = Registry::standard().load_str_unfused("t.ron", &graph(print)).unwrap();
    let n = unfused.inner.debug.iter().position(|d| d.id == "loop").unwrap();
    assert_eq!(unfused.inner.code.resume[n], unfused.inner.code.start[n]);
}

#[test]
fn a_loop_whose_body_calls_a_function_that_sets_its_bound_reads_it_each_pass() {
    let text = |set: &str| {
        format!(
            r#"Graph(format: 1, name: "T", variables: {{"N": (type: Int, default: 4)}},
            functions: {{"F": (nodes: {{
                "entry": (node: "Function Entry", exec: {{"then": "s"}}),
                "s": (node: "Set", var: "{set}", inputs: {{"{set}": 1}}),
            }}, locals: {{"L": (type: Int)}})}},
            nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
                "last": (node: "Subtract", inputs: {{"A": Var("N"), "B": 1}}),
                "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": Link("last", "Return Value")}}, exec: {{"Loop Body": "call"}}),
                "call": (node: "F"),
            }})"#
        )
    };
    assert!(!reads_bounds_once(&text("N"), "loop"));
    assert!(reads_bounds_once(&text("L"), "loop"));
}

#[test]
fn a_for_each_loop_is_an_instruction_reading_its_array_each_pass_unless_nothing_can_change_it() {
    let text = |body: &str| {
        format!(
            r#"Graph(format: 1, name: "T", variables: {{"Items": (type: Array(Int), default: [1, 2]), "S": (type: Int)}}, nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "each"}}),
                "items": (node: "Get", var: "Items"),
                "each": (node: "For Each Loop", inputs: {{"Array": Link("items", "Items")}}, exec: {{"Loop Body": "body"}}),
                {body}
            }})"#
        )
    };
    let sums = r#""body": (node: "Set", var: "S", inputs: {"S": Link("e", "Array Element")}),
        "e": (node: "Get", var: "S"),"#;
    let sums = sums.replace(
        r#""S": Link("e", "Array Element")"#,
        r#""S": Link("each", "Array Element")"#,
    );
    let program = program(&text(&sums));
    assert!(
        matches!(own(&program, "each"), Instr::ForEach { .. }),
        "{:?}",
        own(&program, "each")
    );
    assert!(reads_bounds_once(&text(&sums), "each"));
    // The body changes the array: read again each pass.
    let grows = r#""body": (node: "Set", var: "Items", inputs: {"Items": Link("added", "Return Value")}),
        "added": (node: "Array Add", inputs: {"Array": Var("Items"), "Item": 3}),"#;
    assert!(!reads_bounds_once(&text(grows), "each"));
}

/// `Set X = Node(X, …)` with a node that changes X in place.
mod update_in_place {
    use super::*;
    use crate::node::input::InputPlan;
    use crate::Registry;

    const GROW: &str = r#"Graph(format: 1, name: "T", variables: {"Items": (type: Array(Int))}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "loop": (node: "For Loop", inputs: {"First Index": 0, "Last Index": 3}, exec: {"Loop Body": "keep"}),
        "grown": (node: "Array Add", inputs: {"Array": Var("Items"), "Item": Link("loop", "Index")}),
        "keep": (node: "Set", var: "Items", inputs: {"Items": Link("grown", "Return Value")}),
    })"#;

    /// `Set Items = Array Add(Items, v)`: the variable moves into Array Add and back.
    fn moves(graph: &str) -> (bool, bool) {
        let program = Registry::standard().load_str("t.ron", graph).unwrap();
        let inner = &program.inner;
        let at = |id: &str| inner.debug.iter().position(|d| d.id == id).unwrap();
        let set = inner.code.instrs[inner.code.run_of(at("keep") as u32).end - 1];
        let taken = matches!(inner.nodes[at("grown")].inputs[0], InputPlan::TakeVar { .. });
        (matches!(set, Instr::Set { moves: true, .. }), taken)
    }

    #[test]
    fn a_set_of_a_variable_changed_in_place_moves_it() {
        assert_eq!(moves(GROW), (true, true));
        // Another reader of Array Add's output, or of the Set's: copied as before.
        let read = GROW.replace(
            "    })",
            "    \"n\": (node: \"Array Length\", inputs: {\"Array\": Link(\"grown\", \"Return Value\")}),\n    })",
        );
        assert_eq!(moves(&read), (false, false));
        // Another variable: copied.
        let other = GROW
            .replace(
                "{\"Items\": (type: Array(Int))}",
                "{\"Items\": (type: Array(Int)), \"B\": (type: Array(Int))}",
            )
            .replace("Var(\"Items\")", "Var(\"B\")");
        assert_eq!(moves(&other), (false, false));
    }

    #[test]
    fn array_edits_and_append_move_the_variable_too() {
        let set = GROW.replace(
            r#""grown": (node: "Array Add", inputs: {"Array": Var("Items"), "Item": Link("loop", "Index")}),"#,
            r#""grown": (node: "Array Set", inputs: {"Array": Var("Items"), "Index": 0, "Item": Link("loop", "Index")}),"#,
        );
        assert_eq!(moves(&set), (true, true));
        let remove = GROW.replace(
            r#""grown": (node: "Array Add", inputs: {"Array": Var("Items"), "Item": Link("loop", "Index")}),"#,
            r#""grown": (node: "Array Remove Index", inputs: {"Array": Var("Items"), "Index": 0}),"#,
        );
        assert_eq!(moves(&remove), (true, true));
        let append = GROW
            .replace("{\"Items\": (type: Array(Int))}", "{\"Items\": (type: String)}")
            .replace(
                r#""grown": (node: "Array Add", inputs: {"Array": Var("Items"), "Item": Link("loop", "Index")}),"#,
                r#""grown": (node: "Append", inputs: {"A": Var("Items"), "B": "x"}),"#,
            );
        assert_eq!(moves(&append), (true, true));
    }
}
