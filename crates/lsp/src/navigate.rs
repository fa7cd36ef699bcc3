//! Go to definition, find references and rename: from the place under the cursor to the
//! places that define and name the same node, variable, function or macro — in this file,
//! the files it imports, and (for a function or macro) the files that import the one
//! defining it. A rename is the edit layer's own operation where it has one (a node id, a
//! variable), so it renames what `graphrun edit` renames.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use graphrun_edit::doc::Doc;
use graphrun_edit::facts::introduced;
use graphrun_edit::spot::{self, At, Spot};
use graphrun_edit::{Body, Inspector, Op, Session};

use graphrun_inspect::RegistryInspector;
use lsp_types::{Location, TextEdit, Url, WorkspaceEdit};

use super::text::{edits, Lines};
use super::workspace::{custom_events, imports_in, test_graph, Document, Workspace};

/// What the cursor names: a node, a variable, or a function or macro (and which file
/// defines that).
enum Named {
    Node { body: Body, id: String },
    Variable { body: Body, name: String },
    Reusable { name: String, defined: PathBuf },
}

/// The thing named at `at` in the document `doc` at `path`.
fn named(ws: &Workspace<'_>, path: &Path, doc: &Doc<'_>, at: &At) -> Option<Named> {
    let id = || at.text.split('.').next().unwrap_or_default().to_string();
    Some(match &at.spot {
        Spot::NodeDef | Spot::NodeRef | Spot::ExecTarget | Spot::EventRef => Named::Node {
            body: at.body.clone(),
            id: id(),
        },
        Spot::Variable | Spot::VariableDef => Named::Variable {
            body: at.body.clone(),
            name: at.text.clone(),
        },
        Spot::ReusableDef { .. } => Named::Reusable {
            name: at.text.clone(),
            defined: path.to_path_buf(),
        },
        Spot::NodeType => Named::Reusable {
            name: at.text.clone(),
            defined: defining_file(ws, path, doc, &at.text)?,
        },
        _ => return None,
    })
}

