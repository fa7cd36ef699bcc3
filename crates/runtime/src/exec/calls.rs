//! Function calls: a call runs its function's body right there, in the caller's chain, on
//! a chain of its own (a Return Node ends it, pending Sequence outputs included), and
//! its outputs are what the Return Node gave, or their zero values.
//!
//! A function's frame is the output slots of its body's nodes and its locals. A call
//! starts them fresh; a call of a function that is already running (recursion) saves the
//! running call's frame first and puts it back after. More than [`MAX_CALL_DEPTH`] nested
//! calls is a runtime error. The body runs as a nested Rust call on a stack that grows
//! when it runs low, so deep recursion cannot overflow the thread's stack.

use crate::exec::chain::{Chain, Resume};
use crate::exec::instance::Instance;
use crate::node::{Entry, Flow, NodeError};
use crate::plan::program::{CallKind, ProgramInner};
use crate::value::Value;

/// The most calls that may be running inside each other.
pub(crate) const MAX_CALL_DEPTH: usize = 1000;

/// What a call needs to keep between its calls: the running calls (innermost last), how
/// many calls of each function are running, saved frames and a returned value list.
#[derive(Default)]
pub(crate) struct Calls {
    /// The call nodes running, outermost first (for errors: "called from"), each with
    /// whether it put a running call's frame aside (a recursive call).
    pub(crate) stack: Vec<(u32, bool)>,
    /// Per function, how many of its calls are running.
    pub(crate) active: Vec<u32>,
    /// Frames of running calls that a recursive call put aside.
    pub(crate) saved: Vec<Value>,
    /// What the Return Node that ended the body gave (when `has_returned`).
    pub(crate) returned: Vec<Value>,
    pub(crate) has_returned: bool,
    /// Re-entry stacks for bodies' chains, reused.
    pub(crate) stacks: Vec<Vec<(u32, u64)>>,
}

impl Instance {
    /// Runs a function call or a Return Node (node `n`), for [`Instance::call`].
    #[inline(never)]
    pub(crate) fn call_or_return(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        kind: CallKind,
    ) -> Result<Flow, (u32, NodeError)> {
        match kind {
            CallKind::Function(f) => self.call_function(prog, n, f),
            CallKind::Return => self.return_from(prog, n),
        }
    }

    /// Runs node `node`'s call of function `f`, then on through `then` (a pure call: its
    /// flow is not followed). A failure inside the body was reported there: the call
    /// fails with [`NodeError::Unwound`], so that the caller's chain ends too.
    fn call_function(&mut self, prog: &ProgramInner, node: u32, f: u32) -> Result<Flow, (u32, NodeError)> {
        if self.calls.stack.len() >= MAX_CALL_DEPTH {
            return Err((
                node,
                NodeError::new("more than 1,000 function calls inside each other (endless recursion?)"),
            ));
        }
        // The arguments first: they may read the frame a recursive call puts aside.
        self.gather_inputs(prog, node).map_err(|e| (node, e))?;
        let plan = &prog.functions[f as usize];
        let slots = plan.slots.start as usize..plan.slots.end as usize;
        let vars_at = self.st.vars_at;
        let locals = vars_at + plan.locals.start as usize..vars_at + plan.locals.end as usize;
        if self.calls.active.len() <= f as usize {
            self.calls.active.resize(prog.functions.len(), 0);
        }
        let recursive = self.calls.active[f as usize] > 0;
        let saved_at = self.calls.saved.len();
        if recursive {
            for i in slots.clone().chain(locals.clone()) {
                let value = std::mem::take(&mut self.st.regs[i]);
                self.calls.saved.push(value);
            }
        } else {
            for value in &mut self.st.regs[slots.clone()] {
                if !matches!(value, Value::Unset) {
                    *value = Value::Unset;
                }
            }
        }
        for (i, var) in locals.clone().enumerate() {
            self.st.regs[var] = prog.variables[plan.locals.start as usize + i].default.clone();
        }
        let entry_out = prog.nodes[plan.entry as usize].out_base as usize;
        for (i, arg) in self.scratch.drain(..).enumerate() {
            self.st.regs[entry_out + i] = arg;
        }
        self.calls.active[f as usize] += 1;
        self.calls.stack.push((node, recursive));
        let mut body = Chain {
            stack: self.calls.stacks.pop().unwrap_or_default(),
        };
        // Unobserved, the body starts where its Function Entry leads (the entry has nothing
        // to do: its outputs are set); observed, at the entry, so that it is seen.
        let first = prog.nodes[plan.entry as usize].exec_out.first().copied().flatten();
        let at = match first {
            Some(target) if self.observer.is_none() => Resume::at(prog, target.node, Entry::Pin(target.pin as usize)),
            _ => Resume::at(prog, plan.entry, Entry::Pin(0)),
        };
        // A body may call again, deeper: grow the stack rather than overflow it.
        stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || {
            if self.observer.is_some() {
                self.run_code::<true>(prog, at, &mut body);
            } else {
                self.run_code::<false>(prog, at, &mut body);
            }
        });
        body.stack.clear();
        self.calls.stacks.push(body.stack);
        self.calls.stack.pop();
        self.calls.active[f as usize] -= 1;
        let returned = std::mem::take(&mut self.calls.has_returned);
        // The body failed, quit or was stopped: so does the caller.
        let failed = !returned && (self.st.halt || self.st.quit);
        self.st.halt &= !returned;
        if recursive {
            for (i, value) in slots.chain(locals).zip(self.calls.saved.drain(saved_at..)) {
                self.st.regs[i] = value;
            }
        }
        if failed {
            return Err((node, NodeError::Unwound));
        }
        let out = prog.nodes[node as usize].out_base as usize;
        if returned {
            // A recursive call's Return put its outputs aside (the caller's frame was not
            // back yet); another's wrote them in place.
            if recursive {
                for (i, value) in self.calls.returned.drain(..).enumerate() {
                    self.st.regs[out + i] = value;
                }
            }
        } else {
            for (i, zero) in plan.zeros.iter().enumerate() {
                self.st.regs[out + i] = zero.clone();
            }
        }
        Ok(Flow::Then(0))
    }

    /// Runs Return Node `node`: its inputs become the call's outputs, and the body's chain
    /// ends here.
    fn return_from(&mut self, prog: &ProgramInner, node: u32) -> Result<Flow, (u32, NodeError)> {
        let Some(&(call, recursive)) = self.calls.stack.last() else {
            return Ok(Flow::End);
        };
        let inputs = prog.nodes[node as usize].inputs.len();
        if recursive {
            self.calls.returned.clear();
            for i in 0..inputs {
                let value = self.input_value(prog, node, i).map_err(|e| (node, e))?;
                self.calls.returned.push(value);
            }
        } else {
            let out = prog.nodes[call as usize].out_base as usize;
            for i in 0..inputs {
                self.st.regs[out + i] = self.input_value(prog, node, i).map_err(|e| (node, e))?;
            }
        }
        self.calls.has_returned = true;
        self.st.halt = true;
        Ok(Flow::End)
    }
}
