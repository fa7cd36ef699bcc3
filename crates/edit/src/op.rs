//! The operations of `graphrun edit` (authoring.md section 2), as values, and how they are
//! read from the command line's `-e 'OP ARGS'` strings: words separated by spaces, a word
//! with spaces or quotes written in double quotes with `\"` and `\\` escapes.

use crate::EditError;

use std::fmt;

/// What a collapse or a new body makes: a function or a macro.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reusable {
    /// A function: one exec input and output, or none (pure).
    Function,
    /// A macro: exec pins as the selection needs.
    Macro,
}

/// One edit of a graph file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `add-node ID TYPE [X Y] [var=NAME]`; ID `auto` picks a fresh one.
    AddNode {
        /// The id, or `auto`.
        id: String,
        /// The node type, function or macro.
        node_type: String,
        /// Where, if given.
        pos: Option<(i64, i64)>,
        /// `var=NAME`, for Get and Set.
        var: Option<String>,
    },
    /// `remove-node ID`.
    RemoveNode {
        /// The node.
        id: String,
    },
    /// `rename-node OLD NEW`.
    RenameNode {
        /// Its id now.
        old: String,
        /// Its new id.
        new: String,
    },
    /// `move ID X Y`.
    Move {
        /// The node.
        id: String,
        /// Where its top-left corner goes.
        x: i64,
        /// Where its top-left corner goes.
        y: i64,
    },
    /// `set ID PIN VALUE`.
    Set {
        /// The node.
        id: String,
        /// The input pin.
        pin: String,
        /// A RON literal, an unquoted String, or `Var("NAME")`.
        value: String,
    },
    /// `clear ID PIN`.
    Clear {
        /// The node.
        id: String,
        /// The input pin.
        pin: String,
    },
    /// `connect FROM.PIN TO.PIN`, or `connect EVENT TO.PIN` for a delegate; `TO` alone is
    /// its default exec input.
    Connect {
        /// The node the wire leaves.
        from: String,
        /// Its output pin (none: `from` is a Custom Event bound to a delegate).
        from_pin: Option<String>,
        /// The node the wire enters.
        to: String,
        /// Its input pin (none: its default exec input).
        to_pin: Option<String>,
    },
    /// `disconnect ID.PIN`.
    Disconnect {
        /// The node.
        id: String,
        /// The pin.
        pin: String,
    },
    /// `add-variable NAME TYPE [DEFAULT]`.
    AddVariable {
        /// Its name.
        name: String,
        /// Its type, as written in a file (`Int`, `Array(String)`).
        ty: String,
        /// Its default, if given.
        default: Option<String>,
    },
    /// `remove-variable NAME`.
    RemoveVariable {
        /// The variable.
        name: String,
    },
    /// `rename-variable OLD NEW`.
    RenameVariable {
        /// Its name now.
        old: String,
        /// Its new name.
        new: String,
    },
    /// `set-default NAME VALUE`.
    SetDefault {
        /// The variable.
        name: String,
        /// Its new default.
        value: String,
    },
    /// `comment ID TEXT` (`""` removes it).
    Comment {
        /// The node.
        id: String,
        /// The note.
        text: String,
    },
    /// `collapse-to-function NAME ID...` / `collapse-to-macro NAME ID...`: the nodes
    /// become a new function or macro, and a node using it takes their place.
    Collapse {
        /// A function or a macro.
        kind: Reusable,
        /// Its name.
        name: String,
        /// The nodes.
        ids: Vec<String>,
    },
    /// `set-type NAME TYPE`: a variable's type (its default goes: it was of the old type).
    SetType {
        /// The variable.
        name: String,
        /// Its new type.
        ty: String,
    },
    /// `comment-box TEXT ID...`: a comment box around the nodes.
    AddCommentBox {
        /// Its text.
        text: String,
        /// The nodes it surrounds.
        ids: Vec<String>,
    },
    /// `set-comment-box N TEXT`: the text of the comment box N (from 0, as written).
    SetCommentBox {
        /// Which box.
        index: usize,
        /// Its text.
        text: String,
    },
    /// `remove-comment-box N`.
    RemoveCommentBox {
        /// Which box.
        index: usize,
    },
    /// `add-function NAME` / `add-macro NAME`: a new empty one.
    AddReusable {
        /// A function or a macro.
        kind: Reusable,
        /// Its name.
        name: String,
    },
    /// `reroute ID FROM.PIN TO.PIN [X Y]`: a reroute knot on the wire between the two pins
    /// (exec or data), the wire going into it and on out of it; ID `auto` picks a fresh one.
    Reroute {
        /// The knot's id, or `auto`.
        id: String,
        /// The output the wire leaves: node and pin.
        from: (String, String),
        /// The input the wire enters: node and pin.
        to: (String, String),
        /// Where the knot goes, if given.
        pos: Option<(i64, i64)>,
    },
    /// `paste X Y TEXT`: copied nodes (a RON map of id to node), fresh ids where theirs
    /// are taken, the top-left one at (X, Y).
    Paste {
        /// Where the top-left node goes.
        x: i64,
        /// Where the top-left node goes.
        y: i64,
        /// The copied nodes.
        text: String,
    },
}

