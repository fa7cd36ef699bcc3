//! Running one event's chain: node after node through the program's instructions (a node
//! that is not an instruction of its own goes through the node path, [`super::node_path`]),
//! with the re-entry stack (Sequence, loops), the loop guard, the stop check and the
//! observer's hooks; and the errors a chain raises itself.

use std::ops::Range;

use crate::exec::instance::{Instance, LatentFn};
use crate::exec::observe::{Control, NodeView, Ran};
use crate::exec::ops::{branch, float_op, for_loop, get, int_op, set, set_int, straight, Fault, Straight};
use crate::node::{Entry, Flow, NodeError};
use crate::plan::code::{Bounds, Instr, Reg};
use crate::plan::program::ProgramInner;

impl Instance {
    /// Runs one event's chain from `node`, with the loop guard, until it ends (or an
    /// observer pauses it).
    pub(crate) fn run_chain(&mut self, prog: &ProgramInner, node: u32, entry: Entry, start: Start) {
        let mut chain = Chain {
            stack: std::mem::take(&mut self.st.stack),
        };
        self.st.iterations = 0;
        chain.stack.clear();
        let observed = self.observer.is_some();
        if observed {
            self.hook_event(prog, node);
        }
        let first = match start {
            Start::Fresh => Some((node, entry)),
            start => {
                // A wake-up or a latent node's result: the node runs again without its
                // inputs (an observer sees it, but cannot pause it here).
                if observed {
                    self.hook_before(prog, node, false);
                }
                let latent = match start {
                    Start::With(f) => Some(f),
                    _ => None,
                };
                let result = self.exec_node(prog, node, entry, latent);
                if observed {
                    self.hook_after(prog, node, false, &result);
                }
                self.advance(prog, node, result, &mut chain)
            }
        };
        if let Some((n, entry)) = first {
            let at = Resume {
                n,
                entry,
                pc: prog.code.entry_pc(n, entry),
                half: 0,
                before_done: false,
            };
            if observed {
                if let Some(at) = self.run_observed(prog, at, &mut chain) {
                    self.paused = Some(Paused { at, chain });
                    return;
                }
            } else {
                self.run_code::<false>(prog, at, &mut chain);
            }
        }
        chain.stack.clear();
        self.st.stack = chain.stack;
        self.end_chain();
    }

    /// Goes on with the chain an observer paused.
    pub(crate) fn resume_chain(&mut self, prog: &ProgramInner) {
        let Some(Paused { at, mut chain }) = self.paused.take() else {
            return;
        };
        if let Some(at) = self.run_observed(prog, at, &mut chain) {
            self.paused = Some(Paused { at, chain });
            return;
        }
        chain.stack.clear();
        self.st.stack = chain.stack;
        self.end_chain();
        // The chain is over: a host call waiting on it has its answer.
        self.answer();
    }

    /// [`Instance::run_code`] with the observer's hooks, kept out of line so that the
    /// unobserved loop stays as small as it was.
    #[inline(never)]
    fn run_observed(&mut self, prog: &ProgramInner, at: Resume, chain: &mut Chain) -> Option<Resume> {
        self.run_code::<true>(prog, at, chain)
    }

    /// A chain is over: nothing of it goes on (a failure inside function calls leaves
    /// them running: they are dropped).
    fn end_chain(&mut self) {
        self.st.halt = false;
        self.calls.has_returned = false;
        self.drop_calls(0);
    }

