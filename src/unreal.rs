//! `graphrun import` (and, with `export --unreal`, the other way): Unreal Blueprint
//! clipboard text to a graph file, glue over `graphrun_unreal` with the file, the
//! canonical form (`graphrun_edit::fmt`) and the exit statuses.

use std::io::Read as _;
use std::path::Path;

use graphrun_edit::file::{self, WriteError};

use crate::{EXIT_LOAD_ERROR, EXIT_OK};

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
    let imported = graphrun_unreal::import(&read, &name);
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
