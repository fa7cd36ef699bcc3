//! `graphrun swarm FILE --instances N`: N instances of one graph in one process, started
//! over `--ramp`, measured without changing the graph (`metrics.rs`), reported as a
//! summary, JSON, CSV and a plot (`report.rs`, `plot.rs`), judged by `--threshold`s
//! (`threshold.rs`); `--segment I/N` runs one part of a swarm spread over machines and
//! `graphrun swarm merge` joins the parts' reports. The contract is the spec's swarm.md.

mod metrics;
mod plot;
mod report;
mod threshold;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// The runtime's clock: virtual under `--servers`, the system's otherwise.
use tokio::time::Instant;

use graphrun::{Instance, Outcome, Program, RunOptions};

use crate::cli::{seconds, SwarmArgs, SwarmCommand};
use metrics::{Metrics, SwarmHost};
use report::{Report, Second};
use threshold::Threshold;

/// After this many connects, the status task gives freed memory back to the system.
const TRIM_AFTER: u64 = 1_000;

/// The most instances a swarm may have, in all its parts: far past what one machine holds
/// at once, and a bound on every count made of them.
const MAX_INSTANCES: u64 = 1_000_000_000;

/// Exit status when a threshold is not met.
const EXIT_THRESHOLD: u8 = 99;
/// Exit status when, under `--servers`, a server's script was not met.
const EXIT_SCRIPT: u8 = 1;

/// A part of a swarm: the `index`-th (from 0) of `of`.
#[derive(Clone, Copy, Debug)]
struct Segment {
    index: u64,
    of: u64,
}

impl Segment {
    fn parse(text: &str) -> Result<Segment, String> {
        let wrong = || format!("--segment {text:?}: expected I/N, I from 0 to N-1 (as in 2/4)");
        let (i, n) = text.split_once('/').ok_or_else(wrong)?;
        let (index, of): (u64, u64) = (
            i.trim().parse().map_err(|_| wrong())?,
            n.trim().parse().map_err(|_| wrong())?,
        );
        if of == 0 || index >= of {
            return Err(wrong());
        }
        Ok(Segment { index, of })
    }

    /// The instance numbers of this part of `total`: equal parts, the later ones one
    /// larger where they do not divide evenly.
    fn range(self, total: u64) -> std::ops::Range<u64> {
        // In 128 bits: `total * i` does not fit 64 for a swarm of billions in many parts.
        let at = |i: u64| ((u128::from(total) * u128::from(i)) / u128::from(self.of)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// Reads the thresholds, or says which is wrong.
fn thresholds(texts: &[String]) -> Result<Vec<Threshold>, String> {
    texts.iter().map(|t| Threshold::parse(t)).collect()
}

/// Judges `report` by `thresholds`: prints each not met; the exit status.
fn verdict(report: &Report, thresholds: &[Threshold]) -> u8 {
    let failed: Vec<String> = thresholds
        .iter()
        .filter_map(|t| {
            let (value, met) = t.check(report);
            let value = match value {
                Ok(value) => format!("it is {value}"),
                Err(why) => why,
            };
            (!met).then(|| format!("  threshold not met: {} ({value})", t.text))
        })
        .collect();
    for line in &failed {
        println!("{line}");
    }
    if failed.is_empty() {
        if !thresholds.is_empty() {
            println!("  every threshold met ({})", thresholds.len());
        }
        0
    } else {
        EXIT_THRESHOLD
    }
}

/// `graphrun swarm merge A.json B.json …`: the parts' reports as one.
fn merge(files: &[PathBuf], threshold_texts: &[String], out: Option<&Path>) -> u8 {
    let thresholds = match thresholds(threshold_texts) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    let mut merged = Report::default();
    for file in files {
        let text = match read_report(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                return crate::exit::EXIT_LOAD_ERROR;
            }
        };
        let part = match serde_json::from_str::<Report>(&text) {
            Ok(part) => part,
            Err(e) => {
                eprintln!("error: {}: not a swarm report: {e}", file.display());
                return crate::exit::EXIT_LOAD_ERROR;
            }
        };
        if let Err(how) = merged.merge(&part) {
            eprintln!("error: {}: a part of another swarm: {how}", file.display());
            return crate::exit::EXIT_LOAD_ERROR;
        }
    }
    let mut distinct = merged.parts.clone();
    distinct.dedup();
    if distinct.len() != merged.parts.len() {
        eprintln!(
            "warning: the reports hold parts {:?}: a part given twice is counted twice",
            merged.parts
        );
    } else if merged.of > 0 && merged.parts.len() as u64 != merged.of {
        eprintln!(
            "warning: the reports hold parts {:?} of {}: the swarm is not whole",
            merged.parts, merged.of
        );
    }
    print!("{}", merged.summary());
    if let Some(out) = out {
        if let Err(message) = write_json(out, &merged) {
            eprintln!("error: {message}");
            return 1;
        }
    }
    verdict(&merged, &thresholds)
}

/// A report's text: a regular file only (a FIFO's opening would wait for a writer).
fn read_report(path: &Path) -> std::io::Result<String> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    std::fs::read_to_string(path)
}

fn write_json(path: &Path, report: &Report) -> Result<(), String> {
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("--out {}: {e}", path.display()))
}

