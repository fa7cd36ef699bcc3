//! Embedding graphrun in a host app: the host adds its own nodes (a typed pure one made
//! from a Rust closure, an impure one, and a latent one that awaits a future) and a class,
//! loads a graph from a string, fires a Custom Event with arguments, calls one and reads
//! its answer, reads a variable, and receives Print String output and runtime errors
//! through callbacks instead of stdout.
//!
//! `cargo run --example embed` prints what the graph printed and exits 1 if it is not what
//! this host expects (CI runs it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphrun::{
    ClassDef, Flow, FnNode, Host, Instance, LatentFn, NodeDoc, NodeLibrary, Registry, RegistryBuilder, RuntimeError,
    Signature, StandardLibrary, Type, Value,
};

/// The host's own nodes.
struct GameNodes;

impl NodeLibrary for GameNodes {
    fn install(&self, r: &mut RegistryBuilder) {
        r.add_class(ClassDef::new("Scoreboard", "the host's scoreboard", || 0i64));
        // A typed node: its pin `X` and its `Return Value` are Ints because the function's
        // are; an overflow is the node's runtime error.
        r.add_node(
            FnNode::function("Square", ["X"], |x: i64| {
                x.checked_mul(x).ok_or("the square overflows an Int")
            })
            .describe("Game", "X times X (pure)."),
        );
        r.add_node(FnNode::simple(
            "Record Score",
            NodeDoc::new("Game", "Adds Points to the scoreboard.")
                .exec_in(&["exec"])
                .exec_out(&["then"])
                .input("Target", "Object(\"Scoreboard\")")
                .input("Points", "Int")
                .output("Total", "Int"),
            Signature::then()
                .input("Target", Type::Object("Scoreboard".into()))
                .input("Points", Type::Int)
                .output("Total", Type::Int),
            |cx, _| {
                let target = cx
                    .input(0)
                    .as_object()
                    .ok_or_else(|| graphrun::NodeError::new("Target is None"))?;
                let points = cx.input(1).as_int();
                let board = cx
                    .object_mut::<i64>(target)
                    .ok_or_else(|| graphrun::NodeError::new("not a Scoreboard"))?;
                *board += points;
                let total = *board;
                cx.set_output(0, total);
                Ok(Flow::Then(0))
            },
        ));
        r.add_node(FnNode::simple(
            "Fetch Title",
            NodeDoc::new(
                "Game",
                "Looks up a player's title (latent: other events run meanwhile).",
            )
            .latent()
            .exec_in(&["exec"])
            .exec_out(&["Completed"])
            .input("Player", "String")
            .output("Title", "String"),
            Signature::impure()
                .exec_out("Completed")
                .input("Player", Type::String)
                .output("Title", Type::String),
            |cx, _| {
                let player = cx.input(0).as_str().to_string();
                cx.spawn_latent(async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let title = format!("{player} the {}", if player.len() > 3 { "Bold" } else { "Swift" });
                    Box::new(move |cx: &mut graphrun::Cx<'_>| {
                        cx.set_output(0, title);
                        Ok(Flow::Then(0))
                    }) as LatentFn
                });
                Ok(Flow::End)
            },
        ));
    }
}

const GRAPH: &str = r#"Graph(format: 1, name: "Scores",
    variables: {"Board": (type: Object("Scoreboard")), "Best": (type: Int)},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "make"}),
        "make": (node: "Construct Object", inputs: {"Class": "Scoreboard"}, exec: {"then": "keep"}),
        "keep": (node: "Set", var: "Board", inputs: {"Board": Link("make", "Return Value")}),
        "Scored": (node: "Custom Event", params: {"Player": String, "Points": Int}, exec: {"then": "record"}),
        "record": (node: "Record Score", inputs: {"Target": Var("Board"), "Points": Link("square", "Return Value")}, exec: {"then": "best"}),
        "square": (node: "Square", inputs: {"X": Link("Scored", "Points")}),
        "best": (node: "Set", var: "Best", inputs: {"Best": Link("record", "Total")}, exec: {"then": "say_total"}),
        "say_total": (node: "Print String", inputs: {"In String": Link("total", "Return Value")}, exec: {"then": "title"}),
        "total": (node: "Format String", inputs: {"Format": "{who} scored, total {total}", "who": Link("Scored", "Player"), "total": Link("record", "Total")}),
        // Latent: by the time it completes, other events may have run (and `record` may have
        // run again), so what follows reads only the latent node's own output.
        "title": (node: "Fetch Title", inputs: {"Player": Link("Scored", "Player")}, exec: {"Completed": "say_title"}),
        "say_title": (node: "Print String", inputs: {"In String": Link("on_board", "Return Value")}),
        "on_board": (node: "Format String", inputs: {"Format": "{title} is on the board", "title": Link("title", "Title")}),
    })"#;

/// Collects what the graph prints and its runtime errors.
#[derive(Default)]
struct Collect {
    lines: Mutex<Vec<String>>,
}

impl Host for Collect {
    fn print(&self, text: &str) {
        self.lines.lock().unwrap().push(text.to_string());
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.lines.lock().unwrap().push(format!("error: {}", error.message));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let registry = Registry::builder()
        .install(&StandardLibrary)
        .install(&GameNodes)
        .build();
    let program = match registry.load_str("scores.ron", GRAPH) {
        Ok(program) => program,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            std::process::exit(2);
        }
    };
    let host = Arc::new(Collect::default());
    let mut instance = Instance::new(&program, host.clone());
    instance
        .fire("Scored", vec![Value::from("ada"), Value::Int(3)])
        .expect("Scored takes a String and an Int");
    let handle = instance.handle();
    let alive = handle.keep_alive();
    let later = tokio::spawn(async move {
        // A call waits for the end of the event's chain and answers with the variables.
        let answer = handle
            .call("Scored", vec![Value::from("grace"), Value::Int(4)])
            .await
            .expect("the instance is running");
        drop(alive);
        answer
    });
    let report = instance.run().await;
    let answer = later.await.unwrap();
    let best_after_grace = answer.get::<i64>("Best");
    println!("Best after grace's call = {best_after_grace:?}");

    let lines = host.lines.lock().unwrap().clone();
    for line in &lines {
        println!("{line}");
    }
    // A variable read as a Rust type (an error says if it is not one).
    let best = instance.get::<i64>("Best");
    println!("Best = {best:?}");
    let expected = [
        "ada scored, total 9",
        "grace scored, total 25",
        "ada the Swift is on the board",
        "grace the Bold is on the board",
    ];
    if lines != expected || best != Ok(25) || best_after_grace != Ok(25) || report.runtime_errors != 0 {
        eprintln!("embed: expected {expected:?} and Best = 25, got {lines:?} and {best:?}");
        std::process::exit(1);
    }
}
