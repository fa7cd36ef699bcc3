//! Fuzzes the Unreal clipboard (T3D) reader and the import after it: any text is read or
//! refused with a position inside the text; what is read imports to a graph file that
//! parses and formats; nothing panics. `cargo fuzz run unreal` (seed it with clipboard
//! text copied from Unreal, and `tests/unreal/`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match graphrun_unreal::read(text) {
        Err(e) => {
            let lines = text.lines().count().max(1) as u32;
            assert!(e.at.line >= 1 && e.at.line <= lines + 1, "{e} is outside the text");
        }
        Ok(read) => {
            let imported = graphrun_unreal::import(&read, "fuzz", &["Print String", "Format String"]);
            // The text written is a graph file: it parses, and formatting keeps it.
            let formatted = graphrun_edit::fmt::format("fuzz.ron", &imported.text)
                .unwrap_or_else(|e| panic!("import wrote text that does not parse: {e}\n{}", imported.text));
            assert!(graphrun::format::read(&graphrun::format::SourceFile::new("fuzz.ron", &formatted)).0.is_some());
        }
    }
});
