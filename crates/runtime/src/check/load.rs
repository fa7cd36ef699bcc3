//! Loading: a graph's text or file read (at most [`MAX_FILE_SIZE`], UTF-8), checked and
//! compiled by this module, or inspected for editors. These are [`Registry`]'s methods,
//! written here so that the registry (node types and classes) does not look up at the
//! checker.

use graphrun_format::{Diagnostics, SourceFile};

use crate::node::registry::Registry;
use crate::plan::program::Program;

impl Registry {
    /// Loads and checks a graph from text; `name` is shown in diagnostics (usually a path).
    pub fn load_str(&self, name: &str, text: &str) -> Result<Program, Diagnostics> {
        // A UTF-8 byte-order mark (as some editors write) is not part of the graph.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        super::check(self, SourceFile::new(name, text), PLAIN)
    }

    /// Like [`Registry::load_str`], with the instruction fusions off: the same program run
    /// by simpler code, for tests and fuzzing that compare the two.
    #[doc(hidden)]
    pub fn load_str_unfused(&self, name: &str, text: &str) -> Result<Program, Diagnostics> {
        let options = super::Options { fuse: false, ..PLAIN };
        super::check(self, SourceFile::new(name, text), options)
    }

    /// Like [`Registry::load_file`], with the intrinsic instructions off: every standard
    /// node runs through its implementation (`Node::run`), for tests and fuzzing that
    /// compare the instructions with the nodes they stand for.
    #[doc(hidden)]
    pub fn load_file_without_intrinsics(&self, path: impl AsRef<std::path::Path>) -> Result<Program, Diagnostics> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match read_file(path) {
            Ok(text) => self.load_str_without_intrinsics(&name, &text),
            Err(message) => Err(file_error(&name, message)),
        }
    }

    /// Like [`Registry::load_str`], with the intrinsic instructions off (see
    /// [`Registry::load_file_without_intrinsics`]).
    #[doc(hidden)]
    pub fn load_str_without_intrinsics(&self, name: &str, text: &str) -> Result<Program, Diagnostics> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let options = super::Options {
            intrinsics: false,
            ..PLAIN
        };
        super::check(self, SourceFile::new(name, text), options)
    }

    /// What the checker finds in a graph's text, whether or not it checks: every diagnostic
    /// (errors and warnings), and a picture of the event graph and of each function and
    /// macro body with the pins of every node whose pins could be decided (a node of an
    /// unknown type has none). Editors read this to know what a pin takes; nothing is
    /// compiled. `name` is the file's path (imports are found beside it).
    pub fn inspect_str(&self, name: &str, text: &str) -> (Diagnostics, Vec<(Option<String>, crate::picture::Picture)>) {
        self.inspect_str_with(name, text, &|_| None)
    }

    /// Like [`Registry::inspect_str`], reading an imported file from `overlay` where it
    /// gives a text (an editor's unsaved buffer, by the file's canonical path), else from
    /// disk.
    pub fn inspect_str_with(
        &self,
        name: &str,
        text: &str,
        overlay: &dyn Fn(&std::path::Path) -> Option<String>,
    ) -> (Diagnostics, Vec<(Option<String>, crate::picture::Picture)>) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        super::inspect(self, SourceFile::new(name, text), None, overlay)
    }

    /// Like [`Registry::inspect_str_with`], from the file's value already parsed
    /// (`graphrun_format::ron::from_parse` of the syntax tree an editor holds for `text`),
    /// so that the text is not parsed again. `text` has no byte-order mark (where the
    /// editor's has one, [`Registry::inspect_str_with`] takes it off and parses).
    pub fn inspect_parsed_with(
        &self,
        name: &str,
        text: &str,
        parsed: graphrun_format::ron::Parsed,
        overlay: &dyn Fn(&std::path::Path) -> Option<String>,
    ) -> (Diagnostics, Vec<(Option<String>, crate::picture::Picture)>) {
        super::inspect(self, SourceFile::new(name, text), Some(parsed), overlay)
    }

    /// Like [`Registry::load_file`], keeping what pictures of the graph need
    /// ([`Program::picture`]), as `graphrun render` does.
    pub fn load_file_to_draw(&self, path: impl AsRef<std::path::Path>) -> Result<Program, Diagnostics> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match read_file(path) {
            Ok(text) => {
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                let options = super::Options {
                    pictures: true,
                    ..PLAIN
                };
                super::check(self, SourceFile::new(name, text), options)
            }
            Err(message) => Err(file_error(&name, message)),
        }
    }

    /// Loads and checks a graph file. A file that cannot be read, or is larger than
    /// [`MAX_FILE_SIZE`], is reported as a diagnostic.
    pub fn load_file(&self, path: impl AsRef<std::path::Path>) -> Result<Program, Diagnostics> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match read_file(path) {
            Ok(text) => self.load_str(&name, &text),
            Err(message) => Err(file_error(&name, message)),
        }
    }

    /// Loads and checks a graph read from `reader` (standard input, say), which `name`
    /// names in messages. At most [`MAX_FILE_SIZE`] bytes are read: a larger input is
    /// refused once that many have come.
    pub fn load_reader(&self, name: &str, reader: impl std::io::Read) -> Result<Program, Diagnostics> {
        match read_text(reader) {
            Ok(text) => self.load_str(name, &text),
            Err(message) => Err(file_error(name, message)),
        }
    }
}

/// A graph or library file's text; the error says why it cannot be had (missing, too large,
/// not UTF-8).
pub fn read_file(path: &std::path::Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    // A regular file says its size: one too large is refused without reading it.
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > MAX_FILE_SIZE as u64)
    {
        return Err(too_large());
    }
    read_text(file)
}

/// At most [`MAX_FILE_SIZE`] bytes of UTF-8 text from `reader`.
fn read_text(reader: impl std::io::Read) -> Result<String, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() > MAX_FILE_SIZE {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A plain load: intrinsics, fused, no pictures.
const PLAIN: super::Options = super::Options {
    fuse: true,
    intrinsics: true,
    pictures: false,
};

/// The largest graph file that is read: 64 MiB.
pub const MAX_FILE_SIZE: usize = 64 << 20;

fn too_large() -> String {
    format!(
        "the file is larger than {} MiB, the most a graph file may be",
        MAX_FILE_SIZE >> 20
    )
}

fn file_error(name: &str, message: String) -> Diagnostics {
    let diag = graphrun_format::Diagnostic::error(graphrun_format::codes::SYNTAX, Default::default(), message);
    Diagnostics::new(SourceFile::new(name, ""), vec![diag])
}
