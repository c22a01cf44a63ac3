#!/usr/bin/env bash
# Builds the standalone plugin binary .build/nomad-driver-podman (`deno task compile`).
# The binary gets exactly the `plugin` permission set of deno.json (same as
# `deno run -P=plugin src/main.ts`; verified: deno compile embeds -P sets) and never prompts.
#
# deno compile embeds the program into `denort`, Deno's runtime-only binary of the SAME
# version. Deno takes it from $DENORT_BIN when set, else from its cache, else downloads it.
# Where the download cannot work, set DENORT_BIN=/path/to/denort.
# Usage: scripts/compile.sh [extra deno compile flags, e.g. --include FILE]
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
OUTPUT=.build/nomad-driver-podman
deno_version="$(deno --version | sed -n 's/^deno \([^ ]*\).*/\1/p')"

if [[ -n "${DENORT_BIN:-}" ]]; then
  if [[ ! -f "$DENORT_BIN" || ! -x "$DENORT_BIN" ]]; then
    echo "compile: DENORT_BIN=$DENORT_BIN is not an executable file" >&2
    exit 1
  fi
  echo "compile: using denort from DENORT_BIN=$DENORT_BIN (must be denort $deno_version)"
fi

mkdir -p .build
log="$(mktemp /tmp/ndp-compile.XXXXXX)"
trap 'rm -f "$log"' EXIT
if deno compile -P=plugin --no-prompt --output "$OUTPUT" "$@" src/main.ts 2>&1 | tee "$log"; then
  echo "compile: wrote $OUTPUT"
  exit 0
fi
if grep -q -E 'base binary|denort' "$log"; then
  cat >&2 <<EOF

compile: FAILED: deno compile could not get the denort runtime for Deno $deno_version
  (it is not cached and the download did not work${DENORT_BIN:+, or DENORT_BIN is unusable}).
  Fix: obtain denort $deno_version for $(uname -m)-unknown-linux-gnu (the
  denort-<target>.zip asset of the same Deno release, unzipped) on a machine with network
  access, then run:  DENORT_BIN=/path/to/denort deno task compile
  Meanwhile the plugin runs unbundled:  deno run -P=plugin src/main.ts
EOF
fi
exit 1
