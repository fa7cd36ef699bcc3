//! `graphrun import` (and, with `export --unreal`, the other way): Unreal Blueprint
//! clipboard text to a graph file, glue over `graphrun_unreal` with the file, the
//! canonical form (`graphrun_edit::fmt`) and the exit statuses.

use std::io::Read as _;
use std::path::Path;

use graphrun_edit::file::{self, WriteError};

use crate::exit::{EXIT_LOAD_ERROR, EXIT_OK};

/// Reads `path` (`-`: standard input), at most as much as a graph file may be.
fn read_text(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(graphrun_unreal::MAX_TEXT as u64 + 1)
            .read_to_string(&mut text)
            .map_err(|e| format!("standard input: {e}"))?;
        return Ok(text);
    }
    match file::read(path) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(format!("{}: no such file", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes `text` to `out` (standard output without one).
fn write_out(out: Option<&Path>, text: &str) -> Result<(), String> {
    let Some(out) = out else {
        print!("{text}");
        return Ok(());
    };
    let old = file::read(out).map_err(|e| format!("{}: {e}", out.display()))?;
    file::write(out, old.as_deref(), text).map_err(|e| match e {
        WriteError::Changed => format!("{} changed while it was written; nothing was written", out.display()),
        WriteError::Io(e) => format!("cannot write {}: {e}", out.display()),
    })
}

/// `graphrun import FILE [-o OUT.ron]`.
pub fn import(path: &Path, out: Option<&Path>) -> u8 {
    let shown = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let text = match read_text(path) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_LOAD_ERROR;
        }
    };
    let read = match graphrun_unreal::read(&text) {
        Ok(read) => read,
        Err(e) => {
            eprintln!("{shown}:{}:{}: error: {}", e.at.line, e.at.col, e.message);
            return EXIT_LOAD_ERROR;
        }
    };
    // The graph is named after the file (the clipboard carries no graph name).
    let name = out
        .or(Some(path).filter(|p| p.as_os_str() != "-"))
        .and_then(|p| p.file_stem())
        .map_or_else(|| "Imported".to_string(), |s| s.to_string_lossy().into_owned());
    let registry = crate::loading::registry(graphrun_socket::SocketConfig::default());
    let known: Vec<&str> = registry.nodes().map(|n| n.name()).collect();
    let imported = graphrun_unreal::import(&read, &name, &known);
    for w in read.warnings.iter().chain(&imported.warnings) {
        eprintln!("{shown}:{}:{}: warning: {}", w.at.line, w.at.col, w.message);
    }
    let formatted = match graphrun_edit::fmt::format(&name, &imported.text) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: internal: the imported graph is not valid RON ({e}); please report it");
            return EXIT_LOAD_ERROR;
        }
    };
    if let Err(message) = write_out(out, &formatted) {
        eprintln!("error: {message}");
        return EXIT_LOAD_ERROR;
    }
    eprintln!(
        "{shown}: {} node(s) imported{}",
        imported.nodes,
        match imported.placeholders.len() {
            0 => String::new(),
            n => format!(
                ", {n} of them `Unreal: …` placeholders with no graphrun counterpart (`graphrun check` names each)"
            ),
        }
    );
    EXIT_OK
}

/// graphrun's type as an Unreal pin type.
fn pin_type(ty: &graphrun::Type) -> graphrun_unreal::export::PinType {
    use graphrun::Type;
    use graphrun_unreal::export::PinType;
    match ty {
        Type::Array(inner) | Type::Map(inner) => {
            let mut t = pin_type(inner);
            t.container = Some(if matches!(ty, Type::Array(_)) { "Array" } else { "Map" }.to_string());
            t
        }
        t if graphrun::is_delegate(t) => PinType::of("delegate"),
        Type::Bool => PinType::of("bool"),
        Type::Int => PinType::of("int"),
        Type::Float => PinType::of("real"),
        Type::String => PinType::of("string"),
        Type::Json => PinType::of("wildcard"),
        Type::Object(class) => {
            let mut t = PinType::of("object");
            t.sub_object = Some(match class.as_ref() {
                "M2_JsonWebSocketConnection" => graphrun_unreal::map::M2_JSON.to_string(),
                other => format!("/Script/Graphrun.{other}"),
            });
            t
        }
    }
}

/// A literal as Unreal writes a `DefaultValue`: a String pin's text, anything else (a
/// number, a bool, Json, a list, a map) as its RON text.
fn default_value(literal: &str, ty: &graphrun::Type) -> String {
    match (ty, graphrun::format::ron::parse(literal).map(|v| v.kind)) {
        (graphrun::Type::String, Ok(graphrun::format::ron::Kind::Str(s))) => s,
        _ => literal.trim().to_string(),
    }
}

