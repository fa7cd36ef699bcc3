//! One test: its graph loaded with the socket library reaching the test's servers, run on
//! a paused clock (time jumps to the next deadline when nothing can run), and what came
//! out compared with what the test expects.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphrun::{
    Host, Instance, Level, LiteralError, Program, Registry, RunOptions, RuntimeError, StandardLibrary, Type, Value,
};
use graphrun_format::names::suggest;
use graphrun_format::{codes, Diagnostic, Diagnostics, SourceFile};
use graphrun_socket::{AccessPolicy, Pattern, SocketConfig, SocketLibrary};

use crate::model::{self, Exit, Payload, TestFile};
use crate::server::{self, Expected, ScriptTransport};

/// How a test went.
pub struct Outcome {
    /// The test's name.
    pub name: String,
    /// Why it failed; empty if it passed.
    pub reasons: Vec<String>,
    /// Wall-clock seconds it took.
    pub seconds: f64,
}

/// What an instance printed (and when, in virtual seconds) and the runtime errors it had.
#[derive(Default)]
struct Collect {
    zero: Mutex<Option<tokio::time::Instant>>,
    lines: Mutex<Vec<(f64, String)>>,
    errors: Mutex<Vec<RuntimeError>>,
}

impl Host for Collect {
    fn print(&self, text: &str) {
        let at = self
            .zero
            .lock()
            .unwrap()
            .map_or(0.0, |zero| zero.elapsed().as_secs_f64());
        self.lines.lock().unwrap().push((at, text.to_string()));
    }
    fn log(&self, _: Level, _: &str) {}
    fn runtime_error(&self, error: &RuntimeError) {
        self.errors.lock().unwrap().push(error.clone());
    }
}

