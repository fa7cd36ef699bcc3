//! The edit layer's property: on every graph file of the repository, random operations,
//! each applied and then undone, give the file back byte for byte; after each, the file
//! still parses and still reads as a graph; the tree's text is always the file's text.
//! Fixed seeds, bounded counts: the same cases every run.

use std::path::{Path, PathBuf};

use graphrun_edit::doc::Doc;
use graphrun_edit::syntax::parse;
use graphrun_edit::{undo, Body, NoInspector, Op, Session};

/// Every `.ron` file under the repository's `graphs/` and `tests/`.
fn graph_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut stack = vec![root.join("graphs"), root.join("tests")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ron") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

const TYPES: &[&str] = &[
    "Print String",
    "Branch",
    "Add",
    "Get",
    "Custom Event",
    "Quit",
    "Sequence",
];
const VALUES: &[&str] = &[
    "1",
    "-2.5",
    "true",
    "\"text\"",
    "plain words",
    "[1, 2]",
    "{\"k\": 1}",
    "Var(\"X\")",
];
const PINS: &[&str] = &[
    "then",
    "exec",
    "In String",
    "A",
    "B",
    "Condition",
    "Then 0",
    "Return Value",
];

fn pick<'a>(rng: &mut fastrand::Rng, items: &'a [String]) -> &'a str {
    if items.is_empty() {
        "missing"
    } else {
        &items[rng.usize(..items.len())]
    }
}

/// A random operation on what `text`'s body holds (its ids, pins and variables) and on
/// names it does not hold.
fn random_op(rng: &mut fastrand::Rng, text: &str, body: &Body) -> Op {
    let doc = Doc::new(text);
    let nodes = doc.nodes(body);
    let mut ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    ids.push("nobody".to_string());
    let mut pins: Vec<String> = PINS.iter().map(|p| p.to_string()).collect();
    for n in &nodes {
        for field in ["inputs", "exec"] {
            if let Some(map) = n.field(field) {
                pins.extend(graphrun_edit::tree::items(&map).iter().filter_map(|i| i.key()));
            }
        }
    }
    let mut vars = doc.variable_names(body);
    vars.push("Nothing".to_string());
    let id = pick(rng, &ids).to_string();
    let other = pick(rng, &ids).to_string();
    let pin = pick(rng, &pins).to_string();
    let var = pick(rng, &vars).to_string();
    let value = VALUES[rng.usize(..VALUES.len())].to_string();
    let some_ids: Vec<String> = nodes
        .iter()
        .filter(|_| rng.usize(..4) == 0)
        .map(|n| n.id.clone())
        .take(4)
        .collect();
    match rng.usize(..19) {
        15 => Op::SetType {
            name: var,
            ty: ["Int", "Bool", "Array(String)"][rng.usize(..3)].into(),
        },
        16 => Op::AddCommentBox {
            text: "a box".into(),
            ids: some_ids,
        },
        17 => match rng.usize(..3) {
            0 => Op::SetCommentBox {
                index: rng.usize(..2),
                text: "renamed".into(),
            },
            _ => Op::RemoveCommentBox { index: rng.usize(..2) },
        },
        18 => Op::AddReusable {
            kind: if rng.bool() {
                graphrun_edit::collapse::Reusable::Function
            } else {
                graphrun_edit::collapse::Reusable::Macro
            },
            name: format!("R{}", rng.u32(..5)),
        },
        13 => {
            let placed: Vec<(String, Option<(i64, i64)>)> =
                some_ids.iter().map(|id| (id.clone(), Some((16, 32)))).collect();
            match graphrun_edit::clipboard::copy(text, body, &placed) {
                Ok(copied) => Op::Paste {
                    x: rng.i64(-300..300),
                    y: rng.i64(-300..300),
                    text: copied,
                },
                Err(_) => Op::RemoveNode { id },
            }
        }
        14 => Op::Collapse {
            kind: if rng.bool() {
                graphrun_edit::collapse::Reusable::Function
            } else {
                graphrun_edit::collapse::Reusable::Macro
            },
            name: format!("C{}", rng.u32(..20)),
            ids: some_ids,
        },
        0 => Op::AddNode {
            id: if rng.bool() {
                "auto".into()
            } else {
                format!("n{}", rng.u32(..50))
            },
            node_type: TYPES[rng.usize(..TYPES.len())].into(),
            pos: rng.bool().then(|| (rng.i64(-500..500), rng.i64(-500..500))),
            var: rng.bool().then(|| var.clone()),
        },
        1 => Op::RemoveNode { id },
        2 => Op::RenameNode {
            old: id,
            new: format!("r{}", rng.u32(..50)),
        },
        3 => Op::Move {
            id,
            x: rng.i64(-1000..1000),
            y: rng.i64(-1000..1000),
        },
        4 => Op::Set { id, pin, value },
        5 => Op::Clear { id, pin },
        6 => Op::Connect {
            from: id,
            from_pin: rng.bool().then(|| pin.clone()),
            to: other,
            to_pin: Some(pick(rng, &pins).to_string()),
        },
        7 => Op::Disconnect { id, pin },
        8 => Op::AddVariable {
            name: format!("V{}", rng.u32(..20)),
            ty: ["Int", "String", "Array(Float)", "Map(Bool)"][rng.usize(..4)].into(),
            default: None,
        },
        9 => Op::RemoveVariable { name: var },
        10 => Op::RenameVariable {
            old: var,
            new: format!("W{}", rng.u32(..20)),
        },
        11 => Op::SetDefault { name: var, value },
        _ => Op::Comment {
            id,
            text: if rng.bool() {
                String::new()
            } else {
                "a note \"quoted\"".into()
            },
        },
    }
}

