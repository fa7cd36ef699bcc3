//! The edits the server offers besides renames: formatting (`graphrun fmt`'s canonical
//! form) and, for a diagnostic that says "did you mean", a quick fix that writes the name
//! it means.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Url, WorkspaceEdit};

use super::text::{edits, Lines};
use super::workspace::Found;

/// The edits that format a document (none if it is formatted, or does not parse).
pub fn format(name: &str, text: &str) -> Vec<TextEdit> {
    let Ok(formatted) = graphrun_edit::fmt::format(name, text) else {
        return Vec::new();
    };
    let lines = Lines::new(text);
    edits(text, &formatted)
        .into_iter()
        .map(|(r, t)| TextEdit::new(lines.range(r), t))
        .collect()
}

/// The names a message suggests: "did you mean `A`" or "`A` or `B`".
pub fn suggestions(message: &str) -> Vec<String> {
    let Some((_, rest)) = message.split_once("did you mean ") else {
        return Vec::new();
    };
    rest.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

/// Quick fixes for the diagnostics that touch `range`: each suggested name written in
/// place of the wrong one.
pub fn quick_fixes(uri: &Url, text: &str, found: &[Found], range: Range) -> Vec<CodeActionOrCommand> {
    let lines = Lines::new(text);
    let (from, to) = (lines.offset(range.start), lines.offset(range.end));
    let mut out = Vec::new();
    for f in found.iter().filter(|f| f.range.start <= to && from <= f.range.end) {
        let written = text.get(f.range.clone()).unwrap_or_default();
        // A string's inside, or the whole span.
        let inner = if written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
            f.range.start + 1..f.range.end - 1
        } else {
            f.range.clone()
        };
        for name in suggestions(&f.message) {
            let edit = TextEdit::new(lines.range(inner.clone()), name.clone());
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Change to `{name}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions_are_read_from_the_message() {
        assert_eq!(
            super::suggestions("unknown node type `Print Strin`; did you mean `Print String` or `Format String`?"),
            ["Print String", "Format String"]
        );
        assert!(super::suggestions("no such thing").is_empty());
    }
}
