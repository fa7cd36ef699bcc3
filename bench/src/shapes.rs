//! Graphs as users write them, for the whole-process comparison against Lua 5.4
//! (`compare shapes`): each a graph file and a Lua script doing the same work and printing
//! the same line. A loop's bound comes from a variable (`--set N=…`), sums go into
//! variables (Lua's globals, the form a graph's variables are), and the bodies hold what
//! graphs hold: a Branch, a call of a function with a Branch and two Return Nodes, an array
//! grown one item at a time, a string built per pass.

/// One shape: its name, the graph, the Lua script (reading `N`), and N.
pub struct Shape {
    /// What the row says.
    pub name: &'static str,
    /// The graph file's text (its `N` set on the command line).
    pub graph: &'static str,
    /// The Lua script (after `N = …`).
    pub lua: &'static str,
    /// How many passes.
    pub n: i64,
}

/// `For Loop 0..N-1` summing Index into a variable: the loop everyone writes first.
const LOOP: &str = r#"Graph(
    format: 1,
    name: "VariableBound",
    variables: {"N": (type: Int, default: 10), "Sum": (type: Int)},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),
        "loop": (
            node: "For Loop",
            inputs: {"First Index": 0, "Last Index": Link("last", "Return Value")},
            exec: {"Loop Body": "add", "Completed": "say"},
        ),
        "sum": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("loop", "Index")}),
        "add": (node: "Set", var: "Sum", inputs: {"Sum": Link("sum", "Return Value")}),
        "say": (node: "Print String", inputs: {"In String": Var("Sum")}),
    },
)
"#;

/// A Branch in the body: even Indexes summed into one variable, odd into another.
const BRANCH: &str = r#"Graph(
    format: 1,
    name: "BranchInBody",
    variables: {"N": (type: Int, default: 10), "Even": (type: Int), "Odd": (type: Int)},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),
        "loop": (
            node: "For Loop",
            inputs: {"First Index": 0, "Last Index": Link("last", "Return Value")},
            exec: {"Loop Body": "which", "Completed": "say"},
        ),
        "rest": (node: "Modulo", inputs: {"A": Link("loop", "Index"), "B": 2}),
        "even": (node: "Equal", inputs: {"A": Link("rest", "Return Value"), "B": 0}),
        "which": (
            node: "Branch",
            inputs: {"Condition": Link("even", "Return Value")},
            exec: {"True": "add_even", "False": "add_odd"},
        ),
        "plus_even": (node: "Add", inputs: {"A": Var("Even"), "B": Link("loop", "Index")}),
        "add_even": (node: "Set", var: "Even", inputs: {"Even": Link("plus_even", "Return Value")}),
        "plus_odd": (node: "Add", inputs: {"A": Var("Odd"), "B": Link("loop", "Index")}),
        "add_odd": (node: "Set", var: "Odd", inputs: {"Odd": Link("plus_odd", "Return Value")}),
        "text": (node: "Format String", inputs: {"Format": "{e} {o}", "e": Var("Even"), "o": Var("Odd")}),
        "say": (node: "Print String", inputs: {"In String": Link("text", "Return Value")}),
    },
)
"#;

/// A call per pass of a function whose body has a Branch and two Return Nodes.
const CALL: &str = r#"Graph(
    format: 1,
    name: "CallWithBranch",
    variables: {"N": (type: Int, default: 10), "Sum": (type: Int)},
    functions: {
        "Signed": (
            inputs: {"X": Int},
            outputs: {"Y": Int},
            nodes: {
                "entry": (node: "Function Entry", exec: {"then": "which"}),
                "rest": (node: "Modulo", inputs: {"A": Link("entry", "X"), "B": 2}),
                "even": (node: "Equal", inputs: {"A": Link("rest", "Return Value"), "B": 0}),
                "which": (
                    node: "Branch",
                    inputs: {"Condition": Link("even", "Return Value")},
                    exec: {"True": "as_is", "False": "negated"},
                ),
                "as_is": (node: "Return Node", inputs: {"Y": Link("entry", "X")}),
                "minus": (node: "Subtract", inputs: {"A": 0, "B": Link("entry", "X")}),
                "negated": (node: "Return Node", inputs: {"Y": Link("minus", "Return Value")}),
            },
        ),
    },
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),
        "loop": (
            node: "For Loop",
            inputs: {"First Index": 0, "Last Index": Link("last", "Return Value")},
            exec: {"Loop Body": "call", "Completed": "say"},
        ),
        "call": (node: "Signed", inputs: {"X": Link("loop", "Index")}, exec: {"then": "add"}),
        "sum": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("call", "Y")}),
        "add": (node: "Set", var: "Sum", inputs: {"Sum": Link("sum", "Return Value")}),
        "say": (node: "Print String", inputs: {"In String": Var("Sum")}),
    },
)
"#;

