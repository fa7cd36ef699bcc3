//! The checker: a graph file as written, against a frozen registry, becomes a [`Program`]
//! or the full list of what is wrong with it. Every rule of "Loading is checking" lives
//! here. Architecture invariant: nothing here runs a node or touches tokio.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::{codes, Diagnostic, Diagnostics, GraphFile, NodeDecl, SourceFile, Span, Type};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::code::LowerNode;
use crate::node::{CompileCx, EventRef, InputKind, NodeType, Role, Signature, SignatureCx};
use crate::program::{ExecTarget, InputPlan, NodeDebug, NodePlan, Program, ProgramInner, VariableInfo};
use crate::registry::Registry;
use crate::value::{literal_type, literal_value, Conversion, Value, DUPLICATE_KEY};

/// "; did you mean `x`?" for the known names closest to `name`, or "".
pub(crate) fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .map(|k| {
            let score = if k.to_lowercase() == lower {
                1.0
            } else {
                strsim::normalized_damerau_levenshtein(&lower, &k.to_lowercase())
            };
            (score, k)
        })
        .filter(|&(score, _)| score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    match scored.as_slice() {
        [] => String::new(),
        [(_, one)] => format!("; did you mean `{one}`?"),
        [(_, a), (_, b), ..] => format!("; did you mean `{a}` or `{b}`?"),
    }
}

/// Each item's index by its name (the first, if a name is there twice).
fn by_name<'a, T>(items: &'a [T], name: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, usize> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        map.entry(name(item)).or_insert(i);
    }
    map
}

