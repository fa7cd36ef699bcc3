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
# The picture of a change (docs/git.md): hello.ron edited, drawn by `graphrun diff --svg`;
# tests/git.rs checks it is what the command draws.
tmp=$(mktemp -d)
cp graphs/hello.ron "$tmp/hello.ron"
target/debug/graphrun edit "$tmp/hello.ron" -e 'add-node say "Print String" 900 300' -e 'connect show.then say' \
  -e 'remove-node bad' -e 'set send Object {"type":"hello","n":2}' >/dev/null
status=0
target/debug/graphrun diff graphs/hello.ron "$tmp/hello.ron" --svg docs/git/diff.svg >/dev/null || status=$?
[ "$status" -eq 1 ] || { echo "graphrun diff: exit $status" >&2; exit 1; }
rm -rf "$tmp"
echo docs/git/diff.svg
