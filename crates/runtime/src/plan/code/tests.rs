//! The lowering's cases: loop bodies run in place, fusions, expressions, straight bodies,
//! and sets that move.
use super::*;
use crate::Registry;

/// The instructions a For Loop's body runs in place, by the loop's node id; `None` if the
/// loop goes through the chain.
fn body_of(graph: &str, id: &str) -> Option<Vec<Instr>> {
    let program = Registry::standard().load_str("t.ron", graph).unwrap();
    let inner = &program.inner;
    let n = inner.debug.iter().position(|d| d.id == id).unwrap();
    match inner.code.instrs[inner.code.run_of(n as u32).end - 1] {
        Instr::ForLoop { body, body_len: 0, .. } => {
            assert_eq!(body, 0);
            None
        }
        Instr::ForLoop { body, body_len, .. } => Some(inner.code.instrs[body as usize..][..body_len as usize].to_vec()),
        other => panic!("`{id}` is {other:?}"),
    }
}

/// How the For Loop `id` reads its bounds.
fn bounds(graph: &str, id: &str) -> Bounds {
    let program = Registry::standard().load_str("t.ron", graph).unwrap();
    let inner = &program.inner;
    let n = inner.debug.iter().position(|d| d.id == id).unwrap();
    match inner.code.instrs[inner.code.run_of(n as u32).end - 1] {
        Instr::ForLoop { bounds, .. } => bounds,
        other => panic!("`{id}` is {other:?}"),
    }
}

fn graph(body: &str) -> String {
    format!(
        r#"Graph(format: 1, name: "T", variables: {{"A": (type: Int), "S": (type: String)}}, nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
                "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": 3}}, exec: {{"Loop Body": "set"}}),
                "set": (node: "Set", var: "A", inputs: {{"A": Link("add", "Return Value")}}, exec: {{"then": "next"}}),
                "add": (node: "Add", inputs: {{"A": Var("A"), "B": Link("loop", "Index")}}),
                {body}
            }})"#
    )
}

#[test]
fn an_instruction_is_24_bytes() {
    assert_eq!(std::mem::size_of::<Instr>(), 24);
}

