//! The SVG of a laid-out graph, in Blueprint's look: dark node boxes with a title bar,
//! exec pins as arrows and data pins as circles coloured by type, white exec wires and
//! coloured data wires (paths from `route.rs`), comment boxes behind their nodes. Self-contained
//! (no fonts, scripts or images from outside) and deterministic.
//!
//! For tools: each node is `<g class="node" data-node="ID">` whose first `<rect>` is its box
//! in absolute coordinates; each wire a `<path class="wire exec|data" data-from="N.PIN"
//! data-to="N.PIN">` whose path starts at its output pin and ends at its input pin.

use std::fmt::Write as _;

use graphrun::{Picture, Type};

use crate::layout::{comment_rect, pin_at, Rect, CHAR, TITLE};

const MARGIN: i64 = 40;

/// A type's colour (Blueprint's palette where it has one).
pub fn color(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "#940000",
        Type::Int => "#1fe3af",
        Type::Float => "#9cef43",
        Type::String => "#fc00d1",
        Type::Json => "#f5a623",
        Type::Object(_) => "#00a6f0",
        Type::Array(_) => "#7c8cff",
        Type::Map(_) => "#ff6f61",
    }
}

/// Text for an attribute or element: a copy only when something needs escaping.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A picture's SVG in parts: the opening (the `<svg>` element with its size, and the
/// background), then one element per comment box, wire and node, each with a key that
/// names it (`comment:N`, `wire:FROM>TO`, `node:ID`), in drawing order. The studio sends a
/// page only the parts an edit changed; `svg` joins them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parts {
    /// `<svg …>` and the background.
    pub head: String,
    /// Each element's key and markup.
    pub items: Vec<(String, String)>,
}

impl Parts {
    /// The whole SVG text.
    pub fn join(&self) -> String {
        let mut out =
            String::with_capacity(self.head.len() + self.items.iter().map(|(_, m)| m.len()).sum::<usize>() + 8);
        out.push_str(&self.head);
        for (_, markup) in &self.items {
            out.push_str(markup);
        }
        out.push_str("</svg>\n");
        out
    }
}

/// The `<svg>` opening and background for boxes at `rects` (with a margin, and room for
/// the notes above them).
pub fn head(rects: &[Rect]) -> String {
    let min_x = rects.iter().map(|r| r.x).min().unwrap_or(0) - MARGIN;
    let min_y = rects.iter().map(|r| r.y - 24).min().unwrap_or(0) - MARGIN;
    let max_x = rects.iter().map(|r| r.x + r.w).max().unwrap_or(0) + MARGIN;
    let max_y = rects.iter().map(|r| r.y + r.h).max().unwrap_or(0) + MARGIN;
    let (w, h) = (max_x - min_x, max_y - min_y);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="{min_x} {min_y} {w} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">"##
    );
    let _ = writeln!(
        out,
        r##"<rect class="background" x="{min_x}" y="{min_y}" width="{w}" height="{h}" fill="#262626"/>"##
    );
    out
}

