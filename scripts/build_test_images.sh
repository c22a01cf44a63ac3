#!/usr/bin/env bash
# Builds the offline test image localhost/ndp/busybox:latest from Debian's
# busybox-static into the PRIVATE test store, and exports it as an oci-archive
# and a docker-archive under /var/lib/ndp-test/images. Idempotent: does nothing
# when the image (with the current build version) and both archives exist.
# Usage: scripts/build_test_images.sh [--force]
set -euo pipefail
# shellcheck source=podman/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/podman/env.sh"

# Bump when the image contents change, so existing stores get rebuilt.
BUILD_VERSION=3
FORCE=false
[[ "${1:-}" == "--force" ]] && FORCE=true

# "<build version> <image id>" of the last build. Kept in a file rather than an image label,
# so that containers of the test image carry no extra labels.
STAMP_FILE="$NDP_IMAGES_DIR/busybox.stamp"
current_stamp() {
  local id
  id="$(ndp_podman image inspect --format '{{.ID}}' "$NDP_TEST_IMAGE" 2>/dev/null)" || return 0
  printf '%s %s\n' "$BUILD_VERSION" "$id"
}

if [[ "$FORCE" == false && -s "$STAMP_FILE" && "$(current_stamp)" == "$(cat "$STAMP_FILE")" &&
  -s "$NDP_TEST_IMAGE_OCI_ARCHIVE" && -s "$NDP_TEST_IMAGE_DOCKER_ARCHIVE" ]]; then
  ndp_log "test image $NDP_TEST_IMAGE (v$BUILD_VERSION) and archives present: nothing to do"
  exit 0
fi

BUSYBOX=/bin/busybox
if [[ "$(ldd "$BUSYBOX" 2>&1 || true)" != *"not a dynamic executable"* ]]; then
  echo "build_test_images: $BUSYBOX is not static; install busybox-static" >&2
  exit 1
fi

work="$(mktemp -d /tmp/ndp-busybox.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var/www,proc,sys,dev,run,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
install -m 0755 "$BUSYBOX" "$root/bin/busybox"
# Same result as `busybox --install -s`, without needing /proc inside a chroot.
while read -r applet; do
  [[ "$applet" == "bin/busybox" ]] && continue
  [[ -e "$root/$applet" || -L "$root/$applet" ]] && continue
  ln -s /bin/busybox "$root/$applet"
done < <("$BUSYBOX" --list-full)

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
www-data:x:33:
nogroup:x:65534:
nobody:x:65534:
GROUP
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
chown 33:33 "$root/var/www"

tar --numeric-owner -C "$root" -cf "$work/rootfs.tar" .

ndp_log "importing $NDP_TEST_IMAGE into the private store"
ndp_podman import -q \
  --change 'CMD ["sh"]' \
  --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /' \
  --message "ndp test image from Debian busybox-static" \
  "$work/rootfs.tar" "$NDP_TEST_IMAGE" >/dev/null

mkdir -p "$NDP_IMAGES_DIR"
rm -f "$NDP_TEST_IMAGE_OCI_ARCHIVE" "$NDP_TEST_IMAGE_DOCKER_ARCHIVE"
ndp_podman save -q --format oci-archive -o "$NDP_TEST_IMAGE_OCI_ARCHIVE" "$NDP_TEST_IMAGE"
ndp_podman save -q --format docker-archive -o "$NDP_TEST_IMAGE_DOCKER_ARCHIVE" "$NDP_TEST_IMAGE"
# Remove dangling layers left by an earlier build of the same tag.
ndp_podman image prune -f >/dev/null 2>&1 || true
current_stamp >"$STAMP_FILE"
ndp_log "built $NDP_TEST_IMAGE (v$BUILD_VERSION), $NDP_TEST_IMAGE_OCI_ARCHIVE, $NDP_TEST_IMAGE_DOCKER_ARCHIVE"
