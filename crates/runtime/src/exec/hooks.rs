//! The observer's hooks as the interpreter calls them: an event starts, a node is about to
//! run (and whether the observer pauses there), a node ran.

use crate::exec::base::Instance;
use crate::exec::frames::CALL_DONE;
use crate::exec::observe::{Control, NodeView, Ran};
use crate::node::{Entry, Flow, NodeError};
use crate::plan::code::Instr;
use crate::plan::program::ProgramInner;

impl Instance {
    /// Observed, the before hook of the node at `pc`; true if the observer pauses there. A
    /// call node entered again as its function returns is seen, but it is the same run of
    /// the node: it pauses only before the call.
    pub(crate) fn pauses_before(&mut self, prog: &ProgramInner, pc: usize, entry: Entry) -> bool {
        let returning = matches!(entry, Entry::Resume(CALL_DONE)) && matches!(prog.code.instrs[pc], Instr::Call { .. });
        self.hook_before(prog, prog.code.owner[pc], true, !returning) == Control::Pause
    }

    /// Observed, the second node of a fused instruction at `pc` (the Set of `Set X = A +
    /// B`, the Branch of `Branch(A < B)`): the first's after hook, then the second's
    /// before hook; true if the observer pauses there.
    pub(crate) fn second_half(&mut self, prog: &ProgramInner, pc: usize) -> bool {
        self.hook_after(prog, prog.code.owner[pc], true, &Ok(Flow::End));
        self.hook_before(prog, prog.code.node[pc], true, true) == Control::Pause
    }

    /// The event hook: a chain starts at `node`.
    #[cold]
    pub(crate) fn hook_event(&mut self, prog: &ProgramInner, node: u32) {
        if let Some(observer) = &mut self.observer {
            observer.event(&NodeView {
                prog,
                st: &self.st,
                frames: &self.calls.stack,
                node,
                inputs_known: false,
                pausable: false,
            });
        }
    }

    /// The before hook: what the observer asks of `node`, about to run. Inside a pure
    /// function call (a nested chain) the chain cannot be put aside, so a pause there is
    /// not taken; nor where `may_pause` is false (a node run again without its inputs, a
    /// call node its function returns to).
    pub(crate) fn hook_before(
        &mut self,
        prog: &ProgramInner,
        node: u32,
        inputs_known: bool,
        may_pause: bool,
    ) -> Control {
        let control = match &mut self.observer {
            Some(observer) => observer.before(&NodeView {
                prog,
                st: &self.st,
                frames: &self.calls.stack,
                node,
                inputs_known,
                pausable: may_pause && self.calls.nested == 0,
            }),
            None => Control::Continue,
        };
        if may_pause && self.calls.nested == 0 {
            control
        } else {
            Control::Continue
        }
    }

    /// The after hook: `node` ran with `result` (an error is reported at the node that
    /// raised it).
    pub(crate) fn hook_after(
        &mut self,
        prog: &ProgramInner,
        node: u32,
        inputs_known: bool,
        result: &Result<Flow, (u32, NodeError)>,
    ) {
        let Some(observer) = &mut self.observer else {
            return;
        };
        let names = &prog.debug[node as usize].exec_output_names;
        let ran = match result {
            Ok(Flow::Then(o) | Flow::Call { out: o, .. } | Flow::Loop { out: o, .. }) => {
                Ran::Exec(names.get(*o).map_or("?", String::as_str))
            }
            Ok(Flow::End) => Ran::Done,
            Err((_, e)) => Ran::Failed(e),
        };
        observer.after(
            &NodeView {
                prog,
                st: &self.st,
                frames: &self.calls.stack,
                node,
                inputs_known,
                pausable: false,
            },
            ran,
        );
    }
}
