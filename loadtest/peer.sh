#!/usr/bin/env bash
# Measures the peer, Centrifugo v6.9.1 (memory engine, JSON over WebSocket), on the room rows
# of loadtest/bench.sh in the same way: the server pinned to CPU 0, peer-load pinned to CPU 1,
# /proc of the server for CPU and RSS. This machine's speed drifts by up to 2× between hours,
# so the figures compare only with Fechatter's measured next to them: with FECHATTER=sqlite or
# FECHATTER=postgres it runs Fechatter's same row right after each of the peer's.
#
#   loadtest/peer.sh                                   # every row, the peer alone
#   FECHATTER=sqlite loadtest/peer.sh room100x50 idle  # the peer, then Fechatter, per row
#
# Rows: idle room5000 room100x50 room1000 room19500. Results: ${OUT:-bench-results/peer}/
# peer-<row>.txt and, with FECHATTER, <backend>-<row>.txt. The peer is built once with
# `go install` into ${PEER_DIR:-$HOME/.cache/fechatter-peer} (for benchmarks only; nothing
# in Fechatter uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${*:-idle room5000 room100x50 room1000 room19500}
OUT=$(realpath -m "${OUT:-bench-results/peer}"); mkdir -p "$OUT"
PEER_DIR=${PEER_DIR:-$HOME/.cache/fechatter-peer} PORT=${PEER_PORT:-18000}
if [ ! -x "$PEER_DIR/centrifugo" ]; then
  (cd /tmp && GOBIN=$PEER_DIR go install github.com/centrifugal/centrifugo/v6@v6.9.1)
fi
go build -o bin/peer-load ./loadtest/cmd/peer-load
if [ -n "${FECHATTER:-}" ]; then
  CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter
  go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load
fi
export PEER_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$OUT/peer-config.json" <<EOF
{"http_server": {"address": "127.0.0.1", "port": $PORT},
 "log": {"level": "warn"}, "usage_stats": {"disabled": true}, "health": {"enabled": true},
 "client": {"token": {"hmac_secret_key": "$PEER_SECRET"}, "allowed_origins": ["*"]},
 "channel": {"without_namespace": {"allow_publish_for_subscriber": true}}}
EOF

peer_row() { # row name, then peer-load flags
  local name=$1; shift
  taskset -c 0 "$PEER_DIR/centrifugo" -c "$OUT/peer-config.json" 2>"$OUT/peer-$name.log" & local pid=$!
  until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.2; done
  taskset -c 1 bin/peer-load -url "ws://127.0.0.1:$PORT/connection/websocket" -server-pid $pid "$@" |
    tee "$OUT/peer-$name.txt" || echo "peer row $name failed" >&2
  kill $pid; wait $pid || true
}

for r in $rows; do
  case $r in
    idle)       peer_row idle       -scenario idle -users 19000 ;;
    room5000)   peer_row room5000   -users 5000  -members 5000  -rate 20  -duration 10s ;;
    room100x50) peer_row room100x50 -users 5000  -members 50    -rate 400 -duration 10s ;;
    room1000)   peer_row room1000   -users 1000  -members 1000  -rate 400 -duration 10s ;;
    room19500)  peer_row room19500  -users 19500 -members 19500 -rate 1   -duration 10s ;;
    *) echo "unknown row $r" >&2; exit 2 ;;
  esac
  if [ -n "${FECHATTER:-}" ]; then
    SKIP_BUILD=1 OUT=$OUT loadtest/bench.sh "$FECHATTER" "$r" >/dev/null 2>"$OUT/$FECHATTER-$r.err" || echo "fechatter row $r failed" >&2
    grep -E '^(connections|sends|deliveries|delivery latency|from accept|server rss|server cpu)' "$OUT/$FECHATTER-$r.txt" || true
  fi
done
