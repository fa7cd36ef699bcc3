//! `graphrun diff OLD NEW [--no-layout]` and `graphrun diff --git …`, git's external diff
//! driver: two graph files compared as graphs (the work is `graphrun_edit::diff`'s).

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
pub fn diff(files: &[std::path::PathBuf], layout: bool, git: bool) -> u8 {
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
        graphrun_edit::diff::diff((&names(old), &a), (&names(new), &b), layout)
    });
    if git {
        println!("diff --graphrun a/{name} b/{name}");
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
