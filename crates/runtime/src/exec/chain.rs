//! Running one event's chain: node after node through the program's instructions (a node
//! that is not an instruction of its own goes through the node path, [`super::node_path`]),
//! with the re-entry stack (Sequence, loops), the loop guard, the stop check and the
//! observer's hooks; and the errors a chain raises itself.

use crate::exec::calls::CALL_DONE;
use crate::exec::instance::Instance;
use crate::exec::observe::{Control, NodeView, Ran};
use crate::exec::ops::{
    compare_floats, compare_ints, float_op, for_each, for_loop, get, int_op, put_bool, set, set_int,
};
use crate::node::event::LatentFn;
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
        if let Some((pc, entry)) = first {
            let at = Resume {
                pc,
                entry,
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
                chain.push(prog, n, resume);
                Some(out)
            }
            Flow::Loop { out, resume } => {
                // A stop request ends the chain at a loop pass.
                if self.env.aborted() {
                    self.st.halt = true;
                    return None;
                }
                self.st.iterations += 1;
                chain.push(prog, n, resume);
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

    /// Runs a chain through the program's instructions from `at`: the one dispatch. For
    /// each node, its pure dependencies, then the node, then on to where it leads: a
    /// jump the lowering resolved, or where the node's flow says ([`Instance::advance`]).
    /// `OBSERVED` runs the observer's hooks around every node (and where it pauses,
    /// returns where to go on); without it they are compiled out. A fused instruction is
    /// two nodes to an observer: the first, then the second, and it may pause before
    /// either (`half` says which comes next).
    pub(crate) fn run_code<const OBSERVED: bool>(
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
        // halted (Quit, a failure, a Return Node: `halt_or_end`).
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
                Instr::PureCall { node, f } => pure!(self.pure_call(prog, node, f).map(drop)),
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
        if self.env.aborted() {
            self.st.halt = true;
        }
        self.st.iterations += 1;
        let table = if observed { &prog.code.start } else { &prog.code.resume };
        chain.push_at(table, n, index);
        if self.st.iterations > self.env.options.max_loop_iterations {
            self.loop_guard(prog, n);
            self.st.halt = true;
        }
    }

    /// Where the chain goes after node `n` went on to `next` (a jump the lowering
    /// resolved), as [`Instance::advance`] decides for a flow: nowhere once the chain is to
    /// end (Quit, a failure, a Return Node, the loop guard); an exec cycle's pass is
    /// counted, and a stop request ends the chain there.
    #[inline(always)]
    fn jump(&mut self, prog: &ProgramInner, n: u32, next: Next, chain: &mut Chain) -> Option<(usize, Entry)> {
        if self.st.halt {
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

    /// An exec cycle's pass after node `n`: counted for the loop guard, and a stop request
    /// ends the chain here. True if the chain ends.
    #[cold]
    fn back_edge(&mut self, prog: &ProgramInner, n: u32) -> bool {
        if self.env.aborted() {
            self.st.halt = true;
            return true;
        }
        self.st.iterations += 1;
        if self.st.iterations > self.env.options.max_loop_iterations {
            self.loop_guard(prog, n);
            self.st.halt = true;
            return true;
        }
        false
    }

    /// The chain goes nowhere: after a Return Node, back to its call's return mark, if it
    /// is on this chain; else (a failure, Quit, the chain's end) it is over.
    fn halted(&mut self, chain: &mut Chain) -> Option<(usize, Entry)> {
        if !self.st.halt {
            return None;
        }
        self.unwind(chain)
    }

    /// Observed, the before hook of the node at `pc`; true if the observer pauses there. A
    /// call node entered again as its function returns is seen, but it is the same run of
    /// the node: it pauses only before the call.
    fn pauses_before(&mut self, prog: &ProgramInner, pc: usize, entry: Entry) -> bool {
        let returning = matches!(entry, Entry::Resume(CALL_DONE)) && matches!(prog.code.instrs[pc], Instr::Call { .. });
        self.hook_before(prog, prog.code.owner[pc], true, !returning) == Control::Pause
    }

    /// Observed, the second node of a fused instruction at `pc` (the Set of `Set X = A +
    /// B`, the Branch of `Branch(A < B)`): the first's after hook, then the second's
    /// before hook; true if the observer pauses there.
    fn second_half(&mut self, prog: &ProgramInner, pc: usize) -> bool {
        self.hook_after(prog, prog.code.owner[pc], true, &Ok(Flow::End));
        self.hook_before(prog, prog.code.node[pc], true, true) == Control::Pause
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
    /// not taken; nor where `may_pause` is false (a node run again without its inputs, a
    /// call node its function returns to).
    fn hook_before(&mut self, prog: &ProgramInner, node: u32, inputs_known: bool, may_pause: bool) -> Control {
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
}

pub(crate) fn loop_guard_error(limit: u64) -> NodeError {
    NodeError::new(format!(
        "infinite loop: more than {limit} loop iterations in one event (set the limit with --max-loop-iterations)"
    ))
}

/// A running chain's pending re-entries (Sequence, loops, calls' return marks): each the
/// node, the instruction it is entered again at (`Code::resume`) and its payload.
pub(crate) struct Chain {
    pub(crate) stack: Vec<Reentry>,
}

/// A re-entry: node, instruction, payload.
pub(crate) type Reentry = (u32, u32, u64);

impl Chain {
    /// Node `n` is to be entered again with `payload` when the chain's branch ends, at its
    /// resume instruction (`Code::resume`).
    #[inline(always)]
    fn push(&mut self, prog: &ProgramInner, n: u32, payload: u64) {
        self.push_at(&prog.code.resume, n, payload);
    }

    /// As [`Chain::push`], at the instruction `table` gives node `n` (a loop pass of an
    /// observed run re-enters at `Code::start`, reading its bounds again).
    #[inline(always)]
    fn push_at(&mut self, table: &[u32], n: u32, payload: u64) {
        self.stack.push((n, table[n as usize], payload));
    }

    /// The branch ended: the latest re-entry, if any.
    #[inline(always)]
    fn pop(&mut self) -> Option<(usize, Entry)> {
        let (_, pc, payload) = self.stack.pop()?;
        Some((pc as usize, Entry::Resume(payload)))
    }
}

/// Where a chain goes on: instruction `pc`, its node entered through `entry` (and, for a
/// fused instruction, at its second half).
pub(crate) struct Resume {
    pc: usize,
    entry: Entry,
    half: u8,
    /// The before hook has run for the node at `pc` (it paused there): do not ask again.
    before_done: bool,
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
    fn half(pc: usize, entry: Entry) -> Resume {
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
    at: Resume,
    chain: Chain,
}

pub(crate) enum Start {
    /// Evaluate pure dependencies and inputs first.
    Fresh,
    /// A wake-up: inputs are not evaluated again (they read as unset).
    NoInputs,
    /// A latent result: run this instead of the node.
    With(LatentFn),
}
