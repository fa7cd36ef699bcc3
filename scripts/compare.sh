#!/usr/bin/env bash
# Builds and runs every performance comparison in one go, printing one line each:
#   NAME: graphrun=X UNIT peer=Y UNIT ratio=R     (R above 1: graphrun is better)
# Peers: Rhai and Lua 5.4 (mlua, vendored) and native Rust for the loop, Lua calls for
# events, a plain tokio-tungstenite client for echo; goals for load and scale. `process`
# and `startup` run the graphrun binary as a process against a peer process (the
# echo_client binary; `lua5.4 -e`, from Debian's lua5.4 package), as users run it; the
# rest measure the runtime embedded in the benchmark. The echo server is a process of its
# own. Arguments pick comparisons (loop, calls, events, echo, process, startup, load,
# scale, swarm, import, bulk, studio, lsp); none runs them all. `import` is `graphrun import` of a
# 5,000-node Blueprint paste against `graphrun check` of the graph it makes, as processes. `bulk`
# is `graphrun edit` moving 1,000 and 2,000 nodes, removing every node of 1,000- and 2,000-node
# graphs (the studio's Delete), pasting 400 and 800 nodes (Ctrl-D), `diff` and `merge` of 25,000 and 50,000 nodes:
# the exponent of their growth (1: linear), against a goal of 1.2. `swarm` runs `graphrun swarm` as a
# process: memory an instance, and echo with its metrics on against `graphrun run`.
# `studio` is the editor on a 2,000-node graph in headless Chromium against its goal (bench/src/bin/studio_edit.rs; needs Chromium);
# `lsp` is `graphrun lsp` on that graph: diagnostics after a change and completion,
# against their goals (bench/src/bin/lsp.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
(cd bench && cargo build --release --quiet --bins)
target/release/graphrun serve-echo --port 0 >target/compare-echo.out 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "ws://" target/compare-echo.out 2>/dev/null && break; sleep 0.05; done
url=$(grep -o 'ws://[^ ]*' target/compare-echo.out)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
rest=()
studio=0
lsp=0
for arg in "$@"; do
  case "$arg" in
    studio) studio=1 ;;
    lsp) lsp=1 ;;
    *) rest+=("$arg") ;;
  esac
done
if [ $# -eq 0 ] || [ ${#rest[@]} -gt 0 ]; then
  GRAPHRUN_SCALE_URL="$url" bench/target/release/compare "${rest[@]}"
fi
if [ $# -eq 0 ] || [ $studio -eq 1 ]; then
  bench/target/release/studio_edit 30
fi
if [ $# -eq 0 ] || [ $lsp -eq 1 ]; then
  bench/target/release/lsp 40
fi
