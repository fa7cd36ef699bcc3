//! Maps (string keys): find, add, remove, and their keys, values and length. A map is a
//! value: the nodes that change one return the changed copy.
use super::*;

use indexmap::IndexMap;

/// For a pin named `Map`: Map(T) and T (Map(Json) when unwired).
fn map_pin(cx: &dyn SignatureCx, node: &str) -> Result<(Type, Type), PinError> {
    match cx.input_type("Map") {
        Some(Type::Map(t)) => Ok((Type::Map(t.clone()), *t)),
        None => Ok((Type::Map(Box::new(Type::Json)), Type::Json)),
        Some(other) => Err(PinError::at(
            "Map",
            codes::TYPE_MISMATCH,
            format!("{node} takes a Map, not {other}"),
        )),
    }
}

fn entries(map: &Value) -> &IndexMap<String, Value> {
    static EMPTY: std::sync::OnceLock<IndexMap<String, Value>> = std::sync::OnceLock::new();
    match map {
        Value::Map(m) => m,
        _ => EMPTY.get_or_init(IndexMap::new),
    }
}

/// An output of a map node: its name, its type in the listing, and its type from the
/// element's and the map's.
type MapOutput = (&'static str, &'static str, fn(&Type, &Type) -> Type);

/// A map node: its pins after `Map` (`Key` and maybe `Value` of T), its output's type from
/// the map's (T, Map(T)), and what it does.
fn map_node(
    name: &'static str,
    what: &str,
    value_input: bool,
    outputs: &'static [MapOutput],
    run: fn(&mut Cx<'_>, &Type) -> Result<(), NodeError>,
) -> FnNode {
    let mut doc = NodeDoc::new("Map", what).input("Map", "Map(T)");
    if name != "Map Keys" && name != "Map Values" && name != "Map Length" {
        doc = doc.input("Key", "String");
    }
    if value_input {
        doc = doc.input("Value", "T");
    }
    for (pin, doc_type, _) in outputs {
        doc = doc.output(pin, doc_type);
    }
    FnNode::new(
        name,
        doc,
        move |cx| {
            let (map, element) = map_pin(cx, name)?;
            let mut sig = Signature::pure().input("Map", map.clone());
            if name != "Map Keys" && name != "Map Values" && name != "Map Length" {
                sig = sig.input("Key", Type::String);
            }
            if value_input {
                sig = sig.input("Value", element.clone());
            }
            for (pin, _, ty) in outputs {
                sig = sig.output(pin, ty(&element, &map));
            }
            Ok(sig)
        },
        move |cx| {
            let element = match &cx.signature().inputs[0].kind {
                crate::node::InputKind::Data(Type::Map(t)) => (**t).clone(),
                _ => Type::Json,
            };
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                run(cx, &element)?;
                Ok(Flow::End)
            }))
        },
    )
}

pub(super) fn maps(r: &mut RegistryBuilder) {
    r.add_node(map_node(
        "Map Find",
        "The value at Key, and whether there is one; the type's zero value when not (pure).",
        false,
        &[("Value", "T", |t, _| t.clone()), ("Found", "Bool", |_, _| Type::Bool)],
        |cx, element| {
            let found = entries(cx.input(0)).get(cx.input(1).as_str()).cloned();
            cx.set_output(1, found.is_some());
            cx.set_output(0, found.unwrap_or_else(|| Value::zero(element)));
            Ok(())
        },
    ));
    r.add_node(
        map_node(
            "Map Add",
            "The map with Value at Key (replacing what was there; a new key goes last) (pure).",
            true,
            &[("Return Value", "Map(T)", |_, m| m.clone())],
            |cx, _| {
                let limit = cx.max_value_size();
                let size = cx
                    .input(0)
                    .size(limit)
                    .saturating_add(cx.input(1).size(limit))
                    .saturating_add(cx.input(2).size(limit));
                cx.check_size(size)?;
                let (key, value) = (cx.input(1).as_str().to_string(), cx.take_input(2));
                let mut map = match cx.take_input(0) {
                    Value::Map(m) => m,
                    _ => Arc::new(IndexMap::new()),
                };
                Arc::make_mut(&mut map).insert(key, value);
                cx.set_output(0, Value::Map(map));
                Ok(())
            },
        )
        .updates(0),
    );
    r.add_node(map_node(
        "Map Remove",
        "The map without Key (the others keep their order) (pure).",
        false,
        &[("Return Value", "Map(T)", |_, m| m.clone())],
        |cx, _| {
            let key = cx.input(1).as_str().to_string();
            let mut map = match cx.take_input(0) {
                Value::Map(m) => m,
                _ => Arc::new(IndexMap::new()),
            };
            if map.contains_key(&key) {
                Arc::make_mut(&mut map).shift_remove(&key);
            }
            cx.set_output(0, Value::Map(map));
            Ok(())
        },
    ));
    r.add_node(map_node(
        "Map Contains",
        "Whether the map has Key (pure).",
        false,
        &[("Return Value", "Bool", |_, _| Type::Bool)],
        |cx, _| {
            let found = entries(cx.input(0)).contains_key(cx.input(1).as_str());
            cx.set_output(0, found);
            Ok(())
        },
    ));
    r.add_node(map_node(
        "Map Keys",
        "The keys, in the map's order (pure).",
        false,
        &[("Return Value", "Array(String)", |_, _| arr(Type::String))],
        |cx, _| {
            let keys: Vec<Value> = entries(cx.input(0)).keys().map(|k| Value::from(k.as_str())).collect();
            cx.set_output(0, Value::Array(Arc::new(keys)));
            Ok(())
        },
    ));
    r.add_node(map_node(
        "Map Values",
        "The values, in the map's order (pure).",
        false,
        &[("Return Value", "Array(T)", |t, _| arr(t.clone()))],
        |cx, _| {
            let values: Vec<Value> = entries(cx.input(0)).values().cloned().collect();
            cx.set_output(0, Value::Array(Arc::new(values)));
            Ok(())
        },
    ));
    r.add_node(map_node(
        "Map Length",
        "The number of keys (pure).",
        false,
        &[("Return Value", "Int", |_, _| Type::Int)],
        |cx, _| {
            let len = entries(cx.input(0)).len() as i64;
            cx.set_output(0, len);
            Ok(())
        },
    ));
}
