//! The embedding API: a host's own node library (with delegates, a deprecated node and a
//! deprecated class), firing events, variables, callbacks and stopping an instance.

use std::sync::{Arc, Mutex};

use graphrun::{
    ClassDef, Flow, FnNode, Host, HostError, Instance, Level, NodeDoc, NodeLibrary, Outcome, Program, Registry,
    RegistryBuilder, RuntimeError, Signature, StandardLibrary, Type, Value,
};

/// A library with delegates of two signatures, as the socket library has.
struct Listeners;

impl NodeLibrary for Listeners {
    fn install(&self, r: &mut RegistryBuilder) {
        r.add_class(ClassDef::new("Thing", "a thing", || ()));
        // A tally: what its reports add up to, each logged by the class as it comes.
        r.add_class(
            ClassDef::new("Tally", "adds up what is reported to it", || 0i64).on_report(|cx, tally, data| {
                let Ok(n) = data.downcast::<i64>() else {
                    return;
                };
                let Some(total) = cx.object_mut::<i64>(tally) else {
                    return;
                };
                *total += *n;
                let line = format!("tally {total}");
                cx.log(Level::Info, &line);
            }),
        );
        r.add_node(FnNode::fixed(
            "Count Later",
            NodeDoc::new("Test", "reports 1, 2 and 3 to its Tally from a task"),
            Signature::then().input("Tally", Type::Object("Tally".into())),
            |_: &dyn graphrun::CompileCx| -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
                Ok(Box::new(|cx: &mut graphrun::Cx<'_>, _: graphrun::Entry| {
                    let tally = cx.input(0).as_object().ok_or("no Tally")?;
                    let (sender, node) = (cx.sender(), cx.node_index());
                    let alive = sender.keep_alive();
                    tokio::spawn(async move {
                        let _alive = alive;
                        for n in 1..=3i64 {
                            assert!(sender.report(node, tally, Box::new(n)).await);
                        }
                    });
                    Ok(Flow::Then(0))
                }))
            },
        ));
        r.add_class(ClassDef::deprecated_alias("OldThing", "Thing"));
        let listen = || {
            Signature::then()
                .delegate("On Count", &[("Count", Type::Int)])
                .delegate("On Name", &[("Name", Type::String)])
        };
        let compile = |cx: &dyn graphrun::CompileCx| -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
            let on_count = cx.delegate("On Count");
            Ok(Box::new(move |cx: &mut graphrun::Cx<'_>, _: graphrun::Entry| {
                if let Some(event) = on_count {
                    cx.fire(event, vec![Value::Int(7)])?;
                }
                Ok(Flow::Then(0))
            }))
        };
        r.add_node(FnNode::fixed(
            "Listen",
            NodeDoc::new("Test", "fires On Count with 7"),
            listen(),
            compile,
        ));
        r.add_node(FnNode::fixed(
            "Spawn Thing",
            NodeDoc::new("Test", "makes a Thing and fires On Thing with it"),
            Signature::then().delegate("On Thing", &[("Thing", Type::Object("Thing".into()))]),
            |cx: &dyn graphrun::CompileCx| -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
                let on_thing = cx.delegate("On Thing");
                let class = cx.class_id("Thing").expect("Thing is installed");
                Ok(Box::new(move |cx: &mut graphrun::Cx<'_>, _: graphrun::Entry| {
                    let thing = cx.new_object(class, Box::new(()))?;
                    if let Some(event) = on_thing {
                        cx.fire(event, vec![Value::Object(Some(thing))])?;
                    }
                    Ok(Flow::Then(0))
                }))
            },
        ));
        r.add_node(FnNode::fixed(
            "Thing Alive",
            NodeDoc::new("Test", "whether the Thing's object is still in the arena"),
            Signature::pure()
                .input("Thing", Type::Object("Thing".into()))
                .output("Alive", Type::Bool),
            |_: &dyn graphrun::CompileCx| -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
                Ok(Box::new(|cx: &mut graphrun::Cx<'_>, _: graphrun::Entry| {
                    let thing = cx.input(0).as_object();
                    let alive = thing.is_some_and(|t| cx.object_mut::<()>(t).is_some());
                    cx.set_output(0, alive);
                    Ok(Flow::End)
                }))
            },
        ));
        r.add_node(FnNode::fixed(
            "Muddled State",
            NodeDoc::new("Test", "its state as an Int, then as a Bool: a bug"),
            Signature::then(),
            |_: &dyn graphrun::CompileCx| -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
                Ok(Box::new(|cx: &mut graphrun::Cx<'_>, _: graphrun::Entry| {
                    *cx.state::<i64>()? += 1;
                    let _: &mut bool = cx.state::<bool>()?;
                    Ok(Flow::Then(0))
                }))
            },
        ));
        r.add_node(OldListen(FnNode::fixed(
            "Old Listen",
            NodeDoc::new("Test", "deprecated"),
            listen(),
            compile,
        )));
    }
}

