#!/usr/bin/env bash
# Compares two builds row by row, back to back: this machine's speed drifts by up to 2× within
# an hour, so only runs made next to each other compare. For each row of loadtest/bench.sh it
# runs the row on OLD, then on NEW (the order alternating from row to row), with the same
# generator (NEW's fechatter-load), the same rows (this checkout's bench.sh) and, with
# PROFILE=1, a CPU profile of the server taken while the row's sends run (the first seconds of
# its connects for idle).
#
#   loadtest/compare.sh a2bf49f HEAD sqlite                 # every row
#   loadtest/compare.sh a2bf49f HEAD postgres send5000 churn
#
# Results: ${OUT:-bench-results/compare}/<rev>/<backend>-<row>.{txt,json}, profiles next to
# them as <backend>-<row>.pprof, and a side-by-side summary on stdout. Builds live in git
# worktrees under ${WORK:-/tmp/fechatter-compare}; a worktree already holding the build of a
# commit is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(git rev-parse --short "${1:?old revision}") new=$(git rev-parse --short "${2:?new revision}")
backend=${3:?sqlite or postgres}; shift 3
rows=${*:-idle room5000 room100x50 room1000 room19500 send1k send2500 send5000 send10000 churn}
OUT=$(realpath -m "${OUT:-bench-results/compare}") WORK=${WORK:-/tmp/fechatter-compare}
DEBUG=127.0.0.1:${DEBUG_PORT:-6061}

build() { # revision: a worktree with bin/fechatter built from it
  local dir=$WORK/$1
  if [ ! -x "$dir/bin/fechatter" ]; then
    git worktree add -f --detach "$dir" "$1" >/dev/null 2>&1 || git -C "$dir" checkout -q --detach "$1"
    (cd "$dir" && CGO_ENABLED=0 go build -trimpath -o bin/fechatter ./cmd/fechatter)
  fi
}
build "$old"; build "$new"
(cd "$WORK/$new" && go build -o bin/fechatter-load ./loadtest/cmd/fechatter-load)
[ "$old" = "$new" ] || cp "$WORK/$new/bin/fechatter-load" "$WORK/$old/bin/fechatter-load"

run() { # revision, row
  local out=$OUT/$1 log=$OUT/$1/$backend-$2.log
  mkdir -p "$out"
  cp loadtest/bench.sh "$WORK/$1/loadtest/bench.sh" # this checkout's rows and report, for both builds
  (cd "$WORK/$1" && SKIP_BUILD=1 OUT=$out FECHATTER_DEBUG_ADDR=$DEBUG loadtest/bench.sh "$backend" "$2" >"$log" 2>&1) &
  local pid=$! pattern='sends [1-9]' secs=5
  [ "$2" = idle ] && pattern='1s conns' secs=3
  if [ -n "${PROFILE:-}" ]; then
    until grep -qE "$pattern" "$log" 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 0.1; done
    curl -sf -o "$out/$backend-$2.pprof" "http://$DEBUG/debug/pprof/profile?seconds=$secs" || true
  fi
  wait $pid || echo "row $2 on $1 failed (see $log)" >&2
}

i=0
for row in $rows; do
  if [ $((i % 2)) = 0 ]; then run "$old" "$row"; run "$new" "$row"; else run "$new" "$row"; run "$old" "$row"; fi
  i=$((i + 1))
  for rev in "$old" "$new"; do
    echo "== $backend $row $rev"
    grep -E '^(connections|sends|ack latency|deliveries|from accept|push-back|server rss|server cpu|frames|node refusals|cap cuts|consistency)' \
      "$OUT/$rev/$backend-$row.txt" 2>/dev/null || echo "(no result)"
  done
done
