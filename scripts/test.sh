#!/usr/bin/env bash
# The test command: makes the Python peer's virtualenv (websockets, from PyPI) if it is
# missing, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import websockets" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/peers/requirements.txt
fi
export GRAPHRUN_PYTHON="$PWD/.venv/bin/python"
cargo test --workspace --locked