/// A deprecated node type: wraps another and names its replacement.
struct OldListen(FnNode);

impl graphrun::NodeType for OldListen {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn doc(&self) -> NodeDoc {
        self.0.doc()
    }
    fn deprecated(&self) -> Option<&str> {
        Some("Listen")
    }
    fn signature(&self, cx: &dyn graphrun::SignatureCx) -> Result<Signature, graphrun::PinError> {
        self.0.signature(cx)
    }
    fn compile(&self, cx: &dyn graphrun::CompileCx) -> Result<Box<dyn graphrun::Node>, graphrun::PinError> {
        self.0.compile(cx)
    }
}

fn registry() -> Registry {
    Registry::builder()
        .install(&StandardLibrary)
        .install(&Listeners)
        .build()
}

fn load(text: &str) -> Result<Program, Vec<String>> {
    registry().load_str("t.ron", text).map_err(|d| d.one_lines().collect())
}

/// A host that keeps what an instance prints, logs and fails with, a line each (also the
/// live editing tests' host).
#[derive(Default)]
pub(crate) struct Collect {
    pub(crate) out: Mutex<Vec<String>>,
    /// Told at each line.
    added: tokio::sync::Notify,
}

impl Collect {
    fn push(&self, line: String) {
        self.out.lock().unwrap().push(line);
        self.added.notify_waiters();
    }

    /// Waits (at most 10 s) until there are `n` lines.
    pub(crate) async fn lines(&self, n: usize) {
        let wait = async {
            loop {
                // Made before looking, so a line added meanwhile still wakes it.
                let added = self.added.notified();
                if self.out.lock().unwrap().len() >= n {
                    return;
                }
                added.await;
            }
        };
        if tokio::time::timeout(std::time::Duration::from_secs(10), wait)
            .await
            .is_err()
        {
            panic!("not {n} lines within 10 s: {:?}", self.out.lock().unwrap());
        }
    }
}

impl Host for Collect {
    fn print(&self, text: &str) {
        self.push(text.to_string());
    }
    fn log(&self, level: Level, message: &str) {
        self.push(format!("{level}: {message}"));
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.push(format!(
            "error: {} at {} in `{}`",
            error.message, error.location, error.node_id
        ));
    }
    // Traced runs compare what they print and leave, not their trace: kept off stderr.
    fn trace(&self, _: &str) {}
}

async fn run(program: &Program, setup: impl FnOnce(&mut Instance)) -> (Vec<String>, Instance) {
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(program, host.clone());
    setup(&mut instance);
    instance.run().await;
    let out = host.out.lock().unwrap().clone();
    (out, instance)
}

#[tokio::test]
async fn a_bound_custom_event_takes_the_delegates_params() {
    let program = load(
        r#"Graph(format: 1, name: "Bound", nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "listen"}),
        "listen": (node: "Listen", inputs: {"On Count": Event("counted")}),
        "counted": (node: "Custom Event", exec: {"then": "p"}),
        "p": (node: "Print String", inputs: {"In String": Link("counted", "Count")}),
    })"#,
    )
    .unwrap();
    let (out, _) = run(&program, |_| {}).await;
    assert_eq!(out, ["7"]);
}

/// A task's reports are data its object's class handles (`ClassDef::on_report`), in the
/// context of the node that started the task, in the order posted.
#[tokio::test]
async fn a_task_reports_data_that_its_objects_class_handles() {
    let program = load(
        r#"Graph(format: 1, name: "Tally", nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "make"}),
        "make": (node: "Construct Object", inputs: {"Class": "Tally"}, exec: {"then": "count"}),
        "count": (node: "Count Later", inputs: {"Tally": Link("make", "Return Value")}),
    })"#,
    )
    .unwrap();
    let (out, _) = run(&program, |_| {}).await;
    let expected: Vec<String> = [1, 3, 6]
        .iter()
        .map(|t| format!("info: tally {t} (node `count` (Count Later), graph `Tally`, t.ron:4:9)"))
        .collect();
    assert_eq!(out, expected);
}

