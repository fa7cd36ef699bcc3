//! `graphrun replay RUN.jsonl`: runs the recorded graph again from its record (written by
//! `graphrun run --record`, `record.rs`), with no network and no waiting. Each recorded
//! connection becomes an in-memory server that answers the handshake as the real one did,
//! sends what it sent at the times it came, and checks what the graph sends; the run is on
//! the virtual clock, so the graph's own Delays and timers fall where they fell. Then the
//! output, the runtime errors and the exit status are compared with the record: the same,
//! and `graphrun replay` exits as the run did. The first departure (a send or a connection
//! the record does not have, a printed line it does not have) stops the run there (EndPlay
//! runs, as at any stop); what departs is said, and `graphrun replay` exits with
//! [`EXIT_DEPARTED`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphrun::{Host, Instance, Level, Registry, RunOptions, RuntimeError, StandardLibrary};
use graphrun_socket::{AccessPolicy, AuthContext, Pattern, SocketConfig, SocketLibrary};
use serde_json::Value as Json;

use crate::server::{Expected, ScriptTransport, Step};

/// The exit status of a replay that departs from its record.
pub const EXIT_DEPARTED: u8 = 4;

/// What a record says of a run.
#[derive(Default)]
struct Record {
    graph: String,
    set: Vec<(String, String)>,
    seed: Option<u64>,
    /// Per host, each connection's script, in the order they were opened.
    scripts: HashMap<String, Vec<Vec<Step>>>,
    prints: Vec<String>,
    errors: Vec<String>,
    /// The graph's text as the run started (`run --watch` records it: the file changes);
    /// without it the file is read as it is now.
    text: Option<String>,
    /// Each live edit's program (`run --watch`): when it was asked for, and the file's text.
    swaps: Vec<(f64, String)>,
    /// When the run was stopped (a timeout or a signal), and the status it gave.
    stop: Option<f64>,
    exit: Option<u8>,
    /// The time of its last entry: where it ends.
    last: f64,
}

/// How long, in virtual seconds, a replay may go on past its record's last entry (a run's
/// end closes its connections within its shutdown grace) before it has run past it.
const PAST_THE_END: f64 = 5.0;

/// The longest line a record may have: a graph's value limit (a message is one line).
const MAX_LINE: usize = graphrun::MAX_FILE_SIZE;

/// A record's lines, read as a stream: a regular file only, each line at most
/// [`MAX_LINE`] bytes (so `/dev/zero` or a line of a gigabyte is refused, not read whole).
fn lines(path: &Path) -> Result<impl Iterator<Item = Result<String, String>>, String> {
    use std::io::{BufRead, Read};
    // Asked before opening: opening a FIFO waits for a writer.
    if !std::fs::metadata(path).map_err(|e| e.to_string())?.is_file() {
        return Err("it is not a regular file".to_string());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut reader = std::io::BufReader::new(file);
    let mut failed = false;
    Ok(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let mut line = Vec::new();
        let read = (&mut reader).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line);
        let result = match read {
            Ok(0) => return None,
            Ok(_) if line.len() > MAX_LINE => Err(format!("a line is over {} MiB", MAX_LINE >> 20)),
            Ok(_) => String::from_utf8(line)
                .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
                .map_err(|_| "a line is not UTF-8".to_string()),
            Err(e) => Err(e.to_string()),
        };
        failed = result.is_err();
        Some(result)
    }))
}

