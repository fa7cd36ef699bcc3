//! The standard library's hot nodes as instructions on an instance's registers. Their
//! arithmetic and comparisons are the nodes' own (`node::arith`), so that no node's logic
//! is written twice.

use crate::exec::instance::State;
use crate::exec::node_path::unset_read;
use crate::node::arith::{Compare, FloatOp, IntFault, IntOp};
use crate::node::{Entry, NodeError};
use crate::plan::code::Reg;
use crate::plan::program::{InputPlan, ProgramInner};
use crate::value::Value;

/// Why an instruction failed; made into the owning node's error only when it does.
pub(crate) enum Fault {
    /// An input read a slot that is still unset.
    Unset(u32),
    /// Int arithmetic overflowed or divided by zero.
    Int(IntOp, IntFault, i64, i64),
    /// A Float divided by zero.
    FloatByZero,
    /// For Each Loop's Json value is not an array: its kind.
    NotAnArray(&'static str),
}

impl Fault {
    /// The error of the node owning instruction `pc`.
    #[cold]
    pub(crate) fn at(self, prog: &ProgramInner, pc: usize) -> (u32, NodeError) {
        let node = prog.code.owner[pc];
        let error = match self {
            Fault::Unset(slot) => {
                let inputs = &prog.nodes[node as usize].inputs;
                let input = inputs
                    .iter()
                    .position(|i| matches!(i, InputPlan::Slot { slot: s, .. } if *s == slot))
                    .unwrap_or(0);
                unset_read(prog, node, input, slot)
            }
            Fault::Int(op, fault, a, b) => op.error(fault, a, b),
            Fault::FloatByZero => NodeError::new("division by zero"),
            Fault::NotAnArray(kind) => NodeError::new(format!("For Each Loop: the Json value is {kind}, not an array")),
        };
        (node, error)
    }
}

impl State {
    pub(crate) fn vars(&self) -> &[Value] {
        &self.regs[self.vars_at..self.consts_at]
    }

    pub(crate) fn vars_mut(&mut self) -> &mut [Value] {
        &mut self.regs[self.vars_at..self.consts_at]
    }

    /// The registers, for the instructions.
    #[inline(always)]
    pub(crate) fn file(&mut self) -> RegFile<'_> {
        RegFile {
            regs: &mut self.regs,
            vars_at: self.vars_at,
        }
    }
}

/// An instance's registers as its instructions use them: the output slots, then from
/// `vars_at` the variables and the constants. Borrowed apart from the rest of [`State`],
/// so that a loop running instructions keeps their address and length in machine
/// registers instead of loading them again after every store.
pub(crate) struct RegFile<'a> {
    pub(crate) regs: &'a mut [Value],
    vars_at: usize,
}

impl RegFile<'_> {
    /// What an instruction reads in register `r` when it is not of the operand's type: an
    /// unset slot is an error; anything else converts as the node's closure would.
    #[cold]
    pub(crate) fn other<T>(&self, r: Reg, convert: impl Fn(&Value) -> T) -> Result<T, Fault> {
        match &self.regs[r as usize] {
            Value::Unset if (r as usize) < self.vars_at => Err(Fault::Unset(r)),
            other => Ok(convert(other)),
        }
    }

    #[inline(always)]
    pub(crate) fn int(&self, r: Reg) -> Result<i64, Fault> {
        match self.regs[r as usize] {
            Value::Int(v) => Ok(v),
            _ => self.other(r, Value::as_int),
        }
    }

    #[inline(always)]
    pub(crate) fn float(&self, r: Reg) -> Result<f64, Fault> {
        match self.regs[r as usize] {
            Value::Float(v) => Ok(v),
            _ => self.other(r, Value::as_float),
        }
    }

    #[inline(always)]
    pub(crate) fn bool(&self, r: Reg) -> Result<bool, Fault> {
        match self.regs[r as usize] {
            Value::Bool(v) => Ok(v),
            _ => self.other(r, Value::as_bool),
        }
    }

    /// Register `src` into register `dst` (an Int as an Int: a clone of a whole `Value`
    /// is copied in pieces that stall the loads after it).
    #[inline(always)]
    pub(crate) fn copy(&mut self, src: usize, dst: usize) {
        match self.regs[src] {
            Value::Int(v) => self.put_int(dst as Reg, v),
            _ => {
                let value = self.regs[src].clone();
                self.regs[dst] = value;
            }
        }
    }

    #[inline(always)]
    pub(crate) fn put_int(&mut self, r: Reg, value: i64) {
        match &mut self.regs[r as usize] {
            Value::Int(v) => *v = value,
            place => *place = Value::Int(value),
        }
    }
}

// The standard library's hot nodes as instructions: each does exactly what its node's
// implementation does (a node whose inputs need a conversion is called through it;
// tests/run_compare.rs compares fused and unfused, observed and plain runs).

