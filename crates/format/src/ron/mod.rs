//! RON values that keep positions. The `ron` crate reports positions only for its own
//! syntax errors (serde has no spans), so graph files are read here into a tree of
//! [`Value`]s, each with the [`Span`](crate::Span) it was written at; the typed model is
//! read from it. The values are built (`build.rs`) from the events of the format's one
//! parser (`graphrun_syntax`, whose lossless tree the editing tools read): one grammar,
//! one set of messages, and no syntax tree made where only values are wanted.

mod build;
mod value;

pub use build::{from_parse, parse};
pub use graphrun_syntax::MAX_DEPTH;
pub use value::{Kind, SyntaxError, Value};

/// A file's value, or the first syntax error that keeps it from having one.
pub type Parsed = Result<Value, SyntaxError>;

/// A string written as a RON string literal (`"…"` with escapes).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Kind {
        parse(text).unwrap().kind
    }

    #[test]
    fn scalars() {
        assert_eq!(kind("true"), Kind::Bool(true));
        assert_eq!(kind(" -42 "), Kind::Int(-42));
        assert_eq!(kind("1_000"), Kind::Int(1000));
        assert_eq!(kind("0x1F"), Kind::Int(31));
        assert_eq!(kind("2.5"), Kind::Float(2.5));
        assert_eq!(kind("1e3"), Kind::Float(1000.0));
        assert_eq!(kind("-inf"), Kind::Float(f64::NEG_INFINITY));
        assert_eq!(kind(r#""a\n\"b\" \u{1F600}""#), Kind::Str("a\n\"b\" \u{1F600}".into()));
        assert_eq!(kind(r##"r#"raw "x""#"##), Kind::Str("raw \"x\"".into()));
        assert_eq!(kind("'c'"), Kind::Char('c'));
        assert_eq!(kind("()"), Kind::Unit);
        assert_eq!(kind("None"), Kind::Ident("None".into()));
    }

    #[test]
    fn structures_keep_spans() {
        let text = "Graph(a: [1, 2], b: {\"k\": Link(\"n\", \"p\")}, /* c */ c: (x: 1),)";
        let v = parse(text).unwrap();
        let Kind::Struct { name, fields } = v.kind else {
            panic!("not a struct")
        };
        assert_eq!(name.unwrap().value, "Graph");
        assert_eq!(fields.len(), 3);
        let (b, map) = &fields[1];
        assert_eq!(&text[b.span.start as usize..b.span.end as usize], "b");
        let Kind::Map(entries) = &map.kind else {
            panic!("not a map")
        };
        let link = &entries[0].1;
        assert_eq!(
            &text[link.span.start as usize..link.span.end as usize],
            "Link(\"n\", \"p\")"
        );
        assert!(matches!(&link.kind, Kind::Tuple { items, .. } if items.len() == 2));
    }

    #[test]
    fn a_missing_comma_is_reported_at_the_end_of_the_item_before_it() {
        let text = "{\n  \"a\": (x: 1)\n  \"b\": 2,\n}";
        let err = parse(text).unwrap_err();
        assert_eq!(&text[err.span.start as usize..err.span.end as usize], ")");
        assert_eq!(err.message, "expected `,` after this, before `\"` (or `}`)");
    }

    #[test]
    fn an_unclosed_paren_is_named_not_the_space_after_it() {
        let err = parse("Graph(\n    a: 1,").unwrap_err();
        assert_eq!(err.message, "this `(` is never closed");
        assert_eq!((err.span.start, err.span.end), (5, 6));
    }

    /// The value (or the error) of a text is the same whether its text is parsed or its
    /// syntax tree is replayed, for texts good and bad.
    #[test]
    fn a_parsed_tree_gives_what_its_text_gives() {
        let show = |r: Result<Value, SyntaxError>| format!("{r:?}");
        let alphabet: Vec<char> = "()[]{}:,\"'\\/*#r -+.0123456789abexé\n\u{feff}".chars().collect();
        let mut rng = fastrand::Rng::with_seed(11);
        let mut texts: Vec<String> = (0..20_000)
            .map(|_| {
                (0..rng.usize(0..30))
                    .map(|_| alphabet[rng.usize(..alphabet.len())])
                    .collect()
            })
            .collect();
        texts.push("Graph(format: 1, nodes: {\"a\": (node: \"X\", pos: (1, -2), inputs: {\"S\": \"q\\n\"})})".into());
        texts.push("\u{feff}(a: 1)".into());
        for text in texts {
            let tree = graphrun_syntax::parse(&text);
            assert_eq!(show(parse(&text)), show(from_parse(&tree)), "{text:?}");
        }
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("Graph(a: [1, 2)").unwrap_err();
        assert_eq!(err.span.start, 14);
        assert!(err.message.contains("expected `,` or `]`"), "{}", err.message);
        let err = parse("\"open").unwrap_err();
        assert_eq!(err.span.start, 0);
        let err = parse("99999999999999999999").unwrap_err();
        assert!(err.message.contains("64 bits"));
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("nest"));
        assert!(parse("1 2").unwrap_err().message.contains("after the end"));
    }
}
