//! `graphrun merge`: a three-way merge of one graph file by entries, not lines (authoring.md
//! section 5). Every value has a path of keys from the top — a struct's field by name, a
//! map's entry by key, an item of the entry lists (`imports`, comment boxes and the nodes
//! they hold) by what it is — and a change is a value whose path holds something else on
//! one side than in the base. So two changes conflict only when they are about the same
//! value; neighbouring lines, or two pins of one node, merge.
//!
//! The result is OURS's text with THEIRS's changes applied to it as edits (section 1):
//! OURS's formatting and comments stay, THEIRS's new entries come with their comments,
//! indented as OURS indents. A conflict keeps OURS's value and writes a line
//! `// CONFLICT(graphrun): …` above the entry. The result always parses: a change that
//! would leave it unparsable is not applied and is reported as a conflict instead.

use crate::EditError;
use graphrun_format::model::field;

use crate::diff::compact;
use crate::doc::{BODY_ORDER, NODE_ORDER, TOP_ORDER, VARIABLE_ORDER};
use crate::layout::{comments_above, field_place, insert_item, remove_item, Style};
use crate::syntax::{parse, SyntaxKind::*, SyntaxNode};
use crate::text::{apply, first_on_line, indent_at, indent_unit, line_end, line_start, quote, TextEdit};
use crate::tree::{self, items, range, Item};

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// A struct's field, by name.
    Field(String),
    /// A map's entry, by key.
    Entry(String),
    /// An item of an entry list: a comment box by its text, anything else by its value.
    Item(String),
}

type Path = Vec<Key>;

/// What a merge gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    /// The merged text (it always parses).
    pub text: String,
    /// Each conflict, as its comment line says it (without the `// CONFLICT(graphrun): `).
    pub conflicts: Vec<String>,
}

/// A piece of THEIRS's text to put into OURS: the item (with the comment lines above it,
/// the first line without its indentation), how THEIRS indented its line, and a comment
/// that ends its line there.
#[derive(Clone, Debug)]
struct Piece {
    text: String,
    indent: String,
    /// Offsets in `text` of line starts inside a token (a string or comment over several
    /// lines), whose spaces are the token's and stay.
    fixed: Vec<usize>,
    trailing: Option<String>,
}

impl Piece {
    /// The piece with its lines after the first indented as `to` indents, not as THEIRS did.
    fn indented(&self, to: &str) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for line in self.text.split_inclusive('\n') {
            if at > 0 && !self.fixed.contains(&at) {
                match line.strip_prefix(self.indent.as_str()) {
                    Some(rest) if !line.trim().is_empty() => {
                        out.push_str(to);
                        out.push_str(rest);
                    }
                    _ => out.push_str(line),
                }
            } else {
                out.push_str(line);
            }
            at += line.len();
        }
        out
    }
}

/// One change of THEIRS's, to apply to OURS.
#[derive(Clone, Debug)]
enum Step {
    /// The value at the path becomes THEIRS's.
    Replace { path: Path, piece: Piece },
    /// New items (a run of THEIRS's, in order) in the container at `container`, after the
    /// item `after` (else first).
    Insert {
        container: Path,
        items: Vec<(Key, Piece)>,
        after: Option<Key>,
        /// OURS's own new items there, which THEIRS's go after (as a text merge would).
        ours_new: Vec<Key>,
    },
    /// The item at the path goes.
    Remove { path: Path },
}

