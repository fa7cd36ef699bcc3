#!/usr/bin/env bash
# The test command: makes the Python peers' virtualenv (websockets and pynvim, from PyPI)
# if it is missing, installs Chromium, Neovim and librsvg's rsvg-convert if they are
# missing and it can (see below), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import websockets, pynvim" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/peers/requirements.txt
fi
export GRAPHRUN_PYTHON="$PWD/.venv/bin/python"
# The tests' servers are on loopback, which a proxy in the environment would take
# (graphrun reads proxies as curl does): they go direct.
export NO_PROXY="${NO_PROXY:+$NO_PROXY,}127.0.0.1,localhost,::1"
# Chromium (the studio's browser test), Neovim (the language server's editor test) and
# rsvg-convert (the pictures drawn through librsvg):
# installed from Debian's packages when apt is there and this runs as root, as .ci/run
# does; otherwise what to run is said, and nothing else is done.
missing=()
command -v "${GRAPHRUN_CHROMIUM:-chromium}" >/dev/null || missing+=(chromium)
command -v "${GRAPHRUN_NVIM:-nvim}" >/dev/null || missing+=(neovim)
command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
    echo "installing ${missing[*]} (Debian's packages) for the browser and editor tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: the studio's browser test needs Chromium, the language server's editor test Neovim and the pictures' test librsvg's rsvg-convert; missing: ${missing[*]}" >&2
    echo "  on Debian or Ubuntu: sudo apt-get install ${missing[*]}" >&2
    echo "  elsewhere: install them, or set GRAPHRUN_CHROMIUM / GRAPHRUN_NVIM to their paths" >&2
    exit 1
  fi
fi
cargo test --workspace --locked