/// What the instances share: the program, their options and the swarm's state.
struct Swarm {
    program: Program,
    options: RunOptions,
    settings: Vec<(String, graphrun::Value)>,
    metrics: Arc<Metrics>,
    output: Option<Arc<Mutex<std::io::BufWriter<std::fs::File>>>>,
    /// The instances running, by number (to stop them).
    running: Mutex<std::collections::HashMap<u64, graphrun::InstanceHandle>>,
    /// Instances spawned and not yet ended, and a wake-up when the last ends.
    live: AtomicU64,
    /// Instances running now, and the most that ran at once (what the memory at the peak
    /// is shared by).
    alive: AtomicU64,
    peak_alive: AtomicU64,
    all_ended: tokio::sync::Notify,
    /// Set once `--duration` or a signal stops the swarm: no more instances start.
    stopping: AtomicBool,
    /// Wakes the schedules waiting for an instance's start when the swarm stops.
    stopped: tokio::sync::Notify,
    /// Why it stopped: `duration`, or the signal's exit status.
    by_duration: AtomicBool,
    signalled: AtomicU8,
}

impl Swarm {
    fn stop_all(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stopped.notify_waiters();
        for handle in self.running.lock().unwrap_or_else(|e| e.into_inner()).values() {
            handle.stop();
        }
    }

    /// Runs instance `number` to its end, counts how it ended, and says when it was the last.
    async fn instance(self: Arc<Self>, number: u64) {
        self.run_one(number).await;
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.all_ended.notify_waiters();
        }
    }

    /// Waits until every instance of the swarm has ended (or was not started).
    async fn ended(&self) {
        loop {
            let notified = self.all_ended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.live.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Instance `number`, its variables set.
    fn make(&self, number: u64) -> Instance {
        let host = Arc::new(SwarmHost {
            instance: number,
            metrics: self.metrics.clone(),
            output: self.output.clone(),
        });
        let mut options = self.options.clone();
        options.seed = options.seed.map(|s| s.wrapping_add(number));
        let mut instance = Instance::with_options(&self.program, host, options);
        for (name, value) in &self.settings {
            let _ = instance.set_variable(name, value.clone());
        }
        if self
            .program
            .variables()
            .iter()
            .any(|v| v.name == "Instance" && v.ty == graphrun::Type::Int)
        {
            let _ = instance.set_variable("Instance", graphrun::Value::from(number as i64));
        }
        instance
    }

    async fn run_one(&self, number: u64) {
        if self.stopping.load(Ordering::SeqCst) {
            return;
        }
        let mut instance = self.make(number);
        self.metrics.started.fetch_add(1, Ordering::Relaxed);
        let alive = self.alive.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_alive.fetch_max(alive, Ordering::SeqCst);
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(number, instance.handle());
        // Stopped between being counted and being listed: stop it too.
        if self.stopping.load(Ordering::SeqCst) {
            instance.handle().stop();
        }
        let report = instance.run().await;
        drop(instance);
        self.alive.fetch_sub(1, Ordering::SeqCst);
        self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&number);
        let how = match report.outcome {
            Outcome::Stopped if self.by_duration.load(Ordering::SeqCst) => "duration",
            Outcome::Stopped => "stopped",
            _ if report.runtime_errors > 0 => "runtime_error",
            Outcome::Quit => "quit",
            Outcome::Idle => "idle",
        };
        self.metrics.ended(how);
    }
}

