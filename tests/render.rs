//! `graphrun render`: the pictures of the graphs in `graphs/` are the ones in
//! `docs/pictures/` (made by `scripts/pictures.sh`); on those and on 100 generated graphs,
//! no two boxes overlap, every wire starts and ends on its pins and passes behind no box,
//! librsvg draws every text in its colour, the output is the same
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

/// Points along a wire's path (`M`, `L`, `Q` and `C` commands, absolute), every few pixels.
fn path_points(d: &str) -> Vec<(f64, f64)> {
    let mut tokens = d.split([' ', ',']).filter(|t| !t.is_empty()).peekable();
    let mut points = Vec::new();
    let mut at = (0.0, 0.0);
    let mut command = "M";
    while tokens.peek().is_some() {
        if tokens
            .peek()
            .is_some_and(|t| t.chars().all(|c| c.is_ascii_alphabetic()))
        {
            command = tokens.next().unwrap();
        }
        let mut next = || -> (f64, f64) {
            let x: f64 = tokens.next().unwrap().parse().unwrap();
            let y: f64 = tokens.next().unwrap().parse().unwrap();
            (x, y)
        };
        let controls: Vec<(f64, f64)> = match command {
            "M" => {
                at = next();
                points.push(at);
                continue;
            }
            "L" => vec![at, next()],
            "Q" => vec![at, next(), next()],
            "C" => vec![at, next(), next(), next()],
            other => panic!("a wire's path has command {other}: {d}"),
        };
        for step in 1..=64 {
            let t = f64::from(step) / 64.0;
            // De Casteljau.
            let mut p = controls.clone();
            while p.len() > 1 {
                p = p
                    .windows(2)
                    .map(|w| (w[0].0 + (w[1].0 - w[0].0) * t, w[0].1 + (w[1].1 - w[0].1) * t))
                    .collect();
            }
            points.push(p[0]);
        }
        at = *controls.last().unwrap();
    }
    points
}

/// The wires of a picture that pass behind a node's box: (wire, node). The ends of a wire,
/// on its pins at the boxes' edges, do not count.
fn wires_behind_boxes(svg: &str) -> Vec<(String, String)> {
    let boxes = check_picture(svg, "wires");
    let mut found = Vec::new();
    for line in svg.lines().filter(|l| l.starts_with("<path class=\"wire")) {
        let points = path_points(attr(line, "d").unwrap());
        let (first, last) = (points[0], points[points.len() - 1]);
        let name = format!(
            "{}>{}",
            attr(line, "data-from").unwrap(),
            attr(line, "data-to").unwrap()
        );
        for (id, &(x, y, w, h)) in &boxes {
            let (x, y, w, h) = (x as f64 + 2.0, y as f64 + 2.0, w as f64 - 4.0, h as f64 - 4.0);
            let inside = points.iter().any(|&(px, py)| {
                let near_end = [first, last]
                    .iter()
                    .any(|e| (e.0 - px).abs() < 12.0 && (e.1 - py).abs() < 12.0);
                !near_end && px > x && px < x + w && py > y && py < y + h
            });
            if inside {
                found.push((name.clone(), id.clone()));
            }
        }
    }
    found.sort();
    found
}

