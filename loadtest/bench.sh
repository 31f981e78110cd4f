#!/usr/bin/env bash
# Reproduces every row of docs/benchmarks.md on one machine: for each row it starts a fresh
# server pinned to CPU 0, seeds it, runs fechatter-load pinned to CPU 1 and keeps the JSON.
#
#   loadtest/bench.sh sqlite   [row...]   # embedded default: SQLite + in-process NATS
#   loadtest/bench.sh postgres [row...]   # fresh PostgreSQL database + NATS at 127.0.0.1:4222
#
# Rows: idle room5000 room100x50 room1000 room19500 send1k send2500 send5000 send10000 churn
# Results go to ${OUT:-bench-results}/<backend>-<row>.json; plots to docs/ with `plot`.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:?sqlite or postgres}; shift
rows=${*:-idle room5000 room100x50 room1000 room19500 send1k send2500 send5000 send10000 churn}
OUT=${OUT:-bench-results}; mkdir -p "$OUT"
PORT=${PORT:-18080}
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
if [ -z "${SKIP_BUILD:-}" ]; then # SKIP_BUILD=1 uses bin/ as it is
  CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter
  go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load
fi

env_for() { # the store and NATS of one row
  export FECHATTER_JWT_SECRET=$SECRET FECHATTER_DATA_DIR=$OUT/data-$backend-$1 FECHATTER_ADDR=127.0.0.1:$PORT
  rm -rf "$FECHATTER_DATA_DIR"; unset DATABASE_URL NATS_URL
  if [ "$backend" = postgres ]; then
    db=fechatter_bench_$1
    psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" postgres
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db?sslmode=disable NATS_URL=nats://127.0.0.1:4222
  fi
}

row() { # row name, seed flags, then load flags
  local name=$1 seed=$2; shift 2
  env_for "$name"
  bin/fechatter seed $seed -out "$OUT/seed-$name.json" -workers 16
  FECHATTER_LOG_LEVEL=warn taskset -c 0 bin/fechatter serve 2>"$OUT/server-$backend-$name.log" & local pid=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.2; done
  taskset -c 1 bin/fechatter-load -url "ws://127.0.0.1:$PORT/ws" -seed "$OUT/seed-$name.json" -server-pid $pid \
    -label "$backend" -json "$OUT/$backend-$name.json" -log-level warn "$@" | tee "$OUT/$backend-$name.txt" ||
    echo "row $name failed" >&2
  # The node's own view: frames per event, and why it refused or cut its cap (a row that tips
  # over past its budget shows which clock made the node late).
  curl -sf "http://127.0.0.1:$PORT/metrics" | awk '
    /^fechatter_frames_written_total/ {f=$2} /^fechatter_events_delivered_total/ {e=$2}
    /^fechatter_overload_refusals_total\{/ {sub(/.*what="/, "", $1); w=$1; sub(/".*/, "", w); sub(/.*why="/, "", $1); sub(/".*/, "", $1); r = r sprintf(" %s/%s %d", w, $1, $2)}
    /^fechatter_admission_cuts_total\{/ {sub(/.*clock="/, "", $1); sub(/".*/, "", $1); c = c sprintf(" %s %d", $1, $2)}
    END {if (f > 0) printf "frames            %d written for %d events: %.2f events per frame\n", f, e, e/f
         printf "node refusals    %s\n", r == "" ? " none" : r
         printf "cap cuts by clock%s\n", c == "" ? " none" : c}' | tee -a "$OUT/$backend-$name.txt"
  kill $pid; wait $pid || true
  [ "$backend" = postgres ] && psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS fechatter_bench_$name WITH (FORCE)" postgres
  rm -rf "$FECHATTER_DATA_DIR"
}

for r in $rows; do case $r in
  idle)       row idle       "-users 19000"                          -scenario idle -procs 2 -sources 2 -duration 10s ;;
  room5000)   row room5000   "-users 5000 -chats 1 -members 5000"    -scenario room -rate 20 -duration 10s ;;
  room100x50) row room100x50 "-users 5000 -chats 100 -members 50"    -scenario room -rate 400 -duration 10s ;;
  room1000)   row room1000   "-users 1000 -chats 1 -members 1000"    -scenario room -rate 400 -duration 10s ;;
  room19500)  row room19500  "-users 19500 -chats 1 -members 19500"  -scenario room -rate 1 -duration 10s -procs 2 -sources 2 ;;
  send1k)     row send1k     "-users 4000 -chats 2000 -members 2"    -scenario send -rate 1000 -duration 10s ;;
  send2500)   row send2500   "-users 4000 -chats 2000 -members 2"    -scenario send -rate 2500 -duration 10s ;;
  send5000)   row send5000   "-users 4000 -chats 2000 -members 2"    -scenario send -rate 5000 -duration 10s ;;
  send10000)  row send10000  "-users 4000 -chats 2000 -members 2"    -scenario send -rate 10000 -duration 10s ;;
  churn)      row churn      "-users 5000 -chats 50 -members 100"    -scenario churn -rate 250 -churn-rate 200 -duration 15s ;;
  *) echo "unknown row $r" >&2; exit 2 ;;
esac; done
