//! The table between Blueprint's nodes and graphrun's (unreal.md section 2), used both
//! ways: import finds a Blueprint node's graphrun node type and pin names here, export
//! the Blueprint node of a graphrun node type. Pins not named in an entry go by the one
//! rule of [`pin_name`] (`InString` ↔ `In String`).

/// How a Blueprint node is written: its class, and the member that says which of its
/// kind it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `K2Node_CallFunction` (or a promotable or commutative operator) of `library`'s
    /// function.
    Call {
        /// The library class's path (`/Script/Engine.KismetSystemLibrary`).
        library: &'static str,
        /// The function (`PrintString`).
        function: &'static str,
    },
    /// `K2Node_MacroInstance` of one of the engine's standard macros.
    Macro(&'static str),
    /// A node class of its own (`K2Node_IfThenElse`).
    Class(&'static str),
    /// `K2Node_Event` of an engine event (`ReceiveBeginPlay`).
    Event(&'static str),
}

/// One row: a Blueprint node, its graphrun node type, and the pins whose names differ
/// (Unreal's name, graphrun's), and Unreal's pins that graphrun's node has no use for.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The Blueprint node.
    pub kind: Kind,
    /// The graphrun node type.
    pub node_type: &'static str,
    /// Pins named otherwise: (Unreal's, graphrun's).
    pub pins: &'static [(&'static str, &'static str)],
    /// Unreal's pins dropped on import (their values have no meaning here).
    pub drop: &'static [&'static str],
}

/// Where the engine's standard macros are.
pub const STANDARD_MACROS: &str = "/Engine/EditorBlueprintResources/StandardMacros.StandardMacros";
const SYSTEM: &str = "/Script/Engine.KismetSystemLibrary";
const MATH: &str = "/Script/Engine.KismetMathLibrary";
const STRING: &str = "/Script/Engine.KismetStringLibrary";
const ARRAY: &str = "/Script/Engine.KismetArrayLibrary";
const ARRAY_PINS: &[(&str, &str)] = &[("TargetArray", "Array"), ("NewItem", "Item"), ("ItemToFind", "Item")];
/// M2's plugin's class path as graphrun writes it (its reflection names are not public:
/// the documented names with spaces removed; import matches any module path).
pub const M2_JSON: &str = "/Script/M2WebSockets.M2_JsonWebSocketConnection";
const M2_STRING: &str = "/Script/M2WebSockets.M2_StringWebSocketConnection";

const LOOP: &[(&str, &str)] = &[("Exec", "exec"), ("LoopBody", "Loop Body")];
const PRINT_DROPS: &[&str] = &["bPrintToScreen", "bPrintToLog", "TextColor", "Duration", "Key"];
const CONTEXT: &[&str] = &["WorldContextObject", "__WorldContext", "LatentInfo"];
const BINARY: &[(&str, &str)] = &[];
const CONNECT: &[(&str, &str)] = &[
    ("self", "Target"),
    ("OnConnected", "On Connected"),
    ("OnConnectionError", "On Connection Error"),
    ("OnDisconnected", "On Disconnected"),
    ("OnMessageReceived", "On Message Received"),
];
const TARGET: &[(&str, &str)] = &[("self", "Target")];

macro_rules! call {
    ($lib:expr, $f:expr, $ty:expr) => {
        call!($lib, $f, $ty, BINARY, &[])
    };
    ($lib:expr, $f:expr, $ty:expr, $pins:expr, $drop:expr) => {
        Entry {
            kind: Kind::Call {
                library: $lib,
                function: $f,
            },
            node_type: $ty,
            pins: $pins,
            drop: $drop,
        }
    };
}

macro_rules! class {
    ($class:expr, $ty:expr, $pins:expr) => {
        Entry {
            kind: Kind::Class($class),
            node_type: $ty,
            pins: $pins,
            drop: &[],
        }
    };
}

macro_rules! mac {
    ($m:expr, $ty:expr, $pins:expr) => {
        Entry {
            kind: Kind::Macro($m),
            node_type: $ty,
            pins: $pins,
            drop: &[],
        }
    };
}