/// Runs the test file at `path`; `Err` with the diagnostics if it or its graph does not
/// load (every mistake in the test file at once, each at its place).
pub fn run_test(path: &Path) -> Result<Outcome, crate::TestError> {
    use crate::TestError;
    let started = std::time::Instant::now();
    let name = path.display().to_string();
    let text = crate::read_capped(path)
        .map_err(|e| TestError::Read(format!("{name}: error: cannot read the test file: {e}")))?;
    let source = SourceFile::new(name.clone(), text);
    let (test, mut diags) = model::read(&source);
    let Some(test) = test else {
        return Err(TestError::Load(Diagnostics::new(source, diags).to_string()));
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let hosts: Vec<&str> = test.servers.iter().map(|(h, _)| h.value.as_str()).collect();
    let transport = Arc::new(Transport::default());
    let registry = registry(&hosts, transport.clone(), test.max_message_size);
    // The graph, if the file names one: what the test says of it is checked against it.
    let program = match &test.graph {
        None => None,
        Some(graph) => match registry.load_file(dir.join(&graph.value)) {
            Ok(program) => Some(program),
            Err(graph_diagnostics) => {
                let mut text = Diagnostics::new(source, diags).to_string();
                text.push_str(&graph_diagnostics.to_string());
                return Err(TestError::Load(text));
            }
        },
    };
    let resolved = program.as_ref().map(|program| resolve(&test, program, &mut diags));
    let diagnostics = Diagnostics::new(source, diags);
    let (Some(program), Some(resolved)) = (program, resolved) else {
        return Err(TestError::Load(diagnostics.to_string()));
    };
    if diagnostics.has_errors() {
        return Err(TestError::Load(diagnostics.to_string()));
    }
    let servers = Arc::new(ScriptTransport::new(resolved.scripts, true));
    transport.set(servers.clone());
    let reasons = match execute(&test, &program, resolved.settings, resolved.fires, &servers) {
        Ok(reasons) => reasons,
        Err(e) => return Err(TestError::Run(format!("{name}: error: {e}"))),
    };
    Ok(Outcome {
        name: test.name,
        reasons,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The socket library's transport for a test, set once its servers are known (their
/// scripts read JSON against the loaded graph).
#[derive(Debug, Default)]
pub(crate) struct Transport(std::sync::OnceLock<Arc<ScriptTransport>>);

impl Transport {
    pub(crate) fn set(&self, servers: Arc<ScriptTransport>) {
        let _ = self.0.set(servers);
    }
}

impl graphrun_socket::Transport for Transport {
    fn connect<'a>(&'a self, url: &'a url::Url) -> graphrun_socket::Connecting<'a> {
        match self.0.get() {
            Some(servers) => servers.connect(url),
            None => Box::pin(async { Err(std::io::Error::other("the test's servers are not ready")) }),
        }
    }
}

/// `config` allowing exactly the test's `hosts` and reaching them through `transport`.
pub(crate) fn reach(
    config: &mut SocketConfig,
    hosts: &[&str],
    transport: Arc<Transport>,
    max_message_size: Option<usize>,
) {
    let patterns: Vec<String> = hosts
        .iter()
        .flat_map(|h| [format!("ws://{h}:*"), format!("wss://{h}:*")])
        .collect();
    config.policy = AccessPolicy::allow(patterns.iter().filter_map(|p| Pattern::parse(p).ok()).collect());
    config.transport = Some(transport);
    if let Some(max) = max_message_size {
        config.max_message_size = max;
    }
}

/// The standard and socket libraries, the socket library allowing exactly the test's
/// hosts and reaching them through `transport`.
fn registry(hosts: &[&str], transport: Arc<Transport>, max_message_size: Option<usize>) -> Registry {
    let mut config = SocketConfig::default();
    reach(&mut config, hosts, transport, max_message_size);
    Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build()
}

/// What a test file says, read against its graph.
pub(crate) struct Resolved {
    settings: Vec<(String, Value)>,
    /// Host events: when, which, with what.
    fires: Vec<(f64, String, Vec<Value>)>,
    pub(crate) scripts: HashMap<String, Vec<Vec<server::Step>>>,
}

/// Reads the test file's variables, events, arguments and messages against `program`;
/// every mistake is added to `diags` at its place, with the nearest known name.
pub(crate) fn resolve(test: &TestFile, program: &Program, diags: &mut Vec<Diagnostic>) -> Resolved {
    let mut settings = Vec::new();
    for (name, literal) in &test.set {
        match program.parse_variable_value(&name.value, &literal.text) {
            Ok(value) => settings.push((name.value.clone(), value)),
            Err(e @ LiteralError::UnknownVariable(_)) => diags.push(Diagnostic::error(
                codes::UNKNOWN_VARIABLE,
                name.span,
                format!("in `set`: {e}"),
            )),
            Err(e) => diags.push(Diagnostic::error(
                codes::TYPE_MISMATCH,
                literal.span,
                format!("`set` of `{}`: {e}", name.value),
            )),
        }
        // A URL for a host with no server whose name is near one that has: a typo.
        if let Some(host) = ron_string(&literal.text)
            .and_then(|text| url::Url::parse(&text).ok())
            .filter(|url| matches!(url.scheme(), "ws" | "wss"))
            .and_then(|url| url.host_str().map(str::to_string))
        {
            let hosts = test.servers.iter().map(|(h, _)| h.value.as_str());
            let hint = suggest(&host, hosts.clone());
            if !hosts.clone().any(|h| h == host) && !hint.is_empty() {
                diags.push(Diagnostic::error(
                    codes::SHAPE,
                    literal.span,
                    format!(
                        "`set` of `{}` names host `{host}`, which has no server (the run would take Url Blocked){hint}",
                        name.value
                    ),
                ));
            }
        }
    }
    let events: Vec<(&str, Vec<(&str, &Type)>)> = program.custom_events().collect();
    let mut fires = Vec::new();
    for fire in &test.fire {
        let Some((_, params)) = events.iter().find(|(id, _)| *id == fire.event.value) else {
            diags.push(Diagnostic::error(
                codes::NOT_AN_EVENT,
                fire.event.span,
                format!(
                    "graph `{}` has no Custom Event `{}` to fire{}",
                    program.name(),
                    fire.event.value,
                    suggest(&fire.event.value, events.iter().map(|(id, _)| *id))
                ),
            ));
            continue;
        };
        let mut args = Vec::new();
        for (name, ty) in params {
            let value = match fire.args.iter().find(|(n, _)| n.value == *name) {
                Some((_, literal)) => match program.parse_literal(ty, &literal.text) {
                    Ok(value) => value,
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            literal.span,
                            format!("arg `{name}` of `{}`: {e}", fire.event.value),
                        ));
                        continue;
                    }
                },
                None => Value::zero(ty),
            };
            args.push(value);
        }
        for (extra, _) in fire
            .args
            .iter()
            .filter(|(n, _)| !params.iter().any(|(p, _)| *p == n.value))
        {
            diags.push(Diagnostic::error(
                codes::UNKNOWN_PIN,
                extra.span,
                format!(
                    "Custom Event `{}` has no param `{}`{}",
                    fire.event.value,
                    extra.value,
                    suggest(&extra.value, params.iter().map(|(p, _)| *p))
                ),
            ));
        }
        fires.push((fire.at, fire.event.value.clone(), args));
    }
    let mut json = |literal: &model::Literal| -> serde_json::Value {
        match program.parse_literal(&Type::Json, &literal.text) {
            Ok(v) => v.to_json(),
            Err(e) => {
                diags.push(Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    literal.span,
                    format!("a message's JSON: {e}"),
                ));
                serde_json::Value::Null
            }
        }
    };
    let mut scripts = HashMap::new();
    for (host, lists) in &test.servers {
        let mut per_connection = Vec::new();
        for steps in lists {
            let script: Vec<server::Step> = steps
                .iter()
                .map(|step| match &step.value {
                    model::Step::Accept(p) => server::Step::Accept(p.clone()),
                    model::Step::Reject(s) => server::Step::Reject(*s),
                    model::Step::Refuse => server::Step::Refuse,
                    model::Step::At(s) => server::Step::At(*s),
                    model::Step::Receive(Payload::Json(l)) => server::Step::Receive(Expected::Json(json(l))),
                    model::Step::Receive(Payload::Text(t)) => server::Step::Receive(Expected::Text(t.clone())),
                    model::Step::Receive(Payload::Any) => server::Step::Receive(Expected::Any),
                    model::Step::Send(Payload::Json(l)) => server::Step::Send(json(l).to_string()),
                    model::Step::Send(Payload::Text(t)) => server::Step::Send(t.clone()),
                    model::Step::Send(Payload::Any) => unreachable!("refused when read"),
                    model::Step::Wait(s) => server::Step::Wait(*s),
                    model::Step::Close(c, r) => server::Step::Close(*c, r.clone()),
                    model::Step::Drop => server::Step::Drop,
                    model::Step::ExpectClose(c) => server::Step::ExpectClose(*c),
                })
                .collect();
            per_connection.push(script);
        }
        scripts.insert(host.value.clone(), per_connection);
    }
    Resolved {
        settings,
        fires,
        scripts,
    }
}

