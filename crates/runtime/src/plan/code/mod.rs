//! The flat instructions the interpreter runs, observed or not: one dispatch
//! (`exec/chain.rs`) decides each of them. Each impure node has a run of instructions: one
//! per pure node it reads (dependencies first), then one for the node itself, which says
//! where the chain goes next. The standard library's hot nodes (arithmetic, comparisons,
//! Get, Set, Branch, For Loop, events, calls) are instructions whose operands are
//! registers: an instance keeps its output slots, then its variables, then the constants
//! the instructions read, in one array, so an operand is one index wherever it comes from;
//! and they jump straight to the next node's run. Every other node, and a hot node whose
//! inputs need a conversion, is a call through [`Node`](crate::Node), whose [`Flow`]
//! says where to go.
//!
//! The lowering's optimizations are general, never shapes:
//! - a pure instruction read only by the Set or Branch right after it is fused with it
//!   (`Set X = A op B`, `Branch(A < B)`);
//! - a For Loop whose bounds nothing in its body can change reads them once: a pass
//!   re-enters the loop's own instruction, not its pure dependencies (unobserved: an
//!   observed run reads them each pass, since a host may set a variable during a pause);
//! - a Set of a variable that the node before it changes in place moves the value
//!   (`Set X = Array Add(X, v)`).
//!
//! They can be turned off (`Registry::load_str_unfused`): `tests/run_compare.rs` runs
//! generated graphs fused and unfused, observed and not.
//!
//! [`Flow`]: crate::Flow

use crate::node::arith::{Compare, FloatOp, IntOp};
use crate::node::input::InputPlan;
use crate::node::{Entry, Op};
use crate::value::{Conversion, Value};

/// Where an exec output leads (the checker decides it; the lowering turns it into a jump).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExecTarget {
    pub node: u32,
    pub pin: u32,
    /// Whether following it closes a cycle of exec links (counted by the loop guard).
    pub back_edge: bool,
}

/// A register: an index into an instance's registers (slots, then variables, then
/// constants). Reading a slot that is still unset is an error.
pub(crate) type Reg = u32;

/// Where the chain goes after a node: the start of a node's run, entered through exec
/// input `pin`; or, at [`Next::END`], back to the chain's re-entry stack (the chain's
/// branch is over).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Next {
    pub pc: u32,
    pub pin: u16,
    /// Following it closes a cycle of exec links (a pass the loop guard counts).
    pub back: bool,
}

impl Next {
    pub const END: Next = Next {
        pc: u32::MAX,
        pin: 0,
        back: false,
    };

    /// Where `target` leads: during the lowering, `pc` is the node's index, made the
    /// start of its run once every run is laid out.
    fn to(target: Option<ExecTarget>) -> Next {
        match target {
            Some(t) => Next {
                pc: t.node,
                pin: u16::try_from(t.pin).unwrap_or(u16::MAX),
                back: t.back_edge,
            },
            None => Next::END,
        }
    }
}

