//! The flat instructions the interpreter runs, observed or not (an observed run reports
//! each node an instruction stands for: `Instance::observed_step`). Each impure node has a
//! run of instructions: one per pure node it reads (dependencies first), then one for the
//! node itself. The standard library's hot nodes become instructions whose operands are
//! registers: an instance keeps its output slots, then its variables, then the constants
//! the instructions read, in one array, so an operand is one index wherever it comes from.
//! Every other node, and a hot node whose inputs need a conversion, is a call through
//! [`Node`](crate::Node). The fusions can be turned off (`Registry::load_str_unfused`):
//! `tests/run_compare.rs` runs generated graphs fused and unfused, observed and not.

use crate::node::{Entry, Op};
use crate::plan::program::{ExecTarget, InputPlan};
use crate::value::{Conversion, Value};

/// A register: an index into an instance's registers (slots, then variables, then
/// constants). Reading a slot that is still unset is an error.
pub(crate) type Reg = u32;

#[derive(Clone, Copy, Debug)]
pub(crate) enum IntOp {
    Add,
    Subtract,
    Multiply,
}

impl IntOp {
    /// The node whose instruction it is, for the overflow error.
    pub fn arithmetic(self) -> crate::node::Arithmetic {
        match self {
            IntOp::Add => crate::node::Arithmetic::Add,
            IntOp::Subtract => crate::node::Arithmetic::Subtract,
            IntOp::Multiply => crate::node::Arithmetic::Multiply,
        }
    }

    #[inline(always)]
    pub fn apply(self, a: i64, b: i64) -> Option<i64> {
        match self {
            IntOp::Add => a.checked_add(b),
            IntOp::Subtract => a.checked_sub(b),
            IntOp::Multiply => a.checked_mul(b),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum FloatOp {
    Add,
    Subtract,
    Multiply,
}

impl FloatOp {
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            FloatOp::Add => a + b,
            FloatOp::Subtract => a - b,
            FloatOp::Multiply => a * b,
        }
    }
}

/// One instruction. `Pure`, `Int`, `Float` and `Get` evaluate a pure node and go on to the
/// next instruction; the others run the node itself and end its run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Instr {
    /// A pure node, called through its implementation.
    Pure(u32),
    /// The node itself, called through its implementation.
    Node(u32),
    /// Add, Subtract or Multiply of two Ints into `dst`; an error if it overflows.
    Int { op: IntOp, a: Reg, b: Reg, dst: Reg },
    /// Add, Subtract or Multiply of two Floats into `dst`.
    Float { op: FloatOp, a: Reg, b: Reg, dst: Reg },
    /// Get: the variable in register `var` into `dst`.
    Get { var: Reg, dst: Reg },
    /// Set: the variable in register `var` and the output `dst` from `src`; then its exec
    /// output 0. With `moves`, `src` is moved into the variable and `dst` is not written:
    /// the Set takes the output of the pure node right before it, which only it reads,
    /// and no node reads the Set's own output (`Set X = Array Add(X, v)`, see
    /// `Code::takes`). Observed, it copies as a plain Set does.
    Set { var: Reg, src: Reg, dst: Reg, moves: bool },
    /// An `Int` whose result a `Set` reads, right after it (`Set X = X + 1`): the result into
    /// the Int node's output `sum`, the variable `var` and the Set's output `dst`; then exec
    /// output 0. Errors are the Int node's. Unless `outputs_read` (some other node reads
    /// `sum` or `dst`), an unobserved run writes only the variable: no one could tell.
    SetInt {
        op: IntOp,
        a: Reg,
        b: Reg,
        sum: Reg,
        var: Reg,
        dst: Reg,
        outputs_read: bool,
    },
    /// For Loop: the next index into `dst` and Loop Body, or Completed. When its body is
    /// a straight run of `Set` nodes that ends the chain (`body_len` > 0), the loop runs it
    /// in place: the `body_len` instructions from `body`, then its own pure dependencies
    /// again, pass after pass, without going back through the chain; `bounds` says how
    /// it reads its bounds.
    ForLoop {
        first: Reg,
        last: Reg,
        dst: Reg,
        body: u32,
        body_len: u32,
        bounds: Bounds,
    },
    /// Branch: True or False.
    Branch { cond: Reg },
    /// An event node: on through exec output 0 (its outputs are set by whoever fired it).
    Event,
    /// An impure call of function `f` by node `node`: into the body, leaving a return mark;
    /// entered again through the mark, it finishes.
    Call { node: u32, f: u32 },
    /// A pure call of function `f` by node `node`: its body runs now, as a nested chain.
    PureCall { node: u32, f: u32 },
    /// A Return Node: the innermost call's outputs take its inputs; the body's chain ends.
    Return { node: u32 },
}

