//! What the edit layer's property tests share: the repository's graph files, and random
//! operations on what a text holds.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use graphrun_edit::doc::Doc;
use graphrun_edit::{Body, Op};

/// Every `.ron` file under the repository's `graphs/` and `tests/`.
pub fn graph_files() -> Vec<PathBuf> {
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
pub fn random_op(rng: &mut fastrand::Rng, text: &str, body: &Body) -> Op {
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
    match rng.usize(..20) {
        19 => {
            // A knot on a wire that is there (an exec output's), or on one that is not.
            let wire = nodes.iter().find_map(|n| {
                let map = n.field("exec")?;
                let item = graphrun_edit::tree::items(&map).into_iter().next()?;
                let target = graphrun_edit::tree::string(&item.value()?)?;
                let (to, to_pin) = target.split_once('.').unwrap_or((target.as_str(), "exec"));
                Some(((n.id.clone(), item.key()?), (to.to_string(), to_pin.to_string())))
            });
            let (from, to) = wire.filter(|_| rng.bool()).unwrap_or(((id, pin.clone()), (other, pin)));
            Op::Reroute {
                id: "auto".into(),
                from,
                to,
                pos: Some((rng.i64(-300..300), rng.i64(-300..300))),
            }
        }
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