fn read(lines: impl Iterator<Item = Result<String, String>>) -> Result<Record, String> {
    let mut record = Record::default();
    // Connection number → (host, index of its script).
    let mut conns: HashMap<u64, (String, usize)> = HashMap::new();
    for (i, line) in lines.enumerate() {
        let at = |what: &str| format!("line {}: {what}", i + 1);
        let line = line.map_err(|e| at(&e))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Json = serde_json::from_str(&line).map_err(|e| at(&format!("not JSON: {e}")))?;
        if i == 0 {
            if entry["record"] != 1 {
                return Err(at("not a graphrun record (it starts with {\"record\": 1, …})"));
            }
            record.graph = entry["graph"].as_str().ok_or_else(|| at("no graph"))?.to_string();
            if let Some(set) = entry["set"].as_object() {
                record.set = set
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect();
            }
            record.seed = entry["seed"].as_u64();
            continue;
        }
        // A time no run gives (negative, past a billion seconds, not a number) is refused
        // where it is, rather than a sleep that never ends or panics.
        let t = match entry.get("t") {
            None => 0.0,
            Some(t) => match t.as_f64() {
                Some(t) if (0.0..=crate::model::MAX_SECONDS).contains(&t) => t,
                _ => return Err(at(&format!("`t` is {t}: a time is from 0 to 1,000,000,000 seconds"))),
            },
        };
        record.last = record.last.max(t);
        if let Some(text) = entry["print"].as_str() {
            record.prints.push(text.to_string());
        } else if let Some(message) = entry["error"].as_str() {
            record.errors.push(message.to_string());
        } else if !entry["stop"].is_null() {
            record.stop.get_or_insert(t);
        } else if let Some(text) = entry["text"].as_str() {
            record.text = Some(text.to_string());
        } else if let Some(text) = entry["swap"].as_str() {
            record.swaps.push((t, text.to_string()));
        } else if let Some(exit) = entry["exit"].as_u64() {
            record.exit = Some(exit as u8);
        } else if let Some(conn) = entry["conn"].as_u64() {
            if let Some(url) = entry["connect"].as_str() {
                let host = url::Url::parse(url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                let scripts = record.scripts.entry(host.clone()).or_default();
                scripts.push(Vec::new());
                conns.insert(conn, (host, scripts.len() - 1));
                continue;
            }
            let Some((host, index)) = conns.get(&conn) else {
                return Err(at(&format!("connection {conn} was never started")));
            };
            let script = &mut record.scripts.get_mut(host).expect("started")[*index];
            if let Some(error) = entry["failed"].as_str() {
                script.push(Step::Fail(error.to_string()));
            } else if let Some(opened) = entry.get("opened") {
                script.push(Step::Accept(opened.as_str().map(str::to_string)));
            } else if let Some(text) = entry["received"].as_str() {
                script.extend([Step::Until(t), Step::Send(text.to_string())]);
            } else if let Some(len) = entry["received_binary"].as_u64() {
                // No larger than a live run could have received.
                if len > graphrun::MAX_FILE_SIZE as u64 {
                    return Err(at(&format!(
                        "`received_binary` is {len} bytes, over the {} MiB a message may be",
                        graphrun::MAX_FILE_SIZE >> 20
                    )));
                }
                script.extend([Step::Until(t), Step::SendBinary(len as usize)]);
            } else if let Some(text) = entry["sent"].as_str() {
                script.push(Step::Receive(Expected::Text(text.to_string())));
            } else if let Some(closed) = entry.get("closed") {
                let code = closed["code"].as_u64().unwrap_or(1000) as u16;
                let reason = closed["reason"].as_str().unwrap_or_default().to_string();
                match closed["by"].as_str() {
                    Some("server") => script.extend([Step::Until(t), Step::Close(code, reason)]),
                    Some("graph") => script.push(Step::ExpectClose(code)),
                    _ => script.extend([Step::Until(t), Step::Drop]),
                }
            }
        }
    }
    if record.graph.is_empty() {
        return Err("line 1: not a graphrun record (it starts with {\"record\": 1, …})".to_string());
    }
    Ok(record)
}

/// Passes what the instance shows on to the host, and keeps it for the comparison; the
/// first printed line the record does not have stops the run.
struct Replaying {
    host: Arc<dyn Host>,
    recorded: Vec<String>,
    prints: Mutex<Vec<String>>,
    errors: Mutex<Vec<String>>,
    stop: Mutex<Option<graphrun::InstanceHandle>>,
}

impl Host for Replaying {
    fn print(&self, text: &str) {
        let mut prints = self.prints.lock().unwrap();
        if self.recorded.get(prints.len()).map(String::as_str) != Some(text) {
            if let Some(handle) = self.stop.lock().unwrap().take() {
                handle.stop();
            }
        }
        prints.push(text.to_string());
        self.host.print(text);
    }
    fn log(&self, level: Level, message: &str) {
        self.host.log(level, message);
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.errors.lock().unwrap().push(error.message.clone());
        self.host.runtime_error(error);
    }
    fn trace(&self, line: &str) {
        self.host.trace(line);
    }
}

/// How a replay went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// The exit status the replayed run ended with (as `graphrun run` gives it).
    pub exit: u8,
    /// Where it departed from its record, first thing first; empty: it did not.
    pub departures: Vec<String>,
}

