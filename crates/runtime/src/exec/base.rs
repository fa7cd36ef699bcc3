//! The interpreter's one state: the [`Instance`] every part of it works on (its fields, set
//! out here and given methods by the files above: the node path, calls, the chain loop,
//! the event loop), a running chain's re-entry stack and where a paused one goes on, and
//! the runtime error and host answer every part may end a chain with.

use std::fmt;

use crate::exec::frames::{trail, Calls, Reentry};
use crate::exec::observe::Observer;
use crate::exec::state::{Env, Halt, State};
use crate::node::event::{LatentFn, Replied};
use crate::node::host::RuntimeError;
use crate::node::{Entry, NodeError};
use crate::plan::program::{Program, ProgramInner};
use crate::value::Value;

/// A running instance of a program.
pub struct Instance {
    pub(crate) program: Program,
    pub(crate) env: Env,
    pub(crate) st: State,
    pub(crate) scratch: Vec<Value>,
    pub(crate) rx: crate::node::queue::Receiver<crate::node::event::Sent>,
    pub(crate) started: bool,
    pub(crate) ended: bool,
    /// Watches the run (the tracer, a debugger); with none, the loop's hooks are compiled out.
    pub(crate) observer: Option<Box<dyn Observer>>,
    /// The chain an observer paused, to go on with when the host resumes.
    pub(crate) paused: Option<Paused>,
    /// The function calls running.
    pub(crate) calls: Calls,
    /// The host call whose chain is running: where its answer goes, and its chain's first
    /// runtime error.
    pub(crate) answering: Option<(tokio::sync::oneshot::Sender<Replied>, Option<RuntimeError>)>,
}

impl fmt::Debug for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("program", &self.program.name())
            .finish()
    }
}

impl Instance {
    /// Answers the host call whose chain just ended, if one is waiting.
    pub(crate) fn answer(&mut self) {
        if let Some((reply, error)) = self.answering.take() {
            let _ = reply.send(Replied {
                error,
                variables: self.st.vars().to_vec(),
                program: Box::new(self.program.clone()),
            });
        }
    }

    pub(crate) fn runtime_error(&mut self, prog: &ProgramInner, node: u32, error: NodeError) {
        self.st.errors += 1;
        let debug = &prog.debug[node as usize];
        let (within, trail) = trail(prog, node, &self.calls.stack);
        let error = RuntimeError {
            message: error.to_string(),
            node_id: debug.id.clone(),
            node_type: debug.type_name.clone(),
            graph: prog.name.clone(),
            location: prog.source.location(debug.span),
            within,
            trail,
        };
        if let Some(observer) = &mut self.observer {
            observer.runtime_error(&error);
        }
        if let Some((_, first @ None)) = &mut self.answering {
            *first = Some(error.clone());
        }
        self.env.host.runtime_error(&error);
    }
}

/// A running chain's pending re-entries (Sequence, loops, calls' return marks): each the
/// node, the instruction it is entered again at (`Code::resume`) and its payload.
pub(crate) struct Chain {
    pub(crate) stack: Vec<Reentry>,
}

impl Chain {
    /// Node `n` is to be entered again with `payload` when the chain's branch ends, at its
    /// resume instruction (`Code::resume`).
    #[inline(always)]
    pub(crate) fn push(&mut self, prog: &ProgramInner, n: u32, payload: u64) {
        self.push_at(&prog.code.resume, n, payload);
    }

    /// As [`Chain::push`], at the instruction `table` gives node `n` (a loop pass of an
    /// observed run re-enters at `Code::start`, reading its bounds again).
    #[inline(always)]
    pub(crate) fn push_at(&mut self, table: &[u32], n: u32, payload: u64) {
        self.stack.push((n, table[n as usize], payload));
    }

    /// The branch ended: the latest re-entry, if any.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<(usize, Entry)> {
        let (_, pc, payload) = self.stack.pop()?;
        Some((pc as usize, Entry::Resume(payload)))
    }
}

/// How a chain's run ended: it is over (at its end, or halted: the [`Halt`] says why), or
/// an observer paused it, with where it goes on.
pub(crate) enum End {
    /// At its end (`None`), or halted.
    Over(Option<Halt>),
    /// Paused before the instruction it goes on at.
    Paused(Resume),
}

/// Where a chain goes on: instruction `pc`, its node entered through `entry` (and, for a
/// fused instruction, at its second half).
pub(crate) struct Resume {
    pub(crate) pc: usize,
    pub(crate) entry: Entry,
    pub(crate) half: u8,
    /// The before hook has run for the node at `pc` (it paused there): do not ask again.
    pub(crate) before_done: bool,
}

impl Resume {
    /// The start of node `n`'s run, entered through `entry`.
    pub(crate) fn at(prog: &ProgramInner, n: u32, entry: Entry) -> Resume {
        Resume {
            pc: prog.code.entry_pc(n, entry),
            entry,
            half: 0,
            before_done: false,
        }
    }

    /// Paused before the second node of the fused instruction at `pc`.
    pub(crate) fn half(pc: usize, entry: Entry) -> Resume {
        Resume {
            pc,
            entry,
            half: 1,
            before_done: true,
        }
    }
}

/// A chain an observer paused.
pub(crate) struct Paused {
    pub(crate) at: Resume,
    pub(crate) chain: Chain,
}

pub(crate) enum Start {
    /// Evaluate pure dependencies and inputs first.
    Fresh,
    /// A wake-up: inputs are not evaluated again (they read as unset).
    NoInputs,
    /// A latent result: run this instead of the node.
    With(LatentFn),
}