/// A queued event's one argument is a root: 3,000 objects made in one chain (past the
/// 1,024 at which a collection runs), each held only by the event queued with it, are all
/// alive when their events run.
#[tokio::test]
async fn an_object_held_only_by_a_queued_event_survives_collections() {
    let program = load(
        r#"Graph(format: 1, name: "Held", variables: {"Alive": (type: Int)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 3000}, exec: {"Loop Body": "spawn"}),
        "spawn": (node: "Spawn Thing", inputs: {"On Thing": Event("got")}),
        "got": (node: "Custom Event", exec: {"then": "check"}),
        "check": (node: "Branch", inputs: {"Condition": Link("valid", "Alive")}, exec: {"True": "count"}),
        "valid": (node: "Thing Alive", inputs: {"Thing": Link("got", "Thing")}),
        "count": (node: "Set", var: "Alive", inputs: {"Alive": Link("plus", "Return Value")}),
        "plus": (node: "Add", inputs: {"A": Var("Alive"), "B": 1}),
        "end": (node: "Event EndPlay", exec: {"then": "p"}),
        "p": (node: "Print String", inputs: {"In String": Var("Alive")}),
    })"#,
    )
    .unwrap();
    let (out, _) = run(&program, |_| {}).await;
    assert_eq!(out, ["3000"]);
}

#[test]
fn event_params_must_match_the_delegate() {
    let errors = load(
        r#"Graph(format: 1, name: "Mismatch", nodes: {
        "listen": (node: "Listen", inputs: {"On Count": Event("counted")}),
        "counted": (node: "Custom Event", params: {"Count": String}),
    })"#,
    )
    .unwrap_err();
    assert_eq!(
        errors,
        ["t.ron:2:63: error[E0112]: Custom Event `counted` declares params (Count: String), but `On Count` of node `listen` passes (Count: Int)"]
    );
}

#[test]
fn an_event_bound_to_delegates_of_different_signatures_is_refused() {
    let errors = load(
        r#"Graph(format: 1, name: "Twice", nodes: {
        "listen": (node: "Listen", inputs: {"On Count": Event("any"), "On Name": Event("any")}),
        "again": (node: "Listen", inputs: {"On Count": Event("any")}),
        "any": (node: "Custom Event"),
    })"#,
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("t.ron:2:82: error[E0113]: Custom Event `any` is bound to `On Count` of node `listen` (Count: Int) and to `On Name` of node `listen` (Name: String)"), "{errors:?}");
}

#[test]
fn deprecated_nodes_and_classes_load_with_warnings_naming_the_replacement() {
    let program = load(
        r#"Graph(format: 1, name: "Old", variables: {"T": (type: Object("OldThing"))}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "make"}),
        "make": (node: "Construct Object", inputs: {"Class": "OldThing"}, exec: {"then": "keep"}),
        "keep": (node: "Set", var: "T", inputs: {"T": Link("make", "Return Value")}, exec: {"then": "old"}),
        "old": (node: "Old Listen"),
    })"#,
    )
    .unwrap();
    let warnings: Vec<String> = program.warnings().one_lines().collect();
    assert_eq!(
        warnings,
        [
            "t.ron:1:55: warning[W0001]: class `OldThing` is deprecated: use `Thing`",
            "t.ron:3:62: warning[W0001]: class `OldThing` is deprecated: use `Thing`",
            "t.ron:5:23: warning[W0001]: node type `Old Listen` is deprecated: use `Listen`",
        ]
    );
    assert_eq!(program.variables()[0].ty, Type::Object("Thing".into()));
}

const COUNTER: &str = r#"Graph(format: 1, name: "Counter",
    variables: {"Total": (type: Int), "Label": (type: String, default: "total")},
    nodes: {
        "Add Points": (node: "Custom Event", params: {"Points": Int, "Ratio": Float}, exec: {"then": "set"}),
        "set": (node: "Set", var: "Total", inputs: {"Total": Link("sum", "Return Value")}, exec: {"then": "p"}),
        "sum": (node: "Add", inputs: {"A": Var("Total"), "B": Link("Add Points", "Points")}),
        "p": (node: "Print String", inputs: {"In String": Link("fmt", "Return Value")}),
        "fmt": (node: "Format String", inputs: {"Format": "{label} {t} ({r})", "label": Var("Label"), "t": Var("Total"), "r": Link("Add Points", "Ratio")}),
    })"#;

#[tokio::test]
async fn a_host_fires_events_and_reads_and_sets_variables() {
    let program = Registry::standard().load_str("counter.ron", COUNTER).unwrap();
    let (out, instance) = run(&program, |i| {
        i.set_variable("Label", Value::from("score")).unwrap();
        i.fire("Add Points", vec![Value::Int(2), Value::Int(1)]).unwrap();
        i.fire("Add Points", vec![Value::Int(3), Value::Float(0.5)]).unwrap();
    })
    .await;
    assert_eq!(out, ["score 2 (1.0)", "score 5 (0.5)"]);
    assert_eq!(instance.variable("Total"), Some(&Value::Int(5)));
}