/// Every row, the one export writes for a node type first.
pub const TABLE: &[Entry] = &[
    Entry {
        kind: Kind::Event("ReceiveBeginPlay"),
        node_type: "Event BeginPlay",
        pins: &[],
        drop: &["OutputDelegate"],
    },
    Entry {
        kind: Kind::Event("ReceiveEndPlay"),
        node_type: "Event EndPlay",
        pins: &[],
        drop: &["OutputDelegate", "EndPlayReason"],
    },
    class!("K2Node_CustomEvent", "Custom Event", &[]),
    class!("K2Node_IfThenElse", "Branch", &[("then", "True"), ("else", "False")]),
    class!("K2Node_ExecutionSequence", "Sequence", &[]),
    class!("K2Node_Knot", "Reroute", &[("InputPin", "In"), ("OutputPin", "Out")]),
    class!("K2Node_VariableGet", "Get", &[]),
    class!("K2Node_VariableSet", "Set", &[]),
    class!("K2Node_SwitchInteger", "Switch on Int", &[]),
    class!("K2Node_SwitchString", "Switch on String", &[]),
    class!("K2Node_MakeArray", "Make Array", &[("Array", "Return Value")]),
    class!("K2Node_GetArrayItem", "Array Get", &[("Output", "Value")]),
    mac!("ForLoop", "For Loop", LOOP),
    mac!("ForEachLoop", "For Each Loop", LOOP),
    mac!("WhileLoop", "While Loop", LOOP),
    mac!("DoOnce", "Do Once", &[("Start Closed", "Start Closed")]),
    mac!("FlipFlop", "Flip Flop", &[("IsA", "Is A")]),
    mac!("Gate", "Gate", &[]),
    mac!("DoN", "Do N", &[]),
    call!(SYSTEM, "PrintString", "Print String", &[], PRINT_DROPS),
    call!(SYSTEM, "Delay", "Delay", &[("then", "Completed")], CONTEXT),
    call!(
        SYSTEM,
        "K2_SetTimerDelegate",
        "Set Timer by Event",
        &[("Delegate", "Event"), ("bLooping", "Looping")],
        &["InitialStartDelay", "InitialStartDelayVariance", "bMaxOncePerFrame"]
    ),
    call!(
        SYSTEM,
        "K2_ClearAndInvalidateTimerHandle",
        "Clear Timer",
        &[("Handle", "Timer")],
        CONTEXT
    ),
    call!(
        SYSTEM,
        "QuitGame",
        "Quit",
        &[],
        &["SpecificPlayer", "QuitPreference", "bIgnorePlatformRestrictions"]
    ),
    call!(SYSTEM, "IsValid", "Is Valid"),
    call!(SYSTEM, "GetGameTimeInSeconds", "Get Time Seconds", &[], CONTEXT),
    call!(MATH, "Add_IntInt", "Add"),
    call!(MATH, "Add_DoubleDouble", "Add"),
    call!(MATH, "Add_FloatFloat", "Add"),
    call!(MATH, "Subtract_IntInt", "Subtract"),
    call!(MATH, "Subtract_DoubleDouble", "Subtract"),
    call!(MATH, "Subtract_FloatFloat", "Subtract"),
    call!(MATH, "Multiply_IntInt", "Multiply"),
    call!(MATH, "Multiply_DoubleDouble", "Multiply"),
    call!(MATH, "Multiply_FloatFloat", "Multiply"),
    call!(MATH, "Divide_IntInt", "Divide"),
    call!(MATH, "Divide_DoubleDouble", "Divide"),
    call!(MATH, "Divide_FloatFloat", "Divide"),
    call!(MATH, "Percent_IntInt", "Modulo"),
    call!(MATH, "Less_IntInt", "Less"),
    call!(MATH, "Less_DoubleDouble", "Less"),
    call!(MATH, "Less_FloatFloat", "Less"),
    call!(MATH, "Greater_IntInt", "Greater"),
    call!(MATH, "Greater_DoubleDouble", "Greater"),
    call!(MATH, "Greater_FloatFloat", "Greater"),
    call!(MATH, "LessEqual_IntInt", "Less Equal"),
    call!(MATH, "LessEqual_DoubleDouble", "Less Equal"),
    call!(MATH, "LessEqual_FloatFloat", "Less Equal"),
    call!(MATH, "GreaterEqual_IntInt", "Greater Equal"),
    call!(MATH, "GreaterEqual_DoubleDouble", "Greater Equal"),
    call!(MATH, "GreaterEqual_FloatFloat", "Greater Equal"),
    call!(MATH, "EqualEqual_IntInt", "Equal"),
    call!(MATH, "EqualEqual_DoubleDouble", "Equal"),
    call!(MATH, "EqualEqual_FloatFloat", "Equal"),
    call!(MATH, "EqualEqual_BoolBool", "Equal"),
    call!(MATH, "EqualEqual_StrStr", "Equal"),
    call!(MATH, "NotEqual_IntInt", "Not Equal"),
    call!(MATH, "NotEqual_DoubleDouble", "Not Equal"),
    call!(MATH, "NotEqual_BoolBool", "Not Equal"),
    call!(MATH, "NotEqual_StrStr", "Not Equal"),
    call!(MATH, "BooleanAND", "And"),
    call!(MATH, "BooleanOR", "Or"),
    call!(MATH, "Not_PreBool", "Not"),
    call!(MATH, "Max", "Max"),
    call!(MATH, "Min", "Min"),
    call!(MATH, "FMax", "Max"),
    call!(MATH, "FMin", "Min"),
    call!(MATH, "Clamp", "Clamp"),
    call!(MATH, "FClamp", "Clamp"),
    call!(MATH, "Abs_Int", "Abs"),
    call!(MATH, "Abs", "Abs"),
    call!(MATH, "FTrunc", "Truncate"),
    call!(MATH, "Round", "Round"),
    call!(MATH, "FFloor", "Floor"),
    call!(MATH, "FCeil", "Ceil"),
    call!(MATH, "RandomIntegerInRange", "Random Integer in Range"),
    call!(MATH, "RandomFloatInRange", "Random Float in Range"),
    call!(STRING, "Concat_StrStr", "Append"),
    call!(STRING, "Conv_IntToString", "To String", &[("InInt", "Value")], &[]),
    call!(
        STRING,
        "Conv_DoubleToString",
        "To String",
        &[("InDouble", "Value")],
        &[]
    ),
    call!(STRING, "Conv_FloatToString", "To String", &[("InFloat", "Value")], &[]),
    call!(STRING, "Conv_BoolToString", "To String", &[("InBool", "Value")], &[]),
    call!(STRING, "Conv_StringToInt", "String To Int", &[], &[]),
    call!(STRING, "Conv_StringToDouble", "String To Float", &[], &[]),
    call!(STRING, "Conv_StringToFloat", "String To Float", &[], &[]),
    call!(STRING, "Len", "Len", &[("S", "In String")], &[]),
    call!(STRING, "ToUpper", "To Upper", &[], &[]),
    call!(STRING, "ToLower", "To Lower", &[], &[]),
    call!(STRING, "Trim", "Trim", &[], &[]),
    call!(STRING, "Contains", "Contains", &[], &[]),
    call!(STRING, "StartsWith", "Starts With", &[], &[]),
    call!(STRING, "EndsWith", "Ends With", &[], &[]),
    call!(STRING, "GetSubstring", "Get Substring", &[], &[]),
    call!(STRING, "Replace", "Replace", &[], &[]),
    call!(ARRAY, "Array_Add", "Array Add", ARRAY_PINS, &[]),
    call!(ARRAY, "Array_Length", "Array Length", ARRAY_PINS, &[]),
    call!(
        ARRAY,
        "Array_Get",
        "Array Get",
        &[("TargetArray", "Array"), ("Item", "Value")],
        &[]
    ),
    call!(ARRAY, "Array_Contains", "Array Contains", ARRAY_PINS, &[]),
    call!(ARRAY, "Array_Find", "Array Find", ARRAY_PINS, &[]),
    call!(ARRAY, "Array_Set", "Array Set", ARRAY_PINS, &["bSizeToFit"]),
    call!(ARRAY, "Array_Insert", "Array Insert", ARRAY_PINS, &[]),
    call!(
        ARRAY,
        "Array_Remove",
        "Array Remove Index",
        &[("TargetArray", "Array"), ("IndexToRemove", "Index")],
        &[]
    ),
    call!(M2_JSON, "ConnectJsonWebsocket", "Connect Json Websocket", CONNECT, &[]),
    call!(
        M2_STRING,
        "ConnectStringWebsocket",
        "Connect String Websocket",
        CONNECT,
        &[]
    ),
    call!(M2_JSON, "SendJsonObject", "Send Json Object", TARGET, &[]),
    call!(M2_JSON, "SendJsonValue", "Send Json Value", TARGET, &[]),
    call!(M2_STRING, "SendMessage", "Send Message", TARGET, &[]),
    call!(M2_JSON, "Disconnect", "Disconnect", TARGET, &[]),
    call!(M2_JSON, "Reconnect", "Reconnect", TARGET, &[]),
    call!(M2_JSON, "IsConnected", "Is Connected", TARGET, &[]),
];

