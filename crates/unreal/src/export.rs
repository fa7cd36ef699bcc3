//! A graph as UE5 clipboard text (unreal.md section 2): each node a `Begin Object` block of
//! the class the table of [`crate::map`] gives (a graphrun node with no Blueprint
//! counterpart as a call of `GraphrunLibrary`'s function of that name, which import reads
//! back), its `Name` the node's id, pins with their types and defaults, links written on
//! both ends, `NodeGuid`s and `PinId`s derived from the ids, so the same graph gives the
//! same text. The caller describes the graph ([`Graph`]): pins and types are the checker's.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::map::{self, Kind, STANDARD_MACROS};

/// The library graphrun's own nodes are written as calls of.
pub const GRAPHRUN_LIBRARY: &str = "/Script/Graphrun.GraphrunLibrary";

/// The name prefix of the Get node that stands for a `Var("NAME")` input.
pub const VAR_GET: &str = "GetVar__";

/// A pin's type as Unreal writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinType {
    /// `PinCategory`: `exec`, `bool`, `int`, `real`, `string`, `object`, `delegate`, …
    pub category: String,
    /// `PinSubCategory` (`double` for a real).
    pub sub_category: String,
    /// `PinSubCategoryObject` (an object's class path).
    pub sub_object: Option<String>,
    /// `ContainerType`: `Array`, `Map` or none.
    pub container: Option<String>,
}

impl PinType {
    /// An exec pin.
    pub fn exec() -> PinType {
        PinType::of("exec")
    }

    /// A pin of `category`.
    pub fn of(category: &str) -> PinType {
        PinType {
            category: category.to_string(),
            sub_category: if category == "real" {
                "double".into()
            } else {
                String::new()
            },
            sub_object: None,
            container: None,
        }
    }
}

/// What feeds an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Nothing: its default.
    None,
    /// A literal, as Unreal writes a `DefaultValue` (a string unquoted).
    Literal(String),
    /// Another node's output: node id and pin.
    Link(String, String),
    /// A variable's value (`Var("NAME")`), and the variable's type.
    Var(String, PinType),
    /// A Custom Event bound to this delegate (`Event("ID")`).
    Event(String),
}

/// One data input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Its graphrun name.
    pub name: String,
    /// Its type.
    pub ty: PinType,
    /// What feeds it.
    pub feed: Feed,
}

/// One node, as the checker sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its id (the object's `Name`).
    pub id: String,
    /// Its graphrun node type.
    pub node_type: String,
    /// Where it is drawn.
    pub pos: (i64, i64),
    /// Its note.
    pub comment: Option<String>,
    /// A Get's or Set's variable.
    pub var: Option<String>,
    /// Exec inputs.
    pub exec_inputs: Vec<String>,
    /// Exec outputs and where each leads (node id and exec input).
    pub exec_outputs: Vec<(String, Option<(String, String)>)>,
    /// Data inputs.
    pub inputs: Vec<Input>,
    /// Data outputs.
    pub outputs: Vec<(String, PinType)>,
    /// Whether it has no exec pins (a call of it is pure).
    pub pure: bool,
}

/// A comment box: its text, and its rectangle (x, y, width, height).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentBox {
    /// Its text.
    pub text: String,
    /// Where it is.
    pub rect: (i64, i64, i64, i64),
}

/// A graph to write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// Its nodes.
    pub nodes: Vec<Node>,
    /// Its comment boxes.
    pub comments: Vec<CommentBox>,
}

/// A GUID from `key`: 32 hex digits, the same for the same key (FNV-1a, two seeds).
pub fn guid(key: &str) -> String {
    let hash = |seed: u64| {
        key.bytes()
            .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
    };
    format!(
        "{:016X}{:016X}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x8422_2325_cbf2_9ce4)
    )
}

/// A T3D string, quoted and escaped.
fn t3d_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A class reference as UE5 writes it.
fn class_ref(path: &str) -> String {
    format!("\"/Script/CoreUObject.Class'{path}'\"")
}

