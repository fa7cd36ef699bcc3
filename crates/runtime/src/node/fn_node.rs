//! [`FnNode`]: a node type made of functions (its documentation, how it decides its pins,
//! how it compiles), which is how the standard and socket libraries define their nodes.

use super::{
    CompileCx, Entry, Intrinsic, Node, NodeDoc, NodeError, NodeType, Op, PinError, Role, Signature, SignatureCx,
};
use crate::node::{Cx, Flow};

type SigFn = Box<dyn Fn(&dyn SignatureCx) -> Result<Signature, PinError> + Send + Sync>;
type CompileFn = Box<dyn Fn(&dyn CompileCx) -> Result<Box<dyn Node>, PinError> + Send + Sync>;

/// A node type made of functions: how the standard library defines its nodes.
pub struct FnNode {
    name: String,
    role: Role,
    pub(super) doc: NodeDoc,
    signature: SigFn,
    compile: CompileFn,
    intrinsic: Option<IntrinsicFn>,
    updates: Option<usize>,
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
            updates: None,
        }
    }

    /// Marks a standard node as an intrinsic instruction (see [`NodeType::intrinsic`]).
    pub(crate) fn intrinsic(mut self, op: impl Fn(&dyn CompileCx) -> Option<Op> + Send + Sync + 'static) -> FnNode {
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

    /// A fixed-signature node type that runs `run`, its doc's pins taken from the signature
    /// ([`NodeDoc::of`]).
    pub fn documented(
        name: &str,
        category: &str,
        description: &str,
        signature: Signature,
        run: impl Fn(&mut Cx<'_>, Entry) -> Result<Flow, NodeError> + Send + Sync + Clone + 'static,
    ) -> FnNode {
        FnNode::simple(name, NodeDoc::of(category, description, &signature), signature, run)
    }

    /// Sets the role.
    pub fn role(mut self, role: Role) -> FnNode {
        self.role = role;
        self
    }

    /// Says that this pure node's output is input `input` changed in place when it holds
    /// the only reference, and that it never fails after taking that input (see
    /// [`NodeType::updates`]).
    pub fn updates(mut self, input: usize) -> FnNode {
        self.updates = Some(input);
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
    fn updates(&self) -> Option<usize> {
        self.updates
    }
}