/// Merges the changes from `base` to `theirs` into `ours`: `(name, text)` each, the names
/// for messages. An empty base (a file both sides added) is no entries. A file that does not
/// parse is an error naming it.
pub fn merge(base: (&str, &str), ours: (&str, &str), theirs: (&str, &str)) -> Result<Merged, EditError> {
    for (name, text) in [base, ours, theirs] {
        if name == base.0 && text.trim().is_empty() {
            continue;
        }
        if let Some(message) = crate::session::syntax_error(name, text) {
            return Err(EditError::Parse {
                file: name.to_string(),
                message,
            });
        }
    }
    let roots = [base.1, ours.1, theirs.1].map(|t| parse(t).root());
    let [b, o, t] = roots.each_ref().map(tree::top);
    let (Some(o), Some(t)) = (o, t) else {
        return Err("a file holds no value".into());
    };
    let mut walk = Walk {
        steps: Vec::new(),
        conflicts: Vec::new(),
        theirs: theirs.1,
    };
    walk.value(&Vec::new(), b.as_ref(), &o, &t);
    let mut conflicts = walk.conflicts;
    let (text, failed) = apply_steps(ours.1, &walk.steps);
    for step in failed {
        let path = match step {
            Step::Replace { path, .. } | Step::Remove { path } => path.clone(),
            Step::Insert { container, items, .. } => [container.clone(), vec![items[0].0.clone()]].concat(),
        };
        conflicts.push((path, "theirs's change could not be applied here".to_string()));
    }
    let mut text = text;
    let mut said = Vec::new();
    for (path, what) in &conflicts {
        let line = format!("{}: {what}", describe(path));
        if let Some(next) = mark(&text, path, &line) {
            text = next;
        }
        said.push(line);
    }
    if let Some(e) = crate::session::syntax_error(ours.0, &text) {
        // Never reached while every step checks its result; kept so no caller ever gets
        // a file that does not parse.
        return Err(EditError::Internal(format!("the merge does not parse: {e}")));
    }
    Ok(Merged { text, conflicts: said })
}

/// Walks the three trees together, collecting THEIRS's changes and the conflicts.
struct Walk<'t> {
    steps: Vec<Step>,
    conflicts: Vec<(Path, String)>,
    theirs: &'t str,
}

impl Walk<'_> {
    /// The value at `path`: in the base (if there), in OURS and in THEIRS.
    fn value(&mut self, path: &Path, b: Option<&SyntaxNode>, o: &SyntaxNode, t: &SyntaxNode) {
        let (ours, theirs) = (compact(o), compact(t));
        if ours == theirs || b.is_some_and(|b| compact(b) == theirs) {
            return;
        }
        let alike = |x: &SyntaxNode, y: &SyntaxNode| x.kind() == y.kind() && tree::name(x) == tree::name(y);
        if entries(o, path).is_some() && alike(o, t) && b.is_none_or(|b| alike(b, t)) {
            return self.keyed(path, b, o, t);
        }
        match b {
            Some(b) if compact(b) == ours => self.steps.push(Step::Replace {
                path: path.clone(),
                piece: piece(self.theirs, t, None),
            }),
            _ => self.conflicts.push((
                path.clone(),
                format!("ours {}, theirs {}", short(&ours), short(&theirs)),
            )),
        }
    }

    /// A struct's fields, a map's entries or an entry list's items, on the three sides.
    fn keyed(&mut self, path: &Path, b: Option<&SyntaxNode>, o: &SyntaxNode, t: &SyntaxNode) {
        let list = |n: Option<&SyntaxNode>| n.and_then(|n| entries(n, path)).unwrap_or_default();
        let (base, ours, theirs) = (list(b), list(Some(o)), list(Some(t)));
        // Each side's items by key, looked up in constant time (a search per item was
        // quadratic: 109 s to merge 50,000 nodes). Keys are unique: a repeated one is counted.
        let by_key = |list: &[(Key, Item, SyntaxNode)]| -> std::collections::HashMap<Key, SyntaxNode> {
            list.iter().map(|(k, _, v)| (k.clone(), v.clone())).collect()
        };
        let (base_by, ours_by, theirs_by) = (by_key(&base), by_key(&ours), by_key(&theirs));
        let find = |list: &std::collections::HashMap<Key, SyntaxNode>, key: &Key| list.get(key).cloned();
        let ours_new: Vec<Key> = ours
            .iter()
            .map(|(k, _, _)| k.clone())
            .filter(|k| find(&base_by, k).is_none() && find(&theirs_by, k).is_none())
            .collect();
        let mut after: Option<Key> = None;
        for (key, item, value) in &theirs {
            let child: Path = [path.clone(), vec![key.clone()]].concat();
            match (find(&base_by, key), find(&ours_by, key)) {
                (Some(was), Some(mine)) => self.value(&child, Some(&was), &mine, value),
                (Some(was), None) => {
                    if compact(&was) != compact(value) {
                        self.conflicts
                            .push((child, "ours removed it, theirs changed it".to_string()));
                    }
                    continue;
                }
                (None, Some(mine)) => {
                    let both_containers = tree::is_container(&mine) && tree::is_container(value);
                    if matches!(key, Key::Field(_)) && both_containers {
                        self.value(&child, None, &mine, value);
                    } else if compact(&mine) != compact(value) {
                        self.conflicts.push((
                            child,
                            format!(
                                "added on both sides: ours {}, theirs {}",
                                short(&compact(&mine)),
                                short(&compact(value))
                            ),
                        ));
                    }
                }
                (None, None) => {
                    let new = (key.clone(), piece(self.theirs, &item.node, Some((t, item))));
                    // A run of new items goes in as one insertion.
                    match self.steps.last_mut() {
                        Some(Step::Insert { container, items, .. })
                            if container == path && items.last().map(|(k, _)| k) == after.as_ref() =>
                        {
                            items.push(new)
                        }
                        _ => self.steps.push(Step::Insert {
                            container: path.clone(),
                            items: vec![new],
                            after: after.clone(),
                            ours_new: ours_new.clone(),
                        }),
                    }
                }
            }
            after = Some(key.clone());
        }
        // Last first: a key written twice is counted from the front, so removing the first
        // would rename the second.
        for (key, _, was) in base.iter().rev() {
            if find(&theirs_by, key).is_some() {
                continue;
            }
            let child: Path = [path.clone(), vec![key.clone()]].concat();
            match find(&ours_by, key) {
                Some(mine) if compact(&mine) == compact(was) => self.steps.push(Step::Remove { path: child }),
                Some(_) => self
                    .conflicts
                    .push((child, "ours changed it, theirs removed it".to_string())),
                None => {}
            }
        }
    }
}