/// The text of a RON string literal, or text that is not one taken as it is (as `set`
/// reads a String variable's value).
fn ron_string(text: &str) -> Option<String> {
    match graphrun_format::ron::parse(text) {
        Ok(graphrun_format::ron::Value {
            kind: graphrun_format::ron::Kind::Str(s),
            ..
        }) => Some(s),
        _ => Some(text.to_string()),
    }
}

/// Runs the instance in virtual time; the reasons the test failed (none: it passed).
fn execute(
    test: &TestFile,
    program: &Program,
    settings: Vec<(String, Value)>,
    fires: Vec<(f64, String, Vec<Value>)>,
    servers: &Arc<ScriptTransport>,
) -> Result<Vec<String>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let host = Arc::new(Collect::default());
    let options = RunOptions {
        seed: test.seed,
        ..RunOptions::default()
    };
    let timed_out = Arc::new(AtomicBool::new(false));
    let timeout = Duration::from_secs_f64(test.timeout.clamp(0.0, 1e9));
    let report = runtime.block_on(async {
        // Made inside the runtime, so that its clock starts at the virtual zero; the
        // servers' `At` and the output's count from here.
        let zero = tokio::time::Instant::now();
        *servers.started.lock().unwrap() = Some(zero);
        *host.zero.lock().unwrap() = Some(zero);
        let mut instance = Instance::with_options(program, host.clone(), options);
        for (name, value) in settings {
            instance.set_variable(&name, value).map_err(|e| e.to_string())?;
        }
        let handle = instance.handle();
        for (at, event, args) in fires {
            let handle = handle.clone();
            let alive = handle.keep_alive();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(at.max(0.0))).await;
                let _ = handle.fire(&event, args).await;
                drop(alive);
            });
        }
        let stopper = {
            let (handle, timed_out) = (handle.clone(), timed_out.clone());
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                timed_out.store(true, Ordering::SeqCst);
                handle.stop();
            })
        };
        let report = instance.run().await;
        stopper.abort();
        servers.finish(Duration::from_secs(5)).await;
        Ok::<_, String>(report)
    })?;
    let mut reasons = Vec::new();
    let exit = if timed_out.load(Ordering::SeqCst) {
        Exit::Timeout
    } else if report.runtime_errors > 0 {
        Exit::RuntimeError
    } else {
        Exit::Ended
    };
    let errors = host.errors.lock().unwrap().clone();
    if exit != test.expect.exit {
        let mut reason = format!(
            "expected the run to end as {:?}, it ended as {exit:?}",
            test.expect.exit
        );
        if let Some(first) = errors.first() {
            reason.push_str(&format!(" ({})", first.to_string().replace('\n', " ")));
        }
        reasons.push(reason);
    }
    let printed = host.lines.lock().unwrap().clone();
    let lines: Vec<String> = printed.iter().map(|(_, line)| line.clone()).collect();
    let expected: Vec<String> = test.expect.output.iter().map(|l| l.text.clone()).collect();
    if let Some(why) = output_difference(&expected, &lines) {
        reasons.push(why);
        // The whole output, to write the expectation from.
        reasons.push("the output was:".to_string());
        reasons.extend(lines.iter().take(40).map(|l| format!("    {l:?}")));
        if lines.len() > 40 {
            reasons.push(format!("    … and {} more line(s)", lines.len() - 40));
        }
    }
    // Each `At` line printed with its text at its time, within a millisecond.
    for (i, (line, (was, text))) in test.expect.output.iter().zip(&printed).enumerate() {
        if let Some(at) = line.at.filter(|at| *text == line.text && (at - was).abs() > 0.001) {
            reasons.push(format!(
                "output line {} {:?}: expected at {} s, printed at {} s",
                i + 1,
                line.text,
                server::secs(at),
                server::secs(*was)
            ));
        }
    }
    if let Some(expected) = &test.expect.errors {
        let got: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        let fits = got.len() == expected.len() && got.iter().zip(expected).all(|(g, e)| g.contains(e.as_str()));
        if !fits {
            reasons.push(format!("expected runtime errors {expected:?}, got {got:?}"));
        }
    }
    reasons.extend(servers.failures.all());
    Ok(reasons)
}

/// The first difference between the output expected and the output got.
fn output_difference(expected: &[String], got: &[String]) -> Option<String> {
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        if e != g {
            return Some(format!("output line {}: expected {e:?}, got {g:?}", i + 1));
        }
    }
    match expected.len().cmp(&got.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => Some(format!(
            "output: expected {} line(s), got {}; the first extra is {:?}",
            expected.len(),
            got.len(),
            got[expected.len()]
        )),
        std::cmp::Ordering::Greater => Some(format!(
            "output: expected {} line(s), got {}; the first missing is {:?}",
            expected.len(),
            got.len(),
            expected[got.len()]
        )),
    }
}
