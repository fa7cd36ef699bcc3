//! The workloads of graphrun's benchmarks and their peers, shared by the criterion
//! benches (`cargo bench`) and `compare`, the binary behind `scripts/compare.sh`.

pub mod shapes;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use graphrun::{Host, Instance, Program, Registry, RunOptions, StandardLibrary, Value};
use graphrun_socket::{SocketConfig, SocketLibrary};

/// The loop: For Loop 0..=LAST adding Index to a variable.
pub const LOOP_LAST: i64 = 9_999_999;

pub fn registry() -> Registry {
    let config = SocketConfig {
        max_connections: 1_000_000,
        ..SocketConfig::default()
    };
    Registry::builder()
        .install(&StandardLibrary)
        .install(&SocketLibrary::new(config))
        .build()
}

/// A host that keeps the last line printed and counts lines.
#[derive(Default)]
pub struct Quiet {
    pub last: Mutex<String>,
    pub lines: AtomicU64,
}

impl Host for Quiet {
    fn print(&self, text: &str) {
        *self.last.lock().unwrap() = text.to_string();
        self.lines.fetch_add(1, Ordering::Relaxed);
    }
    fn log(&self, _: graphrun::Level, message: &str) {
        eprintln!("log: {message}");
    }
    fn runtime_error(&self, error: &graphrun::RuntimeError) {
        eprintln!("{error}");
    }
}

fn unbounded() -> RunOptions {
    RunOptions {
        max_loop_iterations: u64::MAX,
        ..RunOptions::default()
    }
}

/// The loop graph: For Loop 0..=`last`, its body entering at `body` (the Set `add`, or a
/// node of `extra` that leads to it), adding Index to `Sum`.
fn loop_graph(last: i64, body: &str, extra: &str) -> Program {
    let text = format!(
        r#"Graph(format: 1, name: "Loop", variables: {{"Sum": (type: Int), "Yes": (type: Bool, default: true)}}, nodes: {{
        "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
        "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": {last}}}, exec: {{"Loop Body": "{body}"}}),
        "add": (node: "Set", var: "Sum", inputs: {{"Sum": Link("plus", "Return Value")}}),
        "plus": (node: "Add", inputs: {{"A": Var("Sum"), "B": Link("loop", "Index")}}),
        {extra}
    }})"#
    );
    registry().load_str("loop.ron", &text).unwrap()
}

pub fn loop_program(last: i64) -> Program {
    loop_graph(last, "add", "")
}

/// The same loop with a Branch (always true) before the Set.
pub fn branch_loop_program(last: i64) -> Program {
    loop_graph(
        last,
        "check",
        r#""check": (node: "Branch", inputs: {"Condition": Var("Yes")}, exec: {"True": "add"}),"#,
    )
}

/// Runs the loop graph; returns the sum.
pub fn graph_loop(program: &Program, rt: &tokio::runtime::Runtime) -> i64 {
    let mut instance = Instance::with_options(program, Arc::new(Quiet::default()), unbounded());
    rt.block_on(instance.run());
    instance.variable("Sum").unwrap().as_int()
}

pub fn rhai_loop(engine: &rhai::Engine, ast: &rhai::AST) -> i64 {
    engine.eval_ast::<i64>(ast).unwrap()
}

fn rhai_compile(script: &str) -> (rhai::Engine, rhai::AST) {
    let engine = rhai::Engine::new();
    let ast = engine.compile(script).unwrap();
    (engine, ast)
}

pub fn rhai_setup(last: i64) -> (rhai::Engine, rhai::AST) {
    rhai_compile(&format!("let sum = 0; for i in 0..={last} {{ sum += i; }} sum"))
}

/// Rhai's loop with the same `if` in its body.
pub fn rhai_branch_setup(last: i64) -> (rhai::Engine, rhai::AST) {
    rhai_compile(&format!(
        "let yes = true; let sum = 0; for i in 0..={last} {{ if yes {{ sum += i; }} }} sum"
    ))
}

pub fn lua_setup(last: i64) -> (mlua::Lua, mlua::Function) {
    let lua = mlua::Lua::new();
    let f = lua
        .load(format!(
            "return function() local sum = 0; for i = 0, {last} do sum = sum + i end; return sum end"
        ))
        .eval::<mlua::Function>()
        .unwrap();
    (lua, f)
}

