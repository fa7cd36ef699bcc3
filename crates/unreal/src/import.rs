//! Clipboard text to a graph file (unreal.md section 2): one graphrun node a Blueprint
//! node, by the table of [`crate::map`]; an `Unreal: …` placeholder for a node with no
//! counterpart (its pins, literals and wires kept as Unreal names them); comment boxes,
//! reroute knots, variables, delegate bindings. The text written is RON that the caller
//! formats (`graphrun import` writes it in `graphrun fmt`'s form).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use graphrun_format::ron::quote;

use crate::map::{self, Entry};
use crate::read::{Object, Pin, Read, Warning};
use crate::value::Value;

/// The commutative operators Unreal gives more inputs than two (graphrun's have `A`, `B`).
const CHAINED: &[&str] = &["Add", "Multiply", "And", "Or", "Append", "Min", "Max"];

/// The prefix of a placeholder node's type: `Unreal: KismetStringLibrary.BuildString_Int`.
pub const PLACEHOLDER: &str = graphrun_format::names::UNREAL_PLACEHOLDER;

/// A graph file made from clipboard text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// The graph file's text (RON, not yet in canonical form).
    pub text: String,
    /// What was skipped or could not be kept, with where it was.
    pub warnings: Vec<Warning>,
    /// The placeholder nodes made (their ids), for nodes with no graphrun counterpart.
    pub placeholders: Vec<String>,
    /// How many Blueprint nodes were read (comment boxes not counted).
    pub nodes: usize,
    /// The nodes alone, as a RON map of id to node (what `graphrun edit`'s `paste` takes).
    pub nodes_text: String,
    /// The variables the nodes use, and their types (as a file writes them).
    pub variables: Vec<(String, String)>,
}

/// The entry standing for graphrun's own nodes (their pins as they are named).
static OWN: Entry = Entry {
    kind: map::Kind::Class(""),
    node_type: "",
    pins: &[],
    drop: &[],
};

/// What one Blueprint node becomes.
struct Node<'r> {
    object: &'r Object,
    id: String,
    node_type: String,
    entry: Option<&'static Entry>,
    var: Option<String>,
    /// A Custom Event's own parameters (written when no delegate binds it).
    params: Vec<(String, String)>,
    /// Pin id → graphrun's pin name (pins dropped are not here).
    pins: HashMap<&'r str, String>,
    /// Written by `graphrun export` (its `NodeGuid` is the one export derives from its
    /// name), not by Unreal.
    exported: bool,
}

/// The member a node is about: a call's function (and library), a macro's name, an
/// event's name, a variable's name, a Custom Event's name.
fn member(object: &Object) -> (Option<String>, Option<String>) {
    let class = object.class_name();
    let field = |prop: &str, key: &str| object.prop(prop).and_then(|v| v.get(key)).and_then(Value::text);
    match class {
        "K2Node_MacroInstance" => {
            let graph = object
                .prop("MacroGraphReference")
                .and_then(|v| v.get("MacroGraph"))
                .and_then(Value::path);
            (graph.and_then(|g| g.rsplit(':').next().map(str::to_string)), None)
        }
        "K2Node_Event" | "K2Node_ComponentBoundEvent" => (field("EventReference", "MemberName"), None),
        "K2Node_CustomEvent" => (object.prop("CustomFunctionName").and_then(Value::text), None),
        "K2Node_VariableGet" | "K2Node_VariableSet" => (field("VariableReference", "MemberName"), None),
        "K2Node_CreateDelegate" => (object.prop("SelectedFunctionName").and_then(Value::text), None),
        _ => {
            let library = object
                .prop("FunctionReference")
                .and_then(|v| v.get("MemberParent"))
                .and_then(Value::path);
            (field("FunctionReference", "MemberName"), library)
        }
    }
}

/// Whether a name is Unreal's own (`K2Node_IfThenElse_3`: a class name and a number), or
/// one a graphrun id cannot be (empty, or holding a `.` or a line break): either way the
/// node's id is made from its title.
fn generated(name: &str, object: &Object) -> bool {
    if name.is_empty() || name.contains(['.', '\n', '\r']) {
        return true;
    }
    match name.rsplit_once('_') {
        Some((head, n)) => {
            n.chars().all(|c| c.is_ascii_digit())
                && (head == object.class_name() || head.starts_with("K2Node") || head.starts_with("EdGraphNode"))
        }
        None => false,
    }
}

