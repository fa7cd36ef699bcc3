//! The studio as an editor (authoring.md section 6): each edit the page makes is a batch
//! of `graphrun edit`'s operations, applied by the edit layer to the file as it is on disk
//! now and written at once (atomically, never over a file that changed since it was read).
//! Undo and redo step through every edit since the studio started, each step written to
//! the file; a step is refused if the file changed elsewhere since.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use graphrun_edit::doc::Doc;
use graphrun_edit::file::{self, WriteError};
use graphrun_edit::{Body, Op, TextEdit};

use crate::edit::inspector::RegistryInspector;

/// How many edits undo reaches back.
const HISTORY: usize = 1_000;

/// One edit, as undo or redo keeps it: the steps that, applied in reverse order, give the
/// text on the other side, and what the file must hold for them to apply.
struct Change {
    steps: Vec<Vec<TextEdit>>,
    expects: u64,
}

/// The file being edited and its history.
pub struct Editor {
    path: PathBuf,
    name: String,
    undo: Vec<Change>,
    redo: Vec<Change>,
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
            undo: Vec::new(),
            redo: Vec::new(),
            saved: 0,
        }
    }

    /// Applies the operations to the body `graph` (none: the event graph; else a function
    /// or macro of the file) and writes the file; what the operations printed.
    pub fn edit(
        &mut self,
        inspector: &RegistryInspector<'_>,
        graph: Option<&str>,
        ops: &[String],
    ) -> Result<Vec<String>, String> {
        let ops: Vec<Op> = ops
            .iter()
            .map(|text| Op::parse(text).map_err(|e| format!("`{text}`: {e}")))
            .collect::<Result<_, _>>()?;
        if ops.is_empty() {
            return Err("no operation".to_string());
        }
        // A file changed between reading and writing is read again and edited again, once.
        for _ in 0..2 {
            let (old, text) = current(&self.path)?;
            let body = body_named(&text, graph)?;
            let edited = graphrun_edit::edit(&self.name, &text, body, &ops, inspector)?;
            match file::write(&self.path, old.as_deref(), &edited.text) {
                Ok(()) => {
                    self.record(edited.undo, &edited.text);
                    return Ok(edited.printed);
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
    ) -> Result<Vec<String>, String> {
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
        let word = graphrun_edit::op::word;
        let mut ops: Vec<String> = imported
            .variables
            .iter()
            .filter(|(name, _)| !declared.contains(name))
            .map(|(name, ty)| format!("add-variable {} {}", word(name), word(ty)))
            .collect();
        ops.push(format!("paste {x} {y} {}", word(&imported.nodes_text)));
        Ok(ops)
    }

    fn record(&mut self, steps: Vec<Vec<TextEdit>>, after: &str) {
        self.undo.push(Change {
            steps,
            expects: hash(after),
        });
        if self.undo.len() > HISTORY {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.saved += 1;
    }

    /// Undoes the last edit (writing the file as it was before it).
    pub fn undo(&mut self) -> Result<(), String> {
        let change = self.undo.pop().ok_or("nothing to undo")?;
        let back = self.step(change)?;
        self.redo.push(back);
        Ok(())
    }

    /// Does again the last edit undone.
    pub fn redo(&mut self) -> Result<(), String> {
        let change = self.redo.pop().ok_or("nothing to redo")?;
        let back = self.step(change)?;
        self.undo.push(back);
        Ok(())
    }

    /// Applies a change to the file; the change that goes back.
    fn step(&mut self, change: Change) -> Result<Change, String> {
        let (old, text) = current(&self.path)?;
        if old.is_none() || hash(&text) != change.expects {
            self.undo.clear();
            self.redo.clear();
            return Err(format!(
                "{} changed on disk since that edit, so it cannot be undone or redone; the history is cleared",
                self.name
            ));
        }
        let (new, back) = revert(&text, &change.steps).ok_or("internal error: the history does not apply")?;
        file::write(&self.path, old.as_deref(), &new).map_err(|e| format!("cannot write {}: {e}", self.name))?;
        self.saved += 1;
        Ok(Change {
            steps: back,
            expects: hash(&new),
        })
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
