#!/usr/bin/env bash
# Reproduces the scale-out row of docs/benchmarks.md (issue 12): NODES node processes on one
# machine sharing one PostgreSQL database, the NATS at 127.0.0.1:4222 and the Redis at
# 127.0.0.1:6379; USERS sockets spread over them by fechatter-load (connection k starts on
# node k mod NODES); a room scenario whose chats have members on every node; KILL_AFTER seconds
# after every socket is up one node is SIGKILLed, and its clients resume on the others
# (fechatter-load spreads them over the survivors). The generator's audit then checks that every acked message
# reached every member exactly once and in order, and -presence that every connected member is
# online in its chat's presence.
#
#   loadtest/scaleout.sh            # 7 nodes, 100,000 users in 2,000 chats × 50, 200 msg/s
#
# Env: NODES (7), USERS (100000), CHATS (2000), MEMBERS (50), RATE (200 msg/s), DURATION (60s),
# KILL_AFTER (20: seconds after every socket is connected; 0: no kill), VICTIM (node index, 3),
# PROCS (generator processes, 7), SOURCES (source addresses, 4), WORKERS (dials in flight per
# process, 8), OUT (bench-results/scaleout), PORT (first node's port, 18500), SKIP_BUILD=1 to
# use bin/ as it is.
# Nothing is pinned: the nodes, PostgreSQL, NATS, Redis and the generator share every core.
# Why 7 nodes and 7 generator processes: a process here may hold at most 20,000 descriptors
# (the hard RLIMIT_NOFILE, which root cannot raise in this container). 100,000 over 7 is 14,300
# a node; after a kill a survivor takes 1/6 of the victim's more: 16,700.
# Leaves <OUT>/scaleout.{json,txt}, the nodes' logs and <OUT>/scaleout.nodes: per node, at
# load, just before and 30 s after the kill and at the end, its sockets, RSS (and peak), CPU
# seconds and counters from /metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-7} USERS=${USERS:-100000} CHATS=${CHATS:-2000} MEMBERS=${MEMBERS:-50}
RATE=${RATE:-200} DURATION=${DURATION:-60s} KILL_AFTER=${KILL_AFTER:-20} VICTIM=${VICTIM:-3}
PROCS=${PROCS:-7} SOURCES=${SOURCES:-4} WORKERS=${WORKERS:-8} OUT=${OUT:-bench-results/scaleout} PORT=${PORT:-18500}
mkdir -p "$OUT"
if [ -z "${SKIP_BUILD:-}" ]; then
  CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter
  go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load
fi

db=fechatter_scaleout
psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" postgres
export FECHATTER_JWT_SECRET
FECHATTER_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
export NATS_URL=nats://127.0.0.1:4222 REDIS_URL=redis://127.0.0.1:6379/0
export FECHATTER_NATS_PREFIX=so$$ FECHATTER_REDIS_PREFIX=so$$: FECHATTER_LOG_LEVEL=warn
export FECHATTER_DATA_DIR=$OUT/data
rm -rf "$FECHATTER_DATA_DIR"
echo "seeding $USERS users, $CHATS chats × $MEMBERS" >&2
bin/fechatter seed -users "$USERS" -chats "$CHATS" -members "$MEMBERS" -out "$OUT/seed.json" -token-ttl 2h -workers 16

pids=() urls=""
for i in $(seq 0 $((NODES - 1))); do
  FECHATTER_ADDR=127.0.0.1:$((PORT + i)) bin/fechatter serve 2>"$OUT/node$i.log" &
  pids+=($!) urls+="${urls:+,}ws://127.0.0.1:$((PORT + i))/ws"
done
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
for i in $(seq 0 $((NODES - 1))); do
  until curl -sf "http://127.0.0.1:$((PORT + i))/readyz" >/dev/null; do sleep 0.2; done
done

metric() { # node index, metric name: its value (0 when the node is gone)
  curl -sf "http://127.0.0.1:$((PORT + $1))/metrics" 2>/dev/null | awk -v m="$2" '$1 == m {print $2; f=1} END {if (!f) print 0}'
}
nodes() { # label: one line per live node
  local tck; tck=$(getconf CLK_TCK)
  for i in "${!pids[@]}"; do
    local p=${pids[$i]}
    grep -qs '^State:[[:space:]]*[RSD]' "/proc/$p/status" || { echo "$1 node$i gone"; continue; }
    printf '%s node%d sockets %s rss_mb %s peak_mb %s cpu_s %s delivered %s replayed %s refusals %s\n' "$1" "$i" \
      "$(metric "$i" fechatter_connections)" \
      "$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$p/status")" \
      "$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$p/status")" \
      "$(awk -v t="$tck" '{printf "%.1f", ($14+$15)/t}' "/proc/$p/stat")" \
      "$(metric "$i" fechatter_events_delivered_total)" "$(metric "$i" fechatter_events_replayed_total)" \
      "$(curl -sf "http://127.0.0.1:$((PORT + i))/metrics" | awk '/^fechatter_overload_refusals_total/ {s += $2} END {print s + 0}')"
  done
}
sockets() { local n=0; for i in "${!pids[@]}"; do n=$((n + $(metric "$i" fechatter_connections))); done; echo $n; }

# The killer: once every socket is up, wait KILL_AFTER seconds and SIGKILL the victim.
(
  until [ "$(sockets)" -ge "$USERS" ]; do sleep 1; done
  nodes loaded
  if [ "$KILL_AFTER" -gt 0 ]; then
    sleep "$KILL_AFTER"
    nodes before-kill
    kill -9 "${pids[$VICTIM]}"
    echo "killed node$VICTIM (pid ${pids[$VICTIM]}) at $(date +%T)"
    sleep 30 # the victim's clients are back (and its presence swept: at most 20 s)
    nodes after-kill
  fi
) >"$OUT/scaleout.nodes" 2>&1 &
killer=$!

loss=; [ "$KILL_AFTER" -gt 0 ] && loss=-node-loss # the victim's dropped sockets are expected if all come back
bin/fechatter-load -url "$urls" -seed "$OUT/seed.json" -procs "$PROCS" -sources "$SOURCES" -connect-workers "$WORKERS" \
  -scenario room -rate "$RATE" -duration "$DURATION" -drain 60s -presence -label "postgres-${NODES}n" $loss \
  -json "$OUT/scaleout.json" -log-level warn | tee "$OUT/scaleout.txt" || echo "load failed" >&2
kill "$killer" 2>/dev/null || true # still waiting only if not every socket ever came up
nodes end >>"$OUT/scaleout.nodes"
cat "$OUT/scaleout.nodes"
