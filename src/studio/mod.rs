//! `graphrun studio FILE [the options of run] [--port P]`: the graph drawn in a page served
//! on loopback, and a debugger on it. `http.rs` serves the page and its WebSocket (token
//! and loopback rules), `session.rs` keeps what the pages are shown, `debugger.rs` is the
//! run's observer (breakpoints, pause, step, values on pins), host and tap, `drawer.rs`
//! draws the file on a thread of its own. This file starts and stops runs as the page asks
//! and asks for a drawing when the file changes.

mod debugger;
mod drawer;
mod editor;
mod http;
mod protocol;
mod session;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use graphrun::{Instance, InstanceHandle, Registry, RunOptions, Tracer};
use graphrun_socket::SocketConfig;
use serde_json::Value as Json;

use debugger::{Debugger, StudioHost, StudioTap};
use drawer::{Ask, Drawer};
use editor::Editor;
use protocol::Action;
use session::{Page, RunControl, RunState, Session};

/// How often the pages get what ran.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// How often an ended run's thread is joined, and how often the file is looked at where it
/// cannot be watched.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// What `graphrun studio` was given: the file, and what each run gets.
pub struct Settings {
    pub file: PathBuf,
    pub port: u16,
    /// `--set NAME=VALUE`, applied to each run.
    pub set: Vec<String>,
    pub timeout: Option<Duration>,
    pub options: RunOptions,
    pub trace: bool,
    pub config: SocketConfig,
}

/// A run going on: its handle, its controls, and whether it has ended.
struct Running {
    handle: InstanceHandle,
    control: Arc<RunControl>,
    ended: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
    /// Tells the run's live editing that the file changed.
    edits: tokio::sync::mpsc::UnboundedSender<()>,
}

impl Running {
    /// The file changed: with live editing on, the run takes it if it checks.
    fn file_changed(&self, session: &Session) {
        if session.is_live() && !self.ended.load(Ordering::SeqCst) {
            let _ = self.edits.send(());
        }
    }
}

/// Serves the studio until Ctrl-C or SIGTERM; the exit status.
pub fn studio(settings: Settings) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let status = runtime.block_on(serve(settings));
    // What is still running (a page's batch being made) is not waited for.
    runtime.shutdown_background();
    status
}

async fn serve(settings: Settings) -> u8 {
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", settings.port);
            return 1;
        }
    };
    let token: Arc<str> = match session::fresh_token() {
        Ok(token) => token.into(),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    // Listening before the address is out: a signal that comes right after it counts.
    let signals = Signals::listen();
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(settings.port);
    println!("http://127.0.0.1:{port}/?token={token}");
    eprintln!(
        "graphrun studio: {} (open the address above; Ctrl-C stops)",
        settings.file.display()
    );
    let session = Session::new();
    let (actions, mut asked) = tokio::sync::mpsc::unbounded_channel();
    let title: Arc<str> = settings.file.display().to_string().into();
    let server = tokio::spawn(http::serve(listener, token, session.clone(), actions, title));
    let flusher = {
        let session = session.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FLUSH_EVERY);
            loop {
                every.tick().await;
                session.flush();
            }
        })
    };
    let (watcher, mut changed) = crate::live::watch(&settings.file);
    let watcher = watcher
        .map_err(|e| eprintln!("graphrun studio: {e}; looking at it every second"))
        .ok();
    let registry = crate::loading::registry(settings.config.clone());
    let inspector = graphrun_inspect::RegistryInspector::new(&registry, &settings.file.display().to_string());
    session.set_palette(palette(&registry));
    let drawer = Drawer::start(settings.file.clone(), settings.config.clone(), session.clone());
    let mut editor = Editor::new(settings.file.clone());
    let mut running: Option<Running> = None;
    let mut look = tokio::time::interval(LOOK_EVERY);
    let stop = signals.recv();
    tokio::pin!(stop);
    // SIGTERM ends the studio within a second whatever the loop below is doing: should it
    // be busy (an edit or a run's load of a huge file; drawing is on a thread of its own)
    // when a signal comes, this ends the process itself. It
    // runs on a thread and a runtime of its own, so that nothing busy can hold it up.
    let noticed = Arc::new(AtomicBool::new(false));
    {
        let noticed = noticed.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                Signals::listen().recv().await;
                tokio::time::sleep(Duration::from_millis(500)).await;
                // Nothing is written on the way out: the busy loop may hold stderr.
                if !noticed.load(Ordering::SeqCst) {
                    std::process::exit(0);
                }
                // Taken: the run's EndPlay has its second; past that, the end is forced.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                std::process::exit(0);
            });
        });
    }
    loop {
        tokio::select! {
            Some(asked) = asked.recv() => {
                let (action, page, held) = match asked {
                    http::Asked::Action(action, page, held) => (action, page, held),
                    http::Asked::Left(page) => {
                        editor.forget(page);
                        continue;
                    }
                };
                let written = act(&settings, &session, &mut running, &mut editor, &inspector, page, action);
                // Done: its bytes are free for the pages' next actions.
                drop(held);
                if written {
                    // On disk now; drawn now, not when the watcher reports the write.
                    session.set_saved(editor.saved);
                    drawer.ask(Ask::Now);
                    if let Some(run) = &running {
                        run.file_changed(&session);
                    }
                }
            }
            Some(()) = changed.recv() => {
                // A change made elsewhere (another editor, git): drawn if it changed the text.
                drawer.ask(Ask::IfChanged);
                if let Some(run) = &running {
                    run.file_changed(&session);
                }
            }
            _ = look.tick() => {
                if watcher.is_none() {
                    drawer.ask(Ask::IfChanged);
                }
                if running.as_ref().is_some_and(|r| r.ended.load(Ordering::SeqCst)) {
                    if let Some(run) = running.take() {
                        let _ = run.thread.join();
                    }
                }
            }
            () = &mut stop => {
                noticed.store(true, Ordering::SeqCst);
                break;
            }
        }
    }
    if let Some(run) = running.take() {
        run.control.stopping.store(true, Ordering::SeqCst);
        run.handle.stop();
        // EndPlay gets a second, as after `run --timeout`; then it is stopped too.
        for _ in 0..20 {
            if run.ended.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        run.handle.stop();
    }
    server.abort();
    flusher.abort();
    0
}