/// The graph of `picture` as export describes it, nodes at `rects`; `variables` the
/// types of the variables it reads.
fn describe(
    picture: &graphrun::Picture,
    rects: &[graphrun_render::layout::Rect],
    variables: &dyn Fn(&str) -> Option<graphrun::Type>,
) -> graphrun_unreal::export::Graph {
    use graphrun_unreal::export::{CommentBox, Feed, Graph, Input, Node};
    let mut graph = Graph::default();
    for (i, node) in picture.nodes.iter().enumerate() {
        let r = rects[i];
        let exec_outputs = node
            .exec_outputs
            .iter()
            .map(|out| {
                let target = picture
                    .wires
                    .iter()
                    .find(|w| w.exec && w.from.0 == i && &w.from.1 == out)
                    .map(|w| (picture.nodes[w.to.0].id.clone(), w.to.1.clone()));
                (out.clone(), target)
            })
            .collect();
        let inputs = node
            .inputs
            .iter()
            .map(|(name, ty, shown)| {
                let wire = picture.wires.iter().find(|w| !w.exec && w.to.0 == i && &w.to.1 == name);
                let feed = match (wire, shown) {
                    (Some(w), _) if w.delegate => Feed::Event(picture.nodes[w.from.0].id.clone()),
                    (Some(w), _) => Feed::Link(picture.nodes[w.from.0].id.clone(), w.from.1.clone()),
                    (None, Some(text)) => match text.strip_prefix("Var(\"").and_then(|t| t.strip_suffix("\")")) {
                        Some(var) => {
                            Feed::Var(var.to_string(), pin_type(&variables(var).unwrap_or_else(|| ty.clone())))
                        }
                        None if text.starts_with("Event(") => Feed::None,
                        None => Feed::Literal(default_value(text, ty)),
                    },
                    (None, None) => Feed::None,
                };
                Input {
                    name: name.clone(),
                    ty: pin_type(ty),
                    feed,
                }
            })
            .collect();
        let var = matches!(node.title.as_str(), "Get" | "Set" | "Increment" | "Decrement")
            .then(|| node.outputs.first().map(|(n, _)| n.clone()))
            .flatten();
        graph.nodes.push(Node {
            id: node.id.clone(),
            node_type: node.title.clone(),
            pos: (r.x, r.y),
            comment: node.comment.clone(),
            var,
            exec_inputs: node.exec_inputs.clone(),
            exec_outputs,
            inputs,
            outputs: node.outputs.iter().map(|(n, t)| (n.clone(), pin_type(t))).collect(),
            pure: node.exec_inputs.is_empty() && node.exec_outputs.is_empty(),
        });
    }
    for comment in &picture.comments {
        // Where the picture draws the box, so the nodes inside it are inside it in Unreal.
        let Some(r) = graphrun_render::layout::comment_rect(&comment.nodes, rects) else {
            continue;
        };
        graph.comments.push(CommentBox {
            text: comment.text.clone(),
            rect: (r.x, r.y, r.w, r.h),
        });
    }
    graph
}

/// `graphrun export FILE --unreal [--function NAME] [-o OUT.t3d]`.
pub fn export(path: &Path, function: Option<&str>, out: Option<&Path>) -> u8 {
    let registry = crate::loading::registry(graphrun_socket::SocketConfig::default());
    let Some(program) = crate::loading::report_load(registry.load_file_to_draw(path), path) else {
        return EXIT_LOAD_ERROR;
    };
    let Some(picture) = program.picture(function) else {
        eprintln!(
            "error: --function {}: no function of that name in {}",
            function.unwrap_or_default(),
            path.display()
        );
        return EXIT_LOAD_ERROR;
    };
    let rects = graphrun_render::layout::layout(picture);
    let variables = |name: &str| {
        program
            .variables()
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.ty.clone())
    };
    let text = graphrun_unreal::export(&describe(picture, &rects, &variables));
    if let Err(message) = write_out(out, &text) {
        eprintln!("error: {message}");
        return EXIT_LOAD_ERROR;
    }
    EXIT_OK
}

/// The studio's Copy for Unreal: the nodes `chosen` of `picture` (each id with where the
/// page draws it) and the wires among them, as clipboard text.
pub fn clipboard(picture: &graphrun::Picture, chosen: &[(String, i64, i64)]) -> String {
    let at: std::collections::HashMap<&str, (i64, i64)> =
        chosen.iter().map(|(id, x, y)| (id.as_str(), (*x, *y))).collect();
    let kept: Vec<usize> = (0..picture.nodes.len())
        .filter(|&i| at.contains_key(picture.nodes[i].id.as_str()))
        .collect();
    let new_index: std::collections::HashMap<usize, usize> = kept.iter().enumerate().map(|(n, &i)| (i, n)).collect();
    let part = graphrun::Picture {
        nodes: kept.iter().map(|&i| picture.nodes[i].clone()).collect(),
        wires: picture
            .wires
            .iter()
            .filter_map(|w| {
                let (from, to) = (new_index.get(&w.from.0)?, new_index.get(&w.to.0)?);
                let mut w = w.clone();
                w.from.0 = *from;
                w.to.0 = *to;
                Some(w)
            })
            .collect(),
        comments: Vec::new(),
    };
    let rects: Vec<graphrun_render::layout::Rect> = part
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (x, y) = at[n.id.as_str()];
            let (w, h) = graphrun_render::layout::size(&part, i);
            graphrun_render::layout::Rect { x, y, w, h }
        })
        .collect();
    graphrun_unreal::export(&describe(&part, &rects, &|_| None))
}
