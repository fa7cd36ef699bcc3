//! Imports: the library files a graph names, read once each (relative to the file that
//! imports them), as parts of the graph's [`SourceFile`]; cycles are refused.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use graphrun_format::{codes, Diagnostic, GraphFile, SourceFile};

/// The directory a file's imports are relative to.
pub(super) fn import_dir(name: &str) -> PathBuf {
    Path::new(name).parent().map(Path::to_path_buf).unwrap_or_default()
}

pub(super) fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What a tool has of a file that is not on disk yet (an editor's unsaved text), by its
/// canonical path: `None` reads the file from disk.
pub type Overlay<'o> = &'o dyn Fn(&Path) -> Option<String>;

/// Reads imported library files, each once, refusing cycles.
pub(super) struct Loader<'d> {
    pub(super) overlay: Overlay<'d>,
    pub(super) diags: &'d mut Vec<Diagnostic>,
    pub(super) parts: Vec<(u32, SourceFile)>,
    pub(super) next_base: u32,
    pub(super) libraries: Vec<GraphFile>,
    pub(super) done: HashSet<PathBuf>,
}

impl Loader<'_> {
    pub(super) fn imports(&mut self, file: &GraphFile, dir: &Path, stack: &mut Vec<PathBuf>) {
        for import in &file.imports {
            let path = dir.join(&import.value);
            let key = canonical(&path);
            if let Some(at) = stack.iter().position(|p| *p == key) {
                let cycle: Vec<String> = stack[at..]
                    .iter()
                    .chain(std::iter::once(&key))
                    .map(|p| {
                        p.file_name()
                            .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
                    })
                    .collect();
                self.diags.push(Diagnostic::error(
                    codes::IMPORT,
                    import.span,
                    format!("import cycle: {}", cycle.join(" → ")),
                ));
                continue;
            }
            if !self.done.insert(key.clone()) {
                continue;
            }
            // Only a regular `.ron` file: a FIFO or a device (`/dev/stdin`) could keep the load
            // waiting, and a file that is not a graph file (`/proc/self/environ`) has no
            // business in a diagnostic.
            let regular = std::fs::metadata(&path).map(|m| m.is_file());
            let ron = path.extension().is_some_and(|e| e == "ron");
            let text = match ((self.overlay)(&key), regular) {
                _ if !ron => Err("a library is a `.ron` file".to_string()),
                (Some(text), _) => Ok(text),
                (None, Ok(false)) => Err("it is not a regular file".to_string()),
                (None, _) => super::read_file(&path),
            };
            let text = match text {
                Ok(text) => text,
                Err(why) => {
                    self.diags.push(Diagnostic::error(
                        codes::IMPORT,
                        import.span,
                        format!("cannot import `{}` ({}): {why}", import.value, path.display()),
                    ));
                    continue;
                }
            };
            let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
            let source = SourceFile::new(path.display().to_string(), text);
            let base = self.next_base;
            self.next_base = base.saturating_add(source.text().len() as u32 + 1);
            self.parts.push((base, source.clone()));
            let (lib, diags) = graphrun_format::read_at(&source, base);
            self.diags.extend(diags);
            let Some(lib) = lib else { continue };
            if !lib.library {
                self.diags.push(Diagnostic::error(
                    codes::IMPORT,
                    import.span,
                    format!(
                        "`{}` is a Graph; only a `Library(...)` file can be imported",
                        import.value
                    ),
                ));
                continue;
            }
            stack.push(key);
            // Import chains may be thousands long: grow the stack rather than overflow it.
            stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || {
                self.imports(&lib, &import_dir(source.name()), stack)
            });
            stack.pop();
            self.libraries.push(lib);
        }
    }
}
