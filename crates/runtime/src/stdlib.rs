//! The standard library: every node of the spec's section 4. It installs through
//! [`NodeLibrary`] and uses only the public node API, exactly as a host's library would.

use std::sync::Arc;
use std::time::Duration;

use graphrun_format::ron::Kind;
use graphrun_format::{codes, Type};

use crate::instance::Cx;
use crate::node::{
    CompileCx, Entry, Flow, Intrinsic, Node, NodeDoc, NodeError, NodeType, Op, PinError, Role, Signature, SignatureCx,
};
use crate::registry::{NodeLibrary, RegistryBuilder, TIMER_CLASS};
use crate::value::{Json, Value};

/// The standard library.
#[derive(Clone, Copy, Debug, Default)]
pub struct StandardLibrary;

type SigFn = Box<dyn Fn(&dyn SignatureCx) -> Result<Signature, PinError> + Send + Sync>;
type CompileFn = Box<dyn Fn(&dyn CompileCx) -> Result<Box<dyn Node>, PinError> + Send + Sync>;

/// A node type made of functions: how the standard library defines its nodes.
pub struct FnNode {
    name: String,
    role: Role,
    doc: NodeDoc,
    signature: SigFn,
    compile: CompileFn,
    intrinsic: Option<IntrinsicFn>,
}

type IntrinsicFn = Box<dyn Fn(&dyn CompileCx) -> Option<Op> + Send + Sync>;

impl FnNode {
    /// A node type from its name, doc, signature function and compile function.
    pub fn new(
        name: &str,
        doc: NodeDoc,
        signature: impl Fn(&dyn SignatureCx) -> Result<Signature, PinError> + Send + Sync + 'static,
        compile: impl Fn(&dyn CompileCx) -> Result<Box<dyn Node>, PinError> + Send + Sync + 'static,
    ) -> FnNode {
        FnNode {
            name: name.to_string(),
            role: Role::Plain,
            doc,
            signature: Box::new(signature),
            compile: Box::new(compile),
            intrinsic: None,
        }
    }

    /// Marks a standard node as an intrinsic instruction (see [`NodeType::intrinsic`]).
    fn intrinsic(mut self, op: impl Fn(&dyn CompileCx) -> Option<Op> + Send + Sync + 'static) -> FnNode {
        self.intrinsic = Some(Box::new(op));
        self
    }

    /// A node type whose signature is fixed.
    pub fn fixed(
        name: &str,
        doc: NodeDoc,
        signature: Signature,
        compile: impl Fn(&dyn CompileCx) -> Result<Box<dyn Node>, PinError> + Send + Sync + 'static,
    ) -> FnNode {
        FnNode::new(name, doc, move |_| Ok(signature.clone()), compile)
    }

    /// A fixed-signature node type that runs `run` (which needs nothing from compiling).
    pub fn simple(
        name: &str,
        doc: NodeDoc,
        signature: Signature,
        run: impl Fn(&mut Cx<'_>, Entry) -> Result<Flow, NodeError> + Send + Sync + Clone + 'static,
    ) -> FnNode {
        FnNode::fixed(name, doc, signature, move |_| Ok(Box::new(run.clone())))
    }

    /// Sets the role.
    pub fn role(mut self, role: Role) -> FnNode {
        self.role = role;
        self
    }
}

impl NodeType for FnNode {
    fn name(&self) -> &str {
        &self.name
    }
    fn doc(&self) -> NodeDoc {
        self.doc.clone()
    }
    fn role(&self) -> Role {
        self.role
    }
    fn signature(&self, cx: &dyn SignatureCx) -> Result<Signature, PinError> {
        (self.signature)(cx)
    }
    fn compile(&self, cx: &dyn CompileCx) -> Result<Box<dyn Node>, PinError> {
        (self.compile)(cx)
    }
    fn intrinsic(&self, cx: &dyn CompileCx) -> Option<Intrinsic> {
        self.intrinsic.as_ref().and_then(|f| f(cx)).map(Intrinsic)
    }
}

fn err(message: impl Into<String>) -> NodeError {
    NodeError::new(message)
}

/// The runtime error of Int arithmetic whose result does not fit; the intrinsic
/// instructions raise the same.
pub(crate) fn overflow(a: i64, op: &str, b: i64) -> NodeError {
    err(format!("integer overflow: {a} {op} {b} does not fit in 64 bits"))
}

fn arr(t: Type) -> Type {
    Type::Array(Box::new(t))
}

/// Seconds as a Duration: negative and NaN are 0, the rest capped at about 31 years.
fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_nan() { 0.0 } else { s.clamp(0.0, 1e9) })
}

impl NodeLibrary for StandardLibrary {
    fn install(&self, r: &mut RegistryBuilder) {
        events(r);
        flow(r);
        variables(r);
        objects(r);
        math(r);
        strings(r);
        json(r);
        arrays(r);
    }
}

