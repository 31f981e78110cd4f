#!/usr/bin/env bash
# A reconnect storm (docs/benchmarks.md, "Replays take turns"): the churn scenario at a high
# reconnect rate against one node pinned to CPU 0, the generator on CPU 1, a fresh store.
#
#   loadtest/storm.sh [sqlite|postgres] [RECONNECTS_PER_S] [REPLAY_CONCURRENCY]
#
# Defaults: sqlite, 300 reconnects/s, the node's default replay concurrency. 5,000 users in
# 50 chats × 100 members, 150 msg/s for 30 s, drain 30 s. Leaves <OUT>/<backend>-storm.{json,txt}
# with the node's replay, resync and refusal counters appended. Env: OUT (bench-results/storm),
# PORT (18090), SKIP_BUILD=1 to use bin/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite} churn=${2:-300} rc=${3:-}
OUT=${OUT:-bench-results/storm}; mkdir -p "$OUT"
PORT=${PORT:-18090}
if [ -z "${SKIP_BUILD:-}" ]; then
  CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter
  go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load
fi
export FECHATTER_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FECHATTER_DATA_DIR=$OUT/data FECHATTER_ADDR=127.0.0.1:$PORT
rm -rf "$FECHATTER_DATA_DIR"; unset DATABASE_URL NATS_URL
if [ "$backend" = postgres ]; then
  psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS fechatter_storm WITH (FORCE)" -c "CREATE DATABASE fechatter_storm" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/fechatter_storm?sslmode=disable" NATS_URL=nats://127.0.0.1:4222
fi
[ -n "$rc" ] && export FECHATTER_REPLAY_CONCURRENCY=$rc
bin/fechatter seed -users 5000 -chats 50 -members 100 -out "$OUT/seed.json" -workers 16 >/dev/null
FECHATTER_LOG_LEVEL=warn taskset -c 0 bin/fechatter serve 2>"$OUT/$backend-storm.node.log" & pid=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.2; done
taskset -c 1 bin/fechatter-load -url "ws://127.0.0.1:$PORT/ws" -seed "$OUT/seed.json" -server-pid $pid \
  -label "$backend churn $churn/s replay ${rc:-default}" -json "$OUT/$backend-storm.json" -log-level warn \
  -scenario churn -rate 150 -churn-rate "$churn" -duration 30s -drain 30s | tee "$OUT/$backend-storm.txt" || true
curl -s "http://127.0.0.1:$PORT/metrics" |
  grep -E '^fechatter_(events_replayed|resyncs|replays_waiting|overload_refusals|rate_limited|server_disconnects)' | tee -a "$OUT/$backend-storm.txt" || true
kill $pid; wait $pid || true
[ "$backend" = postgres ] && psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS fechatter_storm WITH (FORCE)" postgres
rm -rf "$FECHATTER_DATA_DIR"