/// Ctrl-C and SIGTERM, listened for from when this is called.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
                (Ok(interrupt), Ok(terminate)) => Some((interrupt, terminate)),
                _ => None,
            };
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Resolves on the first one.
    async fn recv(self) {
        #[cfg(unix)]
        if let Some((mut interrupt, mut terminate)) = self.streams {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What the palette and the pickers offer: every node type of the registry, with its
/// category, doc and pins, and every class (`graphrun nodes --json`).
fn palette(registry: &Registry) -> Json {
    graphrun::node_listing_json(registry)
}

/// Each diagnostic with its one-line text and the node it is on, where it is on one (a node
/// of the graph, a function or a macro of the file itself).
fn diagnostics(found: &graphrun::Diagnostics) -> Vec<protocol::DiagnosticEntry> {
    if found.is_empty() {
        return Vec::new();
    }
    let (written, _) = graphrun::format::read(found.file());
    let mut bodies: Vec<(Option<&str>, &[graphrun::format::NodeDecl])> = Vec::new();
    if let Some(written) = &written {
        bodies.push((None, &written.nodes));
        bodies.extend(
            written
                .functions
                .iter()
                .map(|f| (Some(f.name.value.as_str()), &f.nodes[..])),
        );
        bodies.extend(
            written
                .macros
                .iter()
                .map(|m| (Some(m.name.value.as_str()), &m.nodes[..])),
        );
    }
    found
        .iter()
        .map(|d| {
            let on = bodies.iter().find_map(|(graph, nodes)| {
                nodes
                    .iter()
                    .find(|n| n.span.start <= d.span.start && d.span.end <= n.span.end)
                    .map(|n| (*graph, n.id.value.as_str()))
            });
            protocol::DiagnosticEntry {
                severity: if d.severity == graphrun::Severity::Error {
                    "error"
                } else {
                    "warning"
                },
                code: d.code,
                text: d.one_line(found.file()),
                graph: on.and_then(|(g, _)| g.map(str::to_string)),
                node: on.map(|(_, n)| n.to_string()),
            }
        })
        .collect()
}

/// Tells the page how an edit went: the ids it printed, or why it was refused; whether the
/// file was written.
fn edited(session: &Session, page: Page, result: Result<editor::Edited, String>) -> bool {
    match result {
        Ok(made) => {
            session.edited(&page, &made.printed, &made.names);
            true
        }
        Err(message) => {
            session.refused(&page, &message);
            false
        }
    }
}

/// Does what the page asked; whether the file was written.
fn act(
    settings: &Settings,
    session: &Arc<Session>,
    running: &mut Option<Running>,
    editor: &mut Editor,
    inspector: &graphrun_inspect::RegistryInspector<'_>,
    page: Page,
    action: Action,
) -> bool {
    let live = running.as_ref().filter(|r| !r.ended.load(Ordering::SeqCst));
    match action {
        Action::Run => {
            if live.is_some() {
                session.log("warning", "a run is going on: stop it first");
                return false;
            }
            if let Some(run) = running.take() {
                let _ = run.thread.join();
            }
            *running = start(settings, session, page);
        }
        Action::Live { on } => {
            session.set_live(on);
            // Turned on: what changed while it was off is taken now.
            if let Some(run) = running.as_ref().filter(|_| on) {
                run.file_changed(session);
            }
        }
        Action::Stop => {
            if let Some(run) = live {
                run.control.stopping.store(true, Ordering::SeqCst);
                run.handle.stop();
            }
        }
        Action::Pause => {
            if let Some(run) = live.filter(|_| session.run_state() == RunState::Running) {
                // A chain running now pauses before its next node (the observer says so,
                // naming it); an idle instance holds between events.
                run.control.go_on(Some(usize::MAX));
                let (handle, session) = (run.handle.clone(), session.clone());
                tokio::spawn(async move {
                    if handle.pause().await.is_ok() {
                        // What ran before the pause reaches the page before the pause.
                        session.flush();
                        if session.run_state() == RunState::Running {
                            session.set_state(RunState::Paused, None);
                        }
                    }
                });
            }
        }
        Action::Continue | Action::Step | Action::StepOver | Action::StepOut => {
            if let Some(run) = live.filter(|_| session.run_state() == RunState::Paused) {
                // Where the next pause may be: Step, anywhere; Step Over, not inside a call
                // the node makes; Step Out, only once the function paused in has returned.
                let depth = run.control.paused_depth.load(Ordering::SeqCst);
                run.control.go_on(match action {
                    Action::Step => Some(usize::MAX),
                    Action::StepOver => Some(depth),
                    Action::StepOut => depth.checked_sub(1),
                    _ => None,
                });
                session.set_state(RunState::Running, None);
                run.handle.resume();
            }
        }
        Action::Breakpoint { graph, node } => session.toggle_breakpoint(&page, (graph, node)),
        // Editing never touches a run: a run keeps the program it started with.
        Action::Edit { graph, ops } => {
            let ops: Vec<Vec<graphrun_edit::batch::Word>> = ops
                .into_iter()
                .map(|words| words.into_iter().map(Into::into).collect())
                .collect();
            return edited(session, page, editor.edit(page, inspector, graph.as_deref(), &ops));
        }
        Action::Fits { ty, output, candidates } => match fitting(inspector.registry(), &ty, output, &candidates) {
            Ok(pins) => session.fitting(&page, &ty, output, &pins),
            Err(message) => session.refused(&page, &message),
        },
        Action::Copy { graph, nodes, purpose } if purpose.as_deref() == Some("unreal") => {
            match editor.unreal_copy(inspector, graph.as_deref(), &nodes) {
                Ok(text) => session.copied(&page, &text, purpose.as_deref()),
                Err(message) => session.refused(&page, &message),
            }
        }
        Action::Copy { graph, nodes, purpose } => {
            let placed: Vec<(String, Option<(i64, i64)>)> =
                nodes.into_iter().map(|(id, x, y)| (id, Some((x, y)))).collect();
            match editor.copy(graph.as_deref(), &placed) {
                Ok(text) => session.copied(&page, &text, purpose.as_deref()),
                Err(message) => session.refused(&page, &message),
            }
        }
        Action::PasteUnreal { graph, x, y, text } => {
            let written = editor
                .unreal_paste_ops(inspector, graph.as_deref(), x, y, &text)
                .and_then(|ops| editor.edit(page, inspector, graph.as_deref(), &ops));
            return edited(session, page, written);
        }
        Action::Undo | Action::Redo => {
            let done = if matches!(action, Action::Undo) {
                editor.undo(page)
            } else {
                editor.redo(page)
            };
            return match done {
                Ok(()) => true,
                Err(message) => {
                    session.refused(&page, &message);
                    false
                }
            };
        }
    }
    false
}

/// Starts a run of the file as it is on disk now.
fn start(settings: &Settings, session: &Arc<Session>, page: Page) -> Option<Running> {
    let mut config = settings.config.clone();
    config.tap = Some(Arc::new(StudioTap {
        session: session.clone(),
        next: AtomicU64::new(0),
    }));
    let registry = crate::loading::registry(config);
    let program = match registry.load_file(&settings.file) {
        Ok(program) => program,
        Err(found) => {
            session.set_diagnostics(diagnostics(&found));
            session.log(
                "error",
                &format!(
                    "{}: the graph did not load; see its diagnostics",
                    settings.file.display()
                ),
            );
            return None;
        }
    };
    let host = Arc::new(StudioHost {
        session: session.clone(),
    });
    let mut instance = Instance::with_options(&program, host.clone(), settings.options.clone());
    let set = crate::cli::settings(&settings.set, &program).and_then(|set| {
        set.into_iter().try_for_each(|(name, value)| {
            instance
                .set_variable(&name, value)
                .map_err(|e| format!("--set {name}: {e}"))
        })
    });
    if let Err(message) = set {
        session.log("error", &message);
        session.refused(&page, &format!("cannot run: {message}"));
        return None;
    }
    let tracer = settings.trace.then(|| Tracer::new(Arc::new(graphrun::StdioHost)));
    let control = Arc::new(RunControl::default());
    instance.observe(Box::new(Debugger::new(session.clone(), control.clone(), tracer)));
    session.start_run(program.variables().iter().map(|v| v.name.clone()).collect());
    let handle = instance.handle();
    if let Some(timeout) = settings.timeout {
        let (handle, control) = (handle.clone(), control.clone());
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            control.stopping.store(true, Ordering::SeqCst);
            handle.stop();
        });
    }
    let ended = Arc::new(AtomicBool::new(false));
    let edits = live_edits(
        crate::live::Live::new(&settings.file, registry, program.source().text().to_string()),
        handle.clone(),
        session.clone(),
    );
    let thread = {
        let (session, ended) = (session.clone(), ended.clone());
        std::thread::spawn(move || run(instance, &session, &ended))
    };
    Some(Running {
        handle,
        control,
        ended,
        thread,
        edits,
    })
}

