#!/usr/bin/env bash
# Builds, offline, the images the example jobs (examples/jobs/) run with in this
# environment, into the PRIVATE test store:
#   localhost/ndp/redis:latest                   redis-server from Debian's redis-server package
#   localhost/ndp/nats:latest                    nats-server from Debian's nats-server package
#   localhost/ndp/prometheus-nats-exporter:latest a busybox stand-in for natsio/prometheus-nats-exporter
#                                                (serves /metrics on :7777 from the server's /varz)
#   localhost/ndp/pause:latest                   catatonit -P (what Podman's own pause image runs)
# Binaries come from Debian packages (`apt-get download`, cached in $NDP_STATE_DIR/debs) plus the
# shared libraries `ldd` reports; every image also gets busybox (a shell and wget for debugging).
# Idempotent: an image whose stamp (build version + image id) matches is skipped.
# Usage: scripts/build_example_images.sh [--force] [redis|nats|exporter|pause]...
set -euo pipefail
# shellcheck source=podman/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/podman/env.sh"

BUILD_VERSION=3
FORCE=false
if [[ "${1:-}" == "--force" ]]; then
  FORCE=true
  shift
fi
WANTED=("$@")
((${#WANTED[@]} > 0)) || WANTED=(redis nats exporter pause)
DEB_DIR="$NDP_STATE_DIR/debs"
REDIS_IMAGE=localhost/ndp/redis:latest
NATS_IMAGE=localhost/ndp/nats:latest
EXPORTER_IMAGE=localhost/ndp/prometheus-nats-exporter:latest
PAUSE_IMAGE=localhost/ndp/pause:latest

stamp_of() {
  local id
  id="$(ndp_podman image inspect --format '{{.ID}}' "$1" 2>/dev/null)" || return 0
  printf '%s %s\n' "$BUILD_VERSION" "$id"
}
stamp_file() { printf '%s/%s.stamp\n' "$NDP_IMAGES_DIR" "$(basename "${1%%:*}")"; }
up_to_date() {
  local f
  f="$(stamp_file "$1")"
  [[ "$FORCE" == false && -s "$f" && "$(stamp_of "$1")" == "$(cat "$f")" ]]
}

# Downloads (once) and unpacks Debian packages into $1.
unpack_debs() {
  local dest="$1" pkg deb
  shift
  mkdir -p "$DEB_DIR" "$dest"
  for pkg in "$@"; do
    deb="$(find "$DEB_DIR" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)"
    if [[ -z "$deb" ]]; then
      (cd "$DEB_DIR" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
      deb="$(find "$DEB_DIR" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)"
      if [[ -z "$deb" ]]; then
        # A machine whose package lists were never fetched (or are stale).
        apt-get update -qq >&2 || true
        (cd "$DEB_DIR" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
        deb="$(find "$DEB_DIR" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)"
      fi
      [[ -n "$deb" ]] || {
        echo "build_example_images: apt-get download $pkg failed" >&2
        exit 1
      }
    fi
    dpkg-deb -x "$deb" "$dest"
  done
}

# A rootfs skeleton with busybox, passwd/group and the dirs every image needs.
skeleton() {
  local root="$1"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,data,proc,sys,dev,run,var/tmp}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  local applet
  for applet in sh ls cat echo sleep wget nc sed grep awk tr head kill ps id env; do
    ln -sf /bin/busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
}

# Copies binary $2 (a path under stage dir $1) into rootfs $3 with every library ldd names.
install_binary() {
  local stage="$1" bin="$2" root="$3" libpath line lib
  install -D -m 0755 "$stage$bin" "$root$bin"
  libpath="$stage/usr/lib/x86_64-linux-gnu:$stage/lib/x86_64-linux-gnu"
  while read -r line; do
    if [[ "$line" == *"not found"* ]]; then
      echo "build_example_images: $bin needs a library that is not installed: $line" >&2
      exit 1
    fi
    lib="$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) {print $i; exit}}' <<<"$line")"
    [[ -n "$lib" ]] || continue
    if [[ "$lib" == "$stage"/* ]]; then
      install -D -m 0755 "$lib" "$root${lib#"$stage"}"
    else
      install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    fi
  done < <(LD_LIBRARY_PATH="$libpath" ldd "$stage$bin" 2>&1 | grep -v 'not a dynamic executable' || true)
}

import_rootfs() {
  local root="$1" image="$2" message="$3"
  shift 3
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  local old
  old="$(ndp_podman image inspect --format '{{.ID}}' "$image" 2>/dev/null || true)"
  tar --numeric-owner -C "$root" -cf "$root.tar" .
  ndp_podman import -q "${changes[@]}" --message "$message" "$root.tar" "$image" >/dev/null
  # The previous build of this tag only (never prune: the store is shared).
  if [[ -n "$old" && "$old" != "$(ndp_podman image inspect --format '{{.ID}}' "$image")" ]]; then
    ndp_podman rmi "$old" >/dev/null 2>&1 || true
  fi
  mkdir -p "$NDP_IMAGES_DIR"
  stamp_of "$image" >"$(stamp_file "$image")"
  ndp_log "built $image (v$BUILD_VERSION)"
}

build_redis() {
  local work="$1" stage="$1/stage-redis" root="$1/redis"
  unpack_debs "$stage" redis-server redis-tools libjemalloc2 liblzf1 libatomic1
  skeleton "$root"
  install_binary "$stage" /usr/bin/redis-check-rdb "$root"
  install_binary "$stage" /usr/bin/redis-cli "$root"
  ln -sf redis-check-rdb "$root/usr/bin/redis-server"
  # Like the official image: listen on every interface without protected mode (no config file).
  import_rootfs "$root" "$REDIS_IMAGE" "redis-server from Debian's redis-server package" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' 'WORKDIR /data' 'EXPOSE 6379' \
    'CMD ["redis-server", "--protected-mode", "no"]'
}

build_nats() {
  local work="$1" stage="$1/stage-nats" root="$1/nats"
  unpack_debs "$stage" nats-server
  skeleton "$root"
  install_binary "$stage" /usr/sbin/nats-server "$root"
  ln -sf /usr/sbin/nats-server "$root/nats-server"
  # Like the official image: client port 4222, monitoring on 8222, config at /nats-server.conf.
  printf 'port: 4222\nhttp_port: 8222\n' >"$root/nats-server.conf"
  import_rootfs "$root" "$NATS_IMAGE" "nats-server from Debian's nats-server package" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' 'EXPOSE 4222' 'EXPOSE 8222' \
    'ENTRYPOINT ["/nats-server"]' 'CMD ["--config", "/nats-server.conf"]'
}

build_exporter() {
  local work="$1" root="$1/exporter"
  skeleton "$root"
  # Same flags as prometheus-nats-exporter for what the examples use: -varz URL, -port N, -addr A.
  cat >"$root/bin/prometheus-nats-exporter" <<'EXPORTER'
#!/bin/sh
# Stand-in for prometheus-nats-exporter: serves GET /metrics on :7777 with a few gauges taken
# from the NATS server's /varz monitoring endpoint, fetched over http at every request.
varz=""
port=7777
addr=0.0.0.0
while [ $# -gt 0 ]; do
  case "$1" in
    -varz) varz="$2"; shift 2 ;;
    -port|-p) port="$2"; shift 2 ;;
    -addr|-a) addr="$2"; shift 2 ;;
    *) shift ;;
  esac
done
[ -n "$varz" ] || { echo "usage: prometheus-nats-exporter -varz http://host:8222 [-port 7777]" >&2; exit 2; }
export NDP_VARZ_URL="${varz%/}/varz"
echo "prometheus-nats-exporter (ndp stand-in): serving http://$addr:$port/metrics from $NDP_VARZ_URL"
# PID 1 ignores SIGTERM unless it handles it: stop the listener and exit 0 on SIGTERM/SIGINT.
nc -ll -p "$port" -e /bin/exporter-handler &
listener=$!
trap 'kill "$listener" 2>/dev/null; exit 0' TERM INT
wait "$listener"
EXPORTER
  cat >"$root/bin/exporter-handler" <<'HANDLER'
#!/bin/sh
read -r method path _
while read -r line; do [ "$(printf '%s' "$line" | tr -d '\r')" = "" ] && break; done
path="$(printf '%s' "$path" | tr -d '\r')"
if [ "$path" != "/metrics" ]; then
  printf 'HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnot found; try /metrics\n'
  exit 0
fi
if ! varz="$(busybox timeout 5 wget -q -O - "$NDP_VARZ_URL" 2>/dev/null)"; then
  printf 'HTTP/1.0 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\ncannot reach %s\n' "$NDP_VARZ_URL"
  echo "exporter: cannot reach $NDP_VARZ_URL" >&2
  exit 0
fi
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\r\n'
echo "gnatsd_varz_up 1"
for key in connections total_connections in_msgs out_msgs in_bytes out_bytes mem cores subscriptions; do
  value="$(printf '%s\n' "$varz" | sed -n "s/^ *\"$key\": *\([0-9.]*\).*/\1/p" | head -n 1)"
  [ -n "$value" ] && echo "gnatsd_varz_$key $value"
done
server_id="$(printf '%s\n' "$varz" | sed -n 's/^ *"server_id": *"\([^"]*\)".*/\1/p' | head -n 1)"
echo "gnatsd_varz_info{server_id=\"$server_id\"} 1"
HANDLER
  chmod 0755 "$root/bin/prometheus-nats-exporter" "$root/bin/exporter-handler"
  import_rootfs "$root" "$EXPORTER_IMAGE" "busybox stand-in for prometheus-nats-exporter" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' 'EXPOSE 7777' \
    'ENTRYPOINT ["/bin/prometheus-nats-exporter"]'
}

build_pause() {
  local work="$1" root="$1/pause" catatonit
  catatonit="$(command -v catatonit || echo /usr/libexec/podman/catatonit)"
  [[ -x "$catatonit" ]] || {
    echo "build_example_images: catatonit not installed" >&2
    exit 1
  }
  mkdir -p "$root"/{etc,proc,sys,dev,run,tmp}
  install -m 0755 "$catatonit" "$root/catatonit"
  import_rootfs "$root" "$PAUSE_IMAGE" "catatonit -P: a pause container" \
    'ENTRYPOINT ["/catatonit", "-P"]'
}

work="$(mktemp -d /tmp/ndp-example-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT
for what in "${WANTED[@]}"; do
  case "$what" in
    redis) image="$REDIS_IMAGE" ;;
    nats) image="$NATS_IMAGE" ;;
    exporter) image="$EXPORTER_IMAGE" ;;
    pause) image="$PAUSE_IMAGE" ;;
    *)
      echo "build_example_images: unknown image '$what' (redis, nats, exporter, pause)" >&2
      exit 2
      ;;
  esac
  if up_to_date "$image"; then
    ndp_log "$image (v$BUILD_VERSION) present: nothing to do"
    continue
  fi
  "build_$what" "$work"
done