#[test]
fn a_host_gets_clear_errors_for_wrong_events_and_values() {
    let program = Registry::standard().load_str("counter.ron", COUNTER).unwrap();
    let mut instance = Instance::new(&program, Arc::new(Collect::default()));
    assert_eq!(
        instance.fire("Add Point", vec![]).unwrap_err().to_string(),
        "no Custom Event `Add Point`; did you mean `Add Points`?"
    );
    assert_eq!(
        instance
            .fire("Add Points", vec![Value::Int(1)])
            .unwrap_err()
            .to_string(),
        "Custom Event `Add Points` takes 2 argument(s), not 1"
    );
    assert_eq!(
        instance
            .fire("Add Points", vec![Value::Float(1.5), Value::Int(1)])
            .unwrap_err()
            .to_string(),
        "param `Points` of `Add Points` is Int, but the value is Float"
    );
    assert_eq!(
        instance
            .set_variable("Total", Value::from("x"))
            .unwrap_err()
            .to_string(),
        "variable `Total` is Int, but the value is String"
    );
    assert_eq!(
        instance.set_variable("Totl", Value::Int(1)).unwrap_err(),
        graphrun::HostError::Invalid("no variable `Totl`; did you mean `Total`?".into())
    );
}

#[tokio::test]
async fn a_host_stops_an_instance_and_endplay_runs() {
    let program = Registry::standard()
        .load_str(
            "forever.ron",
            r#"Graph(format: 1, name: "Forever", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "t"}),
            "t": (node: "Set Timer by Event", inputs: {"Event": Event("tick"), "Time": 0.01, "Looping": true}),
            "tick": (node: "Custom Event", exec: {"then": "p"}),
            "p": (node: "Print String", inputs: {"In String": "tick"}),
            "end": (node: "Event EndPlay", exec: {"then": "bye"}),
            "bye": (node: "Print String", inputs: {"In String": "bye"}),
        })"#,
        )
        .unwrap();
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    let handle = instance.handle();
    let stopper = {
        let host = host.clone();
        tokio::spawn(async move {
            // Stop once the timer has fired twice (polling what the host received).
            while host.out.lock().unwrap().len() < 2 {
                tokio::task::yield_now().await;
            }
            handle.stop();
        })
    };
    let report = instance.run().await;
    stopper.await.unwrap();
    assert_eq!(report.outcome, Outcome::Stopped);
    let out = host.out.lock().unwrap().clone();
    assert_eq!(out.last().map(String::as_str), Some("bye"));
    assert!(
        out[..out.len() - 1].iter().all(|l| l == "tick") && out.len() >= 3,
        "{out:?}"
    );
}

#[tokio::test]
async fn a_handle_reads_and_sets_variables_while_the_instance_runs() {
    let program = Registry::standard().load_str("counter.ron", COUNTER).unwrap();
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    let handle = instance.handle();
    let alive = handle.keep_alive();
    let driver = tokio::spawn(async move {
        handle
            .fire("Add Points", vec![Value::Int(4), Value::Float(1.0)])
            .await
            .unwrap();
        let total = handle.variable("Total").await.unwrap();
        handle.set_variable("Total", Value::Int(100)).await.unwrap();
        handle
            .fire("Add Points", vec![Value::Int(1), Value::Float(1.0)])
            .await
            .unwrap();
        drop(alive);
        total
    });
    let report = instance.run().await;
    assert_eq!(driver.await.unwrap(), Value::Int(4));
    assert_eq!(report.outcome, Outcome::Idle);
    assert_eq!(*host.out.lock().unwrap(), ["total 4 (1.0)", "total 101 (1.0)"]);
}

