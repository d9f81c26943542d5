# shellcheck shell=bash
# Shared by the image scripts (sourced). Needs REPO and CACHE set, and log/die defined.

# Container runtime arguments for buildah bud and podman run on this kind of machine:
#   - crun 1.8 refuses to start anything under hybrid cgroups ("cgroups in hybrid mode not supported,
#     drop all controllers from cgroupv2": the v2 hierarchy still has hugetlb); runc 1.1 does not mind;
#   - without CAP_SYS_RESOURCE, rlimits cannot be raised above the hard limits we run under, and
#     podman's default (nofile 1048576) is above them: "setrlimit `RLIMIT_NOFILE`: Operation not permitted".
# KOPF_TS_OCI_RUNTIME overrides the runtime (e.g. crun on a cgroup v2-only host).
oci_runtime() {
  if [ -n "${KOPF_TS_OCI_RUNTIME:-}" ]; then
    printf '%s\n' "$KOPF_TS_OCI_RUNTIME"
  elif command -v runc >/dev/null; then
    printf 'runc\n'
  else
    printf 'crun\n'
  fi
}
NOFILE_LIMIT=$(ulimit -Hn)
[ "$NOFILE_LIMIT" = unlimited ] && NOFILE_LIMIT=1048576
[ "$NOFILE_LIMIT" -gt 1048576 ] && NOFILE_LIMIT=1048576
NPROC_LIMIT=$(ulimit -Hu)
[ "$NPROC_LIMIT" = unlimited ] && NPROC_LIMIT=32768
[ "$NPROC_LIMIT" -gt 32768 ] && NPROC_LIMIT=32768
# shellcheck disable=SC2034 # used by the scripts that source this file
# For `buildah bud` (which takes a runtime path) and `podman run`/`create` (which take a name or path).
RUNTIME_ARGS=(--runtime "$(command -v "$(oci_runtime)")" --ulimit "nofile=$NOFILE_LIMIT:$NOFILE_LIMIT" --ulimit "nproc=$NPROC_LIMIT:$NPROC_LIMIT")

# `npm pack` this repository from a snapshot of its working tree (tracked and untracked, not ignored,
# files), cached by the snapshot's content hash. Prints the tarball's path.
# The `prepare` build is run here rather than by npm pack so that type errors of work in progress
# elsewhere in the tree do not stop the image build: tsc emits anyway, and the errors are shown.
# KOPF_TS_TGZ=<path> uses a given tarball instead.
pack_kopf_ts() {
  if [ -n "${KOPF_TS_TGZ:-}" ]; then
    [ -f "$KOPF_TS_TGZ" ] || die "KOPF_TS_TGZ=$KOPF_TS_TGZ does not exist"
    printf '%s\n' "$KOPF_TS_TGZ"
    return
  fi
  local files key dir packed tmp
  # What goes into the package: the sources `tsc -p tsconfig.build.json` compiles, the package's own
  # files, and test/cluster/* (listed in package.json `files`: the test kit's API server sources).
  files=$(cd "$REPO" && git ls-files -co --exclude-standard |
    grep -v -E '^(test|bench|examples|crds|scripts)/' |
    cat - <(printf '%s\n' test/cluster/go.mod test/cluster/go.sum test/cluster/*.go test/cluster/*.sh) |
    while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done | sort -u)
  key=$(cd "$REPO" && printf '%s\n' "$files" | xargs -d '\n' sha256sum | sha256sum | cut -c1-16)
  dir=$CACHE/kopf-ts-pack/$key
  packed=("$dir"/kopf-ts-*.tgz)
  if [ -f "${packed[0]}" ]; then
    touch "$dir"
    printf '%s\n' "${packed[0]}"
    return
  fi
  # Older snapshots go after an hour (a build running in parallel may still be copying one).
  mkdir -p "$CACHE/kopf-ts-pack"
  find "$CACHE/kopf-ts-pack" -mindepth 1 -maxdepth 1 -mmin +60 -exec rm -rf {} +
  tmp=$(mktemp -d "$CACHE/kopf-ts-pack/.tmp.XXXXXX")
  mkdir "$tmp/src"
  (cd "$REPO" && printf '%s\n' "$files" | tar -cf - --verbatim-files-from -T -) | tar -C "$tmp/src" -xf -
  ln -s "$REPO/node_modules" "$tmp/src/node_modules"
  log "building kopf-ts (tsc -p tsconfig.build.json) in a snapshot of the working tree"
  if ! (cd "$tmp/src" && node_modules/.bin/tsc -p tsconfig.build.json >"$tmp/tsc.log" 2>&1); then
    log "warning: tsc reported errors (work in progress elsewhere?); packing what it emitted:"
    head -n 20 "$tmp/tsc.log" | sed 's/^/    /' >&2
  fi
  [ -f "$tmp/src/dist/runtime/index.js" ] || die "tsc emitted no dist/runtime/index.js (see $tmp/tsc.log)"
  (cd "$tmp/src" && npm pack --ignore-scripts --silent --pack-destination "$tmp" >/dev/null)
  rm -rf "$tmp/src"
  # Another build may have made the same snapshot meanwhile: either is fine.
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  packed=("$dir"/kopf-ts-*.tgz)
  [ -f "${packed[0]}" ] || die "npm pack wrote no kopf-ts-*.tgz into $dir"
  printf '%s\n' "${packed[0]}"
}