/// The SVG in keyed parts.
pub fn parts(picture: &Picture, rects: &[Rect]) -> Parts {
    let mut parts = Parts {
        head: head(rects),
        ..Parts::default()
    };
    let mut out = String::new();
    // Comment boxes, behind everything.
    for (index, comment) in picture.comments.iter().enumerate() {
        let Some(Rect { x, y, w, h }) = comment_rect(&comment.nodes, rects) else {
            continue;
        };
        let fill = comment.color.as_deref().unwrap_or("#6a6a6a");
        let _ = writeln!(
            out,
            r##"<g class="comment" data-comment="{index}"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="{fill}" fill-opacity="0.25" stroke="{fill}"/><text x="{}" y="{}" fill="#ffffff" font-size="14">{}</text></g>"##,
            x + 8,
            y + 18,
            escape(&comment.text)
        );
        parts.items.push((format!("comment:{index}"), std::mem::take(&mut out)));
    }
    // Wires, under the nodes.
    let boxes = crate::route::Boxes::new(rects);
    for wire in &picture.wires {
        let (Some(from), Some(to)) = (
            pin_at(picture, rects, wire.from.0, &wire.from.1, true),
            pin_at(picture, rects, wire.to.0, &wire.to.1, false),
        ) else {
            continue;
        };
        let d = boxes.wire(from, to);
        let (class, stroke, width) = if wire.exec {
            ("wire exec", "#ffffff", 3)
        } else if wire.delegate {
            ("wire delegate", DELEGATE, 2)
        } else {
            ("wire data", wire.ty.as_ref().map_or("#aaaaaa", color), 2)
        };
        let _ = writeln!(
            out,
            r##"<path class="{class}" data-from="{}.{}" data-to="{}.{}" d="{d}" fill="none" stroke="{stroke}" stroke-width="{width}"/>"##,
            escape(&picture.nodes[wire.from.0].id),
            escape(&wire.from.1),
            escape(&picture.nodes[wire.to.0].id),
            escape(&wire.to.1),
        );
        let key = format!(
            "wire:{}.{}>{}.{}",
            picture.nodes[wire.from.0].id, wire.from.1, picture.nodes[wire.to.0].id, wire.to.1
        );
        parts.items.push((key, std::mem::take(&mut out)));
    }
    // Nodes.
    let wired: std::collections::HashSet<(usize, &str)> = picture
        .wires
        .iter()
        .filter(|w| !w.exec)
        .map(|w| (w.to.0, w.to.1.as_str()))
        .collect();
    let is_delegate = graphrun::is_delegate;
    for (i, node) in picture.nodes.iter().enumerate() {
        let r = rects[i];
        if node.knot {
            knot(&mut out, picture, rects, i);
            parts
                .items
                .push((format!("node:{}", node.id), std::mem::take(&mut out)));
            continue;
        }
        let event = node.exec_inputs.is_empty() && !node.exec_outputs.is_empty();
        let pure = node.exec_inputs.is_empty() && node.exec_outputs.is_empty();
        let header = if event {
            "#8b1a1a"
        } else if pure {
            "#3a6e3a"
        } else {
            "#2f5f8f"
        };
        let _ = writeln!(out, r##"<g class="node" data-node="{}">"##, escape(&node.id));
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="#1b1b1b" fill-opacity="0.92" stroke="#000000"/>"##,
            r.x, r.y, r.w, r.h
        );
        let _ = writeln!(
            out,
            r##"<rect class="title" x="{}" y="{}" width="{}" height="{TITLE}" rx="6" fill="{header}"/>"##,
            r.x, r.y, r.w
        );
        // A Custom Event is titled by its name (its id), as Blueprint titles it, with its
        // kind below; any other node by its type, with its id below.
        let (title, below, below_class) = if node.bindable {
            (&node.id, &node.title, "kind")
        } else {
            (&node.title, &node.id, "id")
        };
        let _ = writeln!(
            out,
            r##"<text data-title="" x="{}" y="{}" fill="#ffffff" font-weight="bold">{}</text>"##,
            r.x + 10,
            r.y + 17,
            escape(title)
        );
        if node.id != node.title {
            let _ = writeln!(
                out,
                r##"<text class="{below_class}" x="{}" y="{}" fill="#aaaaaa" font-size="11">{}</text>"##,
                r.x + 10,
                r.y + TITLE + 11,
                escape(below)
            );
        }
        if let Some(comment) = &node.comment {
            let _ = writeln!(
                out,
                r##"<text class="note" x="{}" y="{}" fill="#dddddd" font-style="italic">{}</text>"##,
                r.x,
                r.y - 8,
                escape(comment)
            );
        }
        for pin in &node.exec_inputs {
            if let Some((x, y)) = pin_at(picture, rects, i, pin, false) {
                exec_pin(&mut out, x, y, pin, false);
                label(&mut out, x + 10, y, pin, false);
            }
        }
        if node.bindable {
            let (x, y) = (r.x + r.w - 10, r.y + TITLE / 2);
            delegate_pin(&mut out, x, y, graphrun::EVENT_PIN, true);
        }
        for (pin, ty, shown) in &node.inputs {
            if let Some((x, y)) = pin_at(picture, rects, i, pin, false) {
                let delegate = is_delegate(ty);
                if delegate {
                    delegate_pin(&mut out, x, y, pin, false);
                } else {
                    data_pin(&mut out, x, y, ty, pin, false);
                }
                label(&mut out, x + 10, y, pin, false);
                let at = x + 10 + (pin.chars().count() as i64 + 1) * CHAR;
                if delegate && (wired.contains(&(i, pin.as_str())) || shown.is_none()) {
                    // Bound by a wire, or to be: a delegate is never typed.
                    continue;
                }
                if let Some(shown) = shown {
                    let short: String = shown.chars().take(24).collect();
                    let more = if short.chars().count() < shown.chars().count() {
                        "…"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        r##"<text class="literal" data-literal="{}" data-value="{}" x="{at}" y="{}" fill="#d8c47a">{}{more}</text>"##,
                        escape(pin),
                        escape(shown),
                        y + 4,
                        escape(&short)
                    );
                } else if !wired.contains(&(i, pin.as_str())) {
                    // An input with no wire and nothing written: a place to click to give
                    // it a value (it takes its default).
                    let _ = writeln!(
                        out,
                        r##"<rect class="literal unset" data-literal="{}" x="{at}" y="{}" width="{}" height="14" rx="2" fill="#000000" fill-opacity="0.25"/>"##,
                        escape(pin),
                        y - 7,
                        4 * CHAR
                    );
                }
            }
        }
        for pin in &node.exec_outputs {
            if let Some((x, y)) = pin_at(picture, rects, i, pin, true) {
                exec_pin(&mut out, x, y, pin, true);
                label(&mut out, x - 10, y, pin, true);
            }
        }
        for (pin, ty) in &node.outputs {
            if let Some((x, y)) = pin_at(picture, rects, i, pin, true) {
                data_pin(&mut out, x, y, ty, pin, true);
                label(&mut out, x - 10, y, pin, true);
            }
        }
        let _ = writeln!(out, "</g>");
        parts
            .items
            .push((format!("node:{}", node.id), std::mem::take(&mut out)));
    }
    parts
}

