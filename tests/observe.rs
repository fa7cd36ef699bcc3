//! The observer hook of the one interpreter loop: every node is seen before and after it
//! runs, also where instructions are fused; an observer can pause the instance before a
//! node, the host's requests are answered meanwhile, and resuming goes on exactly there.

use std::sync::{Arc, Mutex};

use graphrun::{
    Control, Host, Instance, NodeView, Observer, Program, Ran, Registry, RuntimeError, StandardLibrary, Value,
};

#[derive(Default)]
struct Prints(Mutex<Vec<String>>);

impl Host for Prints {
    fn print(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
    fn runtime_error(&self, error: &RuntimeError) {
        self.0.lock().unwrap().push(format!("error: {}", error.message));
    }
}

/// Writes down what it sees; pauses before `pause_at` the first time.
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
    pause_at: Option<&'static str>,
    paused: Option<tokio::sync::oneshot::Sender<()>>,
}

/// An instance of `program` watched by a [`Recorder`] that pauses before `pause_at`
/// (if given): the instance, what it prints, what the recorder sees, and the signal that
/// it paused.
struct Watched {
    instance: Instance,
    host: Arc<Prints>,
    seen: Arc<Mutex<Vec<String>>>,
    paused: tokio::sync::oneshot::Receiver<()>,
}

fn watched(program: &Program, pause_at: Option<&'static str>) -> Watched {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let host = Arc::new(Prints::default());
    let mut instance = Instance::new(program, host.clone());
    let (paused_tx, paused) = tokio::sync::oneshot::channel();
    instance.observe(Box::new(Recorder {
        seen: seen.clone(),
        pause_at,
        paused: Some(paused_tx),
    }));
    Watched {
        instance,
        host,
        seen,
        paused,
    }
}

impl Observer for Recorder {
    fn event(&mut self, node: &NodeView<'_>) {
        self.seen.lock().unwrap().push(format!("event at {}", node.id()));
    }

    fn before(&mut self, node: &NodeView<'_>) -> Control {
        let inputs: Vec<String> = node
            .inputs()
            .into_iter()
            .filter(|(_, v)| !matches!(v, Value::Unset))
            .map(|(name, v)| format!("{name}={}", v.to_text(node.registry())))
            .collect();
        self.seen.lock().unwrap().push(
            format!("before {} {}", node.id(), inputs.join(" "))
                .trim_end()
                .to_string(),
        );
        if self.pause_at == Some(node.id()) {
            self.pause_at = None;
            if let Some(paused) = self.paused.take() {
                let _ = paused.send(());
            }
            return Control::Pause;
        }
        Control::Continue
    }

    fn after(&mut self, node: &NodeView<'_>, ran: Ran<'_>) {
        let outputs: Vec<String> = node
            .outputs()
            .into_iter()
            .filter(|(_, v)| !matches!(v, Value::Unset))
            .map(|(name, v)| format!("{name}={}", v.to_text(node.registry())))
            .collect();
        let ran = match ran {
            Ran::Exec(out) => format!(" => {out}"),
            Ran::Done => String::new(),
            Ran::Failed(e) => format!(" => error: {e}"),
        };
        self.seen
            .lock()
            .unwrap()
            .push(format!("after {} {}{ran}", node.id(), outputs.join(" ")).replace("  ", " "));
    }

    fn runtime_error(&mut self, error: &RuntimeError) {
        self.seen
            .lock()
            .unwrap()
            .push(format!("runtime error at {}", error.node_id));
    }
}

/// A For Loop whose body is `Set Sum = Sum + Index` (one fused instruction, run in place
/// when nothing observes it), then a Print of the sum.
const SUM: &str = r#"Graph(format: 1, name: "Sum", variables: {"Sum": (type: Int)}, nodes: {
    "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
    "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 2}, exec: {"Loop Body": "add", "Completed": "show"}),
    "add": (node: "Set", var: "Sum", inputs: {"Sum": Link("plus", "Return Value")}),
    "plus": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("loop", "Index")}),
    "show": (node: "Print String", inputs: {"In String": Var("Sum")}),
})"#;

fn registry() -> Registry {
    Registry::builder().install(&StandardLibrary).build()
}

async fn observed(program: &Program) -> (Vec<String>, Vec<String>) {
    let mut w = watched(program, None);
    w.instance.run().await;
    let seen = w.seen.lock().unwrap().clone();
    let prints = w.host.0.lock().unwrap().clone();
    (seen, prints)
}

