#!/usr/bin/env bash
# Builds the controller-runtime reference controller once per machine and prints its path on stdout,
# with the same cache as the test cluster (test/cluster/go-build-cached.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
GO_BUILD_CACHE_DIR=bench/controller-runtime exec "$here/../../../test/cluster/go-build-cached.sh" \
  bench-controller "-s -w" "the reference controller (a cold build takes 1-3 minutes)" 30
