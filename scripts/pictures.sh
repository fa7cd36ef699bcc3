#!/usr/bin/env bash
# Draws every graph under graphs/ (not its libraries or tests) into docs/pictures/NAME.svg
# with `graphrun render`; tests/render.rs checks the files match what the command draws.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked
for graph in graphs/*.ron graphs/conformance/*.ron; do
  case "$graph" in *.test.ron) continue ;; esac
  name=$(basename "$graph" .ron)
  target/debug/graphrun render "$graph" -o "docs/pictures/$name.svg"
  echo "docs/pictures/$name.svg"
done