#[tokio::test]
async fn a_host_calls_an_event_and_awaits_its_answer() {
    let program = Registry::standard()
        .load_str(
            "ask.ron",
            r#"Graph(format: 1, name: "Ask",
        variables: {"Answer": (type: Int), "Calls": (type: Int)},
        nodes: {
            "Square": (node: "Custom Event", params: {"X": Int}, exec: {"then": "count"}),
            "count": (node: "Set", var: "Calls", inputs: {"Calls": Link("inc", "Return Value")}, exec: {"then": "check"}),
            "inc": (node: "Add", inputs: {"A": Var("Calls"), "B": 1}),
            "check": (node: "Branch", inputs: {"Condition": Link("neg", "Return Value")}, exec: {"True": "fail", "False": "set"}),
            "neg": (node: "Less", inputs: {"A": Link("Square", "X"), "B": 0}),
            "fail": (node: "Print String", inputs: {"In String": Link("div", "Return Value")}),
            "div": (node: "Divide", inputs: {"A": 1, "B": 0}),
            "set": (node: "Set", var: "Answer", inputs: {"Answer": Link("mul", "Return Value")}),
            "mul": (node: "Multiply", inputs: {"A": Link("Square", "X"), "B": Link("Square", "X")}),
        })"#,
        )
        .unwrap();
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    let handle = instance.handle();
    let alive = handle.keep_alive();
    let driver = tokio::spawn(async move {
        let seven = handle.call("Square", vec![Value::Int(7)]).await.unwrap();
        let negative = handle.call("Square", vec![Value::Int(-2)]).await.unwrap();
        let wrong = handle.call("Square", vec![Value::from("x")]).await.unwrap_err();
        drop(alive);
        (seven, negative, wrong)
    });
    instance.run().await;
    let (seven, negative, wrong) = driver.await.unwrap();
    assert_eq!(seven.get::<i64>("Answer"), Ok(49));
    assert_eq!(seven.get::<i64>("Calls"), Ok(1));
    assert!(seven.error().is_none());
    // The second chain failed at `div`: the answer says so, with the variables as it left them.
    let error = negative.error().expect("the chain's runtime error");
    assert_eq!(
        (error.node_id.as_str(), error.message.as_str()),
        ("div", "division by zero")
    );
    assert_eq!(negative.get::<i64>("Answer"), Ok(49));
    assert_eq!(negative.get::<i64>("Calls"), Ok(2));
    assert!(
        matches!(wrong, HostError::Invalid(ref m) if m.contains("param `X`")),
        "{wrong}"
    );
    assert!(negative.get::<i64>("Nope").is_err());
}

#[tokio::test]
async fn runtime_errors_reach_the_host_with_their_position() {
    let program = Registry::standard()
        .load_str(
            "err.ron",
            r#"Graph(format: 1, name: "Err", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "p"}),
            "p": (node: "Print String", inputs: {"In String": Link("div", "Return Value")}),
            "div": (node: "Divide", inputs: {"A": 1, "B": 0}),
        })"#,
        )
        .unwrap();
    let (out, _) = run(&program, |_| {}).await;
    assert_eq!(out, ["error: division by zero at err.ron:4:13 in `div`"]);
}

/// The same inside a function called in a loop's body: on pass 3 the Set reading the
/// quitting node runs, the call does not finish (its output keeps pass 2's value, which
/// EndPlay prints), and the chain ends.
#[tokio::test]
async fn a_pure_node_that_quits_inside_a_called_body_ends_the_call_and_the_chain() {
    let seen = quit_untraced_and_traced(
        r#"Graph(format: 1, name: "T", variables: {"Sum": (type: Int), "Passes": (type: Int)},
        functions: {
            "Add Quitting": (inputs: {"X": Int}, outputs: {"R": Int}, nodes: {
                "entry": (node: "Function Entry", exec: {"then": "sum"}),
                "sum": (node: "Set", var: "Sum", inputs: {"Sum": Link("add", "Return Value")}, exec: {"then": "ret"}),
                "add": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("q", "Same")}),
                "q": (node: "Quit On Three", inputs: {"Value": Link("entry", "X")}),
                "ret": (node: "Return Node", inputs: {"R": Link("entry", "X")}),
            }),
        },
        nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
            "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 10}, exec: {"Loop Body": "call", "Completed": "never"}),
            "call": (node: "Add Quitting", inputs: {"X": Link("loop", "Index")}, exec: {"then": "passes"}),
            "passes": (node: "Set", var: "Passes", inputs: {"Passes": Link("inc", "Return Value")}),
            "inc": (node: "Add", inputs: {"A": Var("Passes"), "B": 1}),
            "never": (node: "Print String", inputs: {"In String": "never"}),
            "end": (node: "Event EndPlay", exec: {"then": "bye"}),
            "bye": (node: "Print String", inputs: {"In String": Link("call", "R")}),
        })"#,
    )
    .await;
    assert_eq!(seen, (Some(Value::Int(6)), Some(Value::Int(2)), vec!["2".to_string()]));
}