/// Whether the list at `path` is a list of entries (merged item by item) rather than a
/// value: the imports, the comment boxes, and the nodes a comment box holds.
fn entry_list(path: &Path) -> bool {
    let field = |k: &Key, name: &str| matches!(k, Key::Field(f) if f == name);
    match path.as_slice() {
        [k] => field(k, field::IMPORTS) || field(k, field::COMMENTS),
        [c, Key::Item(_), n] => field(c, field::COMMENTS) && field(n, field::NODES),
        _ => false,
    }
}

/// Whether the value at `path` is a literal, one value however it is built: a pin's value
/// (`inputs`, `params`, a test's `set`) or a variable's default.
fn literal(path: &Path) -> bool {
    match path.as_slice() {
        [.., Key::Field(f)] => f == field::DEFAULT,
        [.., Key::Field(f), Key::Entry(_)] => matches!(f.as_str(), field::INPUTS | field::PARAMS | "set"),
        _ => false,
    }
}

/// The items of a container with their keys, if it is one merged by entries: a struct's
/// fields, a map's entries, an entry list's items. A key written twice gets a count, so
/// every key names one item.
fn entries(container: &SyntaxNode, path: &Path) -> Option<Vec<(Key, Item, SyntaxNode)>> {
    let kind = container.kind();
    if literal(path) || !(matches!(kind, STRUCT | MAP) || (kind == LIST && entry_list(path))) {
        return None;
    }
    let mut out: Vec<(Key, Item, SyntaxNode)> = Vec::new();
    let mut seen: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    for item in items(container) {
        let Some(value) = item.value() else { continue };
        let key = match kind {
            STRUCT => Key::Field(item.field_name()?),
            MAP => Key::Entry(
                item.key()
                    .or_else(|| item.key_node().map(|k| compact(&k)))
                    .unwrap_or_default(),
            ),
            _ => Key::Item(
                tree::field_value(&value, graphrun_format::model::field::TEXT)
                    .and_then(|t| tree::string(&t))
                    .unwrap_or_else(|| compact(&value)),
            ),
        };
        let count = seen.entry(key.clone()).or_insert(0);
        *count += 1;
        let key = match (*count - 1, key) {
            (0, key) => key,
            (n, Key::Field(k)) => Key::Field(format!("{k}\u{0}{n}")),
            (n, Key::Entry(k)) => Key::Entry(format!("{k}\u{0}{n}")),
            (n, Key::Item(k)) => Key::Item(format!("{k}\u{0}{n}")),
        };
        out.push((key, item, value));
    }
    Some(out)
}

