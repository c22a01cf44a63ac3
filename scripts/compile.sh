#!/usr/bin/env bash
# Builds the standalone plugin binary .build/nomad-driver-podman (`deno task compile`).
# The binary gets exactly the Deno permission flags of the deployment profile
# (scripts/profile.ts, src/profile/profile.ts: the same flags the checkout launcher
# scripts/nomad-driver-podman uses), printed before the build, and never prompts.
#
# deno compile embeds the program into `denort`, Deno's runtime-only binary of the SAME
# version. Deno takes it from $DENORT_BIN when set, else from its cache, else downloads it.
# Where the download cannot work, set DENORT_BIN=/path/to/denort.
# Usage: scripts/compile.sh [profile options] [extra deno compile flags, e.g. --include FILE]
#   profile options (each replaces that setting of the profile file):
#     --profile FILE --data-dir DIR --socket PATH --plugin-socket-dir DIR --auth-file FILE
#     --image-archive-root DIR --read PATH --net HOST:PORT --env NAME --credential-helper NAME
#   --print-flags  prints the flags and stops (no build)
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

# Split the arguments: profile options go to scripts/profile.ts, the rest to deno compile.
profile_args=()
compile_args=()
print_only=false
while (($# > 0)); do
  case "$1" in
    --print-flags) print_only=true ;;
    --profile | --data-dir | --socket | --podman-socket | --plugin-socket-dir | --auth-file | \
      --image-archive-root | --read | --net | --env | --credential-helper)
      (($# >= 2)) || {
        echo "compile: $1 needs a value" >&2
        exit 2
      }
      profile_args+=("$1" "$2")
      shift
      ;;
    --profile=* | --data-dir=* | --socket=* | --podman-socket=* | --plugin-socket-dir=* | \
      --auth-file=* | --image-archive-root=* | --read=* | --net=* | --env=* | --credential-helper=*)
      profile_args+=("$1") ;;
    *) compile_args+=("$1") ;;
  esac
  shift
done
flags="$(deno run -q --no-prompt -P=profile scripts/profile.ts ${profile_args[@]+"${profile_args[@]}"})" || {
  echo "compile: FAILED: invalid deployment profile (see above)" >&2
  exit 2
}
mapfile -t flag_list <<<"$flags"
for f in "${flag_list[@]}"; do
  case "$f" in
    -A | --allow-all | --allow-read | --allow-write | --allow-net | --allow-env | --allow-run)
      echo "compile: FAILED: refusing the unscoped permission flag $f" >&2
      exit 1
      ;;
  esac
done
echo "compile: permission flags embedded in $OUTPUT:"
printf '  %s\n' "${flag_list[@]}"
if [[ "$print_only" == true ]]; then exit 0; fi

if [[ -n "${DENORT_BIN:-}" ]]; then
  # denort is Deno's runtime: anything else (a script, another program) makes deno compile
  # write a binary that never runs the plugin.
  if ! LC_ALL=C grep -q -a -m1 'denort' "$DENORT_BIN" 2>/dev/null ||
    [[ "$(head -c 4 "$DENORT_BIN" | od -An -c | tr -d ' ')" != '177ELF' ]]; then
    echo "compile: FAILED: DENORT_BIN=$DENORT_BIN is not a denort runtime (an ELF binary of" \
      "Deno's denort-<target>.zip for Deno $deno_version)" >&2
    exit 1
  fi
fi

mkdir -p .build
log="$(mktemp /tmp/ndp-compile.XXXXXX)"
trap 'rm -f "$log"' EXIT
if deno compile "${flag_list[@]}" --output "$OUTPUT" ${compile_args[@]+"${compile_args[@]}"} \
  src/main.ts 2>&1 | tee "$log"; then
  # A runtime that is not denort gives a file that does not start the plugin: check it.
  if ! out="$(env -u NOMAD_PLUGIN_MAGIC_COOKIE "$OUTPUT" 2>&1 </dev/null)" &&
    [[ "$out" == *"This binary is a plugin"* ]]; then
    echo "compile: wrote $OUTPUT"
    exit 0
  fi
  echo "compile: FAILED: $OUTPUT does not run the plugin (is DENORT_BIN denort $deno_version?)" >&2
  rm -f "$OUTPUT"
  exit 1
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