pub fn lua_loop(f: &mlua::Function) -> i64 {
    f.call::<i64>(()).unwrap()
}

pub fn native_loop(last: i64) -> i64 {
    let mut sum = 0i64;
    for i in 0..=std::hint::black_box(last) {
        sum = std::hint::black_box(sum + i);
    }
    sum
}

/// How `Twice` (in [`call_loop_program`]) is written.
#[derive(Clone, Copy, Debug)]
pub enum TwiceBody {
    /// `X + X` into its Return Node.
    Expression,
    /// A local set to `X + X`, then returned.
    Straight,
    /// The same behind a Sequence: its call runs its body's chain.
    Chain,
}

/// The loop graph with a function call in its body: `Sum = Sum + Twice(Index)`, where
/// `Twice(X)` returns `X + X` from its body, written as `body` says. `pure` makes Twice a
/// pure function, read by the Add (it runs for each execution of the Set); else it is an
/// impure call node before the Set.
pub fn call_loop_program(last: i64, pure: bool, body: TwiceBody) -> Program {
    let (call, loop_body) = if pure {
        (
            r#""twice": (node: "Twice", inputs: {"X": Link("loop", "Index")}),"#,
            "add",
        )
    } else {
        (
            r#""twice": (node: "Twice", inputs: {"X": Link("loop", "Index")}, exec: {"then": "add"}),"#,
            "twice",
        )
    };
    let twice = match body {
        TwiceBody::Expression => {
            r#"nodes: {
                "entry": (node: "Function Entry", exec: {"then": "ret"}),
                "ret": (node: "Return Node", inputs: {"Result": Link("sum", "Return Value")}),
                "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
            }"#
        }
        TwiceBody::Straight => {
            r#"locals: {"T": (type: Int)}, nodes: {
                "entry": (node: "Function Entry", exec: {"then": "keep"}),
                "keep": (node: "Set", var: "T", inputs: {"T": Link("sum", "Return Value")}, exec: {"then": "ret"}),
                "ret": (node: "Return Node", inputs: {"Result": Var("T")}),
                "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
            }"#
        }
        TwiceBody::Chain => {
            r#"locals: {"T": (type: Int)}, nodes: {
                "entry": (node: "Function Entry", exec: {"then": "seq"}),
                "seq": (node: "Sequence", exec: {"Then 0": "keep", "Then 1": "ret"}),
                "keep": (node: "Set", var: "T", inputs: {"T": Link("sum", "Return Value")}),
                "ret": (node: "Return Node", inputs: {"Result": Var("T")}),
                "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
            }"#
        }
    };
    let text = format!(
        r#"Graph(format: 1, name: "Calls", variables: {{"Sum": (type: Int)}},
        functions: {{
            "Twice": (inputs: {{"X": Int}}, outputs: {{"Result": Int}}, pure: {pure}, {twice}),
        }},
        nodes: {{
            "begin": (node: "Event BeginPlay", exec: {{"then": "loop"}}),
            "loop": (node: "For Loop", inputs: {{"First Index": 0, "Last Index": {last}}}, exec: {{"Loop Body": "{loop_body}"}}),
            {call}
            "add": (node: "Set", var: "Sum", inputs: {{"Sum": Link("plus", "Return Value")}}),
            "plus": (node: "Add", inputs: {{"A": Var("Sum"), "B": Link("twice", "Result")}}),
        }})"#
    );
    registry().load_str("calls.ron", &text).unwrap()
}

/// Lua's loop calling a Lua function that does the same work.
pub fn lua_call_setup(last: i64) -> (mlua::Lua, mlua::Function) {
    let lua = mlua::Lua::new();
    let f = lua
        .load(format!(
            "local function twice(x) return x + x end
             return function() local sum = 0; for i = 0, {last} do sum = sum + twice(i) end; return sum end"
        ))
        .eval::<mlua::Function>()
        .unwrap();
    (lua, f)
}

