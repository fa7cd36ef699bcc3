//! A real editor's LSP client against `graphrun lsp`: Neovim (Debian's `neovim`), headless,
//! with its built-in client started on a graph file. One test reads back the diagnostics
//! Neovim holds for the buffer and a completion it asked for, written out as JSON by a Lua
//! script; the other looks at Neovim's screen, as a UI attached to it draws it
//! (`tests/peers/nvim_screen.py`), after typing Ctrl-X Ctrl-O: the diagnostic and the
//! completion menu are on it. That screen is docs/editors/neovim.svg.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn nvim() -> String {
    let nvim = std::env::var("GRAPHRUN_NVIM").unwrap_or_else(|_| "nvim".into());
    assert!(
        Command::new(&nvim)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test needs Neovim: apt-get install neovim (Debian's package), or set GRAPHRUN_NVIM to its path"
    );
    nvim
}

/// Neovim's settings for the tests: its LSP client started on `graphrun lsp` for `.ron`
/// files, completion from it on Ctrl-X Ctrl-O.
fn init_lua(dir: &Path) -> PathBuf {
    let path = dir.join("init.lua");
    std::fs::write(
        &path,
        format!(
            r#"
vim.o.background = "dark"
vim.o.number = true
vim.o.signcolumn = "yes"
vim.o.completeopt = "menuone,noinsert"
vim.api.nvim_create_autocmd("BufReadPost", {{
  pattern = "*.ron",
  callback = function(args)
    local client = vim.lsp.start_client({{
      name = "graphrun",
      cmd = {{ "{bin}", "lsp" }},
      root_dir = vim.fn.getcwd(),
    }})
    vim.lsp.buf_attach_client(args.buf, client)
    vim.bo[args.buf].omnifunc = "v:lua.vim.lsp.omnifunc"
  end,
}})
"#,
            bin = env!("CARGO_BIN_EXE_graphrun")
        ),
    )
    .unwrap();
    path
}

/// The graph with a misspelt node type, written in `dir`; the 1-based line and 0-based
/// byte column inside the misspelling, after `Format`.
fn misspelt(dir: &Path) -> (usize, usize) {
    let text = super::GRAPH.replace("node: \"Format String\"", "node: \"Format Strng\"");
    std::fs::write(dir.join("reuse_example.ron"), &text).unwrap();
    let at = text.find("Format Strng").unwrap() + 6;
    let line = text[..at].matches('\n').count() + 1;
    (line, at - text[..at].rfind('\n').map_or(0, |i| i + 1))
}

/// Opens a graph with a misspelt node type in Neovim; what Neovim's client got.
#[test]
fn neovim_s_own_client_shows_the_diagnostics_and_completes() {
    let nvim = nvim();
    let dir = super::workspace("neovim");
    let (line, column) = misspelt(&dir);
    init_lua(&dir);
    std::fs::write(
        dir.join("drive.lua"),
        format!(
            r#"
local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 20)
local diagnostics = {{}}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(diagnostics, {{ line = d.lnum, col = d.col, code = d.code, message = d.message, severity = d.severity }})
end
vim.api.nvim_win_set_cursor(0, {{ {line}, {column} }})
local params = vim.lsp.util.make_position_params()
local answers = vim.lsp.buf_request_sync(0, "textDocument/completion", params, 10000) or {{}}
local labels = {{}}
for _, answer in pairs(answers) do
  local items = answer.result and (answer.result.items or answer.result) or {{}}
  for _, item in ipairs(items) do table.insert(labels, item.label) end
end
local file = io.open("result.json", "w")
file:write(vim.fn.json_encode({{ waited = ok, diagnostics = diagnostics, completion = labels }}))
file:close()
vim.cmd("qa!")
"#
        ),
    )
    .unwrap();
    let ran = Command::new(&nvim)
        .current_dir(&dir)
        .args([
            "--headless",
            "--clean",
            "-u",
            "init.lua",
            "reuse_example.ron",
            "-c",
            "luafile drive.lua",
        ])
        .env("HOME", &dir)
        .output()
        .unwrap();
    let result = std::fs::read_to_string(dir.join("result.json")).unwrap_or_else(|_| {
        panic!(
            "Neovim wrote no result: {}{}",
            String::from_utf8_lossy(&ran.stdout),
            String::from_utf8_lossy(&ran.stderr)
        )
    });
    let result: Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["waited"], true, "{result}");
    let diagnostic = &result["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0101", "{result}");
    assert_eq!(diagnostic["severity"], 1, "an error");
    assert_eq!(diagnostic["line"], line - 1);
    assert!(diagnostic["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `Format String`"));
    let labels: Vec<&str> = result["completion"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(labels.contains(&"Format String"), "{labels:?}");
}

/// Neovim's screen after Ctrl-X Ctrl-O in the misspelt node type: the diagnostic at the
/// line's end and the completion menu with the name it means.
#[test]
fn neovim_s_screen_shows_the_diagnostic_and_the_completion_menu() {
    let nvim = nvim();
    let python = super::support::python();
    let dir = super::workspace("neovim-screen");
    let (line, column) = misspelt(&dir);
    let init = init_lua(&dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/nvim_screen.py");
    let ran = Command::new(&python)
        .current_dir(&dir)
        .env("HOME", &dir)
        .arg(&script)
        .args([nvim.as_str(), init.to_str().unwrap(), "reuse_example.ron"])
        .args([line.to_string(), column.to_string(), "screen".into()])
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{} (needs pynvim: scripts/test.sh makes .venv with it): {}",
        script.display(),
        String::from_utf8_lossy(&ran.stderr)
    );
    let screen: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("screen.json")).unwrap()).unwrap();
    let rows: Vec<&str> = screen["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(screen["menu"], true, "the completion menu is up:\n{}", rows.join("\n"));
    assert!(
        screen["words"].as_array().unwrap().iter().any(|w| w == "Format String"),
        "{screen}"
    );
    // On the screen: the misspelt line with the diagnostic after it, and the menu's entry
    // on a row of its own below.
    let misspelt = rows
        .iter()
        .position(|r| r.contains("\"Format Strng\""))
        .expect("the line is on the screen");
    assert!(rows[misspelt].contains("unknown node type"), "{}", rows.join("\n"));
    assert!(
        rows[misspelt + 1..]
            .iter()
            .any(|r| r.contains("Format String") && !r.contains("did you mean")),
        "the menu shows Format String:\n{}",
        rows.join("\n")
    );
    let shots = std::env::var_os("GRAPHRUN_SCREENSHOTS").map(PathBuf::from);
    if let Some(shots) = shots {
        std::fs::copy(dir.join("screen.svg"), shots.join("neovim.svg")).unwrap();
    }
}
