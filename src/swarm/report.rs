//! A swarm's report: every figure, the histograms whole (so that parts of a swarm run on
//! several machines merge exactly: counts added, histograms merged, never percentiles
//! averaged), one row per second; its summary table and its CSV. The JSON schema is in
//! docs/swarm.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Percentiles within 1%: two significant digits.
const DIGITS: u8 = 2;

/// A histogram of microseconds (times) or millionths (a `Record Metric`'s values): an HDR
/// histogram, written as its recorded buckets.
#[derive(Clone)]
pub struct Histogram(hdrhistogram::Histogram<u64>);

impl Default for Histogram {
    fn default() -> Self {
        // Two digits always make a histogram; an error here would be a bug in this file.
        Histogram(hdrhistogram::Histogram::new(DIGITS).unwrap_or_else(|_| unreachable!("2 significant digits")))
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Histogram({} values)", self.count())
    }
}

impl Histogram {
    pub fn record(&mut self, value: u64) {
        // `record` grows the histogram to the value (`saturating_record` would not).
        if self.0.record(value).is_err() {
            self.0.saturating_record(value);
        }
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The value at quantile `q` (0 to 1), in the histogram's unit; 0 when empty.
    pub fn at(&self, q: f64) -> u64 {
        if self.0.is_empty() {
            return 0;
        }
        self.0.highest_equivalent(self.0.value_at_quantile(q))
    }

    pub fn max(&self) -> u64 {
        if self.0.is_empty() {
            0
        } else {
            self.0.highest_equivalent(self.0.max())
        }
    }

    pub fn merge(&mut self, other: &Histogram) {
        // Auto-resizing histograms of the same precision always add.
        let _ = self.0.add(&other.0);
    }
}

impl Serialize for Histogram {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let buckets: Vec<(u64, u64)> = self
            .0
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        #[derive(Serialize)]
        struct Written {
            count: u64,
            buckets: Vec<(u64, u64)>,
        }
        Written {
            count: self.count(),
            buckets,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Written {
            buckets: Vec<(u64, u64)>,
        }
        let written = Written::deserialize(d)?;
        let mut h = Histogram::default();
        for (value, count) in written.buckets {
            if h.0.record_n(value, count).is_err() {
                h.0.saturating_record_n(value, count);
            }
        }
        Ok(h)
    }
}

/// Messages both ways.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Messages {
    pub sent: u64,
    pub sent_bytes: u64,
    pub received: u64,
    pub received_bytes: u64,
}

/// One second of the run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Second {
    /// Seconds since the swarm began (this row covers the second before).
    pub t: u64,
    pub running: u64,
    pub ended: u64,
    pub sent: u64,
    pub received: u64,
    pub errors: u64,
    pub reply: Histogram,
}

/// Everything a swarm (or a part of one) measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub format: u32,
    pub graph: String,
    /// The whole swarm's instances.
    pub instances: u64,
    /// The parts in this report (`[0]` of 1 for a whole swarm run in one process).
    pub parts: Vec<u64>,
    pub of: u64,
    /// Wall-clock seconds (the longest part's).
    pub seconds: f64,
    pub started: u64,
    /// Instances ended, by how: quit, idle (nothing left to run), runtime_error, duration,
    /// stopped (Ctrl-C or SIGTERM).
    pub ended: BTreeMap<String, u64>,
    /// Each Connect's and Reconnect's exec output.
    pub connect: BTreeMap<String, u64>,
    /// On Connection Error, by its error.
    pub connection_errors: BTreeMap<String, u64>,
    /// On Disconnected, by status code.
    pub closes: BTreeMap<String, u64>,
    pub messages: Messages,
    /// Runtime errors, by node.
    pub runtime_errors: BTreeMap<String, u64>,
    pub warnings: u64,
    /// `Count Metric`s.
    pub counters: BTreeMap<String, u64>,
    /// `handshake` and `reply` (microseconds), `metric.NAME` (millionths).
    pub histograms: BTreeMap<String, Histogram>,
    pub per_second: Vec<Second>,
}

/// The version of the report's JSON this build writes and reads.
pub const FORMAT: u32 = 1;

