//! The `graphrun` command: parses arguments, sets up the runtime, wires Ctrl-C and
//! `--timeout` to stopping the instance, calls the library, and maps the outcome to an exit
//! status. All the logic is in the `graphrun` library.

/// `eprintln!` that does not panic when stderr is closed (`graphrun … 2>&1 | head`): a
/// message nobody reads is not a reason to end a run.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` and `print!` likewise (`graphrun nodes | head`).
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod diff;
mod edit;
mod fmt;
mod graph_test;
mod lsp;
mod merge;
mod render;
mod studio;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use graphrun::{Diagnostics, Instance, Program, Registry, RunOptions, StandardLibrary, StdioHost};
use graphrun_socket::{AccessPolicy, AuthContext, Pattern, SocketConfig, SocketLibrary};

/// The example that `graphrun demo` runs, built in so that it runs from any directory.
const WEBSOCKET_EXAMPLE: &str = include_str!("../graphs/websocket_example.ron");

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
/// Exit status when SIGTERM ended the run.
const EXIT_TERMINATED: u8 = 143;

/// How long EndPlay may run after `--timeout` before it is stopped too.
const ENDPLAY_GRACE: Duration = Duration::from_secs(1);

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
    Run(Box<RunArgs>),
    /// Replays a run recorded with `run --record`, with no network and no waiting: the same
    /// output, errors and exit status, or exit 4 where the run departs from the record.
    Replay {
        /// The record (`RUN.jsonl`).
        record: PathBuf,
        /// Writes each node as it runs, with its pin values, to stderr.
        #[arg(long)]
        trace: bool,
    },
    /// Draws a graph file as an SVG picture.
    Render {
        /// The graph file.
        file: PathBuf,
        /// Where to write the SVG (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "OUT.svg")]
        output: Option<PathBuf>,
        /// Draws the body of this function instead of the event graph.
        #[arg(long, value_name = "NAME")]
        graph: Option<String>,
    },
    /// Serves a page on 127.0.0.1 that draws the graph and runs it under a debugger
    /// (breakpoints, stepping, values on pins); prints its address first.
    Studio(Box<StudioArgs>),
    /// Edits a graph file with the editor's operations, all or nothing, keeping every
    /// other byte as it was (made at the first edit if it does not exist). Exit 0 written,
    /// 2 an operation does not apply (nothing is written).
    #[command(after_help = edit::HELP)]
    Edit {
        /// The graph file.
        file: PathBuf,
        /// An operation and its arguments, quoted as one word: -e 'connect begin.then greet'
        /// (repeatable; applied in order).
        #[arg(short = 'e', long = "edit", value_name = "OP ARGS", required = true)]
        ops: Vec<String>,
        /// Applies the operations to this function's body instead of the event graph.
        #[arg(long, value_name = "NAME", conflicts_with = "macro_name")]
        function: Option<String>,
        /// Applies the operations to this macro's body instead of the event graph.
        #[arg(long = "macro", value_name = "NAME")]
        macro_name: Option<String>,
    },
    /// Compares two graph files as graphs: entries matched by id and name, so reordering,
    /// reformatting and comments show no difference; one change a line, layout last. Exit
    /// 0 the same, 1 different, 2 a file does not parse.
    Diff {
        /// OLD NEW (with --git: the seven arguments git passes an external diff).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Leaves out layout changes (`pos`, comments, comment boxes).
        #[arg(long)]
        no_layout: bool,
        /// Runs as git's external diff driver (`git config diff.graphrun.command "graphrun diff --git"`).
        #[arg(long)]
        git: bool,
        /// Also draws the new event graph to OUT.svg with the change marked: added nodes
        /// and wires of class `added`, changed nodes `changed`, removed ones faded where
        /// they were, `removed`.
        #[arg(long, value_name = "OUT.svg")]
        svg: Option<PathBuf>,
    },
    /// Merges two changes of one graph file by entries, not lines: OURS's text with
    /// THEIRS's changes (from BASE) applied as edits. Exit 0 merged, 1 with conflicts
    /// (OURS's value kept, a `// CONFLICT(graphrun): …` line above each), 2 a file does not
    /// parse. As git's merge driver: `git config merge.graphrun.driver "graphrun merge %O
    /// %A %B -o %A"`.
    Merge {
        /// The common ancestor (an empty or missing file: none).
        base: PathBuf,
        /// Our version; the result is its text with their changes.
        ours: PathBuf,
        /// Their version.
        theirs: PathBuf,
        /// Writes the result here (atomically) instead of printing it.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Writes graph, library and test files in their canonical form, every comment kept;
    /// a folder means the `.ron` files in it; no file formats standard input to standard
    /// output.
    Fmt {
        /// Files and folders.
        #[arg(value_name = "FILE")]
        paths: Vec<PathBuf>,
        /// Writes nothing; exit 1 naming each file that would change.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Prints the formatted files instead of writing them.
        #[arg(long)]
        stdout: bool,
    },
    /// A language server for graph, library and test files (LSP 3.17 over stdin and
    /// stdout), for any editor with an LSP client: diagnostics, completion, hover, go to
    /// definition, references, rename, symbols, formatting and quick fixes.
    Lsp,
    /// Runs graph tests (`*.test.ron`): each in virtual time against scripted servers.
    Test {
        /// Test files or folders to look in (default: the current folder).
        paths: Vec<PathBuf>,
    },
    /// Loads and checks graph files without running them.
    Check {
        /// The graph files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Lists every node type with its pins and their types (with FILE, its functions and
    /// macros first).
    Nodes {
        /// A graph file whose functions and macros (and its imports') to list too.
        file: Option<PathBuf>,
        /// Print JSON, for tools.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the Markdown page of docs/nodes.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Explains a diagnostic code (E0104, W0001, …) with an example.
    Explain {
        /// The code, as a diagnostic shows it.
        code: String,
    },
    /// Serves a WebSocket echo server on loopback until stopped.
    ServeEcho {
        /// The port (0: any free port, printed on start).
        #[arg(long, default_value_t = 9001)]
        port: u16,
    },
    /// Starts a local echo server and runs the WebSocket example graph against it.
    Demo {
        /// The graph to run instead of the built-in graphs/websocket_example.ron (its `Url`
        /// variable is set to the echo server).
        file: Option<PathBuf>,
        /// Writes each node as it runs to stderr.
        #[arg(long)]
        trace: bool,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The graph file (`-`: standard input).
    file: PathBuf,
    /// Overrides a variable's default: NAME=VALUE, VALUE a RON literal of its type.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Stops the run after this many seconds (exit status 3).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Writes what comes into the run from outside to this file, one JSON object a line,
    /// for `graphrun replay`.
    #[arg(long, value_name = "RUN.jsonl")]
    record: Option<PathBuf>,
    /// The record being written (set from `--record`).
    #[arg(skip)]
    recorder: Option<Arc<graphrun_testing::Recorder>>,
    /// Writes each node as it runs, with its pin values, to stderr.
    #[arg(long)]
    trace: bool,
    /// Loop iterations one event may run before it is stopped as a runtime error.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_loop_iterations: u64,
    /// The largest value (a string, JSON, array or map, in bytes of its text) a node may
    /// make; larger is a runtime error at that node.
    #[arg(long, value_name = "BYTES", default_value_t = graphrun::DEFAULT_MAX_VALUE_SIZE)]
    max_value_size: usize,
    /// The seed of the graph's random numbers: the same seed gives the same numbers
    /// (without it, they are seeded from the system).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// At the end, writes the run's peak resident memory and duration to stderr.
    #[arg(long)]
    stats: bool,
    #[command(flatten)]
    socket: SocketArgs,
}

#[derive(clap::Args)]
struct StudioArgs {
    /// The port to serve on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[command(flatten)]
    run: RunArgs,
}

/// The host's decisions for the socket library.
#[derive(clap::Args, Default)]
struct SocketArgs {
    /// Allows connections to URLs matching PATTERN (repeatable); with no --allow or
    /// --policy, only loopback hosts are allowed.
    #[arg(long = "allow", value_name = "PATTERN")]
    allow: Vec<String>,
    /// Reads allowed URL patterns from a RON file: ["wss://*.example.com/api", ...].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Takes the bearer token for Authentication from this environment variable.
    #[arg(long, value_name = "VAR")]
    auth_token_env: Option<String>,
    /// The organization id sent by the Organization, Project and World scopes.
    #[arg(long, value_name = "ID")]
    org_id: Option<String>,
    /// The project id sent by the Project and World scopes.
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,
    /// The world id sent by the World scope.
    #[arg(long, value_name = "ID")]
    world_id: Option<String>,
    /// How long a WebSocket handshake may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    handshake_timeout: f64,
    /// The largest message a connection accepts (larger ones close it with 1009).
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    max_message_size: usize,
}

impl SocketArgs {
    /// The socket library's configuration, or why the arguments do not make one.
    fn config(&self) -> Result<SocketConfig, String> {
        let mut policy = match &self.policy {
            None => AccessPolicy::loopback_only(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("--policy {}: {e}", path.display()))?;
                AccessPolicy::from_ron(&path.display().to_string(), &text)?
            }
        };
        for pattern in &self.allow {
            policy.push(Pattern::parse(pattern).map_err(|e| format!("--allow: {e}"))?);
        }
        let auth = match &self.auth_token_env {
            Some(var) => {
                let token = std::env::var(var)
                    .map_err(|_| format!("--auth-token-env: the environment variable {var} is not set"))?;
                let mut auth = AuthContext::new(token);
                auth.organization_id = self.org_id.clone();
                auth.project_id = self.project_id.clone();
                auth.world_id = self.world_id.clone();
                auth.check().map_err(|e| format!("--auth-token-env {var}: {e}"))?;
                Some(auth)
            }
            None if self.org_id.is_some() || self.project_id.is_some() || self.world_id.is_some() => {
                return Err("--org-id, --project-id and --world-id need --auth-token-env (the bearer token)".into())
            }
            None => None,
        };
        let handshake_timeout = seconds("--handshake-timeout", self.handshake_timeout)?;
        Ok(SocketConfig {
            policy,
            auth,
            handshake_timeout,
            max_message_size: self.max_message_size,
            ..SocketConfig::default()
        })
    }
}

/// The most seconds a duration flag takes: about 31 years.
const MAX_SECONDS: f64 = 1e9;

/// A duration flag's seconds, or what is wrong with them.
fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    if value.is_nan() || value < 0.0 {
        return Err(format!("{flag} takes a number of seconds of 0 or more, not {value}"));
    }
    if value > MAX_SECONDS {
        return Err(format!(
            "{flag} {value:e}: at most {MAX_SECONDS:e} seconds (about 31 years)"
        ));
    }
    Ok(Duration::from_secs_f64(value))
}

/// A seed from the clock, for a record of a run given none.
fn fresh_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// The standard library and the socket library with this configuration.
fn registry(config: SocketConfig) -> Registry {
    Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(match cli.command {
        Command::Diff {
            files,
            no_layout,
            git,
            svg,
        } => diff::diff(&files, !no_layout, git, svg.as_deref()),
        Command::Merge {
            base,
            ours,
            theirs,
            out,
        } => merge::merge(&base, &ours, &theirs, out.as_deref()),
        Command::Lsp => lsp::serve(&registry(SocketConfig::default())),
        Command::Fmt { paths, check, stdout } => fmt::fmt(fmt::FmtArgs { paths, check, stdout }),
        Command::Edit {
            file,
            ops,
            function,
            macro_name,
        } => {
            let body = match (function, macro_name) {
                (Some(f), _) => graphrun_edit::Body::Function(f),
                (None, Some(m)) => graphrun_edit::Body::Macro(m),
                (None, None) => graphrun_edit::Body::Graph,
            };
            edit::edit(&registry(SocketConfig::default()), edit::EditArgs { file, ops, body })
        }
        Command::Run(mut args) => match args.socket.config() {
            Ok(mut config) => {
                if let Some(path) = args.record.clone() {
                    // A record needs the seed, so that a replay draws the same numbers.
                    let seed = *args.seed.get_or_insert_with(fresh_seed);
                    let secrets = config.auth.as_ref().map(|a| a.secrets()).unwrap_or_default();
                    match graphrun_testing::Recorder::create(&path, &args.file, &args.set, seed, secrets) {
                        Ok(recorder) => {
                            config.tap = Some(recorder.clone());
                            args.recorder = Some(recorder);
                        }
                        Err(e) => {
                            eprintln!("error: --record {}: {e}", path.display());
                            return ExitCode::from(EXIT_LOAD_ERROR);
                        }
                    }
                }
                run(&registry(config), *args)
            }
            Err(message) => {
                eprintln!("error: {message}");
                EXIT_LOAD_ERROR
            }
        },
        Command::Studio(args) => studio(*args),
        Command::Check { files } => check(&registry(SocketConfig::default()), &files),
        Command::Test { paths } => graph_test::run_tests(&paths),
        Command::Render { file, output, graph } => {
            let registry = registry(SocketConfig::default());
            let loaded = report_load(registry.load_file_to_draw(&file), &file);
            match loaded.map(|p| render::render(&p, graph.as_deref())) {
                None => EXIT_LOAD_ERROR,
                Some(Err(message)) => {
                    eprintln!("error: {message}");
                    EXIT_LOAD_ERROR
                }
                Some(Ok(svg)) => render::write(&svg, output.as_deref()),
            }
        }
        Command::Replay { record, trace } => graph_test::replay(&record, trace),
        Command::ServeEcho { port } => serve_echo(port),
        Command::Demo { file, trace } => demo(file, trace),
        Command::Nodes { file, json, markdown } => nodes(file.as_deref(), json, markdown),
        Command::Explain { code } => explain(&code),
    })
}

/// `graphrun studio`: the run options each run of the page gets.
fn studio(args: StudioArgs) -> u8 {
    let run = args.run;
    let refused = [
        (run.record.is_some(), "--record"),
        (run.stats, "--stats"),
        (run.file.as_os_str() == "-", "a graph from standard input (-)"),
    ];
    if let Some((_, what)) = refused.iter().find(|(given, _)| *given) {
        eprintln!("error: graphrun studio does not take {what}: it runs the file from disk, again at each Run");
        return EXIT_LOAD_ERROR;
    }
    let config = match run.socket.config() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_LOAD_ERROR;
        }
    };
    let timeout = match run.timeout.map(|t| seconds("--timeout", t)).transpose() {
        Ok(timeout) => timeout,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_LOAD_ERROR;
        }
    };
    studio::studio(studio::Settings {
        file: run.file,
        port: args.port,
        set: run.set,
        timeout,
        options: RunOptions {
            max_loop_iterations: run.max_loop_iterations,
            max_value_size: run.max_value_size,
            seed: run.seed,
            ..RunOptions::default()
        },
        trace: run.trace,
        config,
    })
}

