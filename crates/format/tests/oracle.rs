//! The `ron` crate as an oracle for the span-aware reader: on every graph file in the
//! repository and on a set of hand-written snippets, both accept or both refuse.

use std::path::Path;

fn both_agree(text: &str, what: &str) {
    let ours = graphrun_format::ron::parse(text).is_ok();
    let theirs = ron::from_str::<ron::Value>(text).is_ok();
    assert_eq!(
        ours, theirs,
        "the readers disagree on {what} (ours: {ours}, ron: {theirs}):\n{text}"
    );
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
}

#[test]
fn every_graph_in_the_repository_reads_as_ron_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    files(&root.join("graphs"), &mut paths);
    files(&root.join("tests/cases"), &mut paths);
    assert!(paths.len() > 50);
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        both_agree(&text, &path.display().to_string());
    }
}

#[test]
fn snippets_are_accepted_and_refused_alike() {
    let snippets = [
        "Graph(a: 1, b: [1, 2,], c: {\"k\": (x: 1.5)},)",
        "(1, \"two\", 'c', true, None, Some(3))",
        "[0x1f, -7, 1e3, 2.5, r#\"raw \"q\"\"#]",
        "/* nested /* comment */ */ Unit",
        "{\"a\": [\"b\", {\"c\": ()}]}",
        "Graph(a: 1",
        "[1, 2",
        "{\"k\" 1}",
        "(a: 1, 2)",
        "\"unterminated",
        "Graph(a: 1) trailing",
    ];
    for snippet in snippets {
        both_agree(snippet, "a snippet");
    }
}