/// Custom Events fired by the host into a small handler.
pub fn events_program() -> Program {
    registry()
        .load_str(
            "events.ron",
            r#"Graph(format: 1, name: "Events", variables: {"Sum": (type: Int)}, nodes: {
            "Tick": (node: "Custom Event", params: {"N": Int}, exec: {"then": "add"}),
            "add": (node: "Set", var: "Sum", inputs: {"Sum": Link("plus", "Return Value")}),
            "plus": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("Tick", "N")}),
        })"#,
        )
        .unwrap()
}

/// Fires `n` events and runs them; returns the sum.
pub fn graph_events(program: &Program, rt: &tokio::runtime::Runtime, n: i64) -> i64 {
    let mut instance = Instance::with_options(program, Arc::new(Quiet::default()), unbounded());
    for i in 0..n {
        instance.fire("Tick", vec![Value::Int(i)]).unwrap();
    }
    rt.block_on(instance.run());
    instance.variable("Sum").unwrap().as_int()
}

/// The peer: a Lua handler called from the host `n` times.
pub fn lua_events(n: i64) -> i64 {
    let lua = mlua::Lua::new();
    let tick: mlua::Function = lua
        .load("sum = 0; return function(n) sum = sum + n end")
        .eval()
        .unwrap();
    for i in 0..n {
        tick.call::<()>(i).unwrap();
    }
    lua.globals().get::<i64>("sum").unwrap()
}

/// A generated graph of `n` nodes: a chain of pure Adds feeding a chain of Print Strings.
pub fn big_graph(n: usize) -> String {
    let half = n / 2;
    let mut nodes = String::from("\"begin\": (node: \"Event BeginPlay\", exec: {\"then\": \"p0\"}),\n\"a0\": (node: \"Add\", inputs: {\"A\": 0, \"B\": 1}),\n");
    // begin, half - 1 Adds, half Print Strings: n nodes.
    for i in 1..half - 1 {
        nodes.push_str(&format!(
            "\"a{i}\": (node: \"Add\", inputs: {{\"A\": Link(\"a{}\", \"Return Value\"), \"B\": 1}}),\n",
            i - 1
        ));
    }
    for i in 0..half - 1 {
        nodes.push_str(&format!(
            "\"p{i}\": (node: \"Print String\", inputs: {{\"In String\": \"x\"}}, exec: {{\"then\": \"p{}\"}}),\n",
            i + 1
        ));
    }
    nodes.push_str(&format!(
        "\"p{}\": (node: \"Print String\", inputs: {{\"In String\": Link(\"a{}\", \"Return Value\")}}),\n",
        half - 1,
        half - 2
    ));
    format!("Graph(format: 1, name: \"Big\", nodes: {{\n{nodes}}})")
}

/// The echo graph: keeps `in_flight` JSON messages of about 100 bytes in flight; each reply
/// is sent back until `total` have come back, then it disconnects.
pub fn echo_program() -> Program {
    registry().load_str("echo.ron", ECHO_GRAPH).unwrap()
}

/// The echo graph's file: `graphrun run bench/echo.ron --set Url=… --set InFlight=…
/// --set Total=…` runs it as a user would.
pub const ECHO_GRAPH: &str = include_str!("../echo.ron");

/// Runs the echo graph against `url`; returns messages per second.
pub fn graph_echo(program: &Program, rt: &tokio::runtime::Runtime, url: &str, in_flight: i64, total: i64) -> f64 {
    let mut instance = Instance::with_options(program, Arc::new(Quiet::default()), unbounded());
    instance.set_variable("Url", Value::from(url)).unwrap();
    instance.set_variable("InFlight", Value::Int(in_flight)).unwrap();
    instance.set_variable("Total", Value::Int(total)).unwrap();
    let started = Instant::now();
    rt.block_on(instance.run());
    let elapsed = started.elapsed();
    assert_eq!(instance.variable("Received"), Some(&Value::Int(total)));
    total as f64 / elapsed.as_secs_f64()
}