/// THEIRS's text of `node` as a piece; for an item of a container (`item`), with the
/// comment lines right above it and the comment ending its line.
fn piece(text: &str, node: &SyntaxNode, item: Option<(&SyntaxNode, &Item)>) -> Piece {
    let r = range(node);
    let (mut start, mut trailing) = (r.start, None);
    if let Some((container, item)) = item {
        if first_on_line(text, r.start) {
            let above = comments_above(text, line_start(text, r.start), container);
            start = above + indent_at(text, above).len();
        }
        let after = item.comma.as_ref().map_or(r.end, |c| c.end);
        let rest = text[after..line_end(text, after)].trim();
        if rest.starts_with("//") {
            trailing = Some(rest.to_string());
        }
    }
    // Line starts inside a token (a string or comment over lines) keep their spaces.
    let mut fixed = Vec::new();
    let root = node.ancestors().last().unwrap_or_else(|| node.clone());
    let mut token = root.token_at_offset((start as u32).into()).right_biased();
    while let Some(t) = token {
        let span = usize::from(t.text_range().start())..usize::from(t.text_range().end());
        if span.start >= r.end {
            break;
        }
        if !matches!(t.kind(), WHITESPACE) {
            for (i, _) in t.text().match_indices('\n') {
                let at = span.start + i + 1;
                if at > start && at < r.end {
                    fixed.push(at - start);
                }
            }
        }
        token = t.next_token();
    }
    Piece {
        text: text[start..r.end].to_string(),
        indent: indent_at(text, r.start).to_string(),
        fixed,
        trailing,
    }
}

/// The item at each step of `path` in `top`, as far as the path goes there.
fn resolve(top: &SyntaxNode, path: &Path) -> Vec<(Item, SyntaxNode)> {
    let mut out: Vec<(Item, SyntaxNode)> = Vec::new();
    let mut at = top.clone();
    for (depth, key) in path.iter().enumerate() {
        let Some(list) = entries(&at, &path[..depth].to_vec()) else {
            break;
        };
        let Some((_, item, value)) = list.into_iter().find(|(k, _, _)| k == key) else {
            break;
        };
        at = value.clone();
        out.push((item, value));
    }
    out
}

/// The order of a struct's fields at `path`, where the format has one.
fn order(path: &Path) -> Option<&'static [&'static str]> {
    let n = path.len();
    let parent = match n.checked_sub(2).and_then(|i| path.get(i)) {
        Some(Key::Field(f)) => Some(f.as_str()),
        _ => None,
    };
    match (n, parent) {
        (0, _) => Some(TOP_ORDER),
        (_, Some(field::NODES)) => Some(NODE_ORDER),
        (_, Some(field::FUNCTIONS | field::MACROS)) => Some(BODY_ORDER),
        (_, Some(field::VARIABLES | field::LOCALS)) => Some(VARIABLE_ORDER),
        _ => None,
    }
}

/// THEIRS's changes applied to `text`, and those that no longer apply there or would leave
/// a text that does not parse. Changes whose edits do not touch go in together, from one
/// reading of the text, so a merge of many changes reads the file a few times, not once a
/// change.
fn apply_steps<'s>(text: &str, steps: &'s [Step]) -> (String, Vec<&'s Step>) {
    let mut text = text.to_string();
    let mut failed = Vec::new();
    let mut batch: Vec<(&Step, Vec<TextEdit>)> = Vec::new();
    let mut root = parse(&text).root();
    for step in steps {
        let mut edits = tree::top(&root).and_then(|top| edits_for(&text, &top, step));
        let touches = |edits: &[TextEdit]| {
            batch.iter().flat_map(|(_, e)| e).any(|b| {
                edits
                    .iter()
                    .any(|e| e.range.start <= b.range.end && b.range.start <= e.range.end)
            })
        };
        if edits.as_deref().is_none_or(touches) && !batch.is_empty() {
            text = flush(&text, std::mem::take(&mut batch), &mut failed);
            root = parse(&text).root();
            edits = tree::top(&root).and_then(|top| edits_for(&text, &top, step));
        }
        match edits {
            Some(edits) => batch.push((step, edits)),
            None => failed.push(step),
        }
    }
    let text = flush(&text, batch, &mut failed);
    (text, failed)
}

