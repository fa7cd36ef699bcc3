//! `graphrun fmt`: one canonical form for graph, library and test files (authoring.md
//! section 3), printed from the lossless tree so that every comment is kept.
//!
//! The form: 4-space indentation; a bracketed value on one line when it fits in 100
//! columns, else its items one per line, each with a trailing comma; the graph itself, and
//! its `nodes`, `functions`, `macros` (and each function's or macro's body), `variables`
//! and `comments`, always one entry per line, so that a change to one node is a change to
//! one line. A comment stays attached to the item it precedes, or ends that item's line; a
//! blank line between two items is kept (one, however many there were). Values are written
//! as they were (numbers and strings keep their spelling), so formatting never changes the
//! program: [`format()`] checks that the tokens and the comments are the same before it
//! gives a result.

use crate::EditError;
use graphrun_format::model::field;

use crate::syntax::{parse, SyntaxKind::*, SyntaxNode};

/// How wide a line may be.
pub const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// The canonical form of `text` (`name` is its path, for messages); an error if it does
/// not parse.
pub fn format(name: &str, text: &str) -> Result<String, EditError> {
    if let Some(message) = crate::session::syntax_error(name, text) {
        return Err(EditError::Parse {
            file: name.to_string(),
            message,
        });
    }
    let root = parse(text).root();
    let mut out = String::with_capacity(text.len());
    if text.starts_with('\u{feff}') {
        out.push('\u{feff}');
    }
    print_root(&root, &mut out);
    if text.contains("\r\n") {
        out = out.replace('\n', "\r\n");
    }
    if !same_program(text, &out) {
        return Err(EditError::Internal(format!(
            "formatting {name} would change its values or comments; nothing was written"
        )));
    }
    Ok(out)
}

/// A value as the printer sees it.
enum Value {
    /// A token as written.
    Atom(String),
    /// A bracketed value.
    Group(Group),
}

struct Group {
    /// `Name(`, `(`, `{` or `[`.
    open: String,
    close: char,
    items: Vec<Entry>,
    /// Comments after the last item.
    dangling: Vec<String>,
    /// Always one item per line.
    broken: bool,
    /// An unnamed tuple of one item keeps its comma on one line: `(x,)`.
    one_tuple: bool,
}

struct Entry {
    blank_before: bool,
    leading: Vec<String>,
    /// `name: ` or `"key": `.
    head: String,
    value: Value,
    trailing: Vec<String>,
}

/// The fields whose maps are written one entry per line wherever they are (a map: a comment
/// box's `nodes` list is not one).
const BROKEN_ANYWHERE: &[&str] = &[field::NODES, field::FUNCTIONS, field::MACROS];
/// The top-level fields written one entry per line.
const BROKEN_AT_TOP: &[&str] = &[field::VARIABLES, field::COMMENTS];

fn comment(text: &str) -> String {
    text.trim_end().to_string()
}

/// The comments among a node's tokens (inside a field or entry, between its parts).
fn comments_in(node: &SyntaxNode) -> Vec<String> {
    node.children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| matches!(t.kind(), LINE_COMMENT | BLOCK_COMMENT))
        .map(|t| comment(t.text()))
        .collect()
}

