//! The arithmetic and comparisons of the standard library's math nodes, written once: the
//! nodes' implementations call these, and so do the instructions the lowering makes of
//! them (`plan::code`), so a node run through its implementation and its instruction
//! cannot differ.

use crate::node::{Arithmetic, NodeError};

/// An operation on two Ints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntOp {
    Add,
    Subtract,
    Multiply,
    /// Rounds toward zero; dividing by zero is an error.
    Divide,
    /// The remainder, with the sign of A; B = 0 is an error.
    Modulo,
}

/// Why an Int operation has no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntFault {
    Overflow,
    ByZero,
}

impl IntOp {
    #[inline(always)]
    pub(crate) fn apply(self, a: i64, b: i64) -> Result<i64, IntFault> {
        let result = match self {
            IntOp::Add => a.checked_add(b),
            IntOp::Subtract => a.checked_sub(b),
            IntOp::Multiply => a.checked_mul(b),
            IntOp::Divide if b == 0 => return Err(IntFault::ByZero),
            IntOp::Divide => a.checked_div(b),
            IntOp::Modulo if b == 0 => return Err(IntFault::ByZero),
            IntOp::Modulo => Some(a.wrapping_rem(b)),
        };
        result.ok_or(IntFault::Overflow)
    }

    /// The node's runtime error for `fault` on `a` and `b`.
    #[cold]
    pub(crate) fn error(self, fault: IntFault, a: i64, b: i64) -> NodeError {
        match (self, fault) {
            (IntOp::Modulo, _) => NodeError::new("modulo by zero"),
            (_, IntFault::ByZero) => NodeError::new("division by zero"),
            (op, IntFault::Overflow) => NodeError::Overflow {
                a,
                op: match op {
                    IntOp::Add => Arithmetic::Add,
                    IntOp::Subtract => Arithmetic::Subtract,
                    IntOp::Multiply => Arithmetic::Multiply,
                    IntOp::Divide | IntOp::Modulo => Arithmetic::Divide,
                },
                b,
            },
        }
    }

    /// [`IntOp::apply`] with its error.
    pub(crate) fn run(self, a: i64, b: i64) -> Result<i64, NodeError> {
        self.apply(a, b).map_err(|fault| self.error(fault, a, b))
    }
}

/// An operation on two Floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FloatOp {
    Add,
    Subtract,
    Multiply,
    /// Dividing by zero is an error.
    Divide,
}

impl FloatOp {
    /// The result; `None` for a division by zero.
    #[inline(always)]
    pub(crate) fn apply(self, a: f64, b: f64) -> Option<f64> {
        Some(match self {
            FloatOp::Add => a + b,
            FloatOp::Subtract => a - b,
            FloatOp::Multiply => a * b,
            FloatOp::Divide if b == 0.0 => return None,
            FloatOp::Divide => a / b,
        })
    }

    /// [`FloatOp::apply`] with its error.
    pub(crate) fn run(self, a: f64, b: f64) -> Result<f64, NodeError> {
        self.apply(a, b).ok_or_else(|| NodeError::new("division by zero"))
    }
}

/// A comparison. Ints compare exactly, Floats as IEEE does (a NaN is equal to nothing,
/// and not less or greater than anything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compare {
    Equal,
    NotEqual,
    Less,
    Greater,
    LessEqual,
    GreaterEqual,
}

impl Compare {
    #[inline(always)]
    pub(crate) fn ints(self, a: i64, b: i64) -> bool {
        self.values(a, b)
    }

    #[inline(always)]
    pub(crate) fn floats(self, a: f64, b: f64) -> bool {
        self.values(a, b)
    }

    /// The comparison of two values by their `PartialOrd`: exact for Ints, IEEE's for
    /// Floats (a NaN is equal to nothing, not less or greater than anything).
    #[inline(always)]
    fn values<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Compare::Equal => a == b,
            Compare::NotEqual => a != b,
            Compare::Less => a < b,
            Compare::Greater => a > b,
            Compare::LessEqual => a <= b,
            Compare::GreaterEqual => a >= b,
        }
    }

    /// The comparison of an ordering (Strings; Floats and Ints once ordered).
    pub(crate) fn ordering(self, o: Option<std::cmp::Ordering>) -> bool {
        let Some(o) = o else {
            return self == Compare::NotEqual;
        };
        match self {
            Compare::Equal => o.is_eq(),
            Compare::NotEqual => o.is_ne(),
            Compare::Less => o.is_lt(),
            Compare::Greater => o.is_gt(),
            Compare::LessEqual => o.is_le(),
            Compare::GreaterEqual => o.is_ge(),
        }
    }
}

/// For Loop's pass, entered through `entry`: the index to run, or `None` when the loop is
/// done (past Last Index, or past the largest Int). First Index is read on the way in only
/// (`first`); Last Index on every pass (`last`), as Blueprint's For Loop reads it.
#[inline(always)]
pub(crate) fn for_loop_index<E>(
    entry: crate::node::Entry,
    first: impl FnOnce() -> Result<i64, E>,
    last: impl FnOnce() -> Result<i64, E>,
) -> Result<Option<i64>, E> {
    let index = match entry {
        crate::node::Entry::Pin(_) => Some(first()?),
        crate::node::Entry::Resume(previous) => (previous as i64).checked_add(1),
    };
    let last = last()?;
    Ok(index.filter(|&i| i <= last))
}

/// For Each Loop's pass, entered through `entry`: the index of the element to run.
#[inline(always)]
pub(crate) fn for_each_index(entry: crate::node::Entry) -> usize {
    match entry {
        crate::node::Entry::Pin(_) => 0,
        crate::node::Entry::Resume(previous) => previous as usize + 1,
    }
}
