//! Where new text goes and what a removal takes, so that an edit looks as if its author had
//! typed it: a new item in a block is a line of its own at its neighbours' indentation; in
//! a one-line value it joins the line; a removed item takes its line, the comment lines
//! right above it and its comma. Every function gives text edits and changes nothing else.

use crate::syntax::SyntaxNode;
use crate::text::{first_on_line, indent_at, line_end, line_start, next_line, TextEdit};
use crate::tree::{brackets, items, Item};

/// How an empty bracketed value grows its first item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// On lines of their own (the graph's nodes, variables, functions).
    Block,
    /// On the line (a node's inputs and exec links).
    Inline,
}

/// Edits that insert `item` (its text, without a comma) into `container`: before the item
/// at `before`, or at the end.
pub fn insert_item(
    text: &str,
    container: &SyntaxNode,
    before: Option<usize>,
    item: &str,
    style: Style,
) -> Vec<TextEdit> {
    let list = items(container);
    let (open, close) = brackets(container);
    if let Some(x) = before.and_then(|i| list.get(i)) {
        let at = x.range.start;
        return if first_on_line(text, at) {
            vec![TextEdit::insert(at, format!("{item},\n{}", indent_at(text, at)))]
        } else {
            vec![TextEdit::insert(at, format!("{item}, "))]
        };
    }
    let unit = crate::text::indent_unit(text);
    let Some(last) = list.last() else {
        let inside_end = close.unwrap_or(text.len());
        let inside = &text[open + 1..inside_end];
        if inside.contains('\n') {
            let indent = format!("{}{unit}", indent_at(text, open));
            return vec![TextEdit::insert(open + 1, format!("\n{indent}{item},"))];
        }
        return match style {
            Style::Block => {
                let outer = indent_at(text, open);
                vec![TextEdit::replace(
                    open + 1..inside_end,
                    format!("\n{outer}{unit}{item},\n{outer}"),
                )]
            }
            Style::Inline => vec![TextEdit::replace(open + 1..inside_end, item.to_string())],
        };
    };
    let block = close.is_some_and(|c| first_on_line(text, c));
    if block {
        let after = last.comma.as_ref().map_or(last.range.end, |c| c.end);
        let mut edits = Vec::new();
        if last.comma.is_none() {
            edits.push(TextEdit::insert(last.range.end, ","));
        }
        // After a comment that ends the last item's line, if there is one.
        let end = line_end(text, after).min(close.unwrap_or(text.len()));
        let end = if text[after..end].trim_start().starts_with("//") || text[after..end].trim().is_empty() {
            end
        } else {
            after
        };
        let indent = indent_at(text, last.range.start);
        edits.push(TextEdit::insert(end, format!("\n{indent}{item},")));
        edits
    } else {
        match &last.comma {
            Some(comma) => vec![TextEdit::insert(comma.end, format!(" {item},"))],
            None => vec![TextEdit::insert(last.range.end, format!(", {item}"))],
        }
    }
}

/// The edits that remove the item at `index` of `container`.
pub fn remove_item(text: &str, container: &SyntaxNode, index: usize) -> Option<Vec<TextEdit>> {
    remove_item_of(text, container, &items(container), index)
}

/// [`remove_item`] given the container's items, `list` (for a caller removing many).
pub fn remove_item_of(text: &str, container: &SyntaxNode, list: &[Item], index: usize) -> Option<Vec<TextEdit>> {
    let item = list.get(index)?;
    let after = item.comma.as_ref().map_or(item.range.end, |c| c.end);
    let end_of_line = line_end(text, after);
    let rest = &text[after..end_of_line];
    let alone = first_on_line(text, item.range.start)
        && (rest.trim().is_empty() || rest.trim_start().starts_with("//"))
        && !closes_on_line(container, end_of_line, after);
    if alone && (item.comma.is_some() || index + 1 == list.len()) {
        let start = comments_above(text, line_start(text, item.range.start), container);
        let end = next_line(text, end_of_line);
        let mut edits = vec![TextEdit::delete(start..end)];
        // The last item had no comma: its neighbour, now last, loses its own.
        if item.comma.is_none() && index > 0 {
            if let Some(comma) = &list[index - 1].comma {
                edits.push(TextEdit::delete(comma.clone()));
            }
        }
        return Some(edits);
    }
    Some(vec![inline_removal(text, list, index)])
}

/// Whether the container's closing bracket stands between `after` and `end`.
fn closes_on_line(container: &SyntaxNode, end: usize, after: usize) -> bool {
    brackets(container).1.is_some_and(|c| c >= after && c < end)
}