#[tokio::test]
async fn every_node_is_seen_also_where_instructions_are_fused() {
    let fused = registry().load_str("sum.ron", SUM).unwrap();
    let unfused = registry().load_str_unfused("sum.ron", SUM).unwrap();
    let (seen, prints) = observed(&fused).await;
    assert_eq!(prints, ["3"]);
    assert_eq!(
        seen,
        [
            "event at begin",
            "before begin",
            "after begin => then",
            "before loop First Index=1 Last Index=2",
            "after loop Index=1 => Loop Body",
            "before plus A=0 B=1",
            "after plus Return Value=1",
            "before add Sum=1",
            "after add Sum=1 => then",
            "before loop First Index=1 Last Index=2",
            "after loop Index=2 => Loop Body",
            "before plus A=1 B=2",
            "after plus Return Value=3",
            "before add Sum=3",
            "after add Sum=3 => then",
            "before loop First Index=1 Last Index=2",
            "after loop Index=2 => Completed",
            "before show In String=3",
            "after show => then",
        ]
    );
    // The unfused code of the same graph is seen the same way.
    assert_eq!(observed(&unfused).await.0, seen);
}

#[tokio::test]
async fn runtime_errors_and_events_reach_the_observer() {
    let program = registry()
        .load_str(
            "err.ron",
            r#"Graph(format: 1, name: "Err", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "show"}),
            "show": (node: "Print String", inputs: {"In String": Link("div", "Return Value")}),
            "div": (node: "Divide", inputs: {"A": 1, "B": 0}),
        })"#,
        )
        .unwrap();
    let (seen, prints) = observed(&program).await;
    assert_eq!(prints, ["error: division by zero"]);
    assert_eq!(
        seen,
        [
            "event at begin",
            "before begin",
            "after begin => then",
            "before div A=1 B=0",
            "after div => error: division by zero",
            "runtime error at div",
        ]
    );
}

#[tokio::test]
async fn an_observer_pauses_before_a_node_and_the_host_resumes_it() {
    let program = registry()
        .load_str(
            "pause.ron",
            r#"Graph(format: 1, name: "Pause", variables: {"Count": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "first"}),
            "first": (node: "Set", var: "Count", inputs: {"Count": 1}, exec: {"then": "say1"}),
            "say1": (node: "Print String", inputs: {"In String": "first"}, exec: {"then": "second"}),
            "second": (node: "Set", var: "Count", inputs: {"Count": Link("plus", "Return Value")}, exec: {"then": "say2"}),
            "plus": (node: "Add", inputs: {"A": Var("Count"), "B": 1}),
            "say2": (node: "Print String", inputs: {"In String": Var("Count")}),
            "poke": (node: "Custom Event", exec: {"then": "say3"}),
            "say3": (node: "Print String", inputs: {"In String": "poked"}),
        })"#,
        )
        .unwrap();
    let Watched {
        mut instance,
        host,
        seen,
        paused: paused_rx,
    } = watched(&program, Some("plus"));
    let handle = instance.handle();
    let prints = host.clone();
    let driver = tokio::spawn(async move {
        paused_rx.await.unwrap();
        // Paused before `plus`: the host's requests are answered, events wait.
        let count = handle.variable("Count").await.unwrap();
        handle.fire("poke", vec![]).await.unwrap();
        let count_again = handle.variable("Count").await.unwrap();
        let printed = prints.0.lock().unwrap().clone();
        handle.resume();
        (count, count_again, printed)
    });
    let report = instance.run().await;
    let (count, count_again, printed_while_paused) = driver.await.unwrap();
    assert_eq!(report.runtime_errors, 0);
    assert_eq!((count, count_again), (Value::Int(1), Value::Int(1)));
    assert_eq!(printed_while_paused, ["first"]);
    assert_eq!(*host.0.lock().unwrap(), ["first", "2", "poked"]);
    let seen = seen.lock().unwrap().clone();
    let plus: Vec<&String> = seen.iter().filter(|s| s.contains(" plus")).collect();
    assert_eq!(plus, ["before plus A=1 B=1", "after plus Return Value=2"], "{seen:?}");
}