/// Unreal's pins that no graphrun node has a use for (a library's hidden `self`, the
/// world context).
pub const ALWAYS_DROPPED: &[&str] = &["WorldContextObject", "__WorldContext", "LatentInfo"];

/// `InString` → `In String`, `ReturnValue` → `Return Value`, `execute` → `exec`,
/// `then_2` → `Then 2` (a Sequence's): the one rule for pins an entry does not name.
pub fn pin_name(unreal: &str) -> String {
    match unreal {
        "execute" | "Exec" => return "exec".to_string(),
        "then" => return "then".to_string(),
        _ => {}
    }
    if let Some(n) = unreal.strip_prefix("then_") {
        if n.chars().all(|c| c.is_ascii_digit()) {
            return format!("Then {n}");
        }
    }
    // A `b` before a capital is C++'s bool prefix (`bLooping`).
    let unreal = match unreal.strip_prefix('b') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest,
        _ => unreal,
    };
    if unreal.contains(' ') {
        return unreal.to_string();
    }
    let mut out = String::with_capacity(unreal.len() + 4);
    let chars: Vec<char> = unreal.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let word_start = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()) && chars[i - 1].is_uppercase());
        if word_start {
            out.push(' ');
        }
        if c == '_' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// A name compared as M2's are matched: case, spaces and underscores ignored.
