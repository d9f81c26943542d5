#!/usr/bin/env bash
# Builds the test cluster binary once per machine and prints its path on stdout (a cold build takes
# 6-20 minutes on 2 cores; see go-build-cached.sh for the cache). The version is stamped so that
# /version reports the pinned Kubernetes release.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
k8s=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' go.mod)
minor=$(echo "$k8s" | cut -d. -f2)
ldflags="-s -w -X main.kubernetesVersion=$k8s"
ldflags="$ldflags -X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
exec ./go-build-cached.sh kube-cluster "$ldflags" \
  "kube-apiserver $k8s + etcd + kube-controller-manager from Go modules (cold: 6-20 minutes on 2 cores)" 60
