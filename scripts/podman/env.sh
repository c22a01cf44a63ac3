# shellcheck shell=bash
# Shared settings of the private test environment. Sourced by scripts/test_env.sh,
# scripts/build_test_images.sh, scripts/test.sh and .ci/run; never executed.
#
# Everything lives under /var/lib/ndp-test (persistent state) and /run/ndp-test
# (sockets, pids, runroot). The host's default Podman store is never touched.

NDP_REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NDP_STATE_DIR=/var/lib/ndp-test
NDP_RUN_DIR=/run/ndp-test
NDP_STORAGE_ROOT="$NDP_STATE_DIR/storage"
NDP_STORAGE_RUNROOT="$NDP_RUN_DIR/runroot"
NDP_LOG_DIR="$NDP_STATE_DIR/logs"
NDP_IMAGES_DIR="$NDP_STATE_DIR/images"
NDP_REGISTRY_DIR="$NDP_STATE_DIR/registry"
NDP_PODMAN_CONF_DIR="$NDP_REPO_DIR/scripts/podman"

export NDP_PODMAN_SOCKET="$NDP_RUN_DIR/podman.sock"
export NDP_TEST_IMAGE="localhost/ndp/busybox:latest"
export NDP_TEST_HEALTH_IMAGE="localhost/ndp/busybox-health:latest"
export NDP_TEST_IMAGE_OCI_ARCHIVE="$NDP_IMAGES_DIR/busybox-oci.tar"
export NDP_TEST_IMAGE_DOCKER_ARCHIVE="$NDP_IMAGES_DIR/busybox-docker.tar"
export NDP_REGISTRY="127.0.0.1:5000"
export NDP_REGISTRY_USER="ndp"
export NDP_REGISTRY_PASSWORD="ndp-secret-pw"
export NDP_REGISTRY_IMAGE="$NDP_REGISTRY/ndp/busybox:latest"
export NDP_REGISTRY_CA="$NDP_REGISTRY_DIR/ca.crt"
# The rootless test user (scripts/setup.sh) and its own Podman API service.
export NDP_ROOTLESS_USER=ndp-rootless
NDP_ROOTLESS_UID="$(id -u "$NDP_ROOTLESS_USER" 2>/dev/null || echo 1001)"
NDP_ROOTLESS_HOME="/home/$NDP_ROOTLESS_USER"
NDP_ROOTLESS_RUNTIME_DIR="/run/user/$NDP_ROOTLESS_UID"
export NDP_ROOTLESS_SOCKET="$NDP_ROOTLESS_RUNTIME_DIR/podman/podman.sock"
# The test deployment profile (tests/profile.json) grants the plugin these two directories:
# every test alloc dir lives under the first, the plugin's go-plugin socket in the second.
export NDP_ALLOC_ROOT="$NDP_RUN_DIR/allocs"
export NDP_PLUGIN_SOCKET_DIR="$NDP_RUN_DIR/plugin-sockets"
# Any podman CLI started with this environment uses the private config and store.
export CONTAINERS_CONF="$NDP_PODMAN_CONF_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$NDP_PODMAN_CONF_DIR/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$NDP_PODMAN_CONF_DIR/registries.conf"

# The podman CLI pointed at the private store (runs from / like the service).
ndp_podman() {
  (cd / && podman --root "$NDP_STORAGE_ROOT" --runroot "$NDP_STORAGE_RUNROOT" "$@")
}

ndp_log() {
  printf '[ndp-env] %s\n' "$*" >&2
}