    /// Where a chain goes once node `n` has run: the next node and how it is entered, or
    /// `None` when the chain is over (it ended, failed, quit or tripped the loop guard).
    #[inline(always)]
    pub(crate) fn advance(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        result: Result<Flow, (u32, NodeError)>,
        chain: &mut Chain,
    ) -> Option<(u32, Entry)> {
        let flow = match result {
            Ok(flow) => flow,
            Err((at, e)) => {
                // A function's failure was reported where it happened.
                if !matches!(e, NodeError::Unwound) {
                    self.runtime_error(prog, at, e);
                }
                self.st.halt = true;
                return None;
            }
        };
        // Quit (which sets `halt` too), a failure, or a Return Node: the chain stops here
        // (`run_code` takes a Return back to its call's mark).
        if self.st.halt {
            return None;
        }
        let out = match flow {
            Flow::Then(out) => Some(out),
            Flow::End => None,
            Flow::Call { out, resume } => {
                chain.stack.push((n, resume));
                Some(out)
            }
            Flow::Loop { out, resume } => {
                // A stop request ends the chain at a loop pass.
                if self.env.aborted() {
                    self.st.halt = true;
                    return None;
                }
                self.st.iterations += 1;
                chain.stack.push((n, resume));
                Some(out)
            }
        };
        let exec_out = &prog.nodes[n as usize].exec_out;
        let target = match out {
            Some(out) if out < exec_out.len() => exec_out[out],
            Some(out) => {
                self.no_such_exec_output(prog, n, out);
                self.st.halt = true;
                return None;
            }
            None => None,
        };
        if target.is_some_and(|t| t.back_edge) {
            // An exec cycle's pass: a stop request ends the chain here too.
            if self.env.aborted() {
                self.st.halt = true;
                return None;
            }
            self.st.iterations += 1;
        }
        if self.st.iterations > self.env.options.max_loop_iterations {
            self.loop_guard(prog, n);
            self.st.halt = true;
            return None;
        }
        match target {
            Some(target) => Some((target.node, Entry::Pin(target.pin as usize))),
            None => chain.stack.pop().map(|(node, payload)| (node, Entry::Resume(payload))),
        }
    }

    #[cold]
    pub(crate) fn no_such_exec_output(&mut self, prog: &ProgramInner, n: u32, out: usize) {
        let names = &prog.debug[n as usize].exec_output_names;
        let error = NodeError::new(format!(
            "the node went on through exec output number {out}, but it has {} ({})",
            names.len(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            }
        ));
        self.runtime_error(prog, n, error);
    }

    #[cold]
    pub(crate) fn loop_guard(&mut self, prog: &ProgramInner, n: u32) {
        let error = loop_guard_error(self.env.options.max_loop_iterations);
        self.runtime_error(prog, n, error);
    }

    /// Runs a chain through the program's instructions from `at`: for each node, its pure
    /// dependencies, then the node, then on to where its flow leads. `OBSERVED` runs the
    /// observer's hooks around every node (and where it pauses, returns where to go on);
    /// without it they are compiled out.
    pub(crate) fn run_code<const OBSERVED: bool>(
        &mut self,
        prog: &ProgramInner,
        at: Resume,
        chain: &mut Chain,
    ) -> Option<Resume> {
        let code = &prog.code;
        let Resume {
            mut n,
            mut entry,
            mut pc,
            mut half,
            mut before_done,
        } = at;
        loop {
            let result = if OBSERVED {
                match self.observed_step(prog, n, entry, pc, half, before_done) {
                    Step::Pause(half) => {
                        return Some(Resume {
                            n,
                            entry,
                            pc,
                            half,
                            before_done: true,
                        })
                    }
                    Step::Next => {
                        (pc, half, before_done) = (pc + 1, 0, false);
                        continue;
                    }
                    Step::Done(result) => {
                        (half, before_done) = (0, false);
                        result
                    }
                }
            } else {
                match self.step(prog, pc, entry) {
                    Ok(None) => {
                        pc += 1;
                        continue;
                    }
                    Ok(Some(flow)) => Ok(flow),
                    Err(Ok(fault)) => Err(fault.at(prog, pc)),
                    Err(Err(e)) => Err(e),
                }
            };
            let next = match self.advance(prog, n, result, chain) {
                Some(next) => next,
                // A Return Node: back to its call's return mark, if it is on this chain.
                None if self.st.halt => self.unwind(chain)?,
                None => return None,
            };
            (n, entry) = next;
            pc = code.entry_pc(n, entry);
        }
    }