/// Checks what any picture must be: boxes apart, wires on their pins.
fn check_picture(svg: &str, what: &str) -> HashMap<String, (i64, i64, i64, i64)> {
    let mut boxes: HashMap<String, (i64, i64, i64, i64)> = HashMap::new();
    let mut pins: HashMap<(String, String, String), (i64, i64)> = HashMap::new();
    let mut node: Option<String> = None;
    let mut wires = Vec::new();
    for line in svg.lines() {
        if line.starts_with("<g class=\"node\"") || line.starts_with("<g class=\"node knot\"") {
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
fn the_pictures_of_the_graphs_are_what_the_command_draws_with_no_wire_behind_a_box() {
    let mut drawn = 0;
    let mut behind = Vec::new();
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
            behind.extend(
                wires_behind_boxes(&svg)
                    .into_iter()
                    .map(|(w, n)| format!("{name}: {w} behind {n}")),
            );
            drawn += 1;
        }
    }
    assert!(drawn >= 5);
    assert!(behind.is_empty(), "wires pass behind boxes:\n{}", behind.join("\n"));
}

#[test]
fn generated_graphs_draw_apart_on_their_pins_with_no_wire_behind_a_box_and_the_same_every_time() {
    let dir = std::env::temp_dir().join(format!("graphrun-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut behind = Vec::new();
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
        let svg = String::from_utf8(first.stdout).unwrap();
        check_picture(&svg, &format!("graph {seed}"));
        behind.extend(
            wires_behind_boxes(&svg)
                .into_iter()
                .map(|(w, n)| format!("graph {seed}: {w} behind {n}")),
        );
    }
    assert!(behind.is_empty(), "wires pass behind boxes:\n{}", behind.join("\n"));
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

/// A picture's texts as the SVG gives them: where (x, baseline y, anchored at its end),
/// the colour, and how many characters.
fn texts(svg: &str) -> Vec<(f64, f64, bool, [u8; 3], usize)> {
    let mut found = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let (head, rest) = piece.split_once('>').unwrap();
        let content = rest.split("</text>").next().unwrap();
        let chars = content
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .chars()
            .count();
        let fill = attr(head, "fill").unwrap_or_else(|| panic!("a text with no fill: <text{head}>"));
        let hex = |i: usize| u8::from_str_radix(&fill[1 + 2 * i..3 + 2 * i], 16).unwrap();
        let number = |a: &str| attr(head, a).unwrap().parse::<f64>().unwrap();
        if chars > 0 {
            found.push((
                number("x"),
                number("y"),
                attr(head, "text-anchor") == Some("end"),
                [hex(0), hex(1), hex(2)],
                chars,
            ));
        }
    }
    found
}

/// Issue 24, 15: ImageMagick drew the pictures' text dark on dark (their colours came from
/// CSS). Colours are presentation attributes now, so every renderer draws what a browser
/// does: each picture goes through librsvg (`rsvg-convert`, as a user converts one), and
/// every text is drawn in its own colour where the SVG places it.
#[test]
fn librsvg_draws_every_text_of_every_picture_in_its_colour() {
    let dir = std::env::temp_dir().join(format!("graphrun-rsvg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(Path::new(ROOT).join("docs/pictures")).unwrap() {
        let path = entry.unwrap().path();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(
            !svg.contains("<style") && !svg.contains(" style=\""),
            "{}: colours in CSS",
            path.display()
        );
        let png = dir.join("picture.png");
        let status = Command::new("rsvg-convert")
            .args(["--zoom", "2", "-o"])
            .arg(&png)
            .arg(&path)
            .status()
            .expect("rsvg-convert runs (Debian's librsvg2-bin; scripts/test.sh installs it)");
        assert!(status.success(), "rsvg-convert {}", path.display());
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let samples = info.color_type.samples();
        assert!(samples >= 3, "{:?}", info.color_type);
        let view: Vec<f64> = attr(&svg, "viewBox")
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        let at = |x: f64, y: f64| -> Option<[u8; 3]> {
            let (px, py) = (((x - view[0]) * 2.0) as i64, ((y - view[1]) * 2.0) as i64);
            if px < 0 || py < 0 || px >= i64::from(info.width) || py >= i64::from(info.height) {
                return None;
            }
            let i = (py as usize * info.width as usize + px as usize) * samples;
            Some([pixels[i], pixels[i + 1], pixels[i + 2]])
        };
        for (x, y, end, colour, chars) in texts(&svg) {
            // The glyphs' box: a monospace character is about 7 px wide at 12 px.
            let width = (chars as f64 * 7.5).min(400.0);
            let (left, right) = if end { (x - width, x) } else { (x, x + width) };
            let mut nearest = u32::MAX;
            let mut py = y - 10.0;
            while py <= y + 1.0 {
                let mut px = left;
                while px <= right {
                    if let Some(p) = at(px, py) {
                        let distance = (0..3).map(|c| u32::from(p[c].abs_diff(colour[c]))).sum();
                        nearest = nearest.min(distance);
                    }
                    px += 0.5;
                }
                py += 0.5;
            }
            assert!(
                nearest <= 60,
                "{}: the text at ({x}, {y}) should be drawn in {colour:?}; the nearest colour there is {nearest} away",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} texts");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn delegates_are_red_squares_bound_by_red_wires_from_their_custom_events() {
    let out = render(&["graphs/websocket_example.ron"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8(out.stdout).unwrap();
    check_picture(&svg, "websocket_example.ron");
    // Connect's four delegates and the four Custom Events' `Event` outputs, as squares.
    let squares: Vec<&str> = svg.lines().filter(|l| l.contains("class=\"pin delegate\"")).collect();
    assert_eq!(squares.len(), 8, "{squares:#?}");
    assert!(squares.iter().all(|l| l.starts_with("<rect ")));
    let mut bound: Vec<(&str, &str)> = svg
        .lines()
        .filter(|l| l.starts_with("<path class=\"wire delegate\""))
        .map(|l| (attr(l, "data-from").unwrap(), attr(l, "data-to").unwrap()))
        .collect();
    bound.sort();
    assert_eq!(
        bound,
        [
            ("OnConnected.Event", "connect.On Connected"),
            ("OnConnectionError.Event", "connect.On Connection Error"),
            ("OnDisconnected.Event", "connect.On Disconnected"),
            ("OnMessageReceived.Event", "connect.On Message Received"),
        ]
    );
    // A bound delegate shows no `Event("…")` text: the wire says it.
    assert!(!svg.contains("data-value=\"Event("), "a bound delegate's text is drawn");
}

#[test]
fn reroute_knots_are_drawn_small_on_their_wires() {
    let dir = std::env::temp_dir().join(format!("graphrun-render-knots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("knots.ron");
    std::fs::write(
        &path,
        r#"Graph(format: 1, name: "Knots", nodes: {
    "begin": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "k1"}),
    "k1": (node: "Reroute", pos: (200, 96), exec: {"Out": "say"}),
    "say": (node: "Print String", pos: (400, 0), inputs: {"In String": Link("k2", "Out")}),
    "k2": (node: "Reroute", pos: (300, 208), inputs: {"In": Link("text", "Return Value")}),
    "text": (node: "Format String", pos: (0, 240), inputs: {"Format": "n={n}", "n": 7}),
})"#,
    )
    .unwrap();
    let out = render(&[path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8(out.stdout).unwrap();
    let boxes = check_picture(&svg, "knots.ron");
    for knot in ["k1", "k2"] {
        let (_, _, w, h) = boxes[knot];
        assert_eq!((w, h), (20, 20), "{knot} is a knot, not a box");
    }
    // The exec knot's pins are exec pins, the data knot's are of the wire's type.
    assert!(svg.contains(r#"<circle class="pin exec" data-pin="In" data-dir="in""#));
    assert!(svg.contains(r#"<circle class="pin data" data-pin="Out" data-dir="out" data-type="String""#));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 34, 16: two nodes at positions near the ends of i64 made a picture whose width and
/// height wrapped negative. A `pos` is drawn within a billion of the origin.
#[test]
fn huge_positions_make_a_picture_of_positive_size() {
    let dir = std::env::temp_dir().join(format!("graphrun-render-far-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("far.ron");
    std::fs::write(
        &file,
        r#"Graph(format: 1, name: "Far", nodes: {
            "a": (node: "Event BeginPlay", exec: {"then": "b"}, pos: (9223372036854775000, -9223372036854775000)),
            "b": (node: "Quit", pos: (-9223372036854775000, 9223372036854775000)),
        })"#,
    )
    .unwrap();
    let out = render(&[file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8(out.stdout).unwrap();
    let head = &svg[..svg.find('>').unwrap()];
    let (width, height) = (
        number(attr(head, "width").unwrap()),
        number(attr(head, "height").unwrap()),
    );
    assert!(width > 0 && height > 0, "{head}");
    let _ = std::fs::remove_dir_all(&dir);
}
