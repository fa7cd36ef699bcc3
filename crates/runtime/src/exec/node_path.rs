//! The node path: a node run through its implementation (`Node::run`), as every node that
//! is not an instruction of its own is. Its inputs are made readable first (in place, or
//! evaluated, converted and copied), a panic is its runtime error, and reading an output
//! that was never set is found here, when it is read.

use crate::exec::base::Instance;
use crate::exec::machine::Running;
use crate::exec::state::{panicked, unset_read};
use crate::node::cx::Inputs;
use crate::node::event::{LatentFn, TaskFn};
use crate::node::Cx;
use crate::node::{Entry, Flow, NodeError};
use crate::plan::program::{InputPlan, ProgramInner};
use crate::value::{Conversion, ObjectRef, Value};

/// What runs as a node: its implementation, or what its latent work or its task sent back
/// to run in its context (a closure, or a report about an object for its class). Each runs
/// here, the one way into a node.
pub(crate) enum Body {
    Own,
    Latent(LatentFn),
    Task(TaskFn),
    Report(ObjectRef, Box<dyn std::any::Any + Send>),
}

impl Instance {
    /// Runs node `n` through its implementation, its inputs made readable first.
    pub(crate) fn call(&mut self, prog: &ProgramInner, n: u32, entry: Entry) -> Result<Flow, (u32, NodeError)> {
        let in_place = match self.prepare_inputs(prog, n) {
            Ok(in_place) => in_place,
            Err(e) => {
                self.give_back(prog, n);
                return Err((n, e));
            }
        };
        self.run_node(prog, n, entry, Body::Own, in_place).map_err(|e| (n, e))
    }

    /// After a node failed: a variable moved into it (`InputPlan::TakeVar`) and not taken
    /// by it goes back, so a failed `Set X = Array Add(X, v)` leaves X as it was. (A node
    /// that changes an input in place never fails after taking it.)
    #[cold]
    fn give_back(&mut self, prog: &ProgramInner, n: u32) {
        for (i, input) in prog.nodes[n as usize].inputs.iter().enumerate() {
            if let InputPlan::TakeVar { var } = input {
                if let Some(value) = self.scratch.get_mut(i).filter(|v| !matches!(v, Value::Unset)) {
                    self.st.regs[self.st.vars_at + *var as usize] = std::mem::take(value);
                }
            }
        }
    }

    /// Runs node `n` again without evaluating its inputs (they read as unset): a wake-up
    /// it asked for (`Body::Own`), a latent node's result or a task's report in its context.
    pub(crate) fn exec_node(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        entry: Entry,
        body: Body,
    ) -> Result<Flow, (u32, NodeError)> {
        self.scratch.clear();
        self.scratch.resize(prog.nodes[n as usize].inputs.len(), Value::Unset);
        self.run_node(prog, n, entry, body, false).map_err(|e| (n, e))
    }

    /// Makes a node's inputs readable: in place (checking that no slot it reads is unset),
    /// or copied and converted into the scratch buffer. True if in place.
    pub(crate) fn prepare_inputs(&mut self, prog: &ProgramInner, n: u32) -> Result<bool, NodeError> {
        let plan = &prog.nodes[n as usize];
        if !plan.in_place {
            self.gather_inputs(prog, n)?;
            return Ok(false);
        }
        for (i, input) in plan.inputs.iter().enumerate() {
            if let InputPlan::Slot { slot, .. } = input {
                if let Value::Unset = self.st.regs[*slot as usize] {
                    return Err(unset_read(prog, n, i, *slot));
                }
            }
        }
        Ok(true)
    }

    pub(crate) fn gather_inputs(&mut self, prog: &ProgramInner, n: u32) -> Result<(), NodeError> {
        self.scratch.clear();
        for i in 0..prog.nodes[n as usize].inputs.len() {
            let value = match &prog.nodes[n as usize].inputs[i] {
                // Moved out of the variable: the node holds the only reference. Observed,
                // copied: a pause before the Set shows the variable as it is.
                InputPlan::TakeVar { var } if self.observer.is_none() => {
                    std::mem::take(&mut self.st.regs[self.st.vars_at + *var as usize])
                }
                _ => match self.plain_input(prog, n, i) {
                    Some(v) => v,
                    None => self.input_value(prog, n, i)?,
                },
            };
            self.scratch.push(value);
        }
        Ok(())
    }

    /// Copies input `i` of node `n` into register `dst` in the common case (a set slot or a
    /// variable, with no conversion); false, having done nothing, otherwise.
    #[inline(always)]
    pub(crate) fn copy_input(&mut self, prog: &ProgramInner, n: u32, i: usize, dst: usize) -> bool {
        let src = match &prog.nodes[n as usize].inputs[i] {
            InputPlan::Slot {
                slot,
                conversion: Conversion::None,
            } if !matches!(self.st.regs[*slot as usize], Value::Unset) => *slot as usize,
            InputPlan::Var {
                var,
                conversion: Conversion::None,
            } => self.st.vars_at + *var as usize,
            _ => return false,
        };
        self.st.file().copy(src, dst);
        true
    }

