//! A live edit: the instance takes a new program between two events, keeping what carries
//! (variables of the same name and type, objects and connections, node state, timers and
//! waits of nodes still there, delegate bindings by event id) and saying what does not.
//! Nodes are the same node when they have the same id, type and place (the graph, a
//! function, a macro use).

use std::collections::{BTreeMap, HashMap};

use crate::exec::base::Instance;
use crate::exec::generations::{remap_event, Remap, Swapped, GONE};
use crate::exec::state::{Timer, TimerObject};
use crate::node::event::Event;
use crate::node::EventRef;
use crate::plan::origin::Scope;
use crate::plan::program::{Program, ProgramInner};
use crate::value::Value;

/// Node `n`'s identity across programs: its place, id and type.
fn node_key(prog: &ProgramInner, n: usize) -> String {
    let debug = &prog.debug[n];
    let scope = |scope: &Scope| match scope {
        Scope::Graph => String::new(),
        Scope::Function(f) => format!("function {}", prog.functions.get(*f as usize).map_or("", |f| &f.name)),
        Scope::Macro(name) => format!("macro {name}"),
    };
    let mut key = scope(&debug.origin.scope);
    for site in debug.origin.uses.iter() {
        key.push('\0');
        key.push_str(&scope(&site.scope));
        key.push('/');
        key.push_str(&site.id);
    }
    key.push('\0');
    key.push_str(&debug.id);
    key.push('\0');
    key.push_str(&debug.type_name);
    key
}

impl Instance {
    /// Takes `program` from now on, keeping what carries (see [`Swapped`]). Made between
    /// events: a host swaps a running instance through
    /// [`InstanceHandle::swap`](crate::InstanceHandle::swap). Refused (with the reason)
    /// when the instance has ended or the program's classes are not this one's.
    pub fn swap(&mut self, program: &Program) -> Result<Swapped, String> {
        if self.ended {
            return Err("the run has ended".to_string());
        }
        if self.paused.is_some() {
            return Err("the instance is paused inside a chain".to_string());
        }
        let old = self.env.prog.clone();
        let new = program.inner.clone();
        if !old.registry.class_names().eq(new.registry.class_names()) {
            return Err("the new program's registry has other classes".to_string());
        }
        let mut swapped = Swapped::default();

        // Nodes.
        let by_key: HashMap<String, u32> = (0..new.nodes.len()).map(|n| (node_key(&new, n), n as u32)).collect();
        let nodes: Box<[u32]> = (0..old.nodes.len())
            .map(|n| by_key.get(&node_key(&old, n)).copied().unwrap_or(GONE))
            .collect();
        let node = |n: u32| nodes.get(n as usize).copied().filter(|&n| n != GONE);

        // Variables: the graph's own carry by name and type; locals are fresh per call.
        let mut vars = vec![GONE; old.variables.len()].into_boxed_slice();
        let mut regs: Vec<Value> = std::iter::repeat_n(Value::Unset, new.slot_count)
            .chain(new.variables.iter().map(|v| v.default.clone()))
            .chain(new.code.consts.iter().cloned())
            .collect();
        let (vars_at, consts_at) = (new.slot_count, new.slot_count + new.variables.len());
        let old_vars = &old.variables[..old.graph_vars];
        for (j, var) in new.variables[..new.graph_vars].iter().enumerate() {
            let Some(i) = old_vars.iter().position(|v| v.name == var.name) else {
                continue;
            };
            if old_vars[i].ty == var.ty {
                vars[i] = j as u32;
                regs[vars_at + j] = std::mem::take(&mut self.st.regs[self.st.vars_at + i]);
            } else {
                swapped.reset.push(var.name.clone());
            }
        }
        for var in old_vars {
            if !new.variables[..new.graph_vars].iter().any(|v| v.name == var.name) {
                swapped.removed.push(var.name.clone());
            }
        }

        // What nodes hold: their outputs (an impure node's, read by later events), their
        // state, their rate-limited warnings.
        let mut node_state: Vec<_> = (0..new.nodes.len()).map(|_| None).collect();
        for (o, &n) in nodes.iter().enumerate() {
            if n == GONE {
                continue;
            }
            // Outputs carry when the node still has them, of the same types (a generic
            // pin's type follows its wires, which the edit may have changed).
            let (od, nd) = (&old.debug[o], &new.debug[n as usize]);
            if od.output_names == nd.output_names && od.output_types == nd.output_types {
                let (ob, nb) = (old.nodes[o].out_base as usize, new.nodes[n as usize].out_base as usize);
                for k in 0..od.output_names.len() {
                    regs[nb + k] = std::mem::take(&mut self.st.regs[ob + k]);
                }
            }
            node_state[n as usize] = self.st.node_state.get_mut(o).and_then(Option::take);
        }
        self.st.warned = std::mem::take(&mut self.st.warned)
            .into_iter()
            .filter_map(|((n, kind), w)| Some(((node(n)?, kind), w)))
            .collect();

        // Timers and waits.
        let mut timers = BTreeMap::new();
        for (key, timer) in std::mem::take(&mut self.st.timers) {
            match timer {
                Timer::Wake { node: n, payload } => match node(n) {
                    Some(n) => {
                        timers.insert(key, Timer::Wake { node: n, payload });
                    }
                    None => swapped.waits.push(old.debug[n as usize].id.clone()),
                },
                Timer::Event { timer, event, period } => match node(event) {
                    Some(event) => {
                        timers.insert(key, Timer::Event { timer, event, period });
                    }
                    None => {
                        if let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) {
                            *t = TimerObject::Off;
                        }
                        swapped.timers.push(old.debug[event as usize].id.clone());
                    }
                },
            }
        }
        self.st.timers = timers;