/// One instruction. The pure ones (`Pure`, `PureCall`, `Int`, `Float`, `CompareInt`,
/// `CompareFloat`, `Get`) evaluate a pure node and go on to the next instruction; the
/// others run the node itself and end its run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Instr {
    /// A pure node, called through its implementation.
    Pure(u32),
    /// A pure call of function `f` by node `node`: its body runs now, as a nested chain.
    PureCall { node: u32, f: u32 },
    /// Arithmetic on two Ints into `dst`; an error if it overflows or divides by zero.
    Int { op: IntOp, a: Reg, b: Reg, dst: Reg },
    /// Arithmetic on two Floats into `dst`; an error if it divides by zero.
    Float { op: FloatOp, a: Reg, b: Reg, dst: Reg },
    /// A comparison of two Ints into `dst`.
    CompareInt { op: Compare, a: Reg, b: Reg, dst: Reg },
    /// A comparison of two Floats into `dst`.
    CompareFloat { op: Compare, a: Reg, b: Reg, dst: Reg },
    /// Get: the variable in register `var` into `dst`.
    Get { var: Reg, dst: Reg },
    /// The node itself, called through its implementation: its flow says where to go.
    Node(u32),
    /// An event node: on to `next` (its outputs are set by whoever fired it).
    Event { next: Next },
    /// Set: the variable in register `var` and the output `dst` from `src`; on to `next`.
    /// With `moves`, `src` is moved into the variable and `dst` is not written: the Set
    /// takes the output of the pure node right before it, which only it reads, and no
    /// node reads the Set's own output (`Set X = Array Add(X, v)`, see `Code::takes`).
    /// Observed, it copies as a plain Set does.
    Set {
        var: Reg,
        src: Reg,
        dst: Reg,
        moves: bool,
        next: Next,
    },
    /// An `Int` whose result the `Set` right after it reads (`Set X = X + 1`): the result
    /// into the Int node's output `sum`, the variable `var` and the Set's output `dst`;
    /// on to `next`. Errors are the Int node's. Unless `outputs_read` (some other node
    /// reads `sum` or `dst`), an unobserved run writes only the variable: no one could
    /// tell.
    SetInt {
        op: IntOp,
        a: Reg,
        b: Reg,
        sum: Reg,
        var: Reg,
        dst: Reg,
        outputs_read: bool,
        next: Next,
    },
    /// Branch: to `then` or `otherwise`.
    Branch { cond: Reg, then: Next, otherwise: Next },
    /// A `CompareInt` whose result only the Branch right after it reads: the comparison
    /// (into `dst` too when `outputs_read`, or observed), then the Branch.
    CompareBranch {
        op: Compare,
        a: Reg,
        b: Reg,
        dst: Reg,
        outputs_read: bool,
        then: Next,
        otherwise: Next,
    },
    /// For Loop (node `node`): the next index into `dst` and on to `body`, leaving the
    /// loop on the chain's re-entry stack; or, past the last index, on to `done`.
    ForLoop {
        node: u32,
        first: Reg,
        last: Reg,
        dst: Reg,
        body: Next,
        done: Next,
    },
    /// For Each Loop (node `node`) over the Array or Json array in `array`: the next element
    /// into `dst` and its index into `dst + 1`, and on to `body`, leaving the loop on the
    /// chain's re-entry stack; or, past the end, on to `done`. The array is read again each
    /// pass, as Blueprint's For Each Loop reads it.
    ForEach {
        node: u32,
        array: Reg,
        dst: Reg,
        body: Next,
        done: Next,
    },
    /// An impure call of function `f` by node `node`: into the function's body (`body`),
    /// leaving a return mark on the re-entry stack; entered again through the mark, it
    /// finishes and goes on to `then`.
    Call { node: u32, f: u32, body: Next, then: Next },
    /// A Return Node: the innermost call's outputs take its inputs; the body's chain ends.
    Return { node: u32 },
}

impl Instr {
    /// The jumps of a node's instruction, to be made pcs.
    fn nexts(&mut self) -> Vec<&mut Next> {
        match self {
            Instr::Event { next } | Instr::Set { next, .. } | Instr::SetInt { next, .. } => vec![next],
            Instr::Branch { then, otherwise, .. } | Instr::CompareBranch { then, otherwise, .. } => {
                vec![then, otherwise]
            }
            Instr::ForLoop { body, done, .. } | Instr::ForEach { body, done, .. } => vec![body, done],
            Instr::Call { body, then, .. } => vec![body, then],
            _ => Vec::new(),
        }
    }
}

/// The instructions of a whole program.
pub(crate) struct Code {
    pub instrs: Box<[Instr]>,
    /// The node whose error each instruction's fault is (a fused instruction's first
    /// node: the Int of `Set X = A + B`).
    pub owner: Box<[u32]>,
    /// The node whose run each instruction is part of.
    pub node: Box<[u32]>,
    /// The values of the constant registers, which follow the slots and the variables.
    pub consts: Box<[Value]>,
    /// Where each node's run starts; last, where the runs end.
    pub start: Box<[u32]>,
    /// Where each node's run starts when it is entered again (`Entry::Resume`): at its
    /// start, its pure dependencies evaluated again (a loop reads its bounds each pass, as
    /// Blueprint does), but at its own instruction for an impure function call (which
    /// finishes with the arguments it was called with) and for a For Loop whose bounds
    /// nothing in its body can change (`invariant_bounds`).
    pub resume: Box<[u32]>,
    /// The inputs (node, input) whose variable a `Set` that `moves` gives back: the
    /// checker makes them `InputPlan::TakeVar`.
    pub takes: Box<[(u32, u32)]>,
}

impl Code {
    /// The instructions of node `n`'s run.
    #[cfg(test)]
    pub fn run_of(&self, n: u32) -> std::ops::Range<usize> {
        self.start[n as usize] as usize..self.start[n as usize + 1] as usize
    }

