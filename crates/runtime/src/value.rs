//! Runtime values: what flows along data pins and sits in variables. A [`Value`] is 16
//! bytes (pinned by a test): scalars inline, everything else behind an `Arc`, so copying a
//! value between slots never copies a string or a JSON tree.

use std::fmt::{self, Write as _};
use std::num::NonZeroU32;
use std::sync::Arc;

use graphrun_format::ron::{self, Kind};
use graphrun_format::Type;
use indexmap::IndexMap;

/// A JSON value, with object keys in the order written or received.
pub type Json = serde_json::Value;

/// A handle to an object owned by an instance (a connection, a timer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// The class, as an index into the registry's classes.
    pub class: u32,
    /// The object's number within its instance; never reused while the instance runs.
    pub id: NonZeroU32,
}

/// A value on a data pin or in a variable.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// An impure node's output that has never been written. Reading it is a runtime error.
    #[default]
    Unset,
    /// A Bool.
    Bool(bool),
    /// An Int.
    Int(i64),
    /// A Float.
    Float(f64),
    /// A String.
    String(Arc<String>),
    /// A Json value.
    Json(Arc<Json>),
    /// An Array(T).
    Array(Arc<Vec<Value>>),
    /// A Map(T).
    Map(Arc<IndexMap<String, Value>>),
    /// An Object handle; `None` until set.
    Object(Option<ObjectRef>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Unset, Value::Unset) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => (*a as f64) == *b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Json(a), Value::Json(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(Arc::new(s.to_string()))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Arc::new(s))
    }
}
impl From<Json> for Value {
    fn from(j: Json) -> Value {
        Value::Json(Arc::new(j))
    }
}

/// Names classes for display (`Class#id`); the registry implements it.
pub trait ClassNames {
    /// The name of class number `class`.
    fn class_name(&self, class: u32) -> &str;
}

impl Value {
    /// The zero value of a type: `false`, `0`, `0.0`, `""`, `null`, `[]`, `{}`, None.
    pub fn zero(ty: &Type) -> Value {
        match ty {
            Type::Bool => Value::Bool(false),
            Type::Int => Value::Int(0),
            Type::Float => Value::Float(0.0),
            Type::String => Value::String(Arc::default()),
            Type::Json => Value::Json(Arc::new(Json::Null)),
            Type::Array(_) => Value::Array(Arc::default()),
            Type::Map(_) => Value::Map(Arc::default()),
            Type::Object(_) => Value::Object(None),
        }
    }