/// A node id from a title: lower case, runs of other characters as `_`.
fn id_from(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "node".to_string()
    } else {
        out
    }
}

/// A graphrun type for a Blueprint pin type, where there is one.
pub fn pin_type(pin: &Pin) -> Option<String> {
    let base = match pin.category.as_str() {
        "bool" => "Bool".to_string(),
        "int" | "int64" | "byte" => "Int".to_string(),
        "real" | "float" | "double" => "Float".to_string(),
        "string" | "name" | "text" => "String".to_string(),
        "wildcard" => "Json".to_string(),
        "object" | "class" | "interface" | "softobject" => {
            let class = pin.sub_object.as_deref().unwrap_or("Object");
            let short = class.rsplit(['.', '/']).next().unwrap_or(class);
            format!("Object({})", quote(short))
        }
        _ => return None,
    };
    Some(match pin.container.as_deref() {
        Some("Array") | Some("Set") => format!("Array({base})"),
        Some("Map") => format!("Map({base})"),
        _ => base,
    })
}

/// A pin's default value as a RON literal of its type, where it has one. With `zero_fill`,
/// a pin Unreal writes no value for gets its type's zero, as Blueprint gives it (Unreal
/// leaves out a `false` or a `0`); not for text graphrun exported, where no value means the
/// graphrun pin's own default.
fn literal(pin: &Pin, placeholder: bool, zero_fill: bool) -> Option<String> {
    let zero = || match pin.category.as_str() {
        "bool" => Some("false".to_string()),
        "int" | "int64" | "byte" => Some("0".to_string()),
        "real" | "float" | "double" => Some("0.0".to_string()),
        "string" | "name" | "text" => Some("\"\"".to_string()),
        _ => None,
    };
    let Some(value) = pin.default_value.clone().or_else(|| pin.default_text.clone()) else {
        return if zero_fill && pin.container.is_none() {
            zero()
        } else {
            None
        };
    };
    if pin.autogenerated.as_deref() == Some(value.as_str()) && !placeholder {
        // The pin's own default: nothing to write.
        return None;
    }
    if pin.container.is_some() {
        // An array's or a map's literal is its RON text.
        return graphrun_format::ron::parse(&value).is_ok().then_some(value);
    }
    match pin.category.as_str() {
        "bool" => match value.as_str() {
            "true" | "True" => Some("true".into()),
            "false" | "False" => Some("false".into()),
            _ => None,
        },
        "int" | "int64" | "byte" => value.trim().parse::<i64>().ok().map(|n| n.to_string()),
        "real" | "float" | "double" => value.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| {
            let text = format!("{f}");
            if text.contains(['.', 'e', 'E']) {
                text
            } else {
                format!("{text}.0")
            }
        }),
        "string" | "name" | "text" => Some(quote(&value)),
        // A value of graphrun's own (Json, a map) is its RON text.
        "wildcard" => graphrun_format::ron::parse(&value).is_ok().then_some(value),
        _ if placeholder && !value.is_empty() => Some(quote(&value)),
        _ => None,
    }
}