fn events(r: &mut RegistryBuilder) {
    let then: fn(&mut Cx<'_>, Entry) -> Result<Flow, NodeError> = |_, _| Ok(Flow::Then(0));
    let event = Signature::default().exec_out("then");
    r.add_node(
        FnNode::simple(
            "Event BeginPlay",
            NodeDoc::new("Events", "Runs when the instance begins.").exec_out(&["then"]),
            event.clone(),
            then,
        )
        .role(Role::BeginPlay),
    );
    r.add_node(
        FnNode::simple(
            "Event EndPlay",
            NodeDoc::new(
                "Events",
                "Runs when the instance ends (Quit, nothing left to run, or the host).",
            )
            .exec_out(&["then"]),
            event,
            then,
        )
        .role(Role::EndPlay),
    );
    r.add_node(
        FnNode::new(
            "Custom Event",
            NodeDoc::new(
                "Events",
                "Runs when fired by a delegate it is bound to, a timer or the host; its outputs are its params.",
            )
            .exec_out(&["then"])
            .output("its params", "as declared, or the bound delegate's"),
            |cx| {
                let mut sig = Signature::default().exec_out("then");
                for (name, ty) in cx.params().or_else(|| cx.bound_delegate()).unwrap_or_default() {
                    sig = sig.output(&name, ty);
                }
                Ok(sig)
            },
            move |_| Ok(Box::new(then)),
        )
        .role(Role::CustomEvent),
    );
}

fn flow(r: &mut RegistryBuilder) {
    r.add_node(FnNode::simple(
        "Print String",
        NodeDoc::new("Utilities", "Writes the text and a newline to the output.")
            .exec_in(&["exec"])
            .exec_out(&["then"])
            .input("In String", "String = \"Hello\""),
        Signature::then().input_or("In String", Type::String, "Hello"),
        |cx, _| {
            cx.print(cx.input(0).as_str());
            Ok(Flow::Then(0))
        },
    ));
    r.add_node(
        FnNode::simple(
            "Branch",
            NodeDoc::new("Flow Control", "Goes on through True or False.")
                .exec_in(&["exec"])
                .exec_out(&["True", "False"])
                .input("Condition", "Bool = true"),
            Signature::impure()
                .exec_out("True")
                .exec_out("False")
                .input_or("Condition", Type::Bool, true),
            |cx, _| Ok(Flow::Then(if cx.input(0).as_bool() { 0 } else { 1 })),
        )
        .intrinsic(|_| Some(Op::Branch)),
    );
    r.add_node(FnNode::new(
        "Sequence",
        NodeDoc::new(
            "Flow Control",
            "Runs each output in turn; a latent node in one does not hold up the next. At most 1,000 outputs (Then 0 to Then 999).",
        )
        .exec_in(&["exec"])
        .exec_out(&["Then 0", "Then 1", "…", "Then 999"]),
        |cx| {
            let mut count = 2;
            for name in cx.exec_output_names() {
                if let Some(n) = name.strip_prefix("Then ").and_then(|n| n.parse::<usize>().ok()) {
                    if n >= 1000 {
                        return Err(PinError::node(
                            codes::UNKNOWN_PIN,
                            format!("a Sequence has at most 1,000 outputs (Then 0 to Then 999), so no `{name}`"),
                        ));
                    }
                    if name == format!("Then {n}") {
                        count = count.max(n + 1);
                    }
                }
            }
            let mut sig = Signature::impure();
            for i in 0..count {
                sig = sig.exec_out(&format!("Then {i}"));
            }
            Ok(sig)
        },
        |cx| {
            let last = cx.signature().exec_outputs.len() as u64 - 1;
            Ok(Box::new(move |_: &mut Cx<'_>, entry: Entry| {
                let i = match entry {
                    Entry::Pin(_) => 0,
                    Entry::Resume(i) => i,
                };
                Ok(if i >= last {
                    Flow::Then(last as usize)
                } else {
                    Flow::Call {
                        out: i as usize,
                        resume: i + 1,
                    }
                })
            }))
        },
    ));
    r.add_node(
        FnNode::simple(
            "For Loop",
            NodeDoc::new(
                "Flow Control",
                "Runs Loop Body for each Index from First Index to Last Index (inclusive), then Completed.",
            )
            .exec_in(&["exec"])
            .exec_out(&["Loop Body", "Completed"])
            .input("First Index", "Int")
            .input("Last Index", "Int")
            .output("Index", "Int"),
            Signature::impure()
                .exec_out("Loop Body")
                .exec_out("Completed")
                .input("First Index", Type::Int)
                .input("Last Index", Type::Int)
                .output("Index", Type::Int),
            |cx, entry| {
                let index = match entry {
                    Entry::Pin(_) => Some(cx.input(0).as_int()),
                    Entry::Resume(previous) => (previous as i64).checked_add(1),
                };
                match index {
                    Some(i) if i <= cx.input(1).as_int() => {
                        cx.set_output(0, i);
                        Ok(Flow::Loop {
                            out: 0,
                            resume: i as u64,
                        })
                    }
                    _ => Ok(Flow::Then(1)),
                }
            },
        )
        .intrinsic(|_| Some(Op::ForLoop)),
    );
    r.add_node(FnNode::new(
        "For Each Loop",
        NodeDoc::new(
            "Flow Control",
            "Runs Loop Body for each element of the array, then Completed.",
        )
        .exec_in(&["exec"])
        .exec_out(&["Loop Body", "Completed"])
        .input("Array", "Array(T) or Json array")
        .output("Array Element", "T (Json for a Json array)")
        .output("Array Index", "Int"),
        |cx| {
            let (array, element) = array_pin(cx, "For Each Loop")?;
            Ok(Signature::impure()
                .exec_out("Loop Body")
                .exec_out("Completed")
                .input("Array", array)
                .output("Array Element", element)
                .output("Array Index", Type::Int))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, entry: Entry| {
                let index = match entry {
                    Entry::Pin(_) => 0,
                    Entry::Resume(previous) => previous as usize + 1,
                };
                match element(cx.input(0), index, "For Each Loop")? {
                    Some(item) => {
                        cx.set_output(0, item);
                        cx.set_output(1, index as i64);
                        Ok(Flow::Loop {
                            out: 0,
                            resume: index as u64,
                        })
                    }
                    None => Ok(Flow::Then(1)),
                }
            }))
        },
    ));
    r.add_node(FnNode::simple(
        "While Loop",
        NodeDoc::new(
            "Flow Control",
            "Runs Loop Body while Condition is true (read again before each pass), then Completed.",
        )
        .exec_in(&["exec"])
        .exec_out(&["Loop Body", "Completed"])
        .input("Condition", "Bool"),
        Signature::impure()
            .exec_out("Loop Body")
            .exec_out("Completed")
            .input("Condition", Type::Bool),
        |cx, _| {
            Ok(if cx.input(0).as_bool() {
                Flow::Loop { out: 0, resume: 0 }
            } else {
                Flow::Then(1)
            })
        },
    ));
    r.add_node(FnNode::simple(
        "Do Once",
        NodeDoc::new(
            "Flow Control",
            "Goes on through Completed the first time only, until Reset.",
        )
        .exec_in(&["exec", "Reset"])
        .exec_out(&["Completed"])
        .input("Start Closed", "Bool = false"),
        Signature::impure()
            .exec_in("Reset")
            .exec_out("Completed")
            .input_or("Start Closed", Type::Bool, false),
        |cx, entry| {
            let start_closed = cx.input(0).as_bool();
            let closed = cx.state::<Option<bool>>().get_or_insert(start_closed);
            Ok(match entry {
                Entry::Pin(1) => {
                    *closed = false;
                    Flow::End
                }
                _ if *closed => Flow::End,
                _ => {
                    *closed = true;
                    Flow::Then(0)
                }
            })
        },
    ));
    r.add_node(FnNode::simple(
        "Delay",
        NodeDoc::new("Flow Control", "Goes on through Completed after Duration seconds, letting other events run; calls while it waits are ignored.")
            .latent()
            .exec_in(&["exec"])
            .exec_out(&["Completed"])
            .input("Duration", "Float = 0.2"),
        Signature::impure().exec_out("Completed").input_or("Duration", Type::Float, 0.2),
        |cx, entry| {
            let duration = seconds(cx.input(0).as_float());
            let waiting = cx.state::<bool>();
            match entry {
                Entry::Resume(_) => {
                    *waiting = false;
                    Ok(Flow::Then(0))
                }
                Entry::Pin(_) if *waiting => Ok(Flow::End),
                Entry::Pin(_) => {
                    *waiting = true;
                    cx.wake_after(duration, 0);
                    Ok(Flow::End)
                }
            }
        },
    ));
    r.add_node(FnNode::fixed(
        "Set Timer by Event",
        NodeDoc::new(
            "Utilities",
            "Fires Event after Time seconds, and every Time seconds if Looping; a Time of 0 or less sets no timer.",
        )
        .exec_in(&["exec"])
        .exec_out(&["then"])
        .input("Event", "delegate ()")
        .input("Time", "Float")
        .input("Looping", "Bool = false")
        .output("Return Value", "Object(\"Timer\")"),
        Signature::then()
            .required_delegate("Event", &[])
            .input("Time", Type::Float)
            .input_or("Looping", Type::Bool, false)
            .output("Return Value", Type::Object(TIMER_CLASS.into())),
        |cx| {
            let event = cx
                .delegate("Event")
                .ok_or_else(|| PinError::at("Event", codes::MISSING_INPUT, "bind a Custom Event"))?;
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let time = cx.input(1).as_float();
                let timer = if time > 0.0 {
                    // A looping timer fires at most once a millisecond.
                    let looping = cx.input(2).as_bool();
                    let period = if looping {
                        seconds(time).max(Duration::from_millis(1))
                    } else {
                        seconds(time)
                    };
                    Some(cx.set_timer(event, period, looping)?)
                } else {
                    None
                };
                cx.set_output(0, Value::Object(timer));
                Ok(Flow::Then(0))
            }))
        },
    ));
    r.add_node(FnNode::simple(
        "Clear Timer",
        NodeDoc::new(
            "Utilities",
            "Stops a timer; nothing happens for None or a timer already stopped.",
        )
        .exec_in(&["exec"])
        .exec_out(&["then"])
        .input("Timer", "Object(\"Timer\")"),
        Signature::then().input("Timer", Type::Object(TIMER_CLASS.into())),
        |cx, _| {
            if let Some(timer) = cx.input(0).as_object() {
                cx.clear_timer(timer);
            }
            Ok(Flow::Then(0))
        },
    ));
    r.add_node(FnNode::simple(
        "Quit",
        NodeDoc::new("Utilities", "Ends the instance: nothing more runs but Event EndPlay.").exec_in(&["exec"]),
        Signature::impure(),
        |cx, _| {
            cx.quit();
            Ok(Flow::End)
        },
    ));
}

