//! Node ids: which a node may have, and a fresh one made from a node type.

/// An id a node may have: not empty, no `.`, no line break.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.contains(['.', '\n', '\r']) {
        Err(format!(
            "`{id}` cannot be a node id: an id is not empty and holds no `.`"
        ))
    } else {
        Ok(())
    }
}

/// A fresh id from a node type: lower case, words joined by `_`, then `_2`, `_3`, …
pub fn fresh_id(node_type: &str, taken: &[String]) -> String {
    fresh_id_where(node_type, &mut 2, |id| taken.iter().any(|t| t == id))
}

/// [`fresh_id`] with the ids taken known to `taken`, trying numbers from `from` (kept by a
/// caller asking many times for one type, while what is taken only grows, so that each
/// number is tried once).
pub(crate) fn fresh_id_where(node_type: &str, from: &mut u64, taken: impl Fn(&str) -> bool) -> String {
    let mut base = String::new();
    for c in node_type.chars() {
        if c.is_alphanumeric() {
            base.extend(c.to_lowercase());
        } else if !base.is_empty() && !base.ends_with('_') {
            base.push('_');
        }
    }
    let base = match base.trim_end_matches('_') {
        "" => "node".to_string(),
        b => b.to_string(),
    };
    if !taken(&base) {
        return base;
    }
    loop {
        let id = format!("{base}_{from}");
        *from += 1;
        if !taken(&id) {
            return id;
        }
    }
}