    /// Runs instruction `pc` (of node `n`'s code, entered through `entry`): `None` when
    /// the node's run goes on with the next instruction (a pure dependency ran), else the
    /// node's flow. An instruction's fault becomes the owning node's error only when it
    /// fails.
    #[inline(always)]
    fn step(
        &mut self,
        prog: &ProgramInner,
        pc: usize,
        entry: Entry,
    ) -> Result<Option<Flow>, Result<Fault, (u32, NodeError)>> {
        match prog.code.instrs[pc] {
            Instr::Pure(d) => match self.call(prog, d, Entry::Pin(0)) {
                Ok(_) => Ok(None),
                Err(e) => Err(Err(e)),
            },
            Instr::Node(m) => match self.call(prog, m, entry) {
                Ok(flow) => Ok(Some(flow)),
                Err(e) => Err(Err(e)),
            },
            Instr::Int { op, a, b, dst } => int_op(&mut self.st.file(), op, a, b, dst).map(|()| None).map_err(Ok),
            Instr::Float { op, a, b, dst } => float_op(&mut self.st.file(), op, a, b, dst).map(|()| None).map_err(Ok),
            Instr::Get { var, dst } => {
                get(&mut self.st.file(), var, dst);
                Ok(None)
            }
            Instr::Set { var, src, dst, moves } => set(&mut self.st.file(), var, src, dst, moves).map(Some).map_err(Ok),
            Instr::SetInt {
                op,
                a,
                b,
                sum,
                var,
                dst,
                outputs_read,
            } => set_int(&mut self.st.file(), op, (a, b, sum), var, dst, outputs_read)
                .map(Some)
                .map_err(Ok),
            Instr::ForLoop {
                first,
                last,
                dst,
                body_len: 0,
                ..
            } => for_loop(&mut self.st.file(), entry, first, last, dst)
                .map(Some)
                .map_err(Ok),
            Instr::ForLoop {
                first,
                last,
                dst,
                body,
                body_len,
                bounds,
            } => {
                let body = body as usize..(body + body_len) as usize;
                let result = if bounds == Bounds::Registers {
                    self.loop_on_registers(prog, pc, entry, (first, last, dst), body)
                } else {
                    self.loop_in_place(prog, pc, entry, (first, last, dst), body, bounds)
                };
                match result {
                    Ok(flow) => Ok(Some(flow)),
                    Err(e) => Err(Err(e)),
                }
            }
            Instr::Branch { cond } => branch(&self.st.file(), cond).map(Some).map_err(Ok),
            Instr::Event => Ok(Some(Flow::Then(0))),
            Instr::Call { node, f } => match self.impure_call(prog, node, f, entry) {
                Ok(flow) => Ok(Some(flow)),
                Err(e) => Err(Err(e)),
            },
            Instr::PureCall { node, f } => match self.pure_call(prog, node, f) {
                Ok(_) => Ok(None),
                Err(e) => Err(Err(e)),
            },
            Instr::Return { node } => match self.return_from(prog, node) {
                Ok(flow) => Ok(Some(flow)),
                Err(e) => Err(Err(e)),
            },
        }
    }