#[tokio::test]
async fn a_host_call_paused_inside_its_chain_is_answered_once_it_resumes() {
    let program = registry()
        .load_str(
            "ask.ron",
            r#"Graph(format: 1, name: "Ask", variables: {"Count": (type: Int)}, nodes: {
            "ask": (node: "Custom Event", params: {"By": Int}, exec: {"then": "add"}),
            "add": (node: "Set", var: "Count", inputs: {"Count": Link("plus", "Return Value")}),
            "plus": (node: "Add", inputs: {"A": Var("Count"), "B": Link("ask", "By")}),
        })"#,
        )
        .unwrap();
    let Watched {
        mut instance,
        paused: paused_rx,
        ..
    } = watched(&program, Some("plus"));
    let handle = instance.handle();
    let alive = handle.keep_alive();
    let driver = tokio::spawn(async move {
        let call = tokio::spawn({
            let handle = handle.clone();
            async move { handle.call("ask", vec![Value::Int(5)]).await }
        });
        paused_rx.await.unwrap();
        // Paused before `plus`, inside the call's chain: no answer yet.
        tokio::task::yield_now().await;
        assert!(!call.is_finished());
        handle.resume();
        let answer = tokio::time::timeout(std::time::Duration::from_secs(10), call)
            .await
            .expect("the call is answered once the chain resumes")
            .unwrap()
            .unwrap();
        drop(alive);
        answer
    });
    instance.run().await;
    let answer = driver.await.unwrap();
    assert_eq!(answer.get::<i64>("Count"), Ok(5));
    assert!(answer.error().is_none());
}

#[tokio::test]
async fn an_observer_pauses_inside_a_function_call_and_the_call_goes_on() {
    let program = registry()
        .load_str(
            "fn.ron",
            r#"Graph(format: 1, name: "Fn", variables: {"Seen": (type: Int)},
            functions: {
                "Double": (inputs: {"X": Int}, outputs: {"Result": Int}, nodes: {
                    "entry": (node: "Function Entry", exec: {"then": "note"}),
                    "note": (node: "Set", var: "Seen", inputs: {"Seen": Link("entry", "X")}, exec: {"then": "ret"}),
                    "ret": (node: "Return Node", inputs: {"Result": Link("sum", "Return Value")}),
                    "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
                }),
            },
            nodes: {
                "begin": (node: "Event BeginPlay", exec: {"then": "call"}),
                "call": (node: "Double", inputs: {"X": 21}, exec: {"then": "say"}),
                "say": (node: "Print String", inputs: {"In String": Link("call", "Result")}),
            })"#,
        )
        .unwrap();
    let Watched {
        mut instance,
        host,
        paused: paused_rx,
        ..
    } = watched(&program, Some("ret"));
    let handle = instance.handle();
    let driver = tokio::spawn(async move {
        paused_rx.await.unwrap();
        // Paused inside the call, before its Return Node: the body has run up to there.
        let seen = handle.variable("Seen").await.unwrap();
        handle.resume();
        seen
    });
    let report = instance.run().await;
    assert_eq!(driver.await.unwrap(), Value::Int(21));
    assert_eq!(report.runtime_errors, 0);
    assert_eq!(*host.0.lock().unwrap(), ["42"]);
}

#[tokio::test]
async fn stopping_a_paused_instance_ends_it_with_endplay() {
    let program = registry()
        .load_str(
            "stop.ron",
            r#"Graph(format: 1, name: "Stop", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "never"}),
            "never": (node: "Print String", inputs: {"In String": "not printed"}),
            "end": (node: "Event EndPlay", exec: {"then": "bye"}),
            "bye": (node: "Print String", inputs: {"In String": "EndPlay ran"}),
        })"#,
        )
        .unwrap();
    let Watched {
        mut instance,
        host,
        paused: paused_rx,
        ..
    } = watched(&program, Some("never"));
    let handle = instance.handle();
    let driver = tokio::spawn(async move {
        paused_rx.await.unwrap();
        handle.stop();
    });
    let report = instance.run().await;
    driver.await.unwrap();
    assert_eq!(report.outcome, graphrun::Outcome::Stopped);
    assert_eq!(*host.0.lock().unwrap(), ["EndPlay ran"]);
}

