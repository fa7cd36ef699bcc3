//! Deciding each node's signature (its pins and their types, for this use in the file),
//! in dependency order, through [`SignatureCx`].

use std::cell::RefCell;
use std::rc::Rc;

use graphrun_format::{codes, NodeDecl, Span, Type};
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Checker, SigState};
use crate::names::suggest;
use crate::node::registry::Registry;
use crate::node::{InputKind, Role, Signature, SignatureCx};
use crate::value::literal_type;

impl Checker<'_> {
    /// Decides every node's signature, dependencies first so that the recursion in
    /// [`Checker::signature`] stays shallow even for long chains.
    pub(super) fn resolve_signatures(&mut self) {
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

    pub(super) fn signature(&self, i: usize) -> Option<Rc<Signature>> {
        {
            let sigs = self.sigs.borrow();
            match &sigs[i] {
                SigState::Done(sig) => return sig.clone(),
                SigState::InProgress => return None,
                SigState::Todo => {}
            }
        }
        self.sigs.borrow_mut()[i] = SigState::InProgress;
        let sig = self.compute_signature(i).map(Rc::new);
        self.sigs.borrow_mut()[i] = SigState::Done(sig.clone());
        sig
    }

    pub(super) fn compute_signature(&self, i: usize) -> Option<Signature> {
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

    pub(super) fn pin_span(&self, node: &NodeDecl, pin: Option<&str>) -> Span {
        pin.and_then(|p| node.inputs.iter().find(|i| i.pin.value == p))
            .map_or(node.node_type.span, |i| i.span)
    }

    pub(super) fn sig_done(&self, i: usize) -> Option<Rc<Signature>> {
        match &self.sigs.borrow()[i] {
            SigState::Done(sig) => sig.clone(),
            _ => None,
        }
    }

    pub(super) fn describe(&self, i: usize) -> String {
        let node = &self.file.nodes[i];
        format!("`{}` ({})", node.id.value, node.node_type.value)
    }
}

pub(super) struct NodeCx<'c, 'a> {
    pub(super) checker: &'c Checker<'a>,
    pub(super) node: usize,
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