/// A stop request ends a For Loop with constant bounds and a body of Sets
/// (here it would run 2^63 passes, the loop guard lifted): the event ends at a loop pass,
/// with the passes before it done, and EndPlay runs.
#[tokio::test]
async fn a_stop_request_ends_a_loop_with_fixed_bounds() {
    let program = Registry::standard()
        .load_str(
            "long.ron",
            r#"Graph(format: 1, name: "Long", variables: {"N": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": "looping"}, exec: {"then": "loop"}),
            "loop": (node: "For Loop", inputs: {"First Index": 0, "Last Index": 9223372036854775807}, exec: {"Loop Body": "inc", "Completed": "never"}),
            "inc": (node: "Set", var: "N", inputs: {"N": Link("plus", "Return Value")}),
            "plus": (node: "Add", inputs: {"A": Var("N"), "B": 1}),
            "never": (node: "Print String", inputs: {"In String": "never"}),
            "end": (node: "Event EndPlay", exec: {"then": "bye"}),
            "bye": (node: "Print String", inputs: {"In String": "bye"}),
        })"#,
        )
        .unwrap();
    let host = Arc::new(Collect::default());
    let options = graphrun::RunOptions {
        max_loop_iterations: u64::MAX,
        ..graphrun::RunOptions::default()
    };
    let mut instance = Instance::with_options(&program, host.clone(), options);
    let handle = instance.handle();
    // The loop never yields to this runtime: the stop comes from another thread, once the
    // chain has printed that it goes into the loop.
    let stopper = {
        let host = host.clone();
        std::thread::spawn(move || {
            while host.out.lock().unwrap().is_empty() {
                std::thread::yield_now();
            }
            handle.stop();
        })
    };
    let report = instance.run().await;
    stopper.join().unwrap();
    assert_eq!(report.outcome, Outcome::Stopped);
    assert_eq!(*host.out.lock().unwrap(), ["looping", "bye"]);
    let passes = instance.variable("N").unwrap().as_int();
    assert!(passes > 0, "{passes} passes");
}

/// A library with a pure node that quits when its Value is 3.
struct Quitter;

impl NodeLibrary for Quitter {
    fn install(&self, r: &mut RegistryBuilder) {
        r.add_node(FnNode::simple(
            "Quit On Three",
            NodeDoc::new("Test", "Value; quits when Value is 3"),
            Signature::pure().input("Value", Type::Int).output("Same", Type::Int),
            |cx, _| {
                let value = cx.input(0).as_int();
                if value == 3 {
                    cx.quit();
                }
                cx.set_output(0, value);
                Ok(Flow::End)
            },
        ));
    }
}

/// Runs `text` (with [`Quitter`]) untraced and traced, each to its Quit: the variables
/// `Sum` and `Passes` it leaves and what it prints; the two runs must agree.
async fn quit_untraced_and_traced(text: &str) -> (Option<Value>, Option<Value>, Vec<String>) {
    let registry = Registry::builder().install(&StandardLibrary).install(&Quitter).build();
    let program = registry.load_str("t.ron", text).unwrap();
    let mut seen = Vec::new();
    for trace in [false, true] {
        let host = Arc::new(Collect::default());
        let options = graphrun::RunOptions {
            trace,
            ..graphrun::RunOptions::default()
        };
        let mut instance = Instance::with_options(&program, host.clone(), options);
        let report = instance.run().await;
        assert_eq!(report.outcome, Outcome::Quit, "traced: {trace}");
        let printed: Vec<String> = host
            .out
            .lock()
            .unwrap()
            .iter()
            .filter(|l| !l.starts_with("trace:"))
            .cloned()
            .collect();
        seen.push((
            instance.variable("Sum").cloned(),
            instance.variable("Passes").cloned(),
            printed,
        ));
    }
    assert_eq!(seen[0], seen[1], "untraced, then traced");
    seen.remove(0)
}

/// A pure node of the host's that quits, read inside a For Loop whose body is Sets: the Set
/// reading it still runs, then the chain ends — unobserved as traced — and EndPlay runs.
#[tokio::test]
async fn a_pure_node_that_quits_inside_a_loop_ends_the_chain_after_its_reader() {
    let seen = quit_untraced_and_traced(
        r#"Graph(format: 1, name: "T", variables: {"Sum": (type: Int), "Passes": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
            "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 10}, exec: {"Loop Body": "sum", "Completed": "never"}),
            "sum": (node: "Set", var: "Sum", inputs: {"Sum": Link("add", "Return Value")}, exec: {"then": "passes"}),
            "add": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("q", "Same")}),
            "q": (node: "Quit On Three", inputs: {"Value": Link("loop", "Index")}),
            "passes": (node: "Set", var: "Passes", inputs: {"Passes": Link("inc", "Return Value")}),
            "inc": (node: "Add", inputs: {"A": Var("Passes"), "B": 1}),
            "never": (node: "Print String", inputs: {"In String": "never"}),
            "end": (node: "Event EndPlay", exec: {"then": "bye"}),
            "bye": (node: "Print String", inputs: {"In String": "bye"}),
        })"#,
    )
    .await;
    // Passes 1 and 2 whole; on pass 3 the Set reading the quitting node runs, the next does not.
    assert_eq!(
        seen,
        (Some(Value::Int(6)), Some(Value::Int(2)), vec!["bye".to_string()])
    );
}

