#!/usr/bin/env bash
# The test command: makes the Python peer's virtualenv (websockets, from PyPI) if it is
# missing, checks that Chromium is there (the studio's browser test), then runs every test
# of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import websockets, pynvim" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/peers/requirements.txt
fi
export GRAPHRUN_PYTHON="$PWD/.venv/bin/python"
if ! command -v "${GRAPHRUN_CHROMIUM:-chromium}" >/dev/null; then
  echo "error: the studio's browser test needs Chromium: apt-get install chromium (Debian's package), or set GRAPHRUN_CHROMIUM to its path" >&2
  exit 1
fi
if ! command -v "${GRAPHRUN_NVIM:-nvim}" >/dev/null; then
  echo "error: the language server's editor test needs Neovim: apt-get install neovim (Debian's package), or set GRAPHRUN_NVIM to its path" >&2
  exit 1
fi
cargo test --workspace --locked
