//! The checker: a graph file as written, against a frozen registry, becomes a [`Program`]
//! or the full list of what is wrong with it. Every rule of "Loading is checking" lives
//! here. Architecture invariant: nothing here runs a node or touches tokio.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::{codes, Diagnostic, Diagnostics, GraphFile, SourceFile, Span, Type};

use crate::names::suggest;
use crate::node::{NodeType, Signature};
use crate::plan::program::{Program, VariableInfo};
use crate::registry::Registry;
mod compile;
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

enum SigState {
    Todo,
    InProgress,
    Done(Option<Signature>),
}

struct Checker<'a> {
    registry: &'a Registry,
    file: &'a GraphFile,
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
pub(crate) fn check(registry: &Registry, source: SourceFile, fuse: bool) -> Result<Program, Diagnostics> {
    let (file, diags) = graphrun_format::read(&source);
    let Some(file) = file else {
        return Err(Diagnostics::new(source, diags));
    };
    let mut c = Checker {
        registry,
        file: &file,
        diags: RefCell::new(diags),
        variables: Vec::new(),
        var_index: HashMap::new(),
        node_index: HashMap::new(),
        types: Vec::new(),
        sigs: RefCell::new(Vec::new()),
        bindings: HashMap::new(),
    };
    c.check_variables();
    c.resolve_node_types();
    c.resolve_signatures();
    for i in 0..file.nodes.len() {
        c.check_node(i);
    }
    c.check_event_bindings();
    c.check_comments();
    c.check_pure_cycles();
    let diags = c.diags.take();
    if diags.iter().any(|d| d.severity == graphrun_format::Severity::Error) {
        return Err(Diagnostics::new(source, diags));
    }
    c.diags.replace(diags);
    c.compile(source, fuse)
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
        for decl in &self.file.variables {
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
            self.var_index.insert(&decl.name.value, self.variables.len());
            self.variables.push(VariableInfo {
                name: decl.name.value.clone(),
                ty,
                default,
            });
        }
    }

    fn resolve_node_types(&mut self) {
        for (i, node) in self.file.nodes.iter().enumerate() {
            self.node_index.insert(&node.id.value, i);
            let ty = self.registry.node(&node.node_type.value).cloned();
            match &ty {
                None => {
                    let known = self.registry.nodes().map(|n| n.name());
                    self.error(
                        codes::UNKNOWN_NODE_TYPE,
                        node.node_type.span,
                        format!(
                            "unknown node type `{}` for node `{}`{}",
                            node.node_type.value,
                            node.id.value,
                            suggest(&node.node_type.value, known)
                        ),
                    );
                }
                Some(t) => {
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
