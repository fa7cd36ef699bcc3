//! What every subcommand that reads a graph does the same way: the registry of the
//! standard and socket libraries, loading a file (or standard input) and reporting its
//! diagnostics.

use std::io::IsTerminal as _;

use graphrun::{Diagnostics, Program, Registry, StandardLibrary};
use graphrun_socket::{SocketConfig, SocketLibrary};

/// The standard library and the socket library with this configuration.
pub fn registry(config: SocketConfig) -> Registry {
    Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build()
}

/// Prints diagnostics: with the source line and a caret on a terminal, one line each otherwise.
pub fn report(diagnostics: &Diagnostics) {
    if diagnostics.is_empty() {
        return;
    }
    let stderr = std::io::stderr();
    if stderr.is_terminal() && diagnostics.emit_rich(true).is_ok() {
        return;
    }
    for line in diagnostics.one_lines() {
        eprintln!("{line}");
    }
}

/// Loads FILE, or standard input for `-`.
pub fn load(registry: &Registry, file: &std::path::Path) -> Option<Program> {
    let loaded = if file.as_os_str() == "-" {
        registry.load_reader("<stdin>", std::io::stdin().lock())
    } else {
        registry.load_file(file)
    };
    report_load(loaded, file)
}

pub fn report_load(loaded: Result<Program, Diagnostics>, file: &std::path::Path) -> Option<Program> {
    match loaded {
        Ok(program) => {
            report(program.warnings());
            Some(program)
        }
        Err(diagnostics) => {
            report(&diagnostics);
            let errors = diagnostics
                .iter()
                .filter(|d| d.severity == graphrun::Severity::Error)
                .count();
            eprintln!("{}: {errors} error(s); the graph did not load", file.display());
            None
        }
    }
}
