//! Strings: Append, Format String, To String and the conversions from text.
use super::*;

/// A Format String's format, split into text and holes.
enum Piece {
    Text(String),
    Hole(String),
}

fn parse_format(format: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => {
                            return Err(format!(
                                "the hole `{{{name}` is never closed (write `{{{{` for a brace)"
                            ))
                        }
                        Some(c) => name.push(c),
                    }
                }
                if name.is_empty() {
                    return Err("a hole `{}` needs a name, as in `{count}`".to_string());
                }
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Hole(name));
            }
            '}' => return Err("a `}` with no `{` (write `}}` for a brace)".to_string()),
            c => text.push(c),
        }
    }
    pieces.push(Piece::Text(text));
    Ok(pieces)
}

pub(super) fn strings(r: &mut RegistryBuilder) {
    r.add_node(FnNode::simple(
        "Append",
        NodeDoc::new("String", "A followed by B (pure).")
            .input("A", "String")
            .input("B", "String")
            .output("Return Value", "String"),
        Signature::pure()
            .input("A", Type::String)
            .input("B", Type::String)
            .output("Return Value", Type::String),
        |cx, _| {
            let (a, b) = (cx.input(0).as_str(), cx.input(1).as_str());
            cx.check_size(a.len() + b.len())?;
            let value = format!("{a}{b}");
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::new(
        "Format String",
        NodeDoc::new(
            "String",
            "The Format text with each {name} hole filled by the input of that name (pure); {{ and }} are braces.",
        )
        .input("Format", "String (a literal)")
        .input("{name}", "String, one per hole")
        .output("Return Value", "String"),
        |cx| {
            let format = match cx.literal("Format").map(|l| &l.kind) {
                Some(Kind::Str(f)) => f.clone(),
                Some(_) => {
                    return Err(PinError::at(
                        "Format",
                        codes::TYPE_MISMATCH,
                        "Format is a String literal",
                    ))
                }
                None if cx.input_names().contains(&"Format") => {
                    return Err(PinError::at(
                        "Format",
                        codes::NOT_LITERAL,
                        "Format takes a String written in the file",
                    ))
                }
                None => {
                    return Err(PinError::node(
                        codes::MISSING_INPUT,
                        "needs its input `Format` (a String literal)",
                    ))
                }
            };
            let pieces = parse_format(&format).map_err(|m| PinError::at("Format", codes::TYPE_MISMATCH, m))?;
            let mut sig = Signature::pure().literal_input("Format", Type::String);
            let mut seen = std::collections::HashSet::new();
            for piece in pieces {
                if let Piece::Hole(name) = piece {
                    if seen.insert(name.clone()) {
                        sig = sig.input(&name, Type::String);
                    }
                }
            }
            Ok(sig.output("Return Value", Type::String))
        },
        |cx| {
            let Some(Value::String(format)) = cx.literal("Format") else {
                return Err(PinError::at(
                    "Format",
                    codes::NOT_LITERAL,
                    "Format takes a String written in the file",
                ));
            };
            let index: std::collections::HashMap<&str, usize> = cx
                .signature()
                .inputs
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.as_str(), i))
                .collect();
            let pieces: Vec<(String, Option<usize>)> = parse_format(&format)
                .map_err(|m| PinError::at("Format", codes::TYPE_MISMATCH, m))?
                .into_iter()
                .map(|p| match p {
                    Piece::Text(t) => (t, None),
                    Piece::Hole(h) => (String::new(), index.get(h.as_str()).copied()),
                })
                .collect();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let piece = |cx: &Cx<'_>, (text, hole): &(String, Option<usize>)| match hole {
                    Some(i) => cx.input(*i).as_str().len(),
                    None => text.len(),
                };
                let len = pieces.iter().map(|p| piece(cx, p)).fold(0usize, usize::saturating_add);
                cx.check_size(len)?;
                let mut out = String::with_capacity(len);
                for (text, hole) in &pieces {
                    match hole {
                        Some(i) => out.push_str(cx.input(*i).as_str()),
                        None => out.push_str(text),
                    }
                }
                cx.set_output(0, out);
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::simple(
        "To String",
        NodeDoc::new("String", "The value as text: true/false, decimal integers, shortest floats (2.0), compact JSON, Class#id or None (pure).")
            .input("Value", "any")
            .output("Return Value", "String"),
        Signature::pure().input("Value", Type::String).output("Return Value", Type::String),
        |cx, _| {
            let value = cx.take_input(0);
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "String To Int",
        NodeDoc::new(
            "String",
            "Reads a decimal integer (spaces around allowed); 0 and Success false if it is not one (pure).",
        )
        .input("In String", "String")
        .output("Return Value", "Int")
        .output("Success", "Bool"),
        Signature::pure()
            .input("In String", Type::String)
            .output("Return Value", Type::Int)
            .output("Success", Type::Bool),
        |cx, _| {
            let parsed = cx.input(0).as_str().trim().parse::<i64>().ok();
            cx.set_output(0, parsed.unwrap_or(0));
            cx.set_output(1, parsed.is_some());
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "String To Float",
        NodeDoc::new(
            "String",
            "Reads a number (spaces around allowed); 0.0 and Success false if it is not one (pure).",
        )
        .input("In String", "String")
        .output("Return Value", "Float")
        .output("Success", "Bool"),
        Signature::pure()
            .input("In String", Type::String)
            .output("Return Value", Type::Float)
            .output("Success", Type::Bool),
        |cx, _| {
            let parsed = cx.input(0).as_str().trim().parse::<f64>().ok();
            cx.set_output(0, parsed.unwrap_or(0.0));
            cx.set_output(1, parsed.is_some());
            Ok(Flow::End)
        },
    ));
}