/// `graphrun swarm`: a swarm, or (`merge`) the reports of its parts joined; the exit status.
pub fn command(args: SwarmArgs) -> u8 {
    match &args.merge {
        Some(SwarmCommand::Merge {
            reports,
            threshold,
            out,
        }) => merge(reports, threshold, out.as_deref()),
        None => swarm(args),
    }
}

/// Runs the swarm; the exit status.
fn swarm(args: SwarmArgs) -> u8 {
    let thresholds = match thresholds(&args.threshold) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    let segment = match args.segment.as_deref().map(Segment::parse).transpose() {
        Ok(s) => s.unwrap_or(Segment { index: 0, of: 1 }),
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    let Some(file) = args.file.clone() else {
        eprintln!("error: graphrun swarm needs a graph file (or `merge` and reports)");
        return crate::exit::EXIT_LOAD_ERROR;
    };
    let Some(total) = args.instances else {
        eprintln!("error: graphrun swarm needs --instances N");
        return crate::exit::EXIT_LOAD_ERROR;
    };
    if total > MAX_INSTANCES {
        eprintln!(
            "error: --instances {total}: at most {MAX_INSTANCES} in a swarm (spread a larger load over machines with --segment)"
        );
        return crate::exit::EXIT_LOAD_ERROR;
    }
    let ramp = match seconds("--ramp", args.ramp) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    // `--timeout`, as in `run`, is the swarm's `--duration`.
    let duration = match args
        .duration
        .or(args.instance.timeout)
        .map(|d| seconds("--duration", d))
        .transpose()
    {
        Ok(d) => d,
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    let metrics = Arc::new(Metrics::default());
    let mut config = match args.socket.config() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    config.tap = Some(metrics.clone());
    // `--servers`: the test file's in-memory servers, on its virtual clock.
    let servers = match args
        .servers
        .as_deref()
        .map(graphrun_testing::TestServers::read)
        .transpose()
    {
        Ok(servers) => servers,
        Err(e) => {
            eprintln!("{}", String::from(e).trim_end());
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    if let Some(servers) = &servers {
        servers.configure(&mut config);
    }
    let registry = crate::loading::registry(config);
    let Some(program) = crate::load(&registry, &file) else {
        return crate::exit::EXIT_LOAD_ERROR;
    };
    let settings = match crate::cli::settings(&args.instance.set, &program) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    let output = match &args.output {
        None => None,
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(Arc::new(Mutex::new(std::io::BufWriter::new(f)))),
            Err(e) => {
                eprintln!("error: --output {}: {e}", path.display());
                return crate::exit::EXIT_LOAD_ERROR;
            }
        },
    };
    // The control runtime (status, duration, signals); under `--servers` the instances
    // run on it too, on its virtual clock.
    let built = if servers.is_some() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    let runtime = match built {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return crate::exit::EXIT_RUNTIME_ERROR;
        }
    };
    let swarm = Arc::new(Swarm {
        program,
        options: args.instance.options(false),
        settings,
        metrics: metrics.clone(),
        output: output.clone(),
        running: Mutex::default(),
        live: AtomicU64::new(0),
        alive: AtomicU64::new(0),
        peak_alive: AtomicU64::new(0),
        all_ended: tokio::sync::Notify::new(),
        stopping: AtomicBool::new(false),
        stopped: tokio::sync::Notify::new(),
        by_duration: AtomicBool::new(false),
        signalled: AtomicU8::new(0),
    });
    let numbers = segment.range(total);
    // What the process holds before any instance (the program loaded, the runtime up).
    let at_start = crate::resident_kib();
    let per_second = runtime.block_on(async {
        let started = Instant::now();
        if let Some(servers) = &servers {
            servers.start(&swarm.program)?;
        }
        stop_on_signals(swarm.clone());
        if let Some(duration) = duration {
            let swarm = swarm.clone();
            tokio::spawn(async move {
                tokio::time::sleep(duration).await;
                swarm.by_duration.store(true, Ordering::SeqCst);
                swarm.stop_all();
                // EndPlay has a second, as after `run --timeout`; then it is stopped too.
                tokio::time::sleep(crate::ENDPLAY_GRACE).await;
                swarm.stop_all();
            });
        }
        let done = Arc::new(tokio::sync::Notify::new());
        let status = tokio::spawn(status(metrics.clone(), numbers.end - numbers.start, done.clone()));
        let schedule = Schedule {
            numbers: numbers.clone(),
            total,
            ramp,
            begin: Instant::now(),
        };
        swarm.live.store(numbers.end - numbers.start, Ordering::SeqCst);
        if servers.is_some() {
            schedule.start(&swarm, 0, 1).await;
        } else {
            for (share, of) in shares(&schedule) {
                let (swarm, schedule) = (swarm.clone(), schedule.clone());
                std::thread::spawn(move || share_thread(swarm, schedule, share, of));
            }
        }
        swarm.ended().await;
        done.notify_one();
        Ok::<_, graphrun_testing::TestError>((status.await.unwrap_or_default(), started.elapsed()))
    });
    let (per_second, took) = match per_second {
        Ok(done) => done,
        Err(e) => {
            eprintln!("{}", String::from(e).trim_end());
            return crate::exit::EXIT_LOAD_ERROR;
        }
    };
    runtime.shutdown_timeout(Duration::from_millis(100));
    if let Some(out) = &output {
        let _ = out.lock().unwrap_or_else(|e| e.into_inner()).flush();
    }
    let mut report = report(&swarm, &file, total, segment, took.as_secs_f64());
    report.per_second = per_second;
    print!("{}", report.summary());
    for (flag, path, text) in [
        (
            "--out",
            &args.out,
            serde_json::to_string_pretty(&report).map(|t| t + "\n").ok(),
        ),
        ("--csv", &args.csv, Some(report.csv())),
        ("--plot", &args.plot, Some(plot::reply_time(&report))),
    ] {
        if let (Some(path), Some(text)) = (path, text) {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: {flag} {}: {e}", path.display());
                return 1;
            }
        }
    }
    if args.instance.stats {
        match (at_start, crate::peak_resident_kib()) {
            (Some(start), Some(peak)) => {
                // Shared by the instances alive at once at most, not by every one that ran.
                let alive = swarm.peak_alive.load(Ordering::SeqCst);
                eprintln!(
                    "stats: resident memory {start} KiB before the instances, {peak} KiB at the peak: {:.2} KiB an instance ({alive} alive at once at most)",
                    peak.saturating_sub(start) as f64 / alive.max(1) as f64
                )
            }
            _ => eprintln!("stats: resident memory unknown here"),
        }
    }
    let signal = swarm.signalled.load(Ordering::SeqCst);
    let judged = verdict(&report, &thresholds);
    // Against scripted servers, a departure from their scripts fails as a test does.
    let departures = servers.as_ref().map(|s| s.failures()).unwrap_or_default();
    if !departures.is_empty() {
        println!("  the servers' scripts were not met ({}):", departures.len());
        for what in departures.iter().take(10) {
            println!("    {what}");
        }
    }
    if signal != 0 {
        signal
    } else if judged != 0 {
        judged
    } else if !departures.is_empty() {
        EXIT_SCRIPT
    } else {
        0
    }
}

/// When each instance of this process starts: evenly over the ramp, by its number in the
/// whole swarm (so that parts run apart start as one swarm would).
#[derive(Clone)]
struct Schedule {
    numbers: std::ops::Range<u64>,
    total: u64,
    ramp: Duration,
    begin: Instant,
}

impl Schedule {
    /// Starts the instances of share `share` of `of` on this thread's runtime, each at its
    /// time. Once the swarm is stopping (a signal, `--duration`), no more start, even in the
    /// middle of a wait: those not started are counted out, so the swarm ends.
    async fn start(&self, swarm: &Arc<Swarm>, share: u64, of: u64) {
        let mut number = self.numbers.start.saturating_add(share);
        while number < self.numbers.end {
            let at = self.ramp.mul_f64(number as f64 / self.total.max(1) as f64);
            if !self.wait(swarm, self.begin + at).await {
                break;
            }
            tokio::spawn(swarm.clone().instance(number));
            number = match number.checked_add(of) {
                Some(next) => next,
                None => break,
            };
        }
        // This share's numbers from `number` on, never started.
        let left = match number < self.numbers.end {
            true => (self.numbers.end - 1 - number) / of + 1,
            false => 0,
        };
        if left > 0 && swarm.live.fetch_sub(left, Ordering::SeqCst) == left {
            swarm.all_ended.notify_waiters();
        }
    }

    /// Waits until `deadline`; false if the swarm stops first (or has stopped).
    async fn wait(&self, swarm: &Swarm, deadline: Instant) -> bool {
        let stopped = swarm.stopped.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        if swarm.stopping.load(Ordering::SeqCst) {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => !swarm.stopping.load(Ordering::SeqCst),
            _ = stopped => false,
        }
    }
}

/// The swarm's shares: one per core, each on a thread with a runtime of its own, so that an
/// instance and its connections stay on one thread (no wake-up crosses threads: a
/// multi-thread runtime cost the echo benchmark a quarter of its throughput).
fn shares(schedule: &Schedule) -> Vec<(u64, u64)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let of = cores.min(schedule.numbers.end - schedule.numbers.start).max(1);
    (0..of).map(|share| (share, of)).collect()
}

