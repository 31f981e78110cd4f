#!/usr/bin/env bash
# ClickHouse 26.7 for the analytics tests: installs the pinned npm package that ships
# libchdb.so once into /opt/fechatter-ci/clickhouse, builds the repository's launcher
# (analytics/cmd/chlaunch, no cgo) and serves ClickHouse on 127.0.0.1:9000 (native) and
# 127.0.0.1:8123 (HTTP) unless something already listens there. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

CH_DIR=/opt/fechatter-ci/clickhouse
CH_PKG=@chdb/lib-linux-x64-gnu@26.7.3-stable.1
CH_LIB=$CH_DIR/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if up 9000 && up 8123; then
  exit 0
fi
mkdir -p "$CH_DIR"
if [ ! -f "$CH_LIB" ]; then
  npm install --no-audit --no-fund --prefix "$CH_DIR" "$CH_PKG"
fi
CGO_ENABLED=0 go build -o "$CH_DIR/chlaunch" ./analytics/cmd/chlaunch
nohup "$CH_DIR/chlaunch" -lib "$CH_LIB" -path "$CH_DIR/data" -tcp 9000 -http 8123 \
  >>"$CH_DIR/clickhouse.log" 2>&1 </dev/null &
for _ in $(seq 1 300); do
  if [ "$(curl -fsS 'http://127.0.0.1:8123/?query=SELECT%201' 2>/dev/null)" = 1 ]; then
    echo "ci: clickhouse $(curl -fsS 'http://127.0.0.1:8123/?query=SELECT%20version()') on 127.0.0.1:9000 and :8123"
    exit 0
  fi
  sleep 0.1
done
echo "ci: clickhouse did not answer on 127.0.0.1:8123 (see $CH_DIR/clickhouse.log)" >&2
exit 1
