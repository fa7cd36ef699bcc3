//! The merge's cases, each a change on each side of one base.
use super::*;

const BASE: &str = r#"// The base.
Graph(
    format: 1,
    name: "G",
    imports: ["a.ron"],
    variables: {"Url": (type: String, default: "ws://a/")},
    comments: [(text: "Greeting", nodes: ["begin", "hello"])],
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "hello"}),
        "hello": (node: "Print String", inputs: {"In String": "hello"}),
        "send": (node: "Send Json Object", inputs: {"Object": {"type": "hello"}}),
        "bye": (node: "Print String", inputs: {"In String": "bye"}),
    },
)
"#;

fn merged(ours: &str, theirs: &str) -> Merged {
    merge(("base.ron", BASE), ("ours.ron", ours), ("theirs.ron", theirs)).unwrap()
}

fn diff(a: &str, b: &str) -> Vec<String> {
    crate::diff::diff(("a", a), ("b", b), true).unwrap()
}

#[test]
fn changes_to_neighbouring_lines_merge() {
    let ours = BASE.replace("\"hello\"}),", "\"hi\"}),");
    let theirs = BASE.replace("\"bye\"}),", "\"ciao\"}),");
    let m = merged(&ours, &theirs);
    assert_eq!(m.conflicts, Vec::<String>::new());
    assert_eq!(
        m.text,
        BASE.replace("\"hello\"}),", "\"hi\"}),")
            .replace("\"bye\"}),", "\"ciao\"}),")
    );
}

#[test]
fn two_pins_of_one_node_merge_and_one_pin_two_ways_conflicts() {
    let ours = BASE.replace("{\"then\": \"hello\"}", "{\"then\": \"send\"}");
    let theirs = BASE.replace(
        "(node: \"Event BeginPlay\", exec",
        "(node: \"Event BeginPlay\", pos: (0, 16), exec",
    );
    let m = merged(&ours, &theirs);
    assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
    assert!(m
        .text
        .contains("(node: \"Event BeginPlay\", pos: (0, 16), exec: {\"then\": \"send\"})"));

    let ours = BASE.replace("{\"type\": \"hello\"}", "{\"type\": \"a\"}");
    let theirs = BASE.replace("{\"type\": \"hello\"}", "{\"type\": \"b\"}");
    let m = merged(&ours, &theirs);
    let line = r#"node "send" input "Object": ours {"type":"a"}, theirs {"type":"b"}"#;
    assert_eq!(m.conflicts, [line]);
    assert_eq!(
        m.text,
        ours.replace(
            "        \"send\"",
            &format!("        // CONFLICT(graphrun): {line}\n        \"send\"")
        )
    );
}

#[test]
fn theirs_new_entries_come_with_their_comments_in_ours_indentation() {
    let ours = BASE.replace("    ", "  ");
    let theirs = BASE.replace(
            "        \"bye\"",
            "        // Says it twice.\n        \"again\": (\n            node: \"Print String\",\n        ), // new\n        \"bye\"",
        );
    let m = merged(&ours, &theirs);
    assert!(m.conflicts.is_empty());
    assert!(
            m.text
                .contains("    \"send\": (node: \"Send Json Object\", inputs: {\"Object\": {\"type\": \"hello\"}}),\n    // Says it twice.\n    \"again\": (\n        node: \"Print String\",\n    ), // new\n    \"bye\""),
            "{}",
            m.text
        );
}

#[test]
fn removals_and_changes() {
    // Theirs removes a node ours did not touch: it goes.
    let theirs = BASE.replace(
        "        \"bye\": (node: \"Print String\", inputs: {\"In String\": \"bye\"}),\n",
        "",
    );
    let m = merged(BASE, &theirs);
    assert_eq!(m.text, theirs);
    // Ours changed it: a conflict, and ours's node stays.
    let ours = BASE.replace("\"bye\"}),", "\"later\"}),");
    let m = merged(&ours, &theirs);
    assert_eq!(m.conflicts, ["node \"bye\": ours changed it, theirs removed it"]);
    assert!(m.text.contains("        // CONFLICT(graphrun): node \"bye\": ours changed it, theirs removed it\n        \"bye\": (node: \"Print String\", inputs: {\"In String\": \"later\"}),"));
    // Ours removed it, theirs changed it: removed, with the conflict above the nodes.
    let m = merged(&theirs, &ours);
    assert_eq!(m.conflicts, ["node \"bye\": ours removed it, theirs changed it"]);
    assert!(m
        .text
        .contains("    // CONFLICT(graphrun): node \"bye\": ours removed it, theirs changed it\n    nodes: {"));
    assert!(!m.text.contains("\"bye\": ("));
}

