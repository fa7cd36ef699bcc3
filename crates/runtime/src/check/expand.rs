//! Macro uses, expanded: each use becomes a copy of its macro's body in a scope of its
//! own, wired in place of the use. While scopes are being expanded, a reference to a node
//! of scope S is written `\u{1}S\u{1}ID`; once every scope is expanded, each is resolved
//! to a key, or through a use's pins to what they lead to (exec links may go round
//! through macro pins, so they cannot be resolved in one pass).

use std::collections::{HashMap, HashSet};

use graphrun_format::{codes, Diagnostic, ExecDecl, MacroDecl, NodeDecl, PinDecl, Source, Span, Spanned, VariableDecl};

use super::flat::{Origin, PinCheck, Scope, Site, Uses, MACRO_INPUTS, MACRO_OUTPUTS};
use crate::names::suggest;

/// How a scope's references resolve: to a node's key, or through a macro use's pins.
pub(super) enum Target {
    Node(String),
    /// A macro use: its exec inputs lead to these body references (`None`: nowhere), its
    /// data outputs read these body sources; `exec_inputs` are the exec inputs its macro
    /// declares, the first entered by a plain link.
    Use {
        exec_in: HashMap<String, Option<(String, Option<String>)>>,
        exec_inputs: Vec<String>,
        data_out: HashMap<String, Option<Source>>,
        name: String,
    },
    /// The Macro Inputs of a use's body: its data outputs are the use's inputs.
    Inputs {
        data: HashMap<String, (Source, Span)>,
        /// The macro's data inputs.
        declared: Vec<String>,
        macro_name: String,
        use_id: String,
        use_span: Span,
    },
    /// The Macro Outputs of a use's body: its exec inputs are the use's exec outputs.
    Outputs {
        exec: HashMap<String, (String, Option<String>)>,
        /// The macro's exec outputs.
        declared: Vec<String>,
        macro_name: String,
    },
    /// A use that could not be expanded (its error is reported): references to it vanish.
    Broken,
}

#[derive(Clone)]
pub(super) struct Ctx {
    /// The key prefix of this scope's nodes and locals.
    pub(super) prefix: String,
    /// Locals: name as written → key.
    pub(super) locals: HashMap<String, String>,
    /// Whether the graph's variables can be read here (not in a library).
    pub(super) graph_vars: bool,
    pub(super) library: bool,
    pub(super) scope: Scope,
    pub(super) uses: Uses,
}

pub(super) struct Expander<'m, 'd> {
    pub(super) macros: &'m HashMap<&'m str, (&'m MacroDecl, bool)>,
    pub(super) diags: &'d mut Vec<Diagnostic>,
    pub(super) nodes: Vec<NodeDecl>,
    pub(super) keys: Vec<String>,
    pub(super) origins: Vec<Origin>,
    pub(super) variables: Vec<VariableDecl>,
    pub(super) var_keys: Vec<String>,
    pub(super) graph_var_names: HashSet<String>,
    /// Each scope's references.
    pub(super) scopes: Vec<HashMap<String, Target>>,
    /// The macros being expanded, outermost first (a macro using itself is refused).
    pub(super) expanding: Vec<String>,
    /// The same names, to ask in constant time (a chain of macros thousands deep).
    pub(super) expanding_names: HashSet<String>,
    /// What uses wire to their macros' typed data inputs (marked until resolved).
    pub(super) pin_checks: Vec<PinCheck>,
    /// The macros used somewhere (the others are checked through a use of their own).
    pub(super) used: HashSet<String>,
    /// How many nodes each macro expands to, as far as known ([`Expander::expanded_size`]).
    pub(super) sizes: HashMap<String, u64>,
    /// A use went over [`MAX_EXPANDED_NODES`] (reported): no more uses are expanded.
    pub(super) exhausted: bool,
    /// The most steps a reference may take through macro pins before it is a cycle.
    pub(super) hops: usize,
}

/// The most nodes a graph's macro uses may expand to, in all: a load error past it, found
/// from the macros' sizes before anything is expanded.
pub(crate) const MAX_EXPANDED_NODES: u64 = 1_000_000;

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const MARK: char = '\u{1}';

fn mark(scope: usize, id: &str) -> String {
    format!("{MARK}{scope}{MARK}{id}")
}

fn unmark(reference: &str) -> Option<(usize, &str)> {
    let rest = reference.strip_prefix(MARK)?;
    let (scope, id) = rest.split_once(MARK)?;
    Some((scope.parse().ok()?, id))
}

impl Expander<'_, '_> {
    fn error(&mut self, code: &'static str, span: Span, message: String) {
        self.diags.push(Diagnostic::error(code, span, message));
    }