/// A value node as a [`Value`]; `broken` forces its items onto lines of their own, and
/// `top` says it is the file's value.
fn value(node: &SyntaxNode, broken: bool, top: bool) -> Value {
    if !matches!(node.kind(), STRUCT | TUPLE | MAP | LIST) {
        return Value::Atom(node.text().to_string());
    }
    let name = crate::tree::name(node);
    let (open, close) = match node.kind() {
        MAP => ("{".to_string(), '}'),
        LIST => ("[".to_string(), ']'),
        _ => (format!("{}(", name.clone().unwrap_or_default()), ')'),
    };
    let mut items: Vec<Entry> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let (mut blank, mut newline_since_item) = (false, true);
    for element in node.children_with_tokens() {
        match element {
            rowan::NodeOrToken::Token(t) => match t.kind() {
                WHITESPACE => {
                    let lines = t.text().matches('\n').count();
                    newline_since_item |= lines > 0;
                    blank |= lines > 1 && !items.is_empty();
                }
                LINE_COMMENT | BLOCK_COMMENT => match items.last_mut() {
                    Some(last) if !newline_since_item => last.trailing.push(comment(t.text())),
                    _ => pending.push(comment(t.text())),
                },
                _ => {}
            },
            rowan::NodeOrToken::Node(item) => {
                let mut leading = std::mem::take(&mut pending);
                let (head, inner) = match item.kind() {
                    FIELD => {
                        let field = item
                            .children_with_tokens()
                            .find(|t| t.kind() == IDENT)
                            .map(|t| t.to_string())
                            .unwrap_or_default();
                        leading.extend(comments_in(&item));
                        let inner = item.children().next().map(|v| {
                            // A comment box's `nodes` is a list of ids, not a body's map.
                            let forced = (BROKEN_ANYWHERE.contains(&field.as_str()) && v.kind() == MAP)
                                || (top && BROKEN_AT_TOP.contains(&field.as_str()));
                            value(&v, forced, false)
                        });
                        (format!("{field}: "), inner)
                    }
                    ENTRY => {
                        let mut children = item.children();
                        let key = children.next();
                        leading.extend(comments_in(&item));
                        if let Some(k) = &key {
                            leading.extend(
                                k.descendants_with_tokens()
                                    .filter_map(|e| e.into_token())
                                    .filter(|t| matches!(t.kind(), LINE_COMMENT | BLOCK_COMMENT))
                                    .map(|t| comment(t.text())),
                            );
                        }
                        let forced = node
                            .parent()
                            .filter(|p| p.kind() == FIELD)
                            .and_then(|p| p.children_with_tokens().find(|t| t.kind() == IDENT))
                            .is_some_and(|f| matches!(f.to_string().as_str(), field::FUNCTIONS | field::MACROS));
                        let head = key
                            .map(|k| format!("{}: ", crate::diff::compact(&k)))
                            .unwrap_or_default();
                        (head, children.next().map(|v| value(&v, forced, false)))
                    }
                    _ => (String::new(), Some(value(&item, false, false))),
                };
                items.push(Entry {
                    blank_before: blank,
                    leading,
                    head,
                    value: inner.unwrap_or(Value::Atom(String::new())),
                    trailing: Vec::new(),
                });
                blank = false;
                newline_since_item = false;
            }
        }
    }
    let one_tuple = node.kind() == TUPLE && name.is_none() && items.len() == 1;
    Value::Group(Group {
        open,
        close,
        broken: (broken && !items.is_empty()) || top,
        items,
        dangling: pending,
        one_tuple,
    })
}

/// The value on one line, if it can be: no comments, no line breaks, not forced.
fn flat(v: &Value) -> Option<String> {
    match v {
        Value::Atom(text) => (!text.contains('\n')).then(|| text.clone()),
        Value::Group(g) => {
            if g.broken
                || !g.dangling.is_empty()
                || g.items.iter().any(|e| !e.leading.is_empty() || !e.trailing.is_empty())
            {
                return None;
            }
            let mut out = g.open.clone();
            for (i, e) in g.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&e.head);
                out.push_str(&flat(&e.value)?);
            }
            if g.one_tuple {
                out.push(',');
            }
            out.push(g.close);
            Some(out)
        }
    }
}

/// The column `out` ends at.
fn column(out: &str) -> usize {
    out.rsplit('\n').next().unwrap_or_default().chars().count()
}

fn print(v: &Value, depth: usize, out: &mut String) {
    let g = match v {
        Value::Atom(text) => return out.push_str(text),
        Value::Group(g) => g,
    };
    if let Some(line) = flat(v) {
        // Room for the comma or bracket that follows.
        if column(out) + line.chars().count() < WIDTH {
            return out.push_str(&line);
        }
    }
    let inner = INDENT.repeat(depth + 1);
    out.push_str(&g.open);
    out.push('\n');
    for (i, e) in g.items.iter().enumerate() {
        if e.blank_before && i > 0 {
            out.push('\n');
        }
        for c in &e.leading {
            out.push_str(&inner);
            out.push_str(c);
            out.push('\n');
        }
        out.push_str(&inner);
        out.push_str(&e.head);
        print(&e.value, depth + 1, out);
        out.push(',');
        for c in &e.trailing {
            out.push(' ');
            out.push_str(c);
        }
        out.push('\n');
    }
    for c in &g.dangling {
        out.push_str(&inner);
        out.push_str(c);
        out.push('\n');
    }
    out.push_str(&INDENT.repeat(depth));
    out.push(g.close);
}