/// A batch of changes applied together; if the result would not parse, each on its own,
/// those that would not parse left out.
fn flush<'s>(text: &str, batch: Vec<(&'s Step, Vec<TextEdit>)>, failed: &mut Vec<&'s Step>) -> String {
    let all: Vec<TextEdit> = batch.iter().flat_map(|(_, e)| e.clone()).collect();
    if let Some(next) = apply(text, &all)
        .ok()
        .map(|(t, _)| t)
        .filter(|t| parse(t).errors.is_empty())
    {
        return next;
    }
    let mut text = text.to_string();
    for (step, _) in batch {
        let root = parse(&text).root();
        let next = tree::top(&root)
            .and_then(|top| edits_for(&text, &top, step))
            .and_then(|edits| apply(&text, &edits).ok())
            .map(|(t, _)| t)
            .filter(|t| parse(t).errors.is_empty());
        match next {
            Some(next) => text = next,
            None => failed.push(step),
        }
    }
    text
}

/// The edits that apply THEIRS's change to `text` (whose top value is `top`), or `None` if
/// it no longer applies.
fn edits_for(text: &str, top: &SyntaxNode, step: &Step) -> Option<Vec<TextEdit>> {
    let crlf = text.contains("\r\n");
    let mut edits = match step {
        Step::Replace { path, piece } => {
            let target = match path.is_empty() {
                true => top.clone(),
                false => resolve(top, path).get(path.len() - 1).map(|(_, v)| v.clone())?,
            };
            let r = range(&target);
            let to = indent_at(text, r.start).to_string();
            vec![TextEdit::replace(r, piece.indented(&to))]
        }
        Step::Remove { path } => {
            let (parent, last) = (&path[..path.len() - 1], path.last()?);
            let container = container_at(top, parent)?;
            let index = entries(&container, &parent.to_vec())?
                .iter()
                .position(|(k, _, _)| k == last)?;
            remove_item(text, &container, index)?
        }
        Step::Insert {
            container: at,
            items: new,
            after,
            ours_new,
        } => {
            let container = container_at(top, at)?;
            let list = entries(&container, at)?;
            if list.iter().any(|(k, _, _)| new.iter().any(|(n, _)| n == k)) {
                return None;
            }
            let before = match (&new[0].0, order(at)) {
                (Key::Field(name), Some(order)) if container.kind() == STRUCT => field_place(&container, order, name),
                _ => {
                    let mut at = match after {
                        Some(after) => list
                            .iter()
                            .position(|(k, _, _)| k == after)
                            .map_or(list.len(), |i| i + 1),
                        None => 0,
                    };
                    while list.get(at).is_some_and(|(k, _, _)| ours_new.contains(k)) {
                        at += 1;
                    }
                    (at < list.len()).then_some(at)
                }
            };
            let all = items(&container);
            let (open, _) = tree::brackets(&container);
            let body = matches!(at.get(at.len().wrapping_sub(2)), Some(Key::Field(f)) if f == field::FUNCTIONS || f == field::MACROS);
            let block = at.len() <= 1 || body || matches!(at.last(), Some(Key::Field(f)) if f == field::NODES);
            let style = if block { Style::Block } else { Style::Inline };
            let to = match all.first() {
                Some(first) => indent_at(text, first.range.start).to_string(),
                None if block => format!("{}{}", indent_at(text, open), indent_unit(text)),
                None => indent_at(text, open).to_string(),
            };
            // On lines of their own where the container's items are (or, empty, would be).
            let lined = all
                .first()
                .map_or(block, |first| first_on_line(text, first.range.start));
            let mut written = String::new();
            for (i, (_, piece)) in new.iter().enumerate() {
                let item = piece.indented(&to);
                let last = i + 1 == new.len();
                match (lined, &piece.trailing) {
                    (true, Some(comment)) if !last => written.push_str(&format!("{item}, {comment}\n{to}")),
                    (true, _) if !last => written.push_str(&format!("{item},\n{to}")),
                    // A line comment would swallow the rest of a one-line value: such an
                    // item goes on lines of its own there.
                    (false, _) if item.contains("//") => written.push_str(&format!("\n{to}{item}\n{to}")),
                    _ => written.push_str(&item),
                }
                if !lined && !last {
                    written.push_str(", ");
                }
            }
            let mut edits = insert_item(text, &container, before, &written, style);
            // THEIRS's comment at the end of the last new item's line ends it here too.
            if let (Some(comment), true) = (&new[new.len() - 1].1.trailing, lined) {
                let written = format!("{written},");
                for edit in &mut edits {
                    if let Some(at) = edit.text.find(&written) {
                        let end = at + written.len();
                        if edit.text[end..].starts_with('\n') || end == edit.text.len() {
                            edit.text.insert_str(end, &format!(" {comment}"));
                        }
                    }
                }
            }
            edits
        }
    };
    // New lines end the way OURS's lines do, whatever THEIRS's did.
    for edit in &mut edits {
        if edit.text.contains('\n') {
            edit.text = edit.text.replace("\r\n", "\n");
            if crlf {
                edit.text = edit.text.replace('\n', "\r\n");
            }
        }
    }
    Some(edits)
}

