#!/usr/bin/env bash
# Run an operator image the way a Pod of the generated deploy/deployment.yaml runs it, against an API
# server reachable from this host, with a ServiceAccount token mounted where Kubernetes mounts it.
#
#   test/image/run-operator-image.sh [--mode auto|container|chroot] [--name NAME] [--label KEY=VALUE]... \
#       [--liveness-port PORT] <image> <serviceaccount-dir> <apiserver-url> [ARG...]
#
# <serviceaccount-dir> holds `token`, `ca.crt` and `namespace`; it is mounted read-only at
# /var/run/secrets/kubernetes.io/serviceaccount. KUBERNETES_SERVICE_HOST/PORT are set from
# <apiserver-url>, as the kubelet sets them, so the operator finds the cluster by its in-cluster config.
# ARGs are appended to the image's entry point, as a Deployment's `args` are (e.g. --namespace NS).
# --liveness-port serves the entry point's `--liveness` URL on another port: the operator shares the
# host's network (it reaches the API server on the host's loopback), where the image's port (8080) may
# be taken, e.g. by another test run. The ARGs stay as given.
# --label marks the container (container mode) and is exported to the operator's environment as
# KOPF_TS_RUN_LABEL_<KEY>=<VALUE> (both modes), so that leftovers of an interrupted run can be found.
#
# Modes:
#   container  podman run: host network, the image's user, read-only root file system without any tmpfs,
#              all capabilities dropped, no-new-privileges (the Deployment's securityContext);
#   chroot     the image's file system (buildah from + mount), in a private mount namespace, made
#              read-only, with /proc, /dev and the token directory mounted, entered with chroot as the
#              image's user, with the image's environment and working directory;
#   auto       (default) container if a trivial container starts here, else chroot; says which and why.
# The first line on stderr is `[run-operator-image] mode: <container|chroot>`. Runs in the foreground
# until the operator exits; SIGTERM/SIGINT are passed on to it (podman's sig-proxy, or kill).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${KOPF_TS_IMAGE_CACHE:-$HOME/.cache/kopf-ts/image}
# shellcheck source-path=SCRIPTDIR
. "$HERE/common.sh"

