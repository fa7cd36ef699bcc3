//! The studio as an editor (authoring.md section 6): each edit the page makes is a batch
//! of `graphrun edit`'s operations, applied by the edit layer to the file as it is on disk
//! now and written at once (atomically, never over a file that changed since it was read).
//! Each page has its own undo and redo, through every edit it made since it connected,
//! each step written to the file; a step is refused while the file is not as that page's
//! edit left it (another page's edit on top of it, or a change made elsewhere).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use graphrun_edit::batch::Word;
use graphrun_edit::doc::Doc;
use graphrun_edit::file::{self, WriteError};
use graphrun_edit::{Body, TextEdit};

use super::session::Page;
use graphrun_inspect::RegistryInspector;

/// How many edits undo reaches back.
const HISTORY: usize = 1_000;

/// One edit, as undo or redo keeps it: the steps that, applied in reverse order, give the
/// text on the other side, and what the file must hold for them to apply.
struct Change {
    steps: Vec<Vec<TextEdit>>,
    expects: u64,
}

/// One page's edits, to undo and redo.
#[derive(Default)]
struct History {
    undo: Vec<Change>,
    redo: Vec<Change>,
}

/// What an edit written made: the ids its operations printed (new nodes), and each name
/// its batch made fresh (what it was made from, and the name).
pub struct Edited {
    pub printed: Vec<String>,
    pub names: Vec<(String, String)>,
}

/// The file being edited and each page's history.
pub struct Editor {
    path: PathBuf,
    name: String,
    histories: HashMap<Page, History>,
    /// Writes made to the file so far (the page shows it as `data-saved`).
    pub saved: u64,
}

fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// The file's text (`None` if it does not exist) and the text shown and edited: a new
/// graph for a file that does not exist yet.
pub fn current(path: &std::path::Path) -> Result<(Option<String>, String), String> {
    match file::read(path).map_err(|e| format!("{}: {e}", path.display()))? {
        Some(text) => Ok((Some(text.clone()), text)),
        None => Ok((None, crate::edit::new_graph(path))),
    }
}

/// Applies `steps` in reverse order; the new text and the steps that give `text` back.
fn revert(text: &str, steps: &[Vec<TextEdit>]) -> Option<(String, Vec<Vec<TextEdit>>)> {
    let mut text = text.to_string();
    let mut back = Vec::with_capacity(steps.len());
    for step in steps.iter().rev() {
        let (next, inverse) = graphrun_edit::text::apply(&text, step).ok()?;
        text = next;
        back.push(inverse);
    }
    Some((text, back))
}

impl Editor {
    pub fn new(path: PathBuf) -> Editor {
        Editor {
            name: path.display().to_string(),
            path,
            histories: HashMap::new(),
            saved: 0,
        }
    }

    /// Applies the operations to the body `graph` (none: the event graph; else a function
    /// or macro of the file) and writes the file; what the operations printed.
    pub fn edit(
        &mut self,
        page: Page,
        inspector: &RegistryInspector<'_>,
        graph: Option<&str>,
        ops: &[Vec<Word>],
    ) -> Result<Edited, String> {
        if ops.is_empty() {
            return Err("no operation".to_string());
        }
        // A file changed between reading and writing is read again and edited again, once.
        for _ in 0..2 {
            let (old, text) = current(&self.path)?;
            let body = body_named(&text, graph)?;
            // The batch's new nodes get their ids from the text they go into.
            let resolved =
                graphrun_edit::batch::resolve_named(&Doc::new(&text), &body, ops).map_err(|e| e.to_string())?;
            let edited = graphrun_edit::edit(&self.name, &text, body, &resolved.ops, inspector)?;
            match file::write(&self.path, old.as_deref(), &edited.text) {
                Ok(()) => {
                    self.record(page, edited.undo, &edited.text);
                    return Ok(Edited {
                        printed: edited.printed,
                        names: resolved.names,
                    });
                }
                Err(WriteError::Changed) => continue,
                Err(WriteError::Io(e)) => return Err(format!("cannot write {}: {e}", self.name)),
            }
        }
        Err(format!("{} kept changing on disk; the edit was not written", self.name))
    }

    /// The RON text of nodes of the body `graph`, each at the place given, for the clipboard.
    pub fn copy(&self, graph: Option<&str>, nodes: &[(String, Option<(i64, i64)>)]) -> Result<String, String> {
        let (_, text) = current(&self.path)?;
        let body = body_named(&text, graph)?;
        graphrun_edit::clipboard::copy(&text, &body, nodes).map_err(String::from)
    }