/// What fits a data pin of type `ty` (`output`: an output, else an input), as the
/// checker decides: the registry's node types (`graphrun::offer`), then the page's own
/// `candidates`, each with its first pin that fits.
fn fitting(
    registry: &Registry,
    ty: &str,
    output: bool,
    candidates: &[protocol::Candidate],
) -> Result<Vec<(String, String)>, String> {
    let read = |text: &str| {
        graphrun::format::ron::parse(text)
            .map_err(|e| e.message)
            .and_then(|v| graphrun::format::read_type(&v).map_err(|d| d.message))
            .map_err(|e| format!("`{text}` is not a type: {e}"))
    };
    let ty = read(ty)?;
    let mut pins = if output {
        graphrun::offer::taking(registry, &ty)
    } else {
        graphrun::offer::giving(registry, &ty)
    };
    for candidate in candidates {
        // Off an output, an input that takes its value; off an input, an output it takes.
        let (side, fit): (_, &dyn Fn(&graphrun::Type) -> bool) = if output {
            (&candidate.inputs, &|to| graphrun::offer::fits(to, &ty))
        } else {
            (&candidate.outputs, &|from| graphrun::offer::fits(&ty, from))
        };
        let pin = side.iter().find(|(_, written)| read(written).is_ok_and(|t| fit(&t)));
        if let Some((pin, _)) = pin {
            pins.push((candidate.label.clone(), pin.clone()));
        }
    }
    Ok(pins)
}