/// Makes a graph file named `name` of what `read` holds. `known` are the node types the
/// graph may use beyond the table's (a registry's): a call of `GraphrunLibrary`'s function
/// of one's name (as export writes graphrun's own nodes) becomes that node.
pub fn import(read: &Read, name: &str, known: &[&str]) -> Imported {
    let mut out = Imported::default();
    let comments: Vec<&Object> = read
        .objects
        .iter()
        .filter(|o| o.class_name() == "EdGraphNode_Comment")
        .collect();
    let mut taken: HashSet<String> = HashSet::new();
    let mut nodes: Vec<Node<'_>> = Vec::new();
    // Own names first, so that a made-up id never takes one.
    for object in &read.objects {
        if object.class_name() != "EdGraphNode_Comment" && !generated(&object.name, object) && !object.name.is_empty() {
            taken.insert(object.name.clone());
        }
    }
    let fresh = |base: &str, taken: &mut HashSet<String>| {
        let base = id_from(base);
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(id.clone());
        id
    };
    for object in read.objects.iter().filter(|o| o.class_name() != "EdGraphNode_Comment") {
        out.nodes += 1;
        let class = object.class_name();
        let (member, library) = member(object);
        let entry = map::find(class, member.as_deref(), library.as_deref());
        // graphrun's own node, as export writes one.
        let own = (library.as_deref() == Some(crate::export::GRAPHRUN_LIBRARY))
            .then(|| {
                let member = member.as_deref()?;
                known
                    .iter()
                    .find(|k| k.chars().filter(|c| !c.is_whitespace()).eq(member.chars()))
            })
            .flatten();
        let node_type = match (entry, own) {
            (Some(e), _) => e.node_type.to_string(),
            (None, Some(own)) => own.to_string(),
            (None, None) => {
                let what = match (&member, &library) {
                    (Some(m), Some(l)) => format!("{}.{m}", l.rsplit(['.', '/']).next().unwrap_or(l)),
                    (Some(m), None) if class == "K2Node_MacroInstance" => m.clone(),
                    (Some(m), None) => format!("{class}.{m}"),
                    _ => class.to_string(),
                };
                format!("{PLACEHOLDER}{what}")
            }
        };
        let title = match (node_type.as_str(), &member) {
            ("Custom Event", Some(m)) => m.clone(),
            ("Get" | "Set", Some(m)) => format!("{node_type} {m}"),
            (t, Some(m)) if t.starts_with(PLACEHOLDER) => m.clone(),
            (t, _) if t.starts_with(PLACEHOLDER) => class.trim_start_matches("K2Node_").to_string(),
            (t, _) => t.to_string(),
        };
        let id = if !object.name.is_empty() && !generated(&object.name, object) {
            object.name.clone()
        } else {
            fresh(&title, &mut taken)
        };
        let var = if matches!(node_type.as_str(), "Get" | "Set") {
            member.clone()
        } else {
            // graphrun's own nodes that name a variable (Increment) carry it as a Get does.
            own.and_then(|_| object.prop("VariableReference")?.get("MemberName")?.text())
        };
        let mut pins = HashMap::new();
        for pin in &object.pins {
            let graphrun = match (entry, node_type.as_str()) {
                // A Get's or Set's value is named after its variable, as in Unreal.
                (_, "Get" | "Set") if var.as_deref() == Some(pin.name.as_str()) => var.clone(),
                (_, "Set") if pin.name == "Output_Get" => var.clone(),
                // graphrun's own node: its pins as graphrun names them.
                (None, _) if own.is_some() => (!pin.hidden).then(|| pin.name.clone()),
                // A placeholder's unnamed or Unreal-named exec pins are graphrun's.
                (None, _) if pin.category == "exec" && !pin.hidden => Some(match pin.name.trim() {
                    "" | "execute" if !pin.output => "exec".to_string(),
                    "" | "then" if pin.output => "then".to_string(),
                    name => name.to_string(),
                }),
                (_, "Custom Event") if pin.name == "OutputDelegate" => Some(pin.name.clone()),
                (Some(e), _) if !pin.hidden => e.graphrun_pin(&pin.name),
                // A placeholder's pins are named by graphrun's rule (`ReturnValue` → `Return
                // Value`), so a host registers the node as it writes any other.
                (None, _) if !pin.hidden && !map::ALWAYS_DROPPED.contains(&pin.name.as_str()) => {
                    Some(map::pin_name(&pin.name))
                }
                _ => None,
            };
            if let Some(name) = graphrun {
                pins.insert(pin.id.as_str(), name);
            }
        }
        let params = if node_type == "Custom Event" {
            object
                .user_pins
                .iter()
                .filter_map(|p| Some((p.name.clone(), pin_type(p)?)))
                .collect()
        } else {
            Vec::new()
        };
        if entry.is_none() && own.is_none() {
            out.placeholders.push(id.clone());
        }
        nodes.push(Node {
            object,
            id,
            node_type,
            entry: entry.or(own.map(|_| &OWN)),
            var,
            params,
            pins,
            exported: object.prop("NodeGuid").and_then(Value::text) == Some(crate::export::guid(&object.name)),
        });
    }
    let by_name: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.object.name.as_str(), i))
        .collect();
    // A Get that export wrote for a `Var("NAME")` input is that input again.
    let mut var_inputs: HashMap<(&str, &str), String> = HashMap::new();
    let mut folded: HashSet<usize> = HashSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let (Some(var), true) = (
            &node.var,
            node.node_type == "Get" && node.object.name.starts_with(crate::export::VAR_GET),
        ) else {
            continue;
        };
        let links: Vec<_> = node
            .object
            .pins
            .iter()
            .filter(|p| p.output)
            .flat_map(|p| &p.linked_to)
            .collect();
        if let [link] = links[..] {
            var_inputs.insert((link.node.as_str(), link.pin.as_str()), var.clone());
            folded.insert(i);
        }
    }
    // A Custom Event whose OutputDelegate is wired to a delegate pin is bound there; a
    // Create Event node stands for the event it names.
    let mut variables: BTreeMap<String, String> = BTreeMap::new();
    let mut bound: HashSet<usize> = HashSet::new();
    // An operator with more inputs than graphrun's (Unreal's Add of A, B, C, D) becomes a
    // chain: each extra input a node of the same type adding it to what came before.
    let mut chains: HashMap<usize, Vec<(String, String)>> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if !CHAINED.contains(&node.node_type.as_str()) {
            continue;
        }
        let mut extra: Vec<&String> = node
            .pins
            .values()
            .filter(|p| p.len() == 1 && p.as_str() > "B" && p.chars().all(|c| c.is_ascii_uppercase()))
            .collect();
        extra.sort();
        let links: Vec<(String, String)> = extra
            .into_iter()
            .map(|pin| (pin.clone(), fresh(&format!("{} {pin}", node.id), &mut taken)))
            .collect();
        if !links.is_empty() {
            chains.insert(i, links);
        }
    }
    let last_of = |i: usize| -> &str {
        chains
            .get(&i)
            .and_then(|c| c.last())
            .map_or(nodes[i].id.as_str(), |(_, id)| id.as_str())
    };
    let mut chain_inputs: HashMap<(usize, String), String> = HashMap::new();
    let mut inputs_of: Vec<Vec<(String, String)>> = vec![Vec::new(); nodes.len()];
    let mut exec_of: Vec<Vec<(String, String)>> = vec![Vec::new(); nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for pin in &node.object.pins {
            let Some(pin_name) = node.pins.get(pin.id.as_str()) else {
                continue;
            };
            if let (Some(var), true) = (
                &node.var,
                pin.category != "exec" && pin_name == node.var.as_deref().unwrap_or_default(),
            ) {
                if let Some(ty) = pin_type(pin) {
                    variables.entry(var.clone()).or_insert(ty);
                }
            }
            if pin.output {
                // A wire out to a node that was not copied, exec or data, is dropped.
                for link in pin.linked_to.iter().filter(|l| !by_name.contains_key(l.node.as_str())) {
                    out.warnings.push(Warning {
                        at: pin.at,
                        message: format!(
                            "`{}`'s `{}` is wired to `{}`, which was not copied: that wire is dropped",
                            node.id, pin.name, link.node
                        ),
                    });
                }
                if pin.category == "exec" {
                    let mut targets = pin.linked_to.iter().filter_map(|link| {
                        let &t = by_name.get(link.node.as_str())?;
                        let Some(target_pin) = nodes[t].pins.get(link.pin.as_str()) else {
                            out.warnings.push(Warning {
                                at: pin.at,
                                message: format!(
                                    "`{}`'s `{}` is wired to a pin of `{}` that graphrun's node does not have: that wire is dropped",
                                    node.id, pin.name, nodes[t].id
                                ),
                            });
                            return None;
                        };
                        let default = target_pin == "exec" || (nodes[t].node_type == "Reroute" && target_pin == "In");
                        Some(if default {
                            nodes[t].id.clone()
                        } else {
                            format!("{}.{target_pin}", nodes[t].id)
                        })
                    });
                    if let Some(first) = targets.next() {
                        exec_of[i].push((pin_name.clone(), first));
                    }
                    if targets.next().is_some() {
                        out.warnings.push(Warning {
                            at: pin.at,
                            message: format!(
                                "`{}`'s exec output `{}` goes to more than one place; graphrun keeps the first",
                                node.id, pin.name
                            ),
                        });
                    }
                }
                continue;
            }
            // An input: a wire from an output, a delegate's binding, or a literal.
            if pin.category == "exec" {
                continue;
            }
            if let Some(var) = var_inputs.get(&(node.object.name.as_str(), pin.id.as_str())) {
                inputs_of[i].push((pin_name.clone(), format!("Var({})", quote(var))));
                continue;
            }
            match pin.linked_to.first() {
                Some(link) => {
                    let Some(&s) = by_name.get(link.node.as_str()) else {
                        out.warnings.push(Warning {
                            at: pin.at,
                            message: format!(
                                "`{}`'s `{}` is wired from `{}`, which was not copied: that wire is dropped",
                                node.id, pin.name, link.node
                            ),
                        });
                        continue;
                    };
                    let source = &nodes[s];
                    let source_pin = source.object.pin(&link.pin);
                    let delegate = pin.category == "delegate"
                        || source_pin.is_some_and(|p| p.name == "OutputDelegate" || p.category == "delegate");
                    if delegate {
                        // A Custom Event bound to a known delegate takes its parameters from
                        // it; bound to a placeholder's, it keeps its own.
                        let known_delegate = node.entry.is_some();
                        let event = if source.node_type == "Custom Event" {
                            if known_delegate {
                                bound.insert(s);
                            }
                            Some(source.id.clone())
                        } else if source.object.class_name() == "K2Node_CreateDelegate" {
                            // The Custom Event it names, if copied.
                            let named = member(source.object).0;
                            nodes
                                .iter()
                                .position(|n| n.node_type == "Custom Event" && member(n.object).0 == named)
                                .map(|e| {
                                    if known_delegate {
                                        bound.insert(e);
                                    }
                                    nodes[e].id.clone()
                                })
                        } else {
                            None
                        };
                        match event {
                            Some(event) => inputs_of[i].push((pin_name.clone(), format!("Event({})", quote(&event)))),
                            None => out.warnings.push(Warning {
                                at: pin.at,
                                message: format!(
                                    "`{}`'s delegate `{}` is bound to no Custom Event that was copied",
                                    node.id, pin.name
                                ),
                            }),
                        }
                        continue;
                    }
                    let Some(from) = source.pins.get(link.pin.as_str()) else {
                        out.warnings.push(Warning {
                            at: pin.at,
                            message: format!(
                                "`{}`'s `{}` is wired from a pin of `{}` that graphrun's node does not have: that wire is dropped",
                                node.id, pin.name, source.id
                            ),
                        });
                        continue;
                    };
                    // An operator's result comes out of the last node of its chain.
                    let source_id = if from == "Return Value" {
                        last_of(s)
                    } else {
                        source.id.as_str()
                    };
                    let value = format!("Link({}, {})", quote(source_id), quote(from));
                    if chains.get(&i).is_some_and(|c| c.iter().any(|(p, _)| p == pin_name)) {
                        chain_inputs.insert((i, pin_name.clone()), value);
                    } else {
                        inputs_of[i].push((pin_name.clone(), value));
                    }
                }
                None => {
                    if node.node_type == "Set"
                        && node.var.as_deref() == Some(pin_name.as_str())
                        && pin.default_value.is_none()
                    {
                        continue;
                    }
                    let placeholder = node.entry.is_none();
                    if let Some(value) = literal(pin, placeholder, placeholder || !node.exported) {
                        if chains.get(&i).is_some_and(|c| c.iter().any(|(p, _)| p == pin_name)) {
                            chain_inputs.insert((i, pin_name.clone()), value);
                        } else {
                            inputs_of[i].push((pin_name.clone(), value));
                        }
                    }
                }
            }
        }
    }
    // The text.
    let mut text = String::new();
    let _ = writeln!(text, "Graph(\n    format: 1,\n    name: {},", quote(name));
    if !variables.is_empty() {
        text.push_str("    variables: {\n");
        for (var, ty) in &variables {
            let _ = writeln!(text, "        {}: (type: {ty}),", quote(var));
        }
        text.push_str("    },\n");
    }
    let boxes: Vec<(String, Vec<&str>)> = comments
        .iter()
        .map(|c| {
            let (x, y) = (c.int("NodePosX").unwrap_or(0), c.int("NodePosY").unwrap_or(0));
            let (w, h) = (c.int("NodeWidth").unwrap_or(400), c.int("NodeHeight").unwrap_or(100));
            let inside = nodes
                .iter()
                .filter(|n| {
                    let (nx, ny) = (
                        n.object.int("NodePosX").unwrap_or(0),
                        n.object.int("NodePosY").unwrap_or(0),
                    );
                    nx >= x && ny >= y && nx < x + w && ny < y + h
                })
                .map(|n| n.id.as_str())
                .collect();
            (c.prop("NodeComment").and_then(Value::text).unwrap_or_default(), inside)
        })
        .filter(|(_, inside): &(String, Vec<&str>)| !inside.is_empty())
        .collect();
    if !boxes.is_empty() {
        text.push_str("    comments: [\n");
        for (words, inside) in &boxes {
            let list: Vec<String> = inside.iter().map(|id| quote(id)).collect();
            let _ = writeln!(text, "        (text: {}, nodes: [{}]),", quote(words), list.join(", "));
        }
        text.push_str("    ],\n");
    }
    text.push_str("    nodes: {\n");
    let mut nodes_text = String::new();
    for (i, node) in nodes.iter().enumerate() {
        if folded.contains(&i) {
            continue;
        }
        let mut fields = vec![format!("node: {}", quote(&node.node_type))];
        if let Some(var) = &node.var {
            fields.push(format!("var: {}", quote(var)));
        }
        if let (Some(x), Some(y)) = (node.object.int("NodePosX"), node.object.int("NodePosY")) {
            fields.push(format!("pos: ({x}, {y})"));
        }
        if let Some(comment) = node
            .object
            .prop("NodeComment")
            .and_then(Value::text)
            .filter(|c| !c.is_empty())
        {
            fields.push(format!("comment: {}", quote(&comment)));
        }
        if !node.params.is_empty() && !bound.contains(&i) {
            let list: Vec<String> = node.params.iter().map(|(n, t)| format!("{}: {t}", quote(n))).collect();
            fields.push(format!("params: {{{}}}", list.join(", ")));
        }
        if !inputs_of[i].is_empty() {
            let list: Vec<String> = inputs_of[i].iter().map(|(p, v)| format!("{}: {v}", quote(p))).collect();
            fields.push(format!("inputs: {{{}}}", list.join(", ")));
        }
        if !exec_of[i].is_empty() {
            let list: Vec<String> = exec_of[i]
                .iter()
                .map(|(p, t)| format!("{}: {}", quote(p), quote(t)))
                .collect();
            fields.push(format!("exec: {{{}}}", list.join(", ")));
        }
        let _ = writeln!(nodes_text, "        {}: ({}),", quote(&node.id), fields.join(", "));
        let mut before = node.id.as_str();
        let (x, y) = (
            node.object.int("NodePosX").unwrap_or(0),
            node.object.int("NodePosY").unwrap_or(0),
        );
        for (k, (pin, id)) in chains.get(&i).into_iter().flatten().enumerate() {
            let mut inputs = vec![format!("\"A\": Link({}, \"Return Value\")", quote(before))];
            if let Some(value) = chain_inputs.get(&(i, pin.clone())) {
                inputs.push(format!("\"B\": {value}"));
            }
            let _ = writeln!(
                nodes_text,
                "        {}: (node: {}, pos: ({}, {}), inputs: {{{}}}),",
                quote(id),
                quote(&node.node_type),
                x + 32 * (k as i64 + 1),
                y + 96 * (k as i64 + 1),
                inputs.join(", ")
            );
            before = id;
        }
    }
    text.push_str(&nodes_text);
    text.push_str("    },\n)\n");
    out.text = text;
    out.nodes_text = format!("{{\n{nodes_text}}}");
    out.variables = variables.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_titles_and_unreal_names() {
        assert_eq!(id_from("Print String"), "print_string");
        assert_eq!(id_from("Get Socket"), "get_socket");
        assert_eq!(id_from("--"), "node");
        let object = Object {
            class: "/Script/BlueprintGraph.K2Node_IfThenElse".into(),
            ..Object::default()
        };
        assert!(generated("K2Node_IfThenElse_3", &object));
        assert!(!generated("check", &object));
        assert!(!generated("my_node_2", &object));
    }
}
