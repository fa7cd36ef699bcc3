//! Reparsing after an edit: the smallest bracketed value around the edited text is parsed
//! again on its own and put in the tree's place, sharing the rest of the tree, as
//! rust-analyzer reparses a block. An edit of one node's `pos` costs that node, not the
//! file. Where the new text would not be the same kind of value, or would not parse on its
//! own, `None`: the whole text is to be parsed again.

use crate::kind::SyntaxKind::{self, *};
use crate::kind::{SyntaxNode, MAX_DEPTH};
use crate::tree::parse;

/// The tree of the text that replacing `range` of `root`'s text by `with` makes, or `None`.
pub fn reparse(root: &SyntaxNode, range: std::ops::Range<usize>, with: &str) -> Option<SyntaxNode> {
    let text_len = usize::from(root.text_range().end());
    if range.start > range.end || range.end > text_len {
        return None;
    }
    let start = rowan::TextSize::try_from(range.start).ok()?;
    let end = rowan::TextSize::try_from(range.end).ok()?;
    let covering = root.covering_element(rowan::TextRange::new(start, end));
    let mut node = match covering {
        rowan::NodeOrToken::Node(node) => node,
        rowan::NodeOrToken::Token(token) => token.parent()?,
    };
    // The smallest bracketed value holding the edit within its brackets.
    loop {
        let r = node.text_range();
        let inside = usize::from(r.start()) < range.start && range.end < usize::from(r.end());
        if bracketed(node.kind()) && inside {
            break;
        }
        node = node.parent()?;
    }
    // Depth as the whole parse counts it: a value near the limit is parsed whole.
    let depth = node.ancestors().filter(|n| bracketed(n.kind())).count();
    if depth + 8 >= MAX_DEPTH {
        return None;
    }
    // Only the items the edit touches, parsed again between the value's brackets: removing
    // one node of ten thousand costs that node, not the map.
    if let Some(green) = splice(&node, range.clone(), with) {
        return Some(SyntaxNode::new_root(node.replace_with(green)));
    }
    let r = node.text_range();
    let (node_start, node_end) = (usize::from(r.start()), usize::from(r.end()));
    let old = node.text().to_string();
    let local = range.start - node_start..range.end - node_start;
    let snippet = format!("{}{with}{}", old.get(..local.start)?, old.get(local.end..)?);
    let _ = node_end;
    let parsed = parse(&snippet);
    if !parsed.errors.is_empty() {
        return None;
    }
    let new_root = parsed.root();
    let mut children = new_root.children_with_tokens();
    let only = children.next()?.into_node()?;
    if children.next().is_some() || only.kind() != node.kind() {
        return None;
    }
    let green = node.replace_with(only.green().into_owned());
    Some(SyntaxNode::new_root(green))
}

