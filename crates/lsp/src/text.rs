//! Positions as LSP counts them (a line, and UTF-16 code units in it) and byte offsets as
//! the edit layer counts them, and the editor's incremental changes applied to a text.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Where a text's lines start and end. A line ends at `\n`, `\r\n` or a lone `\r`, as LSP
/// says; a position past a line's end is at its end, never inside its line break.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
    /// Where each line's text ends (its line break's first byte).
    ends: Vec<usize>,
}

impl<'t> Lines<'t> {
    /// The lines of `text`.
    pub fn new(text: &'t str) -> Lines<'t> {
        let bytes = text.as_bytes();
        let (mut starts, mut ends) = (vec![0], Vec::new());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    ends.push(i);
                    starts.push(i + 1);
                }
                b'\r' => {
                    ends.push(i);
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        ends.push(text.len());
        Lines { text, starts, ends }
    }

    /// The position of a byte offset (one inside a line break is at its line's end).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let before = self.text.get(start..offset.min(self.ends[line])).unwrap_or_default();
        Position::new(line as u32, before.encode_utf16().count() as u32)
    }

    /// The byte offset of a position (clamped to its line's text and to the text).
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self.ends[position.line as usize];
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }

    /// The range of a byte range.
    pub fn range(&self, range: std::ops::Range<usize>) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }
}

/// The text after an editor's changes (each a range and its new text, or the whole text).
pub fn apply_changes(text: &str, changes: Vec<TextDocumentContentChangeEvent>) -> String {
    let mut text = text.to_string();
    for change in changes {
        match change.range {
            None => text = change.text,
            Some(range) => {
                let lines = Lines::new(&text);
                let (start, end) = (lines.offset(range.start), lines.offset(range.end));
                text.replace_range(start..end.max(start), &change.text);
            }
        }
    }
    text
}

/// The edits that turn `old` into `new`, token by token where both have the same tokens'
/// kinds (a rename changes only strings), else one edit for the part that differs.
pub fn edits(old: &str, new: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let (a, b) = (graphrun_edit::syntax::lex(old), graphrun_edit::syntax::lex(new));
    if a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.0 == y.0) {
        let (mut out, mut at_a, mut at_b) = (Vec::new(), 0, 0);
        for ((_, la), (_, lb)) in a.iter().zip(&b) {
            if old[at_a..at_a + la] != new[at_b..at_b + lb] {
                out.push((at_a..at_a + la, new[at_b..at_b + lb].to_string()));
            }
            at_a += la;
            at_b += lb;
        }
        return out;
    }
    let prefix = old.bytes().zip(new.bytes()).take_while(|(x, y)| x == y).count();
    let prefix = (0..=prefix)
        .rev()
        .find(|&p| old.is_char_boundary(p) && new.is_char_boundary(p))
        .unwrap_or(0);
    let suffix = old[prefix..]
        .bytes()
        .rev()
        .zip(new[prefix..].bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let suffix = (0..=suffix)
        .rev()
        .find(|&s| old.is_char_boundary(old.len() - s) && new.is_char_boundary(new.len() - s))
        .unwrap_or(0);
    if prefix == old.len() && prefix == new.len() {
        return Vec::new();
    }
    vec![(prefix..old.len() - suffix, new[prefix..new.len() - suffix].to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\né☃𝄞x\n";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(x), Position::new(1, 4));
        assert_eq!(lines.offset(Position::new(1, 4)), x);
        assert_eq!(lines.offset(Position::new(1, 99)), text.len() - 1);
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
    }

    /// Issue 34, 13: a position past the end of a CRLF line landed between its `\r` and
    /// `\n`, and text typed there split the line break.
    #[test]
    fn lines_end_at_crlf_and_a_lone_cr_and_positions_past_them_stay_out_of_the_break() {
        let text = "a: 1,\r\nb: 2\rc\n";
        let lines = Lines::new(text);
        assert_eq!(lines.offset(Position::new(0, 99)), 5);
        assert_eq!(lines.offset(Position::new(1, 0)), 7);
        assert_eq!(lines.offset(Position::new(2, 0)), 12);
        assert_eq!(lines.position(6), Position::new(0, 5));
        assert_eq!(lines.position(12), Position::new(2, 0));
        let typed = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(0, 99), Position::new(0, 99))),
            range_length: None,
            text: " // x".into(),
        };
        assert_eq!(apply_changes(text, vec![typed]), "a: 1, // x\r\nb: 2\rc\n");
    }

    #[test]
    fn changes_and_edits() {
        let text = "one\ntwo\n";
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(1, 0), Position::new(1, 3))),
            range_length: None,
            text: "2".into(),
        };
        assert_eq!(apply_changes(text, vec![change]), "one\n2\n");
        assert_eq!(
            edits("(a: \"x\", b: \"x\")", "(a: \"yy\", b: \"x\")"),
            [(4..7, "\"yy\"".to_string())]
        );
        assert_eq!(edits("[1, 2]", "[1]"), [(2..5, String::new())]);
    }
}