#[test]
fn a_straight_run_of_sets_is_the_body() {
    let text = graph(r#""next": (node: "Set", var: "S", inputs: {"S": "x"}),"#);
    let body = body_of(&text, "loop").unwrap();
    let inner = Registry::standard().load_str("t.ron", &text).unwrap().inner;
    let out = |id: &str| inner.nodes[inner.debug.iter().position(|d| d.id == id).unwrap()].out_base;
    let (vars_at, consts_at) = (
        inner.slot_count as u32,
        (inner.slot_count + inner.variables.len()) as u32,
    );
    // The Add and the Set that reads it are one instruction.
    let [Instr::SetInt {
        op: IntOp::Add,
        a,
        b,
        sum,
        var,
        dst,
        outputs_read: false,
    }, Instr::Set {
        var: var_s,
        src: constant,
        ..
    }] = body[..]
    else {
        panic!("{body:?}");
    };
    assert_eq!((a, b, sum), (vars_at, out("loop"), out("add")));
    assert_eq!((var, dst), (vars_at, out("set")));
    assert_eq!(var_s, vars_at + 1);
    assert!(constant >= consts_at);
    assert_eq!(inner.code.consts[(constant - consts_at) as usize], Value::from("x"));
}

#[test]
fn a_fused_set_writes_its_outputs_when_another_node_reads_them() {
    let outputs_read = |next: &str| match body_of(&graph(next), "loop").unwrap()[0] {
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
fn a_loop_reads_its_bounds_once_only_when_nothing_can_change_them() {
    // Constant bounds, a body of intrinsic Sets.
    let sets = graph(r#""next": (node: "Set", var: "S", inputs: {"S": "x"}),"#);
    assert_eq!(bounds(&sets, "loop"), Bounds::Registers);
    // A pure node run through its implementation may do anything, but not to constants.
    let format = r#""next": (node: "Set", var: "S", inputs: {"S": Link("f", "Return Value")}),
            "f": (node: "Format String", inputs: {"Format": "{a}", "a": Var("A")}),"#;
    assert!(body_of(&graph(format), "loop").is_some());
    assert_eq!(bounds(&graph(format), "loop"), Bounds::Once);
    // A bound read from a variable: once if no body instruction writes it and none runs
    // a node; else each pass.
    let with = |last: &str, extra: &str| {
        graph(&format!(
            r#""next": (node: "Set", var: "S", inputs: {{"S": "x"}}), {extra}"#
        ))
        .replace(r#""Last Index": 3"#, &format!(r#""Last Index": {last}"#))
        .replace(r#""S": (type: String)"#, r#""S": (type: String), "B": (type: Int)"#)
    };
    assert_eq!(bounds(&with(r#"Var("A")"#, ""), "loop"), Bounds::EachPass);
    assert_eq!(bounds(&with(r#"Var("B")"#, ""), "loop"), Bounds::Registers);
    let var_and_format = graph(format)
        .replace(r#""Last Index": 3"#, r#""Last Index": Var("B")"#)
        .replace(r#""S": (type: String)"#, r#""S": (type: String), "B": (type: Int)"#);
    assert_eq!(bounds(&var_and_format, "loop"), Bounds::EachPass);
    // A bound computed by a pure node of the loop's own: each pass.
    let computed = with(
        r#"Link("m", "Return Value")"#,
        r#""m": (node: "Subtract", inputs: {"A": 9, "B": 1}),"#,
    );
    assert!(body_of(&computed, "loop").is_some());
    assert_eq!(bounds(&computed, "loop"), Bounds::EachPass);
}

#[test]
fn an_expression_is_an_entry_then_a_return_reading_only_instructions() {
    let function = |name: &str, locals: &str, nodes: &str| {
        format!(r#""{name}": (inputs: {{"X": Int}}, outputs: {{"R": Int}}, locals: {{{locals}}}, nodes: {{{nodes}}}),"#)
    };
    let entry = r#""entry": (node: "Function Entry", exec: {"then": "ret"}),"#;
    let twice = r#""ret": (node: "Return Node", inputs: {"R": Link("add", "Return Value")}),
            "add": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Var("G")}),"#;
    let functions = [
        function("Twice", "", &format!("{entry}{twice}")),
        function("Local", r#""L": (type: Int)"#, &format!("{entry}{twice}")),
        function(
            "Prints",
            "",
            &format!(
                r#""entry": (node: "Function Entry", exec: {{"then": "p"}}),
                    "p": (node: "Print String", inputs: {{"In String": "x"}}, exec: {{"then": "ret"}}),{twice}"#
            ),
        ),
        function(
            "Converts",
            "",
            &format!(
                r#"{entry}"ret": (node: "Return Node", inputs: {{"R": Link("len", "Return Value")}}),
                    "len": (node: "Len", inputs: {{"In String": "abc"}}),"#
            ),
        ),
    ]
    .concat();
    let text = format!(
        r#"Graph(format: 1, name: "T", variables: {{"G": (type: Int)}}, functions: {{{functions}}}, nodes: {{}})"#
    );
    let program = Registry::standard().load_str("t.ron", &text).unwrap();
    let inner = &program.inner;
    let expression = |name: &str| {
        let f = inner.functions.iter().find(|f| f.name == name).unwrap();
        f.expression.map(|ret| inner.debug[ret as usize].id.clone())
    };
    assert_eq!(expression("Twice").as_deref(), Some("ret"));
    assert_eq!(expression("Local"), None);
    assert_eq!(expression("Prints"), None);
    assert_eq!(expression("Converts"), None);
}

#[test]
fn an_impure_call_of_an_expression_is_part_of_a_straight_body() {
    let text = |body: &str| {
        format!(
            r#"Graph(format: 1, name: "T", variables: {{"A": (type: Int)}},
                functions: {{"F": (inputs: {{"X": Int}}, outputs: {{"R": Int}}, nodes: {{
                    "entry": (node: "Function Entry", exec: {{"then": {body}}}),
                    "p": (node: "Print String", inputs: {{"In String": "x"}}, exec: {{"then": "ret"}}),
                    "ret": (node: "Return Node", inputs: {{"R": Link("entry", "X")}}),
                }})}},
                nodes: {{
                    "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
                    "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": 3}}, exec: {{"Loop Body": "call"}}),
                    "call": (node: "F", inputs: {{"X": Link("loop", "Index")}}, exec: {{"then": "set"}}),
                    "set": (node: "Set", var: "A", inputs: {{"A": Link("call", "R")}}),
                }})"#
        )
    };
    let body = body_of(&text(r#""ret""#), "loop").unwrap();
    assert!(matches!(body[..], [Instr::Call { .. }, Instr::Set { .. }]), "{body:?}");
    // F prints before it returns: not an expression, so the loop goes through the chain.
    assert!(body_of(&text(r#""p""#), "loop").is_none());
}

#[test]
fn a_straight_body_is_sets_from_the_entry_to_a_return() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/cases/functions/straight_bodies.ron"
    ))
    .unwrap();
    let program = Registry::standard().load_str("t.ron", &text).unwrap();
    let inner = &program.inner;
    let straight = |name: &str| {
        let f = inner.functions.iter().position(|f| f.name == name).unwrap();
        inner.code.straight[f].map(|b| (inner.debug[b.ret as usize].id.clone(), b.leaf))
    };
    assert_eq!(straight("Count And Add"), Some(("ret".to_string(), true)));
    assert_eq!(straight("Square Plus One"), Some(("ret".to_string(), true)));
    // Its Set reads a pure call: not a leaf.
    assert_eq!(straight("Sum To"), Some(("ret".to_string(), false)));
    // A Branch: through the chain.
    assert_eq!(straight("Down"), None);
    // The loop calling a leaf runs it in place.
    let body = body_of(&text, "loop").unwrap();
    assert!(
        matches!(body[..], [Instr::Call { .. }, Instr::SetInt { .. }]),
        "{body:?}"
    );
}

#[test]
fn a_body_with_any_other_node_goes_through_the_chain() {
    let print = r#""next": (node: "Print String", inputs: {"In String": "x"}),"#;
    assert!(body_of(&graph(print), "loop").is_none());
    // A Set leading back into the loop closes an exec cycle: counted by the guard, so not
    // run in place.
    let back = r#""next": (node: "Set", var: "S", inputs: {"S": "x"}, exec: {"then": "loop"}),"#;
    assert!(body_of(&graph(back), "loop").is_none());
}

#[test]
fn a_body_too_long_to_copy_goes_through_the_chain() {
    // A Set reading a chain of 300 Adds: 301 instructions, more than a loop copies.
    let mut adds = String::from(r#""next": (node: "Set", var: "A", inputs: {"A": Link("a0", "Return Value")}),"#);
    for i in 0..300 {
        let b = if i == 299 {
            r#"Var("A")"#.to_string()
        } else {
            format!(r#"Link("a{}", "Return Value")"#, i + 1)
        };
        adds.push_str(&format!(r#""a{i}": (node: "Add", inputs: {{"A": 1, "B": {b}}}),"#));
    }
    assert!(body_of(&graph(&adds), "loop").is_none());
    // Shorter, it is copied.
    let short = adds.replace(r#""B": Link("a10", "Return Value")"#, r#""B": 1"#);
    assert!(body_of(&graph(&short), "loop").is_some());
}

/// `Set X = Node(X, …)` with a node that changes X in place.
mod update_in_place {
    use super::*;
    use crate::plan::program::InputPlan;
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
}