/// The same with an impure call of a function whose body is one Return Node, in the loop's
/// body, reading the quitting node: on pass 3 the chain ends before the call's body,
/// so its output keeps pass 2's value, which EndPlay prints.
#[tokio::test]
async fn a_pure_node_that_quits_before_a_call_ends_the_chain_before_its_body() {
    let seen = quit_untraced_and_traced(
        r#"Graph(format: 1, name: "T", variables: {"Sum": (type: Int), "Passes": (type: Int)},
        functions: {
            "Keep": (inputs: {"X": Int}, outputs: {"Result": Int}, nodes: {
                "entry": (node: "Function Entry", exec: {"then": "ret"}),
                "ret": (node: "Return Node", inputs: {"Result": Link("plus", "Return Value")}),
                "plus": (node: "Add", inputs: {"A": Link("entry", "X"), "B": 0}),
            }),
        },
        nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
            "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 10}, exec: {"Loop Body": "keep", "Completed": "never"}),
            "keep": (node: "Keep", inputs: {"X": Link("q", "Same")}, exec: {"then": "sum"}),
            "q": (node: "Quit On Three", inputs: {"Value": Link("loop", "Index")}),
            "sum": (node: "Set", var: "Sum", inputs: {"Sum": Link("add", "Return Value")}, exec: {"then": "passes"}),
            "add": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("keep", "Result")}),
            "passes": (node: "Set", var: "Passes", inputs: {"Passes": Link("inc", "Return Value")}),
            "inc": (node: "Add", inputs: {"A": Var("Passes"), "B": 1}),
            "never": (node: "Print String", inputs: {"In String": "never"}),
            "end": (node: "Event EndPlay", exec: {"then": "bye"}),
            "bye": (node: "Print String", inputs: {"In String": Link("keep", "Result")}),
        })"#,
    )
    .await;
    assert_eq!(seen, (Some(Value::Int(3)), Some(Value::Int(2)), vec!["2".to_string()]));
}

/// Issue 10: typed nodes, made from Rust functions; pins, types and docs come from the
/// function's signature.
mod typed {
    use std::sync::{Arc, Mutex};

    use graphrun::{FnNode, Host, Instance, NodeLibrary, Registry, RegistryBuilder, RuntimeError, StandardLibrary};

    struct Typed {
        logged: Arc<Mutex<Vec<String>>>,
    }

    impl NodeLibrary for Typed {
        fn install(&self, r: &mut RegistryBuilder) {
            r.add_node(
                FnNode::function("Clamp", ["Value", "Min", "Max"], |v: i64, lo: i64, hi: i64| {
                    v.clamp(lo, hi.max(lo))
                })
                .describe("Math", "Value kept between Min and Max."),
            );
            r.add_node(FnNode::function("Parse Port", ["Text"], |t: String| {
                t.parse::<u16>()
                    .map(i64::from)
                    .map_err(|e| format!("`{t}` is not a port: {e}"))
            }));
            r.add_node(FnNode::function("Sum", ["Items"], |items: Vec<i64>| {
                items.iter().sum::<i64>()
            }));
            r.add_node(FnNode::function("Half", ["X"], |x: f64| x / 2.0));
            let logged = self.logged.clone();
            r.add_node(FnNode::action(
                "Log Score",
                ["Player", "Points"],
                move |p: String, n: i64| {
                    logged.lock().unwrap().push(format!("{p} scored {n}"));
                },
            ));
        }
    }

    #[derive(Default)]
    struct Lines(Mutex<Vec<String>>);

