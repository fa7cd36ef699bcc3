//! The standard library's hot nodes as instructions on an instance's registers. Their
//! arithmetic and comparisons are the nodes' own (`node::arith`), so that no node's logic
//! is written twice.

use crate::exec::state::{Fault, RegFile};
use crate::node::arith::{for_each_index, for_loop_index, Compare, FloatOp, IntOp};
use crate::node::Entry;
use crate::plan::code::Reg;
use crate::value::Value;

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
    Ok(match for_loop_index(entry, || st.int(first), || st.int(last))? {
        Some(i) => {
            st.put_int(dst, i);
            Some(i as u64)
        }
        None => None,
    })
}

/// For Each Loop: the index of the pass to run (its element put in `dst`, the index in
/// `dst + 1`), or `None` when the loop is done. The array is read now, each pass.
#[inline(always)]
pub(crate) fn for_each(st: &mut RegFile, entry: Entry, array: Reg, dst: Reg) -> Result<Option<u64>, Fault> {
    let index = for_each_index(entry);
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
