//! `graphrun edit FILE -e 'OP ARGS'...`: the editor's operations from the command line
//! (authoring.md section 2), applied all or nothing by the edit layer and written once.
//! `inspector.rs` is the checker as the edit layer sees it. Glue only: the work is
//! `graphrun-edit`'s.

use std::path::{Path, PathBuf};

use graphrun::Registry;
use graphrun_edit::file::{self, WriteError};
use graphrun_edit::{Body, Edited, Op};

use graphrun_inspect::RegistryInspector;

/// The operations `graphrun edit` takes, for its help.
pub const HELP: &str = "Operations (an argument with spaces in double quotes, \\\" and \\\\ escaped):
  add-node ID TYPE [X Y] [var=NAME]   ID `auto` picks one from TYPE and prints it
  remove-node ID                      and every link, binding and comment-box place naming it
  rename-node OLD NEW                 and every reference to it
  move ID X Y                         sets its pos
  set ID PIN VALUE                    a RON literal (a String may be unquoted) or Var(\"NAME\")
  clear ID PIN                        the pin takes its default
  connect FROM.PIN TO.PIN             exec or data; connect EVENT TO.PIN binds a delegate
  disconnect ID.PIN                   every wire at that pin
  add-variable NAME TYPE [DEFAULT]    (with --function/--macro: a local)
  remove-variable NAME                refused while a node uses it
  rename-variable OLD NEW             and every Var, var: and pin named after it
  set-default NAME VALUE
  comment ID TEXT                     \"\" removes it
  set-type NAME TYPE                  (the old default goes)
  comment-box TEXT ID..., set-comment-box N TEXT, remove-comment-box N
  add-function NAME, add-macro NAME   empty, wired through
  collapse-to-function NAME ID..., collapse-to-macro NAME ID...
  paste X Y TEXT                      copied nodes (a RON map), fresh ids where taken";

/// What `graphrun edit` was given.
pub struct EditArgs {
    /// The graph file (made at the first edit if it does not exist).
    pub file: PathBuf,
    /// The operations, in order.
    pub ops: Vec<String>,
    /// The body they apply to.
    pub body: Body,
}

/// Runs `graphrun edit`; the exit status (0 written, 2 not applied).
pub fn edit(registry: &Registry, args: EditArgs) -> u8 {
    let ops: Result<Vec<Op>, String> = args
        .ops
        .iter()
        .map(|text| Op::parse(text).map_err(|e| format!("`{text}`: {e}")))
        .collect();
    let ops = match ops {
        Ok(ops) if !ops.is_empty() => ops,
        Ok(_) => {
            eprintln!("error: no operation given (-e 'OP ARGS')");
            return 2;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let name = args.file.display().to_string();
    let inspector = RegistryInspector::new(registry, &name);
    // A file changed between reading and writing is read again and edited again, once:
    // operations name ids, not offsets.
    for _ in 0..2 {
        let (old, text) = match read_or_new(&args.file) {
            Ok(read) => read,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return 2;
            }
        };
        let edited = match graphrun_edit::edit(&name, &text, args.body.clone(), &ops, &inspector) {
            Ok(edited) => edited,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                eprintln!("{name}: nothing was written");
                return 2;
            }
        };
        match file::write(&args.file, old.as_deref(), &edited.text) {
            Ok(()) => {
                report(&edited);
                return 0;
            }
            Err(WriteError::Changed) => continue,
            Err(WriteError::Io(e)) => {
                eprintln!("error: cannot write {name}: {e}");
                return 2;
            }
        }
    }
    eprintln!("error: {name} kept changing on disk while it was edited; nothing was written");
    2
}

/// The file's text (`None` if it does not exist yet) and the text to edit.
fn read_or_new(path: &Path) -> Result<(Option<String>, String), String> {
    match file::read(path).map_err(|e| e.to_string())? {
        Some(text) => Ok((Some(text.clone()), text)),
        None => Ok((None, new_graph(path))),
    }
}

/// A new graph file: `format: 1`, a name from the file's name, an `Event BeginPlay`.
pub fn new_graph(path: &Path) -> String {
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".ron").unwrap_or(&stem);
    let name = if stem.is_empty() { "Graph" } else { stem };
    format!(
        "Graph(\n    format: 1,\n    name: {},\n    nodes: {{\n        \"begin\": (node: \"Event BeginPlay\", pos: (0, 0)),\n    }},\n)\n",
        graphrun_edit::text::quote(name)
    )
}

/// Prints the ids `auto` picked, and what the checker says of the file now (as warnings:
/// a change that applies is written even if the graph does not check yet).
fn report(edited: &Edited) {
    for id in &edited.printed {
        println!("{id}");
    }
    for f in &edited.facts.findings {
        eprintln!("{}: warning[{}]: {}", f.location, f.code, f.message);
    }
}
