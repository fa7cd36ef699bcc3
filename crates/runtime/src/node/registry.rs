//! Node libraries install node types and classes into a [`RegistryBuilder`]; it freezes
//! into a [`Registry`], which loads graph files into checked programs. The standard library
//! installs through [`NodeLibrary`] exactly as a host's own nodes do.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use graphrun_format::Type;

use crate::node::NodeType;
use crate::value::ClassNames;

/// A set of node types and classes that installs into a registry: the standard library,
/// the socket library, or a host's own.
pub trait NodeLibrary {
    /// Adds this library's node types and classes.
    fn install(&self, registry: &mut RegistryBuilder);
}

/// Makes the data of a new object of a class, for `Construct Object`.
pub type Constructor = Arc<dyn Fn() -> Box<dyn Any + Send> + Send + Sync>;

/// What a class does with a report about one of its objects that work running outside
/// the instance posted ([`EventSender::report`](crate::EventSender::report)): given the
/// object and the report's data, in the context of the node that started the work.
pub type ReportFn = Arc<dyn Fn(&mut crate::node::Cx<'_>, crate::value::ObjectRef, Box<dyn Any + Send>) + Send + Sync>;

/// Puts the Custom Events an object's data holds (a connection's delegates) through a live
/// edit's translation: each event's number in the new program, or `None` where the edit
/// removed it. Called on every object of an instance: it changes only data of its own type.
pub type EventsFn =
    Arc<dyn Fn(&mut (dyn Any + Send), &dyn Fn(crate::node::EventRef) -> Option<crate::node::EventRef>) + Send + Sync>;

/// A class of objects (a connection, a timer) that graphs hold by handle.
#[derive(Clone)]
pub struct ClassDef {
    /// The class name as graphs write it.
    pub name: String,
    /// Makes a new object's data; `None` for classes that `Construct Object` cannot make.
    pub constructor: Option<Constructor>,
    /// For a deprecated class: the class to use instead, which this name stands for.
    pub deprecated_alias_of: Option<String>,
    /// One line for `graphrun nodes`.
    pub description: String,
    /// What it does with a report about one of its objects (see [`ReportFn`]).
    pub on_report: Option<ReportFn>,
    /// How its objects' Custom Events follow a live edit (see [`EventsFn`]); classes
    /// sharing one data type share one (the same `Arc`), so it runs once an object.
    pub events: Option<EventsFn>,
}

impl ClassDef {
    /// A class that `Construct Object` makes with `constructor`.
    pub fn new<T: Any + Send>(
        name: &str,
        description: &str,
        constructor: impl Fn() -> T + Send + Sync + 'static,
    ) -> ClassDef {
        ClassDef {
            name: name.to_string(),
            constructor: Some(Arc::new(move || Box::new(constructor()))),
            deprecated_alias_of: None,
            description: description.to_string(),
            on_report: None,
            events: None,
        }
    }

    /// The class with `f` for the reports about its objects: the data a task posts with
    /// [`EventSender::report`](crate::EventSender::report), handled by the class that
    /// knows it (a connection's "connected", "a message came"), not by a closure made
    /// when the work started.
    pub fn on_report(
        mut self,
        f: impl Fn(&mut crate::node::Cx<'_>, crate::value::ObjectRef, Box<dyn Any + Send>) + Send + Sync + 'static,
    ) -> ClassDef {
        self.on_report = Some(Arc::new(f));
        self
    }

    /// The class with `f` for the Custom Events its objects hold, when a live edit swaps
    /// the program (see [`EventsFn`]).
    pub fn events(mut self, f: EventsFn) -> ClassDef {
        self.events = Some(f);
        self
    }

    /// A deprecated name that stands for `replacement` (loads with a warning).
    pub fn deprecated_alias(name: &str, replacement: &str) -> ClassDef {
        ClassDef {
            name: name.to_string(),
            constructor: None,
            deprecated_alias_of: Some(replacement.to_string()),
            description: format!("deprecated: use {replacement}"),
            on_report: None,
            events: None,
        }
    }
}

/// The class of the handles that `Set Timer by Event` returns; always present.
pub const TIMER_CLASS: &str = "Timer";

/// The Timer class's number: every registry starts with it (a library may replace its
/// definition, which keeps its place), so a timer is made without a lookup by name.
pub(crate) const TIMER_CLASS_ID: u32 = 0;

/// Collects node types and classes from node libraries; [`RegistryBuilder::build`] freezes it.
pub struct RegistryBuilder {
    nodes: Vec<Arc<dyn NodeType>>,
    classes: Vec<ClassDef>,
}

impl Default for RegistryBuilder {
    fn default() -> Self {
        RegistryBuilder::new()
    }
}

impl RegistryBuilder {
    /// An empty registry (but for the built-in `Timer` class). Most hosts want
    /// [`Registry::standard`] or `.install(&StandardLibrary)` first.
    pub fn new() -> RegistryBuilder {
        RegistryBuilder {
            nodes: Vec::new(),
            classes: vec![ClassDef {
                name: TIMER_CLASS.to_string(),
                constructor: None,
                deprecated_alias_of: None,
                description: "a timer handle, returned by Set Timer by Event".to_string(),
                on_report: None,
                events: None,
            }],
        }
    }

    /// Installs a node library.
    pub fn install(&mut self, library: &dyn NodeLibrary) -> &mut Self {
        library.install(self);
        self
    }

    /// Adds one node type. A later node type of the same name replaces the earlier one,
    /// so a host can override a library's node.
    pub fn add_node(&mut self, node: impl NodeType) -> &mut Self {
        let node: Arc<dyn NodeType> = Arc::new(node);
        self.nodes.retain(|n| n.name() != node.name());
        self.nodes.push(node);
        self
    }

    /// Adds one class (a later class of the same name replaces the earlier one).
    pub fn add_class(&mut self, class: ClassDef) -> &mut Self {
        match self.classes.iter_mut().find(|c| c.name == class.name) {
            Some(existing) => *existing = class,
            None => self.classes.push(class),
        }
        self
    }

    /// Freezes the registry.
    pub fn build(&mut self) -> Registry {
        let nodes = std::mem::take(&mut self.nodes);
        let classes = std::mem::take(&mut self.classes);
        let by_name = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name().to_string(), i))
            .collect();
        Registry {
            inner: Arc::new(RegistryInner {
                nodes,
                by_name,
                classes,
            }),
        }
    }
}

