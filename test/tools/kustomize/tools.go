//go:build tools

// Package tools pins the kustomize CLI that test/tools/kustomize.sh builds (never compiled itself).
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
