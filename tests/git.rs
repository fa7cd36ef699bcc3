//! Graphs in git, with real git: `graphrun diff` as git's diff driver, and `graphrun diff`
//! on its own (exit statuses as diff(1)).

use std::path::Path;
use std::process::Command;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-git-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn graphrun(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

const GRAPH: &str = include_str!("../graphs/hello.ron");

#[test]
fn git_diff_through_the_driver_prints_the_changes_to_the_graph() {
    let dir = scratch("diff-driver");
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.email", "t@example.com"]);
    git(&dir, &["config", "user.name", "T"]);
    let driver = format!("{} diff --git", env!("CARGO_BIN_EXE_graphrun"));
    git(&dir, &["config", "diff.graphrun.command", &driver]);
    std::fs::write(dir.join(".gitattributes"), "*.ron diff=graphrun\n").unwrap();
    std::fs::write(dir.join("hello.ron"), GRAPH).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "hello"]);

    // Reformatted and reordered only: the same graph.
    let reformatted = GRAPH.replace(
        "        \"failed\": (node: \"Custom Event\", exec: {\"then\": \"quit\"}),\n        \"quit\": (node: \"Quit\"),\n",
        "        \"quit\": (node: \"Quit\"),\n        // failing\n        \"failed\": (\n            node: \"Custom Event\",\n            exec: {\"then\": \"quit\"},\n        ),\n",
    );
    assert_ne!(reformatted, GRAPH);
    std::fs::write(dir.join("hello.ron"), &reformatted).unwrap();
    assert_eq!(
        git(&dir, &["diff"]),
        "diff --graphrun a/hello.ron b/hello.ron\n(the same graph: only formatting, order or comments changed)\n"
    );

    // A real change, made as the editor makes it.
    let ran = graphrun(
        &dir,
        &[
            "edit",
            "hello.ron",
            "-e",
            "add-node say \"Print String\" 64 64",
            "-e",
            "connect show.then say",
            "-e",
            "set-default Url \"ws://127.0.0.1:9002/\"",
        ],
    );
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    assert_eq!(
        git(&dir, &["diff"]),
        concat!(
            "diff --graphrun a/hello.ron b/hello.ron\n",
            "~ variable Url: default \"ws://127.0.0.1:9001/\" -> \"ws://127.0.0.1:9002/\"\n",
            "~ node show: exec then: quit -> say\n",
            "+ node say (Print String)\n",
        )
    );
    // A new file: every entry added.
    std::fs::write(
        dir.join("new.ron"),
        "Graph(format: 1, name: \"N\", nodes: {\"begin\": (node: \"Event BeginPlay\")})\n",
    )
    .unwrap();
    git(&dir, &["add", "new.ron"]);
    let added = git(&dir, &["diff", "--cached"]);
    assert!(
        added.contains("diff --graphrun a/new.ron b/new.ron\n~ name \"\" -> \"N\"\n+ node begin (Event BeginPlay)\n"),
        "{added}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graphrun_diff_exits_as_diff_does() {
    let dir = scratch("diff-exit");
    std::fs::write(dir.join("a.ron"), GRAPH).unwrap();
    std::fs::write(dir.join("b.ron"), GRAPH.replace("\"Hello\"", "\"Hi\"")).unwrap();
    std::fs::write(dir.join("bad.ron"), "Graph(format: 1,").unwrap();
    let same = graphrun(&dir, &["diff", "a.ron", "a.ron"]);
    assert_eq!((same.status.code(), same.stdout.is_empty()), (Some(0), true));
    let different = graphrun(&dir, &["diff", "a.ron", "b.ron"]);
    assert_eq!(different.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&different.stdout),
        "~ name \"Hello\" -> \"Hi\"\n"
    );
    let bad = graphrun(&dir, &["diff", "a.ron", "bad.ron"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.ron does not parse: bad.ron:1:"));
    let moved = graphrun(&dir, &["edit", "b.ron", "-e", "move begin 1 2"]);
    assert!(moved.status.success());
    let no_layout = graphrun(&dir, &["diff", "--no-layout", "a.ron", "b.ron"]);
    assert_eq!(
        String::from_utf8_lossy(&no_layout.stdout),
        "~ name \"Hello\" -> \"Hi\"\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn diff_svg_draws_the_new_graph_with_the_change_marked() {
    let dir = scratch("diff-svg");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(dir.join("hello.ron"), GRAPH).unwrap();
    // The same edits as scripts/pictures.sh makes for docs/git/diff.svg.
    let ran = graphrun(
        &dir,
        &[
            "edit",
            "hello.ron",
            "-e",
            "add-node say \"Print String\" 900 300",
            "-e",
            "connect show.then say",
            "-e",
            "remove-node bad",
            "-e",
            "set send Object {\"type\":\"hello\",\"n\":2}",
        ],
    );
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    let old = root.join("graphs/hello.ron");
    let out = graphrun(&dir, &["diff", old.to_str().unwrap(), "hello.ron", "--svg", "diff.svg"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(dir.join("diff.svg")).unwrap();
    for (mark, what) in [
        ("class=\"node added\" data-node=\"say\"", "the added node"),
        (
            "class=\"wire exec added\" data-from=\"show.then\" data-to=\"say.exec\"",
            "the added wire",
        ),
        ("class=\"node changed\" data-node=\"send\"", "the changed node"),
        (
            "class=\"node changed\" data-node=\"show\"",
            "the node whose exec output changed",
        ),
        ("class=\"node removed\" data-node=\"bad\"", "the removed node, faded"),
        (
            "class=\"wire exec removed\" data-from=\"show.then\" data-to=\"quit.exec\"",
            "the removed wire",
        ),
    ] {
        assert!(svg.contains(mark), "{what} is marked: {mark}");
    }
    assert!(
        !svg.contains("data-node=\"begin\" class") && svg.contains("<g class=\"node\" data-node=\"begin\">"),
        "an unchanged node is as render draws it"
    );
    assert_eq!(
        svg,
        std::fs::read_to_string(root.join("docs/git/diff.svg")).expect("docs/git/diff.svg: run scripts/pictures.sh"),
        "docs/git/diff.svg is what the command draws (scripts/pictures.sh)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A repository holding hello.ron with both drivers configured, and a branch `theirs`
/// beside `main`.
fn repository(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.email", "t@example.com"]);
    git(&dir, &["config", "user.name", "T"]);
    let bin = env!("CARGO_BIN_EXE_graphrun");
    git(&dir, &["config", "merge.graphrun.name", "graphrun merge"]);
    git(
        &dir,
        &[
            "config",
            "merge.graphrun.driver",
            &format!("{bin} merge %O %A %B -o %A"),
        ],
    );
    git(&dir, &["config", "diff.graphrun.command", &format!("{bin} diff --git")]);
    std::fs::write(dir.join(".gitattributes"), "*.ron merge=graphrun diff=graphrun\n").unwrap();
    std::fs::write(dir.join("hello.ron"), GRAPH).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "hello"]);
    git(&dir, &["branch", "theirs"]);
    dir
}

/// Commits what `graphrun edit` makes of hello.ron on `branch`.
fn commit_edit(dir: &Path, branch: &str, ops: &[&str]) {
    git(dir, &["checkout", "-q", branch]);
    let mut args = vec!["edit", "hello.ron"];
    for op in ops {
        args.extend(["-e", op]);
    }
    let ran = graphrun(dir, &args);
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    git(dir, &["commit", "-q", "-am", branch]);
}

/// Whether a text merge of the two branches' hello.ron conflicts (`git merge-file`).
fn text_merge_conflicts(dir: &Path) -> bool {
    let show = |rev: &str| git(dir, &["show", &format!("{rev}:hello.ron")]);
    for (name, rev) in [("base.ron", "main~1"), ("ours.ron", "main"), ("theirs.ron", "theirs")] {
        std::fs::write(dir.join(name), show(rev)).unwrap();
    }
    let status = Command::new("git")
        .current_dir(dir)
        .args(["merge-file", "-p", "ours.ron", "base.ron", "theirs.ron"])
        .output()
        .unwrap()
        .status;
    for name in ["base.ron", "ours.ron", "theirs.ron"] {
        std::fs::remove_file(dir.join(name)).unwrap();
    }
    !status.success()
}

#[test]
fn git_merge_through_the_driver_merges_changes_to_neighbouring_nodes() {
    let dir = repository("merge-clean");
    // "failed" and "quit" are neighbours: a line apart.
    commit_edit(&dir, "main", &["connect failed.then bad"]);
    commit_edit(
        &dir,
        "theirs",
        &["move quit 32 32", "add-node note \"Print String\" 32 32"],
    );
    assert!(text_merge_conflicts(&dir), "a text merge of the pair conflicts");
    git(&dir, &["checkout", "-q", "main"]);
    let merged = Command::new("git")
        .current_dir(&dir)
        .env("HOME", &dir)
        .args(["merge", "-q", "--no-edit", "theirs"])
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "git merge through the driver: {}{}",
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&merged.stderr)
    );
    // Both changes, nothing else, and the graph still checks.
    let text = std::fs::read_to_string(dir.join("hello.ron")).unwrap();
    assert!(!text.contains("CONFLICT"));
    std::fs::write(dir.join("base.ron"), GRAPH).unwrap();
    let diff = graphrun(&dir, &["diff", "base.ron", "hello.ron"]);
    assert_eq!(
        String::from_utf8_lossy(&diff.stdout),
        concat!(
            "~ node failed: exec then: quit -> bad\n",
            "+ node note (Print String)\n",
            "layout: node quit: pos (none) -> (32, 32)\n",
        )
    );
    let check = graphrun(&dir, &["check", "hello.ron"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn git_merge_through_the_driver_leaves_a_real_conflict_conflicted_and_marked() {
    let dir = repository("merge-conflict");
    commit_edit(&dir, "main", &["set bad \"In String\" ours"]);
    commit_edit(&dir, "theirs", &["set bad \"In String\" theirs", "move quit 48 96"]);
    git(&dir, &["checkout", "-q", "main"]);
    let merged = Command::new("git")
        .current_dir(&dir)
        .env("HOME", &dir)
        .args(["merge", "--no-edit", "theirs"])
        .output()
        .unwrap();
    assert!(!merged.status.success(), "git merge reports the conflict");
    let said = String::from_utf8_lossy(&merged.stderr).into_owned() + &String::from_utf8_lossy(&merged.stdout);
    assert!(
        said.contains(r#"node "bad" input "In String": ours "ours", theirs "theirs""#),
        "the conflict is said: {said}"
    );
    // git holds the file as unmerged; the file keeps ours's value with the line above the
    // node, takes theirs's other change, and still parses.
    assert!(git(&dir, &["ls-files", "-u"]).contains("hello.ron"));
    let text = std::fs::read_to_string(dir.join("hello.ron")).unwrap();
    // Right above the node's line (the edits kept the file in fmt's form, where the
    // node with its shorter text fits on one line).
    assert!(
        text.contains(concat!(
            "        // CONFLICT(graphrun): node \"bad\" input \"In String\": ours \"ours\", theirs \"theirs\"\n",
            "        \"bad\": (node: \"Print String\", inputs: {\"In String\": \"ours\"}, exec: {\"then\": \"quit\"}),\n",
        )),
        "{text}"
    );
    assert!(text.contains("\"In String\": \"ours\"") && text.contains("pos: (48, 96)"));
    let check = graphrun(&dir, &["check", "hello.ron"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graphrun_merge_exits_0_1_2_and_prints_without_o() {
    let dir = scratch("merge-exit");
    let ours = GRAPH.replace("\"cannot connect\"", "\"a\"");
    std::fs::write(dir.join("base.ron"), GRAPH).unwrap();
    std::fs::write(dir.join("ours.ron"), &ours).unwrap();
    std::fs::write(dir.join("same.ron"), GRAPH).unwrap();
    std::fs::write(dir.join("other.ron"), GRAPH.replace("\"cannot connect\"", "\"b\"")).unwrap();
    std::fs::write(dir.join("bad.ron"), "Graph(format: 1,").unwrap();
    let clean = graphrun(&dir, &["merge", "base.ron", "ours.ron", "same.ron"]);
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&clean.stdout), ours);
    let conflicted = graphrun(&dir, &["merge", "base.ron", "ours.ron", "other.ron", "-o", "out.ron"]);
    assert_eq!(conflicted.status.code(), Some(1));
    assert!(conflicted.stdout.is_empty());
    assert!(std::fs::read_to_string(dir.join("out.ron"))
        .unwrap()
        .contains("// CONFLICT(graphrun): node \"bad\""));
    let bad = graphrun(&dir, &["merge", "base.ron", "ours.ron", "bad.ron", "-o", "ours.ron"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.ron does not parse: bad.ron:1:"));
    assert_eq!(
        std::fs::read_to_string(dir.join("ours.ron")).unwrap(),
        ours,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 34, 11: OURS removes a node, THEIRS wires to it: each change merged cleanly, the
/// driver said so, and git committed a graph that did not load (E0105). The merge is a
/// conflict, with the checker's error marked in the file.
#[test]
fn git_merge_through_the_driver_refuses_a_clean_merge_that_does_not_load() {
    let dir = repository("merge-broken");
    commit_edit(&dir, "main", &["remove-node send"]);
    commit_edit(&dir, "theirs", &["connect failed.then send"]);
    git(&dir, &["checkout", "-q", "main"]);
    let merged = Command::new("git")
        .current_dir(&dir)
        .env("HOME", &dir)
        .args(["merge", "--no-edit", "theirs"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&merged.stderr).into_owned() + &String::from_utf8_lossy(&merged.stdout);
    assert!(!merged.status.success(), "git merge reports the conflict: {said}");
    assert!(said.contains("the merged graph does not load: error[E0105]"), "{said}");
    assert!(git(&dir, &["ls-files", "-u"]).contains("hello.ron"));
    let text = std::fs::read_to_string(dir.join("hello.ron")).unwrap();
    assert!(
        text.contains("// CONFLICT(graphrun): the merged graph does not load"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
