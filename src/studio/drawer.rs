//! The file drawn for the pages, on a thread of its own: reading, checking and drawing a
//! huge or slow file never holds up the studio's loop (its pages' actions, its runs, a
//! signal). Asks made while it draws are taken together: it then draws the file as it is.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use graphrun_socket::SocketConfig;

use super::session::Session;
use super::{editor, protocol};
use crate::loading::registry;
use graphrun_inspect::RegistryInspector;

/// The drawing thread, by the asks it takes.
pub struct Drawer {
    asks: Sender<Ask>,
}

/// When to draw.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// If the file's text is not the one drawn last (it changed elsewhere).
    IfChanged,
    /// Now (the studio wrote it).
    Now,
}

impl Drawer {
    /// Starts the thread, which draws the file at once.
    pub fn start(file: PathBuf, config: SocketConfig, session: Arc<Session>) -> Drawer {
        let (asks, taken) = channel::<Ask>();
        let _ = asks.send(Ask::Now);
        std::thread::spawn(move || {
            let registry = registry(config);
            let inspector = RegistryInspector::new(&registry, &file.display().to_string());
            let mut drawn: Option<String> = None;
            let hold = std::env::var_os(HOLD_VAR).map(PathBuf::from);
            while let Ok(first) = taken.recv() {
                let ask = taken.try_iter().fold(first, |a, b| if b == Ask::Now { b } else { a });
                // Read once: to compare with what was drawn, and to draw.
                let text = editor::current(&file).map(|(_, text)| text);
                if ask == Ask::IfChanged && text.as_ref().ok() == drawn.as_ref() {
                    continue;
                }
                drawn = match text {
                    Ok(text) => {
                        held(hold.as_deref());
                        draw(&text, &inspector, &session);
                        Some(text)
                    }
                    Err(message) => {
                        session.log("error", &message);
                        None
                    }
                };
            }
        });
        Drawer { asks }
    }

    /// Asks for a drawing (the thread takes every ask made while it draws as one).
    pub fn ask(&self, ask: Ask) {
        let _ = self.asks.send(ask);
    }
}

/// A hook for tests: while the file this names exists, a drawing waits before it starts,
/// with `FILE.held` made to say so, as a slow drawing would keep the thread (the tests show
/// that the pages and signals are answered meanwhile, without timing a huge file).
const HOLD_VAR: &str = "GRAPHRUN_STUDIO_HOLD_DRAWING";

/// Waits while `hold` exists (see [`HOLD_VAR`]).
fn held(hold: Option<&std::path::Path>) {
    let Some(hold) = hold.filter(|h| h.exists()) else {
        return;
    };
    let marker = hold.with_extension("held");
    let _ = std::fs::write(&marker, "");
    while hold.exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = std::fs::remove_file(&marker);
}

/// Checks the file's text (a new graph's if it does not exist yet) and sends the pictures of
/// its event graph, functions and macros, with its diagnostics on their nodes. A file that
/// does not check is drawn too: an editor shows what is being edited.
fn draw(text: &str, inspector: &RegistryInspector<'_>, session: &Session) {
    let inspection = inspector.inspection(text);
    let (found, pictures) = &*inspection;
    if found.has_errors() {
        // In the terminal too: the page may not be open yet.
        for line in found.one_lines() {
            eprintln!("{line}");
        }
    }
    if pictures.is_empty() {
        session.set_diagnostics(super::diagnostics(found));
        return;
    }
    let graphs = pictures
        .iter()
        .map(|(name, picture)| (name.clone(), graphrun_render::render_parts(picture)))
        .collect();
    session.set_graphs(graphs, super::diagnostics(found));
    // After the pictures: the panels do not hold up the redraw.
    session.set_declared(declared(text));
}

/// The file's bodies as written, for the page's panels: each one's name (none: the event
/// graph), kind and variables (the graph's, or a function's or macro's locals).
fn declared(text: &str) -> Vec<protocol::BodyEntry> {
    let doc = graphrun_edit::doc::Doc::new(text);
    doc.bodies()
        .iter()
        .map(|body| protocol::BodyEntry {
            name: body.name().map(str::to_string),
            kind: match body {
                graphrun_edit::Body::Graph => "graph",
                graphrun_edit::Body::Function(_) => "function",
                graphrun_edit::Body::Macro(_) => "macro",
            },
            variables: doc
                .variables(body)
                .into_iter()
                .map(|(name, ty, default)| protocol::VariableEntry { name, ty, default })
                .collect(),
            node: body.name().map(|name| {
                // As `graphrun nodes --json` lists a node type, for the palette.
                let graphrun_edit::doc::WrittenPins { inputs, outputs, pure } = doc.pins(body);
                let is_macro = matches!(body, graphrun_edit::Body::Macro(_));
                let exec = |pins: &[(String, String)]| -> Vec<String> {
                    pins.iter()
                        .filter(|(_, t)| t == "Exec")
                        .map(|(n, _)| n.clone())
                        .collect()
                };
                let data = |pins: &[(String, String)]| -> Vec<serde_json::Value> {
                    pins.iter()
                        .filter(|(_, t)| t != "Exec")
                        .map(|(n, t)| serde_json::json!({"name": n, "type": t}))
                        .collect()
                };
                let (exec_inputs, exec_outputs) = match (is_macro, pure) {
                    (true, _) => (exec(&inputs), exec(&outputs)),
                    (false, true) => (Vec::new(), Vec::new()),
                    (false, false) => (vec!["exec".to_string()], vec!["then".to_string()]),
                };
                serde_json::json!({
                    "name": name,
                    "category": if is_macro { "Macros of this file" } else { "Functions of this file" },
                    "description": if is_macro { "A macro of this file." } else { "A function of this file." },
                    "exec_inputs": exec_inputs,
                    "exec_outputs": exec_outputs,
                    "inputs": data(&inputs),
                    "outputs": data(&outputs),
                })
            }),
        })
        .collect()
}