/// One share's thread: its instances, on a current-thread runtime, until all have ended.
fn share_thread(swarm: Arc<Swarm>, schedule: Schedule, share: u64, of: u64) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("error: cannot start an async runtime for the swarm's share {share}");
        // Its instances are not run: counted out, so the swarm ends.
        let count = schedule
            .numbers
            .clone()
            .filter(|n| (n - schedule.numbers.start) % of == share)
            .count();
        if swarm.live.fetch_sub(count as u64, Ordering::SeqCst) == count as u64 {
            swarm.all_ended.notify_waiters();
        }
        return;
    };
    runtime.block_on(async {
        schedule.start(&swarm, share, of).await;
        swarm.ended().await;
    });
}

/// What the last row counted, to count each second's share.
#[derive(Default)]
struct Last {
    sent: u64,
    received: u64,
    errors: u64,
}

/// The row of second `t` (counted by the ticker: second 1 is the first).
fn row(metrics: &Metrics, t: u64, last: &mut Last) -> Second {
    let sent = metrics.sent.load(Ordering::Relaxed);
    let received = metrics.received.load(Ordering::Relaxed);
    let ended = metrics.ended_count();
    let mut inner = metrics.inner();
    let errors: u64 = inner.runtime_errors.values().sum();
    let reply = std::mem::take(&mut inner.second_reply);
    drop(inner);
    let row = Second {
        t,
        running: metrics.started.load(Ordering::Relaxed).saturating_sub(ended),
        ended,
        sent: sent - last.sent,
        received: received - last.received,
        errors: errors - last.errors,
        reply,
    };
    *last = Last { sent, received, errors };
    row
}

