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

mod cli;
mod diff;
mod edit;
mod exit;
mod fmt;
mod graph_test;
mod live;
mod loading;
mod merge;
mod studio;
mod swarm;
mod unreal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use cli::{seconds, Cli, Command, InstanceArgs, RunArgs, SocketArgs, StudioArgs};
use graphrun::{Instance, Program, Registry, StdioHost};
use graphrun_socket::SocketConfig;

use exit::*;
use loading::{load, registry, report_load};

/// The example that `graphrun demo` runs, built in so that it runs from any directory.
const WEBSOCKET_EXAMPLE: &str = include_str!("../graphs/websocket_example.ron");

/// How long EndPlay may run after `--timeout` before it is stopped too.
const ENDPLAY_GRACE: Duration = Duration::from_secs(1);

/// A seed from the clock, for a record of a run given none.
fn fresh_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
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
        Command::Lsp => graphrun_lsp::serve(&registry(SocketConfig::default()), DIAGNOSTICS_PAGE),
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
                    let seed = *args.instance.seed.get_or_insert_with(fresh_seed);
                    let secrets = config.auth.as_ref().map(|a| a.secrets()).unwrap_or_default();
                    match graphrun_testing::Recorder::create(&path, &args.file, &args.instance.set, seed, secrets) {
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
        Command::Swarm(args) => swarm::command(*args),
        Command::Check { files } => check(&registry(SocketConfig::default()), &files),
        Command::Test { paths } => graph_test::run_tests(&paths),
        Command::Render { file, output, graph } => {
            let registry = registry(SocketConfig::default());
            let loaded = report_load(registry.load_file_to_draw(&file), &file);
            match loaded.map(|p| graphrun_render::render(&p, graph.as_deref())) {
                None => EXIT_LOAD_ERROR,
                Some(Err(message)) => {
                    eprintln!("error: {message}");
                    EXIT_LOAD_ERROR
                }
                Some(Ok(svg)) => write_svg(&svg, output.as_deref()),
            }
        }
        Command::Import { file, output } => unreal::import(&file, output.as_deref()),
        Command::Export {
            file,
            unreal: _,
            function,
            output,
        } => unreal::export(&file, function.as_deref(), output.as_deref()),
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
        (run.instance.stats, "--stats"),
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
    let timeout = match run.instance.timeout.map(|t| seconds("--timeout", t)).transpose() {
        Ok(timeout) => timeout,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_LOAD_ERROR;
        }
    };
    // A --set the graph cannot take is said now, not at the first Run (the file may change
    // later: each Run checks again, and says so on the page).
    if let Ok(program) = registry(SocketConfig::default()).load_file(&run.file) {
        if let Err(message) = crate::cli::settings(&run.instance.set, &program) {
            eprintln!("error: {message}");
            return EXIT_LOAD_ERROR;
        }
    }
    studio::studio(studio::Settings {
        file: run.file,
        port: args.port,
        options: run.instance.options(false),
        set: run.instance.set,
        timeout,
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
    status_kib("VmHWM:")
}

/// The process's resident memory now (VmRSS), where the system reports it (Linux).
fn resident_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
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
        instance: InstanceArgs {
            set: vec![format!("Url=ws://{addr}/")],
            timeout: Some(60.0),
            max_loop_iterations: 1_000_000,
            max_value_size: graphrun::DEFAULT_MAX_VALUE_SIZE,
            seed: None,
            stats: false,
        },
        record: None,
        recorder: None,
        trace,
        watch: false,
        no_intrinsics: false,
        socket: SocketArgs::default(),
    };
    run_program(runtime, program, &args, None)
}

fn run(registry: &Registry, args: RunArgs) -> u8 {
    let loaded = match args.no_intrinsics {
        true if args.file.as_os_str() != "-" => {
            report_load(registry.load_file_without_intrinsics(&args.file), &args.file)
        }
        _ => load(registry, &args.file),
    };
    let Some(program) = loaded else {
        return EXIT_LOAD_ERROR;
    };
    if args.watch && args.file.as_os_str() == "-" {
        eprintln!("error: --watch needs a file to watch, not standard input");
        return EXIT_LOAD_ERROR;
    }
    let Some(runtime) = runtime() else {
        return EXIT_RUNTIME_ERROR;
    };
    run_program(runtime, program, &args, args.watch.then_some(registry))
}