/// A frozen set of node types and classes. Cheap to clone; shared by every program loaded
/// with it and every instance of those programs.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<RegistryInner>,
}

struct RegistryInner {
    nodes: Vec<Arc<dyn NodeType>>,
    by_name: HashMap<String, usize>,
    classes: Vec<ClassDef>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("nodes", &self.inner.nodes.len())
            .field("classes", &self.inner.classes.len())
            .finish()
    }
}

impl Registry {
    /// A registry builder.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::new()
    }

    /// Every node type, in the order installed.
    pub fn nodes(&self) -> impl Iterator<Item = &Arc<dyn NodeType>> {
        self.inner.nodes.iter()
    }

    /// The node type with this name.
    pub fn node(&self, name: &str) -> Option<&Arc<dyn NodeType>> {
        self.inner.by_name.get(name).map(|&i| &self.inner.nodes[i])
    }

    /// Every class, in the order installed.
    pub fn classes(&self) -> &[ClassDef] {
        &self.inner.classes
    }

    /// The number of a class, by name.
    pub fn class_id(&self, name: &str) -> Option<u32> {
        self.inner.classes.iter().position(|c| c.name == name).map(|i| i as u32)
    }

    /// The classes' names, in their numbers' order.
    pub(crate) fn class_names(&self) -> impl Iterator<Item = &str> {
        self.inner.classes.iter().map(|c| c.name.as_str())
    }

    /// The classes' [`EventsFn`]s, each once.
    pub(crate) fn event_hooks(&self) -> Vec<EventsFn> {
        let mut hooks: Vec<EventsFn> = Vec::new();
        for f in self.inner.classes.iter().filter_map(|c| c.events.as_ref()) {
            if !hooks.iter().any(|h| Arc::ptr_eq(h, f)) {
                hooks.push(f.clone());
            }
        }
        hooks
    }

    /// The class definition with this number.
    pub fn class(&self, id: u32) -> &ClassDef {
        &self.inner.classes[id as usize]
    }

    /// The type a written type stands for: deprecated class aliases become their replacement.
    pub fn canonical_type(&self, ty: &Type) -> Type {
        match ty {
            Type::Object(class) => match self.class_id(class).map(|id| self.class(id)) {
                Some(ClassDef {
                    deprecated_alias_of: Some(to),
                    ..
                }) => Type::Object(to.as_str().into()),
                _ => ty.clone(),
            },
            Type::Array(t) => Type::Array(Box::new(self.canonical_type(t))),
            Type::Map(t) => Type::Map(Box::new(self.canonical_type(t))),
            _ => ty.clone(),
        }
    }
}

impl ClassNames for Registry {
    fn class_name(&self, class: u32) -> &str {
        self.inner
            .classes
            .get(class as usize)
            .map_or("Object", |c| c.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timer_class_is_first_even_when_a_library_redefines_it() {
        let standard = Registry::standard();
        assert_eq!(standard.class_id(TIMER_CLASS), Some(TIMER_CLASS_ID));
        let mut builder = Registry::builder();
        builder.add_class(ClassDef::new("Other", "another class", || ()));
        builder.add_class(ClassDef::new(TIMER_CLASS, "a replaced Timer", || ()));
        assert_eq!(builder.build().class_id(TIMER_CLASS), Some(TIMER_CLASS_ID));
    }
}