/// Each second: the second's row, and the status line (on a terminal, rewritten each
/// second; otherwise a line every 10 s). When `done`: the last (part of a) second's row,
/// and every row.
async fn status(metrics: Arc<Metrics>, instances: u64, done: Arc<tokio::sync::Notify>) -> Vec<Second> {
    let terminal = std::io::stderr().is_terminal();
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    let mut last = Last::default();
    let mut rows = Vec::new();
    let mut trimmed_at = 0;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = done.notified() => {
                // The last second, in part.
                rows.push(row(&metrics, rows.len() as u64 + 1, &mut last));
                return rows;
            }
        }
        let second = row(&metrics, rows.len() as u64 + 1, &mut last);
        // A burst of connects leaves their handshakes' buffers as holes between the
        // connections' state: given back (17.5 KiB an idle instance was 10 KiB of heap).
        let opened = metrics.inner().handshake.count();
        if opened >= trimmed_at + TRIM_AFTER {
            trimmed_at = opened;
            graphrun_socket::memory::give_back();
        }
        let line = format!(
            "{:>5} s  running {}, ended {} of {instances}  {} msg/s out, {} in  reply p95 {:.1} ms  errors {}",
            second.t,
            second.running,
            second.ended,
            second.sent,
            second.received,
            second.reply.at(0.95) as f64 / 1e3,
            metrics.inner().runtime_errors.values().sum::<u64>()
        );
        let mut err = std::io::stderr().lock();
        if terminal {
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        } else if second.t.is_multiple_of(10) {
            let _ = writeln!(err, "{line}");
        }
        drop(err);
        rows.push(second);
    }
}

