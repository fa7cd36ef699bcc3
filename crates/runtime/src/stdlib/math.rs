//! Arithmetic, comparisons and Boolean logic.
use super::*;
use crate::node::Arithmetic;

/// Int for Int op Int, Float when either side is a Float; an error names the pin.
fn numeric(cx: &dyn SignatureCx, node: &str) -> Result<Type, PinError> {
    let mut result = Type::Int;
    for pin in ["A", "B"] {
        match cx.input_type(pin) {
            None | Some(Type::Int) => {}
            Some(Type::Float) => result = Type::Float,
            Some(other) => {
                return Err(PinError::at(
                    pin,
                    codes::TYPE_MISMATCH,
                    format!("{node} takes Int or Float, not {other}"),
                ))
            }
        }
    }
    Ok(result)
}

/// The common type of `A` and `B` for comparison; `ordered` allows numbers and strings only.
fn comparable(cx: &dyn SignatureCx, node: &str, ordered: bool) -> Result<Type, PinError> {
    let (a, b) = (cx.input_type("A"), cx.input_type("B"));
    let ty = match (a, b) {
        (Some(a), Some(b)) if a == b => a,
        (Some(Type::Int), Some(Type::Float)) | (Some(Type::Float), Some(Type::Int)) => Type::Float,
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => Type::Int,
        (Some(a), Some(b)) if !ordered && a.accepts(&b) => a,
        (Some(a), Some(b)) if !ordered && b.accepts(&a) => b,
        (Some(a), Some(b)) => {
            return Err(PinError::at(
                "B",
                codes::TYPE_MISMATCH,
                format!("{node} cannot compare {a} with {b}"),
            ))
        }
    };
    if ordered && !matches!(ty, Type::Int | Type::Float | Type::String) {
        return Err(PinError::at(
            "A",
            codes::TYPE_MISMATCH,
            format!("{node} compares Int, Float or String, not {ty}"),
        ));
    }
    Ok(ty)
}

pub(super) fn math(r: &mut RegistryBuilder) {
    type IntOp = fn(i64, i64) -> Option<i64>;
    type FloatOp = fn(f64, f64) -> f64;
    let ops: [(&str, Arithmetic, &str, IntOp, FloatOp); 4] = [
        ("Add", Arithmetic::Add, "A + B", i64::checked_add, |a, b| a + b),
        ("Subtract", Arithmetic::Subtract, "A - B", i64::checked_sub, |a, b| {
            a - b
        }),
        ("Multiply", Arithmetic::Multiply, "A × B", i64::checked_mul, |a, b| {
            a * b
        }),
        (
            "Divide",
            Arithmetic::Divide,
            "A ÷ B (Int ÷ Int rounds toward zero); dividing by zero is a runtime error",
            i64::checked_div,
            |a, b| a / b,
        ),
    ];
    for (name, arithmetic, what, int_op, float_op) in ops {
        let is_divide = name == "Divide";
        r.add_node(
            FnNode::new(
                name,
                NodeDoc::new("Math", &format!("{what} (pure). Int when both are Int, else Float."))
                    .input("A", "Int or Float")
                    .input("B", "Int or Float")
                    .output("Return Value", "Int or Float"),
                move |cx| {
                    let ty = numeric(cx, name)?;
                    Ok(Signature::pure()
                        .input("A", ty.clone())
                        .input("B", ty.clone())
                        .output("Return Value", ty))
                },
                move |cx| {
                    let float = cx.signature().outputs[0].ty == Type::Float;
                    Ok(if float {
                        Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                            let (a, b) = (cx.input(0).as_float(), cx.input(1).as_float());
                            if is_divide && b == 0.0 {
                                return Err(err("division by zero"));
                            }
                            cx.set_output(0, float_op(a, b));
                            Ok(Flow::End)
                        })
                    } else {
                        Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                            let (a, b) = (cx.input(0).as_int(), cx.input(1).as_int());
                            if is_divide && b == 0 {
                                return Err(err("division by zero"));
                            }
                            let value = int_op(a, b).ok_or_else(|| overflow(a, arithmetic, b))?;
                            cx.set_output(0, value);
                            Ok(Flow::End)
                        })
                    })
                },
            )
            .intrinsic(move |cx| {
                let float = cx.signature().outputs[0].ty == Type::Float;
                match (name, float) {
                    ("Add", false) => Some(Op::AddInt),
                    ("Subtract", false) => Some(Op::SubtractInt),
                    ("Multiply", false) => Some(Op::MultiplyInt),
                    ("Add", true) => Some(Op::AddFloat),
                    ("Subtract", true) => Some(Op::SubtractFloat),
                    ("Multiply", true) => Some(Op::MultiplyFloat),
                    _ => None,
                }
            }),
        );
    }
    type Cmp = fn(std::cmp::Ordering) -> bool;
    let comparisons: [(&str, &str, bool, Cmp); 6] = [
        ("Equal", "A == B", false, |o| o.is_eq()),
        ("Not Equal", "A != B", false, |o| o.is_ne()),
        ("Less", "A < B", true, |o| o.is_lt()),
        ("Greater", "A > B", true, |o| o.is_gt()),
        ("Less Equal", "A <= B", true, |o| o.is_le()),
        ("Greater Equal", "A >= B", true, |o| o.is_ge()),
    ];
    for (name, what, ordered, test) in comparisons {
        let types = if ordered {
            "Int, Float or String"
        } else {
            "any (of one type)"
        };
        r.add_node(FnNode::new(
            name,
            NodeDoc::new("Math", &format!("{what} (pure)."))
                .input("A", types)
                .input("B", types)
                .output("Return Value", "Bool"),
            move |cx| {
                let ty = comparable(cx, name, ordered)?;
                Ok(Signature::pure()
                    .input("A", ty.clone())
                    .input("B", ty)
                    .output("Return Value", Type::Bool))
            },
            move |_| {
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let result = if ordered {
                        match (cx.input(0), cx.input(1)) {
                            (Value::String(a), Value::String(b)) => test(a.cmp(b)),
                            (a, b) => a.as_float().partial_cmp(&b.as_float()).is_some_and(test),
                        }
                    } else {
                        let equal = cx.input(0) == cx.input(1);
                        test(if equal {
                            std::cmp::Ordering::Equal
                        } else {
                            std::cmp::Ordering::Less
                        })
                    };
                    cx.set_output(0, result);
                    Ok(Flow::End)
                }))
            },
        ));
    }
    type BoolOp = fn(bool, bool) -> bool;
    let logic: [(&str, &str, BoolOp); 2] = [("And", "A and B", |a, b| a && b), ("Or", "A or B", |a, b| a || b)];
    for (name, what, op) in logic {
        r.add_node(FnNode::simple(
            name,
            NodeDoc::new("Math", &format!("{what} (pure)."))
                .input("A", "Bool")
                .input("B", "Bool")
                .output("Return Value", "Bool"),
            Signature::pure()
                .input("A", Type::Bool)
                .input("B", Type::Bool)
                .output("Return Value", Type::Bool),
            move |cx, _| {
                let value = op(cx.input(0).as_bool(), cx.input(1).as_bool());
                cx.set_output(0, value);
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(FnNode::simple(
        "Not",
        NodeDoc::new("Math", "not A (pure).")
            .input("A", "Bool")
            .output("Return Value", "Bool"),
        Signature::pure()
            .input("A", Type::Bool)
            .output("Return Value", Type::Bool),
        |cx, _| {
            let value = !cx.input(0).as_bool();
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
}
