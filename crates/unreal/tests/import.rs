//! Import's rules on small pastes written here: an operator with extra inputs becomes a
//! chain; a pin Unreal writes no value for gets Blueprint's zero, but not in text
//! graphrun exported (there no value means the pin's own default).

use graphrun_unreal::{import, read};

const ADD_AND: &str = r#"Begin Object Class=/Script/BlueprintGraph.K2Node_CommutativeAssociativeBinaryOperator Name="K2Node_CommutativeAssociativeBinaryOperator_0"
   FunctionReference=(MemberParent="/Script/CoreUObject.Class'/Script/Engine.KismetMathLibrary'",MemberName="Add_IntInt")
   NodePosX=0
   NodePosY=0
   NodeGuid=1234
   CustomProperties Pin (PinId=A1,PinName="A",PinType.PinCategory="int",DefaultValue="1",)
   CustomProperties Pin (PinId=A2,PinName="B",PinType.PinCategory="int",DefaultValue="2",)
   CustomProperties Pin (PinId=A3,PinName="C",PinType.PinCategory="int",DefaultValue="3",)
   CustomProperties Pin (PinId=A4,PinName="ReturnValue",Direction="EGPD_Output",PinType.PinCategory="int",LinkedTo=(K2Node_CallFunction_0 B1,),)
End Object
Begin Object Class=/Script/BlueprintGraph.K2Node_CallFunction Name="K2Node_CallFunction_0"
   bIsPureFunc=True
   FunctionReference=(MemberParent="/Script/CoreUObject.Class'/Script/Engine.KismetMathLibrary'",MemberName="Less_IntInt")
   NodePosX=300
   NodePosY=0
   NodeGuid=5678
   CustomProperties Pin (PinId=B1,PinName="A",PinType.PinCategory="int",LinkedTo=(K2Node_CommutativeAssociativeBinaryOperator_0 A4,),)
   CustomProperties Pin (PinId=B2,PinName="B",PinType.PinCategory="int",)
   CustomProperties Pin (PinId=B3,PinName="ReturnValue",Direction="EGPD_Output",PinType.PinCategory="bool",)
End Object
"#;

#[test]
fn extra_operator_inputs_chain_and_unwritten_values_are_zero() {
    let imported = import(&read(ADD_AND).unwrap(), "T", &[]);
    let text = &imported.text;
    assert!(
        text.contains(r#""add": (node: "Add", pos: (0, 0), inputs: {"A": 1, "B": 2}),"#),
        "{text}"
    );
    assert!(
        text.contains(r#""add_c": (node: "Add", pos: (32, 96), inputs: {"A": Link("add", "Return Value"), "B": 3}),"#),
        "{text}"
    );
    // The reader of the Add reads the end of its chain; its unwritten B is Blueprint's 0.
    assert!(
        text.contains(
            r#""less": (node: "Less", pos: (300, 0), inputs: {"A": Link("add_c", "Return Value"), "B": 0}),"#
        ),
        "{text}"
    );
    // The same text as graphrun's export writes it (NodeGuid from the name): no zero.
    let exported = ADD_AND.replace(
        "NodeGuid=5678",
        &format!("NodeGuid={}", graphrun_unreal::export::guid("K2Node_CallFunction_0")),
    );
    let text = import(&read(&exported).unwrap(), "T", &[]).text;
    assert!(
        text.contains(r#"inputs: {"A": Link("add_c", "Return Value")}),"#),
        "{text}"
    );
}

#[test]
fn a_name_no_graphrun_id_can_be_gets_an_id_from_its_title() {
    let text = r#"Begin Object Class=/Script/BlueprintGraph.K2Node_IfThenElse Name="my.branch"
   CustomProperties Pin (PinId=A1,PinName="execute",PinType.PinCategory="exec",)
End Object
"#;
    let imported = import(&read(text).unwrap(), "T", &[]);
    assert!(
        imported.text.contains("\"branch\": (node: \"Branch\""),
        "{}",
        imported.text
    );
}

#[test]
fn a_link_to_a_pin_the_node_does_not_have_is_dropped_with_a_warning() {
    let text = r#"Begin Object Class=/Script/BlueprintGraph.K2Node_Event Name="K2Node_Event_0"
   EventReference=(MemberParent="/Script/CoreUObject.Class'/Script/Engine.Actor'",MemberName="ReceiveBeginPlay")
   CustomProperties Pin (PinId=A1,PinName="then",Direction="EGPD_Output",PinType.PinCategory="exec",LinkedTo=(K2Node_IfThenElse_0 NOPE,),)
End Object
Begin Object Class=/Script/BlueprintGraph.K2Node_IfThenElse Name="K2Node_IfThenElse_0"
   CustomProperties Pin (PinId=B1,PinName="execute",PinType.PinCategory="exec",)
   CustomProperties Pin (PinId=B2,PinName="Condition",PinType.PinCategory="bool",LinkedTo=(K2Node_Event_0 GONE,),)
End Object
"#;
    let imported = import(&read(text).unwrap(), "T", &[]);
    let said: Vec<String> = imported
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.at, w.message))
        .collect();
    assert_eq!(
        said,
        [
            "3:4: `event_beginplay`'s `then` is wired to a pin of `branch` that graphrun's node does not have: that wire is dropped",
            "7:4: `branch`'s `Condition` is wired from a pin of `event_beginplay` that graphrun's node does not have: that wire is dropped",
        ]
    );
    assert!(!imported.text.contains("exec:"), "{}", imported.text);
}
