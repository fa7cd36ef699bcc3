//! `graphrun render FILE [-o OUT.svg] [--graph NAME]`: a graph file as an SVG picture
//! (`layout.rs` places the boxes, `route.rs` finds the wires' paths, `svg.rs` draws them).

pub mod layout;
pub mod route;
pub mod svg;

use std::path::Path;

use graphrun::Program;

/// The SVG of `program`'s event graph, or of the body of its function `graph`.
pub fn render(program: &Program, graph: Option<&str>) -> Result<String, String> {
    let picture = program.picture(graph).ok_or_else(|| {
        let known: Vec<String> = program.picture_names().map(|n| format!("`{n}`")).collect();
        format!(
            "--graph {}: no function or macro of that name (there are: {})",
            graph.unwrap_or_default(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )
    })?;
    Ok(render_parts(picture).join())
}

/// The SVG of one picture, in keyed parts (the studio sends only what changed).
pub fn render_parts(picture: &graphrun::Picture) -> svg::Parts {
    let rects = layout::layout(picture);
    svg::parts(picture, &rects)
}

/// Writes the picture to `out` (or stdout); the exit status.
pub fn write(svg: &str, out: Option<&Path>) -> u8 {
    match out {
        None => {
            print!("{svg}");
            0
        }
        Some(path) => match std::fs::write(path, svg) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                1
            }
        },
    }
}