/// Issue 10: errors are values an observer can match on, not only text.
#[tokio::test]
async fn an_observer_sees_what_kind_of_error_a_node_raised() {
    struct Kinds(Arc<Mutex<Vec<String>>>);
    impl Observer for Kinds {
        fn after(&mut self, node: &NodeView<'_>, ran: Ran<'_>) {
            if let Ran::Failed(error) = ran {
                let kind = match error {
                    graphrun::NodeError::Overflow { op, .. } => format!("overflow in {op}"),
                    graphrun::NodeError::TooLarge { limit, .. } => format!("over {limit} bytes"),
                    other => format!("other: {other}"),
                };
                self.0.lock().unwrap().push(format!("{}: {kind}", node.id()));
            }
        }
    }
    let program = registry()
        .load_str(
            "kinds.ron",
            r#"Graph(format: 1, name: "Kinds", variables: {"Big": (type: Int, default: 9223372036854775807), "S": (type: String, default: "abc")}, nodes: {
            "b1": (node: "Event BeginPlay", exec: {"then": "set1"}),
            "set1": (node: "Set", var: "Big", inputs: {"Big": Link("plus", "Return Value")}),
            "plus": (node: "Add", inputs: {"A": Var("Big"), "B": 1}),
            "b2": (node: "Event BeginPlay", exec: {"then": "set2"}),
            "set2": (node: "Set", var: "S", inputs: {"S": Link("twice", "Return Value")}),
            "twice": (node: "Append", inputs: {"A": Var("S"), "B": Var("S")}),
        })"#,
        )
        .unwrap();
    let kinds = Arc::new(Mutex::new(Vec::new()));
    let options = graphrun::RunOptions {
        max_value_size: 4,
        ..graphrun::RunOptions::default()
    };
    let mut instance = Instance::with_options(&program, Arc::new(Prints::default()), options);
    instance.observe(Box::new(Kinds(kinds.clone())));
    instance.run().await;
    assert_eq!(*kinds.lock().unwrap(), ["plus: overflow in Add", "twice: over 4 bytes"]);
}

