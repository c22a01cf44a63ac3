#!/usr/bin/env bash
# The demo: a redis service through the plugin against a private local Podman, no Nomad.
# On a fresh Debian 12 machine (as root) it first installs what is missing (scripts/setup.sh),
# starts the private Podman service (scripts/test_env.sh start) and builds a redis image
# offline from Debian's redis-server package (scripts/build_example_images.sh). Then it runs
# examples/jobs/redis.nomad with `deno task run-job … --image redis=localhost/ndp/redis:latest`,
# sends PING through the published port, shows the task's stats, stops and cleans up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >&2
bash scripts/test_env.sh start >&2
bash scripts/build_example_images.sh redis >&2
eval "$(bash scripts/test_env.sh env)"
exec deno run -q -P=test --no-prompt scripts/demo.ts "$@"
