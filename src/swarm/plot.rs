//! `--plot OUT.svg`: the reply time of each second of the run (p50 and p95), a small SVG
//! with presentation attributes only, as the pictures are, so every renderer draws it.

use std::fmt::Write as _;

use super::report::Report;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 32.0;
const TOP: f64 = 24.0;
const RIGHT: f64 = 16.0;

/// The plot of `report`'s reply times per second, in milliseconds.
pub fn reply_time(report: &Report) -> String {
    let rows: Vec<(u64, f64, f64)> = report
        .per_second
        .iter()
        .filter(|r| r.reply.count() > 0)
        .map(|r| (r.t, r.reply.at(0.5) as f64 / 1e3, r.reply.at(0.95) as f64 / 1e3))
        .collect();
    let last = report.per_second.iter().map(|r| r.t).max().unwrap_or(1).max(1) as f64;
    let top = rows.iter().map(|r| r.2).fold(0.0, f64::max);
    let top = nice(top.max(0.001));
    let x = |t: f64| LEFT + (WIDTH - LEFT - RIGHT) * t / last;
    let y = |ms: f64| HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * ms / top;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, sans-serif" font-size="11">"##
    );
    let _ = writeln!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="14" fill="#222222" font-size="12">reply time per second, ms ({} replies)</text>"##,
        report.histogram("reply").count()
    );
    for i in 0..=4 {
        let ms = top * f64::from(i) / 4.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#dddddd"/><text x="{2:.1}" y="{3:.1}" fill="#444444" text-anchor="end">{4}</text>"##,
            y(ms),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(ms) + 4.0,
            trim(ms)
        );
    }
    for i in 0..=4 {
        let t = last * f64::from(i) / 4.0;
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" fill="#444444" text-anchor="middle">{} s</text>"##,
            x(t),
            HEIGHT - BOTTOM + 16.0,
            trim(t)
        );
    }
    for (name, colour, pick) in [("p50", "#2b7bb9", 1usize), ("p95", "#d9534f", 2)] {
        let points: Vec<String> = rows
            .iter()
            .map(|r| {
                let ms = if pick == 1 { r.1 } else { r.2 };
                format!("{:.1},{:.1}", x(r.0 as f64), y(ms))
            })
            .collect();
        if !points.is_empty() {
            let _ = writeln!(
                svg,
                r##"<polyline class="{name}" points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##,
                points.join(" ")
            );
        }
        let lx = if pick == 1 { WIDTH - 120.0 } else { WIDTH - 64.0 };
        let _ = writeln!(
            svg,
            r##"<line x1="{lx}" y1="10" x2="{}" y2="10" stroke="{colour}" stroke-width="2"/><text x="{}" y="14" fill="#222222">{name}</text>"##,
            lx + 14.0,
            lx + 18.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The next round number at or above `v` (1, 2 or 5 times a power of ten).
fn nice(v: f64) -> f64 {
    let power = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|n| *n >= v)
        .unwrap_or(10.0 * power)
}

/// A number with no more digits than it needs.
fn trim(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
