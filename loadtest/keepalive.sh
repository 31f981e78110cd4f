#!/usr/bin/env bash
# keepalive.sh: the server CPU one keepalive ping costs. USERS idle sockets (19,000) on one
# node (SQLite; server on CPU 0, generator on CPU 1), each pinged every INTERVAL (1s); the
# server's CPU is read from /proc over WINDOW seconds (30) once every socket is up, and divided
# by the pings (fechatter_pings_total, and USERS × WINDOW / INTERVAL nominal).
# OUT (bench-results/keepalive), PORT (18090), SKIP_BUILD=1 uses bin/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-19000} INTERVAL=${INTERVAL:-1} WINDOW=${WINDOW:-30}
OUT=${OUT:-bench-results/keepalive} PORT=${PORT:-18090}
mkdir -p "$OUT"
if [ -z "${SKIP_BUILD:-}" ]; then
  CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter
  go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load
fi
export FECHATTER_JWT_SECRET FECHATTER_DATA_DIR=$OUT/data FECHATTER_ADDR=127.0.0.1:$PORT
FECHATTER_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
rm -rf "$FECHATTER_DATA_DIR"; unset DATABASE_URL NATS_URL
bin/fechatter seed -users "$USERS" -out "$OUT/seed.json" -workers 16 >/dev/null
FECHATTER_PING_INTERVAL=${INTERVAL}s FECHATTER_LOG_LEVEL=warn taskset -c 0 bin/fechatter serve 2>"$OUT/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$FECHATTER_DATA_DIR"' EXIT
metrics() { curl -sf "http://127.0.0.1:$PORT/metrics"; }
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.2; done
taskset -c 1 bin/fechatter-load -url "ws://127.0.0.1:$PORT/ws" -seed "$OUT/seed.json" -scenario idle -procs 2 -sources 2 \
  -duration $((WINDOW + 15))s -log-level warn >"$OUT/load.txt" 2>&1 &
load=$!
until [ "$(metrics | awk '$1 == "fechatter_connections" {print $2}')" = "$USERS" ]; do sleep 0.5; done
sleep 5
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
pings() { metrics | awk '/^fechatter_pings_total/ {s += $2} END {print s + 0}'; }
t0=$(cpu) p0=$(pings)
sleep "$WINDOW"
t1=$(cpu) p1=$(pings)
wait $load || true
python3 - "$t0" "$t1" "$p0" "$p1" "$(getconf CLK_TCK)" "$USERS" "$WINDOW" "$INTERVAL" <<'PY' | tee "$OUT/keepalive.txt"
import sys
t0, t1, p0, p1, hz, users, window, interval = map(float, sys.argv[1:])
cpu = (t1 - t0) / hz
nominal = users * window / interval
print(f"server CPU {cpu:.2f} s over {window:.0f} s ({cpu / window:.0%} of a core)")
print(f"per ping: {cpu / nominal * 1e6:.1f} µs nominal ({nominal:.0f}), " +
      (f"{cpu / (p1 - p0) * 1e6:.1f} µs counted ({p1 - p0:.0f})" if p1 > p0 else "not counted"))
PY