log() { printf '[run-operator-image] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

MODE=auto
NAME=kopf-ts-operator-$$
LABELS=()
LIVENESS_PORT=
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE=$2; shift 2 ;;
    --mode=*) MODE=${1#--mode=}; shift ;;
    --name) NAME=$2; shift 2 ;;
    --name=*) NAME=${1#--name=}; shift ;;
    --label) LABELS+=("$2"); shift 2 ;;
    --label=*) LABELS+=("${1#--label=}"); shift ;;
    --liveness-port) LIVENESS_PORT=$2; shift 2 ;;
    --liveness-port=*) LIVENESS_PORT=${1#--liveness-port=}; shift ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 3 ] || die "usage: $0 [--mode auto|container|chroot] [--name NAME] [--label KEY=VALUE]... [--liveness-port PORT] <image> <serviceaccount-dir> <apiserver-url> [ARG...]"
[ -z "$LIVENESS_PORT" ] || [[ "$LIVENESS_PORT" =~ ^[0-9]+$ ]] || die "--liveness-port must be a port number, not $LIVENESS_PORT"
IMAGE=$1
SA_DIR=$(cd "$2" && pwd)
URL=$3
shift 3
for f in token ca.crt namespace; do [ -f "$SA_DIR/$f" ] || die "$SA_DIR/$f is missing"; done
HOSTPORT=${URL#https://}
HOSTPORT=${HOSTPORT%%/*}
SERVICE_HOST=${HOSTPORT%:*}
SERVICE_PORT=${HOSTPORT##*:}
[ "$SERVICE_HOST" != "$HOSTPORT" ] || SERVICE_PORT=443
SA_PATH=/var/run/secrets/kubernetes.io/serviceaccount
LABEL_ENV=()
for label in "${LABELS[@]}"; do
  [[ "$label" == ?*=* ]] || die "--label must be KEY=VALUE, not $label"
  key=${label%%=*}
  LABEL_ENV+=("KOPF_TS_RUN_LABEL_${key//[^A-Za-z0-9_]/_}=${label#*=}")
done

# The image's entry point, with its --liveness URL moved to --liveness-port when one is given.
CONFIG=$(podman image inspect --format '{{json .Config}}' "$IMAGE")
# shellcheck disable=SC2016 # JavaScript, not shell
ENTRYPOINT_JSON=$(node -e '
  const [config, port] = [JSON.parse(process.argv[1]), process.argv[2]];
  const entrypoint = [...(config.Entrypoint ?? [])];
  if (port) {
    const at = entrypoint.indexOf("--liveness") + 1;
    if (at === 0) throw new Error(`the image entry point has no --liveness: ${JSON.stringify(entrypoint)}`);
    const url = new URL(entrypoint[at]);
    url.port = port;
    entrypoint[at] = url.href;
  }
  console.log(JSON.stringify(entrypoint));
' "$CONFIG" "$LIVENESS_PORT")

case "$MODE" in
  auto)
    if PROBE=$(podman run --rm --network host "${RUNTIME_ARGS[@]}" --entrypoint /bin/true "$IMAGE" 2>&1); then
      MODE=container
    else
      log "containers cannot run here: podman run failed with: $PROBE"
      MODE=chroot
    fi
    ;;
  container | chroot) ;;
  *) die "--mode must be auto, container or chroot" ;;
esac
log "mode: $MODE"
[ -z "$LIVENESS_PORT" ] || log "entry point: $ENTRYPOINT_JSON"

if [ "$MODE" = container ]; then
  exec podman run --rm --name "$NAME" \
    "${LABELS[@]/#/--label=}" \
    --entrypoint "$ENTRYPOINT_JSON" \
    --network host \
    "${RUNTIME_ARGS[@]}" \
    --read-only --read-only-tmpfs=false \
    --cap-drop ALL --security-opt no-new-privileges \
    --volume "$SA_DIR:$SA_PATH:ro" \
    --env "KUBERNETES_SERVICE_HOST=$SERVICE_HOST" \
    --env "KUBERNETES_SERVICE_PORT=$SERVICE_PORT" \
    --env "KUBERNETES_SERVICE_PORT_HTTPS=$SERVICE_PORT" \
    "${LABEL_ENV[@]/#/--env=}" \
    "$IMAGE" "$@"
fi

# chroot: the image's configuration, then its file system.
# shellcheck disable=SC2016 # JavaScript, not shell
# Docker's rules: ARGs replace the image's Cmd; the Entrypoint stays.
eval "$(node -e '
  const config = JSON.parse(process.argv[1]);
  const entrypoint = JSON.parse(process.argv[2]);
  const extra = process.argv.slice(3);
  const q = (s) => "\x27" + String(s).replaceAll("\x27", "\x27\\\x27\x27") + "\x27";
  const argv = [...entrypoint, ...(extra.length ? extra : (config.Cmd ?? []))];
  console.log(`IMAGE_USER=${q(config.User || "0:0")}`);
  console.log(`IMAGE_WORKDIR=${q(config.WorkingDir || "/")}`);
  console.log(`IMAGE_ENV=(${(config.Env ?? []).map(q).join(" ")})`);
  console.log(`IMAGE_ARGV=(${argv.map(q).join(" ")})`);
' "$CONFIG" "$ENTRYPOINT_JSON" "$@")"
[[ "$IMAGE_USER" == *:* ]] || IMAGE_USER=$IMAGE_USER:$IMAGE_USER

WORKING_CONTAINER=$(buildah from --pull=never --name "$NAME" "$IMAGE")
ROOT=$(buildah mount "$WORKING_CONTAINER")
CHILD=
# shellcheck disable=SC2329 # the EXIT trap
cleanup() {
  [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
  buildah umount "$WORKING_CONTAINER" >/dev/null 2>&1 || true
  buildah rm "$WORKING_CONTAINER" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# /var/run is a symbolic link to /run in Debian: resolve the mount point inside the image.
chroot "$ROOT" mkdir -p "$SA_PATH"
SA_TARGET=$ROOT$(chroot "$ROOT" readlink -f "$SA_PATH")
# HOME as container runtimes set it: the user's home in the image's /etc/passwd.
IMAGE_HOME=$(chroot "$ROOT" getent passwd "${IMAGE_USER%%:*}" | cut -d: -f6 || true)

# shellcheck disable=SC2016 # the inner script expands its own positional parameters
# Everything below happens in a private mount namespace, which vanishes with the operator's process.
unshare --mount --propagation private -- /bin/sh -euc '
  root=$1 sa_dir=$2 sa_target=$3 user=$4 workdir=$5
  shift 5
  mount --bind "$root" "$root"
  mount --bind "$sa_dir" "$sa_target"
  mount -o remount,bind,ro "$sa_target"
  mount -t proc proc "$root/proc"
  mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
  for d in null zero full random urandom tty; do
    touch "$root/dev/$d" && mount --bind "/dev/$d" "$root/dev/$d"
  done
  ln -s /proc/self/fd "$root/dev/fd"
  mount -o remount,bind,ro "$root"
  exec chroot --userspec="$user" "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
' sh "$ROOT" "$SA_DIR" "$SA_TARGET" "$IMAGE_USER" "$IMAGE_WORKDIR" \
  env -i "${IMAGE_ENV[@]}" HOME="${IMAGE_HOME:-/}" HOSTNAME="$NAME" "${LABEL_ENV[@]}" \
  "KUBERNETES_SERVICE_HOST=$SERVICE_HOST" "KUBERNETES_SERVICE_PORT=$SERVICE_PORT" \
  "KUBERNETES_SERVICE_PORT_HTTPS=$SERVICE_PORT" \
  "${IMAGE_ARGV[@]}" &
CHILD=$!
trap 'kill -TERM "$CHILD" 2>/dev/null || true' TERM INT
set +e
wait "$CHILD"
CODE=$?
# wait returns early when a trapped signal arrives; wait again for the operator's own exit.
while kill -0 "$CHILD" 2>/dev/null; do wait "$CHILD"; CODE=$?; done
set -e
CHILD=
exit "$CODE"
