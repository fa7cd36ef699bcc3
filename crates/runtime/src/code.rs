//! The flat instructions the interpreter runs when it is not tracing. Each impure node has a
//! run of instructions: one per pure node it reads (dependencies first), then one for the
//! node itself. The standard library's hot nodes become instructions with their operands
//! resolved to constants, slots and variables; every other node is a call through
//! [`Node`](crate::Node). Traced runs call every node instead, so the standard library's
//! closures stay the reference these instructions are tested against.

use crate::node::Op;
use crate::program::{ExecTarget, InputPlan};

/// Where an instruction reads a `T`: a constant, an output slot (an error while unset), or
/// a variable.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg<T> {
    Const(T),
    Slot(u32),
    Var(u32),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum IntOp {
    Add,
    Subtract,
    Multiply,
}

impl IntOp {
    /// The node whose instruction it is, for the overflow error.
    pub fn node_name(self) -> &'static str {
        match self {
            IntOp::Add => "Add",
            IntOp::Subtract => "Subtract",
            IntOp::Multiply => "Multiply",
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
    Int {
        op: IntOp,
        a: Arg<i64>,
        b: Arg<i64>,
        dst: u32,
    },
    /// Add, Subtract or Multiply of two Floats into `dst`.
    Float {
        op: FloatOp,
        a: Arg<f64>,
        b: Arg<f64>,
        dst: u32,
    },
    /// Get: variable `var` into `dst`.
    Get { var: u32, dst: u32 },
    /// Set: variable `var` and the output `dst` from `src` (a constant by its index); then
    /// its exec output 0.
    Set { var: u32, src: Arg<u32>, dst: u32 },
    /// For Loop: the next index into `dst` and Loop Body, or Completed. When its body is
    /// a straight run of `Set` nodes that ends the chain (`body_len` > 0), the loop runs it
    /// in place: the `body_len` instructions from `body`, then its own pure dependencies
    /// again, pass after pass, without going back through the chain.
    ForLoop {
        first: Arg<i64>,
        last: Arg<i64>,
        dst: u32,
        body: u32,
        body_len: u32,
    },
    /// Branch: True or False.
    Branch { cond: Arg<bool> },
}

/// The instructions of a whole program.
pub(crate) struct Code {
    pub instrs: Box<[Instr]>,
    /// The node each instruction belongs to (for errors).
    pub owner: Box<[u32]>,
    /// The constants `Set` reads by index.
    pub consts: Box<[crate::Value]>,
    /// Where each node's run starts.
    pub start: Box<[u32]>,
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
}

/// The most nodes a For Loop runs in place as its body.
const MAX_BODY_NODES: usize = 64;

/// Lowers every node to its run of instructions.
pub(crate) fn lower(nodes: &[LowerNode<'_>]) -> Code {
    let (mut instrs, mut owner, mut consts, mut start) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
            instrs.push(pure_instr(d).unwrap_or(Instr::Pure(dep)));
            owner.push(dep);
        }
        instrs.push(impure_instr(node, &mut consts).unwrap_or(Instr::Node(i as u32)));
        owner.push(i as u32);
    }
    // The straight bodies of For Loops: each copied after the nodes' code.
    let nodes_end = instrs.len();
    let ends = |n: usize| start.get(n + 1).map_or(nodes_end, |&s| s as usize);
    for (i, node) in nodes.iter().enumerate() {
        let at = ends(i) - 1;
        let Some(Instr::ForLoop { .. }) = instrs.get(at).filter(|_| !node.pure) else {
            continue;
        };
        let Some(run) = straight_run(nodes, node.exec_out.first().copied().flatten(), |n| {
            matches!(instrs[ends(n) - 1], Instr::Set { .. })
        }) else {
            continue;
        };
        let block = instrs.len() as u32;
        for n in run {
            for pc in start[n] as usize..ends(n) {
                instrs.push(instrs[pc]);
                owner.push(owner[pc]);
            }
        }
        let len = instrs.len() as u32 - block;
        if let Instr::ForLoop { body, body_len, .. } = &mut instrs[at] {
            (*body, *body_len) = (block, len);
        }
    }
    Code {
        instrs: instrs.into(),
        owner: owner.into(),
        consts: consts.into(),
        start: start.into(),
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

fn int(input: &InputPlan) -> Arg<i64> {
    match input {
        InputPlan::Const(v) => Arg::Const(v.as_int()),
        InputPlan::Slot { slot, .. } => Arg::Slot(*slot),
        InputPlan::Var { var, .. } => Arg::Var(*var),
    }
}

fn float(input: &InputPlan) -> Arg<f64> {
    match input {
        InputPlan::Const(v) => Arg::Const(v.as_float()),
        InputPlan::Slot { slot, .. } => Arg::Slot(*slot),
        InputPlan::Var { var, .. } => Arg::Var(*var),
    }
}

fn pure_instr(node: &LowerNode<'_>) -> Option<Instr> {
    let dst = node.out_base;
    let two = |i: usize| node.inputs.get(i).filter(|_| node.inputs.len() == 2);
    let int_op = |op| {
        Some(Instr::Int {
            op,
            a: int(two(0)?),
            b: int(two(1)?),
            dst,
        })
    };
    let float_op = |op| {
        Some(Instr::Float {
            op,
            a: float(two(0)?),
            b: float(two(1)?),
            dst,
        })
    };
    match node.intrinsic? {
        Op::AddInt => int_op(IntOp::Add),
        Op::SubtractInt => int_op(IntOp::Subtract),
        Op::MultiplyInt => int_op(IntOp::Multiply),
        Op::AddFloat => float_op(FloatOp::Add),
        Op::SubtractFloat => float_op(FloatOp::Subtract),
        Op::MultiplyFloat => float_op(FloatOp::Multiply),
        Op::Get(var) if node.inputs.is_empty() => Some(Instr::Get { var, dst }),
        _ => None,
    }
}

fn impure_instr(node: &LowerNode<'_>, consts: &mut Vec<crate::Value>) -> Option<Instr> {
    let dst = node.out_base;
    match (node.intrinsic?, node.inputs) {
        (Op::Set(var), [input]) => {
            let src = match input {
                InputPlan::Const(v) => {
                    consts.push(v.clone());
                    Arg::Const(consts.len() as u32 - 1)
                }
                InputPlan::Slot { slot, .. } => Arg::Slot(*slot),
                InputPlan::Var { var, .. } => Arg::Var(*var),
            };
            Some(Instr::Set { var, src, dst })
        }
        (Op::ForLoop, [first, last]) => Some(Instr::ForLoop {
            first: int(first),
            last: int(last),
            dst,
            body: 0,
            body_len: 0,
        }),
        (Op::Branch, [cond]) => Some(Instr::Branch {
            cond: match cond {
                InputPlan::Const(v) => Arg::Const(v.as_bool()),
                InputPlan::Slot { slot, .. } => Arg::Slot(*slot),
                InputPlan::Var { var, .. } => Arg::Var(*var),
            },
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;

    /// The instructions a For Loop's body runs in place, by the loop's node id; `None` if the
    /// loop goes through the chain.
    fn body_of(graph: &str, id: &str) -> Option<Vec<Instr>> {
        let program = Registry::standard().load_str("t.ron", graph).unwrap();
        let inner = &program.inner;
        let n = inner.debug.iter().position(|d| d.id == id).unwrap();
        let end = inner
            .code
            .start
            .get(n + 1)
            .map_or(inner.code.instrs.len(), |&s| s as usize);
        match inner.code.instrs[end - 1] {
            Instr::ForLoop { body, body_len: 0, .. } => {
                assert_eq!(body, 0);
                None
            }
            Instr::ForLoop { body, body_len, .. } => {
                Some(inner.code.instrs[body as usize..][..body_len as usize].to_vec())
            }
            other => panic!("`{id}` is {other:?}"),
        }
    }

    fn graph(body: &str) -> String {
        format!(
            r#"Graph(format: 1, name: "T", variables: {{"A": (type: Int), "S": (type: String)}}, nodes: {{
                "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
                "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": 3}}, exec: {{"Loop Body": "set"}}),
                "set": (node: "Set", var: "A", inputs: {{"A": Link("add", "Return Value")}}, exec: {{"then": "next"}}),
                "add": (node: "Add", inputs: {{"A": Var("A"), "B": Link("loop", "Index")}}),
                {body}
            }})"#
        )
    }

    #[test]
    fn a_straight_run_of_sets_is_the_body() {
        let body = body_of(
            &graph(r#""next": (node: "Set", var: "S", inputs: {"S": "x"}),"#),
            "loop",
        )
        .unwrap();
        assert!(
            matches!(
                body[..],
                [
                    Instr::Int { op: IntOp::Add, .. },
                    Instr::Set { .. },
                    Instr::Set { src: Arg::Const(_), .. }
                ]
            ),
            "{body:?}"
        );
    }

    #[test]
    fn a_body_with_any_other_node_goes_through_the_chain() {
        let print = r#""next": (node: "Print String", inputs: {"In String": "x"}),"#;
        assert!(body_of(&graph(print), "loop").is_none());
        // A Set leading back into the loop closes an exec cycle: counted by the guard, so not
        // run in place.
        let back = r#""next": (node: "Set", var: "S", inputs: {"S": "x"}, exec: {"then": "loop"}),"#;
        assert!(body_of(&graph(back), "loop").is_none());
    }
}
