//! Construct Object and Is Valid.
use super::*;

pub(super) fn objects(r: &mut RegistryBuilder) {
    r.add_node(FnNode::new(
        "Construct Object",
        NodeDoc::new("Objects", "Makes a new object of the class.")
            .exec_in(&["exec"])
            .exec_out(&["then"])
            .input("Class", "class name (a literal)")
            .output("Return Value", "Object(Class)"),
        |cx| {
            // A node whose class is missing or wrong still has its pins (the editor draws
            // them, with the class to pick); the error is the node's.
            let unpicked = |error: Option<PinError>| {
                // `Class` as a plain String here: its own error says what is wrong with it.
                let mut sig = Signature::then()
                    .input("Class", Type::String)
                    .output("Return Value", Type::Object("Object".into()));
                sig.errors.extend(error);
                Ok(sig)
            };
            let class = match cx.literal("Class").map(|l| &l.kind) {
                Some(Kind::Str(class)) => class.clone(),
                Some(_) => {
                    return unpicked(Some(PinError::at(
                        "Class",
                        codes::TYPE_MISMATCH,
                        "Class is a class name, as in \"M2_JsonWebSocketConnection\"",
                    )))
                }
                None if cx.input_names().contains(&"Class") => {
                    return unpicked(Some(PinError::at(
                        "Class",
                        codes::NOT_LITERAL,
                        "Class takes a class name written in the file",
                    )))
                }
                // Left out: the checker reports the missing input, as for any pin.
                None => return unpicked(None),
            };
            let registry = cx.registry();
            let Some(id) = registry.class_id(&class) else {
                let known = registry
                    .classes()
                    .iter()
                    .filter(|c| c.constructor.is_some() || c.deprecated_alias_of.is_some())
                    .map(|c| c.name.as_str());
                return unpicked(Some(PinError::at(
                    "Class",
                    codes::UNKNOWN_CLASS,
                    format!("unknown class `{class}`{}", crate::names::suggest(&class, known)),
                )));
            };
            let def = registry.class(id);
            let mut warnings = Vec::new();
            let class = match &def.deprecated_alias_of {
                Some(to) => {
                    warnings.push(PinError::at(
                        "Class",
                        codes::DEPRECATED,
                        format!("class `{class}` is deprecated: use `{to}`"),
                    ));
                    to.clone()
                }
                None if def.constructor.is_none() => {
                    return unpicked(Some(PinError::at(
                        "Class",
                        codes::UNKNOWN_CLASS,
                        format!("class `{class}` cannot be constructed (its objects come from other nodes)"),
                    )));
                }
                None => class,
            };
            let mut sig = Signature::then()
                .literal_input("Class", Type::String)
                .output("Return Value", Type::Object(class.as_str().into()));
            sig.warnings = warnings;
            Ok(sig)
        },
        |cx| {
            let Some(Type::Object(class)) = cx.signature().outputs.first().map(|o| o.ty.clone()) else {
                return Err(PinError::node(codes::UNKNOWN_CLASS, "no class"));
            };
            let id = cx
                .class_id(&class)
                .ok_or_else(|| PinError::at("Class", codes::UNKNOWN_CLASS, format!("unknown class `{class}`")))?;
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let Some(make) = cx.registry().class(id).constructor.clone() else {
                    return Err(err(format!(
                        "class `{}` cannot be constructed",
                        cx.registry().class(id).name
                    )));
                };
                let obj = cx.new_object(id, make())?;
                cx.set_output(0, Value::Object(Some(obj)));
                Ok(Flow::Then(0))
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Is Valid",
        NodeDoc::new("Objects", "Whether the object handle is set (pure).")
            .input("Object", "Object(any class)")
            .output("Return Value", "Bool"),
        |cx| match cx.input_type("Object") {
            Some(ty @ Type::Object(_)) => Ok(Signature::pure().input("Object", ty).output("Return Value", Type::Bool)),
            None => Ok(Signature::pure()
                .input("Object", Type::Object(TIMER_CLASS.into()))
                .output("Return Value", Type::Bool)),
            Some(other) => Err(PinError::at(
                "Object",
                codes::TYPE_MISMATCH,
                format!("Is Valid takes an Object, not {other}"),
            )),
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let valid = cx.input(0).as_object().is_some();
                cx.set_output(0, valid);
                Ok(Flow::End)
            }))
        },
    ));
}