/// An array grown by `Set Items = Array Add(Items, Index)`, then summed with For Each Loop.
const ARRAY: &str = r#"Graph(
    format: 1,
    name: "GrowAnArray",
    variables: {"N": (type: Int, default: 10), "Items": (type: Array(Int)), "Sum": (type: Int)},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "fill"}),
        "last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),
        "fill": (
            node: "For Loop",
            inputs: {"First Index": 0, "Last Index": Link("last", "Return Value")},
            exec: {"Loop Body": "keep", "Completed": "each"},
        ),
        "grown": (node: "Array Add", inputs: {"Array": Var("Items"), "Item": Link("fill", "Index")}),
        "keep": (node: "Set", var: "Items", inputs: {"Items": Link("grown", "Return Value")}),
        "each": (node: "For Each Loop", inputs: {"Array": Var("Items")}, exec: {"Loop Body": "add", "Completed": "say"}),
        "sum": (node: "Add", inputs: {"A": Var("Sum"), "B": Link("each", "Array Element")}),
        "add": (node: "Set", var: "Sum", inputs: {"Sum": Link("sum", "Return Value")}),
        "say": (node: "Print String", inputs: {"In String": Var("Sum")}),
    },
)
"#;

/// A short string built per pass and measured.
const STRING: &str = r#"Graph(
    format: 1,
    name: "StringPerPass",
    variables: {"N": (type: Int, default: 10), "Total": (type: Int)},
    nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "loop"}),
        "last": (node: "Subtract", inputs: {"A": Var("N"), "B": 1}),
        "loop": (
            node: "For Loop",
            inputs: {"First Index": 0, "Last Index": Link("last", "Return Value")},
            exec: {"Loop Body": "add", "Completed": "say"},
        ),
        "text": (node: "Append", inputs: {"A": "item ", "B": Link("loop", "Index")}),
        "length": (node: "Len", inputs: {"In String": Link("text", "Return Value")}),
        "sum": (node: "Add", inputs: {"A": Var("Total"), "B": Link("length", "Return Value")}),
        "add": (node: "Set", var: "Total", inputs: {"Total": Link("sum", "Return Value")}),
        "say": (node: "Print String", inputs: {"In String": Var("Total")}),
    },
)
"#;

/// The shapes, in the order compare prints them.
pub const SHAPES: [Shape; 5] = [
    Shape {
        name: "variable-bound loop: For Loop 0..N-1 adding Index to a variable",
        graph: LOOP,
        lua: "Sum = 0 for i = 0, N - 1 do Sum = Sum + i end print(Sum)",
        n: 10_000_000,
    },
    Shape {
        name: "a Branch in the body: even and odd Indexes into two variables",
        graph: BRANCH,
        lua: "Even = 0 Odd = 0 for i = 0, N - 1 do if i % 2 == 0 then Even = Even + i else Odd = Odd + i end end print(Even .. \" \" .. Odd)",
        n: 10_000_000,
    },
    Shape {
        name: "a call per pass of a function with a Branch and two Return Nodes",
        graph: CALL,
        lua: "function Signed(x) if x % 2 == 0 then return x else return -x end end Sum = 0 for i = 0, N - 1 do Sum = Sum + Signed(i) end print(Sum)",
        n: 3_000_000,
    },
    Shape {
        name: "an array grown by Set Items = Array Add(Items, Index), then summed with For Each Loop",
        graph: ARRAY,
        lua: "Items = {} for i = 0, N - 1 do Items[#Items + 1] = i end Sum = 0 for _, v in ipairs(Items) do Sum = Sum + v end print(Sum)",
        n: 1_000_000,
    },
    Shape {
        name: "a short string built per pass (Append \"item \" and Index, then Len)",
        graph: STRING,
        lua: "Total = 0 for i = 0, N - 1 do local s = \"item \" .. i Total = Total + #s end print(Total)",
        n: 3_000_000,
    },
];