#[test]
fn nodes_added_on_both_sides_are_kept_and_one_id_two_ways_conflicts() {
    let add =
        |id: &str, ty: &str| BASE.replace("    },\n)", &format!("        \"{id}\": (node: \"{ty}\"),\n    }},\n)"));
    let m = merged(&add("a", "Delay"), &add("b", "Branch"));
    assert!(m.conflicts.is_empty());
    assert!(
        m.text
            .contains("\"a\": (node: \"Delay\"),\n        \"b\": (node: \"Branch\"),\n    },"),
        "{}",
        m.text
    );
    let m = merged(&add("a", "Delay"), &add("a", "Branch"));
    assert_eq!(
        m.conflicts,
        ["node \"a\": added on both sides: ours (node:\"Delay\"), theirs (node:\"Branch\")"]
    );
    assert_eq!(merged(&add("a", "Delay"), &add("a", "Delay")).text, add("a", "Delay"));
}

#[test]
fn variables_imports_comment_boxes_and_functions_are_entries() {
    let ours = BASE
        .replace("\"ws://a/\"", "\"ws://b/\"")
        .replace("[\"a.ron\"]", "[\"a.ron\", \"o.ron\"]")
        .replace(
            "nodes: [\"begin\", \"hello\"]",
            "nodes: [\"begin\", \"hello\", \"send\"]",
        );
    let theirs = BASE
        .replace(
            "{\"Url\": (type: String, default: \"ws://a/\")}",
            "{\"Url\": (type: String, default: \"ws://a/\"), \"N\": (type: Int)}",
        )
        .replace("[\"a.ron\"]", "[\"a.ron\", \"t.ron\"]")
        .replace(
            "(text: \"Greeting\", nodes: [\"begin\", \"hello\"])",
            "(text: \"Greeting\", nodes: [\"begin\"], color: \"#FF0000\")",
        )
        .replace("    nodes: {\n", "    functions: {\"F\": (nodes: {})},\n    nodes: {\n");
    let m = merged(&ours, &theirs);
    assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
    assert_eq!(
        diff(BASE, &m.text),
        [
            "+ import \"o.ron\"",
            "+ import \"t.ron\"",
            "~ variable Url: default \"ws://a/\" -> \"ws://b/\"",
            "+ variable N (Int)",
            "+ function F",
            "layout: + comment box (text:\"Greeting\",nodes:[\"begin\",\"send\"],color:\"#FF0000\")",
            "layout: - comment box (text:\"Greeting\",nodes:[\"begin\",\"hello\"])",
        ]
    );
}

#[test]
fn a_merge_with_itself_or_with_no_change_is_the_identity() {
    let ours = BASE.replace("\"hello\"}),", "\"hi\"}),").replace("    ", "\t");
    assert_eq!(merged(&ours, &ours).text, ours);
    assert_eq!(merged(&ours, BASE).text, ours);
    let m = merged(BASE, &ours);
    assert!(diff(&ours, &m.text).is_empty());
    assert_eq!(m.text, BASE.replace("\"hello\"}),", "\"hi\"}),"));
}

#[test]
fn windows_line_ends_stay_and_an_empty_base_is_two_additions() {
    let ours = BASE.replace('\n', "\r\n");
    let theirs = BASE.replace(
        "    },\n)",
        "        \"x\": (\n            node: \"Delay\",\n        ),\n    },\n)",
    );
    let m = merged(&ours, &theirs);
    assert!(!m.text.replace("\r\n", "").contains('\n'), "{:?}", m.text);
    assert!(m
        .text
        .contains("\"x\": (\r\n            node: \"Delay\",\r\n        ),\r\n"));
    let m = merge(("base", ""), ("ours", BASE), ("theirs", &theirs)).unwrap();
    assert_eq!(m.text, theirs);
}

#[test]
fn the_result_parses_and_bad_files_are_errors() {
    let e = merge(("b", BASE), ("o", "Graph(format: 1,"), ("t", BASE)).unwrap_err();
    assert!(matches!(e, crate::EditError::Parse { .. }), "{e:?}");
    assert!(e.to_string().starts_with("o does not parse: o:1:"), "{e}");
    // A one-line map: theirs's commented entry goes on lines of its own.
    let ours = "Graph(format: 1, name: \"G\", nodes: {\"a\": (node: \"Delay\")})";
    let base = ours;
    let theirs = "Graph(format: 1, name: \"G\", nodes: {\n    \"a\": (node: \"Delay\"),\n    // why\n    \"b\": (node: \"Delay\"),\n})";
    let m = merge(("b", base), ("o", ours), ("t", theirs)).unwrap();
    assert!(graphrun_format::ron::parse(&m.text).is_ok(), "{}", m.text);
    assert!(m.text.contains("// why"));
    assert!(diff(theirs, &m.text).is_empty(), "{}", m.text);
}
