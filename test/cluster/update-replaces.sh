#!/usr/bin/env bash
# Rewrites the replace block of go.mod from the .mod file the Go module proxy serves for the pinned
# k8s.io/kubernetes: every `k8s.io/X => ./staging/...` there becomes `k8s.io/X => k8s.io/X v0.<minor>.<patch>`.
set -euo pipefail
cd "$(dirname "$0")"
k8s=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' go.mod)
staging="v0.${k8s#v1.}"
gomod=$(go mod download -json "k8s.io/kubernetes@$k8s" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
{
  sed '/^\/\/ Staging modules/,$d' go.mod
  echo "// Staging modules: k8s.io/kubernetes requires them at v0.0.0 and replaces them with its own"
  echo "// ./staging tree, which a consumer cannot see. Derived by update-replaces.sh from the .mod file"
  echo "// the module proxy serves for k8s.io/kubernetes@$k8s."
  echo "replace ("
  grep -E '=> \./staging' "$gomod" | awk -v v="$staging" '{ print "\t" $1 " => " $1 " " v }'
  echo ")"
} > go.mod.new
mv go.mod.new go.mod