/// `run --watch`: each change of the file that checks is swapped into the instance
/// `handle` reaches, at its next event boundary; what was reset, or why a change was not
/// applied, is said on stderr, and a record notes each swap (its text) as it is asked for.
async fn watch_file(
    file: std::path::PathBuf,
    mut live: live::Live,
    mut handle: graphrun::InstanceHandle,
    recorder: Option<Arc<graphrun_testing::Recorder>>,
) {
    let (watcher, mut changed) = live::watch(&file);
    let watcher = watcher
        .map_err(|e| eprintln!("graphrun: {e}; looking at it every second"))
        .ok();
    let mut look = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            Some(()) = changed.recv() => {}
            _ = look.tick(), if watcher.is_none() => {}
        }
        // An editor's save is often several writes: the last one counts.
        tokio::time::sleep(Duration::from_millis(50)).await;
        while changed.try_recv().is_ok() {}
        let note = |text: &str| {
            if let Some(recorder) = &recorder {
                recorder.entry(serde_json::json!({"swap": text}));
            }
        };
        match live.apply(&mut handle, note).await {
            live::Applied::Unchanged => {}
            live::Applied::Swapped(swapped) => {
                eprintln!("graphrun: {} {}", file.display(), live::applied_line(&swapped))
            }
            live::Applied::NotChecked(diagnostics) => {
                loading::report(&diagnostics);
                eprintln!(
                    "graphrun: {} changed but does not check: not applied; the run goes on with the program it had",
                    file.display()
                );
            }
            live::Applied::Refused(reason) => eprintln!("graphrun: {} not applied: {reason}", file.display()),
            live::Applied::Ended => return,
        }
    }
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

/// Runs `program` as `args` say; with `watch` (the registry to check the file's changes
/// with), live editing is on.
fn run_program(runtime: tokio::runtime::Runtime, program: Program, args: &RunArgs, watch: Option<&Registry>) -> u8 {
    let options = args.instance.options(args.trace);
    let host: Arc<dyn graphrun::Host> = match &args.recorder {
        Some(recorder) => Arc::new(graphrun_testing::RecordingHost {
            recorder: recorder.clone(),
            host: Arc::new(StdioHost),
        }),
        None => Arc::new(StdioHost),
    };
    let mut instance = Instance::with_options(&program, host, options);
    let set = cli::settings(&args.instance.set, &program).and_then(|settings| {
        settings.into_iter().try_for_each(|(name, value)| {
            instance
                .set_variable(&name, value)
                .map_err(|e| format!("--set {name}: {e}"))
        })
    });
    if let Err(message) = set {
        eprintln!("error: {message}");
        return EXIT_LOAD_ERROR;
    }
    let timeout = match args.instance.timeout.map(|t| seconds("--timeout", t)) {
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
    if let (Some(_), Some(recorder)) = (watch, &args.recorder) {
        // The file will change: the record keeps the text the run starts with.
        recorder.entry(serde_json::json!({"text": program.source().text()}));
    }
    let watching = watch.map(|registry| {
        let live = live::Live::new(&args.file, registry.clone(), program.source().text().to_string());
        runtime.spawn(watch_file(
            args.file.clone(),
            live,
            instance.handle(),
            args.recorder.clone(),
        ))
    });
    let (report, tasks_alive) = runtime.block_on(async {
        let report = instance.run().await;
        if let Some(watching) = watching {
            watching.abort();
        }
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
    if args.instance.stats {
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
            args.instance.timeout.unwrap_or_default()
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

/// Writes a picture to `out` (or stdout); the exit status.
fn write_svg(svg: &str, out: Option<&std::path::Path>) -> u8 {
    match out {
        None => {
            print!("{svg}");
            EXIT_OK
        }
        Some(path) => match std::fs::write(path, svg) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                EXIT_RUNTIME_ERROR
            }
        },
    }
}
