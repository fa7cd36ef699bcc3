//! The programs an instance has run, as live edits swapped them in: for each swap, where
//! every node and variable of the program before went ([`Remap`]), so that an event posted
//! with the numbers of an older program (by a connection's task started before the edit,
//! or a host's handle made before it) is translated to the program running now, or
//! dropped when what it names is gone.

use crate::node::event::{Event, HostFn};
use crate::value::Value;

/// A host's request to swap programs, answered when the instance has (at its next event
/// boundary: what did not carry, and the new program's generation) or has refused.
pub(crate) struct SwapRequest {
    pub(crate) program: crate::plan::program::Program,
    pub(crate) reply: tokio::sync::oneshot::Sender<Result<(Swapped, u32), String>>,
}

/// No counterpart in the next program.
pub(crate) const GONE: u32 = u32::MAX;

/// One swap: where the nodes and variables of the program before it went.
pub(crate) struct Remap {
    /// Per node of the program before: its number in the program after, or [`GONE`].
    pub(crate) nodes: Box<[u32]>,
    /// Per variable of the program before: its number in the program after, or [`GONE`]
    /// (removed, or retyped: then it is not the same variable).
    pub(crate) vars: Box<[u32]>,
    /// The ids of the nodes of the program before that are gone, by number.
    pub(crate) gone: std::collections::HashMap<u32, String>,
}

/// The swaps an instance has made, the first from generation 0 to 1.
#[derive(Default)]
pub(crate) struct Generations {
    remaps: Vec<Remap>,
}

impl Generations {
    /// The generation running now.
    pub(crate) fn current(&self) -> u32 {
        self.remaps.len() as u32
    }

    /// A swap was made.
    pub(crate) fn push(&mut self, remap: Remap) {
        self.remaps.push(remap);
    }

    /// Node `node` of generation `gen`, in the program running now.
    fn node(&self, gen: u32, node: u32) -> Option<u32> {
        self.remaps.get(gen as usize..)?.iter().try_fold(node, |n, remap| {
            remap.nodes.get(n as usize).copied().filter(|&n| n != GONE)
        })
    }

    /// Variable `var` of generation `gen`, in the program running now.
    fn var(&self, gen: u32, var: usize) -> Option<usize> {
        self.remaps
            .get(gen as usize..)?
            .iter()
            .try_fold(var as u32, |v, remap| {
                remap.vars.get(v as usize).copied().filter(|&v| v != GONE)
            })
            .map(|v| v as usize)
    }

    /// The id of node `node` of generation `gen`, if a later swap removed it.
    pub(crate) fn gone_id(&self, gen: u32, node: u32) -> Option<&str> {
        let mut n = node;
        for remap in self.remaps.get(gen as usize..)? {
            match remap.nodes.get(n as usize).copied() {
                Some(GONE) => return remap.gone.get(&n).map(String::as_str),
                Some(next) => n = next,
                None => return None,
            }
        }
        None
    }

    /// `event`, posted with the numbers of generation `gen`, in those of the program
    /// running now; `None` when the node it is for is gone.
    pub(crate) fn translate(&self, gen: u32, event: Event) -> Option<Event> {
        if gen == self.current() {
            return Some(event);
        }
        let vars = || {
            let count = self.remaps.get(gen as usize).map_or(0, |r| r.vars.len());
            (0..count).map(|v| self.var(gen, v)).collect()
        };
        remap_event(event, &|n| self.node(gen, n), &vars)
    }
}

/// `event` with its node numbers put through `node`, and a host's access to the variables
/// through what `vars` gives (per variable of the layout the host knew, where it is now);
/// `None` when the node it is for is gone.
pub(crate) fn remap_event(
    event: Event,
    node: &dyn Fn(u32) -> Option<u32>,
    vars: &dyn Fn() -> Vec<Option<usize>>,
) -> Option<Event> {
    Some(match event {
        Event::Start(n) => Event::Start(node(n)?),
        Event::Custom { event, args } => Event::Custom {
            event: node(event)?,
            args,
        },
        Event::CustomOne { event, arg } => Event::CustomOne {
            event: node(event)?,
            arg,
        },
        Event::Wake { node: n, payload } => Event::Wake {
            node: node(n)?,
            payload,
        },
        Event::Timer { timer, event } => Event::Timer {
            timer,
            event: node(event)?,
        },
        Event::Latent { node: n, f } => Event::Latent { node: node(n)?, f },
        Event::Task { node: n, f } => Event::Task { node: node(n)?, f },
        // A report is about an object, which lives on whatever the edit removed: one whose
        // node is gone (a connection whose Connect node was deleted) is still applied, in
        // the context of the program's first node, so the object's state and its bound
        // events go on.
        Event::Report { node: n, object, data } => Event::Report {
            node: node(n).unwrap_or(0),
            object,
            data,
        },
        Event::Call(mut call) => {
            call.event = node(call.event)?;
            Event::Call(call)
        }
        Event::Host(f) => Event::Host(in_layout(f, vars())),
        own @ Event::Own(_) => own,
    })
}

/// A host's access made for the variables as they were laid out (`vars`: per variable of
/// that layout, where it is now), run on the variables as they are: what is gone reads as
/// unset, and what it writes there is dropped.
fn in_layout(f: HostFn, vars: Vec<Option<usize>>) -> HostFn {
    Box::new(move |now: &mut [Value]| {
        let mut then: Vec<Value> = vars
            .iter()
            .map(|at| at.and_then(|i| now.get(i)).cloned().unwrap_or_default())
            .collect();
        f(&mut then);
        for (value, at) in then.into_iter().zip(&vars) {
            if let Some(slot) = at.and_then(|i| now.get_mut(i)) {
                *slot = value;
            }
        }
    })
}

/// What a live edit's swap could not carry into the new program. The rest carried: the
/// variables of the same name and type, objects and open connections, timers and waits
/// whose nodes are still there, delegate bindings (by event id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swapped {
    /// Variables retyped by the edit: each has its new declaration's default.
    pub reset: Vec<String>,
    /// Variables the edit removed (their values are gone).
    pub removed: Vec<String>,
    /// Timers whose Custom Event the edit removed: cleared (by the event's id).
    pub timers: Vec<String>,
    /// Waits (a Delay, a latent node) whose node the edit removed: what followed them
    /// will not run (by the node's id).
    pub waits: Vec<String>,
}

impl Swapped {
    /// Whether everything carried.
    pub fn is_clean(&self) -> bool {
        self.reset.is_empty() && self.removed.is_empty() && self.timers.is_empty() && self.waits.is_empty()
    }
}

impl std::fmt::Display for Swapped {
    /// What did not carry, in words (`Level reset; Old removed`), or that all did.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_clean() {
            return f.write_str("everything carried");
        }
        let parts = [
            (&self.reset, "reset"),
            (&self.removed, "removed"),
            (&self.timers, "timer cleared (its event is gone)"),
            (&self.waits, "wait dropped (its node is gone)"),
        ];
        let mut first = true;
        for (names, what) in parts {
            if names.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{} {what}", names.join(", "))?;
        }
        Ok(())
    }
}
