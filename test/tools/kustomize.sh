#!/usr/bin/env bash
# Prints the path of a `kustomize` binary: the one on PATH, else kustomize v5.5.0 (pinned by
# test/tools/kustomize/go.mod) built once per machine from the Go module proxy by the cached Go build of
# the test cluster. The tests use kubectl's built-in `kubectl kustomize` instead when kubectl is there.
set -euo pipefail
if command -v kustomize >/dev/null; then
  command -v kustomize
  exit 0
fi
cd "$(dirname "${BASH_SOURCE[0]}")/kustomize"
exec bash ../../cluster/go-build-cached.sh kustomize "-s -w" "kustomize v5.5.0 (1-3 minutes)" 30 \
  sigs.k8s.io/kustomize/kustomize/v5
