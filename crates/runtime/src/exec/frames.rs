//! What the interpreter keeps of running function calls: their frames, the re-entry marks
//! a chain leaves (Sequence, loops, a call's return), and the trail of calls and macro uses
//! that led to a node, for its runtime error or an observer. Data only: the calls
//! themselves are run by the files above (calls, chain).

use crate::plan::program::ProgramInner;

/// The most calls that may be running inside each other.
pub(crate) const MAX_CALL_DEPTH: usize = 1000;

/// The re-entry payload of a call's return mark: the call node runs again to finish.
pub(crate) const CALL_DONE: u64 = u64::MAX;

/// A re-entry: node, instruction, payload.
pub(crate) type Reentry = (u32, u32, u64);

/// A running call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    /// The call node.
    pub(crate) node: u32,
    pub(crate) function: u32,
    /// Where its caller's frame was put aside, for a recursive call.
    pub(crate) saved_at: Option<usize>,
}

/// What calls keep in an instance: the running calls (innermost last) and how many calls of
/// each function are running. The frames put aside and what a Return Node gave are values
/// a collection must see: they are in the instance's `State`.
#[derive(Default)]
pub(crate) struct Calls {
    pub(crate) stack: Vec<Frame>,
    /// Per function, how many of its calls are running.
    pub(crate) active: Vec<u32>,
    /// A Return Node ran and its call has not finished yet.
    pub(crate) has_returned: bool,
    /// Re-entry stacks for pure calls' chains, reused.
    pub(crate) stacks: Vec<Vec<Reentry>>,
    /// How many pure calls' nested chains are running (an observer cannot pause in one).
    pub(crate) nested: u32,
}

/// Where node `node` is, for its runtime error or an observer: the function or macro it is in, and the
/// macro uses and function calls that led there, innermost first.
pub(crate) fn trail(prog: &ProgramInner, node: u32, frames: &[Frame]) -> (Option<String>, Vec<String>) {
    use crate::plan::origin::{Scope, Site};
    let place = |scope: &Scope| match scope {
        Scope::Graph => format!(", graph `{}`", prog.name),
        Scope::Function(f) => format!(" in function `{}`", prog.functions[*f as usize].name),
        Scope::Macro(m) => format!(" in macro `{m}`"),
    };
    let origin = &prog.debug[node as usize].origin;
    let within = match &origin.scope {
        Scope::Graph => return (None, Vec::new()),
        scope => place(scope).trim_start_matches(" in ").to_string(),
    };
    let mut trail = Vec::new();
    let mut inner = origin.scope.clone();
    let mut add = |site: &Site, inner: &mut Scope| {
        let verb = if matches!(inner, Scope::Macro(_)) {
            "used at"
        } else {
            "called from"
        };
        trail.push(format!(
            "{verb} {}: node `{}` ({}){}",
            prog.source.location(site.span),
            site.id,
            site.type_name,
            place(&site.scope)
        ));
        *inner = site.scope.clone();
    };
    for site in origin.uses.iter() {
        add(site, &mut inner);
    }
    for &Frame { node: call, .. } in frames.iter().rev() {
        let debug = &prog.debug[call as usize];
        let site = Site {
            id: debug.id.clone(),
            type_name: debug.type_name.clone(),
            span: debug.span,
            scope: debug.origin.scope.clone(),
        };
        add(&site, &mut inner);
        for site in debug.origin.uses.iter() {
            add(site, &mut inner);
        }
    }
    (Some(within), fold_repeats(trail))
}

/// The longest run of lines a repeat is looked for in (recursion through a function, a
/// macro or two repeats a few lines).
const LONGEST_REPEAT: usize = 8;

/// Deep recursion repeats a line, or a few lines, many times: each repeat once, with how
/// many more times it came.
fn fold_repeats(lines: Vec<String>) -> Vec<String> {
    let mut folded = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // The shortest block starting here that repeats right after itself, and how often.
        let found = (1..=LONGEST_REPEAT).find_map(|len| {
            let block = lines.get(i..i + len)?;
            let times = lines[i + len..].chunks(len).take_while(|next| *next == block).count();
            (times > 0).then_some((len, times))
        });
        match found {
            Some((len, times)) => {
                folded.extend_from_slice(&lines[i..i + len]);
                folded.push(match len {
                    1 => format!("(the line above {times} more times)"),
                    _ => format!("(the {len} lines above {times} more times)"),
                });
                i += len * (times + 1);
            }
            None => {
                folded.push(lines[i].clone());
                i += 1;
            }
        }
    }
    folded
}