/// For a pin named `Array`: Array(T) with element T, or Json with element Json.
fn array_pin(cx: &dyn SignatureCx, node: &str) -> Result<(Type, Type), PinError> {
    match cx.input_type("Array") {
        Some(Type::Array(t)) => Ok((Type::Array(t.clone()), *t)),
        None | Some(Type::Json) => Ok((Type::Json, Type::Json)),
        Some(other) => Err(PinError::at(
            "Array",
            codes::TYPE_MISMATCH,
            format!("{node} takes an Array or a Json array, not {other}"),
        )),
    }
}

/// Element `index` of an Array or Json array; `None` past the end.
fn element(array: &Value, index: usize, node: &str) -> Result<Option<Value>, NodeError> {
    match array {
        Value::Array(items) => Ok(items.get(index).cloned()),
        Value::Json(j) => match &**j {
            Json::Array(items) => Ok(items.get(index).map(|v| Value::from(v.clone()))),
            other => Err(err(format!(
                "{node}: the Json value is {}, not an array",
                json_kind(other)
            ))),
        },
        _ => Ok(None),
    }
}

fn array_len(array: &Value, node: &str) -> Result<usize, NodeError> {
    match array {
        Value::Array(items) => Ok(items.len()),
        Value::Json(j) => match &**j {
            Json::Array(items) => Ok(items.len()),
            other => Err(err(format!(
                "{node}: the Json value is {}, not an array",
                json_kind(other)
            ))),
        },
        _ => Ok(0),
    }
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn variables(r: &mut RegistryBuilder) {
    r.add_node(
        FnNode::new(
            "Get",
            NodeDoc::new("Variables", "Reads the variable named by `var:` (pure).")
                .output("the variable's name", "the variable's type"),
            |cx| {
                let (name, ty) = cx
                    .variable()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                Ok(Signature::pure().output(name, ty))
            },
            |cx| {
                let var = cx
                    .variable_index()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let value = cx.variable(var).clone();
                    cx.set_output(0, value);
                    Ok(Flow::End)
                }))
            },
        )
        .intrinsic(|cx| cx.variable_index().map(|v| Op::Get(v as u32)))
        .role(Role::Variable),
    );
    r.add_node(
        FnNode::new(
            "Set",
            NodeDoc::new(
                "Variables",
                "Writes the variable named by `var:` (its zero value if the input is left out).",
            )
            .exec_in(&["exec"])
            .exec_out(&["then"])
            .input("the variable's name", "the variable's type")
            .output("the variable's name", "the new value"),
            |cx| {
                let (name, ty) = cx
                    .variable()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                let zero = Value::zero(&ty);
                Ok(Signature::then().input_or(name, ty.clone(), zero).output(name, ty))
            },
            |cx| {
                let var = cx
                    .variable_index()
                    .ok_or_else(|| PinError::node(codes::UNKNOWN_VARIABLE, "unknown variable"))?;
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let value = cx.take_input(0);
                    cx.set_variable(var, value.clone());
                    cx.set_output(0, value);
                    Ok(Flow::Then(0))
                }))
            },
        )
        .intrinsic(|cx| cx.variable_index().map(|v| Op::Set(v as u32)))
        .role(Role::Variable),
    );
}