    /// The first instruction of node `n`'s run, entered through `entry`.
    #[inline(always)]
    pub fn entry_pc(&self, n: u32, entry: Entry) -> usize {
        match entry {
            Entry::Pin(_) => self.start[n as usize] as usize,
            Entry::Resume(_) => self.resume[n as usize] as usize,
        }
    }
}

/// What the lowering needs of one compiled node.
pub(crate) struct LowerNode<'a> {
    pub inputs: &'a [InputPlan],
    pub pure_deps: &'a [u32],
    pub out_base: u32,
    /// Set only if the node reads its inputs in place.
    pub intrinsic: Option<Op>,
    pub pure: bool,
    pub exec_out: &'a [Option<ExecTarget>],
    /// For a pure node: the input it changes in place ([`crate::NodeType::updates`]).
    pub updates: Option<usize>,
    /// It names a variable (`var:`), so its implementation may write one.
    pub names_variable: bool,
}

/// What the lowering needs of one function.
pub(crate) struct LowerFunction {
    /// Its Function Entry node.
    pub entry: u32,
}

/// The instructions being laid out, with their owners and nodes (see [`Code`]).
#[derive(Default)]
struct Out {
    instrs: Vec<Instr>,
    owner: Vec<u32>,
    node: Vec<u32>,
}

impl Out {
    fn push(&mut self, instr: Instr, owner: u32, node: u32) {
        self.instrs.push(instr);
        self.owner.push(owner);
        self.node.push(node);
    }

    /// Fuses the node's instruction into the last one (which stays its owner's).
    fn replace_last(&mut self, instr: Instr, node: u32) {
        let last = self.instrs.len() - 1;
        self.instrs[last] = instr;
        self.node[last] = node;
    }
}

/// The registers of a program being lowered.
struct Regs {
    vars_at: u32,
    consts_at: u32,
    consts: Vec<Value>,
}

impl Regs {
    /// The register an input reads; a constant becomes `constant(value)` in a register of
    /// its own (so an Int operand holds an Int even where the pin's default is unset).
    fn of(&mut self, input: &InputPlan, constant: impl Fn(&Value) -> Value) -> Reg {
        match input {
            InputPlan::Const(v) => {
                self.consts.push(constant(v));
                self.consts_at + self.consts.len() as u32 - 1
            }
            InputPlan::Slot { slot, .. } => *slot,
            InputPlan::Var { var, .. } | InputPlan::TakeVar { var } => self.vars_at + var,
        }
    }

    fn int(&mut self, input: &InputPlan) -> Reg {
        self.of(input, |v| Value::Int(v.as_int()))
    }

    fn float(&mut self, input: &InputPlan) -> Reg {
        self.of(input, |v| Value::Float(v.as_float()))
    }
}