/// The operations' names, for "did you mean" and the help.
pub const NAMES: &[&str] = &[
    "add-node",
    "remove-node",
    "rename-node",
    "move",
    "set",
    "clear",
    "connect",
    "disconnect",
    "add-variable",
    "remove-variable",
    "rename-variable",
    "set-default",
    "comment",
    "paste",
    "collapse-to-function",
    "collapse-to-macro",
    "set-type",
    "comment-box",
    "set-comment-box",
    "remove-comment-box",
    "add-function",
    "add-macro",
    "reroute",
];

/// Splits an operation's text into words (double quotes group, `\"` and `\\` escape).
pub fn words(text: &str) -> Result<Vec<String>, EditError> {
    split(text).map_err(EditError::Usage)
}

fn split(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut word = String::new();
        if first == '"' {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(format!("a quote is never closed in `{text}`")),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\')) => word.push(c),
                        Some(c) => {
                            word.push('\\');
                            word.push(c);
                        }
                        None => return Err(format!("a quote is never closed in `{text}`")),
                    },
                    Some(c) => word.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err(format!("expected a space after the quoted word `{word}` in `{text}`"));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    Ok(out)
}

/// Writes a word so that [`words`] reads it back.
pub fn word(w: &str) -> String {
    if !w.is_empty() && !w.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\') {
        return w.to_string();
    }
    let mut out = String::from("\"");
    for c in w.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Op {
    /// Whether applying it reads the pins the checker knows (a literal's type, which pin a
    /// wire takes): the checker must have seen the text it applies to.
    pub(crate) fn reads_pins(&self) -> bool {
        matches!(
            self,
            Op::Set { .. } | Op::Connect { .. } | Op::Disconnect { .. } | Op::Reroute { .. } | Op::Collapse { .. }
        )
    }

    /// Reads an operation from its text (`connect begin.then greet`).
    pub fn parse(text: &str) -> Result<Op, EditError> {
        Op::read(text).map_err(EditError::Usage)
    }

    /// Reads an operation from its words, already split (`["connect", "begin.then",
    /// "greet"]`): what a program sends that has the words apart, with nothing to quote.
    pub fn from_words(words: &[String]) -> Result<Op, EditError> {
        Op::read_words(words).map_err(EditError::Usage)
    }

    fn read(text: &str) -> Result<Op, String> {
        Op::read_words(&split(text)?)
    }

    fn read_words(words: &[String]) -> Result<Op, String> {
        let Some((name, args)) = words.split_first() else {
            return Err("an empty operation".to_string());
        };
        let usage = |u: &str| format!("usage: {u}");
        let int = |s: &str| -> Result<i64, String> { s.parse().map_err(|_| format!("`{s}` is not an integer")) };
        let index =
            |s: &str| -> Result<usize, String> { s.parse().map_err(|_| format!("`{s}` is not a comment box number")) };
        let arity = |n: usize, u: &str| if args.len() == n { Ok(()) } else { Err(usage(u)) };
        let op = match name.as_str() {
            "add-node" => {
                const U: &str = "add-node ID TYPE [X Y] [var=NAME]";
                let (id, node_type) = match args {
                    [id, ty, ..] => (id.clone(), ty.clone()),
                    _ => return Err(usage(U)),
                };
                let mut var = None;
                let mut numbers = Vec::new();
                for a in &args[2..] {
                    match a.strip_prefix("var=") {
                        Some(v) => var = Some(v.to_string()),
                        None => numbers.push(int(a)?),
                    }
                }
                let pos = match numbers[..] {
                    [] => None,
                    [x, y] => Some((x, y)),
                    _ => return Err(usage(U)),
                };
                Op::AddNode {
                    id,
                    node_type,
                    pos,
                    var,
                }
            }
            "remove-node" => {
                arity(1, "remove-node ID")?;
                Op::RemoveNode { id: args[0].clone() }
            }
            "rename-node" => {
                arity(2, "rename-node OLD NEW")?;
                Op::RenameNode {
                    old: args[0].clone(),
                    new: args[1].clone(),
                }
            }
            "move" => {
                arity(3, "move ID X Y")?;
                Op::Move {
                    id: args[0].clone(),
                    x: int(&args[1])?,
                    y: int(&args[2])?,
                }
            }
            "set" => {
                arity(3, "set ID PIN VALUE")?;
                Op::Set {
                    id: args[0].clone(),
                    pin: args[1].clone(),
                    value: args[2].clone(),
                }
            }
            "clear" => {
                arity(2, "clear ID PIN")?;
                Op::Clear {
                    id: args[0].clone(),
                    pin: args[1].clone(),
                }
            }
            "connect" => {
                const U: &str = "connect FROM.PIN TO.PIN (or connect EVENT TO.PIN for a delegate)";
                arity(2, U)?;
                let (to, to_pin) = match pin_ref(&args[1]) {
                    Some((n, p)) => (n, Some(p)),
                    None => (args[1].clone(), None),
                };
                let (from, from_pin) = match pin_ref(&args[0]) {
                    Some((n, p)) => (n, Some(p)),
                    None => (args[0].clone(), None),
                };
                if from_pin.is_none() && to_pin.is_none() {
                    return Err(usage(U));
                }
                Op::Connect {
                    from,
                    from_pin,
                    to,
                    to_pin,
                }
            }
            "disconnect" => {
                const U: &str = "disconnect ID.PIN";
                arity(1, U)?;
                let (id, pin) = pin_ref(&args[0]).ok_or_else(|| usage(U))?;
                Op::Disconnect { id, pin }
            }
            "add-variable" => {
                const U: &str = "add-variable NAME TYPE [DEFAULT]";
                if !(2..=3).contains(&args.len()) {
                    return Err(usage(U));
                }
                Op::AddVariable {
                    name: args[0].clone(),
                    ty: args[1].clone(),
                    default: args.get(2).cloned(),
                }
            }
            "remove-variable" => {
                arity(1, "remove-variable NAME")?;
                Op::RemoveVariable { name: args[0].clone() }
            }
            "rename-variable" => {
                arity(2, "rename-variable OLD NEW")?;
                Op::RenameVariable {
                    old: args[0].clone(),
                    new: args[1].clone(),
                }
            }
            "set-default" => {
                arity(2, "set-default NAME VALUE")?;
                Op::SetDefault {
                    name: args[0].clone(),
                    value: args[1].clone(),
                }
            }
            "comment" => {
                arity(2, "comment ID TEXT")?;
                Op::Comment {
                    id: args[0].clone(),
                    text: args[1].clone(),
                }
            }
            "collapse-to-function" | "collapse-to-macro" => {
                let kind = if name == "collapse-to-macro" {
                    Reusable::Macro
                } else {
                    Reusable::Function
                };
                let Some((new, ids)) = args.split_first().filter(|(_, ids)| !ids.is_empty()) else {
                    return Err(usage(&format!("{name} NAME ID...")));
                };
                Op::Collapse {
                    kind,
                    name: new.clone(),
                    ids: ids.to_vec(),
                }
            }
            "set-type" => {
                arity(2, "set-type NAME TYPE")?;
                Op::SetType {
                    name: args[0].clone(),
                    ty: args[1].clone(),
                }
            }
            "comment-box" => {
                let Some((text, ids)) = args.split_first().filter(|(_, ids)| !ids.is_empty()) else {
                    return Err(usage("comment-box TEXT ID..."));
                };
                Op::AddCommentBox {
                    text: text.clone(),
                    ids: ids.to_vec(),
                }
            }
            "set-comment-box" => {
                arity(2, "set-comment-box N TEXT")?;
                Op::SetCommentBox {
                    index: index(&args[0])?,
                    text: args[1].clone(),
                }
            }
            "remove-comment-box" => {
                arity(1, "remove-comment-box N")?;
                Op::RemoveCommentBox {
                    index: index(&args[0])?,
                }
            }
            "add-function" | "add-macro" => {
                arity(1, &format!("{name} NAME"))?;
                Op::AddReusable {
                    kind: if name == "add-macro" {
                        Reusable::Macro
                    } else {
                        Reusable::Function
                    },
                    name: args[0].clone(),
                }
            }
            "reroute" => {
                const U: &str = "reroute ID FROM.PIN TO.PIN [X Y]";
                let (id, from, to, pos) = match args {
                    [id, from, to] => (id, from, to, None),
                    [id, from, to, x, y] => (id, from, to, Some((int(x)?, int(y)?))),
                    _ => return Err(usage(U)),
                };
                Op::Reroute {
                    id: id.clone(),
                    from: pin_ref(from).ok_or_else(|| usage(U))?,
                    to: pin_ref(to).ok_or_else(|| usage(U))?,
                    pos,
                }
            }
            "paste" => {
                arity(3, "paste X Y TEXT")?;
                Op::Paste {
                    x: int(&args[0])?,
                    y: int(&args[1])?,
                    text: args[2].clone(),
                }
            }
            other => {
                return Err(format!(
                    "unknown operation `{other}`{}",
                    graphrun_format::names::suggest(other, NAMES.iter().copied())
                ))
            }
        };
        Ok(op)
    }
}

