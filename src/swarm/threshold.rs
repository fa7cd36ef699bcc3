//! `--threshold EXPR`: `NAME OP NUMBER` over a report's figures (`reply_p95 < 0.05`,
//! `connect_errors == 0`, `metric.login.p99 < 2`). Times are in seconds.

use super::report::{Histogram, Report};

/// The figures a threshold may name (besides `metric.NAME.…`).
const NAMES: [&str; 22] = [
    "reply_p50",
    "reply_p90",
    "reply_p95",
    "reply_p99",
    "reply_max",
    "reply_count",
    "handshake_p50",
    "handshake_p90",
    "handshake_p95",
    "handshake_p99",
    "handshake_max",
    "connect_errors",
    "messages_sent",
    "messages_received",
    "bytes_sent",
    "bytes_received",
    "runtime_errors",
    "warnings",
    "instances_started",
    "instances_ended",
    "ended_quit",
    "ended_runtime_error",
];

/// What follows a metric's name: a percentile, the largest, or how many samples (for a
/// `Count Metric`, its count).
const METRIC_FIGURES: [&str; 6] = ["p50", "p90", "p95", "p99", "max", "count"];

/// One threshold, as written and read.
#[derive(Clone, Debug)]
pub struct Threshold {
    pub text: String,
    name: String,
    op: Op,
    limit: f64,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
}

impl Threshold {
    /// Reads `NAME OP NUMBER`, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let ops = [
            ("<=", Op::LessEqual),
            (">=", Op::GreaterEqual),
            ("==", Op::Equal),
            ("!=", Op::NotEqual),
            ("<", Op::Less),
            (">", Op::Greater),
        ];
        let Some((at, token, op)) = ops
            .iter()
            .filter_map(|(token, op)| text.find(token).map(|at| (at, *token, *op)))
            .min_by_key(|(at, token, _)| (*at, std::cmp::Reverse(token.len())))
        else {
            return Err(format!(
                "--threshold {text:?}: expected NAME OP NUMBER, OP one of < <= > >= == !="
            ));
        };
        let name = text[..at].trim().to_string();
        let number = text[at + token.len()..].trim();
        let limit: f64 = number
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite())
            .ok_or_else(|| format!("--threshold {text:?}: `{number}` is not a number"))?;
        if let Some(rest) = name.strip_prefix("metric.") {
            let figure = rest.rsplit_once('.').map(|(_, f)| f).unwrap_or_default();
            if !METRIC_FIGURES.contains(&figure) {
                return Err(format!(
                    "--threshold {text:?}: a metric's figure is one of {} (as in metric.NAME.p99)",
                    METRIC_FIGURES.join(", ")
                ));
            }
        } else if !NAMES.contains(&name.as_str()) {
            return Err(format!(
                "--threshold {text:?}: no figure `{name}`{}; the figures are {}, and metric.NAME.p50 … .max, .count",
                graphrun_format::names::suggest(&name, NAMES),
                NAMES.join(", ")
            ));
        }
        Ok(Threshold {
            text: text.trim().to_string(),
            name,
            op,
            limit,
        })
    }

    /// The figure's value in `report` (or why it has none), and whether it meets the
    /// threshold. A figure with no value (a percentile of no samples) meets none.
    pub fn check(&self, report: &Report) -> (Result<f64, String>, bool) {
        let value = match value(report, &self.name) {
            Ok(value) => value,
            Err(why) => return (Err(why), false),
        };
        let met = match self.op {
            Op::Less => value < self.limit,
            Op::LessEqual => value <= self.limit,
            Op::Greater => value > self.limit,
            Op::GreaterEqual => value >= self.limit,
            Op::Equal => value == self.limit,
            Op::NotEqual => value != self.limit,
        };
        (Ok(value), met)
    }
}

