//! Get, Set, Increment and Decrement.
use super::*;
use crate::node::arith::IntOp;

pub(super) fn variables(r: &mut RegistryBuilder) {
    r.add_node(
        FnNode::new(
            "Get",
            NodeDoc::new("Variables", "Reads the variable named by `var:` (pure).")
                .output("the variable's name", "the variable's type"),
            |cx| {
                let (name, ty) = cx
                    .variable()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                Ok(Signature::pure().output(name, ty))
            },
            |cx| {
                let var = cx
                    .variable_index()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let value = cx.variable(var).clone();
                    cx.set_output(0, value);
                    Ok(Flow::End)
                }))
            },
        )
        .intrinsic(|cx| cx.variable_index().map(|v| Op::Get(v as u32)))
        .role(Role::Variable),
    );
    r.add_node(
        FnNode::new(
            "Set",
            NodeDoc::new(
                "Variables",
                "Writes the variable named by `var:` (its zero value if the input is left out).",
            )
            .exec_in(&["exec"])
            .exec_out(&["then"])
            .input("the variable's name", "the variable's type")
            .output("the variable's name", "the new value"),
            |cx| {
                let (name, ty) = cx
                    .variable()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                let zero = Value::zero(&ty);
                Ok(Signature::then().input_or(name, ty.clone(), zero).output(name, ty))
            },
            |cx| {
                let var = cx
                    .variable_index()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let value = cx.take_input(0);
                    cx.set_variable(var, value.clone());
                    cx.set_output(0, value);
                    Ok(Flow::Then(0))
                }))
            },
        )
        .intrinsic(|cx| cx.variable_index().map(|v| Op::Set(v as u32)))
        .role(Role::Variable),
    );
    for (name, step) in [("Increment", 1i64), ("Decrement", -1i64)] {
        r.add_node(
            FnNode::new(
                name,
                NodeDoc::new(
                    "Variables",
                    &format!(
                        "Adds {step} to the Int variable named by `var:`; going past Int's range is a runtime error."
                    ),
                )
                .exec_in(&["exec"])
                .exec_out(&["then"])
                .output("the variable's name", "Int: the new value"),
                move |cx| {
                    let (var, ty) = cx
                        .variable()
                        .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                    if ty != Type::Int {
                        return Err(PinError::node(
                            codes::TYPE_MISMATCH,
                            format!("{name} takes an Int variable, and `{var}` is {ty}"),
                        ));
                    }
                    Ok(Signature::then().output(var, Type::Int))
                },
                move |cx| {
                    let var = cx
                        .variable_index()
                        .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                    Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                        let old = cx.variable(var).as_int();
                        let op = if step > 0 { IntOp::Add } else { IntOp::Subtract };
                        let new = op.run(old, 1)?;
                        cx.set_variable(var, Value::Int(new));
                        cx.set_output(0, new);
                        Ok(Flow::Then(0))
                    }))
                },
            )
            .role(Role::Variable),
        );
    }
}
