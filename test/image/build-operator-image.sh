#!/usr/bin/env bash
# Build the image of a kopf-gen generated operator project from its own Dockerfile, daemonlessly (buildah).
#
#   test/image/build-operator-image.sh <generated-project-dir> [tag]
#
# tag defaults to localhost/<package.json name>:latest. Prints the image id on stdout (last line);
# progress and the image size go to stderr.
#
# The Dockerfile is used as kopf-gen wrote it. What this script adds around it, and why:
#   - the base image(s) of its FROM lines are made locally (make-base-image.sh) since no registry is
#     reachable here; the build never pulls (--pull never);
#   - `kopf-ts` is not published: this repository is `npm pack`ed (which runs its `prepare` build) from
#     a snapshot of the working tree, the tarball goes into <build context>/vendor/, the context's
#     package.json points `kopf-ts` at `file:./vendor/<tarball>` and its package-lock.json is refreshed
#     on the host. The Dockerfile copies only package.json and package-lock.json into the stage that runs
#     `npm ci`, so vendor/ is bind-mounted at /app/vendor for the RUN steps (buildah bud --volume), like a
#     registry would serve the package;
#   - npm in the build gets the host's registry and CA bundle (this machine reaches the npm registry
#     through a TLS-intercepting egress proxy) through a bind-mounted global npmrc, and a persistent npm
#     cache under ~/.cache/kopf-ts/image/npm-cache; none of it ends up in the image;
#   - runtime limits: this VM denies raising RLIMIT_NOFILE/RLIMIT_NPROC and its hybrid cgroups make crun
#     refuse to start containers, so the RUN steps use runc with limits at or below the host's.
# The build context is a temporary copy of the project (minus node_modules), so the project itself is not
# touched and builds can run side by side.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${KOPF_TS_IMAGE_CACHE:-$HOME/.cache/kopf-ts/image}
# shellcheck source-path=SCRIPTDIR
. "$HERE/common.sh"

log() { printf '[build-operator-image] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 <generated-project-dir> [tag]"
PROJECT=$(cd "$1" && pwd)
[ -f "$PROJECT/Dockerfile" ] || die "$PROJECT has no Dockerfile"
[ -f "$PROJECT/package.json" ] || die "$PROJECT has no package.json"
command -v npm >/dev/null || die "npm (Node 24) must be on PATH: export PATH=$REPO/node_modules/.bin:\$PATH"
NAME=$(node -p "require('$PROJECT/package.json').name")
TAG=${2:-localhost/$NAME:latest}
START=$(date +%s)

# 1. Base images: whatever the FROM lines name (stage names excluded).
mapfile -t BASES < <(awk '
  toupper($1) == "FROM" {
    image = ""; for (i = 2; i <= NF; i++) if ($i !~ /^--/) { image = $i; break }
    if (image != "" && !(image in stages)) print image
    for (i = 2; i < NF; i++) if (toupper($i) == "AS") stages[$(i + 1)] = 1
  }' "$PROJECT/Dockerfile" | sort -u)
[ ${#BASES[@]} -gt 0 ] || die "no FROM line in $PROJECT/Dockerfile"
log "base image(s): ${BASES[*]}"
"$HERE/make-base-image.sh" "${BASES[@]}"

# 2. kopf-ts as an npm tarball.
TGZ=$(pack_kopf_ts)
log "kopf-ts: $TGZ"

# 3. The build context.
mkdir -p "$CACHE/contexts"
CONTEXT=$(mktemp -d "$CACHE/contexts/$NAME.XXXXXX")
trap 'rm -rf "$CONTEXT"' EXIT
tar -C "$PROJECT" --exclude=./node_modules --exclude=./vendor -cf - . | tar -C "$CONTEXT" -xf -
mkdir "$CONTEXT/vendor"
cp "$TGZ" "$CONTEXT/vendor/"
SPEC=file:./vendor/$(basename "$TGZ")
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const fs = require("node:fs");
  const [file, spec] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!pkg.dependencies?.["kopf-ts"]) throw new Error(`${file} does not depend on kopf-ts`);
  pkg.dependencies["kopf-ts"] = spec;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$CONTEXT/package.json" "$SPEC"
log "refreshing package-lock.json in the build context (kopf-ts -> $SPEC)"
(cd "$CONTEXT" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

# 4. npm configuration for the RUN steps (mounted, not copied).
AUX=$CACHE/build-aux
mkdir -p "$AUX" "$CACHE/npm-cache"
REGISTRY=$(npm config get registry)
CA_BUNDLE=${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
{
  echo "registry=$REGISTRY"
  echo "cache=/var/cache/kopf-ts-npm"
  echo "fund=false"
  echo "audit=false"
  echo "update-notifier=false"
  [ -f "$CA_BUNDLE" ] && echo "cafile=/usr/local/etc/kopf-ts-build-ca.crt"
} >"$AUX/npmrc"
VOLUMES=(
  --volume "$CONTEXT/vendor:/app/vendor:ro"
  --volume "$AUX/npmrc:/usr/local/etc/npmrc:ro"
  --volume "$CACHE/npm-cache:/var/cache/kopf-ts-npm"
)
[ -f "$CA_BUNDLE" ] && VOLUMES+=(--volume "$CA_BUNDLE:/usr/local/etc/kopf-ts-build-ca.crt:ro")

# 5. Build.
OLD_ID=$(podman image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)
log "buildah bud -t $TAG ($PROJECT/Dockerfile)"
BUILD_START=$(date +%s)
buildah bud \
  --file "$CONTEXT/Dockerfile" \
  --tag "$TAG" \
  --pull=never \
  --layers \
  --network host \
  "${RUNTIME_ARGS[@]}" \
  "${VOLUMES[@]}" \
  "$CONTEXT" >&2
BUILD_SECONDS=$(($(date +%s) - BUILD_START))

ID=$(podman image inspect --format '{{.Id}}' "$TAG")
# Keep the storage bounded: the image this tag had before, and build leftovers older than half an hour
# (the newer ones are the layer cache of builds that may be running right now).
if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$ID" ]; then podman rmi "$OLD_ID" >/dev/null 2>&1 || true; fi
podman image prune -f --filter until=30m >/dev/null 2>&1 || true
SIZE=$(podman image inspect --format '{{.Size}}' "$TAG")
log "built $TAG: $(numfmt --to=iec --suffix=B "$SIZE") ($SIZE bytes); buildah bud $BUILD_SECONDS s, all $(($(date +%s) - START)) s"
echo "$ID"