/// A figure of the report by its threshold name; why it has none where a percentile or the
/// largest of a histogram with no samples is asked for (every connection refused, a metric
/// never recorded or misspelt).
fn value(report: &Report, name: &str) -> Result<f64, String> {
    let seconds = |h: Histogram, q: Option<f64>, what: &str| {
        if h.count() == 0 {
            return Err(format!("no samples: {what}"));
        }
        Ok(q.map_or(h.max(), |q| h.at(q)) as f64 / 1e6)
    };
    let quantile = |figure: &str| match figure {
        "p50" => Some(0.5),
        "p90" => Some(0.9),
        "p95" => Some(0.95),
        _ => Some(0.99),
    };
    if let Some(rest) = name.strip_prefix("metric.") {
        let (metric, figure) = rest.rsplit_once('.').unwrap_or((rest, "count"));
        if let Some(count) = report.counters.get(metric).filter(|_| figure == "count") {
            return Ok(*count as f64);
        }
        let h = report.histogram(&format!("metric.{metric}"));
        let recorded = report
            .histograms
            .keys()
            .filter_map(|k| k.strip_prefix("metric."))
            .chain(report.counters.keys().map(String::as_str));
        let what = format!(
            "no `Record Metric` of `{metric}` was made{}",
            graphrun_format::names::suggest(metric, recorded)
        );
        return match figure {
            "count" => Ok(h.count() as f64),
            "max" => seconds(h, None, &what),
            f => seconds(h, quantile(f), &what),
        };
    }
    let ended = |how: &str| report.ended.get(how).copied().unwrap_or(0) as f64;
    let timed = |h: &str| match h {
        "reply" => "no reply was timed (no connection had a message answered)",
        _ => "no handshake completed",
    };
    Ok(match name {
        "reply_max" => seconds(report.histogram("reply"), None, timed("reply"))?,
        "reply_count" => report.histogram("reply").count() as f64,
        "handshake_max" => seconds(report.histogram("handshake"), None, timed("handshake"))?,
        "connect_errors" => report.connect_errors() as f64,
        "messages_sent" => report.messages.sent as f64,
        "messages_received" => report.messages.received as f64,
        "bytes_sent" => report.messages.sent_bytes as f64,
        "bytes_received" => report.messages.received_bytes as f64,
        "runtime_errors" => report.runtime_errors.values().sum::<u64>() as f64,
        "warnings" => report.warnings as f64,
        "instances_started" => report.started as f64,
        "instances_ended" => report.ended.values().sum::<u64>() as f64,
        "ended_quit" => ended("quit"),
        "ended_runtime_error" => ended("runtime_error"),
        other => match other.split_once('_') {
            Some((h, figure)) => seconds(report.histogram(h), quantile(figure), timed(h))?,
            None => 0.0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_and_check_and_a_wrong_name_gets_the_nearest() {
        let mut report = Report::default();
        report.messages.received = 10_000;
        let mut reply = Histogram::default();
        for us in 1..=100 {
            reply.record(us * 1_000);
        }
        report.histograms.insert("reply".into(), reply);
        report.counters.insert("login".into(), 7);
        let check = |t: &str| Threshold::parse(t).unwrap().check(&report);
        assert!(check("messages_received >= 10000").1);
        assert!(!check("messages_received > 10000").1);
        assert!(check("reply_p95 < 0.1").1);
        assert!(!check("reply_p95 < 0.05").1);
        assert_eq!(check("metric.login.count == 7"), (Ok(7.0), true));
        assert!(check("connect_errors == 0").1);
        let wrong = Threshold::parse("reply_p59 < 1").unwrap_err();
        assert!(
            wrong.contains("did you mean `reply_p50`") || wrong.contains("did you mean `reply_p95`"),
            "{wrong}"
        );
        assert!(Threshold::parse("reply_p95 ~ 1").is_err());
        assert!(Threshold::parse("reply_p95 < fast").is_err());
        assert!(Threshold::parse("metric.x.p42 < 1").is_err());
    }

    /// Issue 34, 10: every connection refused, `reply_p95 < 0.05` passed (an empty
    /// histogram's p95 is 0), and so did a misspelt `metric.login_tme.p99`.
    #[test]
    fn a_percentile_of_no_samples_meets_no_threshold() {
        let mut report = Report::default();
        let mut login = Histogram::default();
        login.record(5_000);
        report.histograms.insert("metric.login_time".into(), login);
        let check = |t: &str| Threshold::parse(t).unwrap().check(&report);
        let (value, met) = check("reply_p95 < 0.05");
        assert!(!met);
        assert!(value.unwrap_err().contains("no reply was timed"));
        assert!(!check("handshake_max < 1").1);
        let (value, met) = check("metric.login_tme.p99 < 2");
        assert!(!met);
        assert!(value.unwrap_err().contains("did you mean `login_time`"));
        assert!(check("metric.login_time.p99 < 2").1);
        // A count of nothing is 0, and meets `== 0`.
        assert_eq!(check("reply_count == 0"), (Ok(0.0), true));
    }
}
