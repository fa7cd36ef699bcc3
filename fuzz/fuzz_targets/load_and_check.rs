//! Fuzzes loading and checking: any text either loads or is refused with diagnostics whose
//! spans lie inside the text; nothing panics. `cargo fuzz run load_and_check`
//! (seed it with `graphs/` and `tests/cases/`).
#![no_main]

use std::sync::OnceLock;

use graphrun::{Registry, StandardLibrary};
use graphrun_socket::SocketLibrary;
use libfuzzer_sys::fuzz_target;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::builder()
            .install(&StandardLibrary)
            .install(&SocketLibrary::default())
            .build()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(diagnostics) = registry().load_str("fuzz.ron", text) {
        assert!(diagnostics.has_errors());
        for d in diagnostics.iter() {
            assert!(d.span.start <= d.span.end && d.span.end as usize <= text.len());
        }
        for line in diagnostics.one_lines() {
            assert!(line.starts_with("fuzz.ron:"));
        }
    }
});