/// How a For Loop that runs its body in place reads its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bounds {
    /// Again before each pass, as Blueprint's For Loop does: the body may change them.
    EachPass,
    /// Once: nothing can change them while the loop runs (it has no pure dependency of
    /// its own, and each is a constant or what no body instruction writes, and no body
    /// instruction runs a node through its implementation). The body runs on the
    /// registers alone, the index and the loop-guard count in machine registers.
    Registers,
    /// Once, as they are constants (and the loop has no pure dependency of its own); the
    /// body runs nodes (pure nodes, function calls).
    Once,
}

impl Instr {
    /// The registers an instruction of a loop's straight body writes; `None` if it runs a
    /// node through its implementation (which may do anything).
    pub(crate) fn writes(&self) -> Option<[Reg; 3]> {
        match *self {
            Instr::Int { dst, .. } | Instr::Float { dst, .. } | Instr::Get { dst, .. } => Some([dst; 3]),
            Instr::Set { var, src, dst, .. } => Some([var, dst, src]),
            Instr::SetInt { sum, var, dst, .. } => Some([sum, var, dst]),
            _ => None,
        }
    }
}

/// The instructions of a whole program.
pub(crate) struct Code {
    pub instrs: Box<[Instr]>,
    /// The node each instruction belongs to (for errors).
    pub owner: Box<[u32]>,
    /// The values of the constant registers, which follow the slots and the variables.
    pub consts: Box<[Value]>,
    /// Where each node's run starts; last, where the nodes' runs end (the copies of loop
    /// bodies follow).
    pub start: Box<[u32]>,
    /// Where each node's run starts when it is entered again (`Entry::Resume`): at its
    /// start, its pure dependencies evaluated again (a loop reads its bounds each pass, as
    /// Blueprint does), but for an impure function call, which finishes with the
    /// arguments it was called with: at its own instruction.
    pub resume: Box<[u32]>,
    /// Per function, its Return Node if it is an expression: a function with no locals
    /// whose Function Entry leads straight to a Return Node whose instructions run no node
    /// through its implementation. An unobserved call of it runs those instructions in
    /// place, with no chain of its own, so an impure call of it can be part of a For
    /// Loop's body run in place. None in an unfused program.
    pub expressions: Box<[Option<u32>]>,
    /// Per function that is not an expression, its straight body, if it has one: from its
    /// Function Entry a straight run of `Set`s (as a For Loop's body in place, impure calls
    /// of expressions among them) that ends at a Return Node. `body` is a copy of their
    /// instructions and of the Return Node's but the Return itself, after the nodes' code.
    /// An unobserved call of it runs that copy in place, with no chain of its own. None in
    /// an unfused program.
    pub straight: Box<[Option<StraightBody>]>,
    /// The inputs (node, input) whose variable a `Set` that `moves` gives back: the
    /// checker makes them `InputPlan::TakeVar`.
    pub takes: Box<[(u32, u32)]>,
}

/// A function's straight body (`Code::straight`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StraightBody {
    pub body: u32,
    pub len: u32,
    /// Its Return Node.
    pub ret: u32,
    /// It calls no function but expressions (no pure call), so it can never be running
    /// when it is called: an impure call of it can be part of a For Loop's body in place.
    pub leaf: bool,
}

impl Code {
    /// The instructions of node `n`'s run.
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
}

/// The most nodes a For Loop runs in place as its body.
const MAX_BODY_NODES: usize = 64;

/// The most instructions of a body a For Loop runs in place: bodies are copies, so this
/// keeps the code linear in the file however many loops lead into the same nodes.
const MAX_BODY_INSTRS: usize = 256;

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

/// What the lowering needs of one function.
pub(crate) struct LowerFunction {
    /// Its Function Entry node.
    pub entry: u32,
    pub has_locals: bool,
}

