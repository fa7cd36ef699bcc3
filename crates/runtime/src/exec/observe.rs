//! Watching an instance run: the [`Observer`] hook of the one interpreter loop. `--trace`
//! is an observer ([`Tracer`]); a debugger or a recorder is another. An instance without
//! one runs a copy of the loop with the hook compiled out, so it costs nothing there.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::exec::frames::{trail, Frame};
use crate::exec::state::State;
use crate::node::host::{Host, RuntimeError};
use crate::node::registry::Registry;
use crate::node::NodeError;
use crate::plan::program::{InputPlan, ProgramInner};
use crate::value::{json_prefix, ClassNames, Conversion, Json, Value};

/// What an observer asks of the node about to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Run it.
    Continue,
    /// Pause the instance before it: nothing runs (no event, timer or message) until
    /// [`crate::InstanceHandle::resume`]; the host's requests are still answered.
    Pause,
}

/// How a node's run went, for [`Observer::after`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ran<'a> {
    /// It went on through this exec output.
    Exec(&'a str),
    /// It ran and nothing follows it (a pure node, a latent node that will go on later,
    /// the end of a chain).
    Done,
    /// It failed with this runtime error.
    Failed(&'a NodeError),
}

/// A node of a running instance, as an observer sees it.
pub struct NodeView<'a> {
    pub(crate) prog: &'a ProgramInner,
    pub(crate) st: &'a State,
    /// The function calls running, innermost last.
    pub(crate) frames: &'a [Frame],
    pub(crate) node: u32,
    /// Whether its inputs were evaluated for this run (not for a wake-up or a latent
    /// node's result).
    pub(crate) inputs_known: bool,
    /// Whether [`Observer::before`] may pause here.
    pub(crate) pausable: bool,
}

impl NodeView<'_> {
    /// Whether a pause asked for here is taken: not where the chain cannot be put aside
    /// (inside a pure function call, which runs in the middle of its reader's inputs; a
    /// latent node waking up), nor in the `event` and `after` hooks.
    pub fn can_pause(&self) -> bool {
        self.pausable
    }

    /// The node's number in the program.
    pub fn index(&self) -> u32 {
        self.node
    }

    /// The node's id as written in the file.
    pub fn id(&self) -> &str {
        &self.prog.debug[self.node as usize].id
    }

    /// The node's id with the macro uses it sits in before it, outermost first
    /// (`use.inner.id`): what tells two copies of a macro's node apart. A node of the graph
    /// or of a function is its id.
    pub fn path(&self) -> String {
        let debug = &self.prog.debug[self.node as usize];
        let mut path: Vec<&str> = debug.origin.uses.iter().map(|site| site.id.as_str()).collect();
        path.reverse();
        path.push(&debug.id);
        path.join(".")
    }

    /// Whether the node writes a graph variable (a Set, an Increment): after it runs, a
    /// debugger's view of the variables is out of date.
    pub fn writes_variable(&self) -> bool {
        self.prog.debug[self.node as usize].writes_variable
    }

    /// The node's type.
    pub fn type_name(&self) -> &str {
        &self.prog.debug[self.node as usize].type_name
    }

    /// The graph's name.
    pub fn graph(&self) -> &str {
        &self.prog.name
    }

    /// `FILE:LINE:COL` of the node.
    pub fn location(&self) -> String {
        self.prog.source.location(self.prog.debug[self.node as usize].span)
    }

    /// The function or macro whose body holds the node, by name (`None`: the event
    /// graph). Its id is as written in that body.
    pub fn within(&self) -> Option<&str> {
        use crate::plan::origin::Scope;
        match &self.prog.debug[self.node as usize].origin.scope {
            Scope::Graph => None,
            Scope::Function(f) => Some(&self.prog.functions[*f as usize].name),
            Scope::Macro(m) => Some(m),
        }
    }

    /// How the run got to the node, innermost first, as a runtime error's message gives
    /// it (``called from main.ron:30:9: node `ratio` (Ratio), graph `Main` ``): the macro
    /// uses and function calls around it; empty in the event graph.
    pub fn calls(&self) -> Vec<String> {
        trail(self.prog, self.node, self.frames).1
    }

    /// How many function calls deep the node runs (0: in the event graph): a debugger's
    /// Step Over pauses at the same depth or less, Step Out at less.
    pub fn call_depth(&self) -> usize {
        self.frames.len()
    }

    /// The graph's variables and their values now.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Value)> {
        let vars = &self.prog.variables[..self.prog.graph_vars];
        vars.iter().map(|v| v.name.as_str()).zip(self.st.vars().iter())
    }

    /// The registry (for class names).
    pub fn registry(&self) -> &Registry {
        &self.prog.registry
    }

    /// Its inputs by pin name, as the node reads them (converted to the pins' types); an
    /// input that is not known (a wake-up, an output not yet set) is `Unset`.
    pub fn inputs(&self) -> Vec<(&str, Value)> {
        let names = &self.prog.debug[self.node as usize].input_names;
        let plans = &self.prog.nodes[self.node as usize].inputs;
        names
            .iter()
            .zip(plans.iter())
            .map(|(name, plan)| {
                let value = if self.inputs_known {
                    self.input(plan)
                } else {
                    Value::Unset
                };
                (name.as_str(), value)
            })
            .collect()
    }

    fn input(&self, plan: &InputPlan) -> Value {
        let (value, conversion) = match plan {
            InputPlan::Const(v) => return v.clone(),
            InputPlan::Slot { slot, conversion } => (&self.st.regs[*slot as usize], *conversion),
            InputPlan::Var { var, conversion } => (&self.st.vars()[*var as usize], *conversion),
            InputPlan::TakeVar { var } => (&self.st.vars()[*var as usize], Conversion::None),
        };
        match (value, conversion) {
            (Value::Unset, _) => Value::Unset,
            // What cannot become JSON is shown as it is (the node fails on it).
            (v, Conversion::ToJson) if v.non_finite().is_some() => v.clone(),
            (v, conversion) => v.clone().convert(conversion, &self.prog.registry),
        }
    }

    /// Its outputs by pin name, as last set.
    pub fn outputs(&self) -> Vec<(&str, &Value)> {
        let names = &self.prog.debug[self.node as usize].output_names;
        let base = self.prog.nodes[self.node as usize].out_base as usize;
        names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), &self.st.regs[base + i]))
            .collect()
    }
}

