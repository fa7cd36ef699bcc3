#!/usr/bin/env bash
# The Autobahn WebSocket case suite, driven through a graph: starts kosoku's fuzzing server
# on a free loopback port, runs graphs/conformance/autobahn_client.ron against it with the
# release graphrun, and checks the report: every case must be OK, NON-STRICT or
# INFORMATIONAL. Exclusions (see the README): binary messages, which the M2 string and JSON
# connections cannot carry, and compression (12.*, 13.*), which they do not negotiate.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import websockets, kosoku" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/peers/requirements.txt
fi
out=target/autobahn
rm -rf "$out"
mkdir -p "$out"
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
excluded=(1.2.* 9.2.* 9.4.* 9.6.* 9.8.* 12.* 13.*)
args=()
for case in "${excluded[@]}"; do args+=(-x "$case"); done
.venv/bin/kosoku -m fuzzingserver "127.0.0.1:$port" "${args[@]}" -o "$out/reports" >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
# Wait (at most 10 s) for the server to listen.
.venv/bin/python - "$port" <<'PY'
import socket, sys, time
deadline = time.time() + 10
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("the fuzzing server did not start")
        time.sleep(0.05)
PY
cargo build --release --locked --quiet
target/release/graphrun run graphs/conformance/autobahn_client.ron --set "Base=ws://127.0.0.1:$port" --timeout 900 \
  >"$out/client.out" 2>"$out/client.err"
tail -n 2 "$out/client.out"
# The server writes index.json as it finishes the reports: wait for it (at most 30 s).
for _ in $(seq 300); do [ -s "$out/reports/index.json" ] && break; sleep 0.1; done
.venv/bin/python scripts/autobahn_report.py "$out/reports/index.json" "${excluded[@]}"
