//! One test: its graph loaded with the socket library reaching the test's servers, run on
//! a paused clock (time jumps to the next deadline when nothing can run), and what came
//! out compared with what the test expects.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphrun::{Host, Instance, Level, Program, Registry, RunOptions, RuntimeError, StandardLibrary, Type};
use graphrun_format::{Diagnostics, SourceFile};
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

/// What an instance printed and the runtime errors it had.
#[derive(Default)]
struct Collect {
    lines: Mutex<Vec<String>>,
    errors: Mutex<Vec<RuntimeError>>,
}

impl Host for Collect {
    fn print(&self, text: &str) {
        self.lines.lock().unwrap().push(text.to_string());
    }
    fn log(&self, _: Level, _: &str) {}
    fn runtime_error(&self, error: &RuntimeError) {
        self.errors.lock().unwrap().push(error.clone());
    }
}

/// Runs the test file at `path`; `Err` with the diagnostics if it or its graph does not load.
pub fn run_test(path: &Path) -> Result<Outcome, crate::TestError> {
    use crate::TestError;
    let started = std::time::Instant::now();
    let name = path.display().to_string();
    let text = crate::read_capped(path)
        .map_err(|e| TestError::Read(format!("{name}: error: cannot read the test file: {e}")))?;
    let source = SourceFile::new(name.clone(), text);
    let (test, diags) = model::read(&source);
    let diagnostics = Diagnostics::new(source.clone(), diags);
    let Some(test) = test.filter(|_| !diagnostics.has_errors()) else {
        return Err(TestError::Load(diagnostics.to_string()));
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let hosts: Vec<&str> = test.servers.iter().map(|(h, _)| h.value.as_str()).collect();
    let transport = Arc::new(Transport::default());
    let registry = registry(&hosts, transport.clone(), test.max_message_size);
    let program = registry
        .load_file(dir.join(&test.graph.value))
        .map_err(|d| TestError::Load(d.to_string()))?;
    let scripts = scripts(&test, &program, &source).map_err(TestError::Load)?;
    let servers = Arc::new(ScriptTransport::new(scripts, true));
    transport.set(servers.clone());
    let reasons = match execute(&test, &program, &servers) {
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
struct Transport(std::sync::OnceLock<Arc<ScriptTransport>>);

impl Transport {
    fn set(&self, servers: Arc<ScriptTransport>) {
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

/// The standard and socket libraries, the socket library allowing exactly the test's
/// hosts and reaching them through `transport`.
fn registry(hosts: &[&str], transport: Arc<Transport>, max_message_size: Option<usize>) -> Registry {
    let patterns: Vec<String> = hosts
        .iter()
        .flat_map(|h| [format!("ws://{h}:*"), format!("wss://{h}:*")])
        .collect();
    let policy = AccessPolicy::allow(patterns.iter().filter_map(|p| Pattern::parse(p).ok()).collect());
    let defaults = SocketConfig::default();
    let config = SocketConfig {
        policy,
        transport: Some(transport),
        max_message_size: max_message_size.unwrap_or(defaults.max_message_size),
        ..defaults
    };
    Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build()
}

/// The servers' scripts, their JSON read.
/// The servers' scripts, their JSON read; an error is at its place in the test file.
fn scripts(
    test: &TestFile,
    program: &Program,
    source: &SourceFile,
) -> Result<HashMap<String, Vec<Vec<server::Step>>>, String> {
    let json = |literal: &model::Literal| -> Result<serde_json::Value, String> {
        program
            .parse_literal(&Type::Json, &literal.text)
            .map(|v| v.to_json())
            .map_err(|e| format!("{}: error: a message's JSON: {e}", source.location(literal.span)))
    };
    let mut out = HashMap::new();
    for (host, steps) in &test.servers {
        let mut script = Vec::new();
        for step in steps {
            script.push(match &step.value {
                model::Step::Accept(p) => server::Step::Accept(p.clone()),
                model::Step::Reject(s) => server::Step::Reject(*s),
                model::Step::Receive(Payload::Json(l)) => server::Step::Receive(Expected::Json(json(l)?)),
                model::Step::Receive(Payload::Text(t)) => server::Step::Receive(Expected::Text(t.clone())),
                model::Step::Receive(Payload::Any) => server::Step::Receive(Expected::Any),
                model::Step::Send(Payload::Json(l)) => server::Step::Send(json(l)?.to_string()),
                model::Step::Send(Payload::Text(t)) => server::Step::Send(t.clone()),
                model::Step::Send(Payload::Any) => unreachable!("refused when read"),
                model::Step::Wait(s) => server::Step::Wait(*s),
                model::Step::Close(c, r) => server::Step::Close(*c, r.clone()),
                model::Step::Drop => server::Step::Drop,
                model::Step::ExpectClose(c) => server::Step::ExpectClose(*c),
            });
        }
        out.insert(host.value.clone(), vec![script]);
    }
    Ok(out)
}

/// Runs the instance in virtual time; the reasons the test failed (none: it passed).
fn execute(test: &TestFile, program: &Program, servers: &Arc<ScriptTransport>) -> Result<Vec<String>, String> {
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
    let mut settings = Vec::new();
    for (name, literal) in &test.set {
        settings.push((
            name.value.clone(),
            program.parse_variable_value(&name.value, &literal.text)?,
        ));
    }
    let mut fires = Vec::new();
    for fire in &test.fire {
        let params = program
            .custom_events()
            .find(|(id, _)| *id == fire.event.value)
            .map(|(_, params)| {
                params
                    .into_iter()
                    .map(|(n, t)| (n.to_string(), t.clone()))
                    .collect::<Vec<_>>()
            })
            .ok_or_else(|| {
                format!(
                    "graph `{}` has no Custom Event `{}` to fire",
                    program.name(),
                    fire.event.value
                )
            })?;
        let mut args = Vec::new();
        for (name, ty) in &params {
            let value = match fire.args.iter().find(|(n, _)| &n.value == name) {
                Some((_, literal)) => program
                    .parse_literal(ty, &literal.text)
                    .map_err(|e| format!("arg `{name}` of `{}`: {e}", fire.event.value))?,
                None => graphrun::Value::zero(ty),
            };
            args.push(value);
        }
        if let Some((extra, _)) = fire
            .args
            .iter()
            .find(|(n, _)| !params.iter().any(|(p, _)| *p == n.value))
        {
            return Err(format!(
                "Custom Event `{}` has no param `{}`",
                fire.event.value, extra.value
            ));
        }
        fires.push((fire.at, fire.event.value.clone(), args));
    }
    let timed_out = Arc::new(AtomicBool::new(false));
    let timeout = Duration::from_secs_f64(test.timeout.clamp(0.0, 1e9));
    let report = runtime.block_on(async {
        // Made inside the runtime, so that its clock starts at the virtual zero.
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
    let lines = host.lines.lock().unwrap().clone();
    if let Some(why) = output_difference(&test.expect.output, &lines) {
        reasons.push(why);
        // The whole output, to write the expectation from.
        reasons.push("the output was:".to_string());
        reasons.extend(lines.iter().take(40).map(|l| format!("    {l:?}")));
        if lines.len() > 40 {
            reasons.push(format!("    … and {} more line(s)", lines.len() - 40));
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
