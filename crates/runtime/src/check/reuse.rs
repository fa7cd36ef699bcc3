//! Functions, macros and imports, before the checker sees a node: the imported library
//! files are read (each a part of the main [`graphrun_format::SourceFile`], so every span still names its
//! file), every function body joins the graph's nodes under keys of its own, and every
//! macro use is replaced by a copy of the macro's body, wired in place of the use.
//!
//! Keys: a graph node's key is its id; a function body node's is `.F.id`; a node of a
//! macro use is `\u{3}N.id` (`N` the number of the scope its expansion makes).
//! Ids never contain `.`, so keys never clash. A node keeps its id as written for
//! messages; links are rewritten to keys. Imports are read by [`super::imports`], macro
//! uses expanded by [`super::expand`]; what they make is [`super::flat`]'s, and this
//! module is the driver.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use graphrun_format::{codes, Diagnostic, FunctionDecl, GraphFile, MacroDecl, PinDecl, Span, Type};

use super::expand::{Ctx, Expander};
use super::imports::{canonical, import_dir, Loader};
use crate::node::registry::Registry;

pub(crate) use super::flat::*;

/// Lays out `file` (read from `source`), reading its imports from `overlay` or disk.
pub(crate) fn flatten(
    registry: &Registry,
    file: GraphFile,
    diags: &mut Vec<Diagnostic>,
    overlay: super::imports::Overlay<'_>,
) -> Flat {
    let mut loader = Loader {
        overlay,
        diags,
        parts: Vec::new(),
        next_base: file.source.text().len() as u32 + 1,
        libraries: Vec::new(),
        done: HashSet::new(),
    };
    let main_dir = import_dir(file.source.name());
    let mut stack = vec![canonical(Path::new(file.source.name()))];
    loader.imports(&file, &main_dir, &mut stack);
    let source = file.source.with_parts(std::mem::take(&mut loader.parts));
    let libraries = std::mem::take(&mut loader.libraries);
    let diags = loader.diags;

    // Every function and macro by name, refusing a name defined twice or taken by the
    // registry; both places are named.
    let mut defined: HashMap<&str, Span> = HashMap::new();
    let mut functions: Vec<(&FunctionDecl, bool)> = Vec::new();
    let mut macros: HashMap<&str, (&MacroDecl, bool)> = HashMap::new();
    let mut macro_list = Vec::new();
    let files = std::iter::once((&file, false)).chain(libraries.iter().map(|l| (l, true)));
    for (f, library) in files {
        let names = f
            .functions
            .iter()
            .map(|d| (&d.name, Some(d), None))
            .chain(f.macros.iter().map(|m| (&m.name, None, Some(m))));
        for (name, function, mac) in names {
            if [FUNCTION_ENTRY, RETURN_NODE, MACRO_INPUTS, MACRO_OUTPUTS].contains(&name.value.as_str()) {
                diags.push(Diagnostic::error(
                    codes::DUPLICATE,
                    name.span,
                    format!(
                        "`{}` is the name of a node that function and macro bodies hold; give this another",
                        name.value
                    ),
                ));
                continue;
            }
            if registry.node(&name.value).is_some() {
                diags.push(Diagnostic::error(
                    codes::DUPLICATE,
                    name.span,
                    format!("`{}` is already the name of a node type of the registry", name.value),
                ));
                continue;
            }
            if let Some(first) = defined.get(name.value.as_str()) {
                diags.push(Diagnostic::error(
                    codes::DUPLICATE,
                    name.span,
                    format!(
                        "`{}` is defined twice: here and at {}",
                        name.value,
                        source.location(*first)
                    ),
                ));
                continue;
            }
            defined.insert(&name.value, name.span);
            if let Some(d) = function {
                functions.push((d, library));
            }
            if let Some(m) = mac {
                macros.insert(&m.name.value, (m, library));
                macro_list.push(MacroInfo {
                    name: m.name.value.clone(),
                    span: m.name.span,
                    inputs: m.inputs.clone(),
                    outputs: m.outputs.clone(),
                });
            }
        }
    }

    let mut x = Expander {
        macros: &macros,
        diags,
        nodes: Vec::new(),
        keys: Vec::new(),
        origins: Vec::new(),
        variables: file.variables.clone(),
        var_keys: file.variables.iter().map(|v| v.name.value.clone()).collect(),
        graph_var_names: file.variables.iter().map(|v| v.name.value.clone()).collect(),
        scopes: Vec::new(),
        expanding: Vec::new(),
        expanding_names: HashSet::new(),
        pin_checks: Vec::new(),
        used: HashSet::new(),
        sizes: HashMap::new(),
        exhausted: false,
        hops: 0,
    };
    let graph_vars = x.variables.len();
    let graph_ids = file.nodes.iter().map(|n| n.id.value.clone()).collect();
    let mut written = vec![Written {
        name: None,
        is_macro: false,
        nodes: file.nodes.clone(),
    }];
    written.extend(functions.iter().map(|(f, _)| Written {
        name: Some(f.name.value.clone()),
        is_macro: false,
        nodes: f.nodes.clone(),
    }));
    let mut macro_bodies: Vec<&MacroDecl> = macros.values().map(|(m, _)| *m).collect();
    macro_bodies.sort_by_key(|m| m.name.span.start);
    written.extend(macro_bodies.into_iter().map(|m| Written {
        name: Some(m.name.value.clone()),
        is_macro: true,
        nodes: m.nodes.clone(),
    }));
    let graph = Ctx {
        prefix: String::new(),
        locals: HashMap::new(),
        graph_vars: true,
        library: false,
        scope: Scope::Graph,
        uses: Uses::none(),
    };
    x.scope(&file.nodes, graph);
    let mut infos = Vec::new();
    for (f, (decl, library)) in functions.iter().enumerate() {
        let prefix = format!(".{}.", decl.name.value);
        let locals = x.locals(&decl.locals, &prefix, *library);
        let start = x.nodes.len();
        let ctx = Ctx {
            prefix,
            locals: locals.1,
            graph_vars: !library,
            library: *library,
            scope: Scope::Function(f as u32),
            uses: Uses::none(),
        };
        x.scope(&decl.nodes, ctx);
        let pins = |pins: &[PinDecl]| -> Vec<(String, Type, Span)> {
            pins.iter()
                .filter_map(|p| Some((p.name.value.clone(), p.ty.clone()?, p.ty_span)))
                .collect()
        };
        infos.push(FunctionInfo {
            name: decl.name.value.clone(),
            span: decl.name.span,
            inputs: pins(&decl.inputs),
            outputs: pins(&decl.outputs),
            pure: decl.pure,
            nodes: start..x.nodes.len(),
            locals: locals.0,
        });
    }
    // A macro nothing uses is still checked: through a use of its own that no chain enters.
    let mut unused: Vec<(&MacroDecl, bool)> = macros
        .values()
        .filter(|(m, _)| !x.used.contains(&m.name.value))
        .copied()
        .collect();
    unused.sort_by_key(|(m, _)| m.name.span.start);
    for (mac, library) in unused {
        let ctx = Ctx {
            prefix: format!("\u{2}{}.", mac.name.value),
            locals: HashMap::new(),
            graph_vars: !library,
            library,
            scope: Scope::Graph,
            uses: Uses::none(),
        };
        x.scope(&[super::expand::phantom_use(mac)], ctx);
    }
    x.resolve_all();
    let Expander {
        nodes,
        keys,
        origins,
        variables,
        var_keys,
        pin_checks,
        ..
    } = x;
    Flat {
        file: GraphFile {
            nodes,
            variables,
            functions: Vec::new(),
            macros: Vec::new(),
            imports: Vec::new(),
            ..file
        },
        source,
        node_keys: keys,
        var_keys,
        graph_vars,
        origins,
        functions: infos,
        macros: macro_list,
        pin_checks,
        graph_ids,
        written,
    }
}