/// The file that defines a function or macro used in `doc`: this one or an import.
fn defining_file(ws: &Workspace<'_>, path: &Path, doc: &Doc<'_>, name: &str) -> Option<PathBuf> {
    let defines = |d: &Doc<'_>| d.bodies().iter().any(|b| b.name() == Some(name));
    if defines(doc) {
        return Some(path.to_path_buf());
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    imports_in(doc)
        .into_iter()
        .map(|i| dir.join(i))
        .find(|p| ws.text_of(p).is_some_and(|t| defines(&Doc::new(&t))))
}

fn location(path: &Path, text: &str, range: Range<usize>) -> Option<Location> {
    Some(Location::new(
        Url::from_file_path(super::workspace::canonical(path)).ok()?,
        Lines::new(text).range(range),
    ))
}

/// Where the thing at byte `offset` is defined.
pub fn definition(ws: &Workspace<'_>, doc: &Document, offset: usize) -> Option<Location> {
    let (path, text, tree) = (doc.path.as_path(), doc.text.as_str(), doc.doc());
    let at = spot::at_in(&tree.root, offset)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    match &at.spot {
        Spot::Import | Spot::TestGraph => {
            let target = dir.join(&at.text);
            target.exists().then(|| location(&target, "", 0..0)).flatten()
        }
        Spot::TestSet => {
            let graph = test_graph(path, &tree.root)?;
            let g = ws.text_of(&graph)?;
            let first = spot::variable_mentions(&Doc::new(&g), &Body::Graph, &at.text)
                .into_iter()
                .next()?;
            location(&graph, &g, first)
        }
        Spot::TestEvent => {
            let graph = test_graph(path, &tree.root)?;
            let g = ws.text_of(&graph)?;
            custom_events(&g).contains(&at.text).then_some(())?;
            let first = spot::node_mentions(&Doc::new(&g), &Body::Graph, &at.text)
                .into_iter()
                .next()?;
            location(&graph, &g, first)
        }
        _ => match named(ws, path, &tree, &at)? {
            Named::Node { body, id } => {
                let first = spot::node_mentions(&tree, &body, &id).into_iter().next()?;
                location(path, text, first)
            }
            Named::Variable { body, name } => {
                let first = spot::variable_mentions(&tree, &body, &name).into_iter().next()?;
                location(path, text, first)
            }
            Named::Reusable { name, defined } => {
                let t = ws.text_of(&defined)?;
                let first = spot::reusable_mentions(&Doc::new(&t), &name).into_iter().next()?;
                location(&defined, &t, first)
            }
        },
    }
}

/// A file, its text, and places in it.
type Places = (PathBuf, String, Vec<Range<usize>>);

/// Every place that names what is at byte `offset`, by file.
fn mentions(ws: &Workspace<'_>, doc: &Document, offset: usize) -> Option<Vec<Places>> {
    let (path, text, tree) = (doc.path.as_path(), doc.text.as_str(), doc.doc());
    let at = spot::at_in(&tree.root, offset)?;
    Some(match named(ws, path, &tree, &at)? {
        Named::Node { body, id } => vec![(
            path.to_path_buf(),
            text.to_string(),
            spot::node_mentions(&tree, &body, &id),
        )],
        Named::Variable { body, name } => vec![(
            path.to_path_buf(),
            text.to_string(),
            spot::variable_mentions(&tree, &body, &name),
        )],
        Named::Reusable { name, defined } => {
            let mut files = vec![defined.clone()];
            files.extend(ws.direct_importers(&defined));
            files
                .into_iter()
                .filter_map(|f| {
                    let t = ws.text_of(&f)?;
                    let found = spot::reusable_mentions(&Doc::new(&t), &name);
                    (!found.is_empty()).then_some((f, t, found))
                })
                .collect()
        }
    })
}

/// Every place that names what is at byte `offset` (with its definition, if asked).
pub fn references(ws: &Workspace<'_>, doc: &Document, offset: usize, declaration: bool) -> Vec<Location> {
    let Some(found) = mentions(ws, doc, offset) else {
        return Vec::new();
    };
    let definition = definition(ws, doc, offset);
    found
        .into_iter()
        .flat_map(|(f, t, ranges)| {
            ranges
                .into_iter()
                .filter_map(move |r| location(&f, &t, r))
                .collect::<Vec<_>>()
        })
        .filter(|l| declaration || Some(l) != definition.as_ref())
        .collect()
}

/// The edits that rename what is at byte `offset` to `new`, in every file that names it;
/// or why it cannot be renamed.
pub fn rename(ws: &Workspace<'_>, doc: &Document, offset: usize, new: &str) -> Result<WorkspaceEdit, String> {
    let (path, text, tree) = (doc.path.as_path(), doc.text.as_str(), doc.doc());
    let at = spot::at_in(&tree.root, offset).ok_or("nothing to rename here")?;
    let named =
        named(ws, path, &tree, &at).ok_or("only a node id, a variable, a function or a macro can be renamed")?;
    let uri = |p: &Path| Url::from_file_path(super::workspace::canonical(p)).map_err(|_| "not a file".to_string());
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    // The checker decides what a rename may not make, as for `graphrun edit`.
    let inspector = RegistryInspector::new(ws.registry, &path.display().to_string());
    let mut by_op = |op: Op, body: Body| -> Result<(), String> {
        let mut session = Session::new(&path.display().to_string(), text, body, &inspector)?;
        session.apply(&op)?;
        let renamed = session.finish().text;
        let lines = Lines::new(text);
        changes.insert(
            uri(path)?,
            edits(text, &renamed)
                .into_iter()
                .map(|(r, t)| TextEdit::new(lines.range(r), t))
                .collect(),
        );
        Ok(())
    };
    match named {
        Named::Node { body, id } => by_op(
            Op::RenameNode {
                old: id,
                new: new.to_string(),
            },
            body,
        )?,
        Named::Variable { body, name } => by_op(
            Op::RenameVariable {
                old: name,
                new: new.to_string(),
            },
            body,
        )?,
        Named::Reusable { name, defined } => {
            if new.trim().is_empty() || new.contains(['"', '\\']) {
                return Err(format!("`{new}` cannot name a function or macro"));
            }
            let taken = ws.registry.node(new).is_some()
                || ws
                    .text_of(&defined)
                    .is_some_and(|t| Doc::new(&t).bodies().iter().any(|b| b.name() == Some(new)));
            if taken {
                return Err(format!("`{new}` is already a node type or a function or macro there"));
            }
            let mut files = vec![defined.clone()];
            files.extend(ws.direct_importers(&defined));
            for f in files {
                let Some(t) = ws.text_of(&f) else { continue };
                let mut mentions = spot::reusable_mentions(&Doc::new(&t), &name);
                mentions.sort_by_key(|r| r.start);
                // The file defining it, renamed, must not hold an error the rename made (a
                // name the checker refuses, say), as `graphrun edit` refuses.
                if f == defined {
                    let mut renamed = t.clone();
                    for r in mentions.iter().rev() {
                        renamed.replace_range(r.clone(), new);
                    }
                    let checker = RegistryInspector::new(ws.registry, &f.display().to_string());
                    if let Some(first) = introduced(&checker.inspect(&t), &checker.inspect(&renamed)).first() {
                        return Err(format!(
                            "renaming `{name}` to `{new}` would make {}: error[{}]: {}",
                            first.location, first.code, first.message
                        ));
                    }
                }
                let lines = Lines::new(&t);
                let found: Vec<TextEdit> = mentions
                    .into_iter()
                    .map(|r| TextEdit::new(lines.range(r), new.to_string()))
                    .collect();
                if !found.is_empty() {
                    changes.insert(uri(&f)?, found);
                }
            }
        }
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}
