//! Names in messages: the nearest known names to one that is not known ("did you mean").
//! The checker and the edit layer both say it, in the same words.

/// `; did you mean `X`?` (or `X` or `Y`) for the known names near `name`, else nothing.
pub fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .map(|k| {
            let score = if k.to_lowercase() == lower {
                1.0
            } else {
                strsim::normalized_damerau_levenshtein(&lower, &k.to_lowercase())
            };
            (score, k)
        })
        .filter(|&(score, _)| score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    match scored.as_slice() {
        [] => String::new(),
        [(_, one)] => format!("; did you mean `{one}`?"),
        [(_, a), (_, b), ..] => format!("; did you mean `{a}` or `{b}`?"),
    }
}

/// The prefix of the node type `graphrun import` gives a Blueprint node with no graphrun
/// counterpart: `Unreal: KismetStringLibrary.BuildString_Int`. The checker names the
/// Blueprint node and the nearest graphrun node; a host may register a node of that name.
pub const UNREAL_PLACEHOLDER: &str = "Unreal: ";

/// The nearest of `known` to `name`, however far (case, spaces and underscores ignored).
pub fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let loose = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '_'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let name = loose(name);
    known
        .into_iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(&name, &loose(k)), k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
