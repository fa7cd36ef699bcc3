//! The checker: a graph file as written, against a frozen registry, becomes a [`Program`]
//! or the full list of what is wrong with it. Every rule of "Loading is checking" lives
//! here. Architecture invariant: nothing here runs a node or touches tokio.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::{codes, Diagnostic, Diagnostics, GraphFile, SourceFile, Span, Type};

use crate::names::suggest;
use crate::node::registry::Registry;
use crate::node::{NodeType, Signature};
use crate::plan::program::{Program, VariableInfo};
mod calls;
mod compile;
mod expand;
mod flat;
mod imports;
pub(crate) mod load;

pub(crate) use load::read_file;
pub use load::MAX_FILE_SIZE;
pub(crate) mod reuse;
mod rules;
mod signatures;

use crate::value::{literal_value, Value, DUPLICATE_KEY};

/// Each item's index by its name (the first, if a name is there twice).
fn by_name<'a, T>(items: &'a [T], name: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, usize> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        map.entry(name(item)).or_insert(i);
    }
    map
}

/// A node's signature as the check works it out: shared once computed (every rule reads
/// it; cloning it for each read cost a tenth of checking a 10,000-node file).
enum SigState {
    Todo,
    InProgress,
    Done(Option<std::rc::Rc<Signature>>),
}

struct Checker<'a> {
    registry: &'a Registry,
    file: &'a GraphFile,
    /// The graph with its functions and macro uses laid out ([`reuse`]).
    flat: &'a reuse::Flat,
    /// The node types of the file's functions' calls, by name, and of each function's
    /// Function Entry and Return Node.
    calls: HashMap<&'a str, Arc<dyn NodeType>>,
    ends: Vec<(Arc<dyn NodeType>, Arc<dyn NodeType>)>,
    /// Each function's pins, checked.
    function_pins: Vec<calls::FunctionPins>,
    diags: RefCell<Vec<Diagnostic>>,
    variables: Vec<VariableInfo>,
    var_index: HashMap<&'a str, usize>,
    node_index: HashMap<&'a str, usize>,
    types: Vec<Option<Arc<dyn NodeType>>>,
    sigs: RefCell<Vec<SigState>>,
    /// For each Custom Event node: the nodes and pins that bind it with `Event(...)`.
    bindings: HashMap<usize, Vec<(usize, &'a str, Span)>>,
}

/// Checks a file and compiles it.
/// Checks a file and compiles it; `fuse` lets the lowering fuse instructions (off only to
/// compare the two in tests).
/// What a check makes besides the program.
#[derive(Clone, Copy)]
pub(crate) struct Options {
    /// Let the lowering fuse instructions (off only to compare the two in tests).
    pub fuse: bool,
    /// Run the standard library's hot nodes as instructions (off only to compare them with
    /// their nodes' implementations in tests: every node but calls and returns then runs
    /// through `Node::run`).
    pub intrinsics: bool,
    /// Keep what pictures of the graph need ([`Program::picture`]): off for a plain load,
    /// which then costs nothing for it.
    pub pictures: bool,
}

pub(crate) fn check(registry: &Registry, source: SourceFile, options: Options) -> Result<Program, Diagnostics> {
    with_rules_checked(registry, source, None, &|_| None, |checked| {
        let (c, source) = checked?;
        let diags = c.diags.take();
        if diags.iter().any(|d| d.severity == graphrun_format::Severity::Error) {
            return Err(Diagnostics::new(source, diags));
        }
        c.diags.replace(diags);
        c.compile(source, options)
    })
}

/// What the checker found in a file, whether or not it checks: every diagnostic, and a
/// picture of each body with the pins of every node whose pins could be decided. Editors
/// read this; it compiles nothing.
pub(crate) fn inspect(
    registry: &Registry,
    source: SourceFile,
    parsed: Option<graphrun_format::ron::Parsed>,
    overlay: imports::Overlay<'_>,
) -> (Diagnostics, Vec<(Option<String>, crate::picture::Picture)>) {
    with_rules_checked(registry, source, parsed, overlay, |checked| match checked {
        Err(unread) => (unread, Vec::new()),
        Ok((c, source)) => {
            let pictures = c.pictures();
            (Diagnostics::new(source, c.diags.take()), pictures)
        }
    })
}