    /// The Bool inside, or false.
    pub fn as_bool(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    /// The Int inside (a Float is truncated), or 0.
    pub fn as_int(&self) -> i64 {
        match self {
            Value::Int(n) => *n,
            Value::Float(f) => *f as i64,
            _ => 0,
        }
    }

    /// The number inside as a Float, or 0.0.
    pub fn as_float(&self) -> f64 {
        match self {
            Value::Int(n) => *n as f64,
            Value::Float(f) => *f,
            _ => 0.0,
        }
    }

    /// The String inside, or "".
    pub fn as_str(&self) -> &str {
        match self {
            Value::String(s) => s,
            _ => "",
        }
    }

    /// The object handle inside, if any.
    pub fn as_object(&self) -> Option<ObjectRef> {
        match self {
            Value::Object(o) => *o,
            _ => None,
        }
    }

    /// About how many bytes the value's text form takes (each string counted once, without
    /// escapes), for the value size limit. Stops counting once past `limit`, so a huge
    /// value costs no more to measure than a value of `limit` bytes.
    pub fn size(&self, limit: usize) -> usize {
        let mut size = 0;
        self.add_size(&mut size, limit);
        size
    }

    /// What [`Value::size`] counts for each value of type `ty`, if it is the same for every
    /// value of it (Bool, Int, Float, Object): an array of them is measured from its length.
    pub(crate) fn fixed_size(ty: &Type) -> Option<usize> {
        match ty {
            Type::Bool | Type::Object(_) => Some(8),
            Type::Int | Type::Float => Some(24),
            _ => None,
        }
    }

    /// [`Value::size`] of an array whose items each count `item` bytes when the type says
    /// so ([`Value::fixed_size`]): counted from its length, not walked.
    pub(crate) fn array_size(items: &[Value], item: Option<usize>, limit: usize) -> usize {
        match item {
            Some(each) => 2 + items.len() * (1 + each),
            None => {
                let mut size = 2;
                for value in items {
                    if size > limit {
                        break;
                    }
                    size += 1;
                    value.add_size(&mut size, limit);
                }
                size
            }
        }
    }

    fn add_size(&self, size: &mut usize, limit: usize) {
        match self {
            Value::Unset | Value::Bool(_) | Value::Object(_) => *size += 8,
            Value::Int(_) | Value::Float(_) => *size += 24,
            Value::String(s) => *size += s.len() + 2,
            Value::Json(j) => json_size(j, size, limit),
            Value::Array(items) => {
                *size += 2;
                for item in items.iter() {
                    if *size > limit {
                        return;
                    }
                    *size += 1;
                    item.add_size(size, limit);
                }
            }
            Value::Map(map) => {
                *size += 2;
                for (key, value) in map.iter() {
                    if *size > limit {
                        return;
                    }
                    *size += key.len() + 4;
                    value.add_size(size, limit);
                }
            }
        }
    }

    /// The JSON form (implicit conversion to Json). Objects have none and become null;
    /// the checker refuses that conversion, so only a host can ask for it.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Unset | Value::Object(_) => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(n) => Json::from(*n),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.to_string()),
            Value::Json(j) => (**j).clone(),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// The first infinite or NaN Float in the value (none can become JSON), if any.
    pub fn non_finite(&self) -> Option<f64> {
        match self {
            Value::Float(f) if !f.is_finite() => Some(*f),
            Value::Array(items) => items.iter().find_map(Value::non_finite),
            Value::Map(map) => map.values().find_map(Value::non_finite),
            _ => None,
        }
    }

    /// Converts to Json without copying when the value already is Json.
    pub fn into_json(self) -> Arc<Json> {
        match self {
            Value::Json(j) => j,
            other => Arc::new(other.to_json()),
        }
    }

    /// The text form of the implicit conversion to String, as `To String` writes it.
    pub fn to_text(&self, classes: &dyn ClassNames) -> String {
        match self {
            Value::String(s) => s.to_string(),
            _ => {
                let mut out = String::new();
                self.write_text(&mut out, classes, false);
                out
            }
        }
    }

    /// Converts to String without copying when the value already is a String.
    pub fn into_text(self, classes: &dyn ClassNames) -> Arc<String> {
        match self {
            Value::String(s) => s,
            other => Arc::new(other.to_text(classes)),
        }
    }

    /// Writes the text form; `quoted` writes strings as JSON strings (inside arrays and
    /// maps, and in traces).
    pub fn write_text(&self, out: &mut String, classes: &dyn ClassNames, quoted: bool) {
        match self {
            Value::Unset => out.push_str("<unset>"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(f) => out.push_str(&float_text(*f)),
            Value::String(s) if quoted => out.push_str(&Json::String(s.to_string()).to_string()),
            Value::String(s) => out.push_str(s),
            Value::Json(j) => out.push_str(&j.to_string()),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_text(out, classes, true);
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Json::String(k.clone()).to_string());
                    out.push(':');
                    v.write_text(out, classes, true);
                }
                out.push('}');
            }
            Value::Object(None) => out.push_str("None"),
            Value::Object(Some(o)) => {
                if quoted {
                    out.push('"');
                }
                let _ = write!(out, "{}#{}", classes.class_name(o.class), o.id);
                if quoted {
                    out.push('"');
                }
            }
        }
    }

    /// Converts a value of type `from` to type `to` (one of the implicit conversions the
    /// checker allowed).
    pub fn convert(self, conversion: Conversion, classes: &dyn ClassNames) -> Value {
        match conversion {
            Conversion::None => self,
            Conversion::ToFloat => Value::Float(self.as_float()),
            Conversion::ToString => Value::String(self.into_text(classes)),
            Conversion::ToJson => Value::Json(self.into_json()),
        }
    }
}

/// The shortest text that reads back as the same float, always with a `.` or exponent
/// (`1.5`, `2.0`, `1e21`, `inf`, `NaN`).
pub fn float_text(f: f64) -> String {
    format!("{f:?}")
}

/// An implicit conversion chosen by the checker for one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// The types match.
    None,
    /// Int to Float.
    ToFloat,
    /// Anything to String.
    ToString,
    /// Anything but an Object to Json.
    ToJson,
}

impl Conversion {
    /// The conversion from `from` to `to`, if one is allowed.
    pub fn between(to: &Type, from: &Type) -> Option<Conversion> {
        if to == from {
            return Some(Conversion::None);
        }
        if !to.accepts(from) {
            return None;
        }
        Some(match to {
            Type::Float => Conversion::ToFloat,
            Type::String => Conversion::ToString,
            Type::Json => Conversion::ToJson,
            _ => Conversion::None,
        })
    }
}