/// Lowers every node to its run of instructions, for a program with `slots` output slots
/// and `vars` variables; with `fuse`, `Set X = A + B` becomes one instruction, expression
/// functions are found (see `Code::expressions`) and straight For Loop bodies run in
/// place.
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
    let (mut instrs, mut owner, mut start) = (Vec::new(), Vec::new(), Vec::new());
    let mut takes = Vec::new();
    // How many node inputs read each output slot.
    let mut readers = vec![0u32; slots];
    for input in nodes.iter().flat_map(|n| n.inputs) {
        if let InputPlan::Slot { slot, .. } = input {
            readers[*slot as usize] += 1;
        }
    }
    for (i, node) in nodes.iter().enumerate() {
        start.push(instrs.len() as u32);
        if node.pure {
            // Never the start of a run: pure nodes are only evaluated by the nodes reading them.
            instrs.push(Instr::Node(i as u32));
            owner.push(i as u32);
            continue;
        }
        for &dep in node.pure_deps {
            let d = &nodes[dep as usize];
            let call = match d.intrinsic {
                Some(Op::Call(f)) => Some(Instr::PureCall { node: dep, f }),
                _ => None,
            };
            instrs.push(call.or_else(|| pure_instr(d, &mut regs)).unwrap_or(Instr::Pure(dep)));
            owner.push(dep);
        }
        let instr = match node.intrinsic {
            Some(Op::Call(f)) => Some(Instr::Call { node: i as u32, f }),
            Some(Op::Return) => Some(Instr::Return { node: i as u32 }),
            _ => impure_instr(node, &mut regs),
        };
        match (instr, instrs.last()) {
            (Some(Instr::Set { var, src, dst, .. }), Some(&Instr::Int { op, a, b, dst: sum }))
                if fuse && src == sum && instrs.len() > start[i] as usize =>
            {
                // Fused; the Int node stays the owner, as every error is its.
                instrs.pop();
                instrs.push(Instr::SetInt {
                    op,
                    a,
                    b,
                    sum,
                    var,
                    dst,
                    // The Set itself reads `sum` once.
                    outputs_read: readers[sum as usize] > 1 || readers[dst as usize] > 0,
                });
            }
            (Some(Instr::Set { var, src, dst, .. }), Some(&Instr::Pure(d)))
                if fuse && instrs.len() > start[i] as usize && readers[dst as usize] == 0 =>
            {
                // `Set X = Node(X, …)` with a node that changes X in place: X moves into it
                // and its output back into X, each the only reference, so nothing is copied.
                let node = &nodes[d as usize];
                let reads =
                    |input: &InputPlan| matches!(input, InputPlan::Var { var: x, .. } if regs.vars_at + x == var);
                let taken = node
                    .updates
                    .filter(|_| src == node.out_base && readers[src as usize] == 1)
                    .filter(|&k| {
                        matches!(
                            node.inputs.get(k),
                            Some(InputPlan::Var {
                                conversion: Conversion::None,
                                ..
                            })
                        ) && node.inputs.get(k).is_some_and(reads)
                            && node.inputs.iter().filter(|input| reads(input)).count() == 1
                    });
                if let Some(k) = taken {
                    takes.push((d, k as u32));
                }
                instrs.push(Instr::Set {
                    var,
                    src,
                    dst,
                    moves: taken.is_some(),
                });
                owner.push(i as u32);
            }
            (instr, _) => {
                instrs.push(instr.unwrap_or(Instr::Node(i as u32)));
                owner.push(i as u32);
            }
        }
    }
    start.push(instrs.len() as u32);
    let ends = |n: usize| start[n + 1] as usize;
    // Expressions: the Function Entry leads straight to a Return Node whose instructions
    // (but the Return itself) run no node through its implementation, and no locals.
    let expressions: Box<[Option<u32>]> = functions
        .iter()
        .map(|function| {
            let ret = nodes[function.entry as usize].exec_out.first().copied().flatten()?.node as usize;
            let run = start[ret] as usize..ends(ret);
            (fuse
                && !function.has_locals
                && matches!(instrs[run.end - 1], Instr::Return { .. })
                && instrs[run.start..run.end - 1].iter().all(|i| i.writes().is_some()))
            .then_some(ret as u32)
        })
        .collect();
    let is_set = |n: usize, instrs: &[Instr]| match instrs[ends(n) - 1] {
        Instr::Set { .. } | Instr::SetInt { .. } => true,
        Instr::Call { f, .. } => expressions[f as usize].is_some(),
        _ => false,
    };
    // Straight bodies of functions: the Sets' and the Return Node's instructions, copied.
    let mut straight = vec![None; functions.len()];
    for (f, function) in functions.iter().enumerate().filter(|_| fuse) {
        if expressions[f].is_some() {
            continue;
        }
        let first = nodes[function.entry as usize].exec_out.first().copied().flatten();
        let is_return = |n: usize, instrs: &[Instr]| matches!(instrs[ends(n) - 1], Instr::Return { .. });
        let Some(run) = straight_run(nodes, first, |n| is_set(n, &instrs) || is_return(n, &instrs)) else {
            continue;
        };
        let ret = *run.last().expect("a run is not empty");
        if !is_return(ret, &instrs) || run.iter().map(|&n| ends(n) - start[n] as usize).sum::<usize>() > MAX_BODY_INSTRS
        {
            continue;
        }
        let block = instrs.len() as u32;
        for &n in &run {
            let end = if n == ret { ends(n) - 1 } else { ends(n) };
            for pc in start[n] as usize..end {
                instrs.push(instrs[pc]);
                owner.push(owner[pc]);
            }
        }
        straight[f] = Some(StraightBody {
            body: block,
            len: instrs.len() as u32 - block,
            ret: ret as u32,
            leaf: !instrs[block as usize..]
                .iter()
                .any(|i| matches!(i, Instr::PureCall { .. })),
        });
    }
    // The straight bodies of For Loops (Sets, and impure calls of expressions and of
    // functions with a straight body that call no other, which run in place): each copied
    // after the nodes' code.
    for (i, node) in nodes.iter().enumerate().filter(|_| fuse) {
        let at = ends(i) - 1;
        let Some(&Instr::ForLoop { first, last, .. }) = instrs.get(at).filter(|_| !node.pure) else {
            continue;
        };
        let leaf_call = |n: usize| match instrs[ends(n) - 1] {
            Instr::Call { f, .. } => straight[f as usize].is_some_and(|b: StraightBody| b.leaf),
            _ => false,
        };
        let Some(run) = straight_run(nodes, node.exec_out.first().copied().flatten(), |n| {
            is_set(n, &instrs) || leaf_call(n)
        }) else {
            continue;
        };
        if run.iter().map(|&n| ends(n) - start[n] as usize).sum::<usize>() > MAX_BODY_INSTRS {
            continue;
        }
        let block = instrs.len() as u32;
        for n in run {
            for pc in start[n] as usize..ends(n) {
                instrs.push(instrs[pc]);
                owner.push(owner[pc]);
            }
        }
        let len = instrs.len() as u32 - block;
        let no_deps = start[i] as usize == at;
        let constant = |r: Reg| r >= regs.consts_at;
        let kind = if no_deps
            && instrs[block as usize..].iter().all(|instr| {
                instr
                    .writes()
                    .is_some_and(|w| !w.contains(&first) && !w.contains(&last))
            }) {
            Bounds::Registers
        } else if no_deps && constant(first) && constant(last) {
            Bounds::Once
        } else {
            Bounds::EachPass
        };
        if let Instr::ForLoop {
            body, body_len, bounds, ..
        } = &mut instrs[at]
        {
            *bounds = kind;
            (*body, *body_len) = (block, len);
        }
    }
    let resume = (0..nodes.len())
        .map(|n| match instrs[ends(n) - 1] {
            Instr::Call { .. } => ends(n) as u32 - 1,
            _ => start[n],
        })
        .collect();
    Code {
        instrs: instrs.into(),
        owner: owner.into(),
        consts: regs.consts.into(),
        start: start.into(),
        resume,
        expressions,
        straight: straight.into(),
        takes: takes.into(),
    }
}