fn objects(r: &mut RegistryBuilder) {
    r.add_node(FnNode::new(
        "Construct Object",
        NodeDoc::new("Objects", "Makes a new object of the class.")
            .exec_in(&["exec"])
            .exec_out(&["then"])
            .input("Class", "class name (a literal)")
            .output("Return Value", "Object(Class)"),
        |cx| {
            let class = match cx.literal("Class").map(|l| &l.kind) {
                Some(Kind::Str(class)) => class.clone(),
                Some(_) => {
                    return Err(PinError::at(
                        "Class",
                        codes::TYPE_MISMATCH,
                        "Class is a class name, as in \"M2_JsonWebSocketConnection\"",
                    ))
                }
                None if cx.input_names().contains(&"Class") => {
                    return Err(PinError::at(
                        "Class",
                        codes::NOT_LITERAL,
                        "Class takes a class name written in the file",
                    ))
                }
                None => {
                    return Err(PinError::node(
                        codes::MISSING_INPUT,
                        "needs its input `Class` (a class name)",
                    ))
                }
            };
            let registry = cx.registry();
            let Some(id) = registry.class_id(&class) else {
                let known = registry
                    .classes()
                    .iter()
                    .filter(|c| c.constructor.is_some() || c.deprecated_alias_of.is_some())
                    .map(|c| c.name.as_str());
                return Err(PinError::at(
                    "Class",
                    codes::UNKNOWN_CLASS,
                    format!("unknown class `{class}`{}", crate::check::suggest(&class, known)),
                ));
            };
            let def = registry.class(id);
            let mut warnings = Vec::new();
            let class = match &def.deprecated_alias_of {
                Some(to) => {
                    warnings.push(PinError::at(
                        "Class",
                        codes::DEPRECATED,
                        format!("class `{class}` is deprecated: use `{to}`"),
                    ));
                    to.clone()
                }
                None if def.constructor.is_none() => {
                    return Err(PinError::at(
                        "Class",
                        codes::UNKNOWN_CLASS,
                        format!("class `{class}` cannot be constructed (its objects come from other nodes)"),
                    ));
                }
                None => class,
            };
            let mut sig = Signature::then()
                .literal_input("Class", Type::String)
                .output("Return Value", Type::Object(class.as_str().into()));
            sig.warnings = warnings;
            Ok(sig)
        },
        |cx| {
            let Some(Type::Object(class)) = cx.signature().outputs.first().map(|o| o.ty.clone()) else {
                return Err(PinError::node(codes::UNKNOWN_CLASS, "no class"));
            };
            let id = cx
                .class_id(&class)
                .ok_or_else(|| PinError::at("Class", codes::UNKNOWN_CLASS, format!("unknown class `{class}`")))?;
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let Some(make) = cx.registry().class(id).constructor.clone() else {
                    return Err(err(format!(
                        "class `{}` cannot be constructed",
                        cx.registry().class(id).name
                    )));
                };
                let obj = cx.new_object(id, make())?;
                cx.set_output(0, Value::Object(Some(obj)));
                Ok(Flow::Then(0))
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Is Valid",
        NodeDoc::new("Objects", "Whether the object handle is set (pure).")
            .input("Object", "Object(any class)")
            .output("Return Value", "Bool"),
        |cx| match cx.input_type("Object") {
            Some(ty @ Type::Object(_)) => Ok(Signature::pure().input("Object", ty).output("Return Value", Type::Bool)),
            None => Ok(Signature::pure()
                .input("Object", Type::Object(TIMER_CLASS.into()))
                .output("Return Value", Type::Bool)),
            Some(other) => Err(PinError::at(
                "Object",
                codes::TYPE_MISMATCH,
                format!("Is Valid takes an Object, not {other}"),
            )),
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let valid = cx.input(0).as_object().is_some();
                cx.set_output(0, valid);
                Ok(Flow::End)
            }))
        },
    ));
}

/// Int for Int op Int, Float when either side is a Float; an error names the pin.
fn numeric(cx: &dyn SignatureCx, node: &str) -> Result<Type, PinError> {
    let mut result = Type::Int;
    for pin in ["A", "B"] {
        match cx.input_type(pin) {
            None | Some(Type::Int) => {}
            Some(Type::Float) => result = Type::Float,
            Some(other) => {
                return Err(PinError::at(
                    pin,
                    codes::TYPE_MISMATCH,
                    format!("{node} takes Int or Float, not {other}"),
                ))
            }
        }
    }
    Ok(result)
}

/// The common type of `A` and `B` for comparison; `ordered` allows numbers and strings only.
fn comparable(cx: &dyn SignatureCx, node: &str, ordered: bool) -> Result<Type, PinError> {
    let (a, b) = (cx.input_type("A"), cx.input_type("B"));
    let ty = match (a, b) {
        (Some(a), Some(b)) if a == b => a,
        (Some(Type::Int), Some(Type::Float)) | (Some(Type::Float), Some(Type::Int)) => Type::Float,
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => Type::Int,
        (Some(a), Some(b)) if !ordered && a.accepts(&b) => a,
        (Some(a), Some(b)) if !ordered && b.accepts(&a) => b,
        (Some(a), Some(b)) => {
            return Err(PinError::at(
                "B",
                codes::TYPE_MISMATCH,
                format!("{node} cannot compare {a} with {b}"),
            ))
        }
    };
    if ordered && !matches!(ty, Type::Int | Type::Float | Type::String) {
        return Err(PinError::at(
            "A",
            codes::TYPE_MISMATCH,
            format!("{node} compares Int, Float or String, not {ty}"),
        ));
    }
    Ok(ty)
}