/// The Int operation `op` on the Ints in `a` and `b`.
#[inline(always)]
pub(crate) fn int_result(st: &RegFile, op: IntOp, a: Reg, b: Reg) -> Result<i64, Fault> {
    let (a, b) = (st.int(a)?, st.int(b)?);
    op.apply(a, b).map_err(|fault| Fault::Int(op, fault, a, b))
}

#[inline(always)]
pub(crate) fn int_op(st: &mut RegFile, op: IntOp, a: Reg, b: Reg, dst: Reg) -> Result<(), Fault> {
    let value = int_result(st, op, a, b)?;
    st.put_int(dst, value);
    Ok(())
}

#[inline(always)]
pub(crate) fn float_op(st: &mut RegFile, op: FloatOp, a: Reg, b: Reg, dst: Reg) -> Result<(), Fault> {
    let value = op.apply(st.float(a)?, st.float(b)?).ok_or(Fault::FloatByZero)?;
    st.regs[dst as usize] = Value::Float(value);
    Ok(())
}

#[inline(always)]
pub(crate) fn compare_ints(st: &RegFile, op: Compare, a: Reg, b: Reg) -> Result<bool, Fault> {
    Ok(op.ints(st.int(a)?, st.int(b)?))
}

#[inline(always)]
pub(crate) fn compare_floats(st: &RegFile, op: Compare, a: Reg, b: Reg) -> Result<bool, Fault> {
    Ok(op.floats(st.float(a)?, st.float(b)?))
}

#[inline(always)]
pub(crate) fn put_bool(st: &mut RegFile, dst: Reg, value: bool) {
    st.regs[dst as usize] = Value::Bool(value);
}

#[inline(always)]
pub(crate) fn get(st: &mut RegFile, var: Reg, dst: Reg) {
    st.copy(var as usize, dst as usize);
}

#[inline(always)]
pub(crate) fn set(st: &mut RegFile, var: Reg, src: Reg, dst: Reg, moves: bool) -> Result<(), Fault> {
    match st.regs[src as usize] {
        Value::Int(i) => {
            st.put_int(var, i);
            st.put_int(dst, i);
        }
        _ if moves => {
            st.other(src, |_| ())?;
            // The only reference moves: what it holds can grow in place next time.
            st.regs[var as usize] = std::mem::take(&mut st.regs[src as usize]);
        }
        _ => {
            st.other(src, |_| ())?;
            let value = st.regs[src as usize].clone();
            st.regs[var as usize] = value.clone();
            st.regs[dst as usize] = value;
        }
    }
    Ok(())
}

/// `Set X = A op B` (an Int): the variable, and the outputs if `outputs_read`.
#[inline(always)]
pub(crate) fn set_int(
    st: &mut RegFile,
    op: IntOp,
    (a, b, sum): (Reg, Reg, Reg),
    var: Reg,
    dst: Reg,
    outputs_read: bool,
) -> Result<(), Fault> {
    let value = int_result(st, op, a, b)?;
    st.put_int(var, value);
    if outputs_read {
        st.put_int(sum, value);
        st.put_int(dst, value);
    }
    Ok(())
}

/// For Loop: the index of the pass to run (also put in `dst`), or `None` when the loop is
/// done. Its bounds are read now, as Blueprint's For Loop reads them before each pass.
#[inline(always)]
pub(crate) fn for_loop(st: &mut RegFile, entry: Entry, first: Reg, last: Reg, dst: Reg) -> Result<Option<u64>, Fault> {
    // After the first pass, First Index no longer matters.
    let index = match entry {
        Entry::Pin(_) => Some(st.int(first)?),
        Entry::Resume(previous) => (previous as i64).checked_add(1),
    };
    let last = st.int(last)?;
    Ok(match index {
        Some(i) if i <= last => {
            st.put_int(dst, i);
            Some(i as u64)
        }
        _ => None,
    })
}

/// For Each Loop: the index of the pass to run (its element put in `dst`, the index in
/// `dst + 1`), or `None` when the loop is done. The array is read now, each pass.
#[inline(always)]
pub(crate) fn for_each(st: &mut RegFile, entry: Entry, array: Reg, dst: Reg) -> Result<Option<u64>, Fault> {
    let index = match entry {
        Entry::Pin(_) => 0,
        Entry::Resume(previous) => previous as usize + 1,
    };
    if let Value::Unset = st.regs[array as usize] {
        st.other(array, |_| ())?;
    }
    match st.regs[array as usize].element(index) {
        Ok(Some(item)) => {
            st.regs[dst as usize] = item;
            st.put_int(dst + 1, index as i64);
            Ok(Some(index as u64))
        }
        Ok(None) => Ok(None),
        Err(kind) => Err(Fault::NotAnArray(kind)),
    }
}
