#!/usr/bin/env bash
# Builds the test cluster binary once per machine and prints its path on stdout.
# The cache key is the hash of go.mod, go.sum and the Go sources, so any change rebuilds and an
# unchanged tree reuses the binary. Progress goes to stderr (a cold build takes 10-20 minutes on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
key=$(cat go.mod go.sum *.go | sha256sum | cut -c1-16)
cache="${KOPF_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kopf-ts}/kube-cluster/$key"
bin="$cache/kube-cluster"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
# Several test runs may start at once on a cold machine: one builds, the others wait for it.
exec 9>"$cache.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build.sh: Go is not installed (need Go >= 1.26 for k8s.io/kubernetes v1.36)" >&2; exit 1; }
k8s=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' go.mod)
minor=$(echo "$k8s" | cut -d. -f2)
ldflags="-s -w -X main.kubernetesVersion=$k8s"
ldflags="$ldflags -X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
echo "kube-cluster: building kube-apiserver $k8s + etcd + kube-controller-manager from Go modules into $cache" >&2
echo "kube-cluster: a cold build takes 10-20 minutes on 2 cores; later runs reuse it" >&2
start=$(date +%s)
go mod download >&2
echo "kube-cluster: modules downloaded after $(( $(date +%s) - start ))s; compiling..." >&2
# Print a heartbeat so long CI logs show the build is alive.
( while sleep 60; do echo "kube-cluster: still compiling ($(( $(date +%s) - start ))s)..." >&2; done ) &
beat=$!
# Kill the heartbeat's sleep too: it holds our stderr open and would keep a caller waiting.
trap 'pkill -P $beat 2>/dev/null; kill $beat 2>/dev/null || true' EXIT
go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" . >&2
mv "$bin.tmp" "$bin"
# Binaries of older keys are ~120 MB each and never used again.
find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 ! -name "$key" ! -name "$key.lock" -exec rm -rf {} +
echo "kube-cluster: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