fn math(r: &mut RegistryBuilder) {
    type IntOp = fn(i64, i64) -> Option<i64>;
    type FloatOp = fn(f64, f64) -> f64;
    let ops: [(&str, &str, IntOp, FloatOp); 4] = [
        ("Add", "A + B", i64::checked_add, |a, b| a + b),
        ("Subtract", "A - B", i64::checked_sub, |a, b| a - b),
        ("Multiply", "A × B", i64::checked_mul, |a, b| a * b),
        (
            "Divide",
            "A ÷ B (Int ÷ Int rounds toward zero); dividing by zero is a runtime error",
            i64::checked_div,
            |a, b| a / b,
        ),
    ];
    for (name, what, int_op, float_op) in ops {
        let is_divide = name == "Divide";
        r.add_node(
            FnNode::new(
                name,
                NodeDoc::new("Math", &format!("{what} (pure). Int when both are Int, else Float."))
                    .input("A", "Int or Float")
                    .input("B", "Int or Float")
                    .output("Return Value", "Int or Float"),
                move |cx| {
                    let ty = numeric(cx, name)?;
                    Ok(Signature::pure()
                        .input("A", ty.clone())
                        .input("B", ty.clone())
                        .output("Return Value", ty))
                },
                move |cx| {
                    let float = cx.signature().outputs[0].ty == Type::Float;
                    Ok(if float {
                        Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                            let (a, b) = (cx.input(0).as_float(), cx.input(1).as_float());
                            if is_divide && b == 0.0 {
                                return Err(err("division by zero"));
                            }
                            cx.set_output(0, float_op(a, b));
                            Ok(Flow::End)
                        })
                    } else {
                        Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                            let (a, b) = (cx.input(0).as_int(), cx.input(1).as_int());
                            if is_divide && b == 0 {
                                return Err(err("division by zero"));
                            }
                            let value = int_op(a, b).ok_or_else(|| overflow(a, name, b))?;
                            cx.set_output(0, value);
                            Ok(Flow::End)
                        })
                    })
                },
            )
            .intrinsic(move |cx| {
                let float = cx.signature().outputs[0].ty == Type::Float;
                match (name, float) {
                    ("Add", false) => Some(Op::AddInt),
                    ("Subtract", false) => Some(Op::SubtractInt),
                    ("Multiply", false) => Some(Op::MultiplyInt),
                    ("Add", true) => Some(Op::AddFloat),
                    ("Subtract", true) => Some(Op::SubtractFloat),
                    ("Multiply", true) => Some(Op::MultiplyFloat),
                    _ => None,
                }
            }),
        );
    }
    type Cmp = fn(std::cmp::Ordering) -> bool;
    let comparisons: [(&str, &str, bool, Cmp); 6] = [
        ("Equal", "A == B", false, |o| o.is_eq()),
        ("Not Equal", "A != B", false, |o| o.is_ne()),
        ("Less", "A < B", true, |o| o.is_lt()),
        ("Greater", "A > B", true, |o| o.is_gt()),
        ("Less Equal", "A <= B", true, |o| o.is_le()),
        ("Greater Equal", "A >= B", true, |o| o.is_ge()),
    ];
    for (name, what, ordered, test) in comparisons {
        let types = if ordered {
            "Int, Float or String"
        } else {
            "any (of one type)"
        };
        r.add_node(FnNode::new(
            name,
            NodeDoc::new("Math", &format!("{what} (pure)."))
                .input("A", types)
                .input("B", types)
                .output("Return Value", "Bool"),
            move |cx| {
                let ty = comparable(cx, name, ordered)?;
                Ok(Signature::pure()
                    .input("A", ty.clone())
                    .input("B", ty)
                    .output("Return Value", Type::Bool))
            },
            move |_| {
                Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                    let result = if ordered {
                        match (cx.input(0), cx.input(1)) {
                            (Value::String(a), Value::String(b)) => test(a.cmp(b)),
                            (a, b) => a.as_float().partial_cmp(&b.as_float()).is_some_and(test),
                        }
                    } else {
                        let equal = cx.input(0) == cx.input(1);
                        test(if equal {
                            std::cmp::Ordering::Equal
                        } else {
                            std::cmp::Ordering::Less
                        })
                    };
                    cx.set_output(0, result);
                    Ok(Flow::End)
                }))
            },
        ));
    }
    type BoolOp = fn(bool, bool) -> bool;
    let logic: [(&str, &str, BoolOp); 2] = [("And", "A and B", |a, b| a && b), ("Or", "A or B", |a, b| a || b)];
    for (name, what, op) in logic {
        r.add_node(FnNode::simple(
            name,
            NodeDoc::new("Math", &format!("{what} (pure)."))
                .input("A", "Bool")
                .input("B", "Bool")
                .output("Return Value", "Bool"),
            Signature::pure()
                .input("A", Type::Bool)
                .input("B", Type::Bool)
                .output("Return Value", Type::Bool),
            move |cx, _| {
                let value = op(cx.input(0).as_bool(), cx.input(1).as_bool());
                cx.set_output(0, value);
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(FnNode::simple(
        "Not",
        NodeDoc::new("Math", "not A (pure).")
            .input("A", "Bool")
            .output("Return Value", "Bool"),
        Signature::pure()
            .input("A", Type::Bool)
            .output("Return Value", Type::Bool),
        |cx, _| {
            let value = !cx.input(0).as_bool();
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
}

/// A Format String's format, split into text and holes.
enum Piece {
    Text(String),
    Hole(String),
}

fn parse_format(format: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => {
                            return Err(format!(
                                "the hole `{{{name}` is never closed (write `{{{{` for a brace)"
                            ))
                        }
                        Some(c) => name.push(c),
                    }
                }
                if name.is_empty() {
                    return Err("a hole `{}` needs a name, as in `{count}`".to_string());
                }
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Hole(name));
            }
            '}' => return Err("a `}` with no `{` (write `}}` for a brace)".to_string()),
            c => text.push(c),
        }
    }
    pieces.push(Piece::Text(text));
    Ok(pieces)
}