/// The nodes from `target` on, following each one's first exec output, if they are all
/// `Set`s (as `is_set` tells) reached by forward links and the last one leads nowhere.
fn straight_run(
    nodes: &[LowerNode<'_>],
    mut target: Option<ExecTarget>,
    is_set: impl Fn(usize) -> bool,
) -> Option<Vec<usize>> {
    let mut run = Vec::new();
    while let Some(t) = target {
        let n = t.node as usize;
        if t.back_edge || nodes[n].pure || !is_set(n) || run.len() == MAX_BODY_NODES {
            return None;
        }
        run.push(n);
        target = nodes[n].exec_out.first().copied().flatten();
    }
    (!run.is_empty()).then_some(run)
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
    let int = |op, regs: &mut Regs| {
        Some(Instr::Int {
            op,
            a: regs.int(a),
            b: regs.int(b),
            dst,
        })
    };
    let float = |op, regs: &mut Regs| {
        Some(Instr::Float {
            op,
            a: regs.float(a),
            b: regs.float(b),
            dst,
        })
    };
    match node.intrinsic? {
        Op::AddInt => int(IntOp::Add, regs),
        Op::SubtractInt => int(IntOp::Subtract, regs),
        Op::MultiplyInt => int(IntOp::Multiply, regs),
        Op::AddFloat => float(FloatOp::Add, regs),
        Op::SubtractFloat => float(FloatOp::Subtract, regs),
        Op::MultiplyFloat => float(FloatOp::Multiply, regs),
        _ => None,
    }
}

fn impure_instr(node: &LowerNode<'_>, regs: &mut Regs) -> Option<Instr> {
    let dst = node.out_base;
    match (node.intrinsic?, node.inputs) {
        (Op::Set(var), [input]) => Some(Instr::Set {
            var: regs.vars_at + var,
            src: regs.of(input, Value::clone),
            dst,
            moves: false,
        }),
        (Op::ForLoop, [first, last]) => Some(Instr::ForLoop {
            first: regs.int(first),
            last: regs.int(last),
            dst,
            body: 0,
            body_len: 0,
            bounds: Bounds::EachPass,
        }),
        (Op::Branch, [cond]) => Some(Instr::Branch {
            cond: regs.of(cond, |v| Value::Bool(v.as_bool())),
        }),
        (Op::Event, []) => Some(Instr::Event),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