fn exec_pin(out: &mut String, x: i64, y: i64, pin: &str, output: bool) {
    let dir = if output { "out" } else { "in" };
    let _ = writeln!(
        out,
        r##"<polygon class="pin exec" data-pin="{}" data-dir="{dir}" data-at="{x},{y}" points="{},{} {},{} {},{} {},{}" fill="#ffffff"/>"##,
        escape(pin),
        x - 5,
        y - 6,
        x + 1,
        y - 6,
        x + 6,
        y,
        x - 5,
        y + 6
    );
}

/// A reroute knot: a round box in its wire's colour, its In and Out pins on its edges.
fn knot(out: &mut String, picture: &Picture, rects: &[Rect], i: usize) {
    let (node, r) = (&picture.nodes[i], rects[i]);
    let data = node.inputs.first().map(|(_, ty, _)| ty);
    let fill = data.map_or("#ffffff", color);
    let _ = writeln!(out, r##"<g class="node knot" data-node="{}">"##, escape(&node.id));
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="#1b1b1b" fill-opacity="0.6" stroke="{fill}"/>"##,
        r.x,
        r.y,
        r.w,
        r.h,
        r.w / 2
    );
    for (pin, output) in [("In", false), ("Out", true)] {
        let Some((x, y)) = pin_at(picture, rects, i, pin, output) else {
            continue;
        };
        let dir = if output { "out" } else { "in" };
        let _ = match data {
            Some(ty) => writeln!(
                out,
                r##"<circle class="pin data" data-pin="{pin}" data-dir="{dir}" data-type="{}" data-at="{x},{y}" cx="{x}" cy="{y}" r="4" fill="{fill}"/>"##,
                escape(&ty.to_string())
            ),
            None => writeln!(
                out,
                r##"<circle class="pin exec" data-pin="{pin}" data-dir="{dir}" data-at="{x},{y}" cx="{x}" cy="{y}" r="4" fill="{fill}"/>"##
            ),
        };
    }
    let _ = writeln!(out, "</g>");
}

/// Blueprint's delegate colour.
const DELEGATE: &str = "#ff2828";

/// A delegate pin: Blueprint's red square (an input, or a Custom Event's `Event` output).
fn delegate_pin(out: &mut String, x: i64, y: i64, pin: &str, output: bool) {
    let dir = if output { "out" } else { "in" };
    let _ = writeln!(
        out,
        r##"<rect class="pin delegate" data-pin="{}" data-dir="{dir}" data-type="delegate" data-at="{x},{y}" x="{}" y="{}" width="10" height="10" fill="{DELEGATE}" stroke="#000000"/>"##,
        escape(pin),
        x - 5,
        y - 5,
    );
}

fn data_pin(out: &mut String, x: i64, y: i64, ty: &Type, pin: &str, output: bool) {
    let dir = if output { "out" } else { "in" };
    let _ = writeln!(
        out,
        r##"<circle class="pin data" data-pin="{}" data-dir="{dir}" data-type="{}" data-at="{x},{y}" cx="{x}" cy="{y}" r="5" fill="{}"/>"##,
        escape(pin),
        escape(&ty.to_string()),
        color(ty)
    );
}

fn label(out: &mut String, x: i64, y: i64, text: &str, right: bool) {
    let anchor = if right { r#" text-anchor="end""# } else { "" };
    let _ = writeln!(
        out,
        r##"<text x="{x}" y="{}" fill="#dddddd"{anchor}>{}</text>"##,
        y + 4,
        escape(text)
    );
}
