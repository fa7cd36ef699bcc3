//! The files the language server knows: the documents the editor has open (their text as
//! typed, unsaved), and files on disk; what each open document's last check found (its
//! diagnostics, its nodes' pins, the files it imports); and the checks themselves, which
//! read an open document's unsaved text wherever a file imports it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use graphrun::{Registry, Severity};
use graphrun_edit::{Body, Pins};
use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Url};

use super::text::Lines;

/// A document the editor has open.
pub struct Document {
    /// Its text as the editor has it.
    pub text: String,
    /// The editor's version of it.
    pub version: i32,
    /// Its path.
    pub path: PathBuf,
    /// Its tree, made the first time a request needs it after a change.
    tree: std::cell::OnceCell<graphrun_edit::syntax::Parse>,
}

impl Document {
    /// A document with this text.
    pub fn new(path: PathBuf, text: String, version: i32) -> Document {
        Document {
            text,
            version,
            path,
            tree: std::cell::OnceCell::new(),
        }
    }

    /// Its text changed.
    pub fn set_text(&mut self, text: String, version: i32) {
        self.text = text;
        self.version = version;
        self.tree = std::cell::OnceCell::new();
    }

    /// Its parse (made once per version, when a request first needs it): the tree and the
    /// syntax errors. Every request reads this one.
    pub fn parse(&self) -> &graphrun_edit::syntax::Parse {
        self.tree.get_or_init(|| graphrun_edit::syntax::parse(&self.text))
    }

    /// Its value, as the checker reads it: replayed from its tree when a request has made
    /// it, or else read from its text with no tree made (the tree costs more to build than
    /// the values builder costs to run on the text: the diagnostics after a change of a
    /// 2,000-node file took 31 ms through the tree, 26 ms without it).
    pub fn values(&self) -> graphrun_format::ron::Parsed {
        match self.tree.get() {
            Some(parse) => graphrun_format::ron::from_parse(parse),
            None => graphrun_format::ron::parse(&self.text),
        }
    }

    /// Its tree.
    pub fn root(&self) -> graphrun_edit::syntax::SyntaxNode {
        self.parse().root()
    }

    /// The graph view of its tree.
    pub fn doc(&self) -> graphrun_edit::doc::Doc<'_> {
        graphrun_edit::doc::Doc {
            text: &self.text,
            root: self.root(),
        }
    }
}

/// One diagnostic of a document, where it is in that document.
#[derive(Clone, Debug)]
pub struct Found {
    /// Its code (`E0101`).
    pub code: String,
    /// Its message (with the did-you-mean).
    pub message: String,
    /// Its bytes in the document.
    pub range: std::ops::Range<usize>,
}

/// What the last check of a document found.
#[derive(Default)]
pub struct Analysis {
    /// Each node's pins, by body and id.
    pub pins: HashMap<(Body, String), Pins>,
    /// The diagnostics in the document itself.
    pub found: Vec<Found>,
    /// The files it imports, at any depth (canonical paths).
    pub imports: Vec<PathBuf>,
    /// The other files the check reported on (imported files not open).
    pub published: Vec<Url>,
}

/// The documents and what their checks found.
pub struct Workspace<'r> {
    /// The registry the checks use.
    pub registry: &'r Registry,
    /// The open documents.
    pub docs: HashMap<Url, Document>,
    /// The last check of each open document.
    pub analyses: HashMap<Url, Analysis>,
    /// The workspace's folder, where importers are looked for.
    pub root: Option<PathBuf>,
    /// The page that explains each diagnostic's code (`docs/diagnostics.md`).
    pub diagnostics_page: &'static str,
}

/// A path as a key: canonical where it exists.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Whether a path is a test file.
pub fn is_test(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".test.ron")
}

impl<'r> Workspace<'r> {
    /// An empty workspace.
    pub fn new(registry: &'r Registry, root: Option<PathBuf>, diagnostics_page: &'static str) -> Self {
        Workspace {
            registry,
            docs: HashMap::new(),
            analyses: HashMap::new(),
            root,
            diagnostics_page,
        }
    }

    /// The text of a file: the open document's, else the file's on disk.
    pub fn text_of(&self, path: &Path) -> Option<String> {
        let key = canonical(path);
        self.docs
            .values()
            .find(|d| canonical(&d.path) == key)
            .map(|d| d.text.clone())
            .or_else(|| graphrun_edit::file::read(path).ok().flatten())
    }

    /// The open document at a path, if there is one.
    pub fn open_at(&self, path: &Path) -> Option<Url> {
        let key = canonical(path);
        self.docs
            .iter()
            .find(|(_, d)| canonical(&d.path) == key)
            .map(|(u, _)| u.clone())
    }