/// The peer: a plain tokio-tungstenite client doing the same work (parse each reply as
/// JSON, write it back as JSON text).
pub fn raw_echo(rt: &tokio::runtime::Runtime, url: &str, in_flight: i64, total: i64) -> f64 {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    rt.block_on(async {
        let started = Instant::now();
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut sent = 0;
        for n in 1..=in_flight {
            let payload = serde_json::json!({"type": "bench", "n": n,
                "payload": "graphrun graphrun graphrun graphrun graphrun graphrun graphrun graphrun"});
            ws.send(Message::text(payload.to_string())).await.unwrap();
            sent += 1;
        }
        let mut received = 0;
        while received < total {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                panic!("the echo server went away")
            };
            received += 1;
            let value: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
            if sent < total {
                ws.send(Message::text(value.to_string())).await.unwrap();
                sent += 1;
            }
        }
        ws.close(None).await.unwrap();
        total as f64 / started.elapsed().as_secs_f64()
    })
}

/// Starts our echo server on its own thread and runtime; returns its URL.
pub fn echo_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (addr, server) = graphrun_socket::echo::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
            tx.send(addr).unwrap();
            server.await;
        });
    });
    format!("ws://{}/", rx.recv().unwrap())
}

/// This process's resident memory now (VmRSS), in KiB.
pub fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The scale graph's file (`graphrun run bench/scale.ron --set Url=… --set N=…`).
pub const SCALE_GRAPH: &str = include_str!("../scale.ron");

/// The swarm benchmark's instance holding one idle connection.
pub const SWARM_IDLE_GRAPH: &str = include_str!("../swarm_idle.ron");

/// The swarm benchmark's instance without a connection (a Delay, so that all are alive at once).
pub const SWARM_WAIT_GRAPH: &str = include_str!("../swarm_wait.ron");

/// Opens `n` connections from one instance to `url` and holds them idle; returns the time
/// to open them all and the resident memory per connection (KiB), measured in this process.
pub fn scale(rt: &tokio::runtime::Runtime, url: &str, n: i64) -> (Duration, f64) {
    let program = registry().load_str("scale.ron", SCALE_GRAPH).unwrap();
    let host = Arc::new(Quiet::default());
    let mut instance = Instance::with_options(&program, host.clone(), unbounded());
    instance.set_variable("Url", Value::from(url)).unwrap();
    instance.set_variable("N", Value::Int(n)).unwrap();
    let handle = instance.handle();
    let before = resident_kib();
    let started = Instant::now();
    let (elapsed, per_connection) = rt.block_on(async {
        let run = tokio::spawn(async move {
            instance.run().await;
        });
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let last = host.last.lock().unwrap().clone();
            if last == "all connected" {
                break;
            }
            assert!(last.is_empty(), "a connection failed: {last}");
        }
        let elapsed = started.elapsed();
        // Let the connections settle idle, then measure.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let per_connection = (resident_kib().saturating_sub(before)) as f64 / n as f64;
        handle.stop();
        run.await.unwrap();
        (elapsed, per_connection)
    });
    (elapsed, per_connection)
}

/// A graph of 2,000 nodes as users write them, for the editors' benchmarks: Event BeginPlay, then a chain of 999 Print
/// Strings each reading an Add of a variable and a constant, then Quit; every node placed.
pub fn placed_graph() -> String {
    let mut out = String::from(
        "// A large graph for the editor's benchmark.\nGraph(\n    format: 1,\n    name: \"Big\",\n    variables: {\"N\": (type: Int, default: 1)},\n    nodes: {\n        \"begin\": (node: \"Event BeginPlay\", pos: (0, 0), exec: {\"then\": \"p0\"}),\n",
    );
    let pairs = 999;
    for i in 0..pairs {
        let (x, y) = ((i % 20) as i64 * 320, (i / 20) as i64 * 192 + 96);
        let next = if i + 1 < pairs {
            format!(", exec: {{\"then\": \"p{}\"}}", i + 1)
        } else {
            ", exec: {\"then\": \"done\"}".to_string()
        };
        out.push_str(&format!(
            "        \"a{i}\": (node: \"Add\", pos: ({x}, {}), inputs: {{\"A\": Var(\"N\"), \"B\": {i}}}),\n",
            y + 96
        ));
        out.push_str(&format!(
            "        \"p{i}\": (node: \"Print String\", pos: ({x}, {y}), inputs: {{\"In String\": Link(\"a{i}\", \"Return Value\")}}{next}),\n"
        ));
    }
    out.push_str("        \"done\": (node: \"Quit\", pos: (0, 20000)),\n    },\n)\n");
    out
}
