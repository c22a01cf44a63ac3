#!/usr/bin/env bash
# Runs the demo job through the plugin against a private local Podman,
# installing what a fresh Debian 12 machine lacks first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >&2
bash scripts/test_env.sh start >&2
eval "$(bash scripts/test_env.sh env)"
exec deno run -q -P=test --no-prompt scripts/demo.ts "$@"
