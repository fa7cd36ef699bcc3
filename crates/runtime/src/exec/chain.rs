//! Running one event's chain: node after node through the program's instructions (a node
//! that is not an instruction of its own goes through the node path, [`super::node_path`]),
//! with the re-entry stack (Sequence, loops), the loop guard, the stop check and the
//! observer's hooks; and the errors a chain raises itself.

use crate::exec::base::{Chain, End, Instance, Paused, Resume, Start};
use crate::exec::frames::CALL_DONE;
use crate::exec::node_path::Body;
use crate::exec::ops::{
    compare_floats, compare_ints, float_op, for_each, for_loop, get, int_op, put_bool, set, set_int,
};
use crate::exec::state::Halt;
use crate::node::{Entry, Flow, NodeError};
use crate::plan::code::{Instr, Next};
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
            Start::Fresh => Some((prog.code.entry_pc(node, entry), entry)),
            start => {
                // A wake-up or a latent node's result: the node runs again without its
                // inputs (an observer sees it, but cannot pause it here).
                if observed {
                    self.hook_before(prog, node, false, false);
                }
                let body = match start {
                    Start::With(f) => Body::Latent(f),
                    _ => Body::Own,
                };
                let result = self.exec_node(prog, node, entry, body);
                if observed {
                    self.hook_after(prog, node, false, &result);
                }
                self.advance(prog, node, result, &mut chain)
            }
        };
        if let Some((pc, entry)) = first {
            let at = Resume {
                pc,
                entry,
                half: 0,
                before_done: false,
            };
            let end = if observed {
                self.run_observed(prog, at, &mut chain)
            } else {
                self.run_code::<false>(prog, at, &mut chain)
            };
            if let End::Paused(at) = end {
                self.paused = Some(Paused { at, chain });
                return;
            }
        }
        chain.stack.clear();
        self.st.stack = chain.stack;
        self.end_chain();
    }

    /// Runs what a task of node `n` sent back (a closure, or a report about an object for
    /// its class: a socket's "a message came"), in the node's context: seen by an observer
    /// as the node running again, without its inputs; it goes on through no exec output
    /// (what it fires runs as events of its own).
    pub(crate) fn run_task(&mut self, prog: &ProgramInner, n: u32, body: Body) {
        let observed = self.observer.is_some();
        if observed {
            self.hook_before(prog, n, false, false);
        }
        let result = self.exec_node(prog, n, Entry::Resume(0), body);
        if observed {
            self.hook_after(prog, n, false, &result);
        }
        if let Err((at, e)) = result {
            self.runtime_error(prog, at, e);
        }
    }

    /// Goes on with the chain an observer paused.
    pub(crate) fn resume_chain(&mut self, prog: &ProgramInner) {
        let Some(Paused { at, mut chain }) = self.paused.take() else {
            return;
        };
        if let End::Paused(at) = self.run_observed(prog, at, &mut chain) {
            self.paused = Some(Paused { at, chain });
            return;
        }
        chain.stack.clear();
        self.st.stack = chain.stack;
        self.end_chain();
        // The chain is over: a host call waiting on it has its answer.
        self.answer();
    }

    /// A pure call: its body runs now, to its end, as a nested chain (an observer sees its
    /// nodes but cannot pause it). `Ok(false)` if its body failed, quit or was stopped:
    /// the failure was reported where it happened, and the chain that called ends here
    /// too (its `halt` is the body's) without another report.
    pub(crate) fn pure_call(&mut self, prog: &ProgramInner, node: u32, f: u32) -> Result<bool, (u32, NodeError)> {
        self.start_call(prog, node, f)?;
        let depth = self.calls.stack.len();
        let mut body = Chain {
            stack: self.calls.stacks.pop().unwrap_or_default(),
        };
        let plan = &prog.functions[f as usize];
        let first = prog.nodes[plan.entry as usize].exec_out.first().copied().flatten();
        // A body may call again, deeper: grow the stack rather than overflow it.
        let mut end = End::Over(None);
        if let Some(first) = first {
            let at = Resume::at(prog, first.node, Entry::Pin(first.pin as usize));
            self.calls.nested += 1;
            end = stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || {
                if self.observer.is_some() {
                    self.run_code::<true>(prog, at, &mut body)
                } else {
                    self.run_code::<false>(prog, at, &mut body)
                }
            });
            self.calls.nested -= 1;
        }
        body.stack.clear();
        self.calls.stacks.push(body.stack);
        // The body's own calls are over, finished or abandoned by a failure.
        self.drop_calls(depth);
        self.finish_call(prog, node);
        match end {
            End::Over(Some(halt)) if halt != Halt::Returned => {
                self.st.halt.set(halt);
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    /// [`Instance::run_code`] with the observer's hooks, kept out of line so that the
    /// unobserved loop stays as small as it was.
    #[inline(never)]
    fn run_observed(&mut self, prog: &ProgramInner, at: Resume, chain: &mut Chain) -> End {
        self.run_code::<true>(prog, at, chain)
    }

    /// A chain is over: nothing of it goes on (a failure inside function calls leaves
    /// them running: they are dropped).
    fn end_chain(&mut self) {
        self.st.halt.take();
        self.calls.has_returned = false;
        self.drop_calls(0);
    }

    /// Where a chain goes once node `n` has run: the next instruction and how its node is
    /// entered, or `None` when the chain is over (it ended, failed, quit or tripped the
    /// loop guard).
    #[inline(always)]
    pub(crate) fn advance(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        result: Result<Flow, (u32, NodeError)>,
        chain: &mut Chain,
    ) -> Option<(usize, Entry)> {
        let flow = match result {
            Ok(flow) => flow,
            Err((at, e)) => {
                self.runtime_error(prog, at, e);
                self.st.halt.set(Halt::Failed);
                return None;
            }
        };
        // Quit, a failure inside a pure call, or a Return Node: the chain stops here
        // (`run_code` takes a Return back to its call's mark).
        if self.st.halt.is_set() {
            return None;
        }
        let out = match flow {
            Flow::Then(out) => Some(out),
            Flow::End => None,
            Flow::Call { out, resume } => {
                chain.push(prog, n, resume);
                Some(out)
            }
            Flow::Loop { out, resume } => {
                if self.pass(prog, n) {
                    return None;
                }
                chain.push(prog, n, resume);
                Some(out)
            }
        };
        let exec_out = &prog.nodes[n as usize].exec_out;
        let target = match out {
            Some(out) if out < exec_out.len() => exec_out[out],
            Some(out) => {
                self.no_such_exec_output(prog, n, out);
                self.st.halt.set(Halt::Failed);
                return None;
            }
            None => None,
        };
        if target.is_some_and(|t| t.back_edge) && self.pass(prog, n) {
            return None;
        }
        match target {
            Some(target) => Some((
                prog.code.start[target.node as usize] as usize,
                Entry::Pin(target.pin as usize),
            )),
            None => chain.pop(),
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

    /// Runs a chain through the program's instructions from `at` ([`Instance::run_instrs`])
    /// and says how it ended: over, at its end or halted (and why, taken from the state:
    /// the chain's halt is over with it), or paused by an observer (and where it goes on).
    #[inline(always)]
    pub(crate) fn run_code<const OBSERVED: bool>(&mut self, prog: &ProgramInner, at: Resume, chain: &mut Chain) -> End {
        match self.run_instrs::<OBSERVED>(prog, at, chain) {
            Some(at) => End::Paused(at),
            None => End::Over(self.st.halt.take()),
        }
    }

    /// The one dispatch. For each node, its pure dependencies, then the node, then on to
    /// where it leads: a jump the lowering resolved, or where the node's flow says
    /// ([`Instance::advance`]). `OBSERVED` runs the observer's hooks around every node
    /// (and where it pauses, returns where to go on); without it they are compiled out. A
    /// fused instruction is two nodes to an observer: the first, then the second, and it
    /// may pause before either (`half` says which comes next). `None` when the chain is
    /// over (its halt, if any, still set).
    fn run_instrs<const OBSERVED: bool>(
        &mut self,
        prog: &ProgramInner,
        at: Resume,
        chain: &mut Chain,
    ) -> Option<Resume> {
        let code = &prog.code;
        let Resume {
            mut pc,
            mut entry,
            mut half,
            mut before_done,
        } = at;
        // Where the chain goes next, or, when it goes nowhere, whether it ended or was
        // halted (Quit, a failure, a stop, a Return Node: `halted`).
        macro_rules! goto {
            ($next:expr) => {
                match $next {
                    Some(next) => {
                        (pc, entry) = next;
                        continue;
                    }
                    None => match self.halted(chain) {
                        Some(next) => {
                            (pc, entry) = next;
                            continue;
                        }
                        None => return None,
                    },
                }
            };
        }
        // The node at `pc` ran and goes on to `next` (`flow`, for an observer).
        macro_rules! go {
            ($next:expr, $flow:expr) => {{
                if OBSERVED {
                    self.hook_after(prog, code.node[pc], true, &Ok($flow));
                }
                goto!(self.jump(prog, code.node[pc], $next, chain))
            }};
        }
        // The node at `pc` ran with `result`: its flow says where the chain goes.
        macro_rules! flow {
            ($result:expr) => {{
                let result = $result;
                if OBSERVED {
                    self.hook_after(prog, code.node[pc], true, &result);
                }
                goto!(self.advance(prog, code.node[pc], result, chain))
            }};
        }
        // A pure instruction ran, or failed.
        macro_rules! pure {
            ($result:expr) => {{
                match $result {
                    Ok(()) => {
                        if OBSERVED {
                            self.hook_after(prog, code.owner[pc], true, &Ok(Flow::End));
                        }
                        pc += 1;
                        continue;
                    }
                    Err(e) => {
                        let e: (u32, NodeError) = e;
                        if OBSERVED {
                            self.hook_after(prog, code.owner[pc], true, &Err(e.clone()));
                        }
                        goto!(self.advance(prog, code.node[pc], Err(e), chain))
                    }
                }
            }};
        }
        loop {
            let asked = std::mem::take(&mut before_done);
            let second = std::mem::take(&mut half) == 1;
            if OBSERVED && !second && !asked && self.pauses_before(prog, pc, entry) {
                return Some(Resume {
                    pc,
                    entry,
                    half: 0,
                    before_done: true,
                });
            }
            match code.instrs[pc] {
                Instr::Int { op, a, b, dst } => {
                    pure!(int_op(&mut self.st.file(), op, a, b, dst).map_err(|f| f.at(prog, pc)))
                }
                Instr::Float { op, a, b, dst } => {
                    pure!(float_op(&mut self.st.file(), op, a, b, dst).map_err(|f| f.at(prog, pc)))
                }
                Instr::CompareInt { op, a, b, dst } => {
                    let mut file = self.st.file();
                    let result = compare_ints(&file, op, a, b).map(|v| put_bool(&mut file, dst, v));
                    pure!(result.map_err(|f| f.at(prog, pc)))
                }
                Instr::CompareFloat { op, a, b, dst } => {
                    let mut file = self.st.file();
                    let result = compare_floats(&file, op, a, b).map(|v| put_bool(&mut file, dst, v));
                    pure!(result.map_err(|f| f.at(prog, pc)))
                }
                Instr::Get { var, dst } => {
                    get(&mut self.st.file(), var, dst);
                    pure!(Ok(()))
                }
                Instr::Pure(d) => pure!(self.call(prog, d, Entry::Pin(0)).map(drop)),
                Instr::PureCall { node, f } => match self.pure_call(prog, node, f) {
                    Ok(true) => pure!(Ok(())),
                    Ok(false) => {
                        // Its body failed, and said so: the chain ends here.
                        if OBSERVED {
                            let failed = NodeError::new("the function it calls failed");
                            self.hook_after(prog, node, true, &Err((node, failed)));
                        }
                        goto!(None)
                    }
                    Err(e) => pure!(Err(e)),
                },
                Instr::Node(m) => flow!(self.call(prog, m, entry)),
                Instr::Event { next } => go!(next, Flow::Then(0)),
                Instr::Set {
                    var,
                    src,
                    dst,
                    moves,
                    next,
                } => {
                    // Observed, it copies: an observer sees every output.
                    match set(&mut self.st.file(), var, src, dst, moves && !OBSERVED) {
                        Ok(()) => go!(next, Flow::Then(0)),
                        Err(fault) => flow!(Err(fault.at(prog, pc))),
                    }
                }
                Instr::SetInt {
                    op,
                    a,
                    b,
                    sum,
                    var,
                    dst,
                    outputs_read,
                    next,
                } => {
                    if !OBSERVED {
                        match set_int(&mut self.st.file(), op, (a, b, sum), var, dst, outputs_read) {
                            Ok(()) => go!(next, Flow::Then(0)),
                            Err(fault) => pure!(Err(fault.at(prog, pc))),
                        }
                    }
                    // Observed: the Int, then the Set, every output written.
                    if !second {
                        if let Err(fault) = int_op(&mut self.st.file(), op, a, b, sum) {
                            pure!(Err(fault.at(prog, pc)))
                        }
                        if self.second_half(prog, pc) {
                            return Some(Resume::half(pc, entry));
                        }
                    }
                    match set(&mut self.st.file(), var, sum, dst, false) {
                        Ok(()) => go!(next, Flow::Then(0)),
                        Err(fault) => flow!(Err(fault.at(prog, pc))),
                    }
                }
                Instr::Branch { cond, then, otherwise } => match self.st.file().bool(cond) {
                    Ok(true) => go!(then, Flow::Then(0)),
                    Ok(false) => go!(otherwise, Flow::Then(1)),
                    Err(fault) => flow!(Err(fault.at(prog, pc))),
                },
                Instr::CompareBranch {
                    op,
                    a,
                    b,
                    dst,
                    outputs_read,
                    then,
                    otherwise,
                } => {
                    let mut file = self.st.file();
                    let test = if second {
                        // Paused before the Branch: the comparison is in its output.
                        file.bool(dst)
                    } else {
                        compare_ints(&file, op, a, b)
                    };
                    let test = match test {
                        Ok(test) => test,
                        Err(fault) => pure!(Err(fault.at(prog, pc))),
                    };
                    if outputs_read || OBSERVED {
                        put_bool(&mut file, dst, test);
                    }
                    if OBSERVED && !second && self.second_half(prog, pc) {
                        return Some(Resume::half(pc, entry));
                    }
                    if test {
                        go!(then, Flow::Then(0))
                    } else {
                        go!(otherwise, Flow::Then(1))
                    }
                }
                Instr::ForLoop {
                    node,
                    first,
                    last,
                    dst,
                    body,
                    done,
                } => match for_loop(&mut self.st.file(), entry, first, last, dst) {
                    Ok(Some(index)) => {
                        // A pass, as `advance` takes a `Flow::Loop`.
                        self.loop_pass(prog, node, index, chain, OBSERVED);
                        go!(body, Flow::Loop { out: 0, resume: index })
                    }
                    Ok(None) => go!(done, Flow::Then(1)),
                    Err(fault) => flow!(Err(fault.at(prog, pc))),
                },
                Instr::ForEach {
                    node,
                    array,
                    dst,
                    body,
                    done,
                } => match for_each(&mut self.st.file(), entry, array, dst) {
                    Ok(Some(index)) => {
                        self.loop_pass(prog, node, index, chain, OBSERVED);
                        go!(body, Flow::Loop { out: 0, resume: index })
                    }
                    Ok(None) => go!(done, Flow::Then(1)),
                    Err(fault) => flow!(Err(fault.at(prog, pc))),
                },
                Instr::Call { node, f, body, then } => match entry {
                    Entry::Resume(CALL_DONE) => {
                        let flow = self.finish_call(prog, node);
                        go!(then, flow)
                    }
                    _ => match self.start_call(prog, node, f) {
                        Ok(()) => {
                            chain.stack.push((node, pc as u32, CALL_DONE));
                            go!(
                                body,
                                Flow::Call {
                                    out: 1,
                                    resume: CALL_DONE,
                                }
                            )
                        }
                        Err(e) => flow!(Err(e)),
                    },
                },
                Instr::Return { node } => flow!(self.return_from(prog, node)),
            }
        }
    }

    /// A For Loop's pass (node `n`, this index), as [`Instance::advance`] takes a
    /// `Flow::Loop`: a stop request ends the chain here; the pass is counted for the loop
    /// guard; the loop goes back on the re-entry stack. Observed, the next pass reads the
    /// bounds again even where the lowering found nothing in the body can change them: a
    /// host may set variables while a pause holds the chain, and a trace shows every read.
    #[inline(always)]
    fn loop_pass(&mut self, prog: &ProgramInner, n: u32, index: u64, chain: &mut Chain, observed: bool) {
        // Ending here halts the chain: the jump to the body that follows goes nowhere.
        self.pass(prog, n);
        let table = if observed { &prog.code.start } else { &prog.code.resume };
        chain.push_at(table, n, index);
    }

    /// A loop's or an exec cycle's pass after node `n`, the one place both are counted: a
    /// stop request ends the chain here, and so does the loop guard, past its limit (a
    /// runtime error). True, with the chain halted, if it ends.
    #[inline(always)]
    fn pass(&mut self, prog: &ProgramInner, n: u32) -> bool {
        if self.env.aborted() {
            self.st.halt.set(Halt::Stopped);
            return true;
        }
        self.st.iterations += 1;
        if self.st.iterations > self.env.options.max_loop_iterations {
            self.loop_guard(prog, n);
            self.st.halt.set(Halt::Failed);
            return true;
        }
        false
    }

    /// Where the chain goes after node `n` went on to `next` (a jump the lowering
    /// resolved), as [`Instance::advance`] decides for a flow: nowhere once the chain is to
    /// end (Quit, a failure, a Return Node, the loop guard); an exec cycle's pass is
    /// counted, and a stop request ends the chain there.
    #[inline(always)]
    fn jump(&mut self, prog: &ProgramInner, n: u32, next: Next, chain: &mut Chain) -> Option<(usize, Entry)> {
        if self.st.halt.is_set() {
            return None;
        }
        if next.back && self.back_edge(prog, n) {
            return None;
        }
        if next.pc == Next::END.pc {
            return chain.pop();
        }
        Some((next.pc as usize, Entry::Pin(next.pin as usize)))
    }

    /// An exec cycle's pass after node `n` ([`Instance::pass`], out of the hot loop). True
    /// if the chain ends.
    #[cold]
    fn back_edge(&mut self, prog: &ProgramInner, n: u32) -> bool {
        self.pass(prog, n)
    }

    /// The chain goes nowhere: after a Return Node, back to its call's return mark, if it
    /// is on this chain; else (a failure, Quit, the chain's end) it is over.
    fn halted(&mut self, chain: &mut Chain) -> Option<(usize, Entry)> {
        if !self.st.halt.is_set() {
            return None;
        }
        self.unwind(chain)
    }
}

pub(crate) fn loop_guard_error(limit: u64) -> NodeError {
    NodeError::new(format!(
        "infinite loop: more than {limit} loop iterations in one event (set the limit with --max-loop-iterations)"
    ))
}
