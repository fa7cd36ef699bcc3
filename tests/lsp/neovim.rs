//! A real editor's LSP client against `graphrun lsp`: Neovim (Debian's `neovim`), headless,
//! with its built-in client started on a graph file. It reads back the diagnostics Neovim
//! holds for the buffer and a completion it asked for, written out as JSON by a Lua script.

use std::process::Command;

use serde_json::Value;

/// Opens a graph with a misspelt node type in Neovim; what Neovim's client got.
#[test]
fn neovim_s_own_client_shows_the_diagnostics_and_completes() {
    let nvim = std::env::var("GRAPHRUN_NVIM").unwrap_or_else(|_| "nvim".into());
    assert!(
        Command::new(&nvim)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test needs Neovim: apt-get install neovim (Debian's package), or set GRAPHRUN_NVIM to its path"
    );
    let dir = super::workspace("neovim");
    let text = super::GRAPH.replace("node: \"Format String\"", "node: \"Format Strng\"");
    std::fs::write(dir.join("reuse_example.ron"), &text).unwrap();
    // The line and column (1-based line, 0-based byte column) inside the misspelt type.
    let at = text.find("Format Strng").unwrap() + 6;
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    std::fs::write(
        dir.join("init.lua"),
        format!(
            r#"
vim.api.nvim_create_autocmd("BufReadPost", {{
  pattern = "*.ron",
  callback = function(args)
    local client = vim.lsp.start_client({{
      name = "graphrun",
      cmd = {{ "{bin}", "lsp" }},
      root_dir = vim.fn.getcwd(),
    }})
    vim.lsp.buf_attach_client(args.buf, client)
  end,
}})
"#,
            bin = env!("CARGO_BIN_EXE_graphrun")
        ),
    )
    .unwrap();
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
