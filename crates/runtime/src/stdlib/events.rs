//! The event nodes: Event BeginPlay, Event EndPlay and Custom Event.
use super::*;

pub(super) fn events(r: &mut RegistryBuilder) {
    let then: fn(&mut Cx<'_>, Entry) -> Result<Flow, NodeError> = |_, _| Ok(Flow::Then(0));
    let event = Signature::default().exec_out("then");
    r.add_node(
        FnNode::documented(
            "Event BeginPlay",
            "Events",
            "Runs when the instance begins.",
            event.clone(),
            then,
        )
        .role(Role::BeginPlay)
        .intrinsic(|_| Some(Op::Event)),
    );
    r.add_node(
        FnNode::documented(
            "Event EndPlay",
            "Events",
            "Runs when the instance ends (Quit, nothing left to run, or the host).",
            event,
            then,
        )
        .role(Role::EndPlay)
        .intrinsic(|_| Some(Op::Event)),
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
        .role(Role::CustomEvent)
        .intrinsic(|_| Some(Op::Event)),
    );
}