/// The container at `path` (the top value for an empty path).
fn container_at(top: &SyntaxNode, path: &[Key]) -> Option<SyntaxNode> {
    if path.is_empty() {
        return Some(top.clone());
    }
    let chain = resolve(top, &path.to_vec());
    (chain.len() == path.len()).then(|| chain.last().map(|(_, v)| v.clone()))?
}

/// `text` with a conflict's comment line above the entry it is about (the deepest item of
/// its path that starts a line; above the file's value if none does).
fn mark(text: &str, path: &Path, line: &str) -> Option<String> {
    let root = parse(text).root();
    let top = tree::top(&root)?;
    let chain = resolve(&top, path);
    let at = chain
        .iter()
        .rev()
        .map(|(item, _)| item.range.start)
        .find(|&at| first_on_line(text, at))
        .unwrap_or_else(|| range(&top).start);
    let start = line_start(text, at);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let said = line.replace(['\r', '\n'], " ");
    let mut out = text.to_string();
    out.insert_str(
        start,
        &format!("{}// CONFLICT(graphrun): {said}{newline}", indent_at(text, at)),
    );
    Some(out)
}

/// A path as people say it: `node "send" input "Object"`.
fn describe(path: &Path) -> String {
    let bare = |s: &str| s.split('\u{0}').next().unwrap_or_default().to_string();
    let singular = |f: &str| {
        match f {
            field::NODES => "node",
            field::VARIABLES => "variable",
            field::FUNCTIONS => "function",
            field::MACROS => "macro",
            field::INPUTS => "input",
            field::OUTPUTS => "output",
            field::PARAMS => "param",
            field::LOCALS => "local",
            field::COMMENTS => "comment box",
            field::IMPORTS => "import",
            "servers" => "server",
            other => other,
        }
        .to_string()
    };
    let mut words = Vec::new();
    let mut i = 0;
    while i < path.len() {
        match (&path[i], path.get(i + 1)) {
            (Key::Field(f), Some(Key::Entry(k))) => {
                words.push(format!("{} {}", singular(f), quote(&bare(k))));
                i += 2;
            }
            (Key::Field(f), Some(Key::Item(k))) => {
                let k = bare(k);
                let shown = if k.starts_with('"') { k } else { quote(&k) };
                words.push(format!("{} {shown}", singular(f)));
                i += 2;
            }
            (Key::Field(f), _) => {
                words.push(bare(f));
                i += 1;
            }
            (Key::Entry(k) | Key::Item(k), _) => {
                words.push(quote(&bare(k)));
                i += 1;
            }
        }
    }
    if words.is_empty() {
        "the file".to_string()
    } else {
        words.join(" ")
    }
}

/// A value short enough for a comment line.
fn short(value: &str) -> String {
    const MOST: usize = 80;
    if value.chars().count() <= MOST {
        return value.to_string();
    }
    let cut: String = value.chars().take(MOST).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests;
