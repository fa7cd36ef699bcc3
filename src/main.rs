//! The `graphrun` command: parses arguments, sets up the runtime, wires Ctrl-C and
//! `--timeout` to stopping the instance, calls the library, and maps the outcome to an exit
//! status. All the logic is in the `graphrun` library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use graphrun::{Diagnostics, Instance, Program, Registry, RunOptions, StdioHost};

/// Exit status when the run ended normally.
const EXIT_OK: u8 = 0;
/// Exit status when a runtime error happened.
const EXIT_RUNTIME_ERROR: u8 = 1;
/// Exit status when the file did not load (or the command line was wrong).
const EXIT_LOAD_ERROR: u8 = 2;
/// Exit status when `--timeout` ended the run.
const EXIT_TIMEOUT: u8 = 3;
/// Exit status when Ctrl-C ended the run.
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser)]
#[command(
    name = "graphrun",
    version,
    about = "Runs Blueprint-style node graphs written as RON files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs one instance of a graph.
    Run(RunArgs),
    /// Loads and checks graph files without running them.
    Check {
        /// The graph files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Lists every node type with its pins and their types.
    Nodes {
        /// Print JSON, for tools.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The graph file.
    file: PathBuf,
    /// Overrides a variable's default: NAME=VALUE, VALUE a RON literal of its type.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Stops the run after this many seconds (exit status 3).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Writes each node as it runs, with its pin values, to stderr.
    #[arg(long)]
    trace: bool,
    /// Loop iterations one event may run before it is stopped as a runtime error.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_loop_iterations: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let registry = Registry::standard();
    ExitCode::from(match cli.command {
        Command::Run(args) => run(&registry, args),
        Command::Check { files } => check(&registry, &files),
        Command::Nodes { json } => {
            if json {
                println!("{}", graphrun::node_listing_json(&registry));
            } else {
                print!("{}", graphrun::node_listing_text(&registry));
            }
            EXIT_OK
        }
    })
}

/// Prints diagnostics: with the source line and a caret on a terminal, one line each otherwise.
fn report(diagnostics: &Diagnostics) {
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

fn load(registry: &Registry, file: &PathBuf) -> Option<Program> {
    match registry.load_file(file) {
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

fn check(registry: &Registry, files: &[PathBuf]) -> u8 {
    let mut status = EXIT_OK;
    for file in files {
        if load(registry, file).is_none() {
            status = EXIT_LOAD_ERROR;
        }
    }
    status
}

fn run(registry: &Registry, args: RunArgs) -> u8 {
    let Some(program) = load(registry, &args.file) else {
        return EXIT_LOAD_ERROR;
    };
    let options = RunOptions {
        max_loop_iterations: args.max_loop_iterations,
        trace: args.trace,
        ..RunOptions::default()
    };
    let mut instance = Instance::with_options(&program, Arc::new(StdioHost), options);
    for setting in &args.set {
        let Some((name, text)) = setting.split_once('=') else {
            eprintln!("error: --set {setting}: expected NAME=VALUE");
            return EXIT_LOAD_ERROR;
        };
        let value = program
            .parse_variable_value(name, text)
            .and_then(|v| instance.set_variable(name, v).map_err(|e| e.0));
        if let Err(message) = value {
            eprintln!("error: --set {setting}: {message}");
            return EXIT_LOAD_ERROR;
        }
    }
    let timeout = match args.timeout.map(Duration::try_from_secs_f64) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => {
            eprintln!("error: --timeout takes a number of seconds of 0 or more");
            return EXIT_LOAD_ERROR;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_RUNTIME_ERROR;
        }
    };
    let timed_out = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    let report = runtime.block_on(async {
        let handle = instance.handle();
        if let Some(timeout) = timeout {
            let (handle, timed_out) = (handle.clone(), timed_out.clone());
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                timed_out.store(true, Ordering::SeqCst);
                handle.stop();
            });
        }
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                handle.stop();
            }
        });
        instance.run().await
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
    if timed_out.load(Ordering::SeqCst) && report.outcome == graphrun::Outcome::Stopped {
        eprintln!(
            "graphrun: --timeout of {}s reached; the run was stopped",
            args.timeout.unwrap_or_default()
        );
        EXIT_TIMEOUT
    } else if interrupted.load(Ordering::SeqCst) && report.outcome == graphrun::Outcome::Stopped {
        EXIT_INTERRUPTED
    } else if report.runtime_errors > 0 {
        EXIT_RUNTIME_ERROR
    } else {
        EXIT_OK
    }
}