impl Report {
    /// Adds `other` (another part of the same swarm) to this one; a report of another
    /// swarm — another graph file (by name: the parts may run on machines with other
    /// folders), report format, instance count or number of parts — is refused, saying
    /// how it differs. Counts saturate at the top of `u64`.
    pub fn merge(&mut self, other: &Report) -> Result<(), String> {
        fn add(to: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
            for (k, v) in from {
                let sum = to.entry(k.clone()).or_default();
                *sum = sum.saturating_add(*v);
            }
        }
        fn file_name(graph: &str) -> &str {
            graph.rsplit(['/', '\\']).next().unwrap_or(graph)
        }
        if other.format != FORMAT {
            return Err(format!("report format {}, not {FORMAT}", other.format));
        }
        if !self.parts.is_empty() {
            if file_name(&other.graph) != file_name(&self.graph) {
                return Err(format!("graph `{}`, not `{}`", other.graph, self.graph));
            }
            if other.instances != self.instances {
                return Err(format!("{} instances, not {}", other.instances, self.instances));
            }
            if other.of != self.of {
                return Err(format!("a part of {}, not of {}", other.of, self.of));
            }
        }
        if self.graph.is_empty() {
            self.graph = other.graph.clone();
        }
        self.format = other.format;
        self.instances = other.instances;
        self.of = other.of;
        self.parts.extend(&other.parts);
        self.parts.sort_unstable();
        self.seconds = self.seconds.max(other.seconds);
        self.started = self.started.saturating_add(other.started);
        add(&mut self.ended, &other.ended);
        add(&mut self.connect, &other.connect);
        add(&mut self.connection_errors, &other.connection_errors);
        add(&mut self.closes, &other.closes);
        let (mine, theirs) = (&mut self.messages, &other.messages);
        mine.sent = mine.sent.saturating_add(theirs.sent);
        mine.sent_bytes = mine.sent_bytes.saturating_add(theirs.sent_bytes);
        mine.received = mine.received.saturating_add(theirs.received);
        mine.received_bytes = mine.received_bytes.saturating_add(theirs.received_bytes);
        add(&mut self.runtime_errors, &other.runtime_errors);
        self.warnings = self.warnings.saturating_add(other.warnings);
        add(&mut self.counters, &other.counters);
        for (name, h) in &other.histograms {
            self.histograms.entry(name.clone()).or_default().merge(h);
        }
        // Rows by second, looked up in constant time (a search per row took 14 s for two
        // parts of 80,000 rows).
        let mut at: std::collections::HashMap<u64, usize> =
            self.per_second.iter().enumerate().map(|(i, r)| (r.t, i)).collect();
        for row in &other.per_second {
            match at.get(&row.t).map(|&i| &mut self.per_second[i]) {
                Some(mine) => {
                    mine.running = mine.running.saturating_add(row.running);
                    mine.ended = mine.ended.saturating_add(row.ended);
                    mine.sent = mine.sent.saturating_add(row.sent);
                    mine.received = mine.received.saturating_add(row.received);
                    mine.errors = mine.errors.saturating_add(row.errors);
                    mine.reply.merge(&row.reply);
                }
                None => {
                    at.insert(row.t, self.per_second.len());
                    self.per_second.push(row.clone());
                }
            }
        }
        self.per_second.sort_by_key(|r| r.t);
        Ok(())
    }

    /// A histogram by name (empty if none was recorded).
    pub fn histogram(&self, name: &str) -> Histogram {
        self.histograms.get(name).cloned().unwrap_or_default()
    }

    /// Connects that did not connect: Connect outputs other than Connecting, and On
    /// Connection Errors.
    pub fn connect_errors(&self) -> u64 {
        self.connect
            .iter()
            .filter(|(k, _)| k.as_str() != "Connecting")
            .map(|(_, v)| v)
            .sum::<u64>()
            + self.connection_errors.values().sum::<u64>()
    }

