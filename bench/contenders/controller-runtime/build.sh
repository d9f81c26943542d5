#!/usr/bin/env bash
# Builds the controller-runtime reference controller once per machine and prints its path on stdout.
# Cached by the hash of go.mod, go.sum and the Go sources; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
key=$(cat go.mod go.sum *.go | sha256sum | cut -c1-16)
cache="${KOPF_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kopf-ts}/bench/controller-runtime/$key"
bin="$cache/bench-controller"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "controller-runtime: Go is not installed (need Go >= 1.26)" >&2; exit 1; }
echo "controller-runtime: building the reference controller into $cache (a cold build takes 1-3 minutes)" >&2
start=$(date +%s)
go mod download >&2
echo "controller-runtime: modules downloaded after $(( $(date +%s) - start ))s; compiling..." >&2
( while sleep 30; do echo "controller-runtime: still compiling ($(( $(date +%s) - start ))s)..." >&2; done ) &
beat=$!
trap 'pkill -P $beat 2>/dev/null; kill $beat 2>/dev/null || true' EXIT
go build -trimpath -ldflags "-s -w" -o "$bin.tmp" . >&2
mv "$bin.tmp" "$bin"
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 ! -name "$key" ! -name "$key.lock" -exec rm -rf {} +
echo "controller-runtime: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
