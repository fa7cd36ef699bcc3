//! Arithmetic, comparisons and Boolean logic; Modulo, Min, Max, Clamp, Abs, rounding and
//! random numbers.
use super::*;
use crate::node::arith::{Compare, FloatOp, IntOp};
use crate::node::InputKind;

/// Int for Int op Int, Float when either side is a Float; an error names the pin.
fn numeric(cx: &dyn SignatureCx, node: &str) -> Result<Type, PinError> {
    numeric_pins(cx, node, &["A", "B"])
}

/// Int when every one of `pins` is an Int (or unwired), Float when any is a Float.
fn numeric_pins(cx: &dyn SignatureCx, node: &str, pins: &[&str]) -> Result<Type, PinError> {
    let mut result = Type::Int;
    for &pin in pins {
        match cx.input_type(pin) {
            None | Some(Type::Int) => {}
            Some(Type::Float) => result = Type::Float,
            Some(other) => {
                // A number inside Json is read out with a getter first.
                let hint = match other {
                    Type::Json => ": read a number out of it with `Json As Int` or `Json As Float`",
                    _ => "",
                };
                return Err(PinError::at(
                    pin,
                    codes::TYPE_MISMATCH,
                    format!("{node} takes Int or Float, not {other}{hint}"),
                ));
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

/// The type a comparison compares: its `A` pin's.
fn input_type(sig: &Signature) -> Type {
    match &sig.inputs[0].kind {
        InputKind::Data(ty) | InputKind::Literal(ty) => ty.clone(),
        InputKind::Delegate(_) => Type::Bool,
    }
}

pub(super) fn math(r: &mut RegistryBuilder) {
    let ops: [(&str, IntOp, FloatOp, &str); 4] = [
        ("Add", IntOp::Add, FloatOp::Add, "A + B"),
        ("Subtract", IntOp::Subtract, FloatOp::Subtract, "A - B"),
        ("Multiply", IntOp::Multiply, FloatOp::Multiply, "A × B"),
        (
            "Divide",
            IntOp::Divide,
            FloatOp::Divide,
            "A ÷ B (Int ÷ Int rounds toward zero); dividing by zero is a runtime error",
        ),
    ];
    for (name, int_op, float_op, what) in ops {
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
                            let value = float_op.run(cx.input(0).as_float(), cx.input(1).as_float())?;
                            cx.set_output(0, value);
                            Ok(Flow::End)
                        })
                    } else {
                        Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                            let value = int_op.run(cx.input(0).as_int(), cx.input(1).as_int())?;
                            cx.set_output(0, value);
                            Ok(Flow::End)
                        })
                    })
                },
            )
            .intrinsic(move |cx| {
                Some(match cx.signature().outputs[0].ty {
                    Type::Float => Op::Float(float_op),
                    _ => Op::Int(int_op),
                })
            }),
        );
    }
    let comparisons: [(&str, &str, bool, Compare); 6] = [
        ("Equal", "A == B", false, Compare::Equal),
        ("Not Equal", "A != B", false, Compare::NotEqual),
        ("Less", "A < B", true, Compare::Less),
        ("Greater", "A > B", true, Compare::Greater),
        ("Less Equal", "A <= B", true, Compare::LessEqual),
        ("Greater Equal", "A >= B", true, Compare::GreaterEqual),
    ];
    for (name, what, ordered, test) in comparisons {
        let types = if ordered {
            "Int, Float or String"
        } else {
            "any (of one type)"
        };
        r.add_node(
            FnNode::new(
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
                move |cx| {
                    let ty = input_type(cx.signature());
                    Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                        let result = match (&ty, cx.input(0), cx.input(1)) {
                            // Ints exactly: two Ints past 2^53 are not two Floats.
                            (Type::Int, a, b) => test.ints(a.as_int(), b.as_int()),
                            (Type::Float, a, b) => test.floats(a.as_float(), b.as_float()),
                            (_, Value::String(a), Value::String(b)) if ordered => {
                                test.ordering(Some(a.as_str().cmp(b.as_str())))
                            }
                            (_, a, b) if ordered => test.ordering(a.as_float().partial_cmp(&b.as_float())),
                            (_, a, b) => test.ordering(Some(if a == b {
                                std::cmp::Ordering::Equal
                            } else {
                                std::cmp::Ordering::Less
                            })),
                        };
                        cx.set_output(0, result);
                        Ok(Flow::End)
                    }))
                },
            )
            .intrinsic(move |cx| match input_type(cx.signature()) {
                Type::Int => Some(Op::CompareInt(test)),
                Type::Float => Some(Op::CompareFloat(test)),
                _ => None,
            }),
        );
    }
    type BoolOp = fn(bool, bool) -> bool;
    let logic: [(&str, &str, BoolOp); 2] = [("And", "A and B", |a, b| a && b), ("Or", "A or B", |a, b| a || b)];
    for (name, what, op) in logic {
        r.add_node(FnNode::documented(
            name,
            "Math",
            &format!("{what} (pure)."),
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
    r.add_node(FnNode::documented(
        "Not",
        "Math",
        "not A (pure).",
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

/// A node over Int or Float pins (Int when all are Int): `int` and `float` compute the
/// result from the inputs in order.
fn numeric_node(
    name: &'static str,
    description: &str,
    pins: &'static [&'static str],
    int: fn(&[i64]) -> Result<i64, NodeError>,
    float: fn(&[f64]) -> f64,
) -> FnNode {
    let mut doc = NodeDoc::new("Math", description);
    for pin in pins {
        doc = doc.input(pin, "Int or Float");
    }
    FnNode::new(
        name,
        doc.output("Return Value", "Int or Float"),
        move |cx| {
            let ty = numeric_pins(cx, name, pins)?;
            let mut sig = Signature::pure();
            for pin in pins {
                sig = sig.input(pin, ty.clone());
            }
            Ok(sig.output("Return Value", ty))
        },
        move |cx| {
            let is_float = cx.signature().outputs[0].ty == Type::Float;
            Ok(if is_float {
                Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let args: [f64; 3] =
                        std::array::from_fn(|i| if i < pins.len() { cx.input(i).as_float() } else { 0.0 });
                    cx.set_output(0, float(&args[..pins.len()]));
                    Ok(Flow::End)
                })
            } else {
                Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let args: [i64; 3] = std::array::from_fn(|i| if i < pins.len() { cx.input(i).as_int() } else { 0 });
                    cx.set_output(0, int(&args[..pins.len()])?);
                    Ok(Flow::End)
                })
            })
        },
    )
}