fn strings(r: &mut RegistryBuilder) {
    r.add_node(FnNode::simple(
        "Append",
        NodeDoc::new("String", "A followed by B (pure).")
            .input("A", "String")
            .input("B", "String")
            .output("Return Value", "String"),
        Signature::pure()
            .input("A", Type::String)
            .input("B", Type::String)
            .output("Return Value", Type::String),
        |cx, _| {
            let (a, b) = (cx.input(0).as_str(), cx.input(1).as_str());
            cx.check_size(a.len() + b.len())?;
            let value = format!("{a}{b}");
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::new(
        "Format String",
        NodeDoc::new(
            "String",
            "The Format text with each {name} hole filled by the input of that name (pure); {{ and }} are braces.",
        )
        .input("Format", "String (a literal)")
        .input("{name}", "String, one per hole")
        .output("Return Value", "String"),
        |cx| {
            let format = match cx.literal("Format").map(|l| &l.kind) {
                Some(Kind::Str(f)) => f.clone(),
                Some(_) => {
                    return Err(PinError::at(
                        "Format",
                        codes::TYPE_MISMATCH,
                        "Format is a String literal",
                    ))
                }
                None if cx.input_names().contains(&"Format") => {
                    return Err(PinError::at(
                        "Format",
                        codes::NOT_LITERAL,
                        "Format takes a String written in the file",
                    ))
                }
                None => {
                    return Err(PinError::node(
                        codes::MISSING_INPUT,
                        "needs its input `Format` (a String literal)",
                    ))
                }
            };
            let pieces = parse_format(&format).map_err(|m| PinError::at("Format", codes::TYPE_MISMATCH, m))?;
            let mut sig = Signature::pure().literal_input("Format", Type::String);
            let mut seen = std::collections::HashSet::new();
            for piece in pieces {
                if let Piece::Hole(name) = piece {
                    if seen.insert(name.clone()) {
                        sig = sig.input(&name, Type::String);
                    }
                }
            }
            Ok(sig.output("Return Value", Type::String))
        },
        |cx| {
            let Some(Value::String(format)) = cx.literal("Format") else {
                return Err(PinError::at(
                    "Format",
                    codes::NOT_LITERAL,
                    "Format takes a String written in the file",
                ));
            };
            let index: std::collections::HashMap<&str, usize> = cx
                .signature()
                .inputs
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.as_str(), i))
                .collect();
            let pieces: Vec<(String, Option<usize>)> = parse_format(&format)
                .map_err(|m| PinError::at("Format", codes::TYPE_MISMATCH, m))?
                .into_iter()
                .map(|p| match p {
                    Piece::Text(t) => (t, None),
                    Piece::Hole(h) => (String::new(), index.get(h.as_str()).copied()),
                })
                .collect();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let piece = |cx: &Cx<'_>, (text, hole): &(String, Option<usize>)| match hole {
                    Some(i) => cx.input(*i).as_str().len(),
                    None => text.len(),
                };
                let len = pieces.iter().map(|p| piece(cx, p)).fold(0usize, usize::saturating_add);
                cx.check_size(len)?;
                let mut out = String::with_capacity(len);
                for (text, hole) in &pieces {
                    match hole {
                        Some(i) => out.push_str(cx.input(*i).as_str()),
                        None => out.push_str(text),
                    }
                }
                cx.set_output(0, out);
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::simple(
        "To String",
        NodeDoc::new("String", "The value as text: true/false, decimal integers, shortest floats (2.0), compact JSON, Class#id or None (pure).")
            .input("Value", "any")
            .output("Return Value", "String"),
        Signature::pure().input("Value", Type::String).output("Return Value", Type::String),
        |cx, _| {
            let value = cx.take_input(0);
            cx.set_output(0, value);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "String To Int",
        NodeDoc::new(
            "String",
            "Reads a decimal integer (spaces around allowed); 0 and Success false if it is not one (pure).",
        )
        .input("In String", "String")
        .output("Return Value", "Int")
        .output("Success", "Bool"),
        Signature::pure()
            .input("In String", Type::String)
            .output("Return Value", Type::Int)
            .output("Success", Type::Bool),
        |cx, _| {
            let parsed = cx.input(0).as_str().trim().parse::<i64>().ok();
            cx.set_output(0, parsed.unwrap_or(0));
            cx.set_output(1, parsed.is_some());
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "String To Float",
        NodeDoc::new(
            "String",
            "Reads a number (spaces around allowed); 0.0 and Success false if it is not one (pure).",
        )
        .input("In String", "String")
        .output("Return Value", "Float")
        .output("Success", "Bool"),
        Signature::pure()
            .input("In String", Type::String)
            .output("Return Value", Type::Float)
            .output("Success", Type::Bool),
        |cx, _| {
            let parsed = cx.input(0).as_str().trim().parse::<f64>().ok();
            cx.set_output(0, parsed.unwrap_or(0.0));
            cx.set_output(1, parsed.is_some());
            Ok(Flow::End)
        },
    ));
}

fn json_object(value: &Value) -> Option<&serde_json::Map<String, Json>> {
    match value {
        Value::Json(j) => j.as_object(),
        _ => None,
    }
}

fn json(r: &mut RegistryBuilder) {
    r.add_node(FnNode::new(
        "Make Json Object",
        NodeDoc::new(
            "Json",
            "A Json object with one field per input, in the order written (pure).",
        )
        .input("{field}", "any but Object")
        .output("Return Value", "Json"),
        |cx| {
            let mut sig = Signature::pure();
            for name in cx.input_names() {
                sig = sig.input(name, Type::Json);
            }
            Ok(sig.output("Return Value", Type::Json))
        },
        |cx| {
            let names: Vec<String> = cx.signature().inputs.iter().map(|p| p.name.clone()).collect();
            Ok(Box::new(move |cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                let size = (0..names.len()).fold(0usize, |size, i| {
                    size.saturating_add(cx.input(i).size(limit) + names[i].len())
                });
                cx.check_size(size)?;
                let mut map = serde_json::Map::with_capacity(names.len());
                for (i, name) in names.iter().enumerate() {
                    map.insert(name.clone(), cx.input(i).to_json());
                }
                cx.set_output(0, Json::Object(map));
                Ok(Flow::End)
            }))
        },
    ));
    let object_and_field = || {
        Signature::pure()
            .input("Object", Type::Json)
            .input("Field Name", Type::String)
    };
    r.add_node(FnNode::simple(
        "Get Field",
        NodeDoc::new(
            "Json",
            "The field's value; null and Found false if the object has no such field or is not an object (pure).",
        )
        .input("Object", "Json")
        .input("Field Name", "String")
        .output("Value", "Json")
        .output("Found", "Bool"),
        object_and_field()
            .output("Value", Type::Json)
            .output("Found", Type::Bool),
        |cx, _| {
            let found = json_object(cx.input(0))
                .and_then(|o| o.get(cx.input(1).as_str()))
                .cloned();
            cx.set_output(1, found.is_some());
            cx.set_output(0, found.unwrap_or(Json::Null));
            Ok(Flow::End)
        },
    ));
    type Pick = fn(&Json) -> Option<Value>;
    let typed: [(&str, Type, Pick); 4] = [
        ("Get String Field", Type::String, |j| j.as_str().map(Value::from)),
        ("Get Int Field", Type::Int, |j| j.as_i64().map(Value::Int)),
        ("Get Float Field", Type::Float, |j| j.as_f64().map(Value::Float)),
        ("Get Bool Field", Type::Bool, |j| j.as_bool().map(Value::Bool)),
    ];
    for (name, ty, pick) in typed {
        let zero = Value::zero(&ty);
        r.add_node(FnNode::simple(
            name,
            NodeDoc::new(
                "Json",
                &format!("The field as {ty}; {zero} and Found false if it is missing or of another type (pure)."),
            )
            .input("Object", "Json")
            .input("Field Name", "String")
            .output("Value", &ty.to_string())
            .output("Found", "Bool"),
            object_and_field().output("Value", ty).output("Found", Type::Bool),
            move |cx, _| {
                let found = json_object(cx.input(0))
                    .and_then(|o| o.get(cx.input(1).as_str()))
                    .and_then(pick);
                cx.set_output(1, found.is_some());
                cx.set_output(0, found.unwrap_or_else(|| zero.clone()));
                Ok(Flow::End)
            },
        ));
    }
    r.add_node(FnNode::simple(
        "Set Field",
        NodeDoc::new(
            "Json",
            "The object with the field set (pure); a runtime error if it is not an object.",
        )
        .input("Object", "Json")
        .input("Field Name", "String")
        .input("Value", "Json")
        .output("Return Value", "Json"),
        object_and_field()
            .input("Value", Type::Json)
            .output("Return Value", Type::Json),
        |cx, _| {
            let limit = cx.max_value_size();
            let size = cx.input(0).size(limit) + cx.input(1).as_str().len() + cx.input(2).size(limit);
            cx.check_size(size)?;
            let mut object = cx.take_input(0).into_json();
            let value = cx.take_input(2).into_json();
            let Some(map) = Arc::make_mut(&mut object).as_object_mut() else {
                return Err(err(format!(
                    "Set Field: the Json value is {}, not an object",
                    json_kind(&object)
                )));
            };
            map.insert(cx.input(1).as_str().to_string(), Arc::unwrap_or_clone(value));
            cx.set_output(0, Value::Json(object));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "Has Field",
        NodeDoc::new("Json", "Whether the object has the field (pure).")
            .input("Object", "Json")
            .input("Field Name", "String")
            .output("Return Value", "Bool"),
        object_and_field().output("Return Value", Type::Bool),
        |cx, _| {
            let has = json_object(cx.input(0)).is_some_and(|o| o.contains_key(cx.input(1).as_str()));
            cx.set_output(0, has);
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "Get Field Names",
        NodeDoc::new(
            "Json",
            "The object's field names in order; empty if it is not an object (pure).",
        )
        .input("Object", "Json")
        .output("Return Value", "Array(String)"),
        Signature::pure()
            .input("Object", Type::Json)
            .output("Return Value", arr(Type::String)),
        |cx, _| {
            let names: Vec<Value> = json_object(cx.input(0))
                .map(|o| o.keys().map(|k| Value::from(k.as_str())).collect())
                .unwrap_or_default();
            cx.set_output(0, Value::Array(Arc::new(names)));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "Get Json Object at Location",
        NodeDoc::new(
            "Json",
            "The value at a dotted path such as a.b.0.c (numbers index arrays); Found false if there is none (pure).",
        )
        .input("Object", "Json")
        .input("Location", "String")
        .output("Value", "Json")
        .output("Found", "Bool"),
        Signature::pure()
            .input("Object", Type::Json)
            .input("Location", Type::String)
            .output("Value", Type::Json)
            .output("Found", Type::Bool),
        |cx, _| {
            let root = cx.input(0).to_json();
            let location = cx.input(1).as_str();
            let mut at = Some(&root);
            if !location.is_empty() {
                for part in location.split('.') {
                    at = at.and_then(|j| match j {
                        Json::Object(o) => o.get(part),
                        Json::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
                        _ => None,
                    });
                }
            }
            let found = at.cloned();
            cx.set_output(1, found.is_some());
            cx.set_output(0, found.unwrap_or(Json::Null));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "Load Json From String",
        NodeDoc::new(
            "Json",
            "Parses JSON text; null and Success false if it is not JSON (pure).",
        )
        .input("Json String", "String")
        .output("Value", "Json")
        .output("Success", "Bool"),
        Signature::pure()
            .input("Json String", Type::String)
            .output("Value", Type::Json)
            .output("Success", Type::Bool),
        |cx, _| {
            let parsed = serde_json::from_str::<Json>(cx.input(0).as_str()).ok();
            cx.set_output(1, parsed.is_some());
            cx.set_output(0, parsed.unwrap_or(Json::Null));
            Ok(Flow::End)
        },
    ));
    r.add_node(FnNode::simple(
        "Get Json String",
        NodeDoc::new("Json", "The value as compact JSON text (pure).")
            .input("Value", "Json")
            .output("Return Value", "String"),
        Signature::pure()
            .input("Value", Type::Json)
            .output("Return Value", Type::String),
        |cx, _| {
            let text = json_text(cx, &cx.input(0).to_json())?;
            cx.set_output(0, text);
            Ok(Flow::End)
        },
    ));
}

/// JSON text of `json`, or the value size error once it would be over the limit (written
/// through a bounded writer, so the text over the limit is never made).
fn json_text(cx: &Cx<'_>, json: &Json) -> Result<String, NodeError> {
    struct Bounded(Vec<u8>, usize);
    impl std::io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + buf.len() > self.1 {
                return Err(std::io::ErrorKind::OutOfMemory.into());
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let limit = cx.max_value_size();
    let mut out = Bounded(Vec::new(), limit);
    match serde_json::to_writer(&mut out, json) {
        Ok(()) => Ok(String::from_utf8(out.0).expect("serde_json writes UTF-8")),
        Err(_) => Err(NodeError(format!(
            "the result would be over the value size limit of {limit} bytes (--max-value-size)"
        ))),
    }
}

/// The common type of two element types, if they have one.
fn unify(a: Type, b: &Type) -> Option<Type> {
    match (&a, b) {
        _ if &a == b => Some(a),
        (Type::Int, Type::Float) | (Type::Float, Type::Int) => Some(Type::Float),
        (Type::Object(_), _) | (_, Type::Object(_)) => None,
        _ => Some(Type::Json),
    }
}

fn arrays(r: &mut RegistryBuilder) {
    r.add_node(FnNode::new(
        "Make Array",
        NodeDoc::new(
            "Array",
            "An array of its inputs [0], [1], … in order (pure); the element type is their common type.",
        )
        .input("[0], [1], …", "T")
        .output("Return Value", "Array(T)"),
        |cx| {
            let mut count = 0;
            for name in cx.input_names() {
                let index = name
                    .strip_prefix('[')
                    .and_then(|n| n.strip_suffix(']'))
                    .and_then(|n| n.parse::<usize>().ok());
                match index {
                    Some(i) if i < 10_000 && name == format!("[{i}]") => count = count.max(i + 1),
                    _ => {
                        return Err(PinError::at(
                            name,
                            codes::UNKNOWN_PIN,
                            format!("Make Array's inputs are [0], [1], …; not `{name}`"),
                        ))
                    }
                }
            }
            let mut element: Option<Type> = None;
            for i in 0..count {
                let pin = format!("[{i}]");
                if let Some(t) = cx.input_type(&pin) {
                    element = Some(match element {
                        None => t,
                        Some(e) => unify(e.clone(), &t).ok_or_else(|| {
                            PinError::at(
                                &pin,
                                codes::TYPE_MISMATCH,
                                format!("Make Array cannot hold both {e} and {t}"),
                            )
                        })?,
                    });
                }
            }
            let element = element.unwrap_or(Type::Json);
            let mut sig = Signature::pure();
            for i in 0..count {
                sig = sig.input(&format!("[{i}]"), element.clone());
            }
            Ok(sig.output("Return Value", arr(element)))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                let size =
                    (0..cx.signature_inputs()).fold(0usize, |size, i| size.saturating_add(cx.input(i).size(limit)));
                cx.check_size(size)?;
                let items: Vec<Value> = (0..cx.signature_inputs()).map(|i| cx.take_input(i)).collect();
                cx.set_output(0, Value::Array(Arc::new(items)));
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Array Length",
        NodeDoc::new("Array", "The number of elements (pure).")
            .input("Array", "Array(T) or Json array")
            .output("Return Value", "Int"),
        |cx| {
            let (array, _) = array_pin(cx, "Array Length")?;
            Ok(Signature::pure()
                .input("Array", array)
                .output("Return Value", Type::Int))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let len = array_len(cx.input(0), "Array Length")?;
                cx.set_output(0, len as i64);
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Array Get",
        NodeDoc::new(
            "Array",
            "The element at Index (pure); a runtime error if Index is out of range.",
        )
        .input("Array", "Array(T) or Json array")
        .input("Index", "Int")
        .output("Value", "T"),
        |cx| {
            let (array, element) = array_pin(cx, "Array Get")?;
            Ok(Signature::pure()
                .input("Array", array)
                .input("Index", Type::Int)
                .output("Value", element))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let index = cx.input(1).as_int();
                let len = array_len(cx.input(0), "Array Get")?;
                let item = usize::try_from(index)
                    .ok()
                    .and_then(|i| element(cx.input(0), i, "Array Get").transpose())
                    .transpose()?;
                let item = item.ok_or_else(|| {
                    err(format!(
                        "Array Get: index {index} is out of range for an array of length {len}"
                    ))
                })?;
                cx.set_output(0, item);
                Ok(Flow::End)
            }))
        },
    ));
    r.add_node(FnNode::new(
        "Array Add",
        NodeDoc::new("Array", "The array with Item added at the end (pure).")
            .input("Array", "Array(T) or Json array")
            .input("Item", "T")
            .output("Return Value", "Array(T)"),
        |cx| {
            let (array, element) = array_pin(cx, "Array Add")?;
            Ok(Signature::pure()
                .input("Array", array.clone())
                .input("Item", element)
                .output("Return Value", array))
        },
        |_| {
            Ok(Box::new(|cx: &mut Cx<'_>, _: Entry| {
                let limit = cx.max_value_size();
                cx.check_size(cx.input(0).size(limit) + cx.input(1).size(limit))?;
                let item = cx.take_input(1);
                let result = match cx.take_input(0) {
                    Value::Array(mut items) => {
                        Arc::make_mut(&mut items).push(item);
                        Value::Array(items)
                    }
                    Value::Json(mut j) => match Arc::make_mut(&mut j) {
                        Json::Array(items) => {
                            items.push(item.to_json());
                            Value::Json(j)
                        }
                        other => {
                            return Err(err(format!(
                                "Array Add: the Json value is {}, not an array",
                                json_kind(other)
                            )))
                        }
                    },
                    other => other,
                };
                cx.set_output(0, result);
                Ok(Flow::End)
            }))
        },
    ));
}
