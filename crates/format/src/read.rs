//! Reading a graph or library file: the positioned RON tree becomes a [`GraphFile`], every
//! mistake a diagnostic at its place (unknown and duplicate fields, wrong shapes, links
//! and literals that cannot be what they stand in for).

use crate::diagnostic::{codes, Diagnostic};
use crate::model::field;
use crate::model::{
    CommentDecl, ExecDecl, FunctionDecl, GraphFile, InputDecl, MacroDecl, NodeDecl, ParamDecl, PinDecl, Source, Type,
    VariableDecl, FORMAT_VERSION,
};
use crate::ron::{self, Kind};
use crate::source::{SourceFile, Span, Spanned};

/// Reads a graph file from source text. Returns the file as written if its shape is right
/// (even if other diagnostics were found, so the checker can add its own), and every
/// diagnostic found.
pub fn read(source: &SourceFile) -> (Option<GraphFile>, Vec<Diagnostic>) {
    read_at(source, 0)
}

/// Like [`read`], from the file's value already parsed ([`ron::from_parse`] of its syntax
/// tree, as an editor holds it), so that the text is not parsed a second time.
pub fn read_parsed(source: &SourceFile, parsed: ron::Parsed) -> (Option<GraphFile>, Vec<Diagnostic>) {
    read_value(source, 0, parsed)
}

/// Reads a graph or library file whose spans are to start at `base` (an imported file,
/// a part of the importing file's [`SourceFile`]).
pub fn read_at(source: &SourceFile, base: u32) -> (Option<GraphFile>, Vec<Diagnostic>) {
    read_value(source, base, ron::parse(source.text()))
}

fn read_value(source: &SourceFile, base: u32, parsed: ron::Parsed) -> (Option<GraphFile>, Vec<Diagnostic>) {
    let shift = |span: Span| Span {
        start: span.start + base,
        end: span.end + base,
    };
    let mut value = match parsed {
        Ok(v) => v,
        Err(e) => return (None, vec![Diagnostic::error(codes::SYNTAX, shift(e.span), e.message)]),
    };
    if base > 0 {
        value.shift(base);
    }
    let mut r = Reader { diags: Vec::new() };
    let graph = r.graph(source, &value);
    (graph, r.diags)
}

/// Reads a type written in the file format (`Int`, `Array(String)`, `Object("Class")`).
pub fn read_type(value: &ron::Value) -> Result<Type, Diagnostic> {
    let unknown = || {
        let found = match &value.kind {
            Kind::Ident(name)
            | Kind::Tuple {
                name: Some(Spanned { value: name, .. }),
                ..
            } => format!("unknown type `{name}`"),
            other => format!("found {}", other.describe()),
        };
        Diagnostic::error(
            codes::UNKNOWN_TYPE,
            value.span,
            format!("{found}; expected a type: Bool, Int, Float, String, Json, Array(T), Map(T) or Object(\"Class\")"),
        )
    };
    match &value.kind {
        Kind::Ident(name) => match name.as_str() {
            "Bool" => Ok(Type::Bool),
            "Int" => Ok(Type::Int),
            "Float" => Ok(Type::Float),
            "String" => Ok(Type::String),
            "Json" => Ok(Type::Json),
            _ => Err(unknown()),
        },
        Kind::Tuple {
            name: Some(name),
            items,
        } if items.len() == 1 => match name.value.as_str() {
            "Array" => Ok(Type::Array(Box::new(read_type(&items[0])?))),
            "Map" => Ok(Type::Map(Box::new(read_type(&items[0])?))),
            "Object" => match &items[0].kind {
                Kind::Str(class) => Ok(Type::Object(class.as_str().into())),
                _ => Err(Diagnostic::error(
                    codes::UNKNOWN_TYPE,
                    items[0].span,
                    "expected a class name in quotes, as in Object(\"M2_JsonWebSocketConnection\")",
                )),
            },
            _ => Err(unknown()),
        },
        _ => Err(unknown()),
    }
}

struct Reader {
    diags: Vec<Diagnostic>,
}

