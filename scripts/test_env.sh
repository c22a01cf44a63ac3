#!/usr/bin/env bash
# Starts, stops and reports every service the tests use:
#   - a standalone systemd-journald (journald logging/events tests; systemd is not PID 1),
#   - the PRIVATE Podman API service on $NDP_PODMAN_SOCKET (own root/runroot/config),
#   - docker-registry on 127.0.0.1:5000 (TLS + htpasswd auth) holding the test image,
#   - the offline test image localhost/ndp/busybox:latest (+ archives).
# Usage: scripts/test_env.sh start|rootless|stop|restart|status|heal|watchdog|env|leftovers|remove|clean|podman ARGS...
#   heal    restarts a wedged private Podman service (exit 1 if it was wedged)
#   watchdog FILE  heals the service whenever a conmon stays stuck on a fifo (notes it in FILE)
#   env     prints `export` lines for the test environment (eval "$(scripts/test_env.sh env)")
#   leftovers  lists every container, pod and volume of the private store ("kind id ...")
#   remove  removes the objects listed on stdin (lines as printed by leftovers)
#   clean   removes every container, pod and volume of the private store
#   podman  runs the podman CLI on the private store
# Everything is idempotent: start only starts what is not already running.
set -euo pipefail
# shellcheck source=podman/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/podman/env.sh"

JOURNALD_BIN=/lib/systemd/systemd-journald
PODMAN_PID_FILE="$NDP_RUN_DIR/podman-service.pid"
PODMAN_STAMP_FILE="$NDP_RUN_DIR/podman-service.stamp"
REGISTRY_PID_FILE="$NDP_RUN_DIR/registry.pid"
JOURNALD_PID_FILE="$NDP_RUN_DIR/journald.pid"
ROOTLESS_PID_FILE="$NDP_RUN_DIR/rootless-podman-service.pid"
REGISTRY_CONFIG="$NDP_REGISTRY_DIR/config.yml"
REGISTRY_HTPASSWD="$NDP_REGISTRY_DIR/htpasswd"
REGISTRY_CERT="$NDP_REGISTRY_DIR/server.crt"
REGISTRY_KEY="$NDP_REGISTRY_DIR/server.key"
REGISTRY_CA_KEY="$NDP_REGISTRY_DIR/ca.key"

say() { printf '[test_env] %s\n' "$*"; }
die() {
  printf '[test_env] ERROR: %s\n' "$*" >&2
  exit 1
}

# pid_alive PIDFILE NAME-SUBSTRING: true if the pid in PIDFILE runs a command containing NAME.
pid_alive() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(cat "$1")"
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"$2"* ]]
}

