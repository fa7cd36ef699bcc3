//! Comment boxes (`comments: [(text: "…", nodes: [...]), …]`): made around nodes, their
//! text edited, removed. They belong to the event graph (the format has them only there).

use crate::doc::TOP_ORDER;
use crate::facts::Body;
use crate::layout::{insert_field, insert_item, Style};
use crate::session::Session;
use crate::syntax::{SyntaxKind::*, SyntaxNode};
use crate::text::quote;
use crate::tree::{field_value, items};
use graphrun_format::model::field;

impl Session<'_> {
    /// The `comments` list and the box at `index` in it.
    fn comment_box(&self, index: usize) -> Result<(SyntaxNode, SyntaxNode), String> {
        let doc = self.doc();
        let boxes = doc.comment_boxes();
        match (doc.comment_list(), boxes.get(index)) {
            (Some(list), Some(b)) if b.kind() == STRUCT => Ok((list, b.clone())),
            _ => Err(format!("no comment box {index} (the graph has {})", boxes.len())),
        }
    }

    fn graph_only(&self) -> Result<(), String> {
        if self.body == Body::Graph {
            Ok(())
        } else {
            Err("comment boxes are the event graph's".to_string())
        }
    }

    /// A comment box with `text` around the nodes `ids`.
    pub(crate) fn add_comment_box(&mut self, text: &str, ids: &[String]) -> Result<(), String> {
        self.graph_only()?;
        for id in ids {
            self.node(id)?;
        }
        let nodes: Vec<String> = ids.iter().map(|id| quote(id)).collect();
        let item = format!("(text: {}, nodes: [{}])", quote(text), nodes.join(", "));
        let doc = self.doc();
        let top = doc.top()?;
        let edits = match doc.comment_list() {
            Some(list) => insert_item(&self.text, &list, None, &item, Style::Inline),
            None => insert_field(
                &self.text,
                &top,
                TOP_ORDER,
                field::COMMENTS,
                &format!("[{item}]"),
                Style::Block,
            ),
        };
        drop(doc);
        self.step(edits)
    }

    /// Sets the text of comment box `index` (counting from 0, in the order written).
    pub(crate) fn set_comment_box(&mut self, index: usize, text: &str) -> Result<(), String> {
        self.graph_only()?;
        let (_, boxed) = self.comment_box(index)?;
        let edits = match field_value(&boxed, field::TEXT) {
            Some(old) => vec![crate::text::TextEdit::replace(crate::tree::range(&old), quote(text))],
            None => crate::layout::insert_field(
                &self.text,
                &boxed,
                graphrun_format::model::COMMENT_FIELDS,
                field::TEXT,
                &quote(text),
                Style::Inline,
            ),
        };
        self.step(edits)
    }

    /// The comment boxes (by index) that hold any of `ids`.
    pub(crate) fn comment_boxes_holding(&self, ids: &std::collections::HashSet<&str>) -> Vec<usize> {
        if self.body != Body::Graph {
            return Vec::new();
        }
        self.doc()
            .comment_boxes()
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                field_value(b, field::NODES)
                    .filter(|l| l.kind() == LIST)
                    .is_some_and(|l| {
                        items(&l).iter().any(|i| {
                            i.value()
                                .and_then(|v| crate::tree::string(&v))
                                .is_some_and(|id| ids.contains(id.as_str()))
                        })
                    })
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Adds node `id` to comment box `index`.
    pub(crate) fn add_to_comment_box(&mut self, index: usize, id: &str) -> Result<(), String> {
        let (_, boxed) = self.comment_box(index)?;
        let list = field_value(&boxed, field::NODES)
            .filter(|l| l.kind() == LIST)
            .ok_or_else(|| format!("comment box {index} has no `nodes` list"))?;
        let edits = insert_item(&self.text, &list, None, &quote(id), Style::Inline);
        self.step(edits)
    }

    /// Removes comment box `index`.
    pub(crate) fn remove_comment_box(&mut self, index: usize) -> Result<(), String> {
        self.graph_only()?;
        let (list, _) = self.comment_box(index)?;
        self.remove_at(&list, index)
    }
}
