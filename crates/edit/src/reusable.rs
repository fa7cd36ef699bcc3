//! Functions and macros as the editor makes them: a new empty one (a tab of its own in the
//! studio, to be filled like the event graph), and where a new one goes in the file (the
//! `functions` or `macros` map, made if the file has none yet).

use crate::collapse::Reusable;
use crate::doc::TOP_ORDER;
use crate::ids::check_id;
use crate::layout::{insert_field, insert_item, Style};
use crate::session::Session;
use crate::syntax::SyntaxKind::MAP;
use crate::text::{first_on_line, indent_at, indent_unit, quote};
use crate::tree::{brackets, field_value, items};
use graphrun_format::model::field;

impl Session<'_> {
    /// Adds an empty function (a Function Entry wired to a Return Node) or macro (its
    /// inputs and outputs nodes, an exec pin each way, wired through), placed: nodes
    /// added beside them in the studio then do not move them.
    pub(crate) fn add_reusable(&mut self, kind: Reusable, name: &str) -> Result<(), String> {
        check_id(name)
            .map_err(|_| format!("`{name}` cannot be a function or macro name: it is not empty and holds no `.`"))?;
        if self.doc().bodies().iter().any(|b| b.name() == Some(name)) {
            return Err(format!("the file already has a function or macro `{name}`"));
        }
        let field = if kind == Reusable::Function {
            field::FUNCTIONS
        } else {
            field::MACROS
        };
        let unit = indent_unit(&self.text);
        let outer = self.entry_indent(field);
        let (inner, nodes) = (format!("{outer}{unit}"), format!("{outer}{unit}{unit}"));
        let body = match kind {
            Reusable::Function => format!(
                "{nodes}\"entry\": (node: \"Function Entry\", pos: (0, 0), exec: {{\"then\": \"return\"}}),\n{nodes}\"return\": (node: \"Return Node\", pos: (320, 0)),\n"
            ),
            Reusable::Macro => format!(
                "{nodes}\"inputs\": (node: \"Macro Inputs\", pos: (0, 0), exec: {{\"exec\": \"outputs.then\"}}),\n{nodes}\"outputs\": (node: \"Macro Outputs\", pos: (320, 0)),\n"
            ),
        };
        let pins = match kind {
            Reusable::Function => String::new(),
            Reusable::Macro => format!("{inner}inputs: {{\"exec\": Exec}},\n{inner}outputs: {{\"then\": Exec}},\n"),
        };
        let entry = format!("{}: (\n{pins}{inner}nodes: {{\n{body}{inner}}},\n{outer})", quote(name));
        self.insert_reusable(kind, &entry)
    }

    /// The indentation of the entries of the top-level map `field` (`functions`, `macros`).
    pub(crate) fn entry_indent(&self, field: &str) -> String {
        let doc = self.doc();
        let unit = indent_unit(&self.text);
        let Ok(top) = doc.top() else { return unit };
        if let Some(map) = field_value(&top, field).filter(|m| m.kind() == MAP) {
            if let Some(first) = items(&map).first().filter(|f| first_on_line(&self.text, f.range.start)) {
                return indent_at(&self.text, first.range.start).to_string();
            }
            return format!("{}{unit}", indent_at(&self.text, brackets(&map).0));
        }
        match items(&top).first() {
            Some(f) if first_on_line(&self.text, f.range.start) => {
                format!("{}{unit}", indent_at(&self.text, f.range.start))
            }
            _ => format!("{unit}{unit}"),
        }
    }

    /// Adds `"NAME": (...)` to the file's functions or macros.
    pub(crate) fn insert_reusable(&mut self, kind: Reusable, entry: &str) -> Result<(), String> {
        let field = if kind == Reusable::Function {
            field::FUNCTIONS
        } else {
            field::MACROS
        };
        let doc = self.doc();
        let top = doc.top()?;
        let edits = match field_value(&top, field).filter(|m| m.kind() == MAP) {
            Some(map) => insert_item(&self.text, &map, None, entry, Style::Block),
            None => {
                let outer = self.entry_indent(field);
                let unit = indent_unit(&self.text);
                let close = outer.strip_suffix(unit.as_str()).unwrap_or_default();
                let map = format!("{{\n{outer}{entry},\n{close}}}");
                insert_field(&self.text, &top, TOP_ORDER, field, &map, Style::Block)
            }
        };
        drop(doc);
        self.step(edits)
    }
}
