//! Where a compiled node's input comes from ([`InputPlan`]): what the checker decides per
//! input, and what a node reading its inputs in place reads through.

use crate::value::{Conversion, Value};

/// Where an input's value comes from.
pub(crate) enum InputPlan {
    /// A literal or the pin's default.
    Const(Value),
    /// Another node's output slot.
    Slot { slot: u32, conversion: Conversion },
    /// A variable.
    Var { var: u32, conversion: Conversion },
    /// A variable whose value is moved into the node, not copied: the node changes it in
    /// place (`NodeType::updates`) and a `Set` of the same variable takes its output
    /// (`Set X = Array Add(X, v)`). Every other reader, and an observed run, reads it as
    /// `Var`.
    TakeVar { var: u32 },
}

impl InputPlan {
    /// The value this input reads where it is, in an instance's registers `regs` (its
    /// variables from `vars_at`).
    #[inline]
    pub(crate) fn read<'s>(&'s self, regs: &'s [Value], vars_at: usize) -> &'s Value {
        match self {
            InputPlan::Const(v) => v,
            InputPlan::Slot { slot, .. } => &regs[*slot as usize],
            InputPlan::Var { var, .. } | InputPlan::TakeVar { var } => &regs[vars_at + *var as usize],
        }
    }
}
