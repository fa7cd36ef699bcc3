//! Names in messages: the nearest known names to a misspelt one, and lists of names.

pub(crate) use graphrun_format::names::suggest;

/// `a`, `b` and `c`, each in backquotes.
pub(crate) fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