    impl Host for Lines {
        fn print(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_string());
        }
        fn runtime_error(&self, error: &RuntimeError) {
            self.0
                .lock()
                .unwrap()
                .push(format!("error at {}: {}", error.node_id, error.message));
        }
    }

    fn registry(logged: &Arc<Mutex<Vec<String>>>) -> Registry {
        Registry::builder()
            .install(&StandardLibrary)
            .install(&Typed { logged: logged.clone() })
            .build()
    }

    #[tokio::test]
    async fn typed_nodes_run_with_pins_from_their_functions() {
        let logged = Arc::new(Mutex::new(Vec::new()));
        let program = registry(&logged)
            .load_str(
                "typed.ron",
                r#"Graph(format: 1, name: "Typed", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "log"}),
            "log": (node: "Log Score", inputs: {"Player": "ada", "Points": Link("clamp", "Return Value")}, exec: {"then": "p1"}),
            "clamp": (node: "Clamp", inputs: {"Value": 42, "Min": 0, "Max": 10}),
            "p1": (node: "Print String", inputs: {"In String": Link("sum", "Return Value")}, exec: {"then": "p2"}),
            "sum": (node: "Sum", inputs: {"Items": [1, 2, 3]}),
            "p2": (node: "Print String", inputs: {"In String": Link("half", "Return Value")}, exec: {"then": "p3"}),
            "half": (node: "Half", inputs: {"X": 3}),
            "p3": (node: "Print String", inputs: {"In String": Link("port", "Return Value")}),
            "port": (node: "Parse Port", inputs: {"Text": "99999"}),
        })"#,
            )
            .unwrap_or_else(|d| panic!("{d}"));
        let host = Arc::new(Lines::default());
        Instance::new(&program, host.clone()).run().await;
        assert_eq!(*logged.lock().unwrap(), ["ada scored 10"]);
        assert_eq!(
            *host.0.lock().unwrap(),
            [
                "6",
                "1.5",
                "error at port: `99999` is not a port: number too large to fit in target type"
            ]
        );
    }

    #[tokio::test]
    async fn values_and_variables_read_as_rust_types_with_typed_errors() {
        use graphrun::{Type, TypeError, Value};
        assert_eq!(Value::Int(3).get::<i64>(), Ok(3));
        assert_eq!(Value::Int(3).get::<f64>(), Ok(3.0));
        assert_eq!(Value::from("x").get::<String>(), Ok("x".to_string()));
        assert_eq!(
            Value::from("x").get::<i64>(),
            Err(TypeError {
                expected: Type::Int,
                found: "a String".into()
            })
        );
        let program = Registry::standard()
            .load_str(
                "vars.ron",
                r#"Graph(format: 1, name: "Vars", variables: {"Total": (type: Int, default: 7), "Names": (type: Array(String), default: ["a", "b"])}, nodes: {})"#,
            )
            .unwrap();
        let mut instance = Instance::new(&program, Arc::new(Lines::default()));
        instance.run().await;
        assert_eq!(instance.get::<i64>("Total"), Ok(7));
        assert_eq!(
            instance.get::<Vec<String>>("Names"),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(
            instance.get::<String>("Total").unwrap_err().to_string(),
            "variable `Total`: expected String, but the value is an Int"
        );
        assert_eq!(
            instance.get::<i64>("Totl").unwrap_err().to_string(),
            "no variable `Totl`; did you mean `Total`?"
        );
    }

    #[test]
    fn a_typed_nodes_pins_are_checked_and_listed() {
        let registry = registry(&Arc::default());
        let errors: Vec<String> = registry
            .load_str(
                "typed.ron",
                r#"Graph(format: 1, name: "Typed", nodes: {
            "clamp": (node: "Clamp", inputs: {"Value": "high", "Min": 0}),
        })"#,
            )
            .unwrap_err()
            .one_lines()
            .collect();
        assert_eq!(
            errors,
            [
                "typed.ron:2:29: error[E0103]: node `clamp` (Clamp) needs its input `Max` (Int)",
                "typed.ron:2:56: error[E0104]: type mismatch on `Value` of node `clamp` (Clamp): expected a literal of type Int, found a string",
            ]
        );
        let listing = graphrun::node_listing_text(&registry);
        assert!(
            listing.contains("Clamp (pure)\n    Value kept between Min and Max.\n    in:  Value: Int\n    in:  Min: Int\n    in:  Max: Int\n    out: Return Value: Int\n"),
            "{listing}"
        );
        assert!(
            listing.contains("Log Score (impure)\n    A host action.\n    exec in:  exec\n    exec out: then\n    in:  Player: String\n    in:  Points: Int\n"),
            "{listing}"
        );
    }
}

/// A node that asks for its state as another type than before gets a runtime error naming
/// it, not its state silently started over.
#[tokio::test]
async fn a_node_state_asked_for_as_another_type_is_an_error() {
    let program = load(
        r#"Graph(format: 1, name: "Muddled", nodes: {"begin": (node: "Event BeginPlay", exec: {"then": "m"}),
        "m": (node: "Muddled State", exec: {"then": "p"}), "p": (node: "Print String", inputs: {"In String": "no"})})"#,
    )
    .unwrap();
    let (out, _) = run(&program, |_| {}).await;
    let said = "error: internal error: this node's state is not a `bool` (a bug in its node library)";
    let m = out.len() == 1 && out[0].starts_with(said) && out[0].ends_with("in `m`");
    assert!(m, "{out:?}");
}
