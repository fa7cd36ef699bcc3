//! The user documentation under `docs/` stays true: the node reference is what
//! `graphrun nodes --markdown` prints, every diagnostic code is explained, each
//! explanation's example gives exactly the diagnostics shown under it, and `graphrun
//! explain` prints the section. No page links outside the repository.

use std::path::Path;
use std::process::Command;

use graphrun::format::{codes, explanation};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn graphrun(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("graphrun runs")
}

#[test]
fn the_node_reference_is_what_graphrun_nodes_prints() {
    let out = graphrun(Path::new(ROOT), &["nodes", "--markdown"]);
    let page = std::fs::read_to_string(Path::new(ROOT).join("docs/nodes.md")).unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout) == page,
        "docs/nodes.md is out of date: run `cargo run -- nodes --markdown > docs/nodes.md`"
    );
}

/// The text of the first fenced block of `lang` in `section`.
fn block<'a>(section: &'a str, lang: &str) -> &'a str {
    let fence = format!("```{lang}\n");
    let start = section
        .find(&fence)
        .unwrap_or_else(|| panic!("no ```{lang} block in:\n{section}"))
        + fence.len();
    let end = section[start..].find("```").unwrap() + start;
    &section[start..end]
}

#[test]
fn every_diagnostic_code_is_explained_by_an_example_that_gives_it() {
    let page = std::fs::read_to_string(Path::new(ROOT).join("docs/diagnostics.md")).unwrap();
    let dir = std::env::temp_dir().join(format!("graphrun-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (code, meaning) in codes::ALL {
        let section =
            explanation(&page, code).unwrap_or_else(|| panic!("docs/diagnostics.md has no section for {code}"));
        assert!(section.starts_with(&format!("## {code}: {meaning}\n")), "{section}");
        std::fs::write(dir.join("example.ron"), block(section, "ron")).unwrap();
        let out = graphrun(&dir, &["check", "example.ron"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.ends_with("the graph did not load"))
            .collect();
        let expected: Vec<&str> = block(section, "text").lines().collect();
        assert_eq!(shown, expected, "the example of {code}");
        assert!(
            shown.iter().any(|l| l.contains(&format!("[{code}]"))),
            "the example of {code} does not give {code}"
        );
        let explained = graphrun(&dir, &["explain", &code.to_ascii_lowercase()]);
        assert_eq!(String::from_utf8_lossy(&explained.stdout), section);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pages of `docs/` (its pictures are not pages).
fn markdown_pages() -> Vec<std::path::PathBuf> {
    let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages
}

#[test]
fn no_page_links_outside_the_repository() {
    let mut pages = vec![
        Path::new(ROOT).join("README.md"),
        Path::new(ROOT).join("ARCHITECTURE.md"),
    ];
    pages.extend(markdown_pages());
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        for (i, _) in text.match_indices("](") {
            let target = &text[i + 2..];
            let target = &target[..target.find(')').unwrap()];
            assert!(!target.contains("://"), "{}: links outside: {target}", page.display());
            let path = target.split('#').next().unwrap();
            if !path.is_empty() {
                let resolved = dir.join(path);
                assert!(
                    resolved.exists()
                        && resolved
                            .canonicalize()
                            .unwrap()
                            .starts_with(Path::new(ROOT).canonicalize().unwrap()),
                    "{}: the link to {target} does not lead to a file in the repository",
                    page.display()
                );
            }
        }
    }
}

#[test]
fn every_graph_in_the_pages_loads() {
    let dir = std::env::temp_dir().join(format!("graphrun-doc-graphs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    for path in markdown_pages() {
        if path.file_name().unwrap() == "diagnostics.md" {
            continue; // its examples are wrong on purpose, and checked above
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices("```ron\n") {
            let graph = block(&text[i..], "ron");
            // A block that starts `// file: PATH` is also written there, for the blocks
            // after it that import it.
            if let Some(path) = graph.lines().next().and_then(|l| l.strip_prefix("// file: ")) {
                let path = dir.join(path.trim());
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, graph).unwrap();
            }
            std::fs::write(dir.join("doc.ron"), graph).unwrap();
            let out = graphrun(&dir, &["check", "doc.ron"]);
            assert!(
                out.status.success(),
                "a graph in {} does not load:\n{graph}\n{}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
