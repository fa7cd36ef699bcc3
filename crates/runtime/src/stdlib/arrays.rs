//! Arrays: Make Array and the nodes that read and change one.
use super::*;
use crate::node::InputKind;

/// The common type of two element types, if they have one.
pub(super) fn unify(a: Type, b: &Type) -> Option<Type> {
    match (&a, b) {
        _ if &a == b => Some(a),
        (Type::Int, Type::Float) | (Type::Float, Type::Int) => Some(Type::Float),
        (Type::Object(_), _) | (_, Type::Object(_)) => None,
        _ => Some(Type::Json),
    }
}

/// The inputs `[0]`, `[1]`, … that a node of `node` wires (other than `fixed`): how many
/// (one past the highest) and their common type, if any is typed.
pub(super) fn indexed_pins(
    cx: &dyn SignatureCx,
    node: &str,
    fixed: &[&str],
) -> Result<(usize, Option<Type>), PinError> {
    let mut count = 0;
    for name in cx.input_names() {
        if fixed.contains(&name) {
            continue;
        }
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
                    format!(
                        "{node}'s inputs are {}[0], [1], …; not `{name}`",
                        fixed.iter().map(|f| format!("{f}, ")).collect::<String>()
                    ),
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
                        format!("{node} cannot hold both {e} and {t}"),
                    )
                })?,
            });
        }
    }
    Ok((count, element))
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
            let (count, element) = indexed_pins(cx, "Make Array", &[])?;
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
    r.add_node(
        FnNode::new(
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
            |cx| {
                // An array of Ints (Floats, Bools, Objects) is measured from its length: adding
                // to it costs the same however long it is.
                let each = match &cx.signature().inputs[0].kind {
                    InputKind::Data(Type::Array(item)) => Value::fixed_size(item),
                    _ => None,
                };
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let limit = cx.max_value_size();
                    let array = match cx.input(0) {
                        Value::Array(items) => Value::array_size(items, each, limit),
                        other => other.size(limit),
                    };
                    cx.check_size(array + cx.input(1).size(limit))?;
                    // Every check before the array is taken: it may be a variable moved in
                    // (`NodeType::updates`), which must not be lost.
                    if let Value::Json(j) = cx.input(0) {
                        if !j.is_array() {
                            return Err(err(format!(
                                "Array Add: the Json value is {}, not an array",
                                json_kind(j)
                            )));
                        }
                    }
                    let item = cx.take_input(1);
                    let result = match cx.take_input(0) {
                        Value::Array(mut items) => {
                            Arc::make_mut(&mut items).push(item);
                            Value::Array(items)
                        }
                        Value::Json(mut j) => {
                            if let Json::Array(items) = Arc::make_mut(&mut j) {
                                items.push(item.to_json());
                            }
                            Value::Json(j)
                        }
                        other => other,
                    };
                    cx.set_output(0, result);
                    Ok(Flow::End)
                }))
            },
        )
        .updates(0),
    );
}

/// Changes a copy of an Array or Json array with `change` (given its length first); a Json
/// value that is not an array is a runtime error naming `node`.
fn edit_array(
    node: &str,
    array: Value,
    item: Option<Value>,
    change: impl FnOnce(usize) -> Result<Edit, NodeError>,
) -> Result<Value, NodeError> {
    fn apply<T>(items: &mut Vec<T>, edit: Edit, item: Option<T>) {
        match (edit, item) {
            (Edit::Set(i), Some(item)) => items[i] = item,
            (Edit::Insert(i), Some(item)) => items.insert(i, item),
            (Edit::Remove(i), _) => {
                items.remove(i);
            }
            _ => {}
        }
    }
    match array {
        Value::Array(mut items) => {
            let edit = change(items.len())?;
            apply(Arc::make_mut(&mut items), edit, item);
            Ok(Value::Array(items))
        }
        Value::Json(mut j) => match Arc::make_mut(&mut j) {
            Json::Array(items) => {
                let edit = change(items.len())?;
                apply(items, edit, item.map(|v| v.to_json()));
                Ok(Value::Json(j))
            }
            other => Err(err(format!(
                "{node}: the Json value is {}, not an array",
                json_kind(other)
            ))),
        },
        other => Ok(other),
    }
}

enum Edit {
    Set(usize),
    Insert(usize),
    Remove(usize),
}

