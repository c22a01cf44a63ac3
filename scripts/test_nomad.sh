#!/usr/bin/env bash
# The Nomad-client suite (tests/nomad, a Go module): drives the plugin through HashiCorp's
# go-plugin client the way a Nomad agent does (loader launches, SetConfig, logmon fifos,
# lifecycle, exec streaming, stats, events, recovery) against the private test Podman.
# Run by scripts/test.sh after the deno tests; alone: `bash scripts/test_nomad.sh [go test args]`
# (after `bash scripts/test_env.sh start`). Uses Go from /usr/local/go (or $GO); modules and
# build cache persist in GOMODCACHE/GOCACHE. Prints `N passed, N failed` (top-level Go tests)
# as its LAST line; exits non-zero on failure. PLUGIN=/path/to/binary tests a compiled plugin.
set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR/tests/nomad" || exit 1

fail_early() {
  printf '[nomad] ERROR: %s\n' "$1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

GO="${GO:-}"
if [[ -z "$GO" ]]; then
  if [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; else GO="$(command -v go || true)"; fi
fi
[[ -n "$GO" ]] || fail_early "no Go toolchain (expected /usr/local/go/bin/go, or set GO=)"
# go.mod says `go 1.26`; an older go would try to download a toolchain.
"$GO" version | grep -qE 'go1\.(2[6-9]|[3-9][0-9])' ||
  fail_early "$("$GO" version) is too old for tests/nomad/go.mod (needs Go 1.26+, /usr/local/go)"
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly"

if [[ -z "${NDP_PODMAN_SOCKET:-}" ]]; then
  env_lines="$(bash "$REPO_DIR/scripts/test_env.sh" env)" || fail_early "scripts/test_env.sh env failed"
  eval "$env_lines"
fi

# The plugin runs under the test deployment profile (alloc dirs under $NDP_ALLOC_ROOT).
export NOMAD_DRIVER_PODMAN_PROFILE="${NOMAD_DRIVER_PODMAN_PROFILE:-$REPO_DIR/tests/profile.json}"
export NDP_ALLOC_ROOT="${NDP_ALLOC_ROOT:-/run/ndp-test/allocs}"
mkdir -p "$NDP_ALLOC_ROOT" 2>/dev/null && chmod 0755 "$NDP_ALLOC_ROOT" 2>/dev/null

t0=$(date +%s.%N)
"$GO" mod download || fail_early "go mod download failed"
t1=$(date +%s.%N)
"$GO" test -count=1 -run '^$' . >/dev/null || fail_early "go test build failed"
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v v="$("$GO" version)" \
  'BEGIN { printf "[nomad] %s; module download %.1f s, build %.1f s\n", v, b - a, c - b }'

out="$(mktemp /tmp/ndp-nomad-output.XXXXXX)"
trap 'rm -f "$out"' EXIT
timeout --kill-after=30s "${NDP_NOMAD_TEST_TIMEOUT:-1200}" \
  "$GO" test -count=1 -v -timeout 18m "$@" . 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

passed="$(grep -acE '^--- PASS: ' "$out")"
failed="$(grep -acE '^--- FAIL: ' "$out")"
if ((rc != 0 && failed == 0)); then
  echo "[nomad] go test exited with $rc without reporting a failed test" >&2
  failed=1
fi
echo "${passed} passed, ${failed} failed"
((failed == 0 && rc == 0))
