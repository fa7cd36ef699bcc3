//! `graphrun diff OLD NEW [--no-layout] [--svg OUT.svg]` and `graphrun diff --git …`,
//! git's external diff driver: two graph files compared as graphs (the work is
//! `graphrun_edit::diff`'s), and the change drawn as `render` draws the new graph.

use std::path::Path;

/// What git passes an external diff: `path old-file old-hex old-mode new-file new-hex
/// new-mode`.
const GIT_ARGS: usize = 7;

/// A file's text; git's `/dev/null` (an added or deleted file) is an empty graph.
fn text_of(path: &Path) -> Result<String, String> {
    if path == Path::new("/dev/null") {
        return Ok("Graph(format: 1, name: \"\", nodes: {})".to_string());
    }
    match graphrun_edit::file::read(path) {
        Ok(Some(text)) => Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)),
        Ok(None) => Err(format!("{}: no such file", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Runs `graphrun diff`; the exit status: 0 the same graph, 1 different, 2 a file does not
/// parse (or cannot be read). As git's driver it exits 0 (git stops at a driver that fails).
pub fn diff(files: &[std::path::PathBuf], layout: bool, git: bool, svg: Option<&Path>) -> u8 {
    let (name, old, new) = match (git, files) {
        (true, [path, old, _, _, new, _, _]) => (path.display().to_string(), old, new),
        (false, [old, new]) => (String::new(), old, new),
        (true, _) => {
            eprintln!("error: --git takes the {GIT_ARGS} arguments git passes an external diff");
            return 2;
        }
        (false, _) => {
            eprintln!("error: graphrun diff OLD NEW");
            return 2;
        }
    };
    let texts = text_of(old).and_then(|a| Ok((a, text_of(new)?)));
    let lines = texts.and_then(|(a, b)| {
        let names = |p: &Path| p.display().to_string();
        graphrun_edit::diff::diff((&names(old), &a), (&names(new), &b), layout).map_err(String::from)
    });
    if git {
        println!("diff --graphrun a/{name} b/{name}");
    }
    if let (Some(out), Ok(_)) = (svg, &lines) {
        let drawn = text_of(old)
            .and_then(|a| Ok((a, text_of(new)?)))
            .and_then(|(a, b)| picture(&a, &b, old, new));
        match drawn.and_then(|svg| std::fs::write(out, svg).map_err(|e| format!("cannot write {}: {e}", out.display())))
        {
            Ok(()) => {}
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        }
    }
    match lines {
        Ok(lines) if lines.is_empty() => {
            if git {
                println!("(the same graph: only formatting, order or comments changed)");
            }
            0
        }
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            if git {
                0
            } else {
                1
            }
        }
        Err(message) => {
            if git {
                println!("(graphrun diff: {message})");
                0
            } else {
                eprintln!("error: {message}");
                2
            }
        }
    }
}

/// How the picture of a change marks it.
const STYLE: &str = "<style>g.node.added > rect:first-of-type { stroke: #4caf50; stroke-width: 4; } g.node.changed > rect:first-of-type { stroke: #ffb74d; stroke-width: 4; } path.wire.added { stroke-dasharray: 10 4; } .removed { opacity: 0.3; } g.node.removed > rect:first-of-type { stroke: #ff5252; stroke-width: 3; stroke-dasharray: 6 4; }</style>\n";

/// Adds `class` to the first `class="…"` of an element's markup.
fn marked(markup: &str, class: &str) -> String {
    match markup.find("class=\"") {
        Some(at) => {
            let end = at + 7 + markup[at + 7..].find('"').unwrap_or(0);
            format!("{} {class}{}", &markup[..end], &markup[end..])
        }
        None => markup.to_string(),
    }
}

/// The new graph's event graph drawn as `render` draws it, its added nodes and wires of
/// class `added`, its changed nodes of class `changed`, and the removed ones drawn faded
/// where they were, of class `removed`.
fn picture(old: &str, new: &str, old_path: &Path, new_path: &Path) -> Result<String, String> {
    use graphrun_render::{layout, svg};
    let registry = crate::loading::registry(graphrun_socket::SocketConfig::default());
    let event_graph = |text: &str, path: &Path| -> Result<(graphrun::Picture, Vec<layout::Rect>), String> {
        let (_, pictures) = registry.inspect_str(&path.display().to_string(), text);
        let (_, picture) = pictures
            .into_iter()
            .find(|(name, _)| name.is_none())
            .ok_or_else(|| format!("{} does not read as a graph", path.display()))?;
        let rects = layout::layout(&picture);
        Ok((picture, rects))
    };
    let (old_picture, old_rects) = event_graph(old, old_path)?;
    let (new_picture, new_rects) = event_graph(new, new_path)?;
    let (before, after) = (
        svg::parts(&old_picture, &old_rects),
        svg::parts(&new_picture, &new_rects),
    );
    let changes = graphrun_edit::diff::node_changes(old, new);
    let node_key = |id: &str| format!("node:{id}");
    let mut rects = new_rects.clone();
    let removed: Vec<usize> = old_picture
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| changes.removed.contains(&n.id))
        .map(|(i, _)| i)
        .collect();
    rects.extend(removed.iter().map(|&i| old_rects[i]));
    let mut out = svg::head(&rects);
    out.push_str(STYLE);
    let old_keys: std::collections::HashSet<&str> = before.items.iter().map(|(k, _)| k.as_str()).collect();
    let new_keys: std::collections::HashSet<&str> = after.items.iter().map(|(k, _)| k.as_str()).collect();
    // What went, beneath what is.
    for (key, markup) in &before.items {
        let gone_node = changes.removed.iter().any(|id| *key == node_key(id));
        let gone_wire = key.starts_with("wire:") && !new_keys.contains(key.as_str());
        if gone_node || gone_wire {
            out.push_str(&marked(markup, "removed"));
        }
    }
    for (key, markup) in &after.items {
        let class = if changes.added.iter().any(|id| *key == node_key(id)) {
            Some("added")
        } else if changes.changed.iter().any(|id| *key == node_key(id)) {
            Some("changed")
        } else if key.starts_with("wire:") && !old_keys.contains(key.as_str()) {
            Some("added")
        } else {
            None
        };
        match class {
            Some(class) => out.push_str(&marked(markup, class)),
            None => out.push_str(markup),
        }
    }
    out.push_str("</svg>\n");
    Ok(out)
}