    /// [`Instance::step`] with the observer's hooks around each node the instruction runs:
    /// `Set X = A + B` (one instruction) is reported as the Add, then the Set, and may
    /// pause before either (`half` says which comes next); a For Loop goes through the
    /// chain pass by pass rather than in place, so each node of its body is seen.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn observed_step(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        entry: Entry,
        pc: usize,
        half: u8,
        before_done: bool,
    ) -> Step {
        let code = &prog.code;
        let before =
            |this: &mut Instance, node: u32| before_done || this.hook_before(prog, node, true) == Control::Continue;
        match code.instrs[pc] {
            Instr::SetInt {
                op,
                a,
                b,
                sum,
                var,
                dst,
                ..
            } => {
                // Observed, every output is written: an observer sees them.
                let add = code.owner[pc];
                if half == 0 {
                    if !before(self, add) {
                        return Step::Pause(0);
                    }
                    if let Err(fault) = int_op(&mut self.st.file(), op, a, b, sum) {
                        let error = fault.at(prog, pc);
                        self.hook_after(prog, add, true, &Err(error.clone()));
                        return Step::Done(Err(error));
                    }
                    self.hook_after(prog, add, true, &Ok(Flow::End));
                    if self.hook_before(prog, n, true) == Control::Pause {
                        return Step::Pause(1);
                    }
                } else if !before(self, n) {
                    return Step::Pause(1);
                }
                let result = set(&mut self.st.file(), var, sum, dst, false).map_err(|f| f.at(prog, pc));
                self.hook_after(prog, n, true, &result);
                Step::Done(result)
            }
            Instr::Set {
                var,
                src,
                dst,
                moves: true,
            } => {
                // Observed, every output is written (copied, not moved): an observer sees it.
                if !before(self, n) {
                    return Step::Pause(0);
                }
                let result = set(&mut self.st.file(), var, src, dst, false).map_err(|f| f.at(prog, pc));
                self.hook_after(prog, n, true, &result);
                Step::Done(result)
            }
            Instr::ForLoop { first, last, dst, .. } => {
                if !before(self, n) {
                    return Step::Pause(0);
                }
                let result = for_loop(&mut self.st.file(), entry, first, last, dst).map_err(|f| f.at(prog, pc));
                self.hook_after(prog, n, true, &result);
                Step::Done(result)
            }
            instr => {
                let node = match instr {
                    Instr::Pure(d) | Instr::PureCall { node: d, .. } => d,
                    Instr::Int { .. } | Instr::Float { .. } | Instr::Get { .. } => code.owner[pc],
                    _ => n,
                };
                if !before(self, node) {
                    return Step::Pause(0);
                }
                let result = match self.step(prog, pc, entry) {
                    Ok(None) => None,
                    Ok(Some(flow)) => Some(Ok(flow)),
                    Err(Ok(fault)) => Some(Err(fault.at(prog, pc))),
                    Err(Err(e)) => Some(Err(e)),
                };
                match result {
                    None => {
                        self.hook_after(prog, node, true, &Ok(Flow::End));
                        Step::Next
                    }
                    Some(result) => {
                        self.hook_after(prog, node, true, &result);
                        Step::Done(result)
                    }
                }
            }
        }
    }

    /// The event hook: a chain starts at `node`.
    #[cold]
    fn hook_event(&mut self, prog: &ProgramInner, node: u32) {
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
    /// not taken.
    fn hook_before(&mut self, prog: &ProgramInner, node: u32, inputs_known: bool) -> Control {
        let control = match &mut self.observer {
            Some(observer) => observer.before(&NodeView {
                prog,
                st: &self.st,
                frames: &self.calls.stack,
                node,
                inputs_known,
                pausable: inputs_known && self.calls.nested == 0,
            }),
            None => Control::Continue,
        };
        if self.calls.nested == 0 {
            control
        } else {
            Control::Continue
        }
    }

    /// The after hook: `node` ran with `result` (an error is reported at the node that
    /// raised it).
    fn hook_after(
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

    /// Runs a For Loop whose body is a straight run of `Set`s in place (see
    /// [`Instr::ForLoop`]): the same passes, errors, loop-guard count and Quit as when the
    /// chain goes through the body node by node. Its bounds are read before each pass,
    /// or once (`Bounds::Once`: constants).
    #[inline(never)]
    pub(crate) fn loop_in_place(
        &mut self,
        prog: &ProgramInner,
        pc: usize,
        mut entry: Entry,
        (first, last, dst): (Reg, Reg, Reg),
        body: Range<usize>,
        bounds: Bounds,
    ) -> Result<Flow, (u32, NodeError)> {
        let code = &prog.code;
        let n = code.owner[pc];
        let deps = code.start[n as usize] as usize..pc;
        let limit = self.env.options.max_loop_iterations;
        let last_once = match bounds {
            Bounds::EachPass => None,
            _ => Some(self.st.file().int(last).map_err(|f| f.at(prog, pc))?),
        };
        loop {
            let index = match (last_once, entry) {
                // The next pass's index, as `for_loop` finds it.
                (Some(last), Entry::Resume(previous)) if previous as i64 == last => return Ok(Flow::Then(1)),
                (Some(_), Entry::Resume(previous)) => {
                    // Below the last index, so no overflow.
                    let index = previous as i64 + 1;
                    self.st.file().put_int(dst, index);
                    index as u64
                }
                _ => match for_loop(&mut self.st.file(), entry, first, last, dst) {
                    Ok(Flow::Loop { resume, .. }) => resume,
                    Ok(flow) => return Ok(flow),
                    Err(fault) => return Err(fault.at(prog, pc)),
                },
            };
            // In the order `advance` takes them: Quit (a pure node called through its
            // implementation may have quit), then the loop guard.
            if self.st.quit {
                return Ok(Flow::End);
            }
            self.st.iterations += 1;
            if self.st.iterations > limit {
                return Err((n, loop_guard_error(limit)));
            }
            // A stop request ends the chain at a loop pass.
            if self.env.aborted() {
                return Ok(Flow::End);
            }
            if !self.run_straight(prog, body.clone())? || !self.run_straight(prog, deps.clone())? {
                // A node quit: the chain ends (the caller sees it).
                return Ok(Flow::End);
            }
            entry = Entry::Resume(index);
        }
    }

    /// [`Instance::loop_in_place`] for a loop whose body runs on the registers alone
    /// (`Bounds::Registers`): its bounds read once, the index and the loop-guard count
    /// kept in machine registers; no node of its body can quit. A stop request is seen
    /// every [`STOP_CHECK_PASSES`] passes.
    #[inline(never)]
    pub(crate) fn loop_on_registers(
        &mut self,
        prog: &ProgramInner,
        pc: usize,
        entry: Entry,
        (first, last, dst): (Reg, Reg, Reg),
        body: Range<usize>,
    ) -> Result<Flow, (u32, NodeError)> {
        let mut file = self.st.file();
        let (mut index, last) = match for_loop(&mut file, entry, first, last, dst) {
            Ok(Flow::Loop { resume, .. }) => (resume as i64, file.int(last).map_err(|f| f.at(prog, pc))?),
            Ok(flow) => return Ok(flow),
            Err(fault) => return Err(fault.at(prog, pc)),
        };
        if self.st.quit {
            return Ok(Flow::End);
        }
        let instrs = &prog.code.instrs[body.clone()];
        let limit = self.env.options.max_loop_iterations;
        let mut iterations = self.st.iterations;
        let mut file = self.st.file();
        let flow = 'passes: loop {
            iterations += 1;
            if iterations > limit {
                break Err((prog.code.owner[pc], loop_guard_error(limit)));
            }
            if iterations.is_multiple_of(STOP_CHECK_PASSES) && self.env.aborted() {
                break Ok(Flow::End);
            }
            for (i, instr) in instrs.iter().enumerate() {
                match straight(&mut file, instr) {
                    Ok(Straight::Set | Straight::Pure) => {}
                    Ok(Straight::Node) => {
                        unreachable!("a loop on the registers runs no node through its implementation")
                    }
                    Err(fault) => break 'passes Err(fault.at(prog, body.start + i)),
                }
            }
            // The next pass's index, as `for_loop` finds it.
            if index == last {
                break Ok(Flow::Then(1));
            }
            index += 1;
            file.put_int(dst, index);
        };
        self.st.iterations = iterations;
        flow
    }

    /// Runs pure instructions and `Set`s one after another; false if a node quit.
    #[inline(always)]
    pub(crate) fn run_straight(&mut self, prog: &ProgramInner, run: Range<usize>) -> Result<bool, (u32, NodeError)> {
        for (i, instr) in prog.code.instrs[run.clone()].iter().enumerate() {
            match straight(&mut self.st.file(), instr) {
                // A pure node read before it may have quit: the Set runs, then the chain ends.
                Ok(Straight::Set) if self.st.quit => return Ok(false),
                Ok(Straight::Set | Straight::Pure) => {}
                Ok(Straight::Node) => {
                    self.straight_node(prog, *instr)?;
                    // An impure call is a node of the run, as a Set is.
                    if matches!(instr, Instr::Call { .. }) && self.st.quit {
                        return Ok(false);
                    }
                }
                Err(fault) => return Err(fault.at(prog, run.start + i)),
            }
        }
        Ok(true)
    }

    /// A node of a straight run that is not an instruction on the registers alone: a pure
    /// node, a pure call, or an impure call of an expression or of a straight body that
    /// calls no other function (which goes on through `then`, the run's next node). Kept
    /// out of [`Instance::run_straight`]'s loop.
    #[inline(never)]
    pub(crate) fn straight_node(&mut self, prog: &ProgramInner, instr: Instr) -> Result<(), (u32, NodeError)> {
        match instr {
            Instr::Pure(d) => self.call(prog, d, Entry::Pin(0)).map(drop),
            // Unobserved (a straight run is), an expression's call runs in place, unless a
            // node quit (see `Instance::pure_call`).
            Instr::PureCall { node, f } => match prog.functions[f as usize].expression {
                Some(ret) if !self.st.quit => self.expression_call(prog, node, f, ret).map(drop),
                _ => self.pure_call(prog, node, f).map(drop),
            },
            // A pure node read for its arguments quit: the chain would end before its body.
            Instr::Call { .. } if self.st.quit => Ok(()),
            Instr::Call { node, f } => match (prog.functions[f as usize].expression, prog.code.straight[f as usize]) {
                (Some(ret), _) => self.expression_call(prog, node, f, ret).map(drop),
                (None, Some(body)) => self
                    .straight_call(prog, node, f, body, false)
                    .expect("a function that calls no other is never running when called"),
                (None, None) => unreachable!("a straight run calls only expressions and straight bodies"),
            },
            _ => unreachable!("a straight run holds pure instructions, Sets and calls of expressions"),
        }
    }
}