/// `NODE.PIN`: a node id never holds a `.`, so the first one splits.
fn pin_ref(s: &str) -> Option<(String, String)> {
    let (node, pin) = s.split_once('.')?;
    (!node.is_empty() && !pin.is_empty()).then(|| (node.to_string(), pin.to_string()))
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = |s: &str| word(s);
        match self {
            Op::AddNode {
                id,
                node_type,
                pos,
                var,
            } => {
                write!(f, "add-node {} {}", w(id), w(node_type))?;
                if let Some((x, y)) = pos {
                    write!(f, " {x} {y}")?;
                }
                if let Some(v) = var {
                    write!(f, " {}", w(&format!("var={v}")))?;
                }
                Ok(())
            }
            Op::RemoveNode { id } => write!(f, "remove-node {}", w(id)),
            Op::RenameNode { old, new } => write!(f, "rename-node {} {}", w(old), w(new)),
            Op::Move { id, x, y } => write!(f, "move {} {x} {y}", w(id)),
            Op::Set { id, pin, value } => write!(f, "set {} {} {}", w(id), w(pin), w(value)),
            Op::Clear { id, pin } => write!(f, "clear {} {}", w(id), w(pin)),
            Op::Connect {
                from,
                from_pin,
                to,
                to_pin,
            } => {
                let end = |node: &str, pin: &Option<String>| match pin {
                    Some(p) => format!("{node}.{p}"),
                    None => node.to_string(),
                };
                write!(f, "connect {} {}", w(&end(from, from_pin)), w(&end(to, to_pin)))
            }
            Op::Disconnect { id, pin } => write!(f, "disconnect {}", w(&format!("{id}.{pin}"))),
            Op::AddVariable { name, ty, default } => {
                write!(f, "add-variable {} {}", w(name), w(ty))?;
                if let Some(d) = default {
                    write!(f, " {}", w(d))?;
                }
                Ok(())
            }
            Op::RemoveVariable { name } => write!(f, "remove-variable {}", w(name)),
            Op::RenameVariable { old, new } => write!(f, "rename-variable {} {}", w(old), w(new)),
            Op::SetDefault { name, value } => write!(f, "set-default {} {}", w(name), w(value)),
            Op::Comment { id, text } => write!(f, "comment {} {}", w(id), w(text)),
            Op::Paste { x, y, text } => write!(f, "paste {x} {y} {}", w(text)),
            Op::Reroute { id, from, to, pos } => {
                write!(
                    f,
                    "reroute {} {} {}",
                    w(id),
                    w(&format!("{}.{}", from.0, from.1)),
                    w(&format!("{}.{}", to.0, to.1))
                )?;
                if let Some((x, y)) = pos {
                    write!(f, " {x} {y}")?;
                }
                Ok(())
            }
            Op::SetType { name, ty } => write!(f, "set-type {} {}", w(name), w(ty)),
            Op::AddCommentBox { text, ids } => {
                write!(f, "comment-box {}", w(text))?;
                ids.iter().try_for_each(|id| write!(f, " {}", w(id)))
            }
            Op::SetCommentBox { index, text } => write!(f, "set-comment-box {index} {}", w(text)),
            Op::RemoveCommentBox { index } => write!(f, "remove-comment-box {index}"),
            Op::AddReusable { kind, name } => match kind {
                Reusable::Function => write!(f, "add-function {}", w(name)),
                Reusable::Macro => write!(f, "add-macro {}", w(name)),
            },
            Op::Collapse { kind, name, ids } => {
                let op = match kind {
                    Reusable::Function => "collapse-to-function",
                    Reusable::Macro => "collapse-to-macro",
                };
                write!(f, "{op} {}", w(name))?;
                ids.iter().try_for_each(|id| write!(f, " {}", w(id)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            words(r#"set greet "In String" "say \"hi\" \\ there""#).unwrap(),
            ["set", "greet", "In String", r#"say "hi" \ there"#]
        );
        assert!(words(r#"set a "open"#).is_err());
    }

    #[test]
    fn every_op_reads_back_from_its_text() {
        for text in [
            "add-node auto \"Print String\" 10 -20",
            "add-node g Get var=Url",
            "remove-node a",
            "rename-node a b",
            "move a 1 2",
            "set a \"In String\" \"hello world\"",
            "clear a B",
            "connect begin.then greet.exec",
            "connect begin.then greet",
            "connect failed \"connect.On Connection Error\"",
            "disconnect a.then",
            "add-variable N Int 3",
            "remove-variable N",
            "rename-variable N M",
            "set-default N 4",
            "comment a \"\"",
            "collapse-to-function \"Say It\" a b",
            "collapse-to-macro M a",
            "set-type N Float",
            "comment-box \"the start\" a b",
            "set-comment-box 0 \"a box\"",
            "remove-comment-box 1",
            "add-function F",
            "add-macro \"My Macro\"",
            "paste 10 -20 \"{\\\"a\\\": (node: \\\"Quit\\\")}\"",
        ] {
            let op = Op::parse(text).unwrap();
            assert_eq!(Op::parse(&op.to_string()).unwrap(), op, "{text}");
        }
        assert_eq!(
            Op::parse("conect a.b c.d").unwrap_err(),
            EditError::Usage("unknown operation `conect`; did you mean `connect` or `disconnect`?".into())
        );
        assert_eq!(
            Op::parse("move a 1").unwrap_err(),
            EditError::Usage("usage: move ID X Y".into())
        );
    }
}