fn inline_removal(text: &str, list: &[Item], index: usize) -> TextEdit {
    let item = &list[index];
    let is_last = index + 1 == list.len();
    if is_last && index > 0 {
        let prev = &list[index - 1];
        let prev_comma = prev.comma.clone().unwrap_or(prev.range.end..prev.range.end);
        return match &item.comma {
            Some(comma) => TextEdit::delete(prev_comma.end..comma.end),
            None => TextEdit::delete(prev_comma.start..item.range.end),
        };
    }
    match &item.comma {
        Some(comma) => {
            let spaces = text[comma.end..]
                .bytes()
                .take_while(|&b| b == b' ' || b == b'\t')
                .count();
            // Spaces up to a line break stay with the line.
            let end = if text[comma.end + spaces..].starts_with(['\n', '\r']) {
                comma.end
            } else {
                comma.end + spaces
            };
            TextEdit::delete(item.range.start..end)
        }
        None => TextEdit::delete(item.range.clone()),
    }
}

/// Where the comment lines right above the line at `start` begin (no blank line between,
/// not above the container's opening line).
pub(crate) fn comments_above(text: &str, start: usize, container: &SyntaxNode) -> usize {
    let floor = next_line(text, brackets(container).0);
    let mut start = start;
    while start > floor {
        let above = line_start(text, start - 1);
        if above < floor || !only_a_comment(&text[above..start]) {
            break;
        }
        start = above;
    }
    start
}

/// Whether a line holds nothing but one comment.
fn only_a_comment(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("//")
        || (line.starts_with("/*") && line.ends_with("*/") && line[2..].find("*/") == Some(line.len() - 4))
}

/// Edits that insert a field into a struct at its place in `order` (after the fields that
/// come before it there, or at the end).
pub fn insert_field(
    text: &str,
    structure: &SyntaxNode,
    order: &[&str],
    name: &str,
    value: &str,
    style: Style,
) -> Vec<TextEdit> {
    let before = field_place(structure, order, name);
    insert_item(text, structure, before, &format!("{name}: {value}"), style)
}

/// Where a new field `name` goes in a struct whose fields come in `order`: before the index
/// given (the first field that comes after it there), or at the end.
pub fn field_place(structure: &SyntaxNode, order: &[&str], name: &str) -> Option<usize> {
    let rank = |n: &str| order.iter().position(|o| *o == n).unwrap_or(order.len());
    let mine = rank(name);
    items(structure)
        .iter()
        .position(|f| f.field_name().is_some_and(|n| rank(&n) > mine))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;
    use crate::text::apply;
    use crate::tree::top;

    fn edit(text: &str, f: impl Fn(&SyntaxNode) -> Vec<TextEdit>) -> String {
        let root = parse(text).root();
        let map = top(&root).unwrap();
        let (out, inverse) = apply(text, &f(&map)).unwrap();
        assert_eq!(apply(&out, &inverse).unwrap().0, text);
        out
    }

    #[test]
    fn inserts_follow_the_neighbours() {
        let add = |before| move |m: &SyntaxNode| insert_item_text(m, before);
        fn insert_item_text(m: &SyntaxNode, before: Option<usize>) -> Vec<TextEdit> {
            let text = m.to_string();
            insert_item(&text, m, before, "\"n\": 3", Style::Block)
        }
        assert_eq!(
            edit("{\"a\": 1, \"b\": 2}", add(None)),
            "{\"a\": 1, \"b\": 2, \"n\": 3}"
        );
        assert_eq!(edit("{\"a\": 1,}", add(None)), "{\"a\": 1, \"n\": 3,}");
        assert_eq!(
            edit("{\n  \"a\": 1, // one\n  \"b\": 2 // two\n}", add(None)),
            "{\n  \"a\": 1, // one\n  \"b\": 2, // two\n  \"n\": 3,\n}"
        );
        assert_eq!(
            edit("{\n    \"a\": 1,\n    \"b\": 2,\n}", add(Some(1))),
            "{\n    \"a\": 1,\n    \"n\": 3,\n    \"b\": 2,\n}"
        );
        assert_eq!(edit("{}", add(None)), "{\n    \"n\": 3,\n}");
    }

    #[test]
    fn removals_take_their_lines_and_comments() {
        let rm = |i| move |m: &SyntaxNode| remove_item(&m.to_string(), m, i).unwrap();
        assert_eq!(edit("{\"a\": 1, \"b\": 2}", rm(1)), "{\"a\": 1}");
        assert_eq!(edit("{\"a\": 1, \"b\": 2}", rm(0)), "{\"b\": 2}");
        assert_eq!(edit("{\"a\": 1, \"b\": 2,}", rm(1)), "{\"a\": 1,}");
        assert_eq!(edit("{\"a\": 1}", rm(0)), "{}");
        assert_eq!(
            edit(
                "{\n    // about a\n    \"a\": 1, // a!\n\n    // about b\n    \"b\": 2,\n}",
                rm(1)
            ),
            "{\n    // about a\n    \"a\": 1, // a!\n\n}"
        );
        assert_eq!(
            edit("{\n    // about a\n    \"a\": 1, // a!\n    \"b\": 2,\n}", rm(0)),
            "{\n    \"b\": 2,\n}"
        );
        assert_eq!(edit("{\n    \"a\": 1,\n    \"b\": 2\n}", rm(1)), "{\n    \"a\": 1\n}");
    }
}