/// A run's live editing: each time it is told the file changed, the file is read and
/// checked, and swapped into the run if it checks; the log says what was applied and what
/// was reset, or why nothing was.
fn live_edits(
    mut live: crate::live::Live,
    mut handle: InstanceHandle,
    session: Arc<Session>,
) -> tokio::sync::mpsc::UnboundedSender<()> {
    use crate::live::Applied;
    let (edits, mut changes) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            // Changes told while the last was applied are one change now.
            while changes.try_recv().is_ok() {}
            match live.apply(&mut handle, |_| {}).await {
                Applied::Unchanged => {}
                Applied::Swapped(swapped) => session.log("info", &crate::live::applied_line(&swapped)),
                Applied::NotChecked(found) => {
                    let errors = found.iter().filter(|d| d.severity == graphrun::Severity::Error).count();
                    session.log(
                        "warning",
                        &format!(
                            "not applied: the file has {errors} error(s); the run goes on with the program it had"
                        ),
                    );
                }
                Applied::Refused(reason) => session.log("warning", &format!("not applied: {reason}")),
                Applied::Ended => return,
            }
        }
    });
    edits
}

/// Runs an instance to its end on a thread of its own, then reports how it ended.
fn run(mut instance: Instance, session: &Session, ended: &AtomicBool) {
    let report = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => Some(rt.block_on(instance.run())),
        Err(e) => {
            session.log("error", &format!("cannot start the async runtime: {e}"));
            None
        }
    };
    // The program it ends with: live edits may have swapped it.
    let program = instance.program().clone();
    let variables = program
        .variables()
        .iter()
        .filter_map(|v| {
            let value = instance.variable(&v.name)?;
            Some((v.name.clone(), graphrun::value_preview(value, program.registry())))
        })
        .collect();
    session.pending().variables = Some(variables);
    if let Some(report) = report {
        let how = match report.outcome {
            graphrun::Outcome::Quit => "by Quit",
            graphrun::Outcome::Idle => "with nothing left to run",
            graphrun::Outcome::Stopped => "stopped",
        };
        let errors = match report.runtime_errors {
            0 => String::new(),
            n => format!(", with {n} runtime error(s)"),
        };
        session.log("info", &format!("the run ended {how}{errors}"));
    }
    session.flush();
    session.set_state(RunState::Ended, None);
    ended.store(true, Ordering::SeqCst);
}
