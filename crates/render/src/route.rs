//! A wire's path: Blueprint's curve from pin to pin where it passes behind no box, else
//! a route around the boxes (out of the source to the right, along a free channel, into
//! the target from the left) with rounded corners. Backward wires (to a node left of
//! their source) and long wires across a band (every band's exec into one `Quit`) take
//! the route.

use crate::layout::Rect;

/// How far a route leaves its pin before it turns.
const STUB: i64 = 16;
/// How far a channel runs from the boxes beside it.
const CLEAR: i64 = 10;
/// The corners' radius.
const RADIUS: i64 = 8;
/// A wire may come this close to a box it passes.
const MARGIN: i64 = 3;
/// Points within this distance of a wire's ends are on its pins (inside its own boxes).
const END: f64 = 12.0;

/// How far around its pins a route looks for a way.
const REACH: i64 = 600;
/// The side of a cell of [`Boxes`]' grid.
const CELL: i64 = 256;

/// The boxes of a picture, found by place: a wire looks only at those near it, so a
/// picture of many nodes is drawn in time linear in its wires.
pub struct Boxes {
    rects: Vec<Rect>,
    cells: std::collections::HashMap<(i64, i64), Vec<usize>>,
}

impl Boxes {
    /// The boxes at `rects`, filed by place.
    pub fn new(rects: &[Rect]) -> Boxes {
        let mut cells: std::collections::HashMap<(i64, i64), Vec<usize>> = std::collections::HashMap::new();
        for (i, r) in rects.iter().enumerate() {
            for cx in r.x.div_euclid(CELL)..=(r.x + r.w).div_euclid(CELL) {
                for cy in r.y.div_euclid(CELL)..=(r.y + r.h).div_euclid(CELL) {
                    cells.entry((cx, cy)).or_default().push(i);
                }
            }
        }
        Boxes {
            rects: rects.to_vec(),
            cells,
        }
    }

