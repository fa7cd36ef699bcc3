//! Node libraries install node types and classes into a [`RegistryBuilder`]; it freezes
//! into a [`Registry`], which loads graph files into checked programs. The standard library
//! installs through [`NodeLibrary`] exactly as a host's own nodes do.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::{Diagnostics, SourceFile, Type};

use crate::node::NodeType;
use crate::plan::program::Program;
use crate::value::ClassNames;

/// A set of node types and classes that installs into a registry: the standard library,
/// the socket library, or a host's own.
pub trait NodeLibrary {
    /// Adds this library's node types and classes.
    fn install(&self, registry: &mut RegistryBuilder);
}

/// Makes the data of a new object of a class, for `Construct Object`.
pub type Constructor = Arc<dyn Fn() -> Box<dyn Any + Send> + Send + Sync>;

/// A class of objects (a connection, a timer) that graphs hold by handle.
#[derive(Clone)]
pub struct ClassDef {
    /// The class name as graphs write it.
    pub name: String,
    /// Makes a new object's data; `None` for classes that `Construct Object` cannot make.
    pub constructor: Option<Constructor>,
    /// For a deprecated class: the class to use instead, which this name stands for.
    pub deprecated_alias_of: Option<String>,
    /// One line for `graphrun nodes`.
    pub description: String,
}

impl ClassDef {
    /// A class that `Construct Object` makes with `constructor`.
    pub fn new<T: Any + Send>(
        name: &str,
        description: &str,
        constructor: impl Fn() -> T + Send + Sync + 'static,
    ) -> ClassDef {
        ClassDef {
            name: name.to_string(),
            constructor: Some(Arc::new(move || Box::new(constructor()))),
            deprecated_alias_of: None,
            description: description.to_string(),
        }
    }

    /// A deprecated name that stands for `replacement` (loads with a warning).
    pub fn deprecated_alias(name: &str, replacement: &str) -> ClassDef {
        ClassDef {
            name: name.to_string(),
            constructor: None,
            deprecated_alias_of: Some(replacement.to_string()),
            description: format!("deprecated: use {replacement}"),
        }
    }
}

/// The class of the handles that `Set Timer by Event` returns; always present.
pub const TIMER_CLASS: &str = "Timer";

/// The Timer class's number: every registry starts with it (a library may replace its
/// definition, which keeps its place), so a timer is made without a lookup by name.
pub(crate) const TIMER_CLASS_ID: u32 = 0;

/// Collects node types and classes from node libraries; [`RegistryBuilder::build`] freezes it.
pub struct RegistryBuilder {
    nodes: Vec<Arc<dyn NodeType>>,
    classes: Vec<ClassDef>,
}

impl Default for RegistryBuilder {
    fn default() -> Self {
        RegistryBuilder::new()
    }
}

impl RegistryBuilder {
    /// An empty registry (but for the built-in `Timer` class). Most hosts want
    /// [`Registry::standard`] or `.install(&StandardLibrary)` first.
    pub fn new() -> RegistryBuilder {
        RegistryBuilder {
            nodes: Vec::new(),
            classes: vec![ClassDef {
                name: TIMER_CLASS.to_string(),
                constructor: None,
                deprecated_alias_of: None,
                description: "a timer handle, returned by Set Timer by Event".to_string(),
            }],
        }
    }

    /// Installs a node library.
    pub fn install(&mut self, library: &dyn NodeLibrary) -> &mut Self {
        library.install(self);
        self
    }

    /// Adds one node type. A later node type of the same name replaces the earlier one,
    /// so a host can override a library's node.
    pub fn add_node(&mut self, node: impl NodeType) -> &mut Self {
        let node: Arc<dyn NodeType> = Arc::new(node);
        self.nodes.retain(|n| n.name() != node.name());
        self.nodes.push(node);
        self
    }

    /// Adds one class (a later class of the same name replaces the earlier one).
    pub fn add_class(&mut self, class: ClassDef) -> &mut Self {
        match self.classes.iter_mut().find(|c| c.name == class.name) {
            Some(existing) => *existing = class,
            None => self.classes.push(class),
        }
        self
    }

    /// Freezes the registry.
    pub fn build(&mut self) -> Registry {
        let nodes = std::mem::take(&mut self.nodes);
        let classes = std::mem::take(&mut self.classes);
        let by_name = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name().to_string(), i))
            .collect();
        Registry {
            inner: Arc::new(RegistryInner {
                nodes,
                by_name,
                classes,
            }),
        }
    }
}

