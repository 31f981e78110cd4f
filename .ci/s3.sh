#!/usr/bin/env bash
# S3-compatible storage for the tests: versitygw (Apache-2.0) serving a local directory on
# 127.0.0.1:7070, root credentials fechatter-ci / fechatter-ci-secret-key (see
# internal/fechattertest/s3.go). Installed once into /opt/fechatter-ci/s3; idempotent.
set -euo pipefail
dir=/opt/fechatter-ci/s3
bin=$dir/bin/versitygw
if [ ! -x "$bin" ]; then
  mkdir -p "$dir/bin"
  GOBIN="$dir/bin" GOFLAGS=-mod=mod go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
up() { (exec 3<>/dev/tcp/127.0.0.1/7070) 2>/dev/null; }
if ! up; then
  mkdir -p "$dir/data"
  ROOT_ACCESS_KEY=fechatter-ci ROOT_SECRET_KEY=fechatter-ci-secret-key \
    nohup "$bin" --port 127.0.0.1:7070 posix "$dir/data" >"$dir/versitygw.log" 2>&1 &
fi
for _ in $(seq 1 100); do
  if up; then exit 0; fi
  sleep 0.1
done
echo "ci: versitygw did not come up on 127.0.0.1:7070 (see $dir/versitygw.log)" >&2
exit 1
