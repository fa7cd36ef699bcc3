//! `graphrun merge`'s properties on every graph file of the repository: two branches of
//! random operations from one base. Where the two change different entries, the merge is
//! both change sets applied (the same graph, layout included, as `graphrun diff` sees it),
//! either way round, without a conflict. A merge with itself, or with no change, is the
//! identity byte for byte. Whatever the changes, the result parses. Fixed seeds.

mod common;

use std::collections::BTreeSet;

use common::{graph_files, random_op};
use graphrun_edit::merge::merge;
use graphrun_edit::{Body, NoInspector, Op, Session};

/// `count` random operations that apply, from `text`; the ops and the result.
fn branch(rng: &mut fastrand::Rng, text: &str, count: usize) -> (Vec<Op>, String) {
    let mut session = Session::new("g.ron", text, Body::Graph, &NoInspector).unwrap();
    let mut ops = Vec::new();
    for _ in 0..count * 3 {
        if ops.len() == count {
            break;
        }
        let op = random_op(rng, session.text(), &Body::Graph);
        if session.apply(&op).is_ok() {
            ops.push(op);
        }
    }
    (ops, session.finish().text)
}

/// The entries a change touches, as `graphrun diff` names them (a function or macro as a
/// whole; the comment boxes as one), and the nodes its new values may name (every word
/// and quoted string of its lines: more than it names, never less).
fn touched(base: &str, text: &str) -> BTreeSet<String> {
    let lines = graphrun_edit::diff::diff(("base", base), ("side", text), true).unwrap();
    let ids: BTreeSet<String> = [base, text]
        .iter()
        .flat_map(|t| graphrun_edit::doc::Doc::new(t).nodes(&Body::Graph))
        .map(|n| n.id)
        .collect();
    let named = lines.iter().flat_map(|line| {
        line.split(['"', ' ', ',', '(', ')', '[', ']', ':'])
            .filter(|w| ids.contains(*w))
            .map(|w| format!("node {w}"))
            .collect::<Vec<_>>()
    });
    lines
        .iter()
        .map(|line| {
            let line = line.strip_prefix("layout: ").unwrap_or(line);
            let line = ["+ ", "- ", "~ "]
                .iter()
                .fold(line, |l, p| l.strip_prefix(p).unwrap_or(l));
            // A kind and a name; a name written twice (`p (2)`) is the name.
            match line.split(' ').collect::<Vec<_>>().as_slice() {
                ["comment", "box", ..] => "comment boxes".to_string(),
                [kind, name, ..] => format!("{kind} {}", name.trim_end_matches(':')),
                _ => line.to_string(),
            }
        })
        .chain(named)
        .collect()
}

#[test]
fn disjoint_changes_merge_to_both_and_a_merge_with_itself_is_the_identity() {
    let (mut disjoint, mut overlapping, mut graphs) = (0, 0, 0);
    for (n, path) in graph_files().iter().enumerate() {
        let base = std::fs::read_to_string(path).unwrap();
        if graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &base))
            .0
            .is_none()
        {
            continue;
        }
        graphs += 1;
        let mut rng = fastrand::Rng::with_seed(1000 + n as u64);
        for round in 0..6 {
            let (ops_a, a) = branch(&mut rng, &base, 1 + round % 4);
            let (ops_b, b) = branch(&mut rng, &base, 1 + (round + 2) % 4);
            let at = |what: &str| format!("{} round {round} ({what}): A {ops_a:?}, B {ops_b:?}", path.display());

            // Identities, byte for byte.
            assert_eq!(
                merge(("base", &base), ("a", &a), ("a", &a)).unwrap().text,
                a,
                "{}",
                at("A with A")
            );
            assert_eq!(
                merge(("base", &base), ("a", &a), ("base", &base)).unwrap().text,
                a,
                "{}",
                at("A with base")
            );
            let taken = merge(("base", &base), ("base", &base), ("a", &a)).unwrap();
            assert!(taken.conflicts.is_empty(), "{}", at("base with A"));
            assert_eq!(
                graphrun_edit::diff::diff(("a", &a), ("m", &taken.text), true).unwrap(),
                Vec::<String>::new(),
                "{}",
                at("base with A")
            );

            // Whatever the changes: the result parses.
            let merged = merge(("base", &base), ("a", &a), ("b", &b)).unwrap();
            assert!(
                graphrun_format::ron::parse(&merged.text).is_ok(),
                "{}:\n{}",
                at("parses"),
                merged.text
            );

            if !touched(&base, &a).is_disjoint(&touched(&base, &b)) {
                overlapping += 1;
                continue;
            }
            // Both change sets applied: B's operations after A's.
            let mut session = Session::new("g.ron", &a, Body::Graph, &NoInspector).unwrap();
            if ops_b.iter().any(|op| session.apply(op).is_err()) {
                overlapping += 1;
                continue;
            }
            let both = session.finish().text;
            // Operations that depend on what is there (a fresh id for a paste) may change
            // something else after A's: then B's change set is not the same, and the pair
            // says nothing about merging.
            let changes = |x: &str, y: &str| {
                let mut lines = graphrun_edit::diff::diff(("x", x), ("y", y), true).unwrap();
                lines.sort();
                lines
            };
            if changes(&a, &both) != changes(&base, &b) {
                overlapping += 1;
                continue;
            }
            disjoint += 1;
            for (first, second, merged) in [
                ("A", "B", merged.clone()),
                ("B", "A", merge(("base", &base), ("b", &b), ("a", &a)).unwrap()),
            ] {
                assert_eq!(
                    merged.conflicts,
                    Vec::<String>::new(),
                    "{}",
                    at(&format!("{first} with {second}"))
                );
                assert_eq!(
                    graphrun_edit::diff::diff(("both", &both), ("merged", &merged.text), true).unwrap(),
                    Vec::<String>::new(),
                    "{}:\n{}",
                    at(&format!("{first} with {second}")),
                    merged.text
                );
            }
        }
    }
    eprintln!("{graphs} graphs: {disjoint} disjoint pairs merged to both, {overlapping} overlapping");
    assert!(graphs > 40, "only {graphs} graphs");
    assert!(
        disjoint > 150,
        "only {disjoint} disjoint pairs: the property says little"
    );
}