    /// Copy for Unreal: nodes of the body `graph`, each at the place given, as Unreal's
    /// clipboard text.
    pub fn unreal_copy(
        &self,
        inspector: &RegistryInspector<'_>,
        graph: Option<&str>,
        nodes: &[(String, i64, i64)],
    ) -> Result<String, String> {
        let (_, text) = current(&self.path)?;
        let inspection = inspector.inspection(&text);
        let picture = inspection
            .1
            .iter()
            .find(|(name, _)| name.as_deref() == graph)
            .map(|(_, p)| p)
            .ok_or_else(|| format!("{} cannot be drawn, so it cannot be copied for Unreal", self.name))?;
        Ok(crate::unreal::clipboard(picture, nodes))
    }

    /// The operations that paste Unreal clipboard text into the body `graph` at (x, y):
    /// the variables its nodes use that the body does not declare, then its nodes.
    pub fn unreal_paste_ops(
        &self,
        inspector: &RegistryInspector<'_>,
        graph: Option<&str>,
        x: i64,
        y: i64,
        text: &str,
    ) -> Result<Vec<Vec<Word>>, String> {
        let read = graphrun_unreal::read(text).map_err(|e| format!("the clipboard's Unreal text, {e}"))?;
        let known: Vec<&str> = inspector.registry().nodes().map(|n| n.name()).collect();
        let imported = graphrun_unreal::import(&read, "paste", &known);
        let (_, now) = current(&self.path)?;
        let body = body_named(&now, graph)?;
        let declared: Vec<String> = Doc::new(&now)
            .variables(&body)
            .into_iter()
            .map(|(name, _, _)| name)
            .collect();
        let words = |words: &[&str]| words.iter().map(|w| Word::Text(w.to_string())).collect::<Vec<_>>();
        let mut ops: Vec<Vec<Word>> = imported
            .variables
            .iter()
            .filter(|(name, _)| !declared.contains(name))
            .map(|(name, ty)| words(&["add-variable", name, ty]))
            .collect();
        ops.push(words(&["paste", &x.to_string(), &y.to_string(), &imported.nodes_text]));
        Ok(ops)
    }

    fn record(&mut self, page: Page, steps: Vec<Vec<TextEdit>>, after: &str) {
        let history = self.histories.entry(page).or_default();
        history.undo.push(Change {
            steps,
            expects: hash(after),
        });
        if history.undo.len() > HISTORY {
            history.undo.remove(0);
        }
        history.redo.clear();
        self.saved += 1;
    }

    /// Undoes `page`'s last edit (writing the file as it was before it).
    pub fn undo(&mut self, page: Page) -> Result<(), String> {
        self.step(page, |h| &mut h.undo, |h| &mut h.redo, "nothing to undo")
    }

    /// Does again `page`'s last edit undone.
    pub fn redo(&mut self, page: Page) -> Result<(), String> {
        self.step(page, |h| &mut h.redo, |h| &mut h.undo, "nothing to redo")
    }

    /// `page` has gone: its history with it.
    pub fn forget(&mut self, page: Page) {
        self.histories.remove(&page);
    }

    /// Takes the last change of one of `page`'s stacks (`from`), applies it to the file and
    /// puts the change that goes back on the other (`to`). Refused, the change kept, while
    /// the file is not as it expects.
    fn step(
        &mut self,
        page: Page,
        from: fn(&mut History) -> &mut Vec<Change>,
        to: fn(&mut History) -> &mut Vec<Change>,
        none: &str,
    ) -> Result<(), String> {
        let (old, text) = current(&self.path)?;
        let history = self.histories.entry(page).or_default();
        let change = from(history).last().ok_or(none)?;
        if old.is_none() || hash(&text) != change.expects {
            return Err(format!(
                "{} changed on disk since this page's edit (by another page or another program), so \
                 that edit cannot be undone or redone until the file is as the edit left it",
                self.name
            ));
        }
        let (new, back) = revert(&text, &change.steps).ok_or("internal error: the history does not apply")?;
        file::write(&self.path, old.as_deref(), &new).map_err(|e| format!("cannot write {}: {e}", self.name))?;
        from(history).pop();
        to(history).push(Change {
            steps: back,
            expects: hash(&new),
        });
        self.saved += 1;
        Ok(())
    }
}

/// The body of the file named `graph`: the event graph, or its function or macro.
fn body_named(text: &str, graph: Option<&str>) -> Result<Body, String> {
    let Some(name) = graph else { return Ok(Body::Graph) };
    Doc::new(text)
        .bodies()
        .into_iter()
        .find(|b| b.name() == Some(name))
        .ok_or_else(|| format!("no function or macro `{name}` in the file"))
}