/// The host pauses an instance between events: no timer fires and no event runs until it
/// resumes; its requests are answered meanwhile.
#[tokio::test(start_paused = true)]
async fn the_host_pauses_an_instance_between_events_and_resumes_it() {
    let program = registry()
        .load_str(
            "ticks.ron",
            r#"Graph(format: 1, name: "Ticks", variables: {"Ticks": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
            "timer": (node: "Set Timer by Event", inputs: {"Event": Event("Tick"), "Time": 0.01, "Looping": true}),
            "Tick": (node: "Custom Event", exec: {"then": "count"}),
            "count": (node: "Increment", var: "Ticks", exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": "tick"}),
        })"#,
        )
        .unwrap();
    let host = Arc::new(Prints::default());
    let mut instance = Instance::new(&program, host.clone());
    let handle = instance.handle();
    let printed = host.clone();
    let driver = tokio::spawn(async move {
        // However the checks go, the instance is stopped (a failed check fails the test
        // rather than leaving the ticking instance running).
        struct StopOnDrop(graphrun::InstanceHandle);
        impl Drop for StopOnDrop {
            fn drop(&mut self) {
                self.0.stop();
            }
        }
        let handle = StopOnDrop(handle);
        let handle = &handle.0;
        let count = || printed.0.lock().unwrap().len();
        // Polling with a deadline: a run that never ticks fails here, not by hanging.
        let started = std::time::Instant::now();
        while count() < 3 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "no tick in 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // It returns once the instance holds (a request the idle loop had taken into its
        // queue is answered too): within seconds, not never.
        tokio::time::timeout(std::time::Duration::from_secs(10), handle.pause())
            .await
            .expect("pause returns once the instance holds")
            .unwrap();
        let at_pause = handle.variable("Ticks").await.unwrap();
        let lines = count();
        // Twenty ticks' time goes by (the clock is tokio's, paused: it moves when every task
        // waits, so this is no window of real time that a slow machine could miss).
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(count(), lines, "no tick while paused");
        assert_eq!(
            handle.variable("Ticks").await.unwrap(),
            at_pause,
            "answered while paused"
        );
        handle.resume();
        let resumed = std::time::Instant::now();
        while count() <= lines {
            assert!(
                resumed.elapsed() < std::time::Duration::from_secs(10),
                "no tick in 10 s after resuming"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    let report = instance.run().await;
    driver.await.unwrap();
    assert_eq!(report.outcome, graphrun::Outcome::Stopped);
}

/// A pause is offered where it can be taken: in the event graph and an impure function's
/// body, not inside a pure function call (evaluated in the middle of its reader's inputs)
/// and not in the `after` hook; `within` names the body a node is in.
#[tokio::test]
async fn an_observer_is_told_where_it_can_pause_and_which_body_a_node_is_in() {
    struct Where(Arc<Mutex<Vec<String>>>);
    impl Observer for Where {
        fn before(&mut self, node: &NodeView<'_>) -> Control {
            let within = node.within().unwrap_or("graph");
            let calls = node.calls().len();
            self.0.lock().unwrap().push(format!(
                "{within}/{} pause={} calls={calls}",
                node.id(),
                node.can_pause()
            ));
            Control::Continue
        }
        fn after(&mut self, node: &NodeView<'_>, _: Ran<'_>) {
            assert!(!node.can_pause(), "no pause after a node ran");
        }
    }
    let program = registry()
        .load_str(
            "where.ron",
            r#"Graph(format: 1, name: "Where", variables: {"N": (type: Int)},
            functions: {
                "Twice": (inputs: {"X": Int}, outputs: {"Result": Int}, pure: true, nodes: {
                    "entry": (node: "Function Entry", exec: {"then": "ret"}),
                    "ret": (node: "Return Node", inputs: {"Result": Link("sum", "Return Value")}),
                    "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
                }),
                "Keep": (inputs: {"X": Int}, nodes: {
                    "entry": (node: "Function Entry", exec: {"then": "set"}),
                    "set": (node: "Set", var: "N", inputs: {"N": Link("entry", "X")}),
                }),
            },
            nodes: {
                "begin": (node: "Event BeginPlay", exec: {"then": "keep"}),
                "keep": (node: "Keep", inputs: {"X": Link("twice", "Result")}),
                "twice": (node: "Twice", inputs: {"X": 21}),
            },
        )"#,
        )
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut instance = Instance::new(&program, Arc::new(Prints::default()));
    instance.observe(Box::new(Where(seen.clone())));
    instance.run().await;
    assert_eq!(instance.variable("N"), Some(&Value::Int(42)));
    let seen = seen.lock().unwrap().clone();
    for expected in [
        "graph/begin pause=true calls=0",
        "Twice/sum pause=false calls=1",
        "Keep/set pause=true calls=1",
    ] {
        assert!(seen.contains(&expected.to_string()), "{expected} in {seen:#?}");
    }
}

/// A loop whose bound (`N - 1`) nothing in its body can change reads it once when nothing
/// observes the run; paused in the body, a host may set N, and the loop takes it: observed,
/// the bound is read each pass, as written.
#[tokio::test]
async fn a_host_that_sets_a_loops_bound_during_a_pause_changes_the_loop() {
    let program = registry()
        .load_str(
            "bound.ron",
            r#"Graph(format: 1, name: "Bound", variables: {"N": (type: Int, default: 10), "Passes": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
            "last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),
            "loop": (node: "For Loop", inputs: {"First Index": 0, "Last Index": Link("last", "Return Value")}, exec: {"Loop Body": "count", "Completed": "say"}),
            "count": (node: "Set", var: "Passes", inputs: {"Passes": Link("plus", "Return Value")}),
            "plus": (node: "Add", inputs: {"A": Var("Passes"), "B": 1}),
            "say": (node: "Print String", inputs: {"In String": Var("Passes")}),
        })"#,
        )
        .unwrap();
    let Watched {
        mut instance,
        host,
        paused: paused_rx,
        ..
    } = watched(&program, Some("plus"));
    let handle = instance.handle();
    let driver = tokio::spawn(async move {
        paused_rx.await.unwrap();
        handle.set_variable("N", Value::Int(3)).await.unwrap();
        // set_variable returns once the change is queued: reading N back waits until the
        // paused instance has applied it (its requests are answered in order).
        assert_eq!(handle.variable("N").await.unwrap(), Value::Int(3));
        handle.resume();
    });
    instance.run().await;
    driver.await.unwrap();
    assert_eq!(*host.0.lock().unwrap(), ["3"]);
}

