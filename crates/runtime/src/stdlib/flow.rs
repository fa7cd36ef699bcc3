//! Flow control: Branch, Sequence, the loops, Do Once, Delay, the Switches, Flip Flop, Gate
//! and Do N.
use super::*;
use crate::node::arith::{for_each_index, for_loop_index};

pub(super) fn flow(r: &mut RegistryBuilder) {
    r.add_node(
        FnNode::documented(
            "Branch",
            "Flow Control",
            "Goes on through True or False.",
            Signature::impure()
                .exec_out("True")
                .exec_out("False")
                .input_or("Condition", Type::Bool, true),
            |cx, _| Ok(Flow::Then(if cx.input(0).as_bool() { 0 } else { 1 })),
        )
        .intrinsic(|_| Some(Op::Branch)),
    );
    r.add_node(FnNode::new(
        "Sequence",
        NodeDoc::new(
            "Flow Control",
            "Runs each output in turn; a latent node in one does not hold up the next. At most 1,000 outputs (Then 0 to Then 999).",
        )
        .exec_in(&["exec"])
        .exec_out(&["Then 0", "Then 1", "…", "Then 999"]),
        |cx| {
            let mut count = 2;
            for name in cx.exec_output_names() {
                if let Some(n) = name.strip_prefix("Then ").and_then(|n| n.parse::<usize>().ok()) {
                    if n >= 1000 {
                        return Err(PinError::node(
                            codes::UNKNOWN_PIN,
                            format!("a Sequence has at most 1,000 outputs (Then 0 to Then 999), so no `{name}`"),
                        ));
                    }
                    if name == format!("Then {n}") {
                        count = count.max(n + 1);
                    }
                }
            }
            let mut sig = Signature::impure();
            for i in 0..count {
                sig = sig.exec_out(&format!("Then {i}"));
            }
            Ok(sig)
        },
        |cx| {
            let last = cx.signature().exec_outputs.len() as u64 - 1;
            Ok(Box::new(move |_: &mut Cx<'_>, entry: Entry| {
                let i = match entry {
                    Entry::Pin(_) => 0,
                    Entry::Resume(i) => i,
                };
                Ok(if i >= last {
                    Flow::Then(last as usize)
                } else {
                    Flow::Call {
                        out: i as usize,
                        resume: i + 1,
                    }
                })
            }))
        },
    ));
    r.add_node(
        FnNode::documented(
            "For Loop",
            "Flow Control",
            "Runs Loop Body for each Index from First Index to Last Index (inclusive), then Completed.",
            Signature::impure()
                .exec_out("Loop Body")
                .exec_out("Completed")
                .input("First Index", Type::Int)
                .input("Last Index", Type::Int)
                .output("Index", Type::Int),
            |cx, entry| {
                let first = || Ok::<_, NodeError>(cx.input(0).as_int());
                let index = for_loop_index(entry, first, || Ok(cx.input(1).as_int()))?;
                match index {
                    Some(i) => {
                        cx.set_output(0, i);
                        Ok(Flow::Loop {
                            out: 0,
                            resume: i as u64,
                        })
                    }
                    _ => Ok(Flow::Then(1)),
                }
            },
        )
        .intrinsic(|_| Some(Op::ForLoop)),
    );
    r.add_node(
        FnNode::new(
            "For Each Loop",
            NodeDoc::new(
                "Flow Control",
                "Runs Loop Body for each element of the array, then Completed.",
            )
            .exec_in(&["exec"])
            .exec_out(&["Loop Body", "Completed"])
            .input("Array", "Array(T) or Json array")
            .output("Array Element", "T (Json for a Json array)")
            .output("Array Index", "Int"),
            |cx| {
                let (array, element) = array_pin(cx, "For Each Loop")?;
                Ok(Signature::impure()
                    .exec_out("Loop Body")
                    .exec_out("Completed")
                    .input("Array", array)
                    .output("Array Element", element)
                    .output("Array Index", Type::Int))
            },
            |_| {
                Ok(Box::new(|cx: &mut Cx<'_>, entry: Entry| {
                    let index = for_each_index(entry);
                    match element(cx.input(0), index, "For Each Loop")? {
                        Some(item) => {
                            cx.set_output(0, item);
                            cx.set_output(1, index as i64);
                            Ok(Flow::Loop {
                                out: 0,
                                resume: index as u64,
                            })
                        }
                        None => Ok(Flow::Then(1)),
                    }
                }))
            },
        )
        .intrinsic(|_| Some(Op::ForEach)),
    );
    r.add_node(FnNode::documented(
        "While Loop",
        "Flow Control",
        "Runs Loop Body while Condition is true (read again before each pass), then Completed.",
        Signature::impure()
            .exec_out("Loop Body")
            .exec_out("Completed")
            .input("Condition", Type::Bool),
        |cx, _| {
            Ok(if cx.input(0).as_bool() {
                Flow::Loop { out: 0, resume: 0 }
            } else {
                Flow::Then(1)
            })
        },
    ));
    r.add_node(FnNode::documented(
        "Do Once",
        "Flow Control",
        "Goes on through Completed the first time only, until Reset.",
        Signature::impure()
            .exec_in("Reset")
            .exec_out("Completed")
            .input_or("Start Closed", Type::Bool, false),
        |cx, entry| {
            let start_closed = cx.input(0).as_bool();
            let closed = cx.state::<Option<bool>>()?.get_or_insert(start_closed);
            Ok(match entry {
                Entry::Pin(1) => {
                    *closed = false;
                    Flow::End
                }
                _ if *closed => Flow::End,
                _ => {
                    *closed = true;
                    Flow::Then(0)
                }
            })
        },
    ));
    r.add_node(FnNode::simple(
        "Delay",
        NodeDoc::new("Flow Control", "Goes on through Completed after Duration seconds, letting other events run; calls while it waits are ignored.")
            .latent()
            .exec_in(&["exec"])
            .exec_out(&["Completed"])
            .input("Duration", "Float = 0.2"),
        Signature::impure().exec_out("Completed").input_or("Duration", Type::Float, 0.2),
        |cx, entry| {
            let duration = seconds(cx.input(0).as_float());
            let waiting = cx.state::<bool>()?;
            match entry {
                Entry::Resume(_) => {
                    *waiting = false;
                    Ok(Flow::Then(0))
                }
                Entry::Pin(_) if *waiting => Ok(Flow::End),
                Entry::Pin(_) => {
                    *waiting = true;
                    cx.wake_after(duration, 0);
                    Ok(Flow::End)
                }
            }
        },
    ));
}