/// One object being written.
struct ObjectOut {
    class: String,
    name: String,
    header: Vec<String>,
    pos: (i64, i64),
    comment: Option<String>,
    pins: Vec<PinOut>,
}

/// A Get written for a `Var(…)` input: its name, the variable, its type, where.
struct VarGet {
    name: String,
    var: String,
    ty: PinType,
    pos: (i64, i64),
}

/// One pin being written: its Unreal name, direction, type, default and links.
struct PinOut {
    key: String,
    name: String,
    output: bool,
    ty: PinType,
    default: Option<String>,
    links: Vec<(String, String)>,
}

/// Writes `graph` as clipboard text.
pub fn export(graph: &Graph) -> String {
    // Each node's pins by graphrun name → Unreal name, and the Get nodes that stand for
    // `Var(…)` inputs.
    let mut objects: Vec<ObjectOut> = Vec::new();
    let entries: Vec<Option<&'static map::Entry>> =
        graph.nodes.iter().map(|n| map::for_node_type(&n.node_type)).collect();
    let unreal_pin = |i: usize, name: &str| -> String {
        let node = &graph.nodes[i];
        match (entries[i], node.node_type.as_str()) {
            (_, "Set") if node.var.as_deref() == Some(name) && node.outputs.iter().any(|(o, _)| o == name) => {
                name.to_string()
            }
            (_, "Get" | "Set") if node.var.as_deref() == Some(name) => name.to_string(),
            (_, "Custom Event") if name == "Event" => "OutputDelegate".to_string(),
            (Some(e), _) => e.unreal_pin(name),
            (None, _) => name.to_string(),
        }
    };
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let pin_key =
        |node: &str, pin: &str, output: bool| format!("{node}\u{1}{pin}\u{1}{}", if output { "out" } else { "in" });
    // Links, from both ends: key of a pin → the (object, pin key) it is linked to.
    let mut links: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut link = |a: (String, String), b: (String, String)| {
        links.entry(a.1.clone()).or_default().push(b.clone());
        links.entry(b.1).or_default().push(a);
    };
    let mut var_gets: Vec<VarGet> = Vec::new();
    for node in &graph.nodes {
        for (out, target) in &node.exec_outputs {
            let Some((to, to_pin)) = target else { continue };
            if index.contains_key(to.as_str()) {
                link(
                    (node.id.clone(), pin_key(&node.id, out, true)),
                    (to.clone(), pin_key(to, to_pin, false)),
                );
            }
        }
        for input in &node.inputs {
            match &input.feed {
                Feed::Link(from, pin) if index.contains_key(from.as_str()) => {
                    link(
                        (from.clone(), pin_key(from, pin, true)),
                        (node.id.clone(), pin_key(&node.id, &input.name, false)),
                    );
                }
                Feed::Event(event) if index.contains_key(event.as_str()) => {
                    link(
                        (event.clone(), pin_key(event, "Event", true)),
                        (node.id.clone(), pin_key(&node.id, &input.name, false)),
                    );
                }
                Feed::Var(var, var_type) => {
                    let get = format!("{VAR_GET}{}__{}", node.id, input.name.replace(' ', "_"));
                    link(
                        (get.clone(), pin_key(&get, var, true)),
                        (node.id.clone(), pin_key(&node.id, &input.name, false)),
                    );
                    var_gets.push(VarGet {
                        name: get,
                        var: var.clone(),
                        ty: var_type.clone(),
                        pos: (node.pos.0 - 240, node.pos.1 + 80),
                    });
                }
                _ => {}
            }
        }
    }
    let pins_linked = |key: &str| -> Vec<(String, String)> {
        links
            .get(key)
            .map(|l| l.iter().map(|(obj, k)| (obj.clone(), guid(k))).collect())
            .unwrap_or_default()
    };
    for (i, node) in graph.nodes.iter().enumerate() {
        let entry = entries[i];
        let mut pins = Vec::new();
        let mut header: Vec<String> = Vec::new();
        // An event's delegate output, which bindings link to (graphrun's `Event` pin).
        let output_delegate = || {
            let key = pin_key(&node.id, "Event", true);
            ("OutputDelegate".to_string(), true, PinType::of("delegate"), None, key)
        };
        let class = match entry.map(|e| e.kind) {
            Some(Kind::Event(event)) => {
                header.push(format!(
                    "EventReference=(MemberParent={},MemberName=\"{event}\")",
                    class_ref("/Script/Engine.Actor")
                ));
                header.push("bOverrideFunction=True".into());
                pins.push(output_delegate());
                "/Script/BlueprintGraph.K2Node_Event".to_string()
            }
            Some(Kind::Class(class)) => {
                match class {
                    "K2Node_CustomEvent" => {
                        header.push(format!("CustomFunctionName={}", t3d_string(&node.id)));
                        pins.push(output_delegate());
                    }
                    "K2Node_VariableGet" | "K2Node_VariableSet" => {
                        if let Some(var) = &node.var {
                            header.push(format!(
                                "VariableReference=(MemberName={},bSelfContext=True)",
                                t3d_string(var)
                            ));
                        }
                    }
                    _ => {}
                }
                format!("/Script/BlueprintGraph.{class}")
            }
            Some(Kind::Macro(name)) => {
                header.push(format!(
                    "MacroGraphReference=(MacroGraph=\"/Script/Engine.EdGraph'{STANDARD_MACROS}:{name}'\",GraphBlueprint=\"/Script/Engine.Blueprint'{STANDARD_MACROS}'\")"
                ));
                "/Script/BlueprintGraph.K2Node_MacroInstance".to_string()
            }
            Some(Kind::Call { library, function }) => {
                if node.pure {
                    header.push("bIsPureFunc=True".into());
                }
                header.push(format!(
                    "FunctionReference=(MemberParent={},MemberName=\"{function}\")",
                    class_ref(library)
                ));
                "/Script/BlueprintGraph.K2Node_CallFunction".to_string()
            }
            None => {
                if node.pure {
                    header.push("bIsPureFunc=True".into());
                }
                if let Some(var) = &node.var {
                    header.push(format!(
                        "VariableReference=(MemberName={},bSelfContext=True)",
                        t3d_string(var)
                    ));
                }
                let function: String = node.node_type.chars().filter(|c| !c.is_whitespace()).collect();
                header.push(format!(
                    "FunctionReference=(MemberParent={},MemberName={})",
                    class_ref(GRAPHRUN_LIBRARY),
                    t3d_string(&function)
                ));
                "/Script/BlueprintGraph.K2Node_CallFunction".to_string()
            }
        };
        for name in &node.exec_inputs {
            pins.push((
                unreal_pin(i, name),
                false,
                PinType::exec(),
                None,
                pin_key(&node.id, name, false),
            ));
        }
        for input in &node.inputs {
            let default = match &input.feed {
                Feed::Literal(text) => Some(text.clone()),
                _ => None,
            };
            pins.push((
                unreal_pin(i, &input.name),
                false,
                input.ty.clone(),
                default,
                pin_key(&node.id, &input.name, false),
            ));
        }
        for (name, _) in &node.exec_outputs {
            pins.push((
                unreal_pin(i, name),
                true,
                PinType::exec(),
                None,
                pin_key(&node.id, name, true),
            ));
        }
        for (name, ty) in &node.outputs {
            let unreal = if node.node_type == "Set" && node.var.as_deref() == Some(name.as_str()) {
                "Output_Get".to_string()
            } else {
                unreal_pin(i, name)
            };
            pins.push((unreal, true, ty.clone(), None, pin_key(&node.id, name, true)));
        }
        let pins = pins
            .into_iter()
            .map(|(name, output, ty, default, key)| PinOut {
                links: pins_linked(&key),
                key,
                name,
                output,
                ty,
                default,
            })
            .collect();
        objects.push(ObjectOut {
            class,
            name: node.id.clone(),
            header,
            pos: node.pos,
            comment: node.comment.clone(),
            pins,
        });
    }
    for get in var_gets {
        let key = pin_key(&get.name, &get.var, true);
        let links = pins_linked(&key);
        objects.push(ObjectOut {
            class: "/Script/BlueprintGraph.K2Node_VariableGet".to_string(),
            header: vec![format!(
                "VariableReference=(MemberName={},bSelfContext=True)",
                t3d_string(&get.var)
            )],
            name: get.name,
            pos: get.pos,
            comment: None,
            pins: vec![PinOut {
                key,
                name: get.var,
                output: true,
                ty: get.ty,
                default: None,
                links,
            }],
        });
    }
    let mut out = String::new();
    for ObjectOut {
        class,
        name,
        header,
        pos,
        comment,
        pins,
    } in &objects
    {
        let _ = writeln!(out, "Begin Object Class={class} Name={}", t3d_string(name));
        for line in header {
            let _ = writeln!(out, "   {line}");
        }
        let _ = writeln!(out, "   NodePosX={}\n   NodePosY={}", pos.0, pos.1);
        if let Some(comment) = comment {
            let _ = writeln!(
                out,
                "   NodeComment={}\n   bCommentBubbleVisible=True",
                t3d_string(comment)
            );
        }
        let _ = writeln!(out, "   NodeGuid={}", guid(name));
        let user_node = graph
            .nodes
            .iter()
            .find(|n| &n.id == name && n.node_type == "Custom Event");
        if let Some(node) = user_node {
            for (pin, ty) in &node.outputs {
                let _ = writeln!(
                    out,
                    "   CustomProperties UserDefinedPin (PinName={},PinType=(PinCategory=\"{}\"{}{}),DesiredPinDirection=EGPD_Output)",
                    t3d_string(pin),
                    ty.category,
                    ty.sub_object.as_ref().map(|o| format!(",PinSubCategoryObject={}", class_ref(o))).unwrap_or_default(),
                    ty.container.as_ref().map(|c| format!(",ContainerType={c}")).unwrap_or_default(),
                );
            }
        }
        for pin in pins {
            let mut line = format!(
                "   CustomProperties Pin (PinId={},PinName={}",
                guid(&pin.key),
                t3d_string(&pin.name)
            );
            if pin.output {
                line.push_str(",Direction=\"EGPD_Output\"");
            }
            let _ = write!(
                line,
                ",PinType.PinCategory=\"{}\",PinType.PinSubCategory=\"{}\",PinType.PinSubCategoryObject={},PinType.ContainerType={}",
                pin.ty.category,
                pin.ty.sub_category,
                pin.ty.sub_object.as_ref().map_or("None".to_string(), |o| class_ref(o)),
                pin.ty.container.as_deref().unwrap_or("None"),
            );
            if let Some(default) = &pin.default {
                let _ = write!(line, ",DefaultValue={}", t3d_string(default));
            }
            if !pin.links.is_empty() {
                line.push_str(",LinkedTo=(");
                for (node, id) in &pin.links {
                    let _ = write!(line, "{node} {id},");
                }
                line.push(')');
            }
            line.push_str(",bHidden=False,)");
            let _ = writeln!(out, "{line}");
        }
        out.push_str("End Object\n");
    }
    for (n, c) in graph.comments.iter().enumerate() {
        let name = format!("EdGraphNode_Comment_{n}");
        let _ = writeln!(
            out,
            "Begin Object Class=/Script/UnrealEd.EdGraphNode_Comment Name={}\n   NodePosX={}\n   NodePosY={}\n   NodeWidth={}\n   NodeHeight={}\n   NodeComment={}\n   NodeGuid={}\nEnd Object",
            t3d_string(&name),
            c.rect.0,
            c.rect.1,
            c.rect.2,
            c.rect.3,
            t3d_string(&c.text),
            guid(&name)
        );
    }
    out
}