    /// Adds `locals` as variables under `prefix`; their range and their keys by name.
    pub(super) fn locals(
        &mut self,
        locals: &[VariableDecl],
        prefix: &str,
        library: bool,
    ) -> (std::ops::Range<usize>, HashMap<String, String>) {
        let start = self.variables.len();
        let mut keys = HashMap::new();
        for local in locals {
            if !library && self.graph_var_names.contains(&local.name.value) {
                self.error(
                    codes::DUPLICATE,
                    local.name.span,
                    format!(
                        "local `{}` has the name of a graph variable; give it another",
                        local.name.value
                    ),
                );
            }
            let key = format!("{prefix}{}", local.name.value);
            keys.insert(local.name.value.clone(), key.clone());
            self.variables.push(local.clone());
            self.var_keys.push(key);
        }
        (start..self.variables.len(), keys)
    }

    /// Adds a scope's nodes (expanding its macro uses); references stay marked until
    /// [`Expander::resolve_all`].
    pub(super) fn scope(&mut self, nodes: &[NodeDecl], ctx: Ctx) -> usize {
        let s = self.scopes.len();
        self.scopes.push(HashMap::new());
        for node in nodes {
            if let Some(&(mac, library)) = self.macros.get(node.node_type.value.as_str()) {
                let target = self.expand(node, mac, library, s, &ctx);
                self.scopes[s].insert(node.id.value.clone(), target);
                continue;
            }
            let key = format!("{}{}", ctx.prefix, node.id.value);
            let mut decl = node.clone();
            self.mark_refs(&mut decl, s, &ctx);
            self.scopes[s].insert(node.id.value.clone(), Target::Node(key.clone()));
            self.nodes.push(decl);
            self.keys.push(key);
            self.origins.push(Origin {
                scope: ctx.scope.clone(),
                uses: ctx.uses.clone(),
            });
        }
        s
    }

    /// Marks a node's references as scope `s`'s, and points its variables at their keys.
    fn mark_refs(&mut self, decl: &mut NodeDecl, s: usize, ctx: &Ctx) {
        for exec in &mut decl.exec {
            exec.node.value = mark(s, &exec.node.value);
        }
        for input in &mut decl.inputs {
            match &mut input.source {
                Source::Link { node, .. } | Source::Event(node) => node.value = mark(s, &node.value),
                Source::Var(var) => self.variable(var, ctx),
                Source::Literal(_) => {}
            }
        }
        if let Some(var) = &mut decl.var {
            self.variable(var, ctx);
        }
    }

    fn variable(&mut self, var: &mut Spanned<String>, ctx: &Ctx) {
        if let Some(key) = ctx.locals.get(&var.value) {
            var.value = key.clone();
        } else if ctx.library || !ctx.graph_vars {
            let known = ctx.locals.keys().map(String::as_str);
            self.error(
                codes::UNKNOWN_VARIABLE,
                var.span,
                format!(
                    "`{}` is not a local; a library's functions and macros may use only their locals{}",
                    var.value,
                    suggest(&var.value, known)
                ),
            );
        }
    }

