//! A graph as its author wrote it, for drawing: each node (a macro use as one node) with
//! its pins and their types, the literals on its inputs, its `pos` and `comment`; the
//! wires between pins; the comment boxes. The checker makes one for the event graph and
//! one per function body ([`crate::Program::picture`]).

use graphrun_format::{NodeDecl, Source, Type};

/// What to draw of one graph (the event graph, or a function's body).
#[derive(Clone, Debug, Default)]
pub struct Picture {
    /// The nodes, in the order written.
    pub nodes: Vec<PictureNode>,
    /// The wires, exec then data, in the order written.
    pub wires: Vec<Wire>,
    /// The comment boxes.
    pub comments: Vec<CommentBox>,
}

/// One node as drawn.
#[derive(Clone, Debug)]
pub struct PictureNode {
    /// Its id.
    pub id: String,
    /// Its type: the node type's, function's or macro's name.
    pub title: String,
    /// Where its box's top-left corner is, if the file says.
    pub pos: Option<(i64, i64)>,
    /// The note above it.
    pub comment: Option<String>,
    /// Exec inputs.
    pub exec_inputs: Vec<String>,
    /// Exec outputs.
    pub exec_outputs: Vec<String>,
    /// Data inputs: name, type, and what the file wrote there if it is not a wire (a
    /// literal's text, or a variable as `Var("Name")`).
    pub inputs: Vec<(String, Type, Option<String>)>,
    /// Data outputs: name and type.
    pub outputs: Vec<(String, Type)>,
    /// A Custom Event: it has the delegate output `Event` (Blueprint's red square at its
    /// top right), which a wire binds to delegate inputs.
    pub bindable: bool,
    /// A reroute knot (drawn as a small knot on its wire, no box).
    pub knot: bool,
}

impl PictureNode {
    /// Whether its input `pin` is a delegate (drawn as a red square, bound by a wire from a
    /// Custom Event's `Event`).
    pub fn is_delegate(&self, pin: &str) -> bool {
        self.inputs.iter().any(|(name, ty, _)| name == pin && is_delegate(ty))
    }
}

/// The type a delegate input has in a picture (and in the edit layer's `Facts`): its own
/// class name, which no node library can register (it is not a valid class name there).
pub fn delegate_type() -> Type {
    Type::Object("delegate".into())
}

/// Whether `ty` is a delegate input's ([`delegate_type`]).
pub fn is_delegate(ty: &Type) -> bool {
    matches!(ty, Type::Object(class) if class.as_ref() == "delegate")
}

/// A wire from an output pin to an input pin (node indices into [`Picture::nodes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    /// An exec wire (else data).
    pub exec: bool,
    /// The output pin: node and pin name.
    pub from: (usize, String),
    /// The input pin: node and pin name.
    pub to: (usize, String),
    /// A data wire's type.
    pub ty: Option<Type>,
    /// A delegate binding: from a Custom Event's `Event` to a delegate input
    /// (`Event("ID")` in the file).
    pub delegate: bool,
}

/// A comment box around nodes.
#[derive(Clone, Debug)]
pub struct CommentBox {
    /// Its text.
    pub text: String,
    /// The nodes it surrounds (indices into [`Picture::nodes`]).
    pub nodes: Vec<usize>,
    /// `#RRGGBB`, if the file gives one.
    pub color: Option<String>,
}

/// The pins of one written node, as the checker decided them.
#[derive(Default)]
pub(crate) struct Pins {
    pub bindable: bool,
    pub knot: bool,
    pub exec_inputs: Vec<String>,
    pub exec_outputs: Vec<String>,
    pub inputs: Vec<(String, Type)>,
    pub outputs: Vec<(String, Type)>,
}

/// The pins of the nodes the checker could give none (an unknown node type, a Blueprint
/// node `graphrun import` found no counterpart for), as the file names them: its inputs and
/// exec outputs as written, the exec inputs and outputs other nodes wire to. Their types
/// are not known: a value pin is drawn as Json. So such a node keeps its wires in the
/// picture, and the editor can still wire it.
fn written_pins(nodes: &[NodeDecl], by_id: &std::collections::HashMap<&str, usize>, all: &mut [Option<Pins>]) {
    if all.iter().all(Option::is_some) {
        return;
    }
    let mut derived: std::collections::HashMap<usize, Pins> = std::collections::HashMap::new();
    let unknown = |i: usize, all: &[Option<Pins>]| all[i].is_none();
    for (i, decl) in nodes.iter().enumerate() {
        if unknown(i, all) {
            let pins = derived.entry(i).or_default();
            for input in &decl.inputs {
                if !matches!(input.source, Source::Event(_)) {
                    pins.inputs.push((input.pin.value.clone(), Type::Json));
                }
            }
            for exec in &decl.exec {
                pins.exec_outputs.push(exec.pin.value.clone());
            }
        }
        for exec in &decl.exec {
            if let Some(&t) = by_id.get(exec.node.value.as_str()).filter(|&&t| unknown(t, all)) {
                let pin = exec.input.as_ref().map_or("exec", |p| p.value.as_str()).to_string();
                let pins = derived.entry(t).or_default();
                if !pins.exec_inputs.contains(&pin) {
                    pins.exec_inputs.push(pin);
                }
            }
        }
        for input in &decl.inputs {
            if let Source::Link { node, pin } = &input.source {
                if let Some(&s) = by_id.get(node.value.as_str()).filter(|&&s| unknown(s, all)) {
                    let pins = derived.entry(s).or_default();
                    if !pins.outputs.iter().any(|(n, _)| n == &pin.value) {
                        pins.outputs.push((pin.value.clone(), Type::Json));
                    }
                }
            }
        }
    }
    for (i, pins) in derived {
        all[i] = Some(pins);
    }
}

