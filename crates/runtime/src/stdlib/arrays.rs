//! Arrays: Make Array and the nodes that read and change one.
use super::*;

/// The common type of two element types, if they have one.
fn unify(a: Type, b: &Type) -> Option<Type> {
    match (&a, b) {
        _ if &a == b => Some(a),
        (Type::Int, Type::Float) | (Type::Float, Type::Int) => Some(Type::Float),
        (Type::Object(_), _) | (_, Type::Object(_)) => None,
        _ => Some(Type::Json),
    }
}

pub(super) fn arrays(r: &mut RegistryBuilder) {
    r.add_node(FnNode::new(
        "Make Array",
        NodeDoc::new(
            "Array",
            "An array of its inputs [0], [1], … in order (pure); the element type is their common type.",
        )
        .input("[0], [1], …", "T")
        .output("Return Value", "Array(T)"),
        |cx| {
            let mut count = 0;
            for name in cx.input_names() {
                let index = name
                    .strip_prefix('[')
                    .and_then(|n| n.strip_suffix(']'))
                    .and_then(|n| n.parse::<usize>().ok());
                match index {
                    Some(i) if i < 10_000 && name == format!("[{i}]") => count = count.max(i + 1),
                    _ => {
                        return Err(PinError::at(
                            name,
                            codes::UNKNOWN_PIN,
                            format!("Make Array's inputs are [0], [1], …; not `{name}`"),
                        ))
                    }
                }
            }
            let mut element: Option<Type> = None;
            for i in 0..count {
                let pin = format!("[{i}]");
                if let Some(t) = cx.input_type(&pin) {
                    element = Some(match element {
                        None => t,
                        Some(e) => unify(e.clone(), &t).ok_or_else(|| {
                            PinError::at(
                                &pin,
                                codes::TYPE_MISMATCH,
                                format!("Make Array cannot hold both {e} and {t}"),
                            )
                        })?,
                    });
                }
            }
            let element = element.unwrap_or(Type::Json);
            let mut sig = Signature::pure();
            for i in 0..count {
                sig = sig.input(&format!("[{i}]"), element.clone());
            }
            Ok(sig.output("Return Value", arr(element)))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                let size =
                    (0..cx.signature_inputs()).fold(0usize, |size, i| size.saturating_add(cx.input(i).size(limit)));
                cx.check_size(size)?;
                let items: Vec<Value> = (0..cx.signature_inputs()).map(|i| cx.take_input(i)).collect();
                cx.set_output(0, Value::Array(Arc::new(items)));
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Array Length",
        NodeDoc::new("Array", "The number of elements (pure).")
            .input("Array", "Array(T) or Json array")
            .output("Return Value", "Int"),
        |cx| {
            let (array, _) = array_pin(cx, "Array Length")?;
            Ok(Signature::pure()
                .input("Array", array)
                .output("Return Value", Type::Int))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let len = array_len(cx.input(0), "Array Length")?;
                cx.set_output(0, len as i64);
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Array Get",
        NodeDoc::new(
            "Array",
            "The element at Index (pure); a runtime error if Index is out of range.",
        )
        .input("Array", "Array(T) or Json array")
        .input("Index", "Int")
        .output("Value", "T"),
        |cx| {
            let (array, element) = array_pin(cx, "Array Get")?;
            Ok(Signature::pure()
                .input("Array", array)
                .input("Index", Type::Int)
                .output("Value", element))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let index = cx.input(1).as_int();
                let len = array_len(cx.input(0), "Array Get")?;
                let item = usize::try_from(index)
                    .ok()
                    .and_then(|i| element(cx.input(0), i, "Array Get").transpose())
                    .transpose()?;
                let item = item.ok_or_else(|| {
                    err(format!(
                        "Array Get: index {index} is out of range for an array of length {len}"
                    ))
                })?;
                cx.set_output(0, item);
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Array Add",
        NodeDoc::new("Array", "The array with Item added at the end (pure).")
            .input("Array", "Array(T) or Json array")
            .input("Item", "T")
            .output("Return Value", "Array(T)"),
        |cx| {
            let (array, element) = array_pin(cx, "Array Add")?;
            Ok(Signature::pure()
                .input("Array", array.clone())
                .input("Item", element)
                .output("Return Value", array))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                cx.check_size(cx.input(0).size(limit) + cx.input(1).size(limit))?;
                let item = cx.take_input(1);
                let result = match cx.take_input(0) {
                    Value::Array(mut items) => {
                        Arc::make_mut(&mut items).push(item);
                        Value::Array(items)
                    }
                    Value::Json(mut j) => match Arc::make_mut(&mut j) {
                        Json::Array(items) => {
                            items.push(item.to_json());
                            Value::Json(j)
                        }
                        other => {
                            return Err(err(format!(
                                "Array Add: the Json value is {}, not an array",
                                json_kind(other)
                            )))
                        }
                    },
                    other => other,
                };
                cx.set_output(0, result);
                Ok(Flow::End)
            }))
        },
    ));
}