    /// Expands a use of macro `mac` (in scope `s`): its body's nodes join the list as
    /// nodes of a scope of their own. Returns how the use's pins resolve.
    fn expand(&mut self, use_node: &NodeDecl, mac: &MacroDecl, library: bool, s: usize, ctx: &Ctx) -> Target {
        let name = mac.name.value.clone();
        self.used.insert(name.clone());
        let at = match self.expanding_names.contains(&name) {
            true => self.expanding.iter().position(|m| *m == name),
            false => None,
        };
        if let Some(at) = at {
            let mut cycle = self.expanding[at..].to_vec();
            cycle.push(name.clone());
            self.error(
                codes::MACRO_CYCLE,
                use_node.node_type.span,
                format!("macro `{name}` uses itself: {}", cycle.join(" → ")),
            );
            return Target::Broken;
        }
        if self.exhausted {
            return Target::Broken;
        }
        let size = self.expanded_size(&name);
        if self.nodes.len() as u64 + size > MAX_EXPANDED_NODES {
            self.exhausted = true;
            let chain = self.largest_uses(&name);
            self.error(
                codes::BODY,
                use_node.node_type.span,
                format!(
                    "macro `{name}` expands to {} nodes, over the {} a graph may expand to: {chain}",
                    thousands(size),
                    thousands(MAX_EXPANDED_NODES)
                ),
            );
            return Target::Broken;
        }
        self.check_use_pins(use_node, mac);
        // A key prefix of its own, as short at any depth (the body's scope number; ids never
        // hold `.`, so no key of a node written in the graph or a function can be it): a
        // prefix naming the uses around it grew with the depth, quadratic in all.
        let prefix = format!("\u{3}{}.", self.scopes.len());
        let (_, locals) = self.locals(&mac.locals, &prefix, library);
        let site = Site {
            id: use_node.id.value.clone(),
            type_name: name.clone(),
            span: use_node.id.span,
            scope: ctx.scope.clone(),
        };
        let uses = ctx.uses.within(site);
        let body_ctx = Ctx {
            prefix,
            locals,
            graph_vars: ctx.graph_vars && !library,
            library,
            scope: Scope::Macro(name.clone()),
            uses,
        };
        // The body's pins: Macro Inputs and Macro Outputs, one of each.
        let inputs: Vec<&NodeDecl> = mac.nodes.iter().filter(|n| n.node_type.value == MACRO_INPUTS).collect();
        let outputs: Vec<&NodeDecl> = mac
            .nodes
            .iter()
            .filter(|n| n.node_type.value == MACRO_OUTPUTS)
            .collect();
        for (list, what) in [(&inputs, MACRO_INPUTS), (&outputs, MACRO_OUTPUTS)] {
            if list.len() > 1 {
                self.error(
                    codes::BODY,
                    list[1].node_type.span,
                    format!("macro `{name}` has more than one `{what}` node"),
                );
            }
        }
        if inputs.is_empty() {
            self.error(
                codes::BODY,
                mac.name.span,
                format!("macro `{name}` has no `{MACRO_INPUTS}` node"),
            );
        }
        let body: Vec<NodeDecl> = mac
            .nodes
            .iter()
            .filter(|n| !matches!(n.node_type.value.as_str(), MACRO_INPUTS | MACRO_OUTPUTS))
            .cloned()
            .collect();
        self.expanding.push(name.clone());
        self.expanding_names.insert(name.clone());
        // Macros may nest thousands deep: grow the stack rather than overflow it.
        let b = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.scope(&body, body_ctx.clone()));
        self.expanding.pop();
        self.expanding_names.remove(&name);
        // The use's wiring, as the body sees it (marked as references of the use's scope).
        let mut use_decl = use_node.clone();
        let outer = Ctx {
            prefix: ctx.prefix.clone(),
            locals: ctx.locals.clone(),
            graph_vars: ctx.graph_vars,
            library: ctx.library,
            scope: ctx.scope.clone(),
            uses: Uses::none(),
        };
        self.mark_refs(&mut use_decl, s, &outer);
        for input in &use_decl.inputs {
            let declared = mac.inputs.iter().find(|p| p.name.value == input.pin.value);
            if let Some(ty) = declared.and_then(|p| p.ty.clone()) {
                self.pin_checks.push(PinCheck {
                    source: input.source.clone(),
                    ty,
                    span: input.span,
                    pin: input.pin.value.clone(),
                    macro_name: name.clone(),
                });
            }
        }
        let data: HashMap<String, (Source, Span)> = use_decl
            .inputs
            .iter()
            .map(|i| (i.pin.value.clone(), (i.source.clone(), i.span)))
            .collect();
        let exec: HashMap<String, (String, Option<String>)> = use_decl
            .exec
            .iter()
            .map(|e| {
                let input = e.input.as_ref().map(|i| i.value.clone());
                (e.pin.value.clone(), (e.node.value.clone(), input))
            })
            .collect();
        let marked = |e: &ExecDecl| (mark(b, &e.node.value), e.input.as_ref().map(|i| i.value.clone()));
        let exec_in = match inputs.first() {
            Some(node) => node
                .exec
                .iter()
                .map(|e| (e.pin.value.clone(), Some(marked(e))))
                .collect(),
            None => HashMap::new(),
        };
        let data_out = match outputs.first() {
            Some(node) => node
                .inputs
                .iter()
                .map(|i| {
                    let mut source = i.source.clone();
                    if let Source::Link { node, .. } = &mut source {
                        node.value = mark(b, &node.value);
                    }
                    if let Source::Var(var) = &mut source {
                        self.variable(var, &body_ctx);
                    }
                    (i.pin.value.clone(), Some(source))
                })
                .collect(),
            None => HashMap::new(),
        };
        let declared = |pins: &[PinDecl], exec: bool| -> Vec<String> {
            pins.iter()
                .filter(|p| p.ty.is_none() == exec)
                .map(|p| p.name.value.clone())
                .collect()
        };
        // The pins' nodes may use only the pins the macro declares.
        if let Some(node) = inputs.first() {
            for e in &node.exec {
                if !declared(&mac.inputs, true).contains(&e.pin.value) {
                    let message = format!(
                        "macro `{name}` has no exec input `{}` for its `{MACRO_INPUTS}` to go on from",
                        e.pin.value
                    );
                    self.error(codes::UNKNOWN_PIN, e.pin.span, message);
                }
            }
        }
        if let Some(node) = outputs.first() {
            for i in &node.inputs {
                if !declared(&mac.outputs, false).contains(&i.pin.value) {
                    let message = format!(
                        "macro `{name}` has no data output `{}` for its `{MACRO_OUTPUTS}` to set",
                        i.pin.value
                    );
                    self.error(codes::UNKNOWN_PIN, i.pin.span, message);
                }
            }
        }
        if let Some(node) = inputs.first() {
            self.scopes[b].insert(
                node.id.value.clone(),
                Target::Inputs {
                    data,
                    declared: declared(&mac.inputs, false),
                    macro_name: name.clone(),
                    use_id: use_node.id.value.clone(),
                    use_span: use_node.id.span,
                },
            );
        }
        if let Some(node) = outputs.first() {
            self.scopes[b].insert(
                node.id.value.clone(),
                Target::Outputs {
                    exec,
                    declared: declared(&mac.outputs, true),
                    macro_name: name.clone(),
                },
            );
        }
        Target::Use {
            exec_in,
            exec_inputs: mac
                .inputs
                .iter()
                .filter(|p| p.ty.is_none())
                .map(|p| p.name.value.clone())
                .collect(),
            data_out,
            name,
        }
    }

