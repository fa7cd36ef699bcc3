//! Fuzzes the edit layer: any text parses into a tree holding every byte, and an operation
//! (read from the input's first line) on it either applies, leaving text that parses, whose
//! undo gives the text back byte for byte, or is refused; nothing panics.
//! `cargo fuzz run edit` (seed it with `graphs/` and `tests/cases/`, an operation such as
//! `connect begin.then say` on the first line).
#![no_main]

use graphrun_edit::{Body, NoInspector, Op, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (op, text) = input.split_once('\n').unwrap_or(("", input));
    assert_eq!(graphrun_edit::syntax::parse(text).root().to_string(), text);
    let Ok(op) = Op::parse(op) else { return };
    let Ok(mut session) = Session::new("fuzz.ron", text, Body::Graph, &NoInspector) else {
        return;
    };
    if session.apply(&op).is_ok() {
        let edited = session.finish();
        assert!(graphrun::format::ron::parse(&edited.text).is_ok());
        assert_eq!(graphrun_edit::undo(&edited.text, &edited.undo).as_deref(), Some(text));
    }
});