/// The type a literal has when nothing else says (a generic pin): `1` is an Int, `1.5` a
/// Float, `[1, 2]` an Array(Int), a map Json.
pub fn literal_type(value: &ron::Value) -> Type {
    match &value.kind {
        Kind::Bool(_) => Type::Bool,
        Kind::Int(_) => Type::Int,
        Kind::Float(_) => Type::Float,
        Kind::Str(_) | Kind::Char(_) => Type::String,
        Kind::List(items) => {
            let first = items.first().map_or(Type::Json, literal_type);
            if items.iter().all(|i| literal_type(i) == first) {
                Type::Array(Box::new(first))
            } else {
                Type::Json
            }
        }
        _ => Type::Json,
    }
}

/// Reads a literal as a value of type `ty`. The error says why, with where.
pub fn literal_value(value: &ron::Value, ty: &Type) -> Result<Value, (graphrun_format::Span, String)> {
    let mismatch = || {
        Err((
            value.span,
            format!("expected a literal of type {ty}, found {}", value.kind.describe()),
        ))
    };
    Ok(match (ty, &value.kind) {
        (Type::Bool, Kind::Bool(b)) => Value::Bool(*b),
        (Type::Int, Kind::Int(n)) => Value::Int(*n),
        (Type::Float, Kind::Int(n)) => Value::Float(*n as f64),
        (Type::Float, Kind::Float(f)) => Value::Float(*f),
        (Type::String, Kind::Str(s)) => Value::from(s.as_str()),
        (Type::String, Kind::Char(c)) => Value::from(c.to_string()),
        (Type::String, Kind::Bool(_) | Kind::Int(_) | Kind::Float(_)) => {
            let natural = literal_value(value, &literal_type(value))?;
            Value::from(natural.to_text(&NoClasses))
        }
        (Type::Json, _) => Value::from(literal_json(value)?),
        (Type::Array(item), Kind::List(items)) => Value::Array(Arc::new(
            items.iter().map(|i| literal_value(i, item)).collect::<Result<_, _>>()?,
        )),
        (Type::Map(item), Kind::Map(entries)) => {
            let mut map = IndexMap::new();
            for (k, v) in entries {
                let Kind::Str(key) = &k.kind else {
                    return Err((k.span, format!("map keys are strings; found {}", k.kind.describe())));
                };
                if map.insert(key.clone(), literal_value(v, item)?).is_some() {
                    return Err((k.span, format!("{DUPLICATE_KEY} `{key}`")));
                }
            }
            Value::Map(Arc::new(map))
        }
        (Type::Object(_), Kind::Ident(none)) if none == "None" => Value::Object(None),
        _ => return mismatch(),
    })
}

/// How a literal's error about a key written twice in a map or JSON object begins (the
/// checker gives it the duplicate code rather than a type mismatch).
pub(crate) const DUPLICATE_KEY: &str = "duplicate key";

/// Reads a literal as JSON: maps with string keys are objects, lists arrays, `()` null.
pub fn literal_json(value: &ron::Value) -> Result<Json, (graphrun_format::Span, String)> {
    Ok(match &value.kind {
        Kind::Bool(b) => Json::Bool(*b),
        Kind::Int(n) => Json::from(*n),
        Kind::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => Json::Number(n),
            None => return Err((value.span, "JSON has no infinite or NaN numbers".to_string())),
        },
        Kind::Str(s) => Json::String(s.clone()),
        Kind::Char(c) => Json::String(c.to_string()),
        Kind::Unit => Json::Null,
        Kind::Ident(null) if null == "null" => Json::Null,
        Kind::List(items) => Json::Array(items.iter().map(literal_json).collect::<Result<_, _>>()?),
        Kind::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let Kind::Str(key) = &k.kind else {
                    return Err((
                        k.span,
                        format!("JSON object keys are strings; found {}", k.kind.describe()),
                    ));
                };
                if map.insert(key.clone(), literal_json(v)?).is_some() {
                    return Err((k.span, format!("{DUPLICATE_KEY} `{key}`")));
                }
            }
            Json::Object(map)
        }
        other => return Err((value.span, format!("{} is not JSON", other.describe()))),
    })
}

struct NoClasses;
impl ClassNames for NoClasses {
    fn class_name(&self, _: u32) -> &str {
        "Object"
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_text(&mut out, &NoClasses, true);
        f.write_str(&out)
    }
}

