//! `graphrun render`: the pictures of the graphs in `graphs/` are the ones in
//! `docs/pictures/` (made by `scripts/pictures.sh`); on those and on 100 generated graphs,
//! no two boxes overlap, every wire starts and ends on its pins, the output is the same
//! bytes every time; `pos` is kept; a file that does not load is not drawn.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

#[path = "../fuzz/src/runs.rs"]
#[allow(dead_code)]
mod runs;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn render(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(ROOT)
        .arg("render")
        .args(args)
        .output()
        .expect("graphrun runs")
}

/// The value of attribute `name` in one SVG element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + element[start..].find('"')?;
    Some(&element[start..end])
}

fn number(text: &str) -> i64 {
    text.trim().parse().unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

/// Checks what any picture must be: boxes apart, wires on their pins.
fn check_picture(svg: &str, what: &str) -> HashMap<String, (i64, i64, i64, i64)> {
    let mut boxes: HashMap<String, (i64, i64, i64, i64)> = HashMap::new();
    let mut pins: HashMap<(String, String, String), (i64, i64)> = HashMap::new();
    let mut node: Option<String> = None;
    let mut wires = Vec::new();
    for line in svg.lines() {
        if line.starts_with("<g class=\"node\"") {
            node = attr(line, "data-node").map(str::to_string);
        } else if line.starts_with("<rect x=") {
            if let Some(id) = &node {
                boxes.entry(id.clone()).or_insert_with(|| {
                    let n = |a| number(attr(line, a).unwrap());
                    (n("x"), n("y"), n("width"), n("height"))
                });
            }
        } else if line.contains("class=\"pin ") {
            let id = node.clone().expect("a pin is in a node");
            let (x, y) = attr(line, "data-at").unwrap().split_once(',').unwrap();
            let key = (
                id,
                attr(line, "data-pin").unwrap().to_string(),
                attr(line, "data-dir").unwrap().to_string(),
            );
            pins.insert(key, (number(x), number(y)));
        } else if line.starts_with("<path class=\"wire") {
            wires.push(line.to_string());
        } else if line == "</g>" {
            node = None;
        }
    }
    let ids: Vec<&String> = boxes.keys().collect();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let (ax, ay, aw, ah) = boxes[*a];
            let (bx, by, bw, bh) = boxes[*b];
            let overlap = ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
            assert!(!overlap, "{what}: the boxes of `{a}` and `{b}` overlap");
        }
    }
    for wire in wires {
        let d = attr(&wire, "d").unwrap();
        let numbers: Vec<i64> = d
            .split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .filter(|s| !s.is_empty())
            .map(number)
            .collect();
        let (start, end) = (
            (numbers[0], numbers[1]),
            (numbers[numbers.len() - 2], numbers[numbers.len() - 1]),
        );
        for (end_point, attribute, dir) in [(start, "data-from", "out"), (end, "data-to", "in")] {
            let (id, pin) = attr(&wire, attribute).unwrap().split_once('.').unwrap();
            let at = pins.get(&(id.to_string(), pin.to_string(), dir.to_string()));
            assert_eq!(
                at,
                Some(&end_point),
                "{what}: the wire {wire} does not meet pin {id}.{pin}"
            );
        }
    }
    boxes
}

#[test]
fn the_pictures_of_the_graphs_are_what_the_command_draws() {
    let mut drawn = 0;
    for dir in ["graphs", "graphs/conformance"] {
        for entry in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".ron") || name.ends_with(".test.ron") {
                continue;
            }
            let out = render(&[&format!("{dir}/{name}")]);
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            let svg = String::from_utf8(out.stdout).unwrap();
            let golden = Path::new(ROOT).join("docs/pictures").join(name.replace(".ron", ".svg"));
            let expected = std::fs::read_to_string(&golden)
                .unwrap_or_else(|_| panic!("{} is missing: run scripts/pictures.sh", golden.display()));
            assert!(
                svg == expected,
                "{name} draws differently from {}: run scripts/pictures.sh",
                golden.display()
            );
            check_picture(&svg, &name);
            drawn += 1;
        }
    }
    assert!(drawn >= 5);
}

#[test]
fn generated_graphs_draw_apart_on_their_pins_and_the_same_every_time() {
    let dir = std::env::temp_dir().join(format!("graphrun-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for seed in 0..100 {
        let bytes: Vec<u8> = (0..96)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let file = dir.join(format!("g{seed}.ron"));
        std::fs::write(&file, runs::graph(&bytes)).unwrap();
        let first = render(&[file.to_str().unwrap()]);
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        let again = render(&[file.to_str().unwrap()]);
        assert_eq!(first.stdout, again.stdout, "graph {seed} draws differently twice");
        check_picture(&String::from_utf8(first.stdout).unwrap(), &format!("graph {seed}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pos_is_kept_and_a_function_body_draws_on_its_own() {
    let out = render(&["tests/cases/layout/layout.ron"]);
    let svg = String::from_utf8(out.stdout).unwrap();
    let boxes = check_picture(&svg, "layout.ron");
    assert_eq!((boxes["begin"].0, boxes["begin"].1), (0, 0));
    assert_eq!((boxes["hello"].0, boxes["hello"].1), (240, -16));
    // `again` has no pos: laid out below the placed nodes.
    assert!(boxes["again"].1 > boxes["hello"].1 + boxes["hello"].3);
    assert!(svg.contains("<g class=\"comment\" data-comment=\"0\">"), "{svg}");

    let body = render(&["tests/cases/functions/calls.ron", "--graph", "Ratio"]);
    let body = String::from_utf8(body.stdout).unwrap();
    let boxes = check_picture(&body, "Ratio");
    let mut ids: Vec<&String> = boxes.keys().collect();
    ids.sort();
    assert_eq!(ids, ["div", "entry", "ret"]);
    let missing = render(&["tests/cases/functions/calls.ron", "--graph", "Nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no function or macro of that name"));
}

#[test]
fn a_macro_body_draws_with_its_pins_on_its_inputs_and_outputs_nodes() {
    let out = render(&["graphs/reuse_example.ron", "--graph", "If Leading"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8(out.stdout).unwrap();
    let boxes = check_picture(&svg, "If Leading");
    let mut ids: Vec<&String> = boxes.keys().collect();
    ids.sort();
    assert_eq!(ids, ["in", "more", "out", "raise", "test"]);
    // The macro's pins: its inputs node has them as outputs, its outputs node as inputs,
    // and the body's wires run from and to them.
    for wire in [
        r#"data-from="in.exec" data-to="test.exec""#,
        r#"data-from="in.Total" data-to="more.A""#,
        r#"data-from="raise.then" data-to="out.Yes""#,
    ] {
        assert!(svg.contains(wire), "{wire} in {svg}");
    }
}

#[test]
fn a_file_that_does_not_load_is_not_drawn() {
    let out = render(&["tests/cases/functions/body_errors.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E0120]"));
}