#[test]
fn every_operation_undone_gives_the_file_back_byte_for_byte() {
    let files = graph_files();
    assert!(files.len() > 50, "found only {} graph files", files.len());
    let (mut applied, mut refused, mut graphs) = (0, 0, 0);
    // Every file as it is, and every fourth again with Windows line ends.
    let runs = files.iter().enumerate().flat_map(|(n, path)| {
        let text = std::fs::read_to_string(path).unwrap();
        let crlf = (n % 4 == 0).then(|| text.replace('\n', "\r\n"));
        std::iter::once((n, path, text)).chain(crlf.map(|t| (n + files.len(), path, t)))
    });
    for (n, path, text) in runs {
        assert_eq!(
            parse(&text).root().to_string(),
            text,
            "{}: the tree lost bytes",
            path.display()
        );
        // Only files that read as graphs are edited (the cases include broken ones on purpose).
        let Some(file) = graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &text)).0 else {
            continue;
        };
        graphs += 1;
        let mut bodies = vec![Body::Graph];
        bodies.extend(file.functions.iter().map(|f| Body::Function(f.name.value.clone())));
        bodies.extend(file.macros.iter().map(|m| Body::Macro(m.name.value.clone())));
        let mut rng = fastrand::Rng::with_seed(n as u64 + 1);
        for body in &bodies {
            let Ok(mut session) = Session::new("g.ron", &text, body.clone(), &NoInspector) else {
                continue;
            };
            for _ in 0..12 {
                let op = random_op(&mut rng, session.text(), body);
                let before = session.text().to_string();
                let steps = session.steps().len();
                match session.apply(&op) {
                    Err(_) => {
                        assert_eq!(
                            session.text(),
                            before,
                            "{}: refused `{op}` changed the text",
                            path.display()
                        );
                        refused += 1;
                    }
                    Ok(()) => {
                        applied += 1;
                        let now = session.text().to_string();
                        assert!(
                            graphrun_format::ron::parse(&now).is_ok(),
                            "{}: after `{op}` the file does not parse:\n{now}",
                            path.display()
                        );
                        let read = graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &now));
                        assert!(
                            read.0.is_some(),
                            "{}: after `{op}` it is no graph: {:?}",
                            path.display(),
                            read.1
                        );
                        assert_eq!(parse(&now).root().to_string(), now);
                        if text.contains("\r\n") {
                            assert!(
                                !now.replace("\r\n", "").contains('\n'),
                                "{}: `{op}` wrote a bare line feed",
                                path.display()
                            );
                        }
                        // This operation's steps undone give the text before it.
                        let back = undo(&now, &session.steps()[steps..]);
                        assert_eq!(
                            back.as_deref(),
                            Some(before.as_str()),
                            "{}: `{op}` undone",
                            path.display()
                        );
                    }
                }
            }
            // The whole batch undone gives the file back.
            let edited = session.finish();
            let back = undo(&edited.text, &edited.undo);
            assert_eq!(
                back.as_deref(),
                Some(text.as_str()),
                "{}: the batch undone",
                path.display()
            );
        }
    }
    assert!(graphs > 40, "only {graphs} files read as graphs");
    // The operations must mostly apply, or the property says little.
    assert!(applied > refused, "{applied} applied, {refused} refused");
    eprintln!("{graphs} graphs: {applied} operations applied and undone, {refused} refused");
}