/// A chain paused before a node and resumed goes on to its end: a Quit after the pause
/// ends the instance, even while a looping timer would keep it alive (the studio's
/// Continue once left such a run "running" at Quit forever).
#[tokio::test]
async fn a_quit_after_a_pause_ends_the_instance() {
    let program = registry()
        .load_str(
            "quit.ron",
            r#"Graph(format: 1, name: "Quit", nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "timer"}),
            "timer": (node: "Set Timer by Event", inputs: {"Event": Event("tick"), "Time": 0.01, "Looping": true}, exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": "before quit"}, exec: {"then": "quit"}),
            "quit": (node: "Quit"),
            "tick": (node: "Custom Event", exec: {"then": "ticked"}),
            "ticked": (node: "Print String", inputs: {"In String": "tick"}),
        })"#,
        )
        .unwrap();
    let Watched {
        mut instance,
        host,
        paused: paused_rx,
        ..
    } = watched(&program, Some("say"));
    let handle = instance.handle();
    let driver = tokio::spawn(async move {
        paused_rx.await.unwrap();
        handle.resume();
    });
    let report = tokio::time::timeout(std::time::Duration::from_secs(10), instance.run())
        .await
        .expect("the run ends at the Quit after the pause");
    driver.await.unwrap();
    assert_eq!(report.outcome, graphrun::Outcome::Quit);
    assert_eq!(*host.0.lock().unwrap(), ["before quit"]);
}

/// Pauses before every node named `at`, counting; the host resumes each pause.
struct PauseEvery {
    at: &'static str,
    pauses: Arc<Mutex<u32>>,
    paused: tokio::sync::mpsc::UnboundedSender<()>,
}

impl Observer for PauseEvery {
    fn before(&mut self, node: &NodeView<'_>) -> Control {
        if node.id() == self.at && node.can_pause() {
            *self.pauses.lock().unwrap() += 1;
            let _ = self.paused.send(());
            return Control::Pause;
        }
        Control::Continue
    }
}

/// A breakpoint on a node that calls a function pauses once per call, before it (it
/// once paused again when the call came back).
#[tokio::test]
async fn a_breakpoint_on_a_call_node_pauses_once_per_call() {
    let program = registry()
        .load_str(
            "calls.ron",
            r#"Graph(format: 1, name: "Calls",
            functions: {
                "Double": (inputs: {"X": Int}, outputs: {"Result": Int}, nodes: {
                    "entry": (node: "Function Entry", exec: {"then": "ret"}),
                    "ret": (node: "Return Node", inputs: {"Result": Link("sum", "Return Value")}),
                    "sum": (node: "Add", inputs: {"A": Link("entry", "X"), "B": Link("entry", "X")}),
                }),
            },
            nodes: {
                "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
                "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 3}, exec: {"Loop Body": "call"}),
                "call": (node: "Double", inputs: {"X": Link("loop", "Index")}, exec: {"then": "say"}),
                "say": (node: "Print String", inputs: {"In String": Link("call", "Result")}),
            })"#,
        )
        .unwrap();
    let host = Arc::new(Prints::default());
    let mut instance = Instance::new(&program, host.clone());
    let pauses = Arc::new(Mutex::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    instance.observe(Box::new(PauseEvery {
        at: "call",
        pauses: pauses.clone(),
        paused: tx,
    }));
    let handle = instance.handle();
    let driver = tokio::spawn(async move {
        while rx.recv().await.is_some() {
            handle.resume();
        }
    });
    let report = tokio::time::timeout(std::time::Duration::from_secs(10), instance.run())
        .await
        .expect("the run ends");
    drop(instance);
    driver.await.unwrap();
    assert_eq!(report.runtime_errors, 0);
    assert_eq!(*host.0.lock().unwrap(), ["2", "4", "6"]);
    assert_eq!(*pauses.lock().unwrap(), 3, "one pause per call");
}