    /// Every input of node `n` into the registers from `base` on (a call's arguments into
    /// its Function Entry's outputs, a Return Node's inputs into its call's outputs): copied
    /// where they can be, else evaluated and converted. An error is `n`'s.
    #[inline(always)]
    pub(crate) fn inputs_into(&mut self, prog: &ProgramInner, n: u32, base: usize) -> Result<(), (u32, NodeError)> {
        for i in 0..prog.nodes[n as usize].inputs.len() {
            if !self.copy_input(prog, n, i, base + i) {
                self.st.regs[base + i] = self.input_value(prog, n, i).map_err(|e| (n, e))?;
            }
        }
        Ok(())
    }

    /// Input `i` of node `n` in the common case (a set slot, a variable or a constant, with
    /// no conversion), else `None` for [`Instance::input_value`]: this comes back in
    /// registers, where a `Result<Value, NodeError>` comes back through memory.
    #[inline(always)]
    pub(crate) fn plain_input(&self, prog: &ProgramInner, n: u32, i: usize) -> Option<Value> {
        match &prog.nodes[n as usize].inputs[i] {
            InputPlan::Slot {
                slot,
                conversion: Conversion::None,
            } => match &self.st.regs[*slot as usize] {
                Value::Unset => None,
                v => Some(v.clone()),
            },
            InputPlan::Var {
                var,
                conversion: Conversion::None,
            }
            | InputPlan::TakeVar { var } => Some(self.st.regs[self.st.vars_at + *var as usize].clone()),
            InputPlan::Const(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Input `i` of node `n`, evaluated and converted to its pin's type.
    #[inline(never)]
    pub(crate) fn input_value(&self, prog: &ProgramInner, n: u32, i: usize) -> Result<Value, NodeError> {
        Ok(match &prog.nodes[n as usize].inputs[i] {
            InputPlan::Const(v) => v.clone(),
            InputPlan::Slot { slot, conversion } => {
                let v = &self.st.regs[*slot as usize];
                if matches!(v, Value::Unset) {
                    return Err(unset_read(prog, n, i, *slot));
                }
                match conversion {
                    Conversion::None => v.clone(),
                    _ => convert(v, *conversion, prog, n, i)?,
                }
            }
            InputPlan::Var { var, conversion } => {
                let v = &self.st.regs[self.st.vars_at + *var as usize];
                match conversion {
                    Conversion::None => v.clone(),
                    _ => convert(v, *conversion, prog, n, i)?,
                }
            }
            InputPlan::TakeVar { var } => self.st.regs[self.st.vars_at + *var as usize].clone(),
        })
    }

    pub(crate) fn run_node(
        &mut self,
        prog: &ProgramInner,
        n: u32,
        entry: Entry,
        body: Body,
        in_place: bool,
    ) -> Result<Flow, NodeError> {
        let plan = &prog.nodes[n as usize];
        let inputs = if in_place {
            Inputs::InPlace(&plan.inputs)
        } else {
            Inputs::Copied(&mut self.scratch)
        };
        let mut machine = Running {
            prog,
            st: &mut self.st,
            env: &self.env,
        };
        let mut cx = Cx {
            machine: &mut machine,
            inputs,
            node: n,
            out_base: plan.out_base as usize,
        };
        // A host's node that panics fails with a runtime error, as any other failure.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match body {
            Body::Own => plan.imp.run(&mut cx, entry),
            Body::Latent(f) => f(&mut cx),
            Body::Task(f) => {
                f(&mut cx);
                Ok(Flow::End)
            }
            Body::Report(object, data) => {
                if let Some(handle) = &prog.registry.class(object.class).on_report {
                    handle(&mut cx, object, data);
                }
                Ok(Flow::End)
            }
        }))
        .unwrap_or_else(|payload| Err(panicked(payload.as_ref())));
        if !in_place {
            if result.is_err() {
                self.give_back(prog, n);
            }
            self.scratch.clear();
        }
        result
    }
}

/// Input `i` of node `n` converted to its pin's type. A value with an infinite or NaN
/// Float cannot become JSON: that is the node's error, as the same literal is a load error.
#[inline]
pub(crate) fn convert(
    value: &Value,
    conversion: Conversion,
    prog: &ProgramInner,
    n: u32,
    i: usize,
) -> Result<Value, NodeError> {
    if conversion == Conversion::None {
        return Ok(value.clone());
    }
    if conversion == Conversion::ToJson {
        if let Some(f) = value.non_finite() {
            let input = prog.debug[n as usize].input_names.get(i).map_or("?", String::as_str);
            return Err(NodeError::new(format!(
                "`{input}` takes Json, but the value holds the Float {}, and JSON has no infinite or NaN numbers",
                crate::value::float_text(f)
            )));
        }
    }
    Ok(value.clone().convert(conversion, &prog.registry))
}