/// The green node of bracketed value `node` with the children the edit touches parsed
/// again, or `None` where they do not parse on their own between its brackets as they did
/// in it (an edit reaching a bracket, an item cut in two).
fn splice(node: &SyntaxNode, range: std::ops::Range<usize>, with: &str) -> Option<rowan::GreenNode> {
    let children: Vec<crate::kind::SyntaxElement> = node.children_with_tokens().collect();
    let open = children
        .iter()
        .position(|c| matches!(c.kind(), L_PAREN | L_BRACE | L_BRACK))?;
    let close = children.len() - 1;
    if !matches!(children[close].kind(), R_PAREN | R_BRACE | R_BRACK) {
        return None;
    }
    let start_of = |c: &crate::kind::SyntaxElement| usize::from(c.text_range().start());
    let end_of = |c: &crate::kind::SyntaxElement| usize::from(c.text_range().end());
    // Every child the edit is in or touches.
    let first = children.iter().position(|c| end_of(c) >= range.start)?;
    let last = children.iter().rposition(|c| start_of(c) <= range.end)?;
    if first <= open || last >= close || first > last {
        return None;
    }
    let region_start = start_of(&children[first]);
    let old: String = children[first..=last].iter().map(|c| c.to_string()).collect();
    let local = range.start - region_start..range.end - region_start;
    let snippet = format!(
        "{}{}{with}{}{}",
        children[open],
        old.get(..local.start)?,
        old.get(local.end..)?,
        children[close]
    );
    let parsed = parse(&snippet);
    if !parsed.errors.is_empty() {
        return None;
    }
    let root = parsed.root();
    let mut values = root.children_with_tokens();
    let value = values.next()?.into_node()?;
    if values.next().is_some() || value.kind() != node.kind() {
        return None;
    }
    let inner: Vec<crate::kind::SyntaxElement> = value.children_with_tokens().collect();
    if inner.len() < 2
        || inner[0].kind() != children[open].kind()
        || inner[inner.len() - 1].kind() != children[close].kind()
    {
        return None;
    }
    let replacement = inner[1..inner.len() - 1].iter().map(|c| match c {
        rowan::NodeOrToken::Node(n) => rowan::NodeOrToken::Node(n.green().into_owned()),
        rowan::NodeOrToken::Token(t) => rowan::NodeOrToken::Token(t.green().to_owned()),
    });
    Some(node.green().splice_children(first..=last, replacement))
}

fn bracketed(kind: SyntaxKind) -> bool {
    matches!(kind, STRUCT | TUPLE | MAP | LIST)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reparsing gives is what parsing the whole new text gives, node for node.
    #[test]
    fn a_reparse_is_the_whole_parse_of_the_new_text() {
        let text = "Graph(a: {\"n\": (node: \"X\", pos: (1, 2)), \"m\": [1, 2]}, b: 3)";
        let root = parse(text).root();
        for (from, to, with) in [
            ("(1, 2)", 0, "(10, 20)"),
            ("\"X\"", 0, "\"Y\""),
            ("[1, 2]", 1, "3, 4, 5"),
            ("pos: (1, 2)", 0, "comment: \"c\""),
        ] {
            let at = text.find(from).unwrap() + to;
            let range = if to == 0 { at..at + from.len() } else { at..at + 4 };
            let new_text = format!("{}{with}{}", &text[..range.start], &text[range.end..]);
            let reparsed = reparse(&root, range, with).expect("reparsed in place");
            assert_eq!(reparsed.to_string(), new_text);
            assert_eq!(format!("{reparsed:#?}"), format!("{:#?}", parse(&new_text).root()));
        }
        // A change of kind, or text that does not parse on its own: parsed whole.
        let at = text.find("(1, 2)").unwrap();
        assert!(reparse(&root, at..at + 1, "[").is_none());
        assert!(reparse(&root, at + 1..at + 2, "\"").is_none());
    }

    #[test]
    fn random_edits_reparse_as_the_whole_text_parses() {
        let text = include_str!("../../../graphs/hello.ron");
        let root = parse(text).root();
        let pieces = [
            "1",
            "\"s\"",
            ", ",
            "(a: 1)",
            "[",
            "]",
            "}",
            "x",
            "",
            " ",
            "// c\n",
            "\"k\": (node: \"Quit\"),\n",
        ];
        let mut rng = fastrand::Rng::with_seed(11);
        let mut tried = 0;
        for _ in 0..6_000 {
            let start = rng.usize(..text.len());
            let reach = [8, 200][rng.usize(..2)];
            let end = (start + rng.usize(..reach)).min(text.len());
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            let with = pieces[rng.usize(..pieces.len())];
            let new_text = format!("{}{with}{}", &text[..start], &text[end..]);
            if let Some(reparsed) = reparse(&root, start..end, with) {
                tried += 1;
                assert_eq!(reparsed.to_string(), new_text);
                assert_eq!(
                    format!("{reparsed:#?}"),
                    format!("{:#?}", parse(&new_text).root()),
                    "{start}..{end} -> {with:?}"
                );
            }
        }
        assert!(tried > 500, "only {tried} edits were reparsed in place");
    }
}
