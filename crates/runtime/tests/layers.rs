//! The runtime's folders are layers that do not look back: the import graph among the
//! top-level modules of `src/` (folders and files) has no cycle. A reference is any
//! `crate::module` path in code (comments aside), and `crate::Name` through the root's
//! re-exports counts as the module `Name` comes from, so a re-export cannot hide a cycle.
//! Inside every folder of every crate of the workspace (and of the binary), its files and
//! subfolders import one another without a cycle too (`super::x`, `crate::folder::x`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules and, for each, the modules its code names.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    // `pub use module::…::{A, B}` / `pub use module::A;` at the root: A and B come from `module`.
    let mut exported: BTreeMap<String, String> = BTreeMap::new();
    for item in code(&lib).split(';') {
        let Some(path) = item.trim().strip_prefix("pub use ") else {
            continue;
        };
        let module = path.split("::").next().unwrap_or("").trim().to_string();
        let names = path.rsplit("::").next().unwrap_or("");
        for name in names
            .trim_matches(|c| c == '{' || c == '}' || char::is_whitespace(c))
            .split(',')
        {
            let name = name.trim();
            if name.starts_with(char::is_uppercase) {
                exported.insert(name.to_string(), module.clone());
            }
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    walk(src, &mut files);
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy().to_string());
        let first = parts.next().unwrap();
        let top = match parts.next() {
            Some(_) => first,
            None => first.trim_end_matches(".rs").to_string(),
        };
        if top == "lib" {
            continue;
        }
        let text = code(&std::fs::read_to_string(&file).unwrap());
        let refs = graph.entry(top.clone()).or_default();
        for name in referenced(&text) {
            let module = exported.get(&name).cloned().unwrap_or(name);
            if module != top {
                refs.insert(module);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for refs in graph.values_mut() {
        refs.retain(|m| modules.contains(m));
    }
    graph
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without `//` comments (doc links name what they document, not what the code uses).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.trim_start().starts_with("//") {
            true => "",
            false => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every `crate::` path, and of every path in a `use crate::{…}` group.
fn referenced(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Depth-aware: `{a::{B, C}, d}` names a and d.
            let (mut depth, mut start) = (0, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        names.insert(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.insert(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// A cycle in `graph`, if it has one (the modules along it).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut found = path[i..].to_vec();
            found.push(m.to_string());
            return Some(found);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_runtimes_folders_form_no_import_cycle() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    // The check sees the layers it is about.
    for (module, below) in [
        ("exec", "node"),
        ("plan", "node"),
        ("stdlib", "node"),
        ("check", "plan"),
    ] {
        assert!(
            graph[module].contains(below),
            "{module} should import {below}: {graph:?}"
        );
    }
    if let Some(found) = cycle(&graph) {
        panic!(
            "the runtime's folders import in a circle: {}\n{graph:#?}",
            found.join(" -> ")
        );
    }
}

#[test]
fn a_cycle_through_a_root_re_export_is_found() {
    // `crate::Instance` is exec's; node naming it would close node -> exec -> node.
    let mut graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let named = referenced("use crate::{Instance, value::Value};\nfn f(_: crate::exec::Thing) {}");
    assert_eq!(named, ["Instance", "exec", "value"].map(String::from).into());
    graph.get_mut("node").unwrap().insert("exec".to_string());
    assert!(cycle(&graph).is_some_and(|c| c.contains(&"node".to_string()) && c.contains(&"exec".to_string())));
}

/// The files (and subfolders) of folder `dir` of a crate whose source is `src`, and, for
/// each, the others its code names: `super::x`, `crate::PATH::x` (PATH the folder's
/// module path) and the names of `use super::{…}` and `use crate::PATH::{…}` groups. A
/// folder's `mod.rs` is its face and is left out.
fn folder_imports(src: &Path, dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let rel = dir.strip_prefix(src).unwrap();
    let modpath: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let prefix = format!("crate::{}::", modpath.join("::"));
    let mut members: BTreeMap<String, Vec<std::path::PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut files = Vec::new();
            walk(&path, &mut files);
            members.insert(name, files);
        } else if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
            members.insert(name, vec![path]);
        }
    }
    let mut graph = BTreeMap::new();
    for (name, files) in &members {
        let mut refs = BTreeSet::new();
        for file in files {
            let text = code(&std::fs::read_to_string(file).unwrap());
            let direct = files.len() == 1 && file.extension().is_some_and(|e| e == "rs");
            for (marker, applies) in [("super::", direct), (prefix.as_str(), true)] {
                if applies {
                    refs.extend(referenced(&text.replace(marker, "crate::")));
                }
            }
        }
        refs.retain(|r| r != name && members.contains_key(r));
        graph.insert(name.clone(), refs);
    }
    graph
}

/// Every folder under `dir`.
fn folders(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.push(path.clone());
            folders(&path, out);
        }
    }
}

#[test]
fn the_files_of_every_folder_form_no_import_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut sources = vec![root.join("src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        sources.push(entry.unwrap().path().join("src"));
    }
    let mut checked = 0;
    for src in sources.iter().filter(|s| s.is_dir()) {
        let mut dirs = Vec::new();
        folders(src, &mut dirs);
        for dir in dirs {
            let graph = folder_imports(src, &dir);
            checked += graph.len();
            if let Some(found) = cycle(&graph) {
                panic!(
                    "the files of {} import in a circle: {}\n{graph:#?}",
                    dir.display(),
                    found.join(" -> ")
                );
            }
        }
    }
    // The check sees the files it is about: the interpreter's layers among them.
    let exec = folder_imports(&root.join("crates/runtime/src"), &root.join("crates/runtime/src/exec"));
    assert!(
        exec["chain"].contains("base") && exec["base"].contains("state"),
        "{exec:#?}"
    );
    assert!(checked > 50, "only {checked} files were checked");
}

#[test]
fn a_cycle_between_the_files_of_a_folder_is_found() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = folder_imports(&root, &root.join("exec"));
    // `state` naming the chain (`super::chain::…`) would close chain -> base -> state -> chain.
    let named = referenced(&"use super::{chain::Chain, ops};".replace("super::", "crate::"));
    assert_eq!(named, ["chain", "ops"].map(String::from).into());
    graph.get_mut("state").unwrap().insert("chain".to_string());
    assert!(cycle(&graph).is_some_and(|c| c.contains(&"state".to_string())));
}
