#!/usr/bin/env bash
# Reproduces the past-capacity table of docs/benchmarks.md (issue 19): the node's capacity with
# admission off, then the overload scenario at a factor of it, with a fresh store per run. The
# nodes are pinned to CPU 0 and the generator to CPU 1 (PostgreSQL, NATS and Redis float).
#
#   loadtest/overload.sh capacity sqlite|postgres-3n RATE...            # room, admission off
#   loadtest/overload.sh run      sqlite|postgres-3n CAPACITY FACTOR    # the overload scenario
#
# sqlite is the embedded default (one node, SQLite + in-process NATS); postgres-3n is three nodes
# on one PostgreSQL database, the NATS at 127.0.0.1:4222 and the Redis at 127.0.0.1:6379.
# CPU_QUOTA=50 caps the nodes together at 50 % of one core (a cgroup v1 CFS quota, as a container
# CPU limit of 500m does), so that the node, not the generator, is what runs out: one generator
# core receives about 35,000 deliveries/s, about what one whole server core sends.
# Env: DURATION (run: 300s, capacity: 60s), DRAIN (60s), USERS/CHATS/MEMBERS (2000/20/100),
# OUT (bench-results/overload), PORT (18420), SKIP_BUILD=1 to use bin/ as it is.
# Each run leaves <OUT>/<backend>-<what>.{json,txt} and the nodes' logs, CPU seconds and peak
# RSS (from /proc, per node) in <OUT>/<backend>-<what>.nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?capacity or run}; backend=${2:?sqlite or postgres-3n}; shift 2
OUT=${OUT:-bench-results/overload}; mkdir -p "$OUT"
PORT=${PORT:-18420}
USERS=${USERS:-2000} CHATS=${CHATS:-20} MEMBERS=${MEMBERS:-100} DRAIN=${DRAIN:-60s}
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
if [ -z "${SKIP_BUILD:-}" ]; then
  CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter
  go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load
fi
case $backend in sqlite) nodes=1 ;; postgres-3n) nodes=3 ;; *) echo "unknown backend $backend" >&2; exit 2 ;; esac

cg=""
if [ -n "${CPU_QUOTA:-}" ]; then
  cg=/sys/fs/cgroup/cpu/fechatter-overload
  mkdir -p "$cg"; echo 100000 >"$cg/cpu.cfs_period_us"; echo $((CPU_QUOTA * 1000)) >"$cg/cpu.cfs_quota_us"
fi
serve() { # a node: into the quota's cgroup first, when there is one (exec: $! is the node's PID)
  if [ -n "$cg" ]; then exec sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' _ "$cg" "$@"; else exec "$@"; fi
}

pids=()
start() { # name, then env for the nodes (e.g. FECHATTER_OVERLOAD_BUDGET=0)
  local name=$1; shift
  export FECHATTER_JWT_SECRET=$SECRET FECHATTER_DATA_DIR=$OUT/data-$backend-$name
  rm -rf "$FECHATTER_DATA_DIR"; unset DATABASE_URL NATS_URL REDIS_URL
  if [ "$backend" = postgres-3n ]; then
    psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS fechatter_overload WITH (FORCE)" \
      -c "CREATE DATABASE fechatter_overload" postgres
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/fechatter_overload?sslmode=disable"
    export NATS_URL=nats://127.0.0.1:4222 REDIS_URL=redis://127.0.0.1:6379/0
    export FECHATTER_NATS_PREFIX=ov$$ FECHATTER_REDIS_PREFIX=ov$$:
  fi
  bin/fechatter seed -users "$USERS" -chats "$CHATS" -members "$MEMBERS" -out "$OUT/seed-$backend-$name.json" \
    -token-ttl 2h -workers 16
  pids=(); urls=""
  for i in $(seq 0 $((nodes - 1))); do
    serve env "$@" FECHATTER_ADDR=127.0.0.1:$((PORT + i)) FECHATTER_LOG_LEVEL=warn taskset -c 0 bin/fechatter serve \
      2>"$OUT/$backend-$name.node$i.log" &
    pids+=($!); urls+="${urls:+,}ws://127.0.0.1:$((PORT + i))/ws"
  done
  for i in $(seq 0 $((nodes - 1))); do
    until curl -sf "http://127.0.0.1:$((PORT + i))/readyz" >/dev/null; do sleep 0.2; done
  done
}

stop() { # name: per node CPU seconds, peak RSS and the disconnect/refusal counters, then stop
  local name=$1 tck; tck=$(getconf CLK_TCK)
  for i in "${!pids[@]}"; do
    local p=${pids[$i]}
    awk -v t="$tck" -v n="$i" '{printf "node%s cpu_s %.1f ", n, ($14+$15)/t}' "/proc/$p/stat"
    awk '/VmHWM/ {printf "rss_peak_mb %.0f\n", $2/1024}' "/proc/$p/status"
    curl -s "http://127.0.0.1:$((PORT + i))/metrics" |
      grep -E '^fechatter_(server_disconnects|overload_refusals|nats_disconnects|nats_slow_consumer|publish_failures|slow_consumer_closes|socket_queue_seconds|send_batch_seconds|admission_cuts|events_replayed|resyncs)' || true
  done | tee "$OUT/$backend-$name.nodes"
  kill "${pids[@]}"; wait "${pids[@]}" || true
  rm -rf "$FECHATTER_DATA_DIR"
}

load() { # name, then fechatter-load flags
  local name=$1; shift
  local probe=(); [ "$nodes" = 1 ] && probe=(-server-pid "${pids[0]}")
  taskset -c 1 bin/fechatter-load -url "$urls" -seed "$OUT/seed-$backend-$name.json" "${probe[@]}" -label "$backend" \
    -json "$OUT/$backend-$name.json" -log-level warn "$@" | tee "$OUT/$backend-$name.txt" || echo "run $name failed" >&2
}

case $mode in
  capacity)
    for rate in "$@"; do
      start "cap$rate" FECHATTER_OVERLOAD_BUDGET=0
      load "cap$rate" -scenario room -rate "$rate" -duration "${DURATION:-60s}" -drain "$DRAIN"
      stop "cap$rate"
    done ;;
  run)
    capacity=${1:?capacity (sends/s)} factor=${2:?factor}
    start "x$factor"
    load "x$factor" -scenario overload -capacity "$capacity" -factor "$factor" -duration "${DURATION:-300s}" -drain "$DRAIN"
    stop "x$factor" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