/// Watches an instance run, through hooks in its one interpreter loop: each event, each
/// node before and after it runs (every node, also where instructions are fused), and
/// each runtime error. Set one with [`crate::Instance::observe`].
pub trait Observer: Send {
    /// An event starts its chain at `node`.
    fn event(&mut self, node: &NodeView<'_>) {
        let _ = node;
    }

    /// `node` is about to run; [`Control::Pause`] pauses the instance before it.
    fn before(&mut self, node: &NodeView<'_>) -> Control {
        let _ = node;
        Control::Continue
    }

    /// `node` ran (its outputs are set).
    fn after(&mut self, node: &NodeView<'_>, ran: Ran<'_>) {
        let _ = (node, ran);
    }

    /// A runtime error ended an event's chain.
    fn runtime_error(&mut self, error: &RuntimeError) {
        let _ = error;
    }

    /// A live edit swapped `program` in, between events: `variables` are the graph's
    /// variables now, in `program.variables()`'s order; `what` says what did not carry.
    /// Node numbers seen before are of the old program.
    fn swapped(
        &mut self,
        program: &crate::plan::program::Program,
        variables: &[Value],
        what: &crate::exec::generations::Swapped,
    ) {
        let _ = (program, variables, what);
    }
}

/// The most characters of a value a trace line shows.
const SHOWN_CHARS: usize = 200;

/// `--trace`: a line per node that ran, with its pin values, through [`Host::trace`]. An
/// observer of its own can hand its hooks on to one to trace as well.
pub struct Tracer {
    pub(crate) host: Arc<dyn Host>,
    /// The inputs of the nodes running, as `before` saw them: one per node that has not
    /// finished (a function call's node waits for its body's).
    inputs: Vec<String>,
}

impl Tracer {
    /// A tracer writing through `host`.
    pub fn new(host: Arc<dyn Host>) -> Tracer {
        Tracer {
            host,
            inputs: Vec::new(),
        }
    }
}

impl Observer for Tracer {
    fn before(&mut self, node: &NodeView<'_>) -> Control {
        let mut inputs = String::new();
        for (name, value) in node.inputs() {
            pin_text(&mut inputs, name, &value, node.registry());
        }
        self.inputs.push(inputs);
        Control::Continue
    }

    fn after(&mut self, node: &NodeView<'_>, ran: Ran<'_>) {
        let mut outputs = String::new();
        for (name, value) in node.outputs() {
            pin_text(&mut outputs, name, value, node.registry());
        }
        let exec = match ran {
            Ran::Exec(out) => format!(" => {out}"),
            Ran::Done => String::new(),
            Ran::Failed(error) => format!(" => error: {error}"),
        };
        let arrow = if outputs.is_empty() { "" } else { " ->" };
        let inputs = self.inputs.pop().unwrap_or_default();
        self.host.trace(&format!(
            "trace: {} `{}` ({}){inputs}{arrow}{outputs}{exec}",
            node.graph(),
            node.path(),
            node.type_name(),
        ));
    }
}

/// A value's text as `--trace` shows it: as `To String` writes it, strings quoted, cut
/// at 200 characters (with `…`); what a debugger shows on a pin.
pub fn value_preview(value: &Value, registry: &Registry) -> String {
    preview(value, registry)
}

fn preview(value: &Value, classes: &dyn ClassNames) -> String {
    let mut text = String::new();
    shown(value, classes, &mut text);
    if text.chars().count() > SHOWN_CHARS {
        text = text.chars().take(SHOWN_CHARS).collect::<String>() + "…";
    }
    text
}

/// ` name=value` for a set value, the value cut at [`SHOWN_CHARS`] characters.
fn pin_text(out: &mut String, name: &str, value: &Value, classes: &dyn ClassNames) {
    if matches!(value, Value::Unset) {
        return;
    }
    let _ = write!(out, " {name}=");
    out.push_str(&preview(value, classes));
}

/// A value's text as `To String` writes it (strings quoted), stopping soon after
/// [`SHOWN_CHARS`] characters: a 16 MiB string costs no more to show than a short one.
fn shown(value: &Value, classes: &dyn ClassNames, out: &mut String) {
    // Bytes enough for SHOWN_CHARS characters of any width, and one more to cut at.
    const ENOUGH: usize = SHOWN_CHARS * 4 + 4;
    if out.len() > ENOUGH {
        return;
    }
    match value {
        Value::String(s) => {
            let cut: String = s.chars().take(SHOWN_CHARS + 1).collect();
            out.push_str(&Json::String(cut).to_string());
        }
        Value::Json(j) => out.push_str(&String::from_utf8_lossy(&json_prefix(j, ENOUGH).0)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > ENOUGH {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                shown(item, classes, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if out.len() > ENOUGH {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                shown(v, classes, out);
            }
            out.push('}');
        }
        other => other.write_text(out, classes, true),
    }
}