/// A frozen set of node types and classes. Cheap to clone; shared by every program loaded
/// with it and every instance of those programs.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<RegistryInner>,
}

struct RegistryInner {
    nodes: Vec<Arc<dyn NodeType>>,
    by_name: HashMap<String, usize>,
    classes: Vec<ClassDef>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("nodes", &self.inner.nodes.len())
            .field("classes", &self.inner.classes.len())
            .finish()
    }
}

impl Registry {
    /// A registry builder.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::new()
    }

    /// A registry with the standard library only.
    pub fn standard() -> Registry {
        RegistryBuilder::new().install(&crate::stdlib::StandardLibrary).build()
    }

    /// Every node type, in the order installed.
    pub fn nodes(&self) -> impl Iterator<Item = &Arc<dyn NodeType>> {
        self.inner.nodes.iter()
    }

    /// The node type with this name.
    pub fn node(&self, name: &str) -> Option<&Arc<dyn NodeType>> {
        self.inner.by_name.get(name).map(|&i| &self.inner.nodes[i])
    }

    /// Every class, in the order installed.
    pub fn classes(&self) -> &[ClassDef] {
        &self.inner.classes
    }

    /// The number of a class, by name.
    pub fn class_id(&self, name: &str) -> Option<u32> {
        self.inner.classes.iter().position(|c| c.name == name).map(|i| i as u32)
    }

    /// The class definition with this number.
    pub fn class(&self, id: u32) -> &ClassDef {
        &self.inner.classes[id as usize]
    }

    /// The type a written type stands for: deprecated class aliases become their replacement.
    pub fn canonical_type(&self, ty: &Type) -> Type {
        match ty {
            Type::Object(class) => match self.class_id(class).map(|id| self.class(id)) {
                Some(ClassDef {
                    deprecated_alias_of: Some(to),
                    ..
                }) => Type::Object(to.as_str().into()),
                _ => ty.clone(),
            },
            Type::Array(t) => Type::Array(Box::new(self.canonical_type(t))),
            Type::Map(t) => Type::Map(Box::new(self.canonical_type(t))),
            _ => ty.clone(),
        }
    }

    /// Loads and checks a graph from text; `name` is shown in diagnostics (usually a path).
    pub fn load_str(&self, name: &str, text: &str) -> Result<Program, Diagnostics> {
        // A UTF-8 byte-order mark (as some editors write) is not part of the graph.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        crate::check::check(self, SourceFile::new(name, text), PLAIN)
    }

    /// Like [`Registry::load_str`], with the instruction fusions off: the same program run
    /// by simpler code, for tests and fuzzing that compare the two.
    #[doc(hidden)]
    pub fn load_str_unfused(&self, name: &str, text: &str) -> Result<Program, Diagnostics> {
        let options = crate::check::Options { fuse: false, ..PLAIN };
        crate::check::check(self, SourceFile::new(name, text), options)
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
        crate::check::inspect(self, SourceFile::new(name, text), overlay)
    }

    /// Like [`Registry::load_file`], keeping what pictures of the graph need
    /// ([`Program::picture`]), as `graphrun render` does.
    pub fn load_file_to_draw(&self, path: impl AsRef<std::path::Path>) -> Result<Program, Diagnostics> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match read_file(path) {
            Ok(text) => {
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                let options = crate::check::Options {
                    pictures: true,
                    ..PLAIN
                };
                crate::check::check(self, SourceFile::new(name, text), options)
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
pub(crate) fn read_file(path: &std::path::Path) -> Result<String, String> {
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

/// A plain load: fused, no pictures.
const PLAIN: crate::check::Options = crate::check::Options {
    fuse: true,
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

impl ClassNames for Registry {
    fn class_name(&self, class: u32) -> &str {
        self.inner
            .classes
            .get(class as usize)
            .map_or("Object", |c| c.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timer_class_is_first_even_when_a_library_redefines_it() {
        let standard = Registry::standard();
        assert_eq!(standard.class_id(TIMER_CLASS), Some(TIMER_CLASS_ID));
        let mut builder = Registry::builder();
        builder.add_class(ClassDef::new("Other", "another class", || ()));
        builder.add_class(ClassDef::new(TIMER_CLASS, "a replaced Timer", || ()));
        assert_eq!(builder.build().class_id(TIMER_CLASS), Some(TIMER_CLASS_ID));
    }
}
