#!/usr/bin/env bash
# promtool for CI: taken from Debian's prometheus package without installing the server
# (apt-get download + dpkg -x into /opt/fechatter-ci/prometheus), once. Prints its path.
set -euo pipefail
DIR=/opt/fechatter-ci/prometheus
if [ -x "$DIR/usr/bin/promtool" ]; then
  echo "$DIR/usr/bin/promtool"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update -qq >&2
  apt-get download prometheus >&2
fi
mkdir -p "$DIR"
dpkg -x prometheus_*.deb "$DIR"
echo "$DIR/usr/bin/promtool"
