//! `graphrun lsp`: a language server for graph, library and test files (authoring.md
//! section 7), LSP 3.17 over stdin and stdout on `lsp-server` (rust-analyzer's scaffold).
//!
//! One loop reads the editor's messages and answers each in turn: one `match` on the
//! method. A change marks its document (and the open documents that import it) to be
//! checked; the checks run once the messages waiting are read, so a burst of typing is
//! checked once and a pause is checked at once. The work is elsewhere: `workspace.rs`
//! (documents, checks, diagnostics), `complete.rs`, `hover.rs`, `navigate.rs` (definition,
//! references, rename), `symbols.rs`, `actions.rs` (formatting, did-you-mean fixes), over
//! the edit layer's tree (`graphrun_edit::spot` says what a position is about).

mod actions;
mod complete;
mod frames;
mod hover;
mod navigate;
mod symbols;
mod text;
mod workspace;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use graphrun::Registry;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverContents, HoverProviderCapability, MarkupContent, MarkupKind,
    OneOf, PublishDiagnosticsParams, RenameOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, Url,
};
use serde_json::Value;

use text::Lines;
use workspace::{Document, Workspace};

/// How long the loop waits for more messages before it checks what changed.
const QUIET: Duration = Duration::from_millis(10);

/// What the server can do, as it tells the editor.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), "(".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Serves the editor on stdin and stdout until it says `exit`; the exit status: 0 after
/// `shutdown` then `exit` (or the input's end), 1 after `exit` without `shutdown`, as LSP
/// says, or when the input stops being frames (the reason on stderr). Hover explains a
/// diagnostic's code from `diagnostics_page` (the text of `docs/diagnostics.md`).
pub fn serve(registry: &Registry, diagnostics_page: &'static str) -> u8 {
    let (connection, io) = frames::stdio();
    let served = serve_on(&connection, registry, diagnostics_page);
    drop(connection);
    // A broken frame is the reason whatever the server was doing when its input ended.
    let read = io.join();
    match read.and(served) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("graphrun lsp: {e}");
            1
        }
    }
}

fn serve_on(connection: &Connection, registry: &Registry, diagnostics_page: &'static str) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let init = connection.initialize(caps).map_err(|e| e.to_string())?;
    let params: lsp_types::InitializeParams = serde_json::from_value(init).unwrap_or_default();
    #[allow(deprecated)] // `root_uri` is what older clients send.
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or(params.root_uri)
        .and_then(|u| u.to_file_path().ok());
    let mut server = Server {
        connection,
        ws: Workspace::new(registry, root, diagnostics_page),
        pending: BTreeSet::new(),
    };
    server.run()
}

struct Server<'c, 'r> {
    connection: &'c Connection,
    ws: Workspace<'r>,
    /// The open documents to check once the waiting messages are read.
    pending: BTreeSet<Url>,
}