/// `a`, `b` and `c`, each in backquotes.
fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
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
pub(crate) fn check(registry: &Registry, source: SourceFile) -> Result<Program, Diagnostics> {
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
    c.check_pure_cycles();
    let diags = c.diags.take();
    if diags.iter().any(|d| d.severity == graphrun_format::Severity::Error) {
        return Err(Diagnostics::new(source, diags));
    }
    c.diags.replace(diags);
    c.compile(source)
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

    /// Decides every node's signature, dependencies first so that the recursion in
    /// [`Checker::signature`] stays shallow even for long chains.
    fn resolve_signatures(&mut self) {
        let n = self.file.nodes.len();
        self.sigs = RefCell::new((0..n).map(|_| SigState::Todo).collect());
        let mut deps: DiGraph<(), ()> = DiGraph::with_capacity(n, n);
        for _ in 0..n {
            deps.add_node(());
        }
        for (i, node) in self.file.nodes.iter().enumerate() {
            for input in &node.inputs {
                if let graphrun_format::Source::Link { node: src, .. } = &input.source {
                    if let Some(&s) = self.node_index.get(src.value.as_str()) {
                        deps.add_edge(NodeIndex::new(i), NodeIndex::new(s), ());
                    }
                }
            }
        }
        for (&event, binders) in &self.bindings {
            for &(binder, _, _) in binders {
                deps.add_edge(NodeIndex::new(event), NodeIndex::new(binder), ());
            }
        }
        for scc in petgraph::algo::kosaraju_scc(&deps) {
            for idx in scc {
                self.signature(idx.index());
            }
        }
    }

    fn signature(&self, i: usize) -> Option<Signature> {
        {
            let sigs = self.sigs.borrow();
            match &sigs[i] {
                SigState::Done(sig) => return sig.clone(),
                SigState::InProgress => return None,
                SigState::Todo => {}
            }
        }
        self.sigs.borrow_mut()[i] = SigState::InProgress;
        let sig = self.compute_signature(i);
        self.sigs.borrow_mut()[i] = SigState::Done(sig.clone());
        sig
    }

    fn compute_signature(&self, i: usize) -> Option<Signature> {
        let node = &self.file.nodes[i];
        let ty = self.types[i].as_ref()?;
        let role = ty.role();
        match (&node.var, role) {
            (Some(var), Role::Variable) if !self.var_index.contains_key(var.value.as_str()) => {
                let known = self.variables.iter().map(|v| v.name.as_str());
                self.error(
                    codes::UNKNOWN_VARIABLE,
                    var.span,
                    format!(
                        "unknown variable `{}` in node `{}`{}",
                        var.value,
                        node.id.value,
                        suggest(&var.value, known)
                    ),
                );
                return None;
            }
            (None, Role::Variable) => {
                self.error(
                    codes::NODE_FIELD,
                    node.node_type.span,
                    format!(
                        "node `{}` ({}) needs `var:`, the variable it uses",
                        node.id.value,
                        ty.name()
                    ),
                );
                return None;
            }
            (Some(var), _) if role != Role::Variable => {
                self.error(
                    codes::NODE_FIELD,
                    var.span,
                    format!("node `{}` ({}) takes no `var:`", node.id.value, ty.name()),
                );
            }
            _ => {}
        }
        if let (Some(params), true) = (&node.params, role != Role::CustomEvent) {
            let span = params.first().map_or(node.span, |p| p.name.span);
            self.error(
                codes::NODE_FIELD,
                span,
                format!("node `{}` ({}) takes no `params:`", node.id.value, ty.name()),
            );
        }
        let cx = NodeCx { checker: self, node: i };
        match ty.signature(&cx) {
            Ok(sig) => {
                for w in &sig.warnings {
                    self.warn(w.code, self.pin_span(node, w.pin.as_deref()), &w.message);
                }
                for e in &sig.errors {
                    let message = format!("node `{}` ({}): {}", node.id.value, ty.name(), e.message);
                    self.error(e.code, self.pin_span(node, e.pin.as_deref()), message);
                }
                Some(sig)
            }
            Err(e) => {
                self.error(
                    e.code,
                    self.pin_span(node, e.pin.as_deref()),
                    format!("node `{}` ({}): {}", node.id.value, ty.name(), e.message),
                );
                None
            }
        }
    }

    fn pin_span(&self, node: &NodeDecl, pin: Option<&str>) -> Span {
        pin.and_then(|p| node.inputs.iter().find(|i| i.pin.value == p))
            .map_or(node.node_type.span, |i| i.span)
    }

    fn sig_done(&self, i: usize) -> Option<Signature> {
        match &self.sigs.borrow()[i] {
            SigState::Done(sig) => sig.clone(),
            _ => None,
        }
    }

    fn describe(&self, i: usize) -> String {
        let node = &self.file.nodes[i];
        format!("`{}` ({})", node.id.value, node.node_type.value)
    }

    /// The type of a link's source pin, reporting a missing node or pin.
    fn link_type(
        &self,
        consumer: &NodeDecl,
        src: &graphrun_format::Spanned<String>,
        pin: &graphrun_format::Spanned<String>,
    ) -> Option<Type> {
        let Some(&s) = self.node_index.get(src.value.as_str()) else {
            let known = self.file.nodes.iter().map(|n| n.id.value.as_str());
            self.error(
                codes::MISSING_NODE,
                src.span,
                format!(
                    "node `{}` links to node `{}`, which does not exist{}",
                    consumer.id.value,
                    src.value,
                    suggest(&src.value, known)
                ),
            );
            return None;
        };
        let sig = self.sig_done(s)?;
        if let Some(out) = sig.outputs.iter().find(|o| o.name == pin.value) {
            return Some(out.ty.clone());
        }
        if sig.exec_outputs.contains(&pin.value) || sig.exec_inputs.contains(&pin.value) {
            self.error(
                codes::DATA_FROM_EXEC,
                pin.span,
                format!(
                    "`{}` of node {} is an exec pin: a data link cannot read it",
                    pin.value,
                    self.describe(s)
                ),
            );
            return None;
        }
        let known: Vec<&str> = sig.outputs.iter().map(|o| o.name.as_str()).collect();
        let listing = if known.is_empty() {
            "; it has no data outputs".to_string()
        } else {
            suggest(&pin.value, known.iter().copied())
        };
        self.error(
            codes::MISSING_PIN,
            pin.span,
            format!("node {} has no output pin `{}`{listing}", self.describe(s), pin.value),
        );
        None
    }

    fn check_node(&self, i: usize) {
        let node = &self.file.nodes[i];
        let Some(sig) = self.sig_done(i) else { return };
        let me = self.describe(i);
        // By name, so that a node with thousands of pins (Format String's holes) checks in
        // linear time.
        let sig_inputs = by_name(&sig.inputs, |p| p.name.as_str());
        let node_inputs = by_name(&node.inputs, |i| i.pin.value.as_str());
        for input in &node.inputs {
            let Some(pin) = sig_inputs.get(input.pin.value.as_str()).map(|&k| &sig.inputs[k]) else {
                let what = if sig.outputs.iter().any(|o| o.name == input.pin.value) {
                    "; it is an output pin".to_string()
                } else if sig.inputs.is_empty() {
                    "; it has no data inputs".to_string()
                } else {
                    let names = sig.inputs.iter().map(|p| p.name.as_str());
                    match suggest(&input.pin.value, names.clone()) {
                        none if none.is_empty() => format!("; its inputs are {}", quoted_list(names)),
                        some => some,
                    }
                };
                self.error(
                    codes::UNKNOWN_PIN,
                    input.pin.span,
                    format!("node {me} has no input pin `{}`{what}", input.pin.value),
                );
                continue;
            };
            let pin_name = &pin.name;
            use graphrun_format::Source;
            match (&pin.kind, &input.source) {
                (InputKind::Delegate(params), Source::Event(target)) => {
                    self.check_binding(node, pin_name, params, target)
                }
                (InputKind::Delegate(_), _) => self.error(
                    codes::NOT_AN_EVENT,
                    input.span,
                    format!(
                        "`{pin_name}` of node {me} is a delegate: bind a Custom Event to it with `Event(\"node\")`"
                    ),
                ),
                (_, Source::Event(_)) => self.error(
                    codes::NOT_AN_EVENT,
                    input.span,
                    format!("`Event(...)` binds a delegate pin, but `{pin_name}` of node {me} is a data pin"),
                ),
                (InputKind::Literal(ty), Source::Literal(lit)) | (InputKind::Data(ty), Source::Literal(lit)) => {
                    match literal_value(lit, ty) {
                        Err((span, message)) if message.starts_with(DUPLICATE_KEY) => self.error(
                            codes::DUPLICATE,
                            span,
                            format!("{message} in the literal on `{pin_name}` of node {me}"),
                        ),
                        Err((span, message)) => self.error(
                            codes::TYPE_MISMATCH,
                            span,
                            format!("type mismatch on `{pin_name}` of node {me}: {message}"),
                        ),
                        Ok(_) => {}
                    }
                }
                (InputKind::Literal(ty), _) => self.error(
                    codes::NOT_LITERAL,
                    input.span,
                    format!("`{pin_name}` of node {me} takes a literal {ty}, written in the file"),
                ),
                (
                    InputKind::Data(ty),
                    Source::Link {
                        node: src,
                        pin: src_pin,
                    },
                ) => {
                    if let Some(from) = self.link_type(node, src, src_pin) {
                        if Conversion::between(ty, &from).is_none() {
                            self.error(
                                codes::TYPE_MISMATCH,
                                input.span,
                                format!(
                                    "type mismatch on `{pin_name}` of node {me}: expected {ty}, but `{}`.`{}` is {from}",
                                    src.value, src_pin.value
                                ),
                            );
                        }
                    }
                }
                (InputKind::Data(ty), Source::Var(var)) => match self.var_index.get(var.value.as_str()) {
                    None => {
                        let known = self.variables.iter().map(|v| v.name.as_str());
                        self.error(
                            codes::UNKNOWN_VARIABLE,
                            var.span,
                            format!(
                                "unknown variable `{}` on `{pin_name}` of node {me}{}",
                                var.value,
                                suggest(&var.value, known)
                            ),
                        );
                    }
                    Some(&v) => {
                        let from = &self.variables[v].ty;
                        if Conversion::between(ty, from).is_none() {
                            self.error(
                                codes::TYPE_MISMATCH,
                                input.span,
                                format!("type mismatch on `{pin_name}` of node {me}: expected {ty}, but variable `{}` is {from}", var.value),
                            );
                        }
                    }
                },
            }
        }
        for pin in &sig.inputs {
            if pin.default.is_none() && !node_inputs.contains_key(pin.name.as_str()) {
                let ty = match &pin.kind {
                    InputKind::Data(t) | InputKind::Literal(t) => t.to_string(),
                    InputKind::Delegate(_) => "delegate".to_string(),
                };
                self.error(
                    codes::MISSING_INPUT,
                    node.node_type.span,
                    format!("node {me} needs its input `{}` ({ty})", pin.name),
                );
            }
        }
        for exec in &node.exec {
            if !sig.exec_outputs.contains(&exec.pin.value) {
                let what = if sig.outputs.iter().any(|o| o.name == exec.pin.value) {
                    self.error(
                        codes::DATA_FROM_EXEC,
                        exec.pin.span,
                        format!("`{}` of node {me} is a data output, not an exec output", exec.pin.value),
                    );
                    continue;
                } else if sig.exec_outputs.is_empty() {
                    "; it has no exec outputs".to_string()
                } else {
                    suggest(&exec.pin.value, sig.exec_outputs.iter().map(String::as_str))
                };
                self.error(
                    codes::UNKNOWN_PIN,
                    exec.pin.span,
                    format!("node {me} has no exec output `{}`{what}", exec.pin.value),
                );
                continue;
            }
            let Some(&t) = self.node_index.get(exec.node.value.as_str()) else {
                let known = self.file.nodes.iter().map(|n| n.id.value.as_str());
                self.error(
                    codes::MISSING_NODE,
                    exec.node.span,
                    format!(
                        "`{}` of node {me} leads to node `{}`, which does not exist{}",
                        exec.pin.value,
                        exec.node.value,
                        suggest(&exec.node.value, known)
                    ),
                );
                continue;
            };
            let Some(target) = self.sig_done(t) else { continue };
            if target.exec_inputs.is_empty() {
                let what = if target.is_pure() { "a pure node" } else { "an event" };
                self.error(
                    codes::EXEC_INTO_PURE,
                    exec.node.span,
                    format!(
                        "`{}` of node {me} leads to node {}, {what} with no exec input",
                        exec.pin.value,
                        self.describe(t)
                    ),
                );
                continue;
            }
            if let Some(input) = &exec.input {
                if !target.exec_inputs.contains(&input.value) {
                    let is_data = target.inputs.iter().any(|p| p.name == input.value);
                    let (code, why) = if is_data {
                        (codes::DATA_FROM_EXEC, "; it is a data input".to_string())
                    } else {
                        (
                            codes::MISSING_PIN,
                            suggest(&input.value, target.exec_inputs.iter().map(String::as_str)),
                        )
                    };
                    self.error(
                        code,
                        input.span,
                        format!("node {} has no exec input `{}`{why}", self.describe(t), input.value),
                    );
                }
            }
        }
    }

    fn check_binding(
        &self,
        node: &NodeDecl,
        pin: &str,
        params: &[(String, Type)],
        target: &graphrun_format::Spanned<String>,
    ) {
        let Some(&t) = self.node_index.get(target.value.as_str()) else {
            let known = self.file.nodes.iter().map(|n| n.id.value.as_str());
            self.error(
                codes::MISSING_NODE,
                target.span,
                format!(
                    "`{pin}` of node `{}` binds node `{}`, which does not exist{}",
                    node.id.value,
                    target.value,
                    suggest(&target.value, known)
                ),
            );
            return;
        };
        if self.types[t].as_ref().is_some_and(|ty| ty.role() != Role::CustomEvent) {
            self.error(
                codes::NOT_AN_EVENT,
                target.span,
                format!(
                    "`{pin}` of node `{}` binds node {}, which is not a Custom Event",
                    node.id.value,
                    self.describe(t)
                ),
            );
            return;
        }
        if let Some(declared) = &self.file.nodes[t].params {
            let declared: Vec<(String, Type)> = declared
                .iter()
                .map(|p| (p.name.value.clone(), self.registry.canonical_type(&p.ty.value)))
                .collect();
            if declared != params {
                self.error(
                    codes::EVENT_SIGNATURE,
                    target.span,
                    format!(
                        "Custom Event `{}` declares params ({}), but `{pin}` of node `{}` passes ({})",
                        target.value,
                        show_params(&declared),
                        node.id.value,
                        show_params(params)
                    ),
                );
            }
        }
    }

    fn check_event_bindings(&self) {
        for (&event, binders) in &self.bindings {
            let mut first: Option<(Params, usize, &str)> = None;
            for &(binder, pin, span) in binders {
                let Some(sig) = self.sig_done(binder) else { continue };
                let Some(InputKind::Delegate(params)) = sig.inputs.iter().find(|p| p.name == pin).map(|p| &p.kind)
                else {
                    continue;
                };
                match &first {
                    None => first = Some((params.clone(), binder, pin)),
                    Some((p0, b0, pin0)) if p0 != params => self.error(
                        codes::EVENT_BOUND_TWICE,
                        span,
                        format!(
                            "Custom Event `{}` is bound to `{pin0}` of node `{}` ({}) and to `{pin}` of node `{}` ({}), which pass different params",
                            self.file.nodes[event].id.value,
                            self.file.nodes[*b0].id.value,
                            show_params(p0),
                            self.file.nodes[binder].id.value,
                            show_params(params)
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    fn is_pure(&self, i: usize) -> bool {
        self.sig_done(i).is_some_and(|s| s.is_pure())
    }

    fn pure_sources(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.file.nodes[i]
            .inputs
            .iter()
            .filter_map(move |input| match &input.source {
                graphrun_format::Source::Link { node, .. } => self
                    .node_index
                    .get(node.value.as_str())
                    .copied()
                    .filter(|&s| self.is_pure(s)),
                _ => None,
            })
    }

    fn check_pure_cycles(&self) {
        let n = self.file.nodes.len();
        let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, n);
        for _ in 0..n {
            g.add_node(());
        }
        for i in (0..n).filter(|&i| self.is_pure(i)) {
            for s in self.pure_sources(i) {
                g.add_edge(NodeIndex::new(s), NodeIndex::new(i), ());
            }
        }
        for scc in petgraph::algo::kosaraju_scc(&g) {
            let cyclic = scc.len() > 1 || g.contains_edge(scc[0], scc[0]);
            if !cyclic {
                continue;
            }
            let mut members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
            members.sort_unstable();
            let names: Vec<String> = members
                .iter()
                .map(|&m| format!("`{}`", self.file.nodes[m].id.value))
                .collect();
            let first = &self.file.nodes[members[0]];
            self.error(
                codes::DATA_CYCLE,
                first.id.span,
                format!("pure nodes depend on each other in a cycle: {}", names.join(" -> ")),
            );
        }
    }

    fn compile(&self, source: SourceFile) -> Result<Program, Diagnostics> {
        let file = self.file;
        let n = file.nodes.len();
        let sigs: Vec<Signature> = (0..n).map(|i| self.sig_done(i).expect("checked")).collect();
        let mut out_base = Vec::with_capacity(n);
        let mut slot_count = 0u32;
        for sig in &sigs {
            out_base.push(slot_count);
            slot_count += sig.outputs.len() as u32;
        }
        let back_edges = exec_back_edges(file, &self.node_index);
        let mut nodes = Vec::with_capacity(n);
        let mut debug = Vec::with_capacity(n);
        let mut begin_play = Vec::new();
        let mut end_play = Vec::new();
        let mut events = HashMap::new();
        let mut visited = vec![usize::MAX; n];
        let mut intrinsics = Vec::with_capacity(n);
        for (i, decl) in file.nodes.iter().enumerate() {
            let sig = &sigs[i];
            let ty = self.types[i].as_ref().expect("checked");
            let cx = Compile {
                checker: self,
                node: i,
                sig,
            };
            let imp = match ty.compile(&cx) {
                Ok(imp) => imp,
                Err(e) => {
                    self.error(e.code, self.pin_span(decl, e.pin.as_deref()), e.message);
                    continue;
                }
            };
            let wired = by_name(&decl.inputs, |i| i.pin.value.as_str());
            let inputs: Box<[InputPlan]> = sig
                .inputs
                .iter()
                .map(|pin| {
                    let input = wired.get(pin.name.as_str()).map(|&k| &decl.inputs[k]);
                    self.input_plan(input, pin, &out_base, &sigs)
                })
                .collect();
            let own = out_base[i]..out_base[i] + sig.outputs.len() as u32;
            let in_place = inputs.iter().all(|input| match input {
                InputPlan::Const(_) => true,
                InputPlan::Slot { slot, conversion } => *conversion == Conversion::None && !own.contains(slot),
                InputPlan::Var { conversion, .. } => *conversion == Conversion::None,
            });
            let pure_deps = if sig.is_pure() {
                Vec::new()
            } else {
                self.pure_deps(i, &mut visited)
            };
            let exec_out = sig
                .exec_outputs
                .iter()
                .map(|name| {
                    let exec = decl.exec.iter().find(|e| &e.pin.value == name)?;
                    let t = self.node_index[exec.node.value.as_str()];
                    let pin = exec.input.as_ref().map_or(0, |p| {
                        sigs[t].exec_inputs.iter().position(|e| *e == p.value).unwrap_or(0)
                    });
                    Some(ExecTarget {
                        node: t as u32,
                        pin: pin as u32,
                        back_edge: back_edges.contains(&(i, exec.pin.value.as_str())),
                    })
                })
                .collect();
            match ty.role() {
                Role::BeginPlay => begin_play.push(i as u32),
                Role::EndPlay => end_play.push(i as u32),
                Role::CustomEvent => {
                    events.insert(decl.id.value.clone(), i as u32);
                }
                _ => {}
            }
            intrinsics.push((
                in_place.then(|| ty.intrinsic(&cx).map(|i| i.0)).flatten(),
                sig.is_pure(),
            ));
            nodes.push(NodePlan {
                imp,
                inputs,
                in_place,
                pure_deps: pure_deps.into_iter().map(|d| d as u32).collect(),
                out_base: out_base[i],
                exec_out,
            });
            debug.push(NodeDebug {
                id: decl.id.value.clone(),
                type_name: ty.name().to_string(),
                span: decl.id.span,
                input_names: sig.inputs.iter().map(|p| p.name.clone()).collect(),
                output_names: sig.outputs.iter().map(|p| p.name.clone()).collect(),
                exec_output_names: sig.exec_outputs.clone(),
                output_types: sig.outputs.iter().map(|p| p.ty.clone()).collect(),
                pure: sig.is_pure(),
            });
        }
        let diags = self.diags.take();
        if diags.iter().any(|d| d.severity == graphrun_format::Severity::Error) {
            return Err(Diagnostics::new(source, diags));
        }
        let code = crate::code::lower(
            &nodes
                .iter()
                .zip(&intrinsics)
                .map(|(plan, &(intrinsic, pure))| LowerNode {
                    inputs: &plan.inputs,
                    pure_deps: &plan.pure_deps,
                    out_base: plan.out_base,
                    intrinsic,
                    pure,
                    exec_out: &plan.exec_out,
                })
                .collect::<Vec<_>>(),
            slot_count as usize,
            self.variables.len(),
        );
        let mut is_event = vec![false; nodes.len()].into_boxed_slice();
        events.values().for_each(|&node| is_event[node as usize] = true);
        Ok(Program {
            inner: Arc::new(ProgramInner {
                code,
                registry: self.registry.clone(),
                name: file.name.value.clone(),
                warnings: Diagnostics::new(source.clone(), diags),
                source,
                nodes,
                debug,
                variables: self.variables.clone(),
                slot_count: slot_count as usize,
                begin_play,
                end_play,
                is_event,
                events,
            }),
        })
    }

    fn input_plan(
        &self,
        input: Option<&graphrun_format::InputDecl>,
        pin: &crate::node::InputPin,
        out_base: &[u32],
        sigs: &[Signature],
    ) -> InputPlan {
        use graphrun_format::Source;
        let ty = match &pin.kind {
            InputKind::Data(t) | InputKind::Literal(t) => t,
            InputKind::Delegate(_) => return InputPlan::Const(Value::Unset),
        };
        let Some(input) = input else {
            return InputPlan::Const(pin.default.clone().unwrap_or_default());
        };
        match &input.source {
            Source::Literal(lit) => InputPlan::Const(literal_value(lit, ty).unwrap_or_default()),
            Source::Link { node, pin: src_pin } => {
                let s = self.node_index[node.value.as_str()];
                let o = sigs[s].output_index(&src_pin.value).expect("checked");
                InputPlan::Slot {
                    slot: out_base[s] + o as u32,
                    conversion: Conversion::between(ty, &sigs[s].outputs[o].ty).unwrap_or(Conversion::None),
                }
            }
            Source::Var(var) => {
                let v = self.var_index[var.value.as_str()];
                InputPlan::Var {
                    var: v as u32,
                    conversion: Conversion::between(ty, &self.variables[v].ty).unwrap_or(Conversion::None),
                }
            }
            Source::Event(_) => InputPlan::Const(Value::Unset),
        }
    }

    /// The pure nodes an impure node reads, transitively, dependencies first. `visited`
    /// holds, per node, the last impure node whose list included it (reset-free marking).
    fn pure_deps(&self, root: usize, visited: &mut [usize]) -> Vec<usize> {
        let mut order = Vec::new();
        let mut stack: Vec<(usize, bool)> = self.pure_sources(root).map(|s| (s, false)).collect();
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                order.push(node);
                continue;
            }
            if visited[node] == root {
                continue;
            }
            visited[node] = root;
            stack.push((node, true));
            stack.extend(
                self.pure_sources(node)
                    .filter(|&s| visited[s] != root)
                    .map(|s| (s, false)),
            );
        }
        order
    }
}

/// The exec links that close a cycle (found by an iterative depth-first search), as
/// (node, exec output). Every endless exec loop goes through one, so the loop guard counts them.
fn exec_back_edges<'f>(
    file: &'f GraphFile,
    index: &HashMap<&str, usize>,
) -> std::collections::HashSet<(usize, &'f str)> {
    let n = file.nodes.len();
    let succ: Vec<Vec<(usize, &str)>> = file
        .nodes
        .iter()
        .map(|node| {
            node.exec
                .iter()
                .filter_map(|e| index.get(e.node.value.as_str()).map(|&t| (t, e.pin.value.as_str())))
                .collect()
        })
        .collect();
    // 0: unvisited, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    let mut back = std::collections::HashSet::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&(t, pin)) = succ[node].get(*next) {
                *next += 1;
                match state[t] {
                    0 => {
                        state[t] = 1;
                        stack.push((t, 0));
                    }
                    1 => {
                        back.insert((node, pin));
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// A delegate's params: names and types, in order.
type Params = Vec<(String, Type)>;

fn show_params(params: &[(String, Type)]) -> String {
    params
        .iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct NodeCx<'c, 'a> {
    checker: &'c Checker<'a>,
    node: usize,
}

impl SignatureCx for NodeCx<'_, '_> {
    fn input_names(&self) -> Vec<&str> {
        self.checker.file.nodes[self.node]
            .inputs
            .iter()
            .map(|i| i.pin.value.as_str())
            .collect()
    }

    fn exec_output_names(&self) -> Vec<&str> {
        self.checker.file.nodes[self.node]
            .exec
            .iter()
            .map(|e| e.pin.value.as_str())
            .collect()
    }

    fn input_type(&self, pin: &str) -> Option<Type> {
        use graphrun_format::Source;
        let c = self.checker;
        let input = c.file.nodes[self.node].inputs.iter().find(|i| i.pin.value == pin)?;
        match &input.source {
            Source::Literal(lit) => Some(literal_type(lit)),
            Source::Var(v) => c.var_index.get(v.value.as_str()).map(|&i| c.variables[i].ty.clone()),
            Source::Link { node, pin } => {
                let &s = c.node_index.get(node.value.as_str())?;
                let sig = c.signature(s)?;
                sig.outputs.iter().find(|o| o.name == pin.value).map(|o| o.ty.clone())
            }
            Source::Event(_) => None,
        }
    }

    fn literal(&self, pin: &str) -> Option<&graphrun_format::ron::Value> {
        let input = self.checker.file.nodes[self.node]
            .inputs
            .iter()
            .find(|i| i.pin.value == pin)?;
        match &input.source {
            graphrun_format::Source::Literal(lit) => Some(lit),
            _ => None,
        }
    }

    fn variable(&self) -> Option<(&str, Type)> {
        let c = self.checker;
        let var = c.file.nodes[self.node].var.as_ref()?;
        let &i = c.var_index.get(var.value.as_str())?;
        Some((c.variables[i].name.as_str(), c.variables[i].ty.clone()))
    }

    fn params(&self) -> Option<Vec<(String, Type)>> {
        let c = self.checker;
        let params = c.file.nodes[self.node].params.as_ref()?;
        Some(
            params
                .iter()
                .map(|p| {
                    let ty = c.check_type(&p.ty.value, p.ty.span).unwrap_or(Type::Json);
                    (p.name.value.clone(), ty)
                })
                .collect(),
        )
    }

    fn bound_delegate(&self) -> Option<Vec<(String, Type)>> {
        let c = self.checker;
        let binders = c.bindings.get(&self.node)?;
        binders.iter().find_map(|&(binder, pin, _)| {
            let sig = c.signature(binder)?;
            match &sig.inputs.iter().find(|p| p.name == pin)?.kind {
                InputKind::Delegate(params) => Some(params.clone()),
                _ => None,
            }
        })
    }

    fn registry(&self) -> &Registry {
        self.checker.registry
    }
}

struct Compile<'c, 'a> {
    checker: &'c Checker<'a>,
    node: usize,
    sig: &'c Signature,
}

impl CompileCx for Compile<'_, '_> {
    fn signature(&self) -> &Signature {
        self.sig
    }

    fn variable_index(&self) -> Option<usize> {
        let var = self.checker.file.nodes[self.node].var.as_ref()?;
        self.checker.var_index.get(var.value.as_str()).copied()
    }

    fn delegate(&self, pin: &str) -> Option<EventRef> {
        let input = self.checker.file.nodes[self.node]
            .inputs
            .iter()
            .find(|i| i.pin.value == pin)?;
        match &input.source {
            graphrun_format::Source::Event(target) => self
                .checker
                .node_index
                .get(target.value.as_str())
                .map(|&i| EventRef(i as u32)),
            _ => None,
        }
    }

    fn literal(&self, pin: &str) -> Option<Value> {
        let lit = NodeCx {
            checker: self.checker,
            node: self.node,
        }
        .literal(pin)?
        .clone();
        let ty = match &self.sig.inputs.iter().find(|p| p.name == pin)?.kind {
            InputKind::Data(t) | InputKind::Literal(t) => t.clone(),
            InputKind::Delegate(_) => return None,
        };
        literal_value(&lit, &ty).ok()
    }

    fn source_type(&self, pin: &str) -> Option<Type> {
        NodeCx {
            checker: self.checker,
            node: self.node,
        }
        .input_type(pin)
    }

    fn class_id(&self, class: &str) -> Option<u32> {
        let canonical = self.checker.registry.canonical_type(&Type::Object(class.into()));
        match canonical {
            Type::Object(c) => self.checker.registry.class_id(&c),
            _ => None,
        }
    }
}