/// How often a loop on the registers looks for a stop request, in passes.
const STOP_CHECK_PASSES: u64 = 1024;

pub(crate) fn loop_guard_error(limit: u64) -> NodeError {
    NodeError::new(format!(
        "infinite loop: more than {limit} loop iterations in one event (set the limit with --max-loop-iterations)"
    ))
}

/// A running chain's pending re-entries (Sequence, loops).
pub(crate) struct Chain {
    pub(crate) stack: Vec<(u32, u64)>,
}

/// Where a chain goes on: node `n` entered through `entry`, at instruction `pc` (and, for
/// `Set X = A + B`, at its second half).
pub(crate) struct Resume {
    n: u32,
    entry: Entry,
    pc: usize,
    half: u8,
    /// The before hook has run for the node at `pc` (it paused there): do not ask again.
    before_done: bool,
}

impl Resume {
    /// The start of node `n`'s run, entered through `entry`.
    pub(crate) fn at(prog: &ProgramInner, n: u32, entry: Entry) -> Resume {
        Resume {
            n,
            entry,
            pc: prog.code.entry_pc(n, entry),
            half: 0,
            before_done: false,
        }
    }
}

/// A chain an observer paused.
pub(crate) struct Paused {
    at: Resume,
    chain: Chain,
}

/// How an observed instruction went.
enum Step {
    /// Pause before it (at this half).
    Pause(u8),
    /// A pure dependency ran: on to the next instruction.
    Next,
    /// The node ran, with this result.
    Done(Result<Flow, (u32, NodeError)>),
}

pub(crate) enum Start {
    /// Evaluate pure dependencies and inputs first.
    Fresh,
    /// A wake-up: inputs are not evaluated again (they read as unset).
    NoInputs,
    /// A latent result: run this instead of the node.
    With(LatentFn),
}
