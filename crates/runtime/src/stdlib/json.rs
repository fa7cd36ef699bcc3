//! Json: building, reading and writing JSON values.
use super::*;
use crate::value::json_prefix;

fn json_object(value: &Value) -> Option<&serde_json::Map<String, Json>> {
    match value {
        Value::Json(j) => j.as_object(),
        _ => None,
    }
}

type Pick = fn(&Json) -> Option<Value>;

/// The typed readings of a Json value (String, Int, Float, Bool), for the nodes named by
/// `pattern` with the type's name in place of `{}`: a JSON string as its text, only an
/// integral number as an Int, any number as a Float.
fn typed(pattern: &str) -> [(String, Type, Pick); 4] {
    let name = |t: &str| pattern.replace("{}", t);
    [
        (name("String"), Type::String, |j| j.as_str().map(Value::from)),
        (name("Int"), Type::Int, |j| j.as_i64().map(Value::Int)),
        (name("Float"), Type::Float, |j| j.as_f64().map(Value::Float)),
        (name("Bool"), Type::Bool, |j| j.as_bool().map(Value::Bool)),
    ]
}

pub(super) fn json(r: &mut RegistryBuilder) {
    r.add_node(FnNode::new(
        "Make Json Object",
        NodeDoc::new(
            "Json",
            "A Json object with one field per input, in the order written (pure).",
        )
        .input("{field}", "any but Object")
        .output("Return Value", "Json"),
        |cx| {
            let mut sig = Signature::pure();
            for name in cx.input_names() {
                sig = sig.input(name, Type::Json);
            }
            Ok(sig.output("Return Value", Type::Json))
        },
        |cx| {
            let names: Vec<String> = cx.signature().inputs.iter().map(|p| p.name.clone()).collect();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                let size = (0..names.len()).fold(0usize, |size, i| {
                    size.saturating_add(cx.input(i).size(limit) + names[i].len())
                });
                cx.check_size(size)?;
                let mut map = serde_json::Map::with_capacity(names.len());
                for (i, name) in names.iter().enumerate() {
                    map.insert(name.clone(), cx.input(i).to_json());
                }
                cx.set_output(0, Json::Object(map));
                Ok(Flow::End)
            }))
        },
    ));
    let object_and_field = || {
        Signature::pure()
            .input("Object", Type::Json)
            .input("Field Name", Type::String)
    };
    r.add_node(FnNode::documented(
        "Get Field",
        "Json",
        "The field's value; null and Found false if the object has no such field or is not an object (pure).",
        object_and_field()
            .output("Value", Type::Json)
            .output("Found", Type::Bool),
        |cx, _| {
            let found = json_object(cx.input(0))
                .and_then(|o| o.get(cx.input(1).as_str()))
                .cloned();
            cx.set_output(1, found.is_some());
            cx.set_output(0, found.unwrap_or(Json::Null));
            Ok(Flow::End)
        },
    ));
    for (name, ty, pick) in typed("Get {} Field") {
        let zero = Value::zero(&ty);
        r.add_node(FnNode::simple(
            &name,
            NodeDoc::new(
                "Json",
                &format!("The field as {ty}; {zero} and Found false if it is missing or of another type (pure)."),
            )
            .input("Object", "Json")
            .input("Field Name", "String")
            .output("Value", &ty.to_string())
            .output("Found", "Bool"),
            object_and_field().output("Value", ty).output("Found", Type::Bool),
            move |cx, _| {
                let found = json_object(cx.input(0))
                    .and_then(|o| o.get(cx.input(1).as_str()))
                    .and_then(pick);
                cx.set_output(1, found.is_some());
                cx.set_output(0, found.unwrap_or_else(|| zero.clone()));
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(FnNode::documented(
        "Set Field",
        "Json",
        "The object with the field set (pure); a runtime error if it is not an object.",
        object_and_field()
            .input("Value", Type::Json)
            .output("Return Value", Type::Json),
        |cx, _| {
            let limit = cx.max_value_size();
            let size = cx.input(0).size(limit) + cx.input(1).as_str().len() + cx.input(2).size(limit);
            cx.check_size(size)?;
            let mut object = cx.take_input(0).into_json();
            let value = cx.take_input(2).into_json();
            let Some(map) = Arc::make_mut(&mut object).as_object_mut() else {
                return Err(err(format!(
                    "Set Field: the Json value is {}, not an object",
                    json_kind(&object)
                )));
            };
            map.insert(cx.input(1).as_str().to_string(), Arc::unwrap_or_clone(value));
            cx.set_output(0, Value::Json(object));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Has Field",
        "Json",
        "Whether the object has the field (pure).",
        object_and_field().output("Return Value", Type::Bool),
        |cx, _| {
            let has = json_object(cx.input(0)).is_some_and(|o| o.contains_key(cx.input(1).as_str()));
            cx.set_output(0, has);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Get Field Names",
        "Json",
        "The object's field names in order; empty if it is not an object (pure).",
        Signature::pure()
            .input("Object", Type::Json)
            .output("Return Value", arr(Type::String)),
        |cx, _| {
            let names: Vec<Value> = json_object(cx.input(0))
                .map(|o| o.keys().map(|k| Value::from(k.as_str())).collect())
                .unwrap_or_default();
            cx.set_output(0, Value::Array(Arc::new(names)));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Get Json Object at Location",
        "Json",
        "The value at a dotted path such as a.b.0.c (numbers index arrays); Found false if there is none (pure).",
        Signature::pure()
            .input("Object", Type::Json)
            .input("Location", Type::String)
            .output("Value", Type::Json)
            .output("Found", Type::Bool),
        |cx, _| {
            let root = cx.input(0).to_json();
            let location = cx.input(1).as_str();
            let mut at = Some(&root);
            if !location.is_empty() {
                for part in location.split('.') {
                    at = at.and_then(|j| match j {
                        Json::Object(o) => o.get(part),
                        Json::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
                        _ => None,
                    });
                }
            }
            let found = at.cloned();
            cx.set_output(1, found.is_some());
            cx.set_output(0, found.unwrap_or(Json::Null));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Load Json From String",
        "Json",
        "Parses JSON text; null and Success false if it is not JSON (pure).",
        Signature::pure()
            .input("Json String", Type::String)
            .output("Value", Type::Json)
            .output("Success", Type::Bool),
        |cx, _| {
            let parsed = serde_json::from_str::<Json>(cx.input(0).as_str()).ok();
            cx.set_output(1, parsed.is_some());
            cx.set_output(0, parsed.unwrap_or(Json::Null));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Get Json String",
        "Json",
        "The value as compact JSON text (pure).",
        Signature::pure()
            .input("Value", Type::Json)
            .output("Return Value", Type::String),
        |cx, _| {
            let text = json_text(cx, &cx.input(0).to_json())?;
            cx.set_output(0, text);
            Ok(Flow::End)
        },
    ));
}

/// JSON text of `json`, or the value size error once it would be over the limit (written
/// through a bounded writer, so the text over the limit is never made).
fn json_text(cx: &Cx<'_>, json: &Json) -> Result<String, NodeError> {
    let limit = cx.max_value_size();
    match json_prefix(json, limit) {
        (text, true) => Ok(String::from_utf8(text).expect("serde_json writes UTF-8")),
        (_, false) => Err(NodeError::new(format!(
            "the result would be over the value size limit of {limit} bytes (--max-value-size)"
        ))),
    }
}

pub(super) fn json_values(r: &mut RegistryBuilder) {
    for (name, ty, pick) in typed("Json As {}") {
        let zero = Value::zero(&ty);
        r.add_node(FnNode::documented(
            &name,
            "Json",
            &format!("The value as {ty} (a JSON string gives its text, without quotes); {zero} and Success false if it is of another type (pure)."),
            Signature::pure().input("Value", Type::Json).output("Return Value", ty).output("Success", Type::Bool),
            move |cx, _| {
                let found = match cx.input(0) {
                    Value::Json(j) => pick(j),
                    _ => None,
                };
                cx.set_output(1, found.is_some());
                cx.set_output(0, found.unwrap_or_else(|| zero.clone()));
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(FnNode::new(
        "Make Json Array",
        NodeDoc::new("Json", "A Json array of its inputs [0], [1], … in order (pure).")
            .input("[0], [1], …", "any but Object")
            .output("Return Value", "Json"),
        |cx| {
            let (count, _) = super::arrays::indexed_pins(cx, "Make Json Array", &[])?;
            let mut sig = Signature::pure();
            for i in 0..count {
                sig = sig.input(&format!("[{i}]"), Type::Json);
            }
            Ok(sig.output("Return Value", Type::Json))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                let count = cx.signature_inputs();
                let size = (0..count).fold(0usize, |size, i| size.saturating_add(cx.input(i).size(limit)));
                cx.check_size(size)?;
                let items: Vec<Json> = (0..count).map(|i| cx.input(i).to_json()).collect();
                cx.set_output(0, Json::Array(items));
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::documented(
        "Json Type",
        "Json",
        "The kind of value: null, bool, number, string, array or object (pure).",
        Signature::pure()
            .input("Value", Type::Json)
            .output("Return Value", Type::String),
        |cx, _| {
            let kind = match cx.input(0) {
                Value::Json(j) => match &**j {
                    Json::Null => "null",
                    Json::Bool(_) => "bool",
                    Json::Number(_) => "number",
                    Json::String(_) => "string",
                    Json::Array(_) => "array",
                    Json::Object(_) => "object",
                },
                _ => "null",
            };
            cx.set_output(0, kind);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
        "Json Array Length",
        "Json",
        "The number of elements, -1 if the value is not an array (pure).",
        Signature::pure()
            .input("Value", Type::Json)
            .output("Return Value", Type::Int),
        |cx, _| {
            let len = match cx.input(0) {
                Value::Json(j) => j.as_array().map_or(-1, |a| a.len() as i64),
                _ => -1,
            };
            cx.set_output(0, len);
            Ok(Flow::End)
        },
    ));
}