    /// The boxes that meet the rectangle from `(x0, y0)` to `(x1, y1)`, in a stable order.
    fn near(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> Vec<Rect> {
        let (cx0, cx1, cy0, cy1) = (
            x0.div_euclid(CELL),
            x1.div_euclid(CELL),
            y0.div_euclid(CELL),
            y1.div_euclid(CELL),
        );
        let area = (cx1 - cx0 + 1).saturating_mul(cy1 - cy0 + 1);
        let mut found: Vec<usize> = Vec::new();
        if area > self.cells.len() as i64 {
            // A wire longer than the picture is wide: the filed cells are fewer to look at.
            for (&(cx, cy), ids) in &self.cells {
                if (cx0..=cx1).contains(&cx) && (cy0..=cy1).contains(&cy) {
                    found.extend(ids);
                }
            }
        } else {
            for cx in cx0..=cx1 {
                for cy in cy0..=cy1 {
                    if let Some(ids) = self.cells.get(&(cx, cy)) {
                        found.extend(ids);
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| self.rects[i]).collect()
    }

    /// The `d` of the wire from `from` (an output pin) to `to` (an input pin).
    pub fn wire(&self, from: (i64, i64), to: (i64, i64)) -> String {
        let boxes = self.near(
            from.0.min(to.0) - REACH,
            from.1.min(to.1) - REACH,
            from.0.max(to.0) + REACH,
            from.1.max(to.1) + REACH,
        );
        wire(from, to, &boxes)
    }
}

/// The `d` of the wire from `from` (an output pin) to `to` (an input pin) among `boxes`.
fn wire(from: (i64, i64), to: (i64, i64), boxes: &[Rect]) -> String {
    let bend = ((to.0 - from.0).abs() / 2).max(50);
    let curve = [
        (from.0, from.1),
        (from.0 + bend, from.1),
        (to.0 - bend, to.1),
        (to.0, to.1),
    ];
    // Around the boxes where the curve passes behind one and a way around is free.
    if let Some(points) = curve_hits(&curve, boxes).then(|| around(from, to, boxes)).flatten() {
        return rounded(&points);
    }
    format!(
        "M {} {} C {} {}, {} {}, {} {}",
        curve[0].0, curve[0].1, curve[1].0, curve[1].1, curve[2].0, curve[2].1, curve[3].0, curve[3].1
    )
}

/// Whether the cubic curve passes behind a box (away from its ends).
fn curve_hits(c: &[(i64, i64); 4], boxes: &[Rect]) -> bool {
    let (start, end) = (c[0], c[3]);
    let f = |p: (i64, i64)| (p.0 as f64, p.1 as f64);
    let (p0, p1, p2, p3) = (f(c[0]), f(c[1]), f(c[2]), f(c[3]));
    (1..64).any(|step| {
        let t = f64::from(step) / 64.0;
        let u = 1.0 - t;
        let x = u * u * u * p0.0 + 3.0 * u * u * t * p1.0 + 3.0 * u * t * t * p2.0 + t * t * t * p3.0;
        let y = u * u * u * p0.1 + 3.0 * u * u * t * p1.1 + 3.0 * u * t * t * p2.1 + t * t * t * p3.1;
        let near_end = [start, end]
            .iter()
            .any(|e| (e.0 as f64 - x).abs() < END && (e.1 as f64 - y).abs() < END);
        !near_end && boxes.iter().any(|r| inside(r, x, y))
    })
}

fn inside(r: &Rect, x: f64, y: f64) -> bool {
    x > (r.x - MARGIN) as f64
        && x < (r.x + r.w + MARGIN) as f64
        && y > (r.y - MARGIN) as f64
        && y < (r.y + r.h + MARGIN) as f64
}

/// Whether the straight segment from `a` to `b` (level or upright) is clear of every box.
fn clear(a: (i64, i64), b: (i64, i64), boxes: &[Rect]) -> bool {
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    !boxes
        .iter()
        .any(|r| x0 < r.x + r.w + MARGIN && x1 > r.x - MARGIN && y0 < r.y + r.h + MARGIN && y1 > r.y - MARGIN)
}

/// The corners of a route around the boxes: out of `from` to the right, to a free level
/// channel, along it, down or up to `to`'s row left of it, and in. The channel nearest the
/// pins that is clear wins; none if no channel is.
fn around(from: (i64, i64), to: (i64, i64), boxes: &[Rect]) -> Option<Vec<(i64, i64)>> {
    let out = (from.0 + STUB, from.1);
    let into = (to.0 - STUB, to.1);
    // The pins' own boxes hold the first and last few pixels; the rest must be clear.
    let (left, right) = (out.0.min(into.0), out.0.max(into.0));
    let mut channels: Vec<i64> = vec![from.1, to.1];
    for r in boxes.iter().filter(|r| r.x < right + STUB && r.x + r.w > left - STUB) {
        channels.extend([r.y - CLEAR, r.y + r.h + CLEAR]);
    }
    channels.sort_by_key(|&y| ((y - from.1).abs() + (y - to.1).abs(), y));
    channels.dedup();
    // The verticals may also stand further out, in the gaps beside other boxes.
    let mut outs = vec![out.0];
    let mut ins = vec![into.0];
    for r in boxes {
        if r.x + r.w >= from.0 && r.x + r.w + STUB <= right.max(out.0 + REACH / 2) {
            outs.push(r.x + r.w + STUB);
        }
        if r.x <= to.0 && r.x - STUB >= left.min(into.0 - REACH / 2) {
            ins.push(r.x - STUB);
        }
    }
    outs.sort_by_key(|&x| ((x - out.0).abs(), x));
    outs.dedup();
    ins.sort_by_key(|&x| ((x - into.0).abs(), x));
    ins.dedup();
    // The stubs out of and into the pins' own boxes are clear of them.
    let (start, end) = (out, into);
    for &y in &channels {
        // The nearest few ways down or up to the channel at each end.
        let downs: Vec<i64> = outs
            .iter()
            .copied()
            .filter(|&x1| clear(start, (x1, from.1), boxes) && clear((x1, from.1), (x1, y), boxes))
            .take(3)
            .collect();
        if downs.is_empty() {
            continue;
        }
        let ups: Vec<i64> = ins
            .iter()
            .copied()
            .filter(|&x2| clear((x2, y), (x2, to.1), boxes) && clear((x2, to.1), end, boxes))
            .take(3)
            .collect();
        for &x1 in &downs {
            for &x2 in &ups {
                if clear((x1, y), (x2, y), boxes) {
                    return Some(vec![from, (x1, from.1), (x1, y), (x2, y), (x2, to.1), to]);
                }
            }
        }
    }
    None
}

/// A path through `points` with rounded corners (no corner's curve longer than half the
/// segments beside it).
fn rounded(points: &[(i64, i64)]) -> String {
    let mut p: Vec<(i64, i64)> = Vec::with_capacity(points.len());
    for &point in points {
        if p.last() != Some(&point) {
            p.push(point);
        }
    }
    // A corner that does not turn is no corner.
    let mut i = 1;
    while i + 1 < p.len() {
        let (a, b, c) = (p[i - 1], p[i], p[i + 1]);
        if (b.0 - a.0) * (c.1 - b.1) == (b.1 - a.1) * (c.0 - b.0) {
            p.remove(i);
        } else {
            i += 1;
        }
    }
    let mut d = format!("M {} {}", p[0].0, p[0].1);
    for i in 1..p.len() {
        let (a, b) = (p[i - 1], p[i]);
        if i + 1 == p.len() {
            d.push_str(&format!(" L {} {}", b.0, b.1));
            break;
        }
        let c = p[i + 1];
        let len = |u: (i64, i64), v: (i64, i64)| (u.0 - v.0).abs() + (u.1 - v.1).abs();
        let r = RADIUS.min(len(a, b) / 2).min(len(b, c) / 2);
        let toward = |u: (i64, i64), v: (i64, i64), r: i64| ((v.0 - u.0).signum() * r, (v.1 - u.1).signum() * r);
        let before = toward(b, a, r);
        let after = toward(b, c, r);
        d.push_str(&format!(
            " L {} {} Q {} {}, {} {}",
            b.0 + before.0,
            b.1 + before.1,
            b.0,
            b.1,
            b.0 + after.0,
            b.1 + after.1
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_curve_stays_a_curve_and_a_blocked_one_goes_around() {
        assert!(wire((10, 10), (200, 10), &[]).contains(" C "));
        let wall = Rect {
            x: 80,
            y: -40,
            w: 40,
            h: 100,
        };
        let d = wire((10, 10), (200, 10), &[wall]);
        assert!(!d.contains(" C "), "{d}");
        assert!(d.starts_with("M 10 10 ") && d.ends_with(" L 200 10"), "{d}");
    }

    #[test]
    fn corners_are_rounded_and_straight_runs_merged() {
        assert_eq!(
            rounded(&[(0, 0), (10, 0), (20, 0), (20, 40), (40, 40)]),
            "M 0 0 L 12 0 Q 20 0, 20 8 L 20 32 Q 20 40, 28 40 L 40 40"
        );
    }
}