/// The index of the first element equal to `item`, if any.
fn find(array: &Value, item: &Value, node: &str) -> Result<Option<usize>, NodeError> {
    Ok(match array {
        Value::Array(items) => items.iter().position(|v| v == item),
        Value::Json(j) => match &**j {
            Json::Array(items) => {
                let item = item.to_json();
                items.iter().position(|v| *v == item)
            }
            other => {
                return Err(err(format!(
                    "{node}: the Json value is {}, not an array",
                    json_kind(other)
                )))
            }
        },
        _ => None,
    })
}

pub(super) fn more_arrays(r: &mut RegistryBuilder) {
    for (name, what, output) in [
        ("Array Contains", "Whether an element equals Item (pure).", Type::Bool),
        (
            "Array Find",
            "The index of the first element equal to Item, -1 if none (pure).",
            Type::Int,
        ),
    ] {
        r.add_node(FnNode::new(
            name,
            NodeDoc::new("Array", what)
                .input("Array", "Array(T) or Json array")
                .input("Item", "T")
                .output("Return Value", &output.to_string()),
            move |cx| {
                let (array, element) = array_pin(cx, name)?;
                Ok(Signature::pure()
                    .input("Array", array)
                    .input("Item", element)
                    .output("Return Value", output.clone()))
            },
            move |_| {
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let at = find(cx.input(0), cx.input(1), name)?;
                    if name == "Array Contains" {
                        cx.set_output(0, at.is_some());
                    } else {
                        cx.set_output(0, at.map_or(-1, |i| i as i64));
                    }
                    Ok(Flow::End)
                }))
            },
        ));
    }
    type Plan = fn(i64, usize) -> Option<Edit>;
    let edits: [(&'static str, &str, bool, Plan); 3] = [
        (
            "Array Set",
            "The array with the element at Index replaced by Item",
            true,
            |i, len| usize::try_from(i).ok().filter(|&i| i < len).map(Edit::Set),
        ),
        (
            "Array Insert",
            "The array with Item inserted at Index (Index may be the length: at the end)",
            true,
            |i, len| usize::try_from(i).ok().filter(|&i| i <= len).map(Edit::Insert),
        ),
        (
            "Array Remove Index",
            "The array without the element at Index",
            false,
            |i, len| usize::try_from(i).ok().filter(|&i| i < len).map(Edit::Remove),
        ),
    ];
    for (name, what, with_item, plan) in edits {
        let mut doc = NodeDoc::new(
            "Array",
            &format!("{what} (pure); Index out of range is a runtime error."),
        )
        .input("Array", "Array(T) or Json array")
        .input("Index", "Int");
        if with_item {
            doc = doc.input("Item", "T");
        }
        r.add_node(
            FnNode::new(
                name,
                doc.output("Return Value", "Array(T)"),
                move |cx| {
                    let (array, element) = array_pin(cx, name)?;
                    let mut sig = Signature::pure()
                        .input("Array", array.clone())
                        .input("Index", Type::Int);
                    if with_item {
                        sig = sig.input("Item", element);
                    }
                    Ok(sig.output("Return Value", array))
                },
                move |cx| {
                    let each = match &cx.signature().inputs[0].kind {
                        InputKind::Data(Type::Array(item)) => Value::fixed_size(item),
                        _ => None,
                    };
                    Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                        // Every check before the array is taken: it may be a variable moved
                        // in (`NodeType::updates`), which must not be lost.
                        let index = cx.input(1).as_int();
                        let len = match cx.input(0) {
                            Value::Array(items) => items.len(),
                            Value::Json(j) => match &**j {
                                Json::Array(items) => items.len(),
                                other => {
                                    return Err(err(format!(
                                        "{name}: the Json value is {}, not an array",
                                        json_kind(other)
                                    )))
                                }
                            },
                            _ => 0,
                        };
                        let edit = plan(index, len).ok_or_else(|| {
                            err(format!(
                                "{name}: index {index} is out of range for an array of length {len}"
                            ))
                        })?;
                        let item = if with_item {
                            let limit = cx.max_value_size();
                            let array = match cx.input(0) {
                                Value::Array(items) => Value::array_size(items, each, limit),
                                other => other.size(limit),
                            };
                            cx.check_size(array.saturating_add(cx.input(2).size(limit)))?;
                            Some(cx.take_input(2))
                        } else {
                            None
                        };
                        let array = cx.take_input(0);
                        let result = edit_array(name, array, item, |_| Ok(edit))?;
                        cx.set_output(0, result);
                        Ok(Flow::End)
                    }))
                },
            )
            .updates(0),
        );
    }
}
