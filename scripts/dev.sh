#!/usr/bin/env bash
# `deno task dev`: a local Nomad agent (server + client) with this checkout as its
# podman plugin. Meant for the Vagrant VM (`vagrant up`), where Nomad is installed;
# Nomad cannot be installed on the CI machines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v nomad >/dev/null || { echo "dev: nomad is not installed (use the Vagrant VM)" >&2; exit 1; }
plugins="$(mktemp -d /tmp/ndp-plugins.XXXXXX)"
ln -s "$PWD/scripts/nomad-driver-podman" "$plugins/nomad-driver-podman"
data="$(mktemp -d /tmp/ndp-nomad-data.XXXXXX)"
for f in server client; do
  sed -e "s|/opt/nomad/plugins|$plugins|" -e "s|/opt/nomad/data|$data|" \
    "examples/nomad/$f.hcl" >"$data/$f.hcl"
done
echo "dev: plugin dir $plugins; try: nomad job run examples/jobs/redis.nomad" >&2
exec nomad agent -config "$data/server.hcl" -config "$data/client.hcl"