/// Reroute knots on an exec wire and on a data wire: the graph prints what it prints
/// without them, and no knot is ever run (the program wires around them), so an observer
/// never sees one.
#[tokio::test]
async fn reroute_knots_pass_exec_and_values_on_and_never_run() {
    let plain = r#"Graph(format: 1, name: "Plain", variables: {"N": (type: Int, default: 20)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 3}, exec: {"Loop Body": "say", "Completed": "done"}),
        "say": (node: "Print String", inputs: {"In String": Link("sum", "Return Value")}),
        "sum": (node: "Add", inputs: {"A": Link("loop", "Index"), "B": Var("N")}),
        "done": (node: "Print String", inputs: {"In String": "done"}),
    })"#;
    let knotted = r#"Graph(format: 1, name: "Knots", variables: {"N": (type: Int, default: 20)}, nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "k1"}),
        "k1": (node: "Reroute", exec: {"Out": "k2"}),
        "k2": (node: "Reroute", exec: {"Out": "loop"}),
        "loop": (node: "For Loop", inputs: {"First Index": 1, "Last Index": 3}, exec: {"Loop Body": "k3", "Completed": "done"}),
        "k3": (node: "Reroute", exec: {"Out": "say"}),
        "say": (node: "Print String", inputs: {"In String": Link("k5", "Out")}),
        "k4": (node: "Reroute", inputs: {"In": Link("sum", "Return Value")}),
        "k5": (node: "Reroute", inputs: {"In": Link("k4", "Out")}),
        "sum": (node: "Add", inputs: {"A": Link("k6", "Out"), "B": Link("k7", "Out")}),
        "k6": (node: "Reroute", inputs: {"In": Link("loop", "Index")}),
        "k7": (node: "Reroute", inputs: {"In": Var("N")}),
        "done": (node: "Print String", inputs: {"In String": "done"}),
    })"#;
    let (_, plain_prints) = observed(&registry().load_str("plain.ron", plain).unwrap()).await;
    let (seen, prints) = observed(&registry().load_str("knots.ron", knotted).unwrap()).await;
    assert_eq!(plain_prints, ["21", "22", "23", "done"]);
    assert_eq!(prints, plain_prints);
    assert!(seen.iter().all(|s| !s.contains(" k")), "a knot was run: {seen:?}");
}

/// An endless exec loop through a knot is still stopped by the loop guard.
#[tokio::test]
async fn an_endless_loop_through_a_knot_is_stopped_by_the_loop_guard() {
    let program = registry()
        .load_str(
            "spin.ron",
            r#"Graph(format: 1, name: "Spin", variables: {"N": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "bump"}),
            "bump": (node: "Set", var: "N", inputs: {"N": Link("plus", "Return Value")}, exec: {"then": "back"}),
            "plus": (node: "Add", inputs: {"A": Var("N"), "B": 1}),
            "back": (node: "Reroute", exec: {"Out": "bump"}),
        })"#,
        )
        .unwrap();
    let host = Arc::new(Prints::default());
    let mut instance = Instance::new(&program, host.clone());
    let report = tokio::time::timeout(std::time::Duration::from_secs(60), instance.run())
        .await
        .expect("the loop guard stops it");
    assert_eq!(report.runtime_errors, 1);
    assert!(
        host.0.lock().unwrap()[0].contains("infinite loop"),
        "{:?}",
        host.0.lock().unwrap()
    );
}

/// The program tells an observer which nodes write a variable (a Set, an Increment), so a
/// debugger need not know node types by name.
#[tokio::test]
async fn an_observer_is_told_which_nodes_write_a_variable() {
    struct Writes(Arc<Mutex<Vec<(String, bool)>>>);
    impl Observer for Writes {
        fn after(&mut self, node: &NodeView<'_>, _: Ran<'_>) {
            self.0
                .lock()
                .unwrap()
                .push((node.id().to_string(), node.writes_variable()));
        }
    }
    let program = registry()
        .load_str(
            "writes.ron",
            r#"Graph(format: 1, name: "W", variables: {"N": (type: Int)}, nodes: {
            "begin": (node: "Event BeginPlay", exec: {"then": "set"}),
            "set": (node: "Set", var: "N", inputs: {"N": Link("plus", "Return Value")}, exec: {"then": "bump"}),
            "plus": (node: "Add", inputs: {"A": Var("N"), "B": 2}),
            "bump": (node: "Increment", var: "N", exec: {"then": "say"}),
            "say": (node: "Print String", inputs: {"In String": Link("get", "N")}),
            "get": (node: "Get", var: "N"),
        })"#,
        )
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut instance = Instance::new(&program, Arc::new(Prints::default()));
    instance.observe(Box::new(Writes(seen.clone())));
    instance.run().await;
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            ("begin".to_string(), false),
            ("bump".to_string(), true),
            ("get".to_string(), false),
            ("plus".to_string(), false),
            ("say".to_string(), false),
            ("set".to_string(), true),
        ]
    );
}