/// The diagnostic codes explained, with an example each: the page a test checks.
pub(crate) const DIAGNOSTICS_PAGE: &str = include_str!("../docs/diagnostics.md");

/// Prints the section of docs/diagnostics.md about `code`.
fn explain(code: &str) -> u8 {
    let code = code.trim().to_ascii_uppercase();
    match graphrun::format::explanation(DIAGNOSTICS_PAGE, &code) {
        Some(text) => {
            print!("{text}");
            EXIT_OK
        }
        None => {
            let known: Vec<&str> = graphrun::format::codes::ALL.iter().map(|(c, _)| *c).collect();
            eprintln!("error: no diagnostic code `{code}`; the codes are {}", known.join(", "));
            EXIT_LOAD_ERROR
        }
    }
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

/// Loads FILE, or standard input for `-`.
fn load(registry: &Registry, file: &std::path::Path) -> Option<Program> {
    let loaded = if file.as_os_str() == "-" {
        registry.load_reader("<stdin>", std::io::stdin().lock())
    } else {
        registry.load_file(file)
    };
    report_load(loaded, file)
}

fn report_load(loaded: Result<Program, Diagnostics>, file: &std::path::Path) -> Option<Program> {
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

/// `graphrun nodes [FILE]`: the node listing, with FILE's functions and macros first.
fn nodes(file: Option<&std::path::Path>, json: bool, markdown: bool) -> u8 {
    let registry = registry(SocketConfig::default());
    let Some(file) = file else {
        if json {
            println!("{}", graphrun::node_listing_json(&registry));
        } else if markdown {
            print!("{}", graphrun::node_listing_markdown(&registry));
        } else {
            print!("{}", graphrun::node_listing_text(&registry));
        }
        return EXIT_OK;
    };
    let Some(program) = load(&registry, file) else {
        return EXIT_LOAD_ERROR;
    };
    if json {
        println!("{}", graphrun::program_listing_json(&program));
    } else if markdown {
        print!("{}", graphrun::program_listing_markdown(&program));
    } else {
        print!("{}", graphrun::program_listing_text(&program));
    }
    EXIT_OK
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

/// The async runtime a run uses: one thread, shared by the instance and its connections'
/// tasks. Measured as users run it (`scripts/compare.sh process`), the echo benchmark
/// takes 1.18 s on one thread against 1.47–2.38 s on tokio's multi-threaded runtime,
/// where every message crosses threads between its connection's task and the instance.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

/// The number of open file descriptors, where the system lists them (Linux).
fn open_fds() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

/// The process's peak resident memory (VmHWM), where the system reports it (Linux).
fn peak_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn serve_echo(port: u16) -> u8 {
    let Some(runtime) = runtime() else {
        return EXIT_RUNTIME_ERROR;
    };
    runtime.block_on(async {
        match graphrun_socket::echo::bind(([127, 0, 0, 1], port).into()).await {
            Ok((addr, server)) => {
                println!("echo server on ws://{addr}/ (Ctrl-C stops it)");
                tokio::select! {
                    _ = server => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                EXIT_OK
            }
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
                EXIT_RUNTIME_ERROR
            }
        }
    })
}

/// Starts an echo server on a free loopback port and runs the example against it.
fn demo(file: Option<PathBuf>, trace: bool) -> u8 {
    let Some(runtime) = runtime() else {
        return EXIT_RUNTIME_ERROR;
    };
    let bound = runtime.block_on(graphrun_socket::echo::bind(([127, 0, 0, 1], 0).into()));
    let (addr, server) = match bound {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("error: cannot start the echo server: {e}");
            return EXIT_RUNTIME_ERROR;
        }
    };
    runtime.spawn(server);
    let registry = registry(SocketConfig::default());
    let (name, loaded) = match &file {
        Some(path) => (path.clone(), registry.load_file(path)),
        None => {
            let name = PathBuf::from("graphs/websocket_example.ron");
            let loaded = registry.load_str(&name.display().to_string(), WEBSOCKET_EXAMPLE);
            (name, loaded)
        }
    };
    let Some(program) = report_load(loaded, &name) else {
        return EXIT_LOAD_ERROR;
    };
    if program.variable_index("Url").is_none() {
        eprintln!(
            "error: graphrun demo sets the graph's `Url` variable to the echo server's address, but {} has no `Url` variable (add \"Url\": (type: String))",
            name.display()
        );
        return EXIT_LOAD_ERROR;
    }
    eprintln!("graphrun demo: echo server on ws://{addr}/; running {}", name.display());
    let args = RunArgs {
        file: name,
        set: vec![format!("Url=ws://{addr}/")],
        timeout: Some(60.0),
        record: None,
        recorder: None,
        trace,
        max_loop_iterations: 1_000_000,
        max_value_size: graphrun::DEFAULT_MAX_VALUE_SIZE,
        seed: None,
        stats: false,
        socket: SocketArgs::default(),
    };
    run_program(runtime, program, &args)
}

fn run(registry: &Registry, args: RunArgs) -> u8 {
    let Some(program) = load(registry, &args.file) else {
        return EXIT_LOAD_ERROR;
    };
    let Some(runtime) = runtime() else {
        return EXIT_RUNTIME_ERROR;
    };
    run_program(runtime, program, &args)
}

/// Stops the instance on Ctrl-C (SIGINT) or SIGTERM, each time one comes: the first ends
/// the running chain and starts EndPlay, a second one ends EndPlay too. Records the exit
/// status the signal gives (130 or 143). The signals are waited for on a thread of their
/// own (the run's runtime has one thread, which a long chain keeps busy), and the handlers
/// are in place when this returns, so a signal that comes as soon as the graph starts
/// counts.
fn stop_on_signals(
    handle: graphrun::InstanceHandle,
    signalled: Arc<AtomicU8>,
    recorder: Option<Arc<graphrun_testing::Recorder>>,
) {
    let stop = move |status: u8| {
        let first = signalled
            .compare_exchange(0, status, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if let (true, Some(recorder)) = (first, &recorder) {
            recorder.entry(serde_json::json!({"stop": status}));
        }
        handle.stop();
    };
    let (ready, installed) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("graphrun-signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                let _ = ready.send(false);
                return;
            };
            rt.block_on(async move {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    let (Ok(mut interrupt), Ok(mut terminate)) =
                        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
                    else {
                        let _ = ready.send(false);
                        return;
                    };
                    let _ = ready.send(true);
                    loop {
                        tokio::select! {
                            _ = interrupt.recv() => stop(EXIT_INTERRUPTED),
                            _ = terminate.recv() => stop(EXIT_TERMINATED),
                        }
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = ready.send(true);
                    while tokio::signal::ctrl_c().await.is_ok() {
                        stop(EXIT_INTERRUPTED);
                    }
                }
            });
        });
    if thread.is_err() || installed.recv() != Ok(true) {
        eprintln!("warning: cannot listen for Ctrl-C and SIGTERM");
    }
}

fn run_program(runtime: tokio::runtime::Runtime, program: Program, args: &RunArgs) -> u8 {
    let options = RunOptions {
        max_loop_iterations: args.max_loop_iterations,
        max_value_size: args.max_value_size,
        trace: args.trace,
        seed: args.seed,
        ..RunOptions::default()
    };
    let host: Arc<dyn graphrun::Host> = match &args.recorder {
        Some(recorder) => Arc::new(graphrun_testing::RecordingHost {
            recorder: recorder.clone(),
            host: Arc::new(StdioHost),
        }),
        None => Arc::new(StdioHost),
    };
    let mut instance = Instance::with_options(&program, host, options);
    for setting in &args.set {
        let Some((name, text)) = setting.split_once('=') else {
            eprintln!("error: --set {setting}: expected NAME=VALUE");
            return EXIT_LOAD_ERROR;
        };
        let value = program
            .parse_variable_value(name, text)
            .and_then(|v| instance.set_variable(name, v).map_err(|e| e.to_string()));
        if let Err(message) = value {
            eprintln!("error: --set {setting}: {message}");
            return EXIT_LOAD_ERROR;
        }
    }
    let timeout = match args.timeout.map(|t| seconds("--timeout", t)) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(message)) => {
            eprintln!("error: {message}");
            return EXIT_LOAD_ERROR;
        }
    };
    let started = std::time::Instant::now();
    let timed_out = Arc::new(AtomicBool::new(false));
    let signalled = Arc::new(AtomicU8::new(0));
    stop_on_signals(instance.handle(), signalled.clone(), args.recorder.clone());
    // Counted once the signal thread holds its own descriptors.
    let fds_at_start = open_fds();
    if let Some(timeout) = timeout {
        // Wall-clock time, on a thread of its own: nothing the graph does can delay it.
        // EndPlay then gets a second; a stop after that ends it too.
        let (handle, timed_out) = (instance.handle(), timed_out.clone());
        let recorder = args.recorder.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            timed_out.store(true, Ordering::SeqCst);
            if let Some(recorder) = recorder {
                recorder.entry(serde_json::json!({"stop": "timeout"}));
            }
            loop {
                handle.stop();
                std::thread::sleep(ENDPLAY_GRACE);
            }
        });
    }
    let (report, tasks_alive) = runtime.block_on(async {
        let report = instance.run().await;
        // Tasks that ended a moment ago may not be counted out yet: give them 100 ms.
        let metrics = tokio::runtime::Handle::current().metrics();
        for _ in 0..100 {
            if metrics.num_alive_tasks() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        (report, metrics.num_alive_tasks())
    });
    let fds_at_end = open_fds();
    runtime.shutdown_timeout(Duration::from_millis(100));
    if args.stats {
        let peak = peak_resident_kib().map_or("unknown".to_string(), |kib| format!("{kib} KiB"));
        eprintln!("stats: peak resident memory {peak}");
        if let (Some(start), Some(end)) = (fds_at_start, fds_at_end) {
            eprintln!(
                "stats: open file descriptors at the end: {:+} since the start",
                end as i64 - start as i64
            );
        }
        eprintln!("stats: tasks still alive at the end: {tasks_alive}");
        eprintln!("stats: most objects alive at once: {}", report.peak_objects);
        eprintln!("stats: ran for {:.3} s", started.elapsed().as_secs_f64());
    }
    let status = if timed_out.load(Ordering::SeqCst) && report.outcome == graphrun::Outcome::Stopped {
        eprintln!(
            "graphrun: --timeout of {}s reached; the run was stopped",
            args.timeout.unwrap_or_default()
        );
        EXIT_TIMEOUT
    } else if signalled.load(Ordering::SeqCst) != 0 && report.outcome == graphrun::Outcome::Stopped {
        signalled.load(Ordering::SeqCst)
    } else if report.runtime_errors > 0 {
        EXIT_RUNTIME_ERROR
    } else {
        EXIT_OK
    };
    if let Some(recorder) = &args.recorder {
        recorder.finish(status);
    }
    status
}
