//! Compiling a file that checked clean into a [`Program`]: input plans, pure
//! dependencies, exec targets and the back edges the loop guard counts.

use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::{Diagnostics, GraphFile, SourceFile, Type};

use crate::node::Op;
use crate::node::{CompileCx, EventRef, InputKind, Role, Signature, SignatureCx};
use crate::plan::code::{LowerFunction, LowerNode};
use crate::plan::origin::Scope;
use crate::plan::program::{CallKind, ExecTarget, FunctionPlan, InputPlan, NodeDebug, NodePlan, Program, ProgramInner};
use crate::value::{literal_value, Conversion, Value};

use super::signatures::NodeCx;
use super::{by_name, Checker};

/// A reroute knot's input pin.
const KNOT_IN: &str = "In";
/// A reroute knot's output pin (its exec output, on an exec wire).
const KNOT_OUT: &str = "Out";

impl Checker<'_> {
    pub(super) fn compile(&self, source: SourceFile, options: super::Options) -> Result<Program, Diagnostics> {
        let fuse = options.fuse;
        let use_intrinsics = options.intrinsics;
        let file = self.file;
        let n = file.nodes.len();
        let sigs: Vec<std::rc::Rc<Signature>> = (0..n).map(|i| self.sig_done(i).expect("checked")).collect();
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
        let mut events = crate::plan::program::EventMap::default();
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
                    // A value through reroute knots is read where the first knot reads it.
                    let input = wired
                        .get(pin.name.as_str())
                        .map(|&k| self.through_knots(&decl.inputs[k]));
                    self.input_plan(input, pin, &out_base, &sigs)
                })
                .collect();
            let own = out_base[i]..out_base[i] + sig.outputs.len() as u32;
            let in_place = inputs.iter().all(|input| match input {
                InputPlan::Const(_) => true,
                InputPlan::Slot { slot, conversion } => *conversion == Conversion::None && !own.contains(slot),
                InputPlan::Var { conversion, .. } => *conversion == Conversion::None,
                // Moved, so gathered.
                InputPlan::TakeVar { .. } => false,
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
                    let mut exec = decl.exec.iter().find(|e| &e.pin.value == name)?;
                    let mut back_edge = back_edges.contains(&(i, exec.pin.value.as_str()));
                    let mut t = self.node_index[exec.node.value.as_str()];
                    // An exec wire through reroute knots goes where the last knot's Out
                    // goes (nowhere: the chain ends), a back edge if any wire on the way is.
                    for _ in 0..n {
                        if !self.is_knot(t) {
                            break;
                        }
                        exec = file.nodes[t].exec.iter().find(|e| e.pin.value == KNOT_OUT)?;
                        back_edge |= back_edges.contains(&(t, KNOT_OUT));
                        t = self.node_index[exec.node.value.as_str()];
                    }
                    let pin = exec.input.as_ref().map_or(0, |p| {
                        sigs[t].exec_inputs.iter().position(|e| *e == p.value).unwrap_or(0)
                    });
                    Some(ExecTarget {
                        node: t as u32,
                        pin: pin as u32,
                        back_edge,
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
            // A call and a return are the chain's to run; the hot nodes are instructions
            // where they read their inputs in place.
            let intrinsic = ty.intrinsic(&cx).map(|i| i.0);
            let call = match intrinsic {
                Some(Op::Call(f)) => Some(CallKind::Function(f)),
                Some(Op::Return) => Some(CallKind::Return),
                _ => None,
            };
            let intrinsic =
                intrinsic.filter(|op| (in_place && use_intrinsics) || matches!(op, Op::Call(_) | Op::Return));
            intrinsics.push((
                intrinsic,
                sig.is_pure(),
                ty.updates().filter(|_| sig.is_pure()),
                decl.var.is_some(),
            ));
            nodes.push(NodePlan {
                imp,
                inputs,
                in_place,
                pure_deps: pure_deps.into_iter().map(|d| d as u32).collect(),
                out_base: out_base[i],
                exec_out,
                call,
            });
            debug.push(NodeDebug {
                origin: self.flat.origins[i].clone(),
                id: decl.id.value.clone(),
                type_name: ty.name().to_string(),
                span: decl.id.span,
                input_names: sig.inputs.iter().map(|p| p.name.clone()).collect(),
                output_names: sig.outputs.iter().map(|p| p.name.clone()).collect(),
                exec_output_names: sig.exec_outputs.clone(),
                output_types: sig.outputs.iter().map(|p| p.ty.clone()).collect(),
                pure: sig.is_pure(),
                writes_variable: decl.var.is_some() && !sig.is_pure(),
            });
        }
        self.unreached(&nodes, &debug);
        let diags = self.diags.take();
        if diags.iter().any(|d| d.severity == graphrun_format::Severity::Error) {
            return Err(Diagnostics::new(source, diags));
        }
        // Each function's Function Entry.
        let entries: Vec<u32> = self
            .flat
            .functions
            .iter()
            .map(|info| {
                info.nodes
                    .clone()
                    .find(|&i| file.nodes[i].node_type.value == super::reuse::FUNCTION_ENTRY)
                    .expect("checked: one Function Entry") as u32
            })
            .collect();
        // An impure call goes into its function's body through a hidden exec output 1,
        // which leads where the Function Entry does (see `exec/calls.rs`).
        for i in 0..nodes.len() {
            let Some(CallKind::Function(f)) = nodes[i].call else {
                continue;
            };
            if debug[i].pure {
                continue;
            }
            let body = nodes[entries[f as usize] as usize].exec_out.first().copied().flatten();
            let mut exec_out = nodes[i].exec_out.to_vec();
            exec_out.push(body);
            nodes[i].exec_out = exec_out.into();
            debug[i].exec_output_names.push("(body)".to_string());
        }
        let functions: Vec<LowerFunction> = entries.iter().map(|&entry| LowerFunction { entry }).collect();
        let code = crate::plan::code::lower(
            &nodes
                .iter()
                .zip(&intrinsics)
                .map(|(plan, &(intrinsic, pure, updates, names_variable))| LowerNode {
                    inputs: &plan.inputs,
                    pure_deps: &plan.pure_deps,
                    out_base: plan.out_base,
                    intrinsic,
                    pure,
                    exec_out: &plan.exec_out,
                    updates,
                    names_variable,
                })
                .collect::<Vec<_>>(),
            &functions,
            slot_count as usize,
            self.variables.len(),
            fuse,
        );
        // What the lowering moves rather than copies (`Set X = Array Add(X, v)`).
        for &(node, input) in code.takes.iter() {
            let plan = &mut nodes[node as usize];
            if let InputPlan::Var { var, .. } = plan.inputs[input as usize] {
                plan.inputs[input as usize] = InputPlan::TakeVar { var };
                plan.in_place = false;
            }
        }
        let functions = self
            .flat
            .functions
            .iter()
            .enumerate()
            .map(|(f, info)| {
                let slot = |i: usize| out_base.get(i).copied().unwrap_or(slot_count);
                FunctionPlan {
                    name: info.name.clone(),
                    entry: entries[f],
                    slots: slot(info.nodes.start)..slot(info.nodes.end),
                    locals: info.locals.start as u32..info.locals.end as u32,
                    zeros: self.function_pins[f]
                        .outputs
                        .iter()
                        .map(|(_, ty)| Value::zero(ty))
                        .collect(),
                }
            })
            .collect();
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
                functions,
                graph_vars: self.flat.graph_vars,
                own_nodes: self.own_nodes(),
                pictures: if options.pictures { self.pictures() } else { Vec::new() },
            }),
        })
    }

    /// The event graph and each function's body as written, for drawing.
    pub(super) fn pictures(&self) -> Vec<(Option<String>, crate::picture::Picture)> {
        use crate::node::InputKind;
        use crate::picture::{picture, CommentBox, Pins};
        let source = &self.flat.source;
        let text = |span: graphrun_format::Span| {
            let (file, local) = source.resolve(span);
            file.text()
                .get(local.start as usize..local.end as usize)
                .unwrap_or_default()
                .to_string()
        };
        let mut pictures = Vec::new();
        use crate::check::reuse::{Scope, MACRO_INPUTS, MACRO_OUTPUTS};
        for written in &self.flat.written {
            let (function, nodes) = (&written.name, &written.nodes);
            let prefix = function.as_ref().map(|f| format!(".{f}.")).unwrap_or_default();
            // A macro's body node: its first expansion's (every macro has one, an unused
            // macro a use of its own).
            let expanded: HashMap<&str, usize> = match function {
                Some(name) if written.is_macro => (0..self.flat.origins.len())
                    .rev()
                    .filter(|&i| matches!(&self.flat.origins[i].scope, Scope::Macro(m) if m == name))
                    .map(|i| (self.flat.file.nodes[i].id.value.as_str(), i))
                    .collect(),
                _ => HashMap::new(),
            };
            let pins = |decl: &graphrun_format::NodeDecl| -> Option<Pins> {
                // A macro use has the macro's pins; in a macro's body, its inputs node has
                // them as outputs, its outputs node as inputs.
                let this_macro = || {
                    let name = function.as_deref().filter(|_| written.is_macro)?;
                    self.flat.macros.iter().find(|m| m.name == name)
                };
                let ends = match decl.node_type.value.as_str() {
                    MACRO_INPUTS => this_macro().map(|m| (&[][..], &m.inputs[..])),
                    MACRO_OUTPUTS => this_macro().map(|m| (&m.outputs[..], &[][..])),
                    _ => self
                        .flat
                        .macros
                        .iter()
                        .find(|m| m.name == decl.node_type.value)
                        .map(|m| (&m.inputs[..], &m.outputs[..])),
                };
                if let Some((inputs, outputs)) = ends {
                    let (mut pins, data) = (Pins::default(), |p: &graphrun_format::PinDecl| {
                        p.ty.clone().map(|t| (p.name.value.clone(), t))
                    });
                    for p in inputs {
                        match data(p) {
                            Some(pin) => pins.inputs.push(pin),
                            None => pins.exec_inputs.push(p.name.value.clone()),
                        }
                    }
                    for p in outputs {
                        match data(p) {
                            Some(pin) => pins.outputs.push(pin),
                            None => pins.exec_outputs.push(p.name.value.clone()),
                        }
                    }
                    return Some(pins);
                }
                let i = if written.is_macro {
                    *expanded.get(decl.id.value.as_str())?
                } else {
                    *self.node_index.get(format!("{prefix}{}", decl.id.value).as_str())?
                };
                let sig = self.sig_done(i)?;
                let bindable = self.types[i]
                    .as_ref()
                    .is_some_and(|t| t.role() == crate::node::Role::CustomEvent);
                Some(Pins {
                    bindable,
                    knot: self.is_knot(i),
                    exec_inputs: sig.exec_inputs.clone(),
                    exec_outputs: sig.exec_outputs.clone(),
                    inputs: sig
                        .inputs
                        .iter()
                        .map(|p| {
                            let ty = match &p.kind {
                                InputKind::Data(t) | InputKind::Literal(t) => t.clone(),
                                InputKind::Delegate(_) => crate::picture::delegate_type(),
                            };
                            (p.name.clone(), ty)
                        })
                        .collect(),
                    outputs: sig.outputs.iter().map(|p| (p.name.clone(), p.ty.clone())).collect(),
                })
            };
            let mut drawn = picture(nodes, pins, text);
            if function.is_none() {
                drawn.comments = self
                    .file
                    .comments
                    .iter()
                    .map(|c| CommentBox {
                        text: c.text.value.clone(),
                        nodes: c
                            .nodes
                            .iter()
                            .filter_map(|id| self.flat.graph_ids.iter().position(|n| *n == id.value))
                            .collect(),
                        color: c.color.as_ref().map(|c| c.value.clone()),
                    })
                    .collect();
            }
            pictures.push((function.clone(), drawn));
        }
        pictures
    }

    /// The file's functions and macros as node listings show them.
    fn own_nodes(&self) -> Vec<(String, crate::node::NodeDoc)> {
        let mut own: Vec<(String, crate::node::NodeDoc)> = self
            .flat
            .functions
            .iter()
            .filter_map(|f| Some((f.name.clone(), self.calls.get(f.name.as_str())?.doc())))
            .collect();
        for m in &self.flat.macros {
            let what = format!(
                "A macro: each use is a copy of its body (defined at {}).",
                self.flat.source.location(m.span)
            );
            let mut doc = crate::node::NodeDoc::new("Macros", &what);
            for (pins, input) in [(&m.inputs, true), (&m.outputs, false)] {
                for pin in pins {
                    match (&pin.ty, input) {
                        (None, true) => doc.exec_inputs.push(pin.name.value.clone()),
                        (None, false) => doc.exec_outputs.push(pin.name.value.clone()),
                        (Some(ty), true) => doc.inputs.push((pin.name.value.clone(), ty.to_string())),
                        (Some(ty), false) => doc.outputs.push((pin.name.value.clone(), ty.to_string())),
                    }
                }
            }
            own.push((m.name.clone(), doc));
        }
        own
    }

    pub(super) fn input_plan(
        &self,
        input: Option<&graphrun_format::InputDecl>,
        pin: &crate::node::InputPin,
        out_base: &[u32],
        sigs: &[std::rc::Rc<Signature>],
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

    /// Whether node `i` is a reroute knot (the program wires around it).
    pub(super) fn is_knot(&self, i: usize) -> bool {
        self.types[i].as_ref().is_some_and(|t| t.role() == Role::Reroute)
    }

    /// What feeds `input`, past any reroute knots it is wired through: the input of the
    /// first knot on the way that is not wired from another knot.
    fn through_knots<'f>(&'f self, mut input: &'f graphrun_format::InputDecl) -> &'f graphrun_format::InputDecl {
        for _ in 0..self.file.nodes.len() {
            let graphrun_format::Source::Link { node, .. } = &input.source else {
                break;
            };
            let Some(&s) = self.node_index.get(node.value.as_str()) else {
                break;
            };
            if !self.is_knot(s) {
                break;
            }
            let Some(inner) = self.file.nodes[s].inputs.iter().find(|i| i.pin.value == KNOT_IN) else {
                break;
            };
            input = inner;
        }
        input
    }

    /// The pure nodes an impure node reads, transitively, dependencies first (reroute
    /// knots are passed through, never run). `visited` holds, per node, the last impure
    /// node whose list included it (reset-free marking).
    pub(super) fn pure_deps(&self, root: usize, visited: &mut [usize]) -> Vec<usize> {
        let mut order = Vec::new();
        let mut stack: Vec<(usize, bool)> = self.pure_sources(root).map(|s| (s, false)).collect();
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                if !self.is_knot(node) {
                    order.push(node);
                }
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
pub(super) fn exec_back_edges<'f>(
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
pub(super) type Params = Vec<(String, Type)>;

pub(super) struct Compile<'c, 'a> {
    pub(super) checker: &'c Checker<'a>,
    pub(super) node: usize,
    pub(super) sig: &'c Signature,
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

impl Checker<'_> {
    /// Warns of each impure node of the graph or a function that no exec link leads to and
    /// that starts no chain itself (an event, a Function Entry): it never runs (W0002).
    /// Macro bodies are left out: a use may wire them on.
    fn unreached(&self, nodes: &[NodePlan], debug: &[NodeDebug]) {
        if nodes.len() != self.types.len() {
            // A node failed to compile: its error says enough.
            return;
        }
        let mut entered = vec![false; nodes.len()];
        for target in nodes.iter().flat_map(|plan| plan.exec_out.iter().flatten()) {
            entered[target.node as usize] = true;
        }
        for (i, d) in debug.iter().enumerate() {
            let starts = self.types[i].as_ref().is_some_and(|ty| ty.role() != Role::Plain)
                || d.type_name == super::reuse::FUNCTION_ENTRY;
            let written = matches!(d.origin.scope, Scope::Graph | Scope::Function(_)) && d.origin.uses.is_empty();
            if d.pure || entered[i] || starts || !written {
                continue;
            }
            self.warn(
                graphrun_format::codes::UNREACHED,
                d.span,
                format!("node `{}` ({}) never runs: no exec link leads to it", d.id, d.type_name),
            );
        }
    }
}