/// The file: its leading comments and attributes each on a line, the value, the comments
/// after it.
fn print_root(root: &SyntaxNode, out: &mut String) {
    // Whether a blank line comes before what is next; whether a line break came since what
    // was written last; whether that has no line break after it yet.
    let (mut blank, mut newline, mut open) = (false, false, false);
    for element in root.children_with_tokens() {
        match element {
            rowan::NodeOrToken::Token(t) => match t.kind() {
                WHITESPACE => {
                    let lines = t.text().matches('\n').count();
                    newline |= lines > 0;
                    blank |= lines > 1 && !out.trim_start_matches('\u{feff}').is_empty();
                }
                LINE_COMMENT | BLOCK_COMMENT | ATTRIBUTE => {
                    if open && !newline {
                        out.push(' ');
                    } else {
                        if open {
                            out.push('\n');
                        }
                        if blank {
                            out.push('\n');
                        }
                    }
                    out.push_str(&comment(t.text()));
                    out.push('\n');
                    (blank, newline, open) = (false, false, false);
                }
                _ => {}
            },
            rowan::NodeOrToken::Node(node) => {
                if blank {
                    out.push('\n');
                }
                print(&value(&node, false, true), 0, out);
                (blank, newline, open) = (false, false, true);
            }
        }
    }
    if open {
        out.push('\n');
    }
}

/// Whether two texts hold the same values and the same comments: their tokens but spaces,
/// comments and commas before a closing bracket, and their comments, are equal.
fn same_program(a: &str, b: &str) -> bool {
    fn tokens(text: &str) -> (Vec<String>, Vec<String>) {
        let root = parse(text).root();
        let all: Vec<_> = root
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| !t.kind().is_trivia())
            .collect();
        let kept = all
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                !(t.kind() == COMMA
                    && all
                        .get(i + 1)
                        .is_some_and(|n| matches!(n.kind(), R_PAREN | R_BRACE | R_BRACK)))
            })
            .map(|(_, t)| t.text().to_string())
            .collect();
        let comments = root
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| matches!(t.kind(), LINE_COMMENT | BLOCK_COMMENT))
            .map(|t| comment(t.text()))
            .collect();
        (kept, comments)
    }
    let (ta, mut ca) = tokens(a);
    let (tb, mut cb) = tokens(b);
    ca.sort();
    cb.sort();
    ta == tb && ca == cb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        let once = format("g.ron", text).unwrap();
        assert_eq!(format("g.ron", &once).unwrap(), once, "not idempotent");
        once
    }

    #[test]
    fn the_canonical_form() {
        let text = r#"// A graph.

Graph(format:1,name:"G",
  variables:{"N":(type:Int,default:3)},
        nodes:{"begin":(node:"Event BeginPlay",exec:{"then":"p"}),

  // Prints.
  "p":(node:"Print String",inputs:{"In String":"a long text that makes this node too wide for one line of a hundred columns"}), // end
  "q" : ( node : "Delay" , pos : ( 1 , 2 , ) , ) ,
  // the last
 }) // after
"#;
        assert_eq!(
            fmt(text),
            r#"// A graph.

Graph(
    format: 1,
    name: "G",
    variables: {
        "N": (type: Int, default: 3),
    },
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "p"}),

        // Prints.
        "p": (
            node: "Print String",
            inputs: {
                "In String": "a long text that makes this node too wide for one line of a hundred columns",
            },
        ), // end
        "q": (node: "Delay", pos: (1, 2)),
        // the last
    },
) // after
"#
        );
    }

    #[test]
    fn functions_tests_and_line_ends() {
        let text = "\u{feff}Library(format: 1, name: \"L\", functions: {\"F\": (pure: true, nodes: {})})\r\n";
        assert_eq!(
            fmt(text),
            "\u{feff}Library(\r\n    format: 1,\r\n    name: \"L\",\r\n    functions: {\r\n        \"F\": (\r\n            pure: true,\r\n            nodes: {},\r\n        ),\r\n    },\r\n)\r\n"
        );
        let test = "Test(format: 1, name: \"t\", graph: \"g.ron\", expect: (output: [\"a\"], exit: Ended))";
        assert_eq!(
            fmt(test),
            "Test(\n    format: 1,\n    name: \"t\",\n    graph: \"g.ron\",\n    expect: (output: [\"a\"], exit: Ended),\n)\n"
        );
    }

    #[test]
    fn every_comment_is_kept_wherever_it_was() {
        let text = "#![enable(implicit_some)]\n/* a */ Graph /* b */ (format /* c */ : 1, name: // d\n \"G\", nodes: {\"x\": ( /* e */ ), \"y\": [1, // f\n 2]})";
        let out = fmt(text);
        for c in ["/* a */", "/* b */", "/* c */", "// d", "/* e */", "// f"] {
            assert!(out.contains(c), "{c} lost:\n{out}");
        }
        assert!(out.starts_with("#![enable(implicit_some)]\n"));
    }

    #[test]
    fn a_file_that_does_not_parse_is_an_error() {
        let e = format("g.ron", "Graph(format: 1,").unwrap_err();
        assert!(matches!(e, crate::EditError::Parse { .. }), "{e:?}");
        assert!(e.to_string().starts_with("g.ron does not parse: g.ron:1:"), "{e}");
    }
}
