#!/usr/bin/env bash
# Helm for CI: built from its Go module once into /opt/fechatter-ci/bin (about 5 minutes cold
# on 2 idle cores; there is no Debian package), skipped when the pinned version is there
# (a marker file records it: a `go install`ed helm reports only "v3.22"). Prints helm's path.
set -euo pipefail
HELM_VERSION=v3.22.0
BIN=/opt/fechatter-ci/bin
if [ -x "$BIN/helm" ] && [ "$(cat "$BIN/.helm-version" 2>/dev/null)" = "$HELM_VERSION" ]; then
  echo "$BIN/helm"
  exit 0
fi
mkdir -p "$BIN"
GOBIN="$BIN" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
echo "$HELM_VERSION" > "$BIN/.helm-version"
echo "$BIN/helm"