/// Lowers every node to its run of instructions, for a program with `slots` output slots
/// and `vars` variables; with `fuse`, the optimizations of the module's documentation.
pub(crate) fn lower(
    nodes: &[LowerNode<'_>],
    functions: &[LowerFunction],
    slots: usize,
    vars: usize,
    fuse: bool,
) -> Code {
    let mut regs = Regs {
        vars_at: slots as u32,
        consts_at: (slots + vars) as u32,
        consts: Vec::new(),
    };
    let mut out = Out::default();
    let mut start = Vec::new();
    let mut takes = Vec::new();
    // How many node inputs read each output slot.
    let mut readers = vec![0u32; slots];
    for input in nodes.iter().flat_map(|n| n.inputs) {
        if let InputPlan::Slot { slot, .. } = input {
            readers[*slot as usize] += 1;
        }
    }
    for (i, node) in nodes.iter().enumerate() {
        start.push(out.instrs.len() as u32);
        let i32 = i as u32;
        if node.pure {
            // Never the start of a run: pure nodes are only evaluated by the nodes reading them.
            out.push(Instr::Node(i32), i32, i32);
            continue;
        }
        for &dep in node.pure_deps {
            let d = &nodes[dep as usize];
            let call = match d.intrinsic {
                Some(Op::Call(f)) => Some(Instr::PureCall { node: dep, f }),
                _ => None,
            };
            out.push(
                call.or_else(|| pure_instr(d, &mut regs)).unwrap_or(Instr::Pure(dep)),
                dep,
                i32,
            );
        }
        let own = match node.intrinsic {
            Some(Op::Call(f)) => Some(Instr::Call {
                node: i as u32,
                f,
                body: Next::to(node.exec_out.get(1).copied().flatten()),
                then: Next::to(node.exec_out.first().copied().flatten()),
            }),
            Some(Op::Return) => Some(Instr::Return { node: i as u32 }),
            _ => impure_instr(i as u32, node, &mut regs),
        };
        let own = own.unwrap_or(Instr::Node(i as u32));
        let before = (out.instrs.len() > start[i] as usize).then(|| out.instrs[out.instrs.len() - 1]);
        match (fuse, own, before) {
            (
                true,
                Instr::Set {
                    var, src, dst, next, ..
                },
                Some(Instr::Int { op, a, b, dst: sum }),
            ) if src == sum => {
                // Fused; the Int node stays the owner, as every error is its.
                out.replace_last(
                    Instr::SetInt {
                        op,
                        a,
                        b,
                        sum,
                        var,
                        dst,
                        // The Set itself reads `sum` once.
                        outputs_read: readers[sum as usize] > 1 || readers[dst as usize] > 0,
                        next,
                    },
                    i32,
                );
            }
            (true, Instr::Branch { cond, then, otherwise }, Some(Instr::CompareInt { op, a, b, dst }))
                if cond == dst =>
            {
                out.replace_last(
                    Instr::CompareBranch {
                        op,
                        a,
                        b,
                        dst,
                        outputs_read: readers[dst as usize] > 1,
                        then,
                        otherwise,
                    },
                    i32,
                );
            }
            (
                true,
                Instr::Set {
                    var, src, dst, next, ..
                },
                Some(Instr::Pure(d)),
            ) if readers[dst as usize] == 0 => {
                // `Set X = Node(X, …)` with a node that changes X in place: X moves into it
                // and its output back into X, each the only reference, so nothing is copied.
                let taken = moved_input(&nodes[d as usize], var, src, &regs, &readers);
                if let Some(k) = taken {
                    takes.push((d, k as u32));
                }
                out.push(
                    Instr::Set {
                        var,
                        src,
                        dst,
                        moves: taken.is_some(),
                        next,
                    },
                    i32,
                    i32,
                );
            }
            (_, own, _) => out.push(own, i32, i32),
        }
    }
    let Out {
        mut instrs,
        owner,
        node: node_of,
    } = out;
    start.push(instrs.len() as u32);
    // The jumps, from node indexes to the starts of their runs.
    for instr in instrs.iter_mut() {
        for next in instr.nexts() {
            if *next != Next::END {
                next.pc = start[next.pc as usize];
            }
        }
    }
    let resume = (0..nodes.len())
        .map(|n| {
            let at = start[n + 1] - 1;
            match instrs[at as usize] {
                Instr::Call { .. } => at,
                Instr::ForLoop { .. } | Instr::ForEach { .. }
                    if fuse
                        && invariant_bounds(
                            nodes,
                            functions,
                            n,
                            &instrs[start[n] as usize..at as usize],
                            regs.vars_at,
                        ) =>
                {
                    at
                }
                _ => start[n],
            }
        })
        .collect();
    Code {
        instrs: instrs.into(),
        owner: owner.into(),
        node: node_of.into(),
        consts: regs.consts.into(),
        start: start.into(),
        resume,
        takes: takes.into(),
    }
}

/// For `Set X = D(…)` (`var` is X, `src` D's output): the input of D that X moves into,
/// if D changes that input in place, reads X there without a conversion and nowhere else,
/// and only the Set reads its output.
fn moved_input(d: &LowerNode<'_>, var: Reg, src: Reg, regs: &Regs, readers: &[u32]) -> Option<usize> {
    let reads = |input: &InputPlan| matches!(input, InputPlan::Var { var: x, .. } if regs.vars_at + x == var);
    d.updates
        .filter(|_| src == d.out_base && readers[src as usize] == 1)
        .filter(|&k| {
            matches!(
                d.inputs.get(k),
                Some(InputPlan::Var {
                    conversion: Conversion::None,
                    ..
                })
            ) && d.inputs.get(k).is_some_and(reads)
                && d.inputs.iter().filter(|input| reads(input)).count() == 1
        })
}

/// Whether For Loop `n`'s pure dependencies (lowered to `deps`) give the same bounds on
/// every pass, so a pass need not evaluate them again: each is an instruction on the
/// registers (no node run through its implementation, which may give another value each
/// time: Random), and none reads a variable or an output that a node its body can reach
/// (through exec links, calls and the pure calls they read) may write. A node run through
/// its implementation may write only the variable it names (`var:`).
fn invariant_bounds(
    nodes: &[LowerNode<'_>],
    functions: &[LowerFunction],
    n: usize,
    deps: &[Instr],
    vars_at: u32,
) -> bool {
    if deps.is_empty()
        || !deps.iter().all(|d| {
            matches!(
                d,
                Instr::Int { .. }
                    | Instr::Float { .. }
                    | Instr::CompareInt { .. }
                    | Instr::CompareFloat { .. }
                    | Instr::Get { .. }
            )
        })
    {
        return false;
    }
    // Every impure node the body can reach, and the pure calls they read.
    let mut seen = vec![false; nodes.len()];
    let mut todo: Vec<u32> = nodes[n]
        .exec_out
        .first()
        .copied()
        .flatten()
        .map(|t| t.node)
        .into_iter()
        .collect();
    let (mut writes_any, mut written) = (false, Vec::new());
    while let Some(m) = todo.pop() {
        if std::mem::replace(&mut seen[m as usize], true) {
            continue;
        }
        let node = &nodes[m as usize];
        match node.intrinsic {
            Some(Op::Set(var)) => written.push(vars_at + var),
            Some(_) => {}
            None => writes_any |= node.names_variable,
        }
        todo.extend(node.exec_out.iter().flatten().map(|t| t.node));
        for &d in node.pure_deps {
            if let Some(Op::Call(f)) = nodes[d as usize].intrinsic {
                todo.extend(
                    nodes[functions[f as usize].entry as usize]
                        .exec_out
                        .iter()
                        .flatten()
                        .map(|t| t.node),
                );
            }
        }
    }
    if writes_any {
        return false;
    }
    let reached = |slot: Reg| {
        let owner = nodes.partition_point(|d| d.out_base <= slot).saturating_sub(1);
        seen[owner] || owner == n
    };
    let reads = |r: Reg| {
        if r < vars_at {
            !reached(r)
        } else {
            !written.contains(&r)
        }
    };
    deps.iter().all(|d| match *d {
        Instr::Int { a, b, .. }
        | Instr::Float { a, b, .. }
        | Instr::CompareInt { a, b, .. }
        | Instr::CompareFloat { a, b, .. } => reads(a) && reads(b),
        Instr::Get { var, .. } => reads(var),
        _ => false,
    })
}

fn pure_instr(node: &LowerNode<'_>, regs: &mut Regs) -> Option<Instr> {
    let dst = node.out_base;
    let [a, b] = node.inputs else {
        return match node.intrinsic? {
            Op::Get(var) if node.inputs.is_empty() => Some(Instr::Get {
                var: regs.vars_at + var,
                dst,
            }),
            _ => None,
        };
    };
    match node.intrinsic? {
        Op::Int(op) => Some(Instr::Int {
            op,
            a: regs.int(a),
            b: regs.int(b),
            dst,
        }),
        Op::Float(op) => Some(Instr::Float {
            op,
            a: regs.float(a),
            b: regs.float(b),
            dst,
        }),
        Op::CompareInt(op) => Some(Instr::CompareInt {
            op,
            a: regs.int(a),
            b: regs.int(b),
            dst,
        }),
        Op::CompareFloat(op) => Some(Instr::CompareFloat {
            op,
            a: regs.float(a),
            b: regs.float(b),
            dst,
        }),
        _ => None,
    }
}

fn impure_instr(i: u32, node: &LowerNode<'_>, regs: &mut Regs) -> Option<Instr> {
    let dst = node.out_base;
    let next = |k: usize| Next::to(node.exec_out.get(k).copied().flatten());
    match (node.intrinsic?, node.inputs) {
        (Op::Set(var), [input]) => Some(Instr::Set {
            var: regs.vars_at + var,
            src: regs.of(input, Value::clone),
            dst,
            moves: false,
            next: next(0),
        }),
        (Op::ForLoop, [first, last]) => Some(Instr::ForLoop {
            node: i,
            first: regs.int(first),
            last: regs.int(last),
            dst,
            body: next(0),
            done: next(1),
        }),
        (Op::ForEach, [array]) => Some(Instr::ForEach {
            node: i,
            array: regs.of(array, Value::clone),
            dst,
            body: next(0),
            done: next(1),
        }),
        (Op::Branch, [cond]) => Some(Instr::Branch {
            cond: regs.of(cond, |v| Value::Bool(v.as_bool())),
            then: next(0),
            otherwise: next(1),
        }),
        (Op::Event, []) => Some(Instr::Event { next: next(0) }),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