/// Switch on Int and Switch on String: one exec output per case the file wires, then
/// `Default`. `case` reads a case's value from its pin name (an error says why not).
fn switch<K>(name: &'static str, ty: Type, case: fn(&str) -> Result<K, String>, key: fn(&Value) -> K) -> FnNode
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    FnNode::new(
        name,
        NodeDoc::new(
            "Flow Control",
            "Goes on through the output named after Selection's value, or Default when the file wires no such case.",
        )
        .exec_in(&["exec"])
        .exec_out(&["one per case", "Default"])
        .input("Selection", &ty.to_string()),
        move |cx| {
            let mut sig = Signature::impure();
            for pin in cx.exec_output_names() {
                if pin == "Default" {
                    continue;
                }
                case(pin).map_err(|why| PinError::at(pin, codes::UNKNOWN_PIN, format!("{name}: {why}")))?;
                sig = sig.exec_out(pin);
            }
            Ok(sig.exec_out("Default").input("Selection", ty.clone()))
        },
        move |cx| {
            let outs = &cx.signature().exec_outputs;
            let default = outs.len() - 1;
            let cases: std::collections::HashMap<K, usize> = outs[..default]
                .iter()
                .enumerate()
                .filter_map(|(i, pin)| case(pin).ok().map(|k| (k, i)))
                .collect();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                Ok(Flow::Then(cases.get(&key(cx.input(0))).copied().unwrap_or(default)))
            }))
        },
    )
}

pub(super) fn more_flow(r: &mut RegistryBuilder) {
    r.add_node(switch(
        "Switch on Int",
        Type::Int,
        |pin| match pin.parse::<i64>() {
            Ok(n) if n.to_string() == pin => Ok(n),
            Ok(n) => Err(format!("write the case `{pin}` as `{n}`")),
            Err(_) => Err(format!(
                "`{pin}` is not an Int case (cases are written like \"0\", \"7\", \"-1\") nor `Default`"
            )),
        },
        Value::as_int,
    ));
    r.add_node(switch(
        "Switch on String",
        Type::String,
        |pin| Ok(pin.to_string()),
        |v| v.as_str().to_string(),
    ));
    r.add_node(FnNode::documented(
        "Flip Flop",
        "Flow Control",
        "Goes on through A, then B, then A, … (A first); Is A says which ran.",
        Signature::impure()
            .exec_out("A")
            .exec_out("B")
            .output("Is A", Type::Bool),
        |cx, _| {
            let was_a = cx.state::<bool>()?;
            *was_a = !*was_a;
            let is_a = *was_a;
            cx.set_output(0, is_a);
            Ok(Flow::Then(if is_a { 0 } else { 1 }))
        },
    ));
    r.add_node(FnNode::documented(
        "Gate",
        "Flow Control",
        "Enter goes on through Exit while the gate is open; Open, Close and Toggle change it.",
        Signature::pure()
            .exec_in("Enter")
            .exec_in("Open")
            .exec_in("Close")
            .exec_in("Toggle")
            .exec_out("Exit")
            .input_or("Start Closed", Type::Bool, false),
        |cx, entry| {
            let start_open = !cx.input(0).as_bool();
            let open = cx.state::<Option<bool>>()?.get_or_insert(start_open);
            Ok(match entry {
                Entry::Pin(1) => {
                    *open = true;
                    Flow::End
                }
                Entry::Pin(2) => {
                    *open = false;
                    Flow::End
                }
                Entry::Pin(3) => {
                    *open = !*open;
                    Flow::End
                }
                _ if *open => Flow::Then(0),
                _ => Flow::End,
            })
        },
    ));
    r.add_node(FnNode::documented(
        "Do N",
        "Flow Control",
        "Enter goes on through Exit the first N times since the start or the last Reset; Counter counts them.",
        Signature::pure()
            .exec_in("Enter")
            .exec_in("Reset")
            .exec_out("Exit")
            .input_or("N", Type::Int, 1i64)
            .output("Counter", Type::Int),
        |cx, entry| {
            let n = cx.input(0).as_int();
            let counter = cx.state::<i64>()?;
            if let Entry::Pin(1) = entry {
                *counter = 0;
                cx.set_output(0, 0i64);
                return Ok(Flow::End);
            }
            if *counter >= n {
                return Ok(Flow::End);
            }
            *counter += 1;
            let count = *counter;
            cx.set_output(0, count);
            Ok(Flow::Then(0))
        },
    ));
}
