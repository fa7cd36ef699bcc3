//! The graph, library and test files under a folder, as `graphrun fmt` and the language
//! server look for them.

use std::path::{Path, PathBuf};

/// Adds the `.ron` files under `dir` to `out`, in order, hidden folders and `target` left
/// out and symbolic links not followed, until `out` holds `most`. A folder that cannot be
/// read is skipped; the folders skipped and why are returned.
pub fn ron_files(dir: &Path, out: &mut Vec<PathBuf>, most: usize) -> Vec<(PathBuf, std::io::Error)> {
    let mut unread = Vec::new();
    walk(dir, out, most, &mut unread);
    unread
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, most: usize, unread: &mut Vec<(PathBuf, std::io::Error)>) {
    let entries: std::io::Result<Vec<_>> = std::fs::read_dir(dir).and_then(|e| e.collect());
    let mut entries = match entries {
        Ok(entries) => entries,
        Err(e) => return unread.push((dir.to_path_buf(), e)),
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() >= most {
            return;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_dir() && !name.starts_with('.') && name != "target" {
            walk(&path, out, most, unread);
        } else if kind.is_file() && name.ends_with(".ron") {
            out.push(path);
        }
    }
}