impl Server<'_, '_> {
    fn run(&mut self) -> Result<(), String> {
        loop {
            let message = if self.pending.is_empty() {
                match self.connection.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                }
            } else {
                match self.connection.receiver.recv_timeout(QUIET) {
                    Ok(m) => m,
                    Err(e) if e.is_timeout() => {
                        self.check_pending();
                        continue;
                    }
                    Err(_) => return Ok(()),
                }
            };
            match message {
                Message::Request(request) => {
                    if self.connection.handle_shutdown(&request).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let id = request.id.clone();
                    let method = request.method.clone();
                    // A bug answers its request with an error; the server goes on.
                    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.request(request)))
                        .unwrap_or_else(|_| {
                            Err((ErrorCode::InternalError, format!("{method} failed (a bug in graphrun)")))
                        });
                    let response = match answer {
                        Ok(value) => Response::new_ok(id, value),
                        Err((code, message)) => Response::new_err(id, code as i32, message),
                    };
                    self.send(Message::Response(response));
                }
                Message::Notification(note) if note.method == "exit" => {
                    return Err("the editor said `exit` without `shutdown` first".into());
                }
                Message::Notification(note) => {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notification(note)));
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        let _ = self.connection.sender.send(message);
    }

    /// Checks the documents marked, and publishes what each found.
    fn check_pending(&mut self) {
        for uri in std::mem::take(&mut self.pending) {
            for (uri, version, diagnostics) in self.ws.check(&uri) {
                let params = PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                };
                self.send(Message::Notification(Notification::new(
                    "textDocument/publishDiagnostics".into(),
                    params,
                )));
            }
        }
    }

    /// Marks a document, and the open documents that import it, to be checked.
    fn changed(&mut self, uri: &Url) {
        self.pending.insert(uri.clone());
        if let Some(doc) = self.ws.docs.get(uri) {
            let path = doc.path.clone();
            self.pending.extend(self.ws.importers(&path));
        }
    }

    fn notification(&mut self, note: Notification) {
        let params = note.params;
        match note.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(params) else {
                    return;
                };
                let doc = Document::new(
                    path_of(&p.text_document.uri),
                    p.text_document.text,
                    p.text_document.version,
                );
                self.ws.docs.insert(p.text_document.uri.clone(), doc);
                self.changed(&p.text_document.uri);
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(params) else {
                    return;
                };
                let uri = p.text_document.uri;
                let Some(doc) = self.ws.docs.get_mut(&uri) else { return };
                let text = text::apply_changes(&doc.text, p.content_changes);
                doc.set_text(text, p.text_document.version);
                self.changed(&uri);
            }
            "textDocument/didSave" => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(params) else {
                    return;
                };
                self.changed(&p.text_document.uri);
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(params) else {
                    return;
                };
                let uri = p.text_document.uri;
                let importers = self
                    .ws
                    .docs
                    .get(&uri)
                    .map(|d| self.ws.importers(&d.path))
                    .unwrap_or_default();
                self.ws.docs.remove(&uri);
                let published = self.ws.analyses.remove(&uri).map(|a| a.published).unwrap_or_default();
                self.pending.remove(&uri);
                // A closed file's diagnostics go (its importers say again what concerns it).
                for cleared in std::iter::once(uri).chain(published) {
                    let params = PublishDiagnosticsParams {
                        uri: cleared,
                        diagnostics: Vec::new(),
                        version: None,
                    };
                    self.send(Message::Notification(Notification::new(
                        "textDocument/publishDiagnostics".into(),
                        params,
                    )));
                }
                self.pending.extend(importers);
            }
            _ => {}
        }
    }

    /// Answers a request: its result, or an error code and message.
    fn request(&mut self, request: Request) -> Result<Value, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(value: Value) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(value).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        let json = |v: &dyn erased::Json| v.json();
        let ws = &self.ws;
        // The open document a request is about, and the byte offset of its position.
        let at = |uri: &Url, position: Option<lsp_types::Position>| {
            let doc = ws
                .docs
                .get(uri)
                .ok_or((ErrorCode::InvalidParams, format!("{uri} is not open")))?;
            let offset = position.map_or(0, |p| Lines::new(&doc.text).offset(p));
            Ok::<_, (ErrorCode, String)>((doc, offset))
        };
        match request.method.as_str() {
            "textDocument/completion" => {
                let p: lsp_types::CompletionParams = params(request.params)?;
                let uri = p.text_document_position.text_document.uri;
                let (doc, offset) = at(&uri, Some(p.text_document_position.position))?;
                Ok(json(&complete::complete(ws, doc, offset, &uri)))
            }
            "textDocument/hover" => {
                let p: lsp_types::HoverParams = params(request.params)?;
                let uri = p.text_document_position_params.text_document.uri;
                let (doc, offset) = at(&uri, Some(p.text_document_position_params.position))?;
                let found = hover::hover(ws, &uri, doc, offset).map(|(value, range)| lsp_types::Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    }),
                    range: Some(Lines::new(&doc.text).range(range)),
                });
                Ok(json(&found))
            }
            "textDocument/definition" => {
                let p: lsp_types::GotoDefinitionParams = params(request.params)?;
                let uri = p.text_document_position_params.text_document.uri;
                let (doc, offset) = at(&uri, Some(p.text_document_position_params.position))?;
                Ok(json(&navigate::definition(ws, doc, offset)))
            }
            "textDocument/references" => {
                let p: lsp_types::ReferenceParams = params(request.params)?;
                let uri = p.text_document_position.text_document.uri;
                let (doc, offset) = at(&uri, Some(p.text_document_position.position))?;
                let found = navigate::references(ws, doc, offset, p.context.include_declaration);
                Ok(json(&found))
            }
            "textDocument/prepareRename" => {
                let p: lsp_types::TextDocumentPositionParams = params(request.params)?;
                let (doc, offset) = at(&p.text_document.uri, Some(p.position))?;
                let renameable = graphrun_edit::spot::at_in(&doc.root(), offset).filter(|a| {
                    use graphrun_edit::spot::Spot::*;
                    matches!(
                        a.spot,
                        NodeDef
                            | NodeRef
                            | ExecTarget
                            | EventRef
                            | Variable
                            | VariableDef
                            | ReusableDef { .. }
                            | NodeType
                    ) && (a.spot != NodeType || ws.registry.node(&a.text).is_none())
                });
                let range = renameable.map(|a| {
                    let end = if a.spot == graphrun_edit::spot::Spot::ExecTarget {
                        a.range.start + a.text.split('.').next().unwrap_or_default().len()
                    } else {
                        a.range.end
                    };
                    lsp_types::PrepareRenameResponse::Range(Lines::new(&doc.text).range(a.range.start..end))
                });
                Ok(json(&range))
            }
            "textDocument/rename" => {
                let p: lsp_types::RenameParams = params(request.params)?;
                let uri = p.text_document_position.text_document.uri;
                let (doc, offset) = at(&uri, Some(p.text_document_position.position))?;
                navigate::rename(ws, doc, offset, &p.new_name)
                    .map(|edit| json(&edit))
                    .map_err(|e| (ErrorCode::RequestFailed, e))
            }
            "textDocument/documentSymbol" => {
                let p: lsp_types::DocumentSymbolParams = params(request.params)?;
                let (doc, _) = at(&p.text_document.uri, None)?;
                Ok(json(&lsp_types::DocumentSymbolResponse::Nested(symbols::symbols(
                    &doc.doc(),
                ))))
            }
            "textDocument/formatting" => {
                let p: lsp_types::DocumentFormattingParams = params(request.params)?;
                let (doc, _) = at(&p.text_document.uri, None)?;
                Ok(json(&actions::format(&doc.path.display().to_string(), &doc.text)))
            }
            "textDocument/codeAction" => {
                let p: lsp_types::CodeActionParams = params(request.params)?;
                let uri = p.text_document.uri;
                let (doc, _) = at(&uri, None)?;
                let found = ws.analyses.get(&uri).map(|a| a.found.as_slice()).unwrap_or_default();
                Ok(json(&actions::quick_fixes(&uri, &doc.text, found, p.range)))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("graphrun lsp does not answer `{other}`"),
            )),
        }
    }
}

/// A document's path (a URI that is no file is named by its path).
fn path_of(uri: &Url) -> PathBuf {
    uri.to_file_path().unwrap_or_else(|_| PathBuf::from(uri.path()))
}

/// Any answer as JSON.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