    /// A use wires only pins its macro has.
    /// How many nodes a use of macro `name` adds: its body's nodes, each use in it counted
    /// as what that macro adds (saturating; a macro in a cycle counts as nothing, the cycle
    /// is reported where it is expanded). Memoized, so a file is sized in one pass over its
    /// macros however much they multiply.
    fn expanded_size(&mut self, name: &str) -> u64 {
        if let Some(&size) = self.sizes.get(name) {
            return size;
        }
        // In progress: a cycle.
        self.sizes.insert(name.to_string(), 0);
        let Some(&(mac, _)) = self.macros.get(name) else {
            return 0;
        };
        let mut size = 0u64;
        for node in &mac.nodes {
            let ty = node.node_type.value.as_str();
            let own = if matches!(ty, MACRO_INPUTS | MACRO_OUTPUTS) {
                0
            } else if self.macros.contains_key(ty) {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expanded_size(ty))
            } else {
                1
            };
            size = size.saturating_add(own);
        }
        self.sizes.insert(name.to_string(), size);
        size
    }

    /// The uses that make macro `name` large, for its error: each level's largest use and
    /// how many times it is used, down to a macro of plain nodes (at most eight levels).
    fn largest_uses(&mut self, name: &str) -> String {
        let mut parts = Vec::new();
        let mut at = name.to_string();
        for _ in 0..8 {
            let Some(&(mac, _)) = self.macros.get(at.as_str()) else {
                break;
            };
            let mut counts: Vec<(String, u64)> = Vec::new();
            for node in &mac.nodes {
                let ty = node.node_type.value.clone();
                if self.macros.contains_key(ty.as_str()) {
                    match counts.iter_mut().find(|(t, _)| *t == ty) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((ty, 1)),
                    }
                }
            }
            let Some((next, times)) = counts
                .into_iter()
                .max_by_key(|(t, n)| self.sizes.get(t).copied().unwrap_or(0).saturating_mul(*n))
            else {
                break;
            };
            parts.push(format!("`{at}` uses `{next}` {times}×"));
            at = next;
        }
        parts.join(", ")
    }

    fn check_use_pins(&mut self, use_node: &NodeDecl, mac: &MacroDecl) {
        let has = |pins: &[PinDecl], name: &str, exec: bool| {
            pins.iter().any(|p| p.name.value == name && p.ty.is_none() == exec)
        };
        let names = |pins: &[PinDecl], exec: bool| -> Vec<String> {
            pins.iter()
                .filter(|p| p.ty.is_none() == exec)
                .map(|p| format!("`{}`", p.name.value))
                .collect()
        };
        for input in &use_node.inputs {
            if !has(&mac.inputs, &input.pin.value, false) {
                let message = format!(
                    "macro `{}` has no data input `{}` (it has {})",
                    mac.name.value,
                    input.pin.value,
                    list(names(&mac.inputs, false))
                );
                self.error(codes::UNKNOWN_PIN, input.pin.span, message);
            }
        }
        for exec in &use_node.exec {
            if !has(&mac.outputs, &exec.pin.value, true) {
                let message = format!(
                    "macro `{}` has no exec output `{}` (it has {})",
                    mac.name.value,
                    exec.pin.value,
                    list(names(&mac.outputs, true))
                );
                self.error(codes::UNKNOWN_PIN, exec.pin.span, message);
            }
        }
    }

    /// Resolves every marked reference to a key (or, for a data link through a macro's
    /// pins, to what feeds that pin).
    pub(super) fn resolve_all(&mut self) {
        // A path through macro pins that is not a cycle passes each use at most once.
        self.hops = self.scopes.iter().map(HashMap::len).sum::<usize>() + 2;
        let mut nodes = std::mem::take(&mut self.nodes);
        for node in &mut nodes {
            let mut exec = Vec::with_capacity(node.exec.len());
            for mut e in std::mem::take(&mut node.exec) {
                let input = e.input.as_ref().map(|i| i.value.clone());
                if let Some((key, input)) = self.resolve_exec(&e.node.value, input, e.node.span) {
                    e.node.value = key;
                    e.input = input.map(|i| Spanned::new(i, e.input.as_ref().map_or(e.node.span, |i| i.span)));
                    exec.push(e);
                }
            }
            node.exec = exec;
            let mut inputs = Vec::with_capacity(node.inputs.len());
            for mut input in std::mem::take(&mut node.inputs) {
                let mut at = input.span;
                if let Some(source) = self.resolve_source(input.source.clone(), input.span, &mut at) {
                    input.source = source;
                    input.span = at;
                    inputs.push(input);
                }
            }
            node.inputs = inputs;
        }
        self.nodes = nodes;
        let mut checks = std::mem::take(&mut self.pin_checks);
        checks.retain_mut(|check| {
            match self.resolve_source(check.source.clone(), check.span, &mut check.span.clone()) {
                Some(source) => {
                    check.source = source;
                    true
                }
                None => false,
            }
        });
        self.pin_checks = checks;
    }

    /// Where an exec link to `reference` (entering exec input `input`) leads; `None`:
    /// nowhere (a macro pin that is not wired on).
    fn resolve_exec(
        &mut self,
        reference: &str,
        mut input: Option<String>,
        span: Span,
    ) -> Option<(String, Option<String>)> {
        let mut reference = reference.to_string();
        for _ in 0..self.hops.max(2) {
            let Some((s, id)) = unmark(&reference) else {
                return Some((reference, input));
            };
            let (s, id) = (s, id.to_string());
            match self.scopes[s].get(&id) {
                None => return Some((id, input)),
                Some(Target::Node(key)) => return Some((key.clone(), input)),
                Some(Target::Broken) => return None,
                Some(Target::Use {
                    exec_in,
                    exec_inputs,
                    name,
                    ..
                }) => {
                    let pin = match input.take().or_else(|| exec_inputs.first().cloned()) {
                        Some(pin) => pin,
                        None => {
                            let message = format!("macro `{name}` has no exec input, so `{id}` cannot be entered");
                            self.error(codes::MISSING_PIN, span, message);
                            return None;
                        }
                    };
                    match exec_in.get(&pin) {
                        Some(Some((next, next_input))) => {
                            input = next_input.clone();
                            reference = next.clone();
                        }
                        Some(None) | None => {
                            // A declared exec input the body does not wire on leads nowhere.
                            if !exec_inputs.contains(&pin) {
                                let known = exec_inputs.iter().map(String::as_str);
                                let message =
                                    format!("macro `{name}` has no exec input `{pin}`{}", suggest(&pin, known));
                                self.error(codes::MISSING_PIN, span, message);
                            }
                            return None;
                        }
                    }
                }
                Some(Target::Outputs {
                    exec,
                    declared,
                    macro_name,
                }) => {
                    let pin = input.take().unwrap_or_default();
                    if !declared.contains(&pin) {
                        let known = declared.iter().map(String::as_str);
                        let message = format!(
                            "macro `{macro_name}` has no exec output `{pin}`{}",
                            suggest(&pin, known)
                        );
                        self.error(codes::MISSING_PIN, span, message);
                        return None;
                    }
                    // Not wired on by the use: the chain ends here.
                    let (next, next_input) = exec.get(&pin)?.clone();
                    input = next_input;
                    reference = next;
                }
                Some(Target::Inputs { .. }) => {
                    self.error(
                        codes::EXEC_INTO_PURE,
                        span,
                        format!("`{id}` is the macro's inputs: it has exec outputs, no exec input"),
                    );
                    return None;
                }
            }
        }
        self.error(
            codes::BODY,
            span,
            "this exec link goes round through macro pins without reaching a node".to_string(),
        );
        None
    }

    /// What feeds an input wired to `source`; `None` if nothing does (a missing macro
    /// input: reported).
    /// `at` becomes the span of the last use input the link went through (so an error on the
    /// reading pin points at the use that wired it).
    fn resolve_source(&mut self, source: Source, span: Span, at: &mut Span) -> Option<Source> {
        let mut source = source;
        for _ in 0..self.hops.max(2) {
            let (node, pin) = match &source {
                Source::Link { node, pin } => (node, pin),
                Source::Event(node) => {
                    let Some((s, id)) = unmark(&node.value) else {
                        return Some(source);
                    };
                    let key = match self.scopes[s].get(id) {
                        Some(Target::Node(key)) => key.clone(),
                        _ => id.to_string(),
                    };
                    return Some(Source::Event(Spanned::new(key, node.span)));
                }
                _ => return Some(source),
            };
            let Some((s, id)) = unmark(&node.value) else {
                return Some(source);
            };
            let next = match self.scopes[s].get(id) {
                None => Source::Link {
                    node: Spanned::new(id.to_string(), node.span),
                    pin: pin.clone(),
                },
                Some(Target::Node(key)) => {
                    return Some(Source::Link {
                        node: Spanned::new(key.clone(), node.span),
                        pin: pin.clone(),
                    })
                }
                Some(Target::Broken) => return None,
                Some(Target::Use { data_out, name, .. }) => match data_out.get(&pin.value) {
                    Some(Some(inner)) => inner.clone(),
                    _ => {
                        let message = format!(
                            "macro `{name}` does not set a data output `{}` (its `{MACRO_OUTPUTS}` has no such input)",
                            pin.value
                        );
                        self.error(codes::MISSING_PIN, pin.span, message);
                        return None;
                    }
                },
                Some(Target::Inputs {
                    data,
                    declared,
                    macro_name,
                    use_id,
                    use_span,
                }) => match data.get(&pin.value) {
                    Some((outer, wired_at)) => {
                        *at = *wired_at;
                        outer.clone()
                    }
                    None if !declared.contains(&pin.value) => {
                        let known = declared.iter().map(String::as_str);
                        let message = format!(
                            "macro `{macro_name}` has no data input `{}`{}",
                            pin.value,
                            suggest(&pin.value, known)
                        );
                        self.error(codes::MISSING_PIN, pin.span, message);
                        return None;
                    }
                    None => {
                        let message = format!("macro use `{use_id}` does not wire its input `{}`", pin.value);
                        let use_span = *use_span;
                        self.error(codes::MISSING_INPUT, use_span, message);
                        return None;
                    }
                },
                Some(Target::Outputs { .. }) => {
                    self.error(
                        codes::DATA_FROM_EXEC,
                        span,
                        format!("`{id}` is the macro's outputs: it has no data outputs to read"),
                    );
                    return None;
                }
            };
            source = next;
        }
        self.error(
            codes::DATA_CYCLE,
            span,
            "this input goes round through macro pins without reaching a value".to_string(),
        );
        None
    }
}

