#!/usr/bin/env bash
# Helm for CI: built from its Go module once into /opt/fechatter-ci/bin (about 5 minutes cold
# on 2 cores; there is no Debian package), skipped when the pinned version is already there.
# Prints the path of the helm binary.
set -euo pipefail
HELM_VERSION=v3.22.0
BIN=/opt/fechatter-ci/bin
if [ -x "$BIN/helm" ] && "$BIN/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
  echo "$BIN/helm"
  exit 0
fi
mkdir -p "$BIN"
GOBIN="$BIN" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
echo "$BIN/helm"
