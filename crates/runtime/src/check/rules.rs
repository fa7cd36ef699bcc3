//! The rules every node, link, binding and pure cycle is checked against.

use graphrun_format::{codes, NodeDecl, Source, Type};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::names::{quoted_list, suggest};
use crate::node::{InputKind, Role};
use crate::value::{literal_value, Conversion, DUPLICATE_KEY};

use super::compile::Params;
use super::{by_name, Checker};

impl Checker<'_> {
    /// The type of a link's source pin, reporting a missing node or pin.
    pub(super) fn link_type(
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

    pub(super) fn check_node(&self, i: usize) {
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
                                    self.written_id(&src.value),
                                    src_pin.value
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

    pub(super) fn check_binding(
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

    /// A node's id as written, from its key (a body node's key is not what the file says).
    pub(super) fn written_id<'k>(&'k self, key: &'k str) -> &'k str {
        self.node_index
            .get(key)
            .map_or(key, |&i| self.file.nodes[i].id.value.as_str())
    }

    /// What a macro use wires to a typed data input must fit the input's declared type.
    pub(super) fn check_macro_pins(&self) {
        for check in &self.flat.pin_checks {
            let Some(ty) = self.check_type(&check.ty, check.span) else {
                continue;
            };
            let from = match &check.source {
                Source::Literal(lit) => match literal_value(lit, &ty) {
                    Ok(_) => continue,
                    Err((span, message)) => {
                        self.error(
                            codes::TYPE_MISMATCH,
                            span,
                            format!(
                                "type mismatch on `{}` of macro `{}`: {message}",
                                check.pin, check.macro_name
                            ),
                        );
                        continue;
                    }
                },
                Source::Link { node, pin } => {
                    let Some(sig) = self.node_index.get(node.value.as_str()).and_then(|&s| self.sig_done(s)) else {
                        continue;
                    };
                    match sig.outputs.iter().find(|o| o.name == pin.value) {
                        Some(out) => out.ty.clone(),
                        None => continue,
                    }
                }
                Source::Var(var) => match self.var_index.get(var.value.as_str()) {
                    Some(&v) => self.variables[v].ty.clone(),
                    None => continue,
                },
                Source::Event(_) => continue,
            };
            if Conversion::between(&ty, &from).is_none() {
                self.error(
                    codes::TYPE_MISMATCH,
                    check.span,
                    format!(
                        "type mismatch on `{}` of macro `{}`: it takes {ty}, and what is wired is {from}",
                        check.pin, check.macro_name
                    ),
                );
            }
        }
    }

    /// Function and macro bodies: a function has one Function Entry and holds no event and
    /// no latent node; a macro holds no event.
    pub(super) fn check_bodies(&self) {
        use super::reuse::{Scope, FUNCTION_ENTRY};
        for info in &self.flat.functions {
            let entries: Vec<usize> = info
                .nodes
                .clone()
                .filter(|&i| self.file.nodes[i].node_type.value == FUNCTION_ENTRY)
                .collect();
            match entries.as_slice() {
                [] => self.error(
                    codes::BODY,
                    info.span,
                    format!(
                        "function `{}` has no `{FUNCTION_ENTRY}` node: its body needs one to start from",
                        info.name
                    ),
                ),
                [_] => {}
                [_, second, ..] => self.error(
                    codes::BODY,
                    self.file.nodes[*second].node_type.span,
                    format!("function `{}` has more than one `{FUNCTION_ENTRY}` node", info.name),
                ),
            }
            for i in info.nodes.clone() {
                let Some(ty) = &self.types[i] else { continue };
                let node = &self.file.nodes[i];
                let event = !matches!(ty.role(), Role::Plain | Role::Variable | Role::Reroute);
                if event || ty.doc().latent {
                    let what = if event { "an event" } else { "a latent node" };
                    self.error(
                        codes::BODY,
                        node.node_type.span,
                        format!(
                            "node `{}` ({}) is {what}: a function runs to its end within one event, so it may hold neither events nor latent nodes",
                            node.id.value, node.node_type.value
                        ),
                    );
                }
            }
        }
        for (i, origin) in self.flat.origins.iter().enumerate() {
            let Scope::Macro(name) = &origin.scope else { continue };
            let Some(ty) = &self.types[i] else { continue };
            if !matches!(ty.role(), Role::Plain | Role::Variable | Role::Reroute) {
                let node = &self.file.nodes[i];
                self.error(
                    codes::BODY,
                    node.node_type.span,
                    format!(
                        "node `{}` ({}) is an event: macro `{name}` may hold latent nodes, not events",
                        node.id.value, node.node_type.value
                    ),
                );
            }
        }
    }

    /// A comment box names nodes of the graph (layout only: nothing else is checked).
    pub(super) fn check_comments(&self) {
        for comment in &self.file.comments {
            for id in &comment.nodes {
                if !self.flat.graph_ids.contains(&id.value) {
                    let known = self.flat.graph_ids.iter().map(String::as_str);
                    self.error(
                        codes::MISSING_NODE,
                        id.span,
                        format!(
                            "the comment \"{}\" surrounds node `{}`, which does not exist{}",
                            comment.text.value,
                            id.value,
                            suggest(&id.value, known)
                        ),
                    );
                }
            }
        }
    }

    pub(super) fn check_event_bindings(&self) {
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

    pub(super) fn is_pure(&self, i: usize) -> bool {
        self.sig_done(i).is_some_and(|s| s.is_pure())
    }

    pub(super) fn pure_sources(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
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

    pub(super) fn check_pure_cycles(&self) {
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
}

pub(super) fn show_params(params: &[(String, Type)]) -> String {
    params
        .iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}
