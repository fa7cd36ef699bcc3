//! `graphrun merge BASE OURS THEIRS [-o OUT]`, also git's merge driver: the three files
//! read, merged by `graphrun_edit::merge`, the result written (atomically, and never over a
//! file that changed meanwhile) or printed, each conflict said on stderr.

use std::path::Path;

use graphrun_edit::facts::introduced;
use graphrun_edit::{file, Inspector};

use graphrun_inspect::RegistryInspector;

/// What the checker finds in the merged text that neither side had (the first such
/// error, in words), judged as `graphrun edit` judges an edit; `None` if nothing.
fn broken(ours: &Path, o: &str, t: &str, merged: &str) -> Option<String> {
    let registry = crate::loading::registry(graphrun_socket::SocketConfig::default());
    let inspector = RegistryInspector::new(&registry, &ours.display().to_string());
    let mut before = inspector.inspect(o);
    before.findings.extend(inspector.inspect(t).findings);
    let after = inspector.inspect(merged);
    let first = introduced(&before, &after).into_iter().next()?;
    Some(format!(
        "the merged graph does not load: error[{}]: {} (at {})",
        first.code, first.message, first.location
    ))
}

/// A file's text (an empty base when it does not exist: git passes one when both sides
/// added the file).
fn read(path: &Path, may_be_missing: bool) -> Result<String, String> {
    match file::read(path) {
        Ok(Some(text)) => Ok(text),
        Ok(None) if may_be_missing => Ok(String::new()),
        Ok(None) => Err(format!("{}: no such file", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Runs `graphrun merge`; the exit status: 0 merged cleanly, 1 merged with conflicts
/// (marked in the result), 2 a file does not parse or cannot be read or written (nothing
/// is written).
pub fn merge(base: &Path, ours: &Path, theirs: &Path, out: Option<&Path>) -> u8 {
    let texts = read(base, true).and_then(|b| Ok((b, read(ours, false)?, read(theirs, false)?)));
    let (b, o, t) = match texts {
        Ok(texts) => texts,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let name = |p: &Path| p.display().to_string();
    let mut merged = match graphrun_edit::merge::merge((&name(base), &b), (&name(ours), &o), (&name(theirs), &t)) {
        Ok(merged) => merged,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    // Merged entry by entry, a graph may still not load: OURS removed a node THEIRS wires
    // to. That is a conflict too, marked after the graph (where the position it names
    // stays right), so git does not take it as resolved.
    if merged.conflicts.is_empty() {
        if let Some(broken) = broken(ours, &o, &t, &merged.text) {
            merged.text = format!("{}\n// CONFLICT(graphrun): {broken}\n", merged.text.trim_end());
            merged.conflicts.push(broken);
        }
    }
    match out {
        Some(out) => {
            // Written only over what was there when the merge read it.
            let before = if out == ours {
                Some(o.clone())
            } else {
                match file::read(out) {
                    Ok(now) => now,
                    Err(e) => {
                        eprintln!("error: {}: {e}", out.display());
                        return 2;
                    }
                }
            };
            if let Err(e) = file::write(out, before.as_deref(), &merged.text) {
                eprintln!("error: {}: {e}", out.display());
                return 2;
            }
        }
        None => print!("{}", merged.text),
    }
    // As the comment line says it (git names the file itself, and passes a temporary one).
    for conflict in &merged.conflicts {
        eprintln!("CONFLICT(graphrun): {conflict}");
    }
    if merged.conflicts.is_empty() {
        0
    } else {
        eprintln!(
            "{} conflict{}, marked `// CONFLICT(graphrun):` in the result (ours's value kept)",
            merged.conflicts.len(),
            if merged.conflicts.len() == 1 { "" } else { "s" }
        );
        1
    }
}