    /// The summary table, as the command prints it.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let parts = if self.of > 1 {
            format!(" (parts {} of {})", list(&self.parts), self.of)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "swarm of {} instances of {}{parts}, {:.1} s",
            self.instances, self.graph, self.seconds
        );
        let _ = writeln!(
            out,
            "  instances  started {}, ended {}",
            self.started,
            table(&self.ended)
        );
        if !self.connect.is_empty() {
            let _ = writeln!(out, "  connect    {}", table(&self.connect));
        }
        let handshake = self.histogram("handshake");
        if handshake.count() > 0 {
            let _ = writeln!(out, "  handshake  {}", times(&handshake));
        }
        if !self.connection_errors.is_empty() {
            let _ = writeln!(out, "  connection errors");
            for (reason, n) in &self.connection_errors {
                let _ = writeln!(out, "    {n:>8}  {reason}");
            }
        }
        if !self.closes.is_empty() {
            let _ = writeln!(out, "  closes     {}", table(&self.closes));
        }
        let m = &self.messages;
        let per = |n: u64| n as f64 / self.seconds.max(1e-9);
        let _ = writeln!(
            out,
            "  messages   sent {} ({} B, {:.0}/s), received {} ({} B, {:.0}/s)",
            m.sent,
            m.sent_bytes,
            per(m.sent),
            m.received,
            m.received_bytes,
            per(m.received)
        );
        let reply = self.histogram("reply");
        if reply.count() > 0 {
            let _ = writeln!(out, "  reply      {} ({} replies)", times(&reply), reply.count());
        }
        let errors: u64 = self.runtime_errors.values().sum();
        let _ = writeln!(out, "  runtime errors {errors}, warnings {}", self.warnings);
        for (node, n) in &self.runtime_errors {
            let _ = writeln!(out, "    {n:>8}  {node}");
        }
        for (name, n) in &self.counters {
            let _ = writeln!(out, "  metric {name}: {n}");
        }
        for (name, h) in self.histograms.iter().filter(|(n, _)| n.starts_with("metric.")) {
            let v = |millionths: u64| figure(millionths as f64 / 1e6);
            let _ = writeln!(
                out,
                "  {name}: p50 {}, p90 {}, p95 {}, p99 {}, max {} ({} samples)",
                v(h.at(0.5)),
                v(h.at(0.9)),
                v(h.at(0.95)),
                v(h.at(0.99)),
                v(h.max()),
                h.count()
            );
        }
        out
    }

    /// One row per second: the run's figures, comma-separated, with a header.
    pub fn csv(&self) -> String {
        let mut out =
            String::from("second,running,ended,sent,received,errors,reply_p50_ms,reply_p95_ms,reply_p99_ms\n");
        for r in &self.per_second {
            let ms = |q: f64| r.reply.at(q) as f64 / 1e3;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{:.3},{:.3},{:.3}",
                r.t,
                r.running,
                r.ended,
                r.sent,
                r.received,
                r.errors,
                ms(0.5),
                ms(0.95),
                ms(0.99)
            );
        }
        out
    }
}

/// A measured figure to about three significant digits (the histograms keep two).
fn figure(v: f64) -> String {
    let digits = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else if v.abs() >= 1.0 {
        2
    } else {
        3 + (-v.abs().max(1e-9).log10().floor()) as usize
    };
    format!("{v:.*}", digits.min(9))
}

fn list(parts: &[u64]) -> String {
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// `a 3, b 4` for a table of counts.
fn table(counts: &BTreeMap<String, u64>) -> String {
    if counts.is_empty() {
        return "0".to_string();
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A time histogram's percentiles, in milliseconds.
fn times(h: &Histogram) -> String {
    let ms = |us: u64| us as f64 / 1e3;
    format!(
        "p50 {:.2} ms, p90 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(h.at(0.5)),
        ms(h.at(0.9)),
        ms(h.at(0.95)),
        ms(h.at(0.99)),
        ms(h.max())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_keeps_large_values_within_one_percent() {
        let mut h = Histogram::default();
        for v in [150u64, 2_000, 35_000_000, 7] {
            h.record(v);
        }
        assert_eq!(h.count(), 4);
        let max = h.max() as f64;
        assert!((max - 35e6).abs() / 35e6 < 0.01, "{max}");
        let p50 = h.at(0.5) as f64;
        assert!((p50 - 150.0).abs() / 150.0 < 0.01, "{p50}");
    }

    #[test]
    fn histograms_written_and_read_merge_as_one() {
        let (mut a, mut b, mut whole) = (Histogram::default(), Histogram::default(), Histogram::default());
        for v in 1..=10_000u64 {
            let value = v * 37 % 100_003;
            if v % 2 == 0 { &mut a } else { &mut b }.record(value);
            whole.record(value);
        }
        let a: Histogram = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        let b: Histogram = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        let mut merged = a.clone();
        merged.merge(&b);
        assert_eq!(merged.count(), whole.count());
        for q in [0.5, 0.9, 0.95, 0.99] {
            assert_eq!(merged.at(q), whole.at(q), "quantile {q}");
        }
        assert_eq!(merged.max(), whole.max());
    }
}
