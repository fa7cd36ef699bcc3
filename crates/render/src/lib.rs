//! Pictures of graphs, for `graphrun render`, the studio, `graphrun diff --svg` and any
//! host: a checked program's `Picture` as SVG (`layout.rs` places the boxes, `route.rs`
//! finds the wires' paths, `svg.rs` draws them in keyed parts).
//!
//! **Architecture Invariant:** depends on the runtime's `Picture` only; writes no file and
//! reads none (the command does).

pub mod layout;
pub mod route;
pub mod svg;

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
