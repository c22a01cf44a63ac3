#!/usr/bin/env bash
# The project's test command (`deno task test`):
#   1. scripts/setup.sh              (installs what is missing; quick when done)
#   2. scripts/test_env.sh start     (journald, private Podman service, registry, test image)
#   3. deno test -P=test --no-prompt over src/ and tests/ (or the paths given as arguments),
#      sequentially: the e2e tests share one Podman service.
#   4. the Nomad-client suite (scripts/test_nomad.sh: tests/nomad, a Go module), on a full run
#      or when tests/nomad is among the arguments; its counts are added to the summary.
#   5. checks that no container, pod or volume is left in the private store by this run
#      (any leftover counts as one failure; they are printed), then removes them.
# Prints `N passed, N failed` (tests, not steps) as its LAST line; exits non-zero on failure.
# Environment: NDP_TEST_TIMEOUT (seconds for deno test, default 1200; a whole run takes ~7 min).
set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR" || exit 1

fail_early() {
  printf '[test] ERROR: %s\n' "$1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

bash scripts/setup.sh || fail_early "scripts/setup.sh failed"
bash scripts/test_env.sh start || fail_early "scripts/test_env.sh start failed"
env_lines="$(bash scripts/test_env.sh env)" || fail_early "scripts/test_env.sh env failed"
eval "$env_lines"
printf '[test] environment:\n%s\n' "$(printf '%s\n' "$env_lines" | sed 's/^/  /; s/\(PASSWORD=\).*/\1<redacted>/')"
export DENO_NO_UPDATE_CHECK=1

# In CI the private store starts empty. Elsewhere, objects already in it (e.g. another
# developer's running test) are left alone; only what this run leaves counts as a leftover.
if [[ "${CI:-}" == true ]]; then bash scripts/test_env.sh clean; fi
before="$(bash scripts/test_env.sh leftovers 2>/dev/null | sort)"

run_nomad=false
targets=()
if (($# > 0)); then
  for a in "$@"; do
    if [[ "$a" == tests/nomad* ]]; then run_nomad=true; else targets+=("$a"); fi
  done
else
  targets=(src/ tests/)
  run_nomad=true
fi
out="$(mktemp /tmp/ndp-test-output.XXXXXX)"
nomad_out="$(mktemp /tmp/ndp-test-nomad.XXXXXX)"
wedges="$(mktemp /tmp/ndp-test-wedges.XXXXXX)"
# A conmon stuck opening a log fifo wedges the shared Podman service, and every later test
# would hang until the timeout: the watchdog heals it (each wedge counts as a failure).
bash scripts/test_env.sh watchdog "$wedges" &
watchdog_pid=$!
trap 'kill "$watchdog_pid" 2>/dev/null; rm -f "$out" "$nomad_out" "$wedges"' EXIT

deno_rc=0
if ((${#targets[@]} > 0)); then
  echo "[test] deno test -P=test --no-prompt ${targets[*]}"
  timeout --kill-after=30s "${NDP_TEST_TIMEOUT:-1200}" \
    deno test -P=test --no-prompt "${targets[@]}" 2>&1 | tee "$out"
  deno_rc=${PIPESTATUS[0]}
fi

# Summary line, e.g. "ok | 12 passed (3 steps) | 0 failed (2s)" or
# "FAILED | 10 passed (2 steps) | 2 failed (1 step) (5s)". Colours are stripped first.
summary="$(sed -e 's/\x1b\[[0-9;]*m//g' "$out" |
  grep -aE '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)"
passed=0
failed=0
if [[ "$summary" =~ \|\ ([0-9]+)\ passed.*\|\ ([0-9]+)\ failed ]]; then
  passed="${BASH_REMATCH[1]}"
  failed="${BASH_REMATCH[2]}"
fi
if ((deno_rc != 0 && failed == 0)); then
  # Type errors, a crash or the timeout (rc 124/137): no usable summary.
  echo "[test] deno test exited with $deno_rc without reporting a failed test" >&2
  failed=$((failed + 1))
fi

if [[ "$run_nomad" == true ]]; then
  # Whatever the deno suite left behind, the Nomad-client suite gets an answering service.
  if ! bash scripts/test_env.sh heal; then
    echo "after deno test: the private Podman service was wedged and has been restarted" >>"$wedges"
  fi
  echo "[test] bash scripts/test_nomad.sh (Nomad-client suite, tests/nomad)"
  bash scripts/test_nomad.sh 2>&1 | tee "$nomad_out"
  nomad_rc=${PIPESTATUS[0]}
  nomad_last="$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$nomad_out" | tail -n 1)"
  if [[ "$nomad_last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    if ((nomad_rc != 0 && BASH_REMATCH[2] == 0)); then failed=$((failed + 1)); fi
  else
    echo "[test] scripts/test_nomad.sh printed no summary (exit $nomad_rc)" >&2
    failed=$((failed + 1))
  fi
fi

# Leftover containers/pods/volumes in the private store (new since the run started).
after="$(bash scripts/test_env.sh leftovers 2>/dev/null | sort)"
leftovers="$(comm -13 <(printf '%s\n' "$before" | awk 'NF {print $1, $2}' | sort) \
  <(printf '%s\n' "$after" | awk 'NF {print $1, $2}' | sort))"
if [[ -n "$leftovers" ]]; then
  echo "[test] FAILED: the tests left $(wc -l <<<"$leftovers") object(s) in the private store:" >&2
  grep -F -f <(printf '%s\n' "$leftovers") <<<"$after" | sed 's/^/  /' >&2
  printf '%s\n' "$leftovers" | bash scripts/test_env.sh remove
  failed=$((failed + 1))
fi
kill "$watchdog_pid" 2>/dev/null
if [[ -s "$wedges" ]]; then
  echo "[test] FAILED: the private Podman service was wedged $(wc -l <"$wedges") time(s):" >&2
  sed 's/^/  /' "$wedges" >&2
  failed=$((failed + $(wc -l <"$wedges")))
fi
if [[ -n "$before" ]]; then
  echo "[test] note: $(wc -l <<<"$before") object(s) that existed before the run were left alone"
fi

echo "${passed} passed, ${failed} failed"
((failed == 0))
