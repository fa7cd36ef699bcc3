//! Function calls. A function's frame is the output slots of its body's nodes and its
//! locals: a call starts them fresh, and a call of a function that is already running
//! (recursion) saves the running call's frame first and puts it back when it is done.
//! More than [`MAX_CALL_DEPTH`] calls inside each other is a runtime error. A call and a
//! Return Node are instructions (`Instr::Call`, `PureCall`, `Return`); a call of a function
//! that is not running writes its arguments straight into the fresh frame, register to
//! register.
//!
//! An impure call runs its body in the caller's chain (`Instr::Call`, in the one
//! dispatch): it leaves a return mark on the chain's re-entry stack, as a Sequence leaves
//! its next output, and jumps into the body. When the body's chain ends, the mark is
//! popped and the call's instruction runs again to finish (`CALL_DONE`): its frame goes
//! back, its outputs are set, and it goes on through `then`. A Return Node sets the
//! outputs and halts the chain (`Halt::Returned`), which drops what the body left on the stack, down to the
//! mark. So a call costs a frame and a few jumps whatever its body holds (Branches,
//! several Return Nodes, Sequences), and an observer can pause inside it like anywhere
//! else.
//!
//! A pure call is evaluated while its reader's inputs are, in the middle of that node's
//! instructions, where a chain cannot jump: it runs its body as a nested `run_code` on a
//! stack of its own, grown by `stacker` when it runs low.
//!
//! A failure inside a body (a runtime error, Quit, a stop) halts the chain with its
//! `Halt`: the chain ends, and every call it was in with it, reported once; the chain's
//! run returns why (`End::Over`).

use crate::exec::base::{Chain, Instance};
use crate::exec::frames::{Frame, CALL_DONE, MAX_CALL_DEPTH};
use crate::exec::state::Halt;
use crate::node::{Entry, Flow, NodeError};
use crate::plan::program::ProgramInner;
use crate::value::Value;

impl Instance {
    /// Starts node `node`'s call of function `f`: its arguments into the Function Entry's
    /// outputs, its frame fresh (the caller's put aside first if it is running).
    pub(crate) fn start_call(&mut self, prog: &ProgramInner, node: u32, f: u32) -> Result<(), (u32, NodeError)> {
        if self.calls.stack.len() >= MAX_CALL_DEPTH {
            return Err((node, too_deep()));
        }
        let plan = &prog.functions[f as usize];
        let slots = plan.slots.start as usize..plan.slots.end as usize;
        let locals = self.st.vars_at + plan.locals.start as usize..self.st.vars_at + plan.locals.end as usize;
        let entry_out = prog.nodes[plan.entry as usize].out_base as usize;
        if self.calls.active.len() < prog.functions.len() {
            self.calls.active.resize(prog.functions.len(), 0);
        }
        let saved_at = if self.calls.active[f as usize] == 0 {
            // Not running: nothing the arguments read is in its frame (a call outside a
            // body reads only its own scope), so they go straight into the fresh frame.
            for value in &mut self.st.regs[slots] {
                if !matches!(value, Value::Unset) {
                    *value = Value::Unset;
                }
            }
            self.inputs_into(prog, node, entry_out)?;
            None
        } else {
            // The arguments first: they may read the frame that is put aside.
            self.gather_inputs(prog, node).map_err(|e| (node, e))?;
            let at = self.st.saved_frames.len();
            for i in slots.chain(locals.clone()) {
                let value = std::mem::take(&mut self.st.regs[i]);
                self.st.saved_frames.push(value);
            }
            for (i, arg) in self.scratch.drain(..).enumerate() {
                self.st.regs[entry_out + i] = arg;
            }
            Some(at)
        };
        for (i, var) in locals.enumerate() {
            self.st.regs[var] = prog.variables[plan.locals.start as usize + i].default.clone();
        }
        self.calls.active[f as usize] += 1;
        self.calls.stack.push(Frame {
            node,
            function: f,
            saved_at,
        });
        Ok(())
    }

    /// Finishes the innermost call (node `node`; its body's chain is over): its frame
    /// back, its outputs what the Return Node gave or their zero values; on through `then`.
    pub(crate) fn finish_call(&mut self, prog: &ProgramInner, node: u32) -> Flow {
        let Some(frame) = self.calls.stack.pop() else {
            return Flow::End;
        };
        debug_assert_eq!(frame.node, node);
        self.calls.active[frame.function as usize] -= 1;
        let plan = &prog.functions[frame.function as usize];
        let returned = std::mem::take(&mut self.calls.has_returned);
        let out = prog.nodes[node as usize].out_base as usize;
        if let Some(saved_at) = frame.saved_at {
            let vars_at = self.st.vars_at;
            let slots = plan.slots.start as usize..plan.slots.end as usize;
            let locals = vars_at + plan.locals.start as usize..vars_at + plan.locals.end as usize;
            for (i, value) in slots.chain(locals).zip(self.st.saved_frames.drain(saved_at..)) {
                self.st.regs[i] = value;
            }
            // Its Return put the outputs aside: the frame they would go in was not back yet.
            if returned {
                for (i, value) in self.st.returned.drain(..).enumerate() {
                    self.st.regs[out + i] = value;
                }
            }
        }
        if !returned {
            for (i, zero) in plan.zeros.iter().enumerate() {
                self.st.regs[out + i] = zero.clone();
            }
        }
        Flow::Then(0)
    }

    /// Runs Return Node `node`: the innermost call's outputs take its inputs, and the body's
    /// chain ends here.
    pub(crate) fn return_from(&mut self, prog: &ProgramInner, node: u32) -> Result<Flow, (u32, NodeError)> {
        let Some(&frame) = self.calls.stack.last() else {
            return Ok(Flow::End);
        };
        if frame.saved_at.is_some() {
            self.st.returned.clear();
            for i in 0..prog.nodes[node as usize].inputs.len() {
                let value = match self.plain_input(prog, node, i) {
                    Some(v) => v,
                    None => self.input_value(prog, node, i).map_err(|e| (node, e))?,
                };
                self.st.returned.push(value);
            }
        } else {
            self.inputs_into(prog, node, prog.nodes[frame.node as usize].out_base as usize)?;
        }
        self.calls.has_returned = true;
        self.st.halt.set(Halt::Returned);
        Ok(Flow::End)
    }

    /// Where a halted chain goes: after a Return Node, back to its call's
    /// return mark (what the body left on the stack above it is dropped); after a failure,
    /// nowhere. A pure call's body has no mark on its chain: it ends, and its call takes
    /// the return from there.
    pub(crate) fn unwind(&mut self, chain: &mut Chain) -> Option<(usize, Entry)> {
        if self.st.halt.get() != Some(Halt::Returned) {
            return None;
        }
        let call = self.calls.stack.last()?.node;
        while let Some((node, pc, payload)) = chain.stack.pop() {
            if node == call && payload == CALL_DONE {
                self.st.halt.take();
                return Some((pc as usize, Entry::Resume(CALL_DONE)));
            }
        }
        None
    }

    /// Drops the calls above `depth` (a chain that failed inside them), putting their
    /// frames' saved values away.
    pub(crate) fn drop_calls(&mut self, depth: usize) {
        while self.calls.stack.len() > depth {
            let frame = self.calls.stack.pop().expect("above depth");
            self.calls.active[frame.function as usize] -= 1;
            if let Some(at) = frame.saved_at {
                self.st.saved_frames.truncate(at);
            }
        }
    }
}

fn too_deep() -> NodeError {
    NodeError::new("more than 1,000 function calls inside each other (endless recursion?)")
}