/// Reads the file (from its value, where it has been `parsed` already), lays out its reuse
/// and runs every rule; `then` gets the checker with the source it read (with its
/// imports), or the diagnostics of a file that could not be read.
fn with_rules_checked<R>(
    registry: &Registry,
    source: SourceFile,
    parsed: Option<graphrun_format::ron::Parsed>,
    overlay: imports::Overlay<'_>,
    then: impl FnOnce(Result<(&Checker<'_>, SourceFile), Diagnostics>) -> R,
) -> R {
    let (file, mut diags) = match parsed {
        Some(parsed) => graphrun_format::read_parsed(&source, parsed),
        None => graphrun_format::read(&source),
    };
    let Some(file) = file else {
        return then(Err(Diagnostics::new(source, diags)));
    };
    let flat = reuse::flatten(registry, file, &mut diags, overlay);
    let source = flat.source.clone();
    let mut c = Checker {
        registry,
        file: &flat.file,
        flat: &flat,
        calls: HashMap::new(),
        ends: Vec::new(),
        function_pins: Vec::new(),
        diags: RefCell::new(diags),
        variables: Vec::new(),
        var_index: HashMap::new(),
        node_index: HashMap::new(),
        types: Vec::new(),
        sigs: RefCell::new(Vec::new()),
        bindings: HashMap::new(),
    };
    c.check_variables();
    c.check_functions();
    c.resolve_node_types();
    c.resolve_signatures();
    for i in 0..flat.file.nodes.len() {
        c.check_node(i);
    }
    c.check_event_bindings();
    c.check_comments();
    c.check_bodies();
    c.check_macro_pins();
    c.check_pure_cycles();
    then(Ok((&c, source)))
}

impl<'a> Checker<'a> {
    fn error(&self, code: &'static str, span: Span, message: impl Into<String>) {
        self.diags.borrow_mut().push(Diagnostic::error(code, span, message));
    }

    fn warn(&self, code: &'static str, span: Span, message: impl Into<String>) {
        self.diags.borrow_mut().push(Diagnostic::warning(code, span, message));
    }

    /// Checks that a written type names known classes; returns it in canonical form.
    fn check_type(&self, ty: &Type, span: Span) -> Option<Type> {
        match ty {
            Type::Object(class) => {
                let Some(id) = self.registry.class_id(class) else {
                    let known = self.registry.classes().iter().map(|c| c.name.as_str());
                    self.error(
                        codes::UNKNOWN_CLASS,
                        span,
                        format!("unknown class `{class}`{}", suggest(class, known)),
                    );
                    return None;
                };
                if let Some(to) = &self.registry.class(id).deprecated_alias_of {
                    self.warn(
                        codes::DEPRECATED,
                        span,
                        format!("class `{class}` is deprecated: use `{to}`"),
                    );
                }
            }
            Type::Array(t) | Type::Map(t) => {
                self.check_type(t, span)?;
            }
            _ => {}
        }
        Some(self.registry.canonical_type(ty))
    }

    fn check_variables(&mut self) {
        for (decl, key) in self.file.variables.iter().zip(&self.flat.var_keys) {
            let Some(ty) = self.check_type(&decl.ty.value, decl.ty.span) else {
                continue;
            };
            let default = match &decl.default {
                None => Value::zero(&ty),
                Some(lit) => match literal_value(lit, &ty) {
                    Ok(v) => v,
                    Err((span, message)) if message.starts_with(DUPLICATE_KEY) => {
                        self.error(
                            codes::DUPLICATE,
                            span,
                            format!("{message} in the default of variable `{}`", decl.name.value),
                        );
                        Value::zero(&ty)
                    }
                    Err((span, message)) => {
                        self.error(
                            codes::DEFAULT_TYPE,
                            span,
                            format!(
                                "the default of variable `{}` has the wrong type: {message}",
                                decl.name.value
                            ),
                        );
                        Value::zero(&ty)
                    }
                },
            };
            self.var_index.insert(key, self.variables.len());
            self.variables.push(VariableInfo {
                name: decl.name.value.clone(),
                ty,
                default,
            });
        }
    }

    /// The types of the functions' pins, and the node types of their calls and ends.
    fn check_functions(&mut self) {
        let flat = self.flat;
        for (f, info) in flat.functions.iter().enumerate() {
            let check = |pins: &[(String, Type, Span)]| -> Vec<(String, Type)> {
                pins.iter()
                    .map(|(name, ty, span)| (name.clone(), self.check_type(ty, *span).unwrap_or(Type::Json)))
                    .collect()
            };
            let pins = calls::FunctionPins {
                inputs: check(&info.inputs),
                outputs: check(&info.outputs),
            };
            let defined_at = flat.source.location(info.span);
            self.calls
                .insert(&info.name, calls::call(f as u32, info, &pins, &defined_at));
            self.ends.push((calls::entry(&pins), calls::return_node(&pins)));
            self.function_pins.push(pins);
        }
    }

    /// The node type of node `i`: a function's end, a call of a function of the file, or
    /// a type of the registry.
    fn node_type(&self, i: usize) -> Option<Arc<dyn NodeType>> {
        let name = self.file.nodes[i].node_type.value.as_str();
        if let reuse::Scope::Function(f) = self.flat.origins[i].scope {
            let (entry, ret) = &self.ends[f as usize];
            match name {
                reuse::FUNCTION_ENTRY => return Some(entry.clone()),
                reuse::RETURN_NODE => return Some(ret.clone()),
                _ => {}
            }
        }
        self.calls
            .get(name)
            .cloned()
            .or_else(|| self.registry.node(name).cloned())
    }

    fn resolve_node_types(&mut self) {
        for (i, node) in self.file.nodes.iter().enumerate() {
            self.node_index.insert(&self.flat.node_keys[i], i);
            let ty = self.node_type(i);
            let body_end = [
                (reuse::FUNCTION_ENTRY, "a function's body"),
                (reuse::RETURN_NODE, "a function's body"),
                (reuse::MACRO_INPUTS, "a macro's body"),
                (reuse::MACRO_OUTPUTS, "a macro's body"),
            ]
            .into_iter()
            .find(|(name, _)| *name == node.node_type.value);
            match (&ty, body_end) {
                (None, Some((name, place))) => {
                    self.error(
                        codes::BODY,
                        node.node_type.span,
                        format!("`{name}` (node `{}`) belongs in {place}, not here", node.id.value),
                    );
                }
                (None, None) => {
                    let known = self
                        .registry
                        .nodes()
                        .map(|n| n.name())
                        .chain(self.calls.keys().copied())
                        .chain(self.flat.macros.iter().map(|m| m.name.as_str()));
                    let name = &node.node_type.value;
                    let message = match name.strip_prefix(graphrun_format::names::UNREAL_PLACEHOLDER) {
                        // A Blueprint node `graphrun import` found no counterpart for.
                        Some(blueprint) => {
                            let member = blueprint.rsplit('.').next().unwrap_or(blueprint);
                            let nearest =
                                graphrun_format::names::nearest(member, self.registry.nodes().map(|n| n.name()))
                                    .map(|n| format!("; the nearest graphrun node is `{n}`"))
                                    .unwrap_or_default();
                            format!(
                                "node `{}` is the Blueprint node `{blueprint}`, which has no graphrun counterpart{nearest} (a host may register a node type named `{name}` to run it)",
                                node.id.value
                            )
                        }
                        None => format!(
                            "unknown node type `{name}` for node `{}`{}",
                            node.id.value,
                            suggest(name, known)
                        ),
                    };
                    self.error(codes::UNKNOWN_NODE_TYPE, node.node_type.span, message);
                }
                (Some(t), _) => {
                    if let Some(instead) = t.deprecated() {
                        self.warn(
                            codes::DEPRECATED,
                            node.node_type.span,
                            format!("node type `{}` is deprecated: use `{instead}`", node.node_type.value),
                        );
                    }
                }
            }
            self.types.push(ty);
        }
        for (i, node) in self.file.nodes.iter().enumerate() {
            for input in &node.inputs {
                if let graphrun_format::Source::Event(target) = &input.source {
                    if let Some(&t) = self.node_index.get(target.value.as_str()) {
                        self.bindings
                            .entry(t)
                            .or_default()
                            .push((i, &input.pin.value, input.span));
                    }
                }
            }
        }
    }
}
