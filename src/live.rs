//! Live editing for `graphrun run --watch` and the studio: a graph file's changes, as the
//! system reports them ([`watch`]), read, checked and swapped into the running instance
//! at its next event boundary ([`Live::apply`]); a file that does not check is not
//! applied, and the run goes on with the program it has.

use std::path::{Path, PathBuf};

use graphrun::{Diagnostics, InstanceHandle, Program, Registry, Swapped};

/// What became of a change of the file.
pub enum Applied {
    /// Its text is the one running: nothing to do.
    Unchanged,
    /// Swapped in: what did not carry.
    Swapped(Swapped),
    /// It does not check: not applied.
    NotChecked(Diagnostics),
    /// It cannot be read, or the instance refused it: the reason.
    Refused(String),
    /// The run has ended.
    Ended,
}

/// One running instance's live editing: the file it runs, and the text running now.
pub struct Live {
    file: PathBuf,
    registry: Registry,
    running: String,
}

impl Live {
    /// Live editing of `file`, whose `running` text the instance started with.
    pub fn new(file: &Path, registry: Registry, running: String) -> Live {
        Live {
            file: file.to_path_buf(),
            registry,
            running,
        }
    }

    /// Reads and checks the file (on a blocking thread), and swaps it into the instance
    /// `handle` reaches if it changed and checks; `before` runs just before the swap is
    /// asked for, with the text (a record notes it then).
    pub async fn apply(&mut self, handle: &mut InstanceHandle, before: impl FnOnce(&str)) -> Applied {
        let (file, registry, running) = (self.file.clone(), self.registry.clone(), self.running.clone());
        type Loaded = Result<Option<(String, Result<Program, Diagnostics>)>, String>;
        let loaded = tokio::task::spawn_blocking(move || -> Loaded {
            let text = graphrun::read_graph_text(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            if text == running {
                return Ok(None);
            }
            let loaded = registry.load_str(&file.display().to_string(), &text);
            Ok(Some((text, loaded)))
        })
        .await
        .unwrap_or_else(|e| Err(format!("the check failed: {e}")));
        let (text, program) = match loaded {
            Ok(None) => return Applied::Unchanged,
            Ok(Some((text, Ok(program)))) => (text, program),
            Ok(Some((_, Err(diagnostics)))) => return Applied::NotChecked(diagnostics),
            Err(reason) => return Applied::Refused(reason),
        };
        before(&text);
        match handle.swap(&program).await {
            Ok(swapped) => {
                self.running = text;
                Applied::Swapped(swapped)
            }
            Err(graphrun::HostError::Ended | graphrun::HostError::NoAnswer) => Applied::Ended,
            Err(e) => Applied::Refused(e.to_string()),
        }
    }
}

/// The time of day now, `HH:MM:SS` UTC.
pub fn clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{:02}:{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60, secs % 60)
}

/// What an applied change did, in words: `applied at 12:03:41 UTC; Level reset`.
pub fn applied_line(swapped: &Swapped) -> String {
    if swapped.is_clean() {
        format!("applied at {} UTC", clock())
    } else {
        format!("applied at {} UTC; {swapped}", clock())
    }
}

/// Changes to `file` as the system reports them (inotify on Linux): its folder is watched,
/// since an editor that saves by renaming a new file over the old one replaces the file
/// itself. None where it cannot be watched (the caller then looks every second), with
/// the reason.
pub fn watch(
    file: &Path,
) -> (
    Result<notify::RecommendedWatcher, String>,
    tokio::sync::mpsc::UnboundedReceiver<()>,
) {
    use notify::Watcher;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let name = file.file_name().map(|n| n.to_os_string());
    let folder = match file.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => folder.to_path_buf(),
        None => PathBuf::from("."),
    };
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if event
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
            {
                let _ = tx.send(());
            }
        }
    })
    .and_then(|mut w| w.watch(&folder, notify::RecursiveMode::NonRecursive).map(|()| w))
    .map_err(|e| format!("cannot watch {} ({e})", folder.display()));
    (watcher, rx)
}
