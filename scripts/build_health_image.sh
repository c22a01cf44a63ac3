#!/usr/bin/env bash
# Builds localhost/ndp/busybox-health:latest: the offline busybox test image
# plus a Docker-format HEALTHCHECK (OCI images cannot carry one), into the
# PRIVATE test store. Idempotent: does nothing when the image exists and was
# built from the current busybox test image.
set -euo pipefail
# shellcheck source=podman/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/podman/env.sh"

base_id="$(ndp_podman image inspect --format '{{.ID}}' "$NDP_TEST_IMAGE")"
# "<base id> <image id>" of the last build (a file, not a label: containers get no extra labels).
STAMP_FILE="$NDP_IMAGES_DIR/busybox-health.stamp"
stamp() {
  local id
  id="$(ndp_podman image inspect --format '{{.ID}}' "$NDP_TEST_HEALTH_IMAGE" 2>/dev/null)" || return 0
  printf '%s %s\n' "$base_id" "$id"
}
if [[ -s "$STAMP_FILE" && "$(stamp)" == "$(cat "$STAMP_FILE")" ]]; then
  ndp_log "health test image $NDP_TEST_HEALTH_IMAGE present: nothing to do"
  exit 0
fi
work="$(mktemp -d /tmp/ndp-health.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cat >"$work/Containerfile" <<CONTAINERFILE
FROM $NDP_TEST_IMAGE
HEALTHCHECK --interval=2s --timeout=2s --retries=2 --start-period=1s CMD test -e /tmp/healthy
CONTAINERFILE
ndp_log "building $NDP_TEST_HEALTH_IMAGE (HEALTHCHECK, docker format)"
ndp_podman build -q --pull=never --format docker -t "$NDP_TEST_HEALTH_IMAGE" "$work" >/dev/null
mkdir -p "$NDP_IMAGES_DIR"
stamp >"$STAMP_FILE"