/// Replays the run recorded in `path`, showing what it prints and its errors through
/// `host`; `Err` (what is wrong) if the record or its graph cannot be read.
pub fn replay(path: &Path, host: Arc<dyn Host>, trace: bool) -> Result<Replayed, crate::TestError> {
    use crate::TestError;
    let lines = lines(path).map_err(|e| TestError::Read(format!("cannot read {}: {e}", path.display())))?;
    let record = read(lines).map_err(|e| TestError::Load(format!("{}: {e}", path.display())))?;
    let patterns: Vec<Pattern> = record
        .scripts
        .keys()
        .flat_map(|h| [format!("ws://{h}:*"), format!("wss://{h}:*")])
        .filter_map(|p| Pattern::parse(&p).ok())
        .collect();
    let servers = Arc::new(ScriptTransport::new(record.scripts.clone(), false));
    // The token is never recorded: any will do, the servers do not look at headers.
    let mut auth = AuthContext::new("replayed");
    auth.organization_id = Some("replayed".into());
    auth.project_id = Some("replayed".into());
    auth.world_id = Some("replayed".into());
    let config = SocketConfig {
        policy: AccessPolicy::allow(patterns),
        auth: Some(auth),
        transport: Some(servers.clone()),
        ..SocketConfig::default()
    };
    let registry = Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build();
    let program = match &record.text {
        Some(text) => registry.load_str(&record.graph, text),
        None => registry.load_file(&record.graph),
    }
    .map_err(|d| TestError::Load(d.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| TestError::Run(format!("cannot start the runtime: {e}")))?;
    let host = Arc::new(Replaying {
        host,
        recorded: record.prints.clone(),
        prints: Mutex::default(),
        errors: Mutex::default(),
        stop: Mutex::default(),
    });
    let options = RunOptions {
        seed: record.seed,
        trace,
        ..RunOptions::default()
    };
    let swap_failures = Arc::new(Mutex::new(Vec::new()));
    let outcome = runtime.block_on(async {
        let started = tokio::time::Instant::now();
        *servers.started.lock().unwrap() = Some(started);
        let mut instance = Instance::with_options(&program, host.clone(), options);
        for (name, text) in &record.set {
            let set = program
                .parse_variable_value(name, text)
                .map_err(String::from)
                .and_then(|v| instance.set_variable(name, v).map_err(|e| e.to_string()));
            if let Err(e) = set {
                return Err(format!("--set {name}: {e}"));
            }
        }
        let handle = instance.handle();
        // Each live edit is asked for when it was: the instance takes it at its next event
        // boundary, as the recorded run did.
        let swapper = {
            let (mut handle, failures) = (handle.clone(), swap_failures.clone());
            let (registry, name, swaps) = (registry.clone(), record.graph.clone(), record.swaps.clone());
            tokio::spawn(async move {
                for (t, text) in swaps {
                    tokio::time::sleep_until(started + Duration::from_secs_f64(t)).await;
                    let applied = match registry.load_str(&name, &text) {
                        Ok(program) => handle.swap(&program).await.map(drop).map_err(|e| e.to_string()),
                        Err(d) => Err(format!(
                            "it does not check: {}",
                            d.one_lines().next().unwrap_or_default()
                        )),
                    };
                    if let Err(e) = applied {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("the live edit at {t} s was not applied: {e}"));
                    }
                }
            })
        };
        // The first departure stops the run: a send or a connection the record does not
        // have, or a line it does not have.
        let first = handle.clone();
        servers.failures.on_first(move || first.stop());
        *host.stop.lock().unwrap() = Some(handle.clone());
        // A run stopped (a timeout, a signal) stops where its record says; any other may not
        // go on past its record's end: the replay stops it there and says so.
        let past = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopper = match record.stop {
            Some(at) => tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(at)).await;
                handle.stop();
            }),
            None => {
                let (past, end) = (past.clone(), record.last + PAST_THE_END);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs_f64(end)).await;
                    past.store(true, std::sync::atomic::Ordering::SeqCst);
                    handle.stop();
                })
            }
        };
        let stopper = Some(stopper);
        let report = instance.run().await;
        if let Some(stopper) = stopper {
            stopper.abort();
        }
        swapper.abort();
        servers.finish(Duration::from_secs(5)).await;
        Ok((report, past.load(std::sync::atomic::Ordering::SeqCst)))
    });
    let (report, past) = outcome.map_err(|e| TestError::Run(format!("{}: {e}", path.display())))?;
    let recorded_exit = record.exit.unwrap_or(0);
    let exit = if record.stop.is_some() && report.outcome == graphrun::Outcome::Stopped {
        recorded_exit
    } else if report.runtime_errors > 0 {
        1
    } else {
        0
    };
    let mut departures: Vec<String> = servers.failures.all();
    departures.extend(swap_failures.lock().unwrap().drain(..));
    if past {
        departures.push(format!(
            "the record ends here: its last entry is at {} s, and the replay was still running {PAST_THE_END} s later",
            record.last
        ));
    }
    let prints = host.prints.lock().unwrap().clone();
    if let Some(i) = (0..prints.len().max(record.prints.len())).find(|&i| prints.get(i) != record.prints.get(i)) {
        departures.push(match (record.prints.get(i), prints.get(i)) {
            (Some(r), Some(p)) => format!("output line {}: the record has {r:?}, the replay printed {p:?}", i + 1),
            (Some(r), None) => format!(
                "output line {}: the record has {r:?}, the replay printed no more",
                i + 1
            ),
            (None, Some(p)) => format!(
                "output line {}: the replay printed {p:?}, the record has no more",
                i + 1
            ),
            (None, None) => unreachable!("a line differs"),
        });
    }
    let errors = host.errors.lock().unwrap().clone();
    if errors != record.errors {
        departures.push(format!(
            "runtime errors: the record has {:?}, the replay had {errors:?}",
            record.errors
        ));
    }
    if exit != recorded_exit {
        departures.push(format!(
            "exit status: the record has {recorded_exit}, the replay ended with {exit}"
        ));
    }
    Ok(Replayed { exit, departures })
}