        // The events waiting their turn. A timer's firing or a wait's end whose node is
        // gone is said, as one waiting in the timer table is (the timer is cleared).
        let var_map: Vec<Option<usize>> = vars.iter().map(|&v| (v != GONE).then_some(v as usize)).collect();
        let mut queue = std::collections::VecDeque::with_capacity(self.st.queue.len());
        for event in std::mem::take(&mut self.st.queue) {
            match &event {
                Event::Timer { timer, event: e } if node(*e).is_none() => {
                    if let Some(t) = self.st.objects.get_mut::<TimerObject>(timer.id) {
                        *t = TimerObject::Off;
                    }
                    swapped.timers.push(old.debug[*e as usize].id.clone());
                }
                Event::Wake { node: n, .. } | Event::Latent { node: n, .. } if node(*n).is_none() => {
                    swapped.waits.push(old.debug[*n as usize].id.clone());
                }
                _ => {}
            }
            queue.extend(remap_event(event, &node, &|| var_map.clone()));
        }
        self.st.queue = queue;

        // Objects that hold Custom Events (a connection's delegates).
        let event = |e: EventRef| node(e.0).filter(|&n| new.is_event[n as usize]).map(EventRef);
        let hooks = new.registry.event_hooks();
        self.st.objects.for_each_mut(|data| {
            for hook in &hooks {
                hook(data, &event);
            }
        });

        swapped.reset.sort();
        swapped.removed.sort();
        self.st.regs = regs;
        self.st.vars_at = vars_at;
        self.st.consts_at = consts_at;
        self.st.node_state = node_state;
        let gone = (0..old.nodes.len() as u32)
            .filter(|&n| node(n).is_none())
            .map(|n| (n, old.debug[n as usize].id.clone()))
            .collect();
        self.st.generations.push(Remap { nodes, vars, gone });
        let graph_vars = vars_at..vars_at + new.graph_vars;
        self.program = program.clone();
        self.env.prog = new;
        self.env.gen = self.st.generations.current();
        if let Some(observer) = &mut self.observer {
            let graph_vars = &self.st.regs[graph_vars];
            observer.swapped(program, graph_vars, &swapped);
        }
        Ok(swapped)
    }
}