# proc_running PID: true while PID exists and is not a zombie.
proc_running() {
  [[ -r "/proc/$1/stat" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

# stop_pid PIDFILE NAME: TERM, wait up to 10 s, then KILL the recorded process only.
stop_pid() {
  local pid i
  if pid_alive "$1" "$2"; then
    pid="$(cat "$1")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      proc_running "$pid" || break
      sleep 0.1
    done
    if proc_running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    say "stopped $2 (pid $pid)"
  else
    say "$2 not running"
  fi
  rm -f "$1"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# spawn PIDFILE LOGFILE CMD...: runs CMD detached (own session, cwd /, stdin /dev/null)
# so it outlives this script, and records its pid.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  (
    cd /
    # No job control here, so the child is no process-group leader: setsid execs in place
    # and $! is the service's own pid.
    setsid "$@" </dev/null >>"$logfile" 2>&1 &
    echo $! >"$pidfile"
  )
}

# ---------------------------------------------------------------- journald
journald_up() {
  # A live (not zombie) systemd-journald and its socket; the socket file outlives the process.
  [[ -S /run/systemd/journal/socket ]] &&
    ps -C systemd-journal -o stat= 2>/dev/null | grep -q -v '^Z'
}

start_journald() {
  if journald_up; then
    say "journald already running"
  else
    [[ -x "$JOURNALD_BIN" ]] || die "$JOURNALD_BIN missing (install the systemd package)"
    spawn "$JOURNALD_PID_FILE" "$NDP_LOG_DIR/journald.log" "$JOURNALD_BIN"
    wait_for 10 test -S /run/systemd/journal/socket || die "journald did not create its socket"
    say "started journald (pid $(cat "$JOURNALD_PID_FILE"))"
  fi
  # logger(1) and syslog(3) write to /dev/log.
  if [[ ! -S /dev/log && -S /run/systemd/journal/dev-log ]]; then
    ln -sf /run/systemd/journal/dev-log /dev/log
  fi
}

# ---------------------------------------------------------------- podman service
podman_ping() {
  curl -fsS -m 2 --unix-socket "$NDP_PODMAN_SOCKET" http://d/v4.0.0/libpod/_ping
}

# The service must be restarted when its configuration changed.
# Only the contents count: every worktree has its own copy of these files, and a stamp naming
# the directory made each worktree's `start` restart the service the others were using.
podman_stamp() {
  cat "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF" "$CONTAINERS_REGISTRIES_CONF" | sha256sum
}

start_podman() {
  if pid_alive "$PODMAN_PID_FILE" "system service" && podman_ping >/dev/null 2>&1 &&
    ! podman_responsive; then
    say "podman service is wedged (a container list hangs): restarting it"
    stop_wedged_podman
  fi
  if pid_alive "$PODMAN_PID_FILE" "system service" && podman_ping >/dev/null 2>&1; then
    if [[ "$(podman_stamp)" == "$(cat "$PODMAN_STAMP_FILE" 2>/dev/null)" ]]; then
      say "podman service already running (pid $(cat "$PODMAN_PID_FILE"))"
      return 0
    fi
    say "podman configuration changed: restarting the service"
    stop_pid "$PODMAN_PID_FILE" "system service"
  elif pid_alive "$PODMAN_PID_FILE" "system service"; then
    stop_pid "$PODMAN_PID_FILE" "system service"
  fi
  rm -f "$NDP_PODMAN_SOCKET"
  # /run is not a tmpfs on this machine: after a reboot, drop the stale runtime state so that
  # Podman refreshes its database (it does so when <tmp_dir>/alive is missing).
  local alive="$NDP_RUN_DIR/libpod/alive" boot
  boot="$(awk '/^btime/ {print $2}' /proc/stat)"
  if [[ -e "$alive" ]] && (($(stat -c %Y "$alive") < boot)); then
    say "machine rebooted since the last service start: clearing $NDP_RUN_DIR runtime state"
    rm -rf "$NDP_RUN_DIR/libpod" "$NDP_STORAGE_RUNROOT"
  fi
  # cwd / : a deleted cwd breaks conmon. --time 0: never exit when idle.
  spawn "$PODMAN_PID_FILE" "$NDP_LOG_DIR/podman-service.log" \
    podman --root "$NDP_STORAGE_ROOT" --runroot "$NDP_STORAGE_RUNROOT" \
    system service --time 0 "unix://$NDP_PODMAN_SOCKET"
  if ! wait_for 30 podman_ping; then
    tail -n 20 "$NDP_LOG_DIR/podman-service.log" >&2 || true
    die "podman service did not answer on $NDP_PODMAN_SOCKET"
  fi
  podman_stamp >"$PODMAN_STAMP_FILE"
  say "started podman service on $NDP_PODMAN_SOCKET (pid $(cat "$PODMAN_PID_FILE"))"
}

# A wedged service still answers _ping but hangs on anything taking a container's lock, e.g.
# when a conmon is stuck opening a log fifo nobody reads (the open blocks with the lock held).
podman_responsive() {
  curl -fsS -m 10 --unix-socket "$NDP_PODMAN_SOCKET" \
    'http://d/v4.0.0/libpod/containers/json?all=true' >/dev/null
}

# conmon processes of the private store that sleep in the kernel's fifo open.
stuck_conmons() {
  local p
  for p in $(pgrep -x conmon); do
    [[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" == *" -p $NDP_STORAGE_RUNROOT/"* ]] ||
      continue
    case "$(cat "/proc/$p/wchan" 2>/dev/null)" in
      *fifo* | *wait_for_partner*) echo "$p" ;;
    esac
  done
}

# Kills the conmons stuck on a fifo (each holds a container's lock) and stops the service.
stop_wedged_podman() {
  local p
  for p in $(stuck_conmons); do
    say "killing conmon $p (stuck in $(cat "/proc/$p/wchan" 2>/dev/null)): $(
      tr '\0' ' ' <"/proc/$p/cmdline" | grep -o -- '-c [0-9a-f]*' | head -n 1
    )"
    kill -KILL "$p" 2>/dev/null || true
  done
  stop_pid "$PODMAN_PID_FILE" "system service"
}

# heal: exits 0 when the service answers a container list; otherwise restarts it (after
# stop_wedged_podman) and exits 1, so the caller counts the wedge as a failure.
cmd_heal() {
  if podman_responsive; then
    say "podman service responsive"
    return 0
  fi
  if [[ ! -S "$NDP_PODMAN_SOCKET" ]] || ! curl -sS -m 2 --unix-socket "$NDP_PODMAN_SOCKET" \
    http://d/v4.0.0/libpod/_ping >/dev/null 2>&1 && [[ -z "$(stuck_conmons)" ]]; then
    say "podman service is down: starting it"
  else
    say "podman service did not answer a container list within 10 s: it is wedged"
  fi
  stop_wedged_podman
  start_podman
  return 1
}

# watchdog FILE: runs until killed; every 15 s looks for conmons stuck on a fifo. One stuck at
# two looks in a row has wedged the service: it is healed and a line appended to FILE.
cmd_watchdog() {
  local file="$1" seen="" now p
  while sleep 15; do
    now="$(stuck_conmons | sort | tr '\n' ' ')"
    for p in $now; do
      if [[ " $seen " == *" $p "* ]]; then
        echo "conmon $p stuck on a fifo for 15 s or more: the service was healed" >>"$file"
        cmd_heal >&2 || true
        now=""
        break
      fi
    done
    seen="$now"
  done
}

# ---------------------------------------------------------------- rootless podman service
# The unprivileged user $NDP_ROOTLESS_USER (scripts/setup.sh) runs its own Podman API service on
# $NDP_ROOTLESS_SOCKET, with the test image in its own store (rootless tests, issue 8).
rootless_podman() {
  (cd / && runuser -u "$NDP_ROOTLESS_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$NDP_ROOTLESS_HOME" XDG_RUNTIME_DIR="$NDP_ROOTLESS_RUNTIME_DIR" \
    CONTAINERS_CONF="$NDP_PODMAN_CONF_DIR/rootless/containers.conf" podman "$@")
}

rootless_ping() {
  curl -fsS -m 2 --unix-socket "$NDP_ROOTLESS_SOCKET" http://d/v4.0.0/libpod/_ping
}

start_rootless() {
  if ! id "$NDP_ROOTLESS_USER" >/dev/null 2>&1; then
    say "rootless podman: user $NDP_ROOTLESS_USER missing (run scripts/setup.sh): skipped"
    return 0
  fi
  local uid gid
  uid="$(id -u "$NDP_ROOTLESS_USER")"
  gid="$(id -g "$NDP_ROOTLESS_USER")"
  # slirp4netns opens /dev/net/tun as the user; the runtime dir must exist and be the user's.
  [[ -c /dev/net/tun ]] && chmod 0666 /dev/net/tun
  install -d -m 0700 -o "$uid" -g "$gid" "$NDP_ROOTLESS_RUNTIME_DIR"
  if pid_alive "$ROOTLESS_PID_FILE" "system service" && rootless_ping >/dev/null 2>&1; then
    say "rootless podman service already running (pid $(cat "$ROOTLESS_PID_FILE"))"
  else
    stop_pid "$ROOTLESS_PID_FILE" "system service" >/dev/null
    rm -f "$NDP_ROOTLESS_SOCKET"
    install -d -m 0700 -o "$uid" -g "$gid" "$(dirname "$NDP_ROOTLESS_SOCKET")"
    touch "$NDP_LOG_DIR/rootless-podman-service.log"
    (
      cd /
      setsid runuser -u "$NDP_ROOTLESS_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME="$NDP_ROOTLESS_HOME" XDG_RUNTIME_DIR="$NDP_ROOTLESS_RUNTIME_DIR" \
        CONTAINERS_CONF="$NDP_PODMAN_CONF_DIR/rootless/containers.conf" \
        podman system service --time 0 "unix://$NDP_ROOTLESS_SOCKET" \
        </dev/null >>"$NDP_LOG_DIR/rootless-podman-service.log" 2>&1 &
      echo $! >"$ROOTLESS_PID_FILE"
    )
    if ! wait_for 30 rootless_ping; then
      tail -n 20 "$NDP_LOG_DIR/rootless-podman-service.log" >&2 || true
      die "rootless podman service did not answer on $NDP_ROOTLESS_SOCKET"
    fi
    say "started rootless podman service on $NDP_ROOTLESS_SOCKET (pid $(cat "$ROOTLESS_PID_FILE"))"
  fi
  local want have
  want="$(ndp_podman image inspect --format '{{.ID}}' "$NDP_TEST_IMAGE")"
  have="$(rootless_podman image inspect --format '{{.ID}}' "$NDP_TEST_IMAGE" 2>/dev/null || true)"
  if [[ "$want" != "$have" ]]; then
    rootless_podman load -q <"$NDP_TEST_IMAGE_OCI_ARCHIVE" >/dev/null
    rootless_podman tag "$want" "$NDP_TEST_IMAGE"
    say "loaded $NDP_TEST_IMAGE into the store of $NDP_ROOTLESS_USER"
  else
    say "rootless store of $NDP_ROOTLESS_USER holds $NDP_TEST_IMAGE"
  fi
}

# ---------------------------------------------------------------- registry
registry_ping() {
  curl -fsS -m 2 --cacert "$NDP_REGISTRY_CA" \
    -u "$NDP_REGISTRY_USER:$NDP_REGISTRY_PASSWORD" "https://$NDP_REGISTRY/v2/"
}

ensure_registry_files() {
  mkdir -p "$NDP_REGISTRY_DIR/data"
  chmod 700 "$NDP_REGISTRY_DIR"
  if [[ ! -s "$NDP_REGISTRY_CA" || ! -s "$REGISTRY_CERT" || ! -s "$REGISTRY_KEY" ]]; then
    say "generating the registry's CA and TLS certificate (127.0.0.1, localhost)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ndp-test-ca" \
      -keyout "$REGISTRY_CA_KEY" -out "$NDP_REGISTRY_CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$REGISTRY_KEY" -out "$NDP_REGISTRY_DIR/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' \
      >"$NDP_REGISTRY_DIR/server.ext"
    openssl x509 -req -in "$NDP_REGISTRY_DIR/server.csr" -CA "$NDP_REGISTRY_CA" \
      -CAkey "$REGISTRY_CA_KEY" -CAcreateserial -days 3650 \
      -extfile "$NDP_REGISTRY_DIR/server.ext" -out "$REGISTRY_CERT" 2>/dev/null
  fi
  # Podman (containers/image) trusts per-registry CAs from certs.d, so pulls work with
  # tlsVerify=true as well as with tlsVerify=false / registries.conf insecure=true.
  local host
  for host in "127.0.0.1:5000" "localhost:5000"; do
    if ! cmp -s "$NDP_REGISTRY_CA" "/etc/containers/certs.d/$host/ca.crt"; then
      mkdir -p "/etc/containers/certs.d/$host"
      cp "$NDP_REGISTRY_CA" "/etc/containers/certs.d/$host/ca.crt"
    fi
  done
  if [[ ! -s "$REGISTRY_HTPASSWD" ]] ||
    ! htpasswd -vb "$REGISTRY_HTPASSWD" "$NDP_REGISTRY_USER" "$NDP_REGISTRY_PASSWORD" \
      >/dev/null 2>&1; then
    htpasswd -Bbn "$NDP_REGISTRY_USER" "$NDP_REGISTRY_PASSWORD" >"$REGISTRY_HTPASSWD"
    say "wrote $REGISTRY_HTPASSWD"
  fi
  cat >"$REGISTRY_CONFIG.new" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $NDP_REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $NDP_REGISTRY
  tls:
    certificate: $REGISTRY_CERT
    key: $REGISTRY_KEY
auth:
  htpasswd:
    realm: ndp-test-registry
    path: $REGISTRY_HTPASSWD
EOF
  mv "$REGISTRY_CONFIG.new" "$REGISTRY_CONFIG"
}

start_registry() {
  ensure_registry_files
  if pid_alive "$REGISTRY_PID_FILE" "docker-registry" && registry_ping >/dev/null 2>&1; then
    say "registry already running on $NDP_REGISTRY (pid $(cat "$REGISTRY_PID_FILE"))"
    return 0
  fi
  stop_pid "$REGISTRY_PID_FILE" "docker-registry" >/dev/null
  if curl -s -m 2 -o /dev/null "http://$NDP_REGISTRY/" ||
    curl -sk -m 2 -o /dev/null "https://$NDP_REGISTRY/"; then
    die "$NDP_REGISTRY is already in use by another process (not our registry)"
  fi
  spawn "$REGISTRY_PID_FILE" "$NDP_LOG_DIR/registry.log" docker-registry serve "$REGISTRY_CONFIG"
  if ! wait_for 20 registry_ping; then
    tail -n 20 "$NDP_LOG_DIR/registry.log" >&2 || true
    die "registry did not answer on https://$NDP_REGISTRY/v2/"
  fi
  say "started registry on $NDP_REGISTRY (pid $(cat "$REGISTRY_PID_FILE"))"
}

# Pushes the test image unless the registry's manifest already names the same config
# (image ID); the manifest digest itself changes because layers are compressed on push.
push_test_image() {
  local image_id manifest
  image_id="$(ndp_podman image inspect --format '{{.ID}}' "$NDP_TEST_IMAGE")"
  manifest="$(curl -fsS -m 5 --cacert "$NDP_REGISTRY_CA" \
    -u "$NDP_REGISTRY_USER:$NDP_REGISTRY_PASSWORD" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "https://$NDP_REGISTRY/v2/ndp/busybox/manifests/latest" 2>/dev/null || true)"
  if [[ "$manifest" == *"\"config\":{"*"\"digest\":\"sha256:$image_id\""* ]]; then
    say "registry already holds $NDP_REGISTRY_IMAGE"
    return 0
  fi
  ndp_podman push -q --creds "$NDP_REGISTRY_USER:$NDP_REGISTRY_PASSWORD" \
    "$NDP_TEST_IMAGE" "docker://$NDP_REGISTRY_IMAGE"
  say "pushed $NDP_REGISTRY_IMAGE"
}

# ---------------------------------------------------------------- commands
cmd_start() {
  mkdir -p "$NDP_RUN_DIR" "$NDP_STATE_DIR" "$NDP_LOG_DIR" "$NDP_IMAGES_DIR"
  for bin in podman runc conmon docker-registry htpasswd openssl curl; do
    command -v "$bin" >/dev/null || die "$bin not installed: run scripts/setup.sh"
  done
  start_journald
  bash "$NDP_REPO_DIR/scripts/build_test_images.sh"
  bash "$NDP_REPO_DIR/scripts/build_health_image.sh"
  bash "$NDP_REPO_DIR/scripts/build_example_images.sh"
  start_podman
  start_registry
  push_test_image
  start_rootless
  say "environment ready"
}

cmd_stop() {
  stop_pid "$ROOTLESS_PID_FILE" "system service"
  stop_pid "$REGISTRY_PID_FILE" "docker-registry"
  stop_pid "$PODMAN_PID_FILE" "system service"
  if [[ -s "$JOURNALD_PID_FILE" ]]; then
    stop_pid "$JOURNALD_PID_FILE" "systemd-journald"
  elif journald_up; then
    say "journald left running (not started by test_env.sh)"
  fi
}

cmd_status() {
  local rc=0
  if journald_up; then say "journald: running"; else
    say "journald: DOWN"
    rc=1
  fi
  if podman_ping >/dev/null 2>&1; then
    say "podman service: running on $NDP_PODMAN_SOCKET (pid $(cat "$PODMAN_PID_FILE" 2>/dev/null))"
  else
    say "podman service: DOWN"
    rc=1
  fi
  if registry_ping >/dev/null 2>&1; then say "registry: running on $NDP_REGISTRY"; else
    say "registry: DOWN"
    rc=1
  fi
  if ndp_podman image exists "$NDP_TEST_IMAGE"; then say "image: $NDP_TEST_IMAGE present"; else
    say "image: $NDP_TEST_IMAGE MISSING"
    rc=1
  fi
  return "$rc"
}

cmd_env() {
  local v
  for v in NDP_PODMAN_SOCKET NDP_TEST_IMAGE NDP_TEST_HEALTH_IMAGE NDP_TEST_IMAGE_OCI_ARCHIVE \
    NDP_TEST_IMAGE_DOCKER_ARCHIVE NDP_REGISTRY NDP_REGISTRY_USER NDP_REGISTRY_PASSWORD \
    NDP_REGISTRY_IMAGE NDP_REGISTRY_CA CONTAINERS_CONF CONTAINERS_STORAGE_CONF \
    CONTAINERS_REGISTRIES_CONF NDP_ROOTLESS_USER NDP_ROOTLESS_SOCKET NDP_ALLOC_ROOT \
    NDP_PLUGIN_SOCKET_DIR; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}

# Lists what is in the private store: one "kind id name status" line each.
cmd_leftovers() {
  ndp_podman ps -a --no-trunc --format 'container {{.ID}} {{.Names}} {{.Status}}'
  ndp_podman pod ps --no-trunc --format 'pod {{.ID}} {{.Name}} {{.Status}}'
  ndp_podman volume ls --format 'volume {{.Name}} {{.Driver}}'
}

# Removes the listed objects ("kind id ..." lines on stdin), pods first.
cmd_remove() {
  local kind id rest pods=() ctrs=() vols=()
  while read -r kind id rest; do
    case "$kind" in
      pod) pods+=("$id") ;;
      container) ctrs+=("$id") ;;
      volume) vols+=("$id") ;;
    esac
  done
  if ((${#pods[@]})); then ndp_podman pod rm -f -t 0 "${pods[@]}" >/dev/null 2>&1 || true; fi
  if ((${#ctrs[@]})); then ndp_podman rm -f -t 0 "${ctrs[@]}" >/dev/null 2>&1 || true; fi
  if ((${#vols[@]})); then ndp_podman volume rm -f "${vols[@]}" >/dev/null 2>&1 || true; fi
  say "removed ${#pods[@]} pod(s), ${#ctrs[@]} container(s), ${#vols[@]} volume(s)"
}

cmd_clean() {
  ndp_podman pod rm -a -f -t 0 >/dev/null 2>&1 || true
  ndp_podman rm -a -f -t 0 >/dev/null 2>&1 || true
  ndp_podman volume rm -a -f >/dev/null 2>&1 || true
  local left
  left="$(cmd_leftovers)"
  if [[ -n "$left" ]]; then
    printf '%s\n' "$left" >&2
    die "could not clean the private store"
  fi
  say "private store clean (no containers, pods or volumes)"
}

case "${1:-}" in
  start) cmd_start ;;
  rootless) start_rootless ;;
  stop) cmd_stop ;;
  restart)
    cmd_stop
    cmd_start
    ;;
  status) cmd_status ;;
  heal) cmd_heal ;;
  watchdog) cmd_watchdog "${2:?usage: $0 watchdog FILE}" ;;
  env) cmd_env ;;
  leftovers) cmd_leftovers ;;
  clean) cmd_clean ;;
  remove) cmd_remove ;;
  podman)
    shift
    ndp_podman "$@"
    ;;
  *)
    echo "usage: $0 start|stop|restart|status|heal|env|leftovers|remove|clean|podman ARGS..." >&2
    exit 2
    ;;
esac