/// The fields of a struct, by name, with unknown and duplicate fields reported.
struct Fields<'v> {
    fields: Vec<(&'v Spanned<String>, &'v ron::Value)>,
}

impl<'v> Fields<'v> {
    fn get(&self, name: &str) -> Option<&'v ron::Value> {
        self.fields.iter().find(|(n, _)| n.value == name).map(|&(_, v)| v)
    }
}

impl Reader {
    fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, span, message));
    }

    /// Reads a struct's fields, reporting those not in `known` and those given twice.
    fn fields<'v>(&mut self, what: &str, value: &'v ron::Value, known: &[&str]) -> Option<Fields<'v>> {
        let fields = match &value.kind {
            Kind::Struct { fields, .. } => fields,
            Kind::Unit => return Some(Fields { fields: Vec::new() }),
            other => {
                self.error(
                    codes::SHAPE,
                    value.span,
                    format!("expected {what} as `(field: value, ...)`, found {}", other.describe()),
                );
                return None;
            }
        };
        let mut seen: Vec<(&'v Spanned<String>, &'v ron::Value)> = Vec::new();
        for (name, v) in fields {
            if !known.contains(&name.value.as_str()) {
                let list = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                self.error(
                    codes::SHAPE,
                    name.span,
                    format!("unknown field `{}` in {what}; expected one of {list}", name.value),
                );
            } else if seen.iter().any(|(n, _)| n.value == name.value) {
                self.error(
                    codes::DUPLICATE,
                    name.span,
                    format!("field `{}` is given twice in {what}", name.value),
                );
            } else {
                seen.push((name, v));
            }
        }
        Some(Fields { fields: seen })
    }

    fn string(&mut self, what: &str, value: &ron::Value) -> Option<Spanned<String>> {
        match &value.kind {
            Kind::Str(s) => Some(Spanned::new(s.clone(), value.span)),
            other => {
                self.error(
                    codes::SHAPE,
                    value.span,
                    format!("expected {what} as a string, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// Reads a `{"key": value}` map whose keys are strings; duplicates reported.
    fn string_map<'v>(&mut self, what: &str, value: &'v ron::Value) -> Vec<(Spanned<String>, &'v ron::Value)> {
        self.string_map_with(what, value, codes::DUPLICATE)
    }

    /// Like [`Reader::string_map`], reporting a duplicate key with `duplicate_code`.
    fn string_map_with<'v>(
        &mut self,
        what: &str,
        value: &'v ron::Value,
        duplicate_code: &'static str,
    ) -> Vec<(Spanned<String>, &'v ron::Value)> {
        let Kind::Map(entries) = &value.kind else {
            self.error(
                codes::SHAPE,
                value.span,
                format!(
                    "expected {what} as a map `{{\"name\": ...}}`, found {}",
                    value.kind.describe()
                ),
            );
            return Vec::new();
        };
        let mut out: Vec<(Spanned<String>, &ron::Value)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in entries {
            let Some(key) = self.string(&format!("a key of {what}"), k) else {
                continue;
            };
            if !seen.insert(key.value.clone()) {
                self.error(
                    duplicate_code,
                    key.span,
                    format!("`{}` appears twice in {what}", key.value),
                );
                continue;
            }
            out.push((key, v));
        }
        out
    }

    fn graph(&mut self, source: &SourceFile, value: &ron::Value) -> Option<GraphFile> {
        let mut library = false;
        if let Kind::Struct { name: Some(name), .. } | Kind::Tuple { name: Some(name), .. } = &value.kind {
            match name.value.as_str() {
                "Graph" => {}
                "Library" => library = true,
                other => {
                    self.error(
                        codes::SHAPE,
                        name.span,
                        format!("expected `Graph(...)` or `Library(...)`, found `{other}(...)`"),
                    );
                    return None;
                }
            }
        }
        let (what, known): (&str, &[&str]) = if library {
            ("Library", crate::model::LIBRARY_FIELDS)
        } else {
            ("Graph", crate::model::GRAPH_FIELDS)
        };
        let fields = self.fields(what, value, known)?;
        let head = Span::new(value.span.start as usize, value.span.start as usize + 1);
        let format = match fields.get(field::FORMAT) {
            None => {
                self.error(
                    codes::FORMAT_VERSION,
                    head,
                    format!("missing field `format`; this graphrun reads `format: {FORMAT_VERSION}`"),
                );
                None
            }
            Some(v) => match v.kind {
                Kind::Int(n) if n == FORMAT_VERSION => Some(Spanned::new(n, v.span)),
                Kind::Int(n) if n > FORMAT_VERSION => {
                    self.error(
                        codes::FORMAT_VERSION,
                        v.span,
                        format!("format {n} is newer than this graphrun reads (format {FORMAT_VERSION}); upgrade graphrun to load this file"),
                    );
                    None
                }
                Kind::Int(n) => {
                    self.error(
                        codes::FORMAT_VERSION,
                        v.span,
                        format!("there is no format {n}: the first format is 1"),
                    );
                    None
                }
                _ => {
                    self.error(
                        codes::FORMAT_VERSION,
                        v.span,
                        "expected the format version as an integer, as in `format: 1`",
                    );
                    None
                }
            },
        };
        let name = match fields.get(field::NAME) {
            Some(v) => self.string("the graph's name", v),
            None => {
                self.error(
                    codes::SHAPE,
                    head,
                    "missing field `name`: the graph's name, used in messages",
                );
                None
            }
        };
        let variables = fields
            .get(field::VARIABLES)
            .map(|v| self.variables(v))
            .unwrap_or_default();
        let nodes = match fields.get(field::NODES) {
            Some(v) => self.nodes(v),
            None if library => Vec::new(),
            None => {
                self.error(codes::SHAPE, head, "missing field `nodes`");
                Vec::new()
            }
        };
        let imports = match fields.get(field::IMPORTS) {
            None => Vec::new(),
            Some(v) => match &v.kind {
                Kind::List(items) => items
                    .iter()
                    .filter_map(|i| self.string("an imported file's path", i))
                    .collect(),
                other => {
                    self.error(
                        codes::SHAPE,
                        v.span,
                        format!(
                            "expected the imports as a list of paths `[\"lib/text.ron\"]`, found {}",
                            other.describe()
                        ),
                    );
                    Vec::new()
                }
            },
        };
        let functions = fields
            .get(field::FUNCTIONS)
            .map(|v| self.functions(v))
            .unwrap_or_default();
        let macros = fields.get(field::MACROS).map(|v| self.macros(v)).unwrap_or_default();
        let comments = fields
            .get(field::COMMENTS)
            .map(|v| self.comments(v))
            .unwrap_or_default();
        Some(GraphFile {
            source: source.clone(),
            format: format?,
            name: name?,
            variables,
            nodes,
            comments,
            library,
            imports,
            functions,
            macros,
        })
    }

    fn functions(&mut self, value: &ron::Value) -> Vec<FunctionDecl> {
        let mut out = Vec::new();
        for (name, v) in self.string_map(field::FUNCTIONS, value) {
            let what = format!("function `{}`", name.value);
            let Some(fields) = self.fields(&what, v, crate::model::FUNCTION_FIELDS) else {
                continue;
            };
            let (inputs, outputs) = self.pins_of(&what, &fields, false);
            let pure = match fields.get(field::PURE).map(|p| (&p.kind, p)) {
                None => false,
                Some((Kind::Bool(b), _)) => *b,
                Some((other, p)) => {
                    self.error(
                        codes::SHAPE,
                        p.span,
                        format!("expected `pure` of {what} as true or false, found {}", other.describe()),
                    );
                    false
                }
            };
            let Some((locals, nodes)) = self.body_of(&what, &fields, v) else {
                continue;
            };
            out.push(FunctionDecl {
                name,
                inputs,
                outputs,
                pure,
                locals,
                nodes,
                span: v.span,
            });
        }
        out
    }

    fn macros(&mut self, value: &ron::Value) -> Vec<MacroDecl> {
        let mut out = Vec::new();
        for (name, v) in self.string_map(field::MACROS, value) {
            let what = format!("macro `{}`", name.value);
            let Some(fields) = self.fields(&what, v, crate::model::MACRO_FIELDS) else {
                continue;
            };
            let (inputs, outputs) = self.pins_of(&what, &fields, true);
            let Some((locals, nodes)) = self.body_of(&what, &fields, v) else {
                continue;
            };
            out.push(MacroDecl {
                name,
                inputs,
                outputs,
                locals,
                nodes,
                span: v.span,
            });
        }
        out
    }

    /// The pins of a function or macro, `{"Name": Type}`; `Exec` only where `exec` allows.
    /// A function's or a macro's `inputs` and `outputs` (`exec` pins allowed in a macro's).
    fn pins_of(&mut self, what: &str, fields: &Fields<'_>, exec: bool) -> (Vec<PinDecl>, Vec<PinDecl>) {
        let inputs = fields
            .get(field::INPUTS)
            .map(|p| self.pins(what, field::INPUTS, p, exec))
            .unwrap_or_default();
        let outputs = fields
            .get(field::OUTPUTS)
            .map(|p| self.pins(what, field::OUTPUTS, p, exec))
            .unwrap_or_default();
        (inputs, outputs)
    }

    /// A function's or a macro's body: its `locals` and its `nodes`, which it must have.
    fn body_of(
        &mut self,
        what: &str,
        fields: &Fields<'_>,
        value: &ron::Value,
    ) -> Option<(Vec<VariableDecl>, Vec<NodeDecl>)> {
        let locals = fields.get(field::LOCALS).map(|l| self.variables(l)).unwrap_or_default();
        let Some(nodes) = fields.get(field::NODES) else {
            self.error(codes::SHAPE, value.span, format!("{what} has no `nodes` (its body)"));
            return None;
        };
        Some((locals, self.nodes(nodes)))
    }

    fn pins(&mut self, what: &str, side: &str, value: &ron::Value, exec: bool) -> Vec<PinDecl> {
        let mut out = Vec::new();
        for (name, t) in self.string_map(&format!("the {side} of {what}"), value) {
            if matches!(&t.kind, Kind::Ident(e) if e == "Exec") {
                if !exec {
                    self.error(
                        codes::UNKNOWN_TYPE,
                        t.span,
                        format!(
                            "a function's pins are data pins; `Exec` pins are for macros ({side} `{}` of {what})",
                            name.value
                        ),
                    );
                    continue;
                }
                out.push(PinDecl {
                    name,
                    ty: None,
                    ty_span: t.span,
                });
                continue;
            }
            match read_type(t) {
                Ok(ty) => out.push(PinDecl {
                    name,
                    ty: Some(ty),
                    ty_span: t.span,
                }),
                Err(d) => self.diags.push(d),
            }
        }
        out
    }

    fn comments(&mut self, value: &ron::Value) -> Vec<CommentDecl> {
        let Kind::List(items) = &value.kind else {
            self.error(
                codes::SHAPE,
                value.span,
                format!(
                    "expected the comments as a list `[(text: \"…\", nodes: [\"id\"]), …]`, found {}",
                    value.kind.describe()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(fields) = self.fields("a comment", item, crate::model::COMMENT_FIELDS) else {
                continue;
            };
            let Some(text) = fields
                .get(field::TEXT)
                .and_then(|v| self.string("the comment's text", v))
            else {
                if fields.get(field::TEXT).is_none() {
                    self.error(codes::SHAPE, item.span, "a comment has no `text`");
                }
                continue;
            };
            let mut nodes = Vec::new();
            match fields.get(field::NODES).map(|v| (&v.kind, v)) {
                Some((Kind::List(ids), _)) => {
                    nodes.extend(ids.iter().filter_map(|id| self.string("a node id", id)));
                }
                Some((other, v)) => self.error(
                    codes::SHAPE,
                    v.span,
                    format!(
                        "expected the comment's nodes as a list of ids, found {}",
                        other.describe()
                    ),
                ),
                None => {}
            }
            let color = fields.get(field::COLOR).and_then(|v| self.color(v));
            out.push(CommentDecl {
                text,
                nodes,
                color,
                span: item.span,
            });
        }
        out
    }

    /// A colour, `#RRGGBB`.
    fn color(&mut self, value: &ron::Value) -> Option<Spanned<String>> {
        let color = self.string("a colour", value)?;
        let hex = color.value.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            self.error(
                codes::SHAPE,
                value.span,
                format!(
                    "expected a colour as `#RRGGBB` (as in `#3A6EA5`), found `{}`",
                    color.value
                ),
            );
            return None;
        }
        Some(color)
    }

    /// `(X, Y)` in integer graph units.
    fn pos(&mut self, value: &ron::Value) -> Option<Spanned<(i64, i64)>> {
        if let Kind::Tuple { name: None, items } = &value.kind {
            if let [x, y] = items.as_slice() {
                if let (Kind::Int(x), Kind::Int(y)) = (&x.kind, &y.kind) {
                    return Some(Spanned::new((*x, *y), value.span));
                }
            }
        }
        self.error(
            codes::SHAPE,
            value.span,
            format!(
                "expected a position as two integers `(X, Y)`, found {}",
                value.kind.describe()
            ),
        );
        None
    }

    fn variables(&mut self, value: &ron::Value) -> Vec<VariableDecl> {
        let mut out = Vec::new();
        for (name, v) in self.string_map(field::VARIABLES, value) {
            let what = format!("variable `{}`", name.value);
            let Some(fields) = self.fields(&what, v, crate::model::VARIABLE_FIELDS) else {
                continue;
            };
            let ty = match fields.get(field::TYPE) {
                Some(t) => match read_type(t) {
                    Ok(ty) => Spanned::new(ty, t.span),
                    Err(d) => {
                        self.diags.push(d);
                        continue;
                    }
                },
                None => {
                    self.error(codes::SHAPE, v.span, format!("{what} has no `type`"));
                    continue;
                }
            };
            out.push(VariableDecl {
                name,
                ty,
                default: fields.get(field::DEFAULT).cloned(),
            });
        }
        out
    }

    fn nodes(&mut self, value: &ron::Value) -> Vec<NodeDecl> {
        let mut out = Vec::new();
        for (id, v) in self.string_map(field::NODES, value) {
            if id.value.is_empty() || id.value.contains('.') {
                self.error(
                    codes::INVALID_ID,
                    id.span,
                    format!(
                        "node id `{}` may not be empty or contain `.` (it separates a node from its exec pin)",
                        id.value
                    ),
                );
            }
            if let Some(node) = self.node(id, v) {
                out.push(node);
            }
        }
        out
    }

    fn node(&mut self, id: Spanned<String>, value: &ron::Value) -> Option<NodeDecl> {
        let what = format!("node `{}`", id.value);
        let fields = self.fields(&what, value, crate::model::NODE_FIELDS)?;
        let node_type = match fields.get(field::NODE) {
            Some(v) => self.string("the node type", v)?,
            None => {
                self.error(
                    codes::SHAPE,
                    value.span,
                    format!("{what} has no `node` (its type, as in `node: \"Print String\"`)"),
                );
                return None;
            }
        };
        let mut inputs = Vec::new();
        if let Some(v) = fields.get(field::INPUTS) {
            for (pin, src) in self.string_map(&format!("the inputs of {what}"), v) {
                if let Some(source) = self.source(src) {
                    inputs.push(InputDecl {
                        pin,
                        source,
                        span: src.span,
                    });
                }
            }
        }
        let mut exec = Vec::new();
        if let Some(v) = fields.get(field::EXEC) {
            for (pin, target) in
                self.string_map_with(&format!("the exec outputs of {what}"), v, codes::EXEC_OUTPUT_TWICE)
            {
                let Some(target) = self.string("an exec target (`\"node\"` or `\"node.Exec Pin\"`)", target) else {
                    continue;
                };
                let (node, input) = match target.value.split_once('.') {
                    Some((node, input)) => {
                        let node_end = target.span.start as usize + 1 + node.len();
                        (
                            Spanned::new(node.to_string(), Span::new(target.span.start as usize, node_end)),
                            Some(Spanned::new(input.to_string(), target.span)),
                        )
                    }
                    None => (Spanned::new(target.value.clone(), target.span), None),
                };
                exec.push(ExecDecl { pin, node, input });
            }
        }
        let var = fields.get(field::VAR).and_then(|v| self.string("the variable name", v));
        let params = fields.get(field::PARAMS).map(|v| {
            let mut params = Vec::new();
            for (name, t) in self.string_map(&format!("the params of {what}"), v) {
                match read_type(t) {
                    Ok(ty) => params.push(ParamDecl {
                        name,
                        ty: Spanned::new(ty, t.span),
                    }),
                    Err(d) => self.diags.push(d),
                }
            }
            params
        });
        let pos = fields.get(field::POS).and_then(|v| self.pos(v));
        let comment = fields
            .get(field::COMMENT)
            .and_then(|v| self.string("the node's comment", v));
        Some(NodeDecl {
            id,
            node_type,
            inputs,
            exec,
            var,
            params,
            pos,
            comment,
            span: value.span,
        })
    }

    fn source(&mut self, value: &ron::Value) -> Option<Source> {
        let Kind::Tuple {
            name: Some(name),
            items,
        } = &value.kind
        else {
            return Some(Source::Literal(value.clone()));
        };
        let arity = match name.value.as_str() {
            "Link" => 2,
            "Var" | "Event" => 1,
            _ => return Some(Source::Literal(value.clone())),
        };
        if items.len() != arity {
            let args = if arity == 2 {
                "(\"node\", \"Output Pin\")"
            } else {
                "(\"Name\")"
            };
            self.error(
                codes::SHAPE,
                value.span,
                format!("`{}` takes {arity} string(s): {}{args}", name.value, name.value),
            );
            return None;
        }
        let strings: Vec<Spanned<String>> = items
            .iter()
            .filter_map(|item| self.string(&format!("the argument of `{}`", name.value), item))
            .collect();
        if strings.len() != arity {
            return None;
        }
        let mut strings = strings.into_iter();
        let first = strings.next()?;
        Some(match name.value.as_str() {
            "Link" => Source::Link {
                node: first,
                pin: strings.next()?,
            },
            "Var" => Source::Var(first),
            _ => Source::Event(first),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> (Option<GraphFile>, Vec<Diagnostic>) {
        read(&SourceFile::new("t.ron", text))
    }

    #[test]
    fn reads_a_graph_with_positions() {
        let text = r#"Graph(format: 1, name: "G",
    variables: {"X": (type: Array(Int), default: [1])},
    nodes: {
        "a": (node: "Print String", inputs: {"In String": Link("b", "Return Value")}, exec: {"then": "c.Reset"}),
    })"#;
        let (g, d) = read_text(text);
        assert!(d.is_empty(), "{d:?}");
        let g = g.unwrap();
        assert_eq!(g.variables[0].ty.value, Type::Array(Box::new(Type::Int)));
        let node = &g.nodes[0];
        assert_eq!(g.source.line_col(node.id.span.start).line, 4);
        let exec = &node.exec[0];
        assert_eq!(exec.node.value, "c");
        assert_eq!(exec.input.as_ref().unwrap().value, "Reset");
        assert!(matches!(&node.inputs[0].source, Source::Link { node, .. } if node.value == "b"));
    }

    #[test]
    fn reports_every_shape_problem() {
        let (_, d) = read_text(r#"Graph(format: 2, nodes: {"a.b": (node: 3), "c": (nod: "X")}, extra: 1)"#);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert!(codes.contains(&codes::FORMAT_VERSION));
        assert!(codes.contains(&codes::INVALID_ID));
        assert_eq!(codes.iter().filter(|c| **c == codes::SHAPE).count(), 5, "{d:?}");
    }

    #[test]
    fn implicit_conversions() {
        assert!(Type::Float.accepts(&Type::Int));
        assert!(!Type::Int.accepts(&Type::Float));
        assert!(Type::String.accepts(&Type::Object("C".into())));
        assert!(Type::Json.accepts(&Type::Array(Box::new(Type::Int))));
        assert!(!Type::Json.accepts(&Type::Object("C".into())));
    }
}
