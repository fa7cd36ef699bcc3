//! Where each node's box goes. A node with `pos` goes exactly there. The others are laid
//! out in layers, as Blueprint authors lay out a graph: each event's chain runs left to
//! right in a band of its own (a column per exec step), a pure node sits in the column left
//! of the first node that reads it, and within a column nodes stack in the order their
//! readers or callers come, ties broken by id, so the same file gives the same picture.
//! Auto-placed nodes go below every `pos` node, so no box overlaps another.

use std::collections::HashMap;

use graphrun::Picture;

/// Text metrics of the picture's font (monospace-like estimate, in graph units).
pub const CHAR: i64 = 7;
pub const TITLE: i64 = 26;
pub const ROW: i64 = 20;
const COLUMN_GAP: i64 = 90;
const ROW_GAP: i64 = 30;
const BAND_GAP: i64 = 70;

/// A node's box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

/// The size a node's box needs for its title, id and pins (with the literals shown).
pub fn size(picture: &Picture, i: usize) -> (i64, i64) {
    let node = &picture.nodes[i];
    let left: Vec<usize> = node
        .exec_inputs
        .iter()
        .map(|p| p.chars().count())
        .chain(
            node.inputs
                .iter()
                .map(|(p, _, shown)| p.chars().count() + shown.as_ref().map_or(0, |s| s.chars().count().min(24) + 2)),
        )
        .collect();
    let right: Vec<usize> = node
        .exec_outputs
        .iter()
        .chain(node.outputs.iter().map(|(p, _)| p))
        .map(|p| p.chars().count())
        .collect();
    let widest = |v: &[usize]| v.iter().copied().max().unwrap_or(0) as i64;
    let title = node.title.chars().count().max(node.id.chars().count()) as i64;
    let w = (title * CHAR + 24)
        .max((widest(&left) + widest(&right)) * CHAR + 60)
        .max(120);
    let rows = left.len().max(right.len()) as i64;
    let id_row = if node.id != node.title { 14 } else { 0 };
    (w, TITLE + id_row + rows.max(1) * ROW + 8)
}

/// Every node's box.
pub fn layout(picture: &Picture) -> Vec<Rect> {
    let n = picture.nodes.len();
    let sizes: Vec<(i64, i64)> = (0..n).map(|i| size(picture, i)).collect();
    // Exec successors, and data readers, per node.
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_exec_in = vec![false; n];
    for wire in &picture.wires {
        if wire.exec {
            next[wire.from.0].push(wire.to.0);
            has_exec_in[wire.to.0] = true;
        } else {
            readers[wire.from.0].push(wire.to.0);
        }
    }
    let impure = |i: usize| !picture.nodes[i].exec_inputs.is_empty() || !picture.nodes[i].exec_outputs.is_empty();
    // (band, column) of each auto-placed impure node: events first, in file order, each
    // starting a band; a node keeps the first place it is reached at (a breadth-first walk,
    // so a loop back does not push it right).
    let mut place: Vec<Option<(usize, i64)>> = vec![None; n];
    let mut bands = 0;
    let starts: Vec<usize> = (0..n)
        .filter(|&i| impure(i) && !has_exec_in[i])
        .chain((0..n).filter(|&i| impure(i) && has_exec_in[i]))
        .collect();
    for start in starts {
        if place[start].is_some() {
            continue;
        }
        let band = bands;
        bands += 1;
        place[start] = Some((band, 0));
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(i) = queue.pop_front() {
            let column = place[i].expect("placed").1;
            for &j in &next[i] {
                if place[j].is_none() {
                    place[j] = Some((band, column + 1));
                    queue.push_back(j);
                }
            }
        }
    }
    // Pure nodes: the column left of their first placed reader (repeated, for chains of
    // pure nodes); a pure node nothing places gets a band of its own.
    for _ in 0..n {
        let mut changed = false;
        for i in 0..n {
            if impure(i) || place[i].is_some() {
                continue;
            }
            if let Some((band, column)) = readers[i].iter().find_map(|&r| place[r]) {
                place[i] = Some((band, column - 1));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for slot in place.iter_mut().filter(|p| p.is_none()) {
        *slot = Some((bands, 0));
        bands += 1;
    }
    let place: Vec<(usize, i64)> = place.into_iter().map(|p| p.expect("placed")).collect();
    // Columns' x (shared by every band), from their widest node.
    let min_column = place.iter().map(|p| p.1).min().unwrap_or(0);
    let max_column = place.iter().map(|p| p.1).max().unwrap_or(0);
    let mut widths: HashMap<i64, i64> = HashMap::new();
    for (i, &(_, column)) in place.iter().enumerate() {
        let w = widths.entry(column).or_insert(0);
        *w = (*w).max(sizes[i].0);
    }
    let mut column_x = HashMap::new();
    let mut x = 0;
    for column in min_column..=max_column {
        column_x.insert(column, x);
        x += widths.get(&column).copied().unwrap_or(0) + COLUMN_GAP;
    }
    // Within a band and column: in the order of the first reader or predecessor, then id.
    let order_key = |i: usize| -> (usize, String) {
        let first_reader = readers[i].iter().copied().min().unwrap_or(i);
        (first_reader, picture.nodes[i].id.clone())
    };
    let top = picture
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| node.pos.map(|(_, y)| y + sizes[i].1))
        .max()
        .map_or(0, |bottom| bottom + BAND_GAP);
    let mut rects: Vec<Option<Rect>> = vec![None; n];
    let mut band_top = top;
    for band in 0..bands {
        let mut band_height = 0;
        for column in min_column..=max_column {
            let mut members: Vec<usize> = (0..n).filter(|&i| place[i] == (band, column)).collect();
            members.sort_by_key(|&i| order_key(i));
            let mut y = band_top;
            for i in members {
                let (w, h) = sizes[i];
                rects[i] = Some(Rect {
                    x: column_x[&column],
                    y,
                    w,
                    h,
                });
                y += h + ROW_GAP;
            }
            band_height = band_height.max(y - band_top);
        }
        band_top += band_height + BAND_GAP;
    }
    // A node with `pos` is exactly there.
    (0..n)
        .map(|i| match picture.nodes[i].pos {
            Some((x, y)) => Rect {
                x,
                y,
                w: sizes[i].0,
                h: sizes[i].1,
            },
            None => rects[i].expect("laid out"),
        })
        .collect()
}