    /// Checks an open document: what to publish (its diagnostics, and those of the files
    /// it imports that are not open), with the editor's version for its own.
    pub fn check(&mut self, uri: &Url) -> Vec<(Url, Option<i32>, Vec<Diagnostic>)> {
        let Some(doc) = self.docs.get(uri) else {
            return Vec::new();
        };
        let name = doc.path.display().to_string();
        let mut by_file: Vec<(Url, Option<i32>, Vec<Diagnostic>)> = vec![(uri.clone(), Some(doc.version), Vec::new())];
        let mut analysis = Analysis::default();
        if is_test(&doc.path) {
            let source = graphrun_format::SourceFile::new(name, doc.text.clone());
            let parsed = doc.values();
            let mut diags = graphrun_testing::test_file_diagnostics_parsed(&source, parsed);
            diags.extend(self.test_names(&doc.path, &doc.root()));
            let lines = Lines::new(&doc.text);
            for d in diags {
                let range = d.span.start as usize..d.span.end as usize;
                by_file[0]
                    .2
                    .push(lsp_diagnostic(&lines, range.clone(), d.severity, d.code, &d.message));
                analysis.found.push(Found {
                    code: d.code.to_string(),
                    message: d.message.clone(),
                    range,
                });
            }
        } else {
            let overlay = |path: &Path| {
                self.docs
                    .values()
                    .find(|d| canonical(&d.path) == path)
                    .map(|d| d.text.clone())
            };
            // The checker reads the document's values (a byte-order mark is taken off the
            // text first, which moves every place: that text is parsed).
            let inspection = if doc.text.starts_with('\u{feff}') {
                self.registry.inspect_str_with(&name, &doc.text, &overlay)
            } else {
                let parsed = doc.values();
                self.registry.inspect_parsed_with(&name, &doc.text, parsed, &overlay)
            };
            analysis.pins = graphrun_inspect::facts(&inspection).pins;
            let (diagnostics, _) = &inspection;
            let file = diagnostics.file();
            analysis.imports = file
                .parts()
                .iter()
                .map(|(_, p)| canonical(Path::new(p.name())))
                .collect();
            for d in diagnostics.iter() {
                let (part, span) = file.resolve(d.span);
                let range = span.start as usize..span.end as usize;
                let lines = Lines::new(part.text());
                let lsp = lsp_diagnostic(&lines, range.clone(), d.severity, d.code, &shown(d));
                if std::ptr::eq(part, file) {
                    by_file[0].2.push(lsp);
                    analysis.found.push(Found {
                        code: d.code.to_string(),
                        message: d.message.clone(),
                        range,
                    });
                    continue;
                }
                // An imported file that is open publishes its own.
                let path = Path::new(part.name());
                let Ok(part_uri) = Url::from_file_path(canonical(path)) else {
                    continue;
                };
                if self.open_at(path).is_some() {
                    continue;
                }
                match by_file.iter_mut().find(|(u, _, _)| *u == part_uri) {
                    Some(entry) => entry.2.push(lsp),
                    None => by_file.push((part_uri, None, vec![lsp])),
                }
            }
        }
        // Files reported on last time and clean now are cleared.
        let before = self.analyses.get(uri).map(|a| a.published.clone()).unwrap_or_default();
        for old in before {
            if !by_file.iter().any(|(u, _, _)| *u == old) && !self.docs.contains_key(&old) {
                by_file.push((old, None, Vec::new()));
            }
        }
        analysis.published = by_file
            .iter()
            .skip(1)
            .filter(|(_, _, d)| !d.is_empty())
            .map(|(u, _, _)| u.clone())
            .collect();
        self.analyses.insert(uri.clone(), analysis);
        by_file
    }

    /// A test file's names that its graph does not have: a `set` key that is no variable,
    /// a fired event that is no Custom Event (with the nearest names).
    fn test_names(&self, path: &Path, root: &graphrun_edit::syntax::SyntaxNode) -> Vec<graphrun::Diagnostic> {
        use graphrun_format::{codes, names::suggest, Span};
        let mut out = Vec::new();
        let Some(graph) = test_graph(path, root).and_then(|g| self.text_of(&g)) else {
            return out;
        };
        let variables = graphrun_edit::doc::Doc::new(&graph).variable_names(&Body::Graph);
        let events = custom_events(&graph);
        let Some(top) = graphrun_edit::tree::top(root) else {
            return out;
        };
        let span = |n: &graphrun_edit::syntax::SyntaxNode| {
            let r = graphrun_edit::tree::range(n);
            Span {
                start: r.start as u32,
                end: r.end as u32,
            }
        };
        if let Some(set) = graphrun_edit::tree::field_value(&top, "set") {
            for item in graphrun_edit::tree::items(&set) {
                let (Some(key), Some(name)) = (item.key_node(), item.key()) else {
                    continue;
                };
                if !variables.contains(&name) {
                    let near = suggest(&name, variables.iter().map(String::as_str));
                    out.push(graphrun::Diagnostic::error(
                        codes::UNKNOWN_VARIABLE,
                        span(&key),
                        format!("the graph has no variable `{name}` to set{near}"),
                    ));
                }
            }
        }
        if let Some(fire) = graphrun_edit::tree::field_value(&top, "fire") {
            for item in graphrun_edit::tree::items(&fire) {
                let Some(event) = item.value().and_then(|v| graphrun_edit::tree::field_value(&v, "event")) else {
                    continue;
                };
                let Some(name) = graphrun_edit::tree::string(&event) else {
                    continue;
                };
                if !events.contains(&name) {
                    let near = suggest(&name, events.iter().map(String::as_str));
                    out.push(graphrun::Diagnostic::error(
                        codes::NOT_AN_EVENT,
                        span(&event),
                        format!("the graph has no Custom Event `{name}` to fire{near}"),
                    ));
                }
            }
        }
        out
    }