/// Blueprint's Clamp: below Min gives Min, else at most Max (so Min wins when Min > Max).
fn clamp<T: PartialOrd>(value: T, min: T, max: T) -> T {
    if value < min {
        min
    } else if value < max {
        value
    } else {
        max
    }
}

/// A Float to an Int for the rounding nodes: NaN or out of i64's range is a runtime error.
fn to_int(node: &str, value: f64) -> Result<i64, NodeError> {
    // i64::MAX as f64 rounds up to 2^63, which is out of range: compare with < 2^63.
    if value.is_nan() {
        return Err(err(format!("{node}: NaN has no Int value")));
    }
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&value) {
        return Err(err(format!(
            "{node}: {} is out of Int's range",
            crate::value::float_text(value)
        )));
    }
    Ok(value as i64)
}

pub(super) fn more_math(r: &mut RegistryBuilder) {
    r.add_node(
        FnNode::function("Modulo", ["A", "B"], |a: i64, b: i64| IntOp::Modulo.run(a, b))
            .describe(
                "Math",
                "The remainder of A ÷ B, with the sign of A (pure); B = 0 is a runtime error.",
            )
            .intrinsic(|_| Some(Op::Int(IntOp::Modulo))),
    );
    // As Blueprint's Min and Max: A unless B is smaller (larger), so a NaN A gives B.
    r.add_node(numeric_node(
        "Min",
        "The smaller of A and B (pure).",
        &["A", "B"],
        |v| Ok(v[0].min(v[1])),
        |v| {
            if v[0] <= v[1] {
                v[0]
            } else {
                v[1]
            }
        },
    ));
    r.add_node(numeric_node(
        "Max",
        "The larger of A and B (pure).",
        &["A", "B"],
        |v| Ok(v[0].max(v[1])),
        |v| {
            if v[0] >= v[1] {
                v[0]
            } else {
                v[1]
            }
        },
    ));
    r.add_node(numeric_node(
        "Clamp",
        "Value limited to Min…Max (pure); below Min gives Min, else at most Max.",
        &["Value", "Min", "Max"],
        |v| Ok(clamp(v[0], v[1], v[2])),
        |v| clamp(v[0], v[1], v[2]),
    ));
    r.add_node(numeric_node(
        "Abs",
        "The absolute value of A (pure); Abs of the smallest Int is a runtime error.",
        &["A"],
        |v| {
            v[0].checked_abs()
                .ok_or_else(|| err(format!("integer overflow: Abs({})", v[0])))
        },
        |v| v[0].abs(),
    ));
    type Rounding = fn(f64) -> f64;
    let roundings: [(&'static str, &str, Rounding); 4] = [
        ("Truncate", "A without its fraction (toward zero)", f64::trunc),
        (
            "Round",
            "A to the nearest Int, halves upward (2.5 is 3, -2.5 is -2)",
            |a| (a + 0.5).floor(),
        ),
        ("Floor", "The largest Int not above A", f64::floor),
        ("Ceil", "The smallest Int not below A", f64::ceil),
    ];
    for (name, what, round) in roundings {
        r.add_node(
            FnNode::function(name, ["A"], move |a: f64| to_int(name, round(a))).describe(
                "Math",
                &format!("{what} (pure); NaN or out of Int's range is a runtime error."),
            ),
        );
    }
    r.add_node(FnNode::documented(
            "Random Integer in Range",
            "Math",
            "A random Int from Min to Max, both included (pure; Max below Min gives Min), from the instance's generator (`--seed`).",
            Signature::pure().input("Min", Type::Int).input("Max", Type::Int).output("Return Value", Type::Int),
            |cx, _| {
            let (min, max) = (cx.input(0).as_int(), cx.input(1).as_int());
            let value = cx.random_int(min, max);
            cx.set_output(0, value);
            Ok(Flow::End)
        },
        ));
    r.add_node(FnNode::documented(
        "Random Float in Range",
        "Math",
        "A random Float from Min (included) to Max (pure), from the instance's generator (`--seed`).",
        Signature::pure()
            .input("Min", Type::Float)
            .input("Max", Type::Float)
            .output("Return Value", Type::Float),
        |cx, _| {
            let (min, max) = (cx.input(0).as_float(), cx.input(1).as_float());
            let value = min + (max - min) * cx.random_float();
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Get Time Seconds",
        "Utilities",
        "Seconds since the instance began (pure).",
        Signature::pure().output("Return Value", Type::Float),
        |cx, _| {
            let now = cx.time_seconds();
            cx.set_output(0, now);
            Ok(Flow::End)
        },
    ));
}