pub fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The row for a Blueprint node: its class's short name, and (for a call) its function
/// and library, (for a macro) its macro, (for an event) its event.
pub fn find(class: &str, member: Option<&str>, library: Option<&str>) -> Option<&'static Entry> {
    TABLE.iter().find(|e| match e.kind {
        Kind::Class(c) => c == class,
        Kind::Macro(m) => class == "K2Node_MacroInstance" && member == Some(m),
        Kind::Event(ev) => class == "K2Node_Event" && member == Some(ev),
        Kind::Call { library: lib, function } => {
            let call = matches!(
                class,
                "K2Node_CallFunction"
                    | "K2Node_PromotableOperator"
                    | "K2Node_CommutativeAssociativeBinaryOperator"
                    | "K2Node_CallArrayFunction"
            );
            let Some(member) = member.filter(|_| call) else {
                return false;
            };
            if lib == M2_JSON || lib == M2_STRING {
                // M2's names are matched loosely, whatever the module path says.
                let class_ok = library.is_none_or(|l| {
                    let short = l.rsplit(['.', '/']).next().unwrap_or(l);
                    loose(short).starts_with("m2") || loose(short).contains("websocket")
                });
                class_ok && loose(member) == loose(function)
            } else {
                member == function
                    && library.is_none_or(|l| l == lib || l.ends_with(lib.rsplit('.').next().unwrap_or(lib)))
            }
        }
    })
}

/// The row export writes for a graphrun node type.
pub fn for_node_type(node_type: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.node_type == node_type)
}

impl Entry {
    /// graphrun's name for Unreal's pin `name` on this node (`None`: dropped).
    pub fn graphrun_pin(&self, name: &str) -> Option<String> {
        if self.drop.contains(&name) || ALWAYS_DROPPED.contains(&name) {
            return None;
        }
        if let Some((_, to)) = self.pins.iter().find(|(from, _)| *from == name) {
            return Some((*to).to_string());
        }
        Some(pin_name(name))
    }

    /// Unreal's name for graphrun's pin `name` on this node.
    pub fn unreal_pin(&self, name: &str) -> String {
        if let Some((from, _)) = self.pins.iter().find(|(_, to)| *to == name) {
            return (*from).to_string();
        }
        match name {
            "exec" => "execute".to_string(),
            "then" => "then".to_string(),
            _ => match name.strip_prefix("Then ") {
                Some(n) if n.chars().all(|c| c.is_ascii_digit()) => format!("then_{n}"),
                _ => name.replace(' ', ""),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_names_both_ways() {
        for (unreal, graphrun) in [
            ("InString", "In String"),
            ("ReturnValue", "Return Value"),
            ("execute", "exec"),
            ("then_2", "Then 2"),
            ("FirstIndex", "First Index"),
            ("bLooping", "Looping"),
            ("A", "A"),
            ("Array Element", "Array Element"),
        ] {
            assert_eq!(pin_name(unreal), graphrun, "{unreal}");
        }
        let print = find("K2Node_CallFunction", Some("PrintString"), Some(SYSTEM)).unwrap();
        assert_eq!(print.node_type, "Print String");
        assert_eq!(print.graphrun_pin("bPrintToScreen"), None);
        assert_eq!(print.unreal_pin("In String"), "InString");
        let branch = find("K2Node_IfThenElse", None, None).unwrap();
        assert_eq!(
            (
                branch.graphrun_pin("else").as_deref(),
                branch.unreal_pin("True").as_str()
            ),
            (Some("False"), "then")
        );
        assert_eq!(for_node_type("Sequence").unwrap().unreal_pin("Then 3"), "then_3");
    }

    #[test]
    fn m2_names_are_matched_loosely_whatever_the_module() {
        let e = find(
            "K2Node_CallFunction",
            Some("Connect_Json_Websocket"),
            Some("/Script/SomePlugin.M2_JsonWebSocketConnection"),
        )
        .unwrap();
        assert_eq!(e.node_type, "Connect Json Websocket");
        assert!(find("K2Node_CallFunction", Some("Disconnect"), Some("/Script/Engine.Actor")).is_none());
    }
}