    /// The open documents that import the file at `path` (at any depth), as their last
    /// checks found.
    pub fn importers(&self, path: &Path) -> Vec<Url> {
        let key = canonical(path);
        self.analyses
            .iter()
            .filter(|(_, a)| a.imports.contains(&key))
            .map(|(u, _)| u.clone())
            .collect()
    }

    /// The graph and library files under the workspace's folder (at most a few thousand,
    /// hidden folders and `target` left out), for finding a file's importers.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            // A folder it cannot read holds no importer it can check.
            let _ = graphrun_format::files::ron_files(root, &mut out, 5_000);
        }
        out.retain(|f| !f.to_string_lossy().ends_with(".test.ron"));
        out
    }

    /// The files (open or under the folder) whose `imports` name the file at `path`
    /// directly.
    pub fn direct_importers(&self, path: &Path) -> Vec<PathBuf> {
        let key = canonical(path);
        let mut files: Vec<PathBuf> = self.docs.values().map(|d| d.path.clone()).collect();
        for f in self.files() {
            if !files.iter().any(|g| canonical(g) == canonical(&f)) {
                files.push(f);
            }
        }
        files
            .into_iter()
            .filter(|f| canonical(f) != key)
            .filter(|f| {
                let Some(text) = self.text_of(f) else { return false };
                let dir = f.parent().unwrap_or(Path::new(""));
                imports_of(&text)
                    .iter()
                    .any(|import| canonical(&dir.join(import)) == key)
            })
            .collect()
    }
}

/// The files a text's `imports` name, as written.
pub fn imports_of(text: &str) -> Vec<String> {
    imports_in(&graphrun_edit::doc::Doc::new(text))
}

/// [`imports_of`] a document already parsed.
pub fn imports_in(doc: &graphrun_edit::doc::Doc<'_>) -> Vec<String> {
    let Ok(top) = doc.top() else { return Vec::new() };
    graphrun_edit::tree::field_value(&top, graphrun_format::model::field::IMPORTS)
        .map(|list| {
            graphrun_edit::tree::items(&list)
                .iter()
                .filter_map(|i| i.value().and_then(|v| graphrun_edit::tree::string(&v)))
                .collect()
        })
        .unwrap_or_default()
}

/// A diagnostic's message, with its label (the note shown under the line) if it has one.
fn shown(d: &graphrun::Diagnostic) -> String {
    match &d.label {
        Some(label) => format!("{}\n{label}", d.message),
        None => d.message.clone(),
    }
}

/// A checker's diagnostic as LSP has it.
fn lsp_diagnostic(
    lines: &Lines<'_>,
    range: std::ops::Range<usize>,
    severity: Severity,
    code: &str,
    message: &str,
) -> Diagnostic {
    Diagnostic {
        range: lines.range(range),
        severity: Some(match severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some("graphrun".to_string()),
        message: message.to_string(),
        ..Diagnostic::default()
    }
}

/// The graph a test file names (`graph: "…"`, relative to the test file).
pub fn test_graph(path: &Path, root: &graphrun_edit::syntax::SyntaxNode) -> Option<PathBuf> {
    let top = graphrun_edit::tree::top(root)?;
    let graph = graphrun_edit::tree::field_value(&top, "graph").and_then(|g| graphrun_edit::tree::string(&g))?;
    Some(path.parent().unwrap_or(Path::new("")).join(graph))
}

/// The ids of a graph's Custom Events (its event graph's).
pub fn custom_events(text: &str) -> Vec<String> {
    graphrun_edit::doc::Doc::new(text)
        .nodes(&Body::Graph)
        .into_iter()
        .filter(|n| n.node_type().as_deref() == Some("Custom Event"))
        .map(|n| n.id)
        .collect()
}
