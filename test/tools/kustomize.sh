#!/usr/bin/env bash
# Prints the path of a `kustomize` binary, building it once per machine from the Go module proxy when
# none is on PATH (kubectl's built-in `kubectl kustomize` is used by the tests when kubectl is there).
#
#   test/tools/kustomize.sh        # -> /root/.cache/kopf-ts/kustomize/v5.5.0/kustomize
#
# The version is pinned; a build takes 1-3 minutes on 2 cores, later calls return at once.
set -euo pipefail
version=v5.5.0
if command -v kustomize >/dev/null; then
  command -v kustomize
  exit 0
fi
cache="${KOPF_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kopf-ts}/kustomize/$version"
bin="$cache/kustomize"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "kustomize: neither kubectl nor kustomize nor Go is installed" >&2; exit 1; }
  echo "kustomize: building sigs.k8s.io/kustomize/kustomize/v5@$version into $cache" >&2
  start=$(date +%s)
  GOBIN="$cache" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" go install "sigs.k8s.io/kustomize/kustomize/v5@$version" >&2
  echo "kustomize: built in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
