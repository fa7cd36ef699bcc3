//! Text edits, as LSP's `TextEdit`: a byte range and the text that replaces it. Every tool
//! changes a file only through these, so what a change does not touch keeps its bytes;
//! applying edits gives their inverse, which is what undo applies. Also the few facts about
//! lines an edit needs (where a line starts, its indentation, the file's indent unit) and
//! how a string is written in RON.

use std::ops::Range;

/// Replace `range` of the text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    /// Byte range in the text the edit applies to.
    pub range: Range<usize>,
    /// What goes there.
    pub text: String,
}

impl TextEdit {
    /// Inserts `text` at `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> TextEdit {
        TextEdit {
            range: at..at,
            text: text.into(),
        }
    }

    /// Removes `range`.
    pub fn delete(range: Range<usize>) -> TextEdit {
        TextEdit {
            range,
            text: String::new(),
        }
    }

    /// Replaces `range` with `text`.
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> TextEdit {
        TextEdit {
            range,
            text: text.into(),
        }
    }
}

/// Why edits could not be applied (a bug in the operation that made them, never the
/// user's: it is reported rather than panicking).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap;

/// Applies edits made against `text` (in any order; none may overlap, and each range must
/// lie on character boundaries) and gives the new text with the edits that undo them.
pub fn apply(text: &str, edits: &[TextEdit]) -> Result<(String, Vec<TextEdit>), Overlap> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut inverse = Vec::with_capacity(edits.len());
    let mut at = 0;
    for edit in sorted {
        let r = &edit.range;
        if r.start < at || r.end < r.start || r.end > text.len() {
            return Err(Overlap);
        }
        let (Some(before), Some(old)) = (text.get(at..r.start), text.get(r.clone())) else {
            return Err(Overlap);
        };
        out.push_str(before);
        let start = out.len();
        out.push_str(&edit.text);
        inverse.push(TextEdit::replace(start..out.len(), old));
        at = r.end;
    }
    out.push_str(&text[at..]);
    Ok((out, inverse))
}

/// The offset where the line holding `at` starts.
pub fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset of the line break ending the line holding `at` (its `\r\n` or `\n`), or the
/// text's end.
pub fn line_end(text: &str, at: usize) -> usize {
    match text[at..].find('\n') {
        Some(i) if text[..at + i].ends_with('\r') => at + i - 1,
        Some(i) => at + i,
        None => text.len(),
    }
}

/// The offset where the line after the one holding `at` starts (or the text's end).
pub fn next_line(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The spaces and tabs that start the line holding `at`.
pub fn indent_at(text: &str, at: usize) -> &str {
    let start = line_start(text, at);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Whether only spaces and tabs stand before `at` on its line.
pub fn first_on_line(text: &str, at: usize) -> bool {
    text[line_start(text, at)..at].bytes().all(|b| b == b' ' || b == b'\t')
}

/// The file's unit of indentation: a tab if its lines are indented with tabs, else the
/// smallest step between indentations it uses (4 spaces when it has none).
pub fn indent_unit(text: &str) -> String {
    let mut smallest: Option<usize> = None;
    let mut tabs = 0;
    let mut spaces = 0;
    for line in text.lines() {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        if indent.starts_with('\t') {
            tabs += 1;
        } else if !indent.is_empty() {
            spaces += 1;
            smallest = Some(smallest.map_or(indent.len(), |s| s.min(indent.len())));
        }
    }
    if tabs > spaces {
        "\t".to_string()
    } else {
        " ".repeat(smallest.unwrap_or(4).clamp(1, 8))
    }
}

/// A string written as a RON string literal (`"…"` with escapes): the format crate's,
/// so the reader and every writer agree.
pub use graphrun_format::ron::quote;

/// The one edit that turns `old` into `new`: the part between what they start and end with
/// alike (on character boundaries).
pub fn between(old: &str, new: &str) -> TextEdit {
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let suffix = old_rest
        .chars()
        .rev()
        .zip(new_rest.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    TextEdit::replace(prefix..old.len() - suffix, &new_rest[..new_rest.len() - suffix])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_gives_the_inverse() {
        let text = "abcdef";
        let edits = [
            TextEdit::replace(4..5, "XYZ"),
            TextEdit::insert(0, ">"),
            TextEdit::delete(1..3),
        ];
        let (new, inverse) = apply(text, &edits).unwrap();
        assert_eq!(new, ">adXYZf");
        assert_eq!(apply(&new, &inverse).unwrap().0, text);
        assert_eq!(
            apply(text, &[TextEdit::delete(1..3), TextEdit::delete(2..4)]),
            Err(Overlap)
        );
        assert_eq!(apply("é", &[TextEdit::delete(0..1)]), Err(Overlap));
    }

    #[test]
    fn between_is_the_one_edit_that_makes_the_new_text() {
        for (old, new) in [
            ("abcdef", "abXYef"),
            ("abc", "abc"),
            ("abc", "abcd"),
            ("abc", "xabc"),
            ("aéb", "aèb"),
            ("éé", "é"),
            ("", "x"),
            ("aaa", "aa"),
        ] {
            let edit = between(old, new);
            assert_eq!(
                apply(old, std::slice::from_ref(&edit)).unwrap().0,
                new,
                "{old:?} -> {new:?}"
            );
            assert!(edit.range.len() <= old.len());
        }
        assert_eq!(between("abcdef", "abXYef"), TextEdit::replace(2..4, "XY"));
    }

    #[test]
    fn quoting_reads_back() {
        for s in ["plain", "a \"q\" \\ b\n\t", "\u{1}\u{7f} é ☃"] {
            let q = quote(s);
            match graphrun_format::ron::parse(&q).unwrap().kind {
                graphrun_format::ron::Kind::Str(back) => assert_eq!(back, s),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn indentation() {
        assert_eq!(indent_unit("a(\n  b: (\n    c\n  )\n)"), "  ");
        assert_eq!(indent_unit("a(\n\tb\n)"), "\t");
        assert_eq!(indent_unit("a"), "    ");
        assert_eq!(indent_at("x\n   y", 4), "   ");
    }
}
