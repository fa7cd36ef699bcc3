//! `graphrun fmt`'s properties on every `.ron` file of the repository that parses (graphs,
//! libraries, tests, and the checker's broken cases), as written and with Windows line
//! ends: formatting is idempotent, keeps every comment, and the formatted file reads as
//! the same graph — the format reader's whole model, positions aside, is equal, and
//! `graphrun diff` sees no change, layout included.

mod common;

use common::graph_files;
use graphrun_format::{read, SourceFile};

/// The format reader's model of a text, without positions (`Span { start: …, end: … }`)
/// and the text's length.
fn model(text: &str) -> Option<String> {
    let (file, _) = read(&SourceFile::new("g.ron", text));
    let shown = format!("{:?}", file?);
    let mut out = String::with_capacity(shown.len());
    let mut rest = shown.as_str();
    while let Some(at) = rest.find("Span {").into_iter().chain(rest.find("SourceFile {")).min() {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        rest = &rest[rest.find('}').map_or(rest.len(), |i| i + 1)..];
    }
    out.push_str(rest);
    Some(out)
}

#[test]
fn fmt_is_idempotent_and_keeps_the_program_and_every_comment() {
    let (mut formatted, mut graphs, mut changed) = (0, 0, 0);
    for path in graph_files() {
        let original = std::fs::read_to_string(&path).unwrap();
        for text in [original.clone(), original.replace('\n', "\r\n")] {
            let Ok(once) = graphrun_edit::fmt::format("g.ron", &text) else {
                assert!(
                    graphrun_format::ron::parse(&text).is_err(),
                    "{}: refused",
                    path.display()
                );
                continue;
            };
            formatted += 1;
            changed += usize::from(once != text);
            let at = path.display();
            assert_eq!(
                graphrun_edit::fmt::format("g.ron", &once).unwrap(),
                once,
                "{at}: not idempotent"
            );
            assert_eq!(text.contains("\r\n"), once.contains("\r\n"), "{at}: line ends");
            let comments = |t: &str| {
                let mut c: Vec<String> = graphrun_edit::syntax::parse(t)
                    .root()
                    .descendants_with_tokens()
                    .filter_map(|e| e.into_token())
                    .filter(|t| t.kind().is_trivia() && !t.text().trim().is_empty())
                    .map(|t| t.text().trim_end().to_string())
                    .collect();
                c.sort();
                c
            };
            assert_eq!(comments(&text), comments(&once), "{at}: comments");
            if let Some(before) = model(&text) {
                graphs += 1;
                let after = model(&once).unwrap_or_default();
                if before != after {
                    let from = before.bytes().zip(after.bytes()).take_while(|(a, b)| a == b).count();
                    let near = |s: &str| {
                        s.get(from.saturating_sub(80)..(from + 80).min(s.len()))
                            .unwrap_or_default()
                            .to_string()
                    };
                    panic!("{at}: the program changed: {} | {}", near(&before), near(&after));
                }
                assert_eq!(
                    graphrun_edit::diff::diff(("a", &text), ("b", &once), true).unwrap(),
                    Vec::<String>::new(),
                    "{at}"
                );
            }
        }
    }
    eprintln!("{formatted} files formatted ({changed} changed), {graphs} read as graphs before and after");
    assert!(graphs > 80 && changed > 80, "{graphs} graphs, {changed} changed");
}
