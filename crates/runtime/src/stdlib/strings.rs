//! Strings: Append, Format String, To String, the conversions from text, and searching,
//! cutting, changing, splitting and joining text.
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
    r.add_node(
        FnNode::documented(
            "Append",
            "String",
            "A followed by B (pure).",
            Signature::pure()
                .input("A", Type::String)
                .input("B", Type::String)
                .output("Return Value", Type::String),
            |cx, _| {
                cx.check_size(cx.input(0).as_str().len() + cx.input(1).as_str().len())?;
                // A may be a variable moved in (`Set S = Append(S, x)`): then it is the only
                // reference, and B is pushed onto it in place.
                let value = match cx.take_input(0) {
                    Value::String(mut a) => {
                        Arc::make_mut(&mut a).push_str(cx.input(1).as_str());
                        Value::String(a)
                    }
                    other => Value::from(format!("{}{}", other.as_str(), cx.input(1).as_str())),
                };
                cx.set_output(0, value);
                Ok(Flow::End)
            },
        )
        .updates(0),
    );
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
        // Any value converts to the String input: the doc says what it takes.
        NodeDoc::new("String", "The value as text: true/false, decimal integers, shortest floats (2.0), compact JSON, Class#id or None (pure).")
            .input("Value", "any")
            .output("Return Value", "String"),
        Signature::pure().input("Value", Type::String).output("Return Value", Type::String),
        |cx, _| {
            let value = cx.take_input(0);
            cx.set_output(0, value);
            Ok(Flow::End)
        }));
    r.add_node(FnNode::documented(
        "String To Int",
        "String",
        "Reads a decimal integer (spaces around allowed); 0 and Success false if it is not one (pure).",
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
    r.add_node(FnNode::documented(
        "String To Float",
        "String",
        "Reads a number (spaces around allowed); 0.0 and Success false if it is not one (pure).",
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

/// `s` with each character case-folded to one character (a character whose lowercase is
/// longer stays as it is), so that character positions in it are those in `s`.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// The character positions (start, end) of the occurrences of `needle` in `hay`, left to
/// right without overlap; `use_case` false compares case-insensitively (Blueprint's default).
fn occurrences(hay: &str, needle: &str, use_case: bool) -> Vec<(usize, usize)> {
    if needle.is_empty() {
        return Vec::new();
    }
    let (h, n) = if use_case {
        (hay.to_string(), needle.to_string())
    } else {
        (fold(hay), fold(needle))
    };
    let width = n.chars().count();
    let mut found = Vec::new();
    let (mut chars_before, mut last_byte) = (0, 0);
    for (byte, _) in h.match_indices(n.as_str()) {
        chars_before += h[last_byte..byte].chars().count();
        found.push((chars_before, chars_before + width));
        chars_before += width;
        last_byte = byte + n.len();
    }
    found
}

/// What every node with a `Use Case` pin says of it.
const USE_CASE: &str = " Use Case false (the default) lets upper and lower case match each other, as in Blueprint.";

pub(super) fn text(r: &mut RegistryBuilder) {
    r.add_node(
        FnNode::function("Len", ["In String"], |s: String| s.chars().count() as i64)
            .describe("String", "The number of characters (pure)."),
    );
    r.add_node(FnNode::documented(
        "Contains",
        "String",
        &format!(
            "{}{USE_CASE}",
            "Whether Substring occurs in Search In (pure); an empty Substring always does."
        ),
        Signature::pure()
            .input("Search In", Type::String)
            .input("Substring", Type::String)
            .input_or("Use Case", Type::Bool, false)
            .output("Return Value", Type::Bool),
        |cx, _| {
            let (hay, needle, use_case) = (cx.input(0).as_str(), cx.input(1).as_str(), cx.input(2).as_bool());
            let found = needle.is_empty() || !occurrences(hay, needle, use_case).is_empty();
            cx.set_output(0, found);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::documented(
            "Find Substring",
            "String",
            &format!("{}{USE_CASE}", "The character index of the first Substring in Search In, -1 if absent (pure); an empty Substring is at 0, as Contains finds it."),
            Signature::pure()
            .input("Search In", Type::String)
            .input("Substring", Type::String)
            .input_or("Use Case", Type::Bool, false)
            .output("Return Value", Type::Int),
            |cx, _| {
            let (hay, needle, use_case) = (cx.input(0).as_str(), cx.input(1).as_str(), cx.input(2).as_bool());
            let at = if needle.is_empty() {
                0
            } else {
                occurrences(hay, needle, use_case).first().map_or(-1, |&(start, _)| start as i64)
            };
            cx.set_output(0, at);
            Ok(Flow::End)
        },
        ));
    for (name, at_end) in [("Starts With", false), ("Ends With", true)] {
        r.add_node(FnNode::documented(
            name,
            "String",
            &format!("Whether In String {} Substring (pure).{USE_CASE}", name.to_lowercase()),
            Signature::pure()
                .input("In String", Type::String)
                .input("Substring", Type::String)
                .input_or("Use Case", Type::Bool, false)
                .output("Return Value", Type::Bool),
            move |cx, _| {
                let (s, affix) = if cx.input(2).as_bool() {
                    (cx.input(0).as_str().to_string(), cx.input(1).as_str().to_string())
                } else {
                    (fold(cx.input(0).as_str()), fold(cx.input(1).as_str()))
                };
                let result = if at_end {
                    s.ends_with(&affix)
                } else {
                    s.starts_with(&affix)
                };
                cx.set_output(0, result);
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(
        FnNode::function(
            "Get Substring",
            ["Source String", "Start Index", "Length"],
            |s: String, start: i64, length: i64| {
                // Blueprint's Mid: a negative start shortens the length by as much.
                let (start, length) = if start < 0 { (0, length.saturating_add(start)) } else { (start, length) };
                if length <= 0 {
                    return String::new();
                }
                s.chars().skip(start as usize).take(length as usize).collect::<String>()
            },
        )
        .describe(
            "String",
            "Length characters from Start Index (pure), clipped to the string; a negative Start Index counts as 0 and shortens Length by as much.",
        ),
    );
    r.add_node(FnNode::documented(
        "Replace",
        "String",
        &format!(
            "{}{USE_CASE}",
            "Source String with every From replaced by To, left to right (pure); an empty From replaces nothing."
        ),
        Signature::pure()
            .input("Source String", Type::String)
            .input("From", Type::String)
            .input("To", Type::String)
            .input_or("Use Case", Type::Bool, false)
            .output("Return Value", Type::String),
        |cx, _| {
            let (s, from, to) = (cx.input(0).as_str(), cx.input(1).as_str(), cx.input(2).as_str());
            let found = occurrences(s, from, cx.input(3).as_bool());
            let offsets: Vec<usize> = s.char_indices().map(|(b, _)| b).chain([s.len()]).collect();
            let removed: usize = found.iter().map(|&(a, b)| offsets[b] - offsets[a]).sum();
            cx.check_size((s.len() - removed).saturating_add(found.len().saturating_mul(to.len())))?;
            let mut out = String::with_capacity(s.len());
            let mut byte = 0;
            for (start, end) in found {
                out.push_str(&s[byte..offsets[start]]);
                out.push_str(to);
                byte = offsets[end];
            }
            out.push_str(&s[byte..]);
            cx.set_output(0, out);
            Ok(Flow::End)
        },
    ));
    type Case = fn(&str) -> String;
    let cases: [(&str, &str, Case); 3] = [
        ("To Upper", "Source String in upper case (pure).", str::to_uppercase),
        ("To Lower", "Source String in lower case (pure).", str::to_lowercase),
        ("Trim", "Source String without whitespace at either end (pure).", |s| {
            s.trim().to_string()
        }),
    ];
    for (name, what, change) in cases {
        r.add_node(FnNode::documented(
            name,
            "String",
            what,
            Signature::pure()
                .input("Source String", Type::String)
                .output("Return Value", Type::String),
            move |cx, _| {
                let s = cx.input(0).as_str();
                // A character's upper case is at most three times as long.
                if s.len().saturating_mul(3) > cx.max_value_size() {
                    let grown: usize = s
                        .chars()
                        .map(|c| c.to_uppercase().map(char::len_utf8).sum::<usize>())
                        .sum();
                    cx.check_size(grown)?;
                }
                let result = change(s);
                cx.set_output(0, result);
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(FnNode::documented(
            "Parse Into Array",
            "String",
            "Source String split at each Delimiter (pure); empty pieces are left out when Cull Empty Strings. An empty Delimiter gives the whole string.",
            Signature::pure()
            .input("Source String", Type::String)
            .input_or("Delimiter", Type::String, " ")
            .input_or("Cull Empty Strings", Type::Bool, true)
            .output("Return Value", arr(Type::String)),
            |cx, _| {
            let (s, delimiter, cull) = (cx.input(0).as_str(), cx.input(1).as_str(), cx.input(2).as_bool());
            let pieces: Vec<&str> = if delimiter.is_empty() { vec![s] } else { s.split(delimiter).collect() };
            let items: Vec<Value> = pieces
                .into_iter()
                .filter(|p| !(cull && p.is_empty()))
                .map(Value::from)
                .collect();
            cx.set_output(0, Value::Array(Arc::new(items)));
            Ok(Flow::End)
        },
        ));
    r.add_node(FnNode::documented(
        "Join String Array",
        "String",
        "The strings of Source Array with Separator between them (pure).",
        Signature::pure()
            .input("Source Array", arr(Type::String))
            .input_or("Separator", Type::String, " ")
            .output("Return Value", Type::String),
        |cx, _| {
            let separator = cx.input(1).as_str();
            let items: &[Value] = match cx.input(0) {
                Value::Array(items) => items,
                _ => &[],
            };
            let size = items
                .iter()
                .fold(0usize, |n, s| n.saturating_add(s.as_str().len()))
                .saturating_add(separator.len().saturating_mul(items.len().saturating_sub(1)));
            cx.check_size(size)?;
            let joined = items.iter().map(Value::as_str).collect::<Vec<_>>().join(separator);
            cx.set_output(0, joined);
            Ok(Flow::End)
        },
    ));
}
