//! `graphrun import` and `graphrun export --unreal` as a user runs them: a Blueprint copied
//! from Unreal (a fixture written here, `begin_play.t3d`) becomes a graph that runs and
//! says what it could not map; every graph of the repository goes out as clipboard text
//! and comes back the same graph for `graphrun diff`; bad text gives its line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-unreal-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn graphrun(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_copied_blueprint_imports_runs_and_names_what_it_could_not_map() {
    let dir = scratch("import");
    let fixture = Path::new(ROOT).join("tests/unreal/begin_play.t3d");
    let (status, _, said) = graphrun(&dir, &["import", fixture.to_str().unwrap(), "-o", "bp.ron"]);
    assert_eq!(status, 0, "{said}");
    assert!(
        said.contains("8 node(s) imported, 1 of them `Unreal: …` placeholders"),
        "{said}"
    );
    assert!(
        said.contains(
            "begin_play.t3d:64:4: warning: `add`'s `ReturnValue` is wired to `K2Node_Missing_9`, which was not copied"
        ),
        "{said}"
    );
    let text = std::fs::read_to_string(dir.join("bp.ron")).unwrap();
    // Canonical, with the ids from titles, pins renamed, literals, the knot, the box.
    let (status, _, said) = graphrun(&dir, &["fmt", "--check", "bp.ron"]);
    assert_eq!(status, 0, "{said}\n{text}");
    for part in [
        r#""event_beginplay": (node: "Event BeginPlay", pos: (0, 0), exec: {"then": "branch"}),"#,
        r#"exec: {"True": "print_string"},"#,
        r#"inputs: {"In String": "hello from \"unreal\""},"#,
        r#""reroute": (node: "Reroute", pos: (768, 96), exec: {"Out": "print_string_2"}),"#,
        r#"inputs: {"In String": Link("to_string", "Return Value")},"#,
        r#""add": (node: "Add", pos: (512, 192), inputs: {"A": 2, "B": 3}),"#,
        r#"(text: "start and check", nodes: ["event_beginplay", "branch"]),"#,
        r#""getdisplayname": (node: "Unreal: KismetSystemLibrary.GetDisplayName", pos: (256, 320)),"#,
    ] {
        assert!(text.contains(part), "missing {part} in:\n{text}");
    }
    // check names the placeholder, the Blueprint function and the nearest graphrun node.
    let (status, _, said) = graphrun(&dir, &["check", "bp.ron"]);
    assert_eq!(status, 2);
    assert!(said.contains("error[E0101]: node `getdisplayname` is the Blueprint node `KismetSystemLibrary.GetDisplayName`, which has no graphrun counterpart; the nearest graphrun node is `"), "{said}");
    // Without the placeholder it runs as Blueprint would.
    let (status, _, said) = graphrun(&dir, &["edit", "bp.ron", "-e", "remove-node getdisplayname"]);
    assert_eq!(status, 0, "{said}");
    let (status, out, said) = graphrun(&dir, &["run", "bp.ron"]);
    assert_eq!((status, out.as_str()), (0, "hello from \"unreal\"\n5\n"), "{said}");
    // The same text from standard input.
    let piped = Command::new(env!("CARGO_BIN_EXE_graphrun"))
        .current_dir(&dir)
        .args(["import", "-"])
        .stdin(std::fs::File::open(&fixture).unwrap())
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(
        String::from_utf8(piped.stdout).unwrap(),
        text.replace("name: \"bp\"", "name: \"Imported\"")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What `graphrun diff` says of two graphs but their layout, name and variable defaults
/// (which clipboard text does not carry).
fn differences(dir: &Path, a: &Path, b: &Path) -> Vec<String> {
    let (_, out, _) = graphrun(dir, &["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    out.lines()
        .filter(|l| {
            let carried_by_neither = l.contains(": default ") && l.ends_with("-> (none)");
            !(l.starts_with("layout:") || l.starts_with("~ name ") || carried_by_neither)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_graph_goes_out_as_clipboard_text_and_comes_back_the_same() {
    let dir = scratch("round-trip");
    let mut tried = 0;
    for folder in ["graphs", "graphs/conformance"] {
        for entry in std::fs::read_dir(Path::new(ROOT).join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".ron") || name.ends_with(".test.ron") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Clipboard text holds one graph's nodes: a file's own functions, macros and
            // imports are not in it.
            if text.contains("functions:") || text.contains("macros:") || text.contains("imports:") {
                continue;
            }
            let t3d = dir.join(name.replace(".ron", ".t3d"));
            let (status, _, said) = graphrun(
                &dir,
                &[
                    "export",
                    path.to_str().unwrap(),
                    "--unreal",
                    "-o",
                    t3d.to_str().unwrap(),
                ],
            );
            assert_eq!(status, 0, "{name}: {said}");
            let exported = std::fs::read_to_string(&t3d).unwrap();
            // The same file gives the same text.
            let (_, again, _) = graphrun(&dir, &["export", path.to_str().unwrap(), "--unreal"]);
            assert_eq!(again, exported, "{name}: export is not deterministic");
            let back = dir.join(name.replace(".ron", ".back.ron"));
            let (status, _, said) = graphrun(&dir, &["import", t3d.to_str().unwrap(), "-o", back.to_str().unwrap()]);
            assert_eq!(status, 0, "{name}: {said}");
            assert!(!said.contains("warning"), "{name}: {said}");
            assert_eq!(differences(&dir, &path, &back), Vec::<String>::new(), "{name}");
            tried += 1;
        }
    }
    assert!(tried >= 5, "only {tried} graphs tried");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_clipboard_text_is_an_error_at_its_line_and_column_and_nothing_is_written() {
    let dir = scratch("bad");
    for (text, says) in [
        (
            "not a blueprint\n",
            "bad.t3d:1:1: error: this is not Unreal clipboard text",
        ),
        (
            "Begin Object Class=X Name=\"A\"\n   NodePosX=1\n",
            "bad.t3d:1:1: error: `Begin Object` of `A` is never closed",
        ),
        (
            "Begin Object Class=X Name=\"A\"\n   CustomProperties Pin (PinId=1,PinName=\"x\nEnd Object\n",
            "bad.t3d:2:42: error: a string is never closed",
        ),
    ] {
        std::fs::write(dir.join("bad.t3d"), text).unwrap();
        let (status, out, said) = graphrun(&dir, &["import", "bad.t3d", "-o", "out.ron"]);
        assert_eq!(status, 2, "{said}");
        assert!(said.starts_with(says), "{said}");
        assert!(out.is_empty() && !dir.join("out.ron").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A placeholder keeps its wires in the picture the studio draws: its pins are the ones the
/// file names (their types not known), so the graph keeps its shape.
#[test]
fn a_placeholder_is_drawn_with_the_pins_its_wires_name() {
    let registry = graphrun::Registry::builder()
        .install(&graphrun::StandardLibrary)
        .build();
    let text = r#"Graph(format: 1, name: "T", nodes: {
        "begin": (node: "Event BeginPlay", exec: {"then": "made"}),
        "made": (node: "Unreal: KismetStringLibrary.BuildString_Int", inputs: {"Prefix": "n=", "In Int": 4}, exec: {"then": "say"}),
        "say": (node: "Print String", inputs: {"In String": Link("made", "Return Value")}),
    })"#;
    let (diagnostics, pictures) = registry.inspect_str("t.ron", text);
    assert!(diagnostics.has_errors(), "the placeholder is an error");
    let picture = &pictures.iter().find(|(name, _)| name.is_none()).unwrap().1;
    let made = picture.nodes.iter().position(|n| n.id == "made").unwrap();
    let node = &picture.nodes[made];
    assert_eq!(node.exec_inputs, ["exec"]);
    assert_eq!(node.exec_outputs, ["then"]);
    let inputs: Vec<&str> = node.inputs.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(inputs, ["Prefix", "In Int"]);
    assert_eq!(
        node.outputs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["Return Value"]
    );
    let wires: Vec<(bool, &str, &str)> = picture
        .wires
        .iter()
        .filter(|w| w.from.0 == made || w.to.0 == made)
        .map(|w| (w.exec, w.from.1.as_str(), w.to.1.as_str()))
        .collect();
    assert_eq!(
        wires,
        [
            (true, "then", "exec"),
            (true, "then", "exec"),
            (false, "Return Value", "In String")
        ]
    );
}