fn list(items: Vec<String>) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// A use of macro `mac` that no chain enters, wiring each data input to its type's zero
/// value: expanded, it gets the body of a macro nothing uses checked like any other.
pub(super) fn phantom_use(mac: &MacroDecl) -> NodeDecl {
    use graphrun_format::ron::{Kind, Value as Ron};
    use graphrun_format::{InputDecl, Type};
    fn zero(ty: &Type, span: Span) -> Ron {
        let kind = match ty {
            Type::Bool => Kind::Bool(false),
            Type::Int => Kind::Int(0),
            Type::Float => Kind::Float(0.0),
            Type::String => Kind::Str(String::new()),
            Type::Json => Kind::Ident("null".to_string()),
            Type::Array(_) => Kind::List(Vec::new()),
            Type::Map(_) => Kind::Map(Vec::new()),
            Type::Object(_) => Kind::Ident("None".to_string()),
        };
        Ron { kind, span }
    }
    let inputs = mac
        .inputs
        .iter()
        .filter_map(|pin| {
            let ty = pin.ty.as_ref()?;
            Some(InputDecl {
                pin: pin.name.clone(),
                source: Source::Literal(zero(ty, pin.ty_span)),
                span: pin.ty_span,
            })
        })
        .collect();
    NodeDecl {
        id: Spanned::new("unused".to_string(), mac.name.span),
        node_type: mac.name.clone(),
        inputs,
        exec: Vec::new(),
        var: None,
        params: None,
        pos: None,
        comment: None,
        span: mac.span,
    }
}
