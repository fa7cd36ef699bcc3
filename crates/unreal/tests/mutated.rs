//! The fuzz target's property (`fuzz/fuzz_targets/unreal.rs`) on fixed seeds, so every
//! test run checks it: the repository's own clipboard fixture, cut, spliced and corrupted
//! thousands of ways, is read or refused with a position inside the text, and what is
//! read imports to text that parses and formats; nothing panics.

#[test]
fn mutated_clipboard_text_is_read_or_refused_and_imports_to_a_graph_that_parses() {
    let fixture = include_str!("../../../tests/unreal/begin_play.t3d");
    let bytes = fixture.as_bytes();
    let mut rng = fastrand::Rng::with_seed(31);
    let (mut read, mut refused) = (0, 0);
    for _ in 0..3_000 {
        let mut text = bytes.to_vec();
        for _ in 0..rng.usize(1..6) {
            let at = rng.usize(..text.len());
            match rng.usize(..4) {
                0 => text.truncate(at),
                1 => {
                    let from = rng.usize(..bytes.len());
                    let len = rng.usize(..200).min(bytes.len() - from);
                    text.splice(at..at, bytes[from..from + len].iter().copied());
                }
                2 => text[at] = b"()\",='\\\n "[rng.usize(..9)],
                _ => {
                    let end = (at + rng.usize(..50)).min(text.len());
                    text.drain(at..end);
                }
            }
            if text.is_empty() {
                break;
            }
        }
        let Ok(text) = String::from_utf8(text) else { continue };
        match graphrun_unreal::read(&text) {
            Err(e) => {
                refused += 1;
                assert!(e.at.line as usize <= text.lines().count().max(1) + 1, "{e}");
            }
            Ok(r) => {
                read += 1;
                let imported = graphrun_unreal::import(&r, "mutant", &["Print String"]);
                let formatted = graphrun_edit::fmt::format("m.ron", &imported.text)
                    .unwrap_or_else(|e| panic!("{e}:\n{}", imported.text));
                assert!(
                    graphrun_format::read(&graphrun_format::SourceFile::new("m.ron", &formatted))
                        .0
                        .is_some()
                );
            }
        }
    }
    assert!(read > 100 && refused > 100, "{read} read, {refused} refused");
}
