#!/usr/bin/env bash
# Builds the Go main package in the current directory once per machine and prints the binary's path.
#
#   go-build-cached.sh NAME LDFLAGS DESCRIPTION HEARTBEAT_SECONDS [PACKAGE]
#
# PACKAGE (default: the current directory's) may be a main package of a dependency that go.mod pins.
# The cache key is the hash of go.mod, go.sum and the Go sources, so any change rebuilds and an
# unchanged tree reuses the binary (under $KOPF_TS_CACHE or ~/.cache/kopf-ts/<cache dir>/<key>/NAME).
# Concurrent callers on a cold machine wait for one build (flock). Progress goes to stderr.
set -euo pipefail
name=$1 ldflags=$2 description=$3 heartbeat=$4 package=${5:-.}
cache_dir=${GO_BUILD_CACHE_DIR:-$name}
key=$(cat go.mod go.sum *.go | sha256sum | cut -c1-16)
cache="${KOPF_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kopf-ts}/$cache_dir/$key"
bin="$cache/$name"
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
command -v go >/dev/null || { echo "$name: Go is not installed (need Go >= 1.26)" >&2; exit 1; }
echo "$name: building $description into $cache" >&2
start=$(date +%s)
go mod download >&2
echo "$name: modules downloaded after $(( $(date +%s) - start ))s; compiling..." >&2
# A heartbeat, so long CI logs show the build is alive.
( while sleep "$heartbeat"; do echo "$name: still compiling ($(( $(date +%s) - start ))s)..." >&2; done ) &
beat=$!
# Kill the heartbeat's sleep too: it holds our stderr open and would keep a caller waiting.
trap 'pkill -P $beat 2>/dev/null; kill $beat 2>/dev/null || true' EXIT
go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" "$package" >&2
mv "$bin.tmp" "$bin"
# Binaries of older keys are never used again (the test cluster's are ~120 MB each).
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 ! -name "$key" ! -name "$key.lock" -exec rm -rf {} +
echo "$name: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