/// A picture of `nodes` (as written), each node's pins from `pins`; the literal text of an
/// input from `text` (the source's slice).
pub(crate) fn picture(
    nodes: &[NodeDecl],
    pins: impl Fn(&NodeDecl) -> Option<Pins>,
    text: impl Fn(graphrun_format::Span) -> String,
) -> Picture {
    let by_id: std::collections::HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.value.as_str(), i))
        .collect();
    let index = |id: &str| by_id.get(id).copied();
    let mut picture = Picture::default();
    let mut all: Vec<Option<Pins>> = nodes.iter().map(&pins).collect();
    written_pins(nodes, &by_id, &mut all);
    for (decl, pins) in nodes.iter().zip(&all) {
        let pins = pins.as_ref();
        let by_pin: std::collections::HashMap<&str, &graphrun_format::InputDecl> =
            decl.inputs.iter().map(|i| (i.pin.value.as_str(), i)).collect();
        let written = |pin: &str| by_pin.get(pin).copied();
        let inputs = pins
            .map(|p| {
                p.inputs
                    .iter()
                    .map(|(name, ty)| {
                        let shown = written(name).and_then(|i| match &i.source {
                            Source::Literal(lit) => Some(text(lit.span)),
                            Source::Var(v) => Some(format!("Var(\"{}\")", v.value)),
                            Source::Event(e) => Some(format!("Event(\"{}\")", e.value)),
                            Source::Link { .. } => None,
                        });
                        (name.clone(), ty.clone(), shown)
                    })
                    .collect()
            })
            .unwrap_or_default();
        picture.nodes.push(PictureNode {
            id: decl.id.value.clone(),
            title: decl.node_type.value.clone(),
            pos: decl.pos.as_ref().map(|p| p.value),
            comment: decl.comment.as_ref().map(|c| c.value.clone()),
            exec_inputs: pins.map(|p| p.exec_inputs.clone()).unwrap_or_default(),
            exec_outputs: pins.map(|p| p.exec_outputs.clone()).unwrap_or_default(),
            inputs,
            outputs: pins.map(|p| p.outputs.clone()).unwrap_or_default(),
            bindable: pins.is_some_and(|p| p.bindable),
            knot: pins.is_some_and(|p| p.knot),
        });
    }
    for (to, decl) in nodes.iter().enumerate() {
        for exec in &decl.exec {
            let Some(target) = index(&exec.node.value) else {
                continue;
            };
            let pin = match &exec.input {
                Some(pin) => pin.value.clone(),
                None => match picture.nodes[target].exec_inputs.first() {
                    Some(first) => first.clone(),
                    None => continue,
                },
            };
            picture.wires.push(Wire {
                exec: true,
                from: (to, exec.pin.value.clone()),
                to: (target, pin),
                ty: None,
                delegate: false,
            });
        }
    }
    for (to, decl) in nodes.iter().enumerate() {
        for input in &decl.inputs {
            if let Source::Link { node, pin } = &input.source {
                let Some(from) = index(&node.value) else { continue };
                let ty = picture.nodes[from]
                    .outputs
                    .iter()
                    .find(|(n, _)| *n == pin.value)
                    .map(|(_, t)| t.clone());
                picture.wires.push(Wire {
                    exec: false,
                    from: (from, pin.value.clone()),
                    to: (to, input.pin.value.clone()),
                    ty,
                    delegate: false,
                });
            }
        }
    }
    for (to, decl) in nodes.iter().enumerate() {
        for input in &decl.inputs {
            if let Source::Event(event) = &input.source {
                let Some(from) = index(&event.value).filter(|&i| picture.nodes[i].bindable) else {
                    continue;
                };
                picture.wires.push(Wire {
                    exec: false,
                    from: (from, EVENT_PIN.to_string()),
                    to: (to, input.pin.value.clone()),
                    ty: None,
                    delegate: true,
                });
            }
        }
    }
    picture
}

/// The name of a Custom Event's delegate output.
pub const EVENT_PIN: &str = "Event";