/// The report of this process's part.
fn report(swarm: &Swarm, file: &Path, total: u64, segment: Segment, seconds: f64) -> Report {
    if std::io::stderr().is_terminal() {
        let _ = writeln!(std::io::stderr());
    }
    let m = &swarm.metrics;
    let inner = m.inner();
    let mut histograms = std::collections::BTreeMap::new();
    histograms.insert("handshake".to_string(), inner.handshake.clone());
    histograms.insert("reply".to_string(), inner.reply.clone());
    for (name, h) in &inner.metrics {
        histograms.insert(format!("metric.{name}"), h.clone());
    }
    Report {
        format: report::FORMAT,
        graph: file.display().to_string(),
        instances: total,
        parts: vec![segment.index],
        of: segment.of,
        seconds,
        started: m.started.load(Ordering::Relaxed),
        ended: m.ended.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        connect: inner.outcomes.clone(),
        connection_errors: inner.connection_errors.clone(),
        closes: inner.closes.clone(),
        messages: report::Messages {
            sent: m.sent.load(Ordering::Relaxed),
            sent_bytes: m.sent_bytes.load(Ordering::Relaxed),
            received: m.received.load(Ordering::Relaxed),
            received_bytes: m.received_bytes.load(Ordering::Relaxed),
        },
        runtime_errors: inner.runtime_errors.clone(),
        warnings: m.warnings.load(Ordering::Relaxed),
        counters: inner.counters.clone(),
        histograms,
        per_second: Vec::new(),
    }
}

/// Ctrl-C and SIGTERM stop every instance (EndPlay runs); a second one stops EndPlay too.
fn stop_on_signals(swarm: Arc<Swarm>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut interrupt), Ok(mut terminate)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
        else {
            eprintln!("warning: cannot listen for Ctrl-C and SIGTERM");
            return;
        };
        loop {
            let status = tokio::select! {
                _ = interrupt.recv() => crate::exit::EXIT_INTERRUPTED,
                _ = terminate.recv() => crate::exit::EXIT_TERMINATED,
            };
            let _ = swarm
                .signalled
                .compare_exchange(0, status, Ordering::SeqCst, Ordering::SeqCst);
            swarm.stop_all();
        }
    });
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            let _ =
                swarm
                    .signalled
                    .compare_exchange(0, crate::exit::EXIT_INTERRUPTED, Ordering::SeqCst, Ordering::SeqCst);
            swarm.stop_all();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_a_swarm_into_equal_parts_that_cover_it() {
        for (total, of) in [(1_000u64, 4u64), (10, 3), (2, 4), (0, 2)] {
            let mut covered = Vec::new();
            for index in 0..of {
                let r = Segment { index, of }.range(total);
                assert!(r.end - r.start <= total.div_ceil(of));
                covered.extend(r);
            }
            assert_eq!(covered, (0..total).collect::<Vec<_>>());
        }
        assert!(Segment::parse("4/4").is_err());
        assert!(Segment::parse("1/0").is_err());
        assert!(Segment::parse("x").is_err());
        assert_eq!(Segment::parse(" 2/4").unwrap().index, 2);
    }
}
