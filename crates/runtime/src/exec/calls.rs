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
//! outputs and `halt`, and the chain drops what the body left on the stack, down to the
//! mark. So a call costs a frame and a few jumps whatever its body holds (Branches,
//! several Return Nodes, Sequences), and an observer can pause inside it like anywhere
//! else.
//!
//! A pure call is evaluated while its reader's inputs are, in the middle of that node's
//! instructions, where a chain cannot jump: it runs its body as a nested `run_code` on a
//! stack of its own, grown by `stacker` when it runs low.
//!
//! A failure inside a body (a runtime error, Quit, a stop) sets `halt` without a return:
//! the chain ends, and every call it was in with it, reported once.

use crate::exec::chain::{Chain, Resume};
use crate::exec::instance::Instance;
use crate::node::{Entry, Flow, NodeError};
use crate::plan::program::ProgramInner;
use crate::value::Value;

/// The most calls that may be running inside each other.
pub(crate) const MAX_CALL_DEPTH: usize = 1000;

/// The re-entry payload of a call's return mark: the call node runs again to finish.
pub(crate) const CALL_DONE: u64 = u64::MAX;

/// A running call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    /// The call node.
    pub(crate) node: u32,
    pub(crate) function: u32,
    /// Where its caller's frame was put aside, for a recursive call.
    pub(crate) saved_at: Option<usize>,
}

/// What calls keep in an instance: the running calls (innermost last) and how many calls of
/// each function are running. The frames put aside and what a Return Node gave are values
/// a collection must see: they are in [`State`](crate::exec::instance::State).
#[derive(Default)]
pub(crate) struct Calls {
    pub(crate) stack: Vec<Frame>,
    /// Per function, how many of its calls are running.
    pub(crate) active: Vec<u32>,
    /// A Return Node ran and its call has not finished yet.
    pub(crate) has_returned: bool,
    /// Re-entry stacks for pure calls' chains, reused.
    pub(crate) stacks: Vec<Vec<crate::exec::chain::Reentry>>,
    /// How many pure calls' nested chains are running (an observer cannot pause in one).
    pub(crate) nested: u32,
}

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

    /// A pure call: its body runs now, to its end, as a nested chain.
    pub(crate) fn pure_call(&mut self, prog: &ProgramInner, node: u32, f: u32) -> Result<Flow, (u32, NodeError)> {
        self.start_call(prog, node, f)?;
        let depth = self.calls.stack.len();
        let mut body = Chain {
            stack: self.calls.stacks.pop().unwrap_or_default(),
        };
        let plan = &prog.functions[f as usize];
        let first = prog.nodes[plan.entry as usize].exec_out.first().copied().flatten();
        // A body may call again, deeper: grow the stack rather than overflow it.
        if let Some(first) = first {
            let at = Resume::at(prog, first.node, Entry::Pin(first.pin as usize));
            self.calls.nested += 1;
            stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || {
                if self.observer.is_some() {
                    self.run_code::<true>(prog, at, &mut body);
                } else {
                    self.run_code::<false>(prog, at, &mut body);
                }
            });
            self.calls.nested -= 1;
        }
        body.stack.clear();
        self.calls.stacks.push(body.stack);
        // The body's own calls are over, finished or abandoned by a failure.
        self.drop_calls(depth);
        let failed = self.st.halt && !self.calls.has_returned;
        self.st.halt = false;
        self.finish_call(prog, node);
        if failed {
            self.st.halt = true;
            return Err((node, NodeError::Unwound));
        }
        Ok(Flow::End)
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
        self.st.halt = true;
        Ok(Flow::End)
    }

    /// Where a chain goes once `halt` is set: after a Return Node, back to its call's
    /// return mark (what the body left on the stack above it is dropped); after a failure,
    /// nowhere. A pure call's body has no mark on its chain: it ends, and its call takes
    /// the return from there.
    pub(crate) fn unwind(&mut self, chain: &mut Chain) -> Option<(usize, Entry)> {
        if !self.calls.has_returned {
            return None;
        }
        let call = self.calls.stack.last()?.node;
        while let Some((node, pc, payload)) = chain.stack.pop() {
            if node == call && payload == CALL_DONE {
                self.st.halt = false;
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

/// Where node `node` is, for its runtime error or an observer: the function or macro it is in, and the
/// macro uses and function calls that led there, innermost first.
pub(crate) fn trail(prog: &ProgramInner, node: u32, frames: &[Frame]) -> (Option<String>, Vec<String>) {
    use crate::plan::origin::{Scope, Site};
    let place = |scope: &Scope| match scope {
        Scope::Graph => format!(", graph `{}`", prog.name),
        Scope::Function(f) => format!(" in function `{}`", prog.functions[*f as usize].name),
        Scope::Macro(m) => format!(" in macro `{m}`"),
    };
    let origin = &prog.debug[node as usize].origin;
    let within = match &origin.scope {
        Scope::Graph => return (None, Vec::new()),
        scope => place(scope).trim_start_matches(" in ").to_string(),
    };
    let mut trail = Vec::new();
    let mut inner = origin.scope.clone();
    let mut add = |site: &Site, inner: &mut Scope| {
        let verb = if matches!(inner, Scope::Macro(_)) {
            "used at"
        } else {
            "called from"
        };
        trail.push(format!(
            "{verb} {}: node `{}` ({}){}",
            prog.source.location(site.span),
            site.id,
            site.type_name,
            place(&site.scope)
        ));
        *inner = site.scope.clone();
    };
    for site in origin.uses.iter() {
        add(site, &mut inner);
    }
    for &crate::exec::calls::Frame { node: call, .. } in frames.iter().rev() {
        let debug = &prog.debug[call as usize];
        let site = Site {
            id: debug.id.clone(),
            type_name: debug.type_name.clone(),
            span: debug.span,
            scope: debug.origin.scope.clone(),
        };
        add(&site, &mut inner);
        for site in debug.origin.uses.iter() {
            add(site, &mut inner);
        }
    }
    (Some(within), fold_repeats(trail))
}

/// The longest run of lines a repeat is looked for in (recursion through a function, a
/// macro or two repeats a few lines).
const LONGEST_REPEAT: usize = 8;

/// Deep recursion repeats a line, or a few lines, many times: each repeat once, with how
/// many more times it came.
fn fold_repeats(lines: Vec<String>) -> Vec<String> {
    let mut folded = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // The shortest block starting here that repeats right after itself, and how often.
        let found = (1..=LONGEST_REPEAT).find_map(|len| {
            let block = lines.get(i..i + len)?;
            let times = lines[i + len..].chunks(len).take_while(|next| *next == block).count();
            (times > 0).then_some((len, times))
        });
        match found {
            Some((len, times)) => {
                folded.extend_from_slice(&lines[i..i + len]);
                folded.push(match len {
                    1 => format!("(the line above {times} more times)"),
                    _ => format!("(the {len} lines above {times} more times)"),
                });
                i += len * (times + 1);
            }
            None => {
                folded.push(lines[i].clone());
                i += 1;
            }
        }
    }
    folded
}
