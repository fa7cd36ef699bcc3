//! Print String, Record Metric and Count Metric, the timers (Set Timer by Event, Clear
//! Timer), Quit and Select.
use super::*;

pub(super) fn utilities(r: &mut RegistryBuilder) {
    r.add_node(
        FnNode::new(
            "Reroute",
            NodeDoc::new(
                "Utilities",
                "A knot on a wire: what goes in at In comes out at Out, exec or a value of any type; it costs nothing at run time.",
            )
            .input("In", "exec, or a value of any type")
            .output("Out", "the same as In"),
            |cx| match cx.input_type("In") {
                // A value wired in: a pure knot of its type.
                Some(ty) => Ok(Signature::pure().input("In", ty.clone()).output("Out", ty)),
                // Nothing wired in as a value: a knot on an exec wire.
                None => Ok(Signature::default().exec_in("In").exec_out("Out")),
            },
            |cx| {
                // Never run: the compiled program wires around every knot. Were it run, it
                // would pass on what came in.
                let pure = cx.signature().is_pure();
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    if pure {
                        let value = cx.input(0).clone();
                        cx.set_output(0, value);
                        Ok(Flow::End)
                    } else {
                        Ok(Flow::Then(0))
                    }
                }))
            },
        )
        .role(Role::Reroute),
    );
    r.add_node(FnNode::documented(
        "Record Metric",
        "Utilities",
        "Adds Value to the histogram Name of `graphrun swarm`'s report (its percentiles are reported); outside a swarm it does nothing.",
        Signature::then().input("Name", Type::String).input("Value", Type::Float),
        |cx, _| {
            cx.metric(cx.input(0).as_str(), Some(cx.input(1).as_float()));
            Ok(Flow::Then(0))
        },
    ));
    r.add_node(FnNode::documented(
        "Count Metric",
        "Utilities",
        "Adds one to the counter Name of `graphrun swarm`'s report; outside a swarm it does nothing.",
        Signature::then().input("Name", Type::String),
        |cx, _| {
            cx.metric(cx.input(0).as_str(), None);
            Ok(Flow::Then(0))
        },
    ));
    r.add_node(FnNode::documented(
        "Print String",
        "Utilities",
        "Writes the text and a newline to the output.",
        Signature::then().input_or("In String", Type::String, "Hello"),
        |cx, _| {
            cx.print(cx.input(0).as_str());
            Ok(Flow::Then(0))
        },
    ));
    r.add_node(FnNode::fixed(
        "Set Timer by Event",
        NodeDoc::new(
            "Utilities",
            "Fires Event after Time seconds, and every Time seconds if Looping; a Time of 0 or less sets no timer.",
        )
        .exec_in(&["exec"])
        .exec_out(&["then"])
        .input("Event", "delegate ()")
        .input("Time", "Float")
        .input("Looping", "Bool = false")
        .output("Return Value", "Object(\"Timer\")"),
        Signature::then()
            .required_delegate("Event", &[])
            .input("Time", Type::Float)
            .input_or("Looping", Type::Bool, false)
            .output("Return Value", Type::Object(TIMER_CLASS.into())),
        |cx| {
            let event = cx
                .delegate("Event")
                .ok_or_else(|| PinError::at("Event", codes::MISSING_INPUT, "bind a Custom Event"))?;
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let time = cx.input(1).as_float();
                let timer = if time > 0.0 {
                    // A looping timer fires at most once a millisecond.
                    let looping = cx.input(2).as_bool();
                    let period = if looping {
                        seconds(time).max(Duration::from_millis(1))
                    } else {
                        seconds(time)
                    };
                    Some(cx.set_timer(event, period, looping)?)
                } else {
                    None
                };
                cx.set_output(0, Value::Object(timer));
                Ok(Flow::Then(0))
            }))
        },
    ));
    r.add_node(FnNode::documented(
        "Clear Timer",
        "Utilities",
        "Stops a timer; nothing happens for None or a timer already stopped.",
        Signature::then().input("Timer", Type::Object(TIMER_CLASS.into())),
        |cx, _| {
            if let Some(timer) = cx.input(0).as_object() {
                cx.clear_timer(timer);
            }
            Ok(Flow::Then(0))
        },
    ));
    r.add_node(FnNode::documented(
        "Quit",
        "Utilities",
        "Ends the instance: nothing more runs but Event EndPlay.",
        Signature::impure(),
        |cx, _| {
            cx.quit();
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::new(
        "Select",
        NodeDoc::new(
            "Utilities",
            "The input [Index] (pure); the type's zero value when Index is out of range. Every option is evaluated.",
        )
        .input("Index", "Int")
        .input("[0], [1], …", "T")
        .output("Return Value", "T"),
        |cx| {
            let (count, element) = super::arrays::indexed_pins(cx, "Select", &["Index"])?;
            let element = element.unwrap_or(Type::Json);
            let mut sig = Signature::pure().input("Index", Type::Int);
            for i in 0..count {
                sig = sig.input(&format!("[{i}]"), element.clone());
            }
            Ok(sig.output("Return Value", element))
        },
        |cx| {
            let zero = Value::zero(&cx.signature().outputs[0].ty);
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let index = cx.input(0).as_int();
                let options = cx.signature_inputs() - 1;
                let pick = match usize::try_from(index) {
                    Ok(i) if i < options => cx.take_input(i + 1),
                    _ => zero.clone(),
                };
                cx.set_output(0, pick);
                Ok(Flow::End)
            }))
        },
    ));
}
