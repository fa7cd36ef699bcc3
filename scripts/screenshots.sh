#!/usr/bin/env bash
# Screenshots of graphrun studio for the README and docs/, taken by its browser tests in
# headless Chromium (tests/studio.rs: the debugger; tests/studio/editor.rs: the editor;
# tests/studio/live.rs: live editing)
# into docs/studio/; and Neovim's screen with graphrun lsp (tests/lsp/neovim.rs) into
# docs/editors/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/studio
GRAPHRUN_SCREENSHOTS="$PWD/docs/studio" cargo test --locked --test studio -- the_studio_runs editor:: blueprint:: live::
ls docs/studio/*.png
mkdir -p docs/editors
GRAPHRUN_SCREENSHOTS="$PWD/docs/editors" cargo test --locked --test tests -- lsp::neovim::neovim_s_screen
ls docs/editors/*.svg