/// The JSON text of `json`, written until it would pass `limit` bytes: the bytes written
/// (the text cut there, maybe inside a character) and whether that is all of it. A value
/// of gigabytes costs no more than `limit` bytes of writing.
pub(crate) fn json_prefix(json: &Json, limit: usize) -> (Vec<u8>, bool) {
    struct Bounded(Vec<u8>, usize);
    impl std::io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = self.1 - self.0.len();
            self.0.extend_from_slice(&buf[..buf.len().min(room)]);
            if buf.len() > room {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Bounded(Vec::new(), limit);
    let complete = serde_json::to_writer(&mut out, json).is_ok();
    (out.0, complete)
}

/// [`Value::size`] of a Json value.
fn json_size(json: &Json, size: &mut usize, limit: usize) {
    match json {
        Json::Null | Json::Bool(_) => *size += 5,
        Json::Number(_) => *size += 24,
        Json::String(s) => *size += s.len() + 2,
        Json::Array(items) => {
            *size += 2;
            for item in items {
                if *size > limit {
                    return;
                }
                *size += 1;
                json_size(item, size, limit);
            }
        }
        Json::Object(map) => {
            *size += 2;
            for (key, value) in map {
                if *size > limit {
                    return;
                }
                *size += key.len() + 4;
                json_size(value, size, limit);
            }
        }
    }
}

/// What kind of Json value `j` is, for messages ("an object", "a number", …).
pub(crate) fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

impl Value {
    /// Element `index` of an Array, or of a Json array (as Json); `None` past the end (or
    /// for any other value). A Json value that is not an array is an error: its kind.
    pub(crate) fn element(&self, index: usize) -> Result<Option<Value>, &'static str> {
        match self {
            Value::Array(items) => Ok(items.get(index).cloned()),
            Value::Json(j) => match &**j {
                Json::Array(items) => Ok(items.get(index).map(|v| Value::from(v.clone()))),
                other => Err(json_kind(other)),
            },
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_prefix_stops_at_its_limit_even_inside_one_long_string() {
        let long = Json::String("x".repeat(1 << 20));
        let (text, complete) = json_prefix(&long, 10);
        assert_eq!((text.as_slice(), complete), (&b"\"xxxxxxxxx"[..], false));
        let short = serde_json::json!({"k": [1, 2]});
        assert_eq!(json_prefix(&short, 100), (br#"{"k":[1,2]}"#.to_vec(), true));
        assert_eq!(json_prefix(&short, 11), (br#"{"k":[1,2]}"#.to_vec(), true));
    }

    #[test]
    fn value_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn text_forms() {
        let c = &NoClasses;
        assert_eq!(Value::Float(2.0).to_text(c), "2.0");
        assert_eq!(Value::Float(1.5).to_text(c), "1.5");
        assert_eq!(Value::Int(-3).to_text(c), "-3");
        assert_eq!(Value::Bool(true).to_text(c), "true");
        let arr = Value::Array(Arc::new(vec![Value::from("a"), Value::Int(1)]));
        assert_eq!(arr.to_text(c), r#"["a",1]"#);
        let json: Json = serde_json::from_str(r#"{"z":1,"a":[true,null]}"#).unwrap();
        assert_eq!(Value::from(json).to_text(c), r#"{"z":1,"a":[true,null]}"#);
        assert_eq!(Value::Object(None).to_text(c), "None");
    }

    #[test]
    fn literals_follow_the_type() {
        let v = ron::parse(r#"{"b": [1, 2.5], "a": "x"}"#).unwrap();
        let json = literal_value(&v, &Type::Json).unwrap();
        assert_eq!(json.to_text(&NoClasses), r#"{"b":[1,2.5],"a":"x"}"#);
        let v = ron::parse("[1, 2]").unwrap();
        let strings = literal_value(&v, &Type::Array(Box::new(Type::String))).unwrap();
        assert_eq!(
            strings.to_text(&NoClasses),
            r#"["1","2"]"#,
            "scalars convert to String implicitly"
        );
        assert_eq!(literal_type(&v), Type::Array(Box::new(Type::Int)));
        let nested = ron::parse("[[1]]").unwrap();
        assert!(literal_value(&nested, &Type::Array(Box::new(Type::String))).is_err());
        assert!(literal_value(&v, &Type::Array(Box::new(Type::Bool))).is_err());
        let v = ron::parse("3").unwrap();
        assert_eq!(literal_value(&v, &Type::String).unwrap().as_str(), "3");
    }
}
