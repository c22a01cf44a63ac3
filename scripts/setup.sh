#!/usr/bin/env bash
# Installs everything this repository needs on a Debian 12 machine (run as root):
# Deno 2 (from npm) and the apt packages for Podman, the test registry and journald; checks
# for Go 1.26 at /usr/local/go (the Go test modules tests/nomad and tests/interop/goclient get
# their dependencies from the Go module proxy). Idempotent: only missing pieces are installed, and
# `apt-get update` runs only when something must be installed. Prints what it did.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(
  # Podman 4.3.1 and its runtime pieces (runc, not crun: cgroups v1/hybrid here).
  podman runc conmon catatonit netavark aardvark-dns iptables uidmap slirp4netns
  # Test services: registry with htpasswd auth + TLS, standalone journald.
  docker-registry apache2-utils openssl systemd curl procps
  # Test image source.
  busybox-static
)

say() { printf '[setup] %s\n' "$*"; }

if [[ "$(id -u)" != 0 ]]; then
  echo "[setup] must run as root (apt-get, /var/lib/ndp-test, /run/ndp-test)" >&2
  exit 1
fi

# ---------------------------------------------------------------- apt packages
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  say "apt packages: all ${#APT_PACKAGES[@]} already installed"
else
  say "apt packages: installing ${missing[*]}"
  # Keep maintainer scripts from starting services (docker-registry would take :5000).
  created_policy=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=true
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}"
  if [[ "$created_policy" == true ]]; then rm -f /usr/sbin/policy-rc.d; fi
  say "apt packages: installed ${missing[*]}"
fi

# ---------------------------------------------------------------- deno
deno_major() { deno --version 2>/dev/null | sed -n 's/^deno \([0-9]*\)\..*/\1/p'; }
if [[ "$(deno_major)" == 2 ]]; then
  say "deno: $(deno --version | head -n1) already installed"
else
  command -v npm >/dev/null || {
    echo "[setup] npm is required to install Deno (npm install -g deno@2)" >&2
    exit 1
  }
  say "deno: installing with npm install -g deno@2"
  npm install -g --no-fund --no-audit deno@2
  hash -r
  [[ "$(deno_major)" == 2 ]] || {
    echo "[setup] deno 2 not on PATH after npm install" >&2
    exit 1
  }
  say "deno: installed $(deno --version | head -n1)"
fi

# ---------------------------------------------------------------- go (Go test modules)
# Debian's golang-go (1.19) is too old for the modules' go.mod; the machines ship Go 1.26.
if [[ -x /usr/local/go/bin/go ]]; then
  say "go: $(/usr/local/go/bin/go version | cut -d' ' -f3) at /usr/local/go"
else
  say "go: WARNING: no /usr/local/go/bin/go; tests/nomad and the go-plugin interop test need Go 1.26+"
fi

# ---------------------------------------------------------------- npm deps of the project
# Fills Deno's cache from deno.json/deno.lock (a no-op when already cached).
if (cd "$REPO_DIR" && deno install --quiet >/dev/null 2>&1); then
  say "deno dependencies: cached"
else
  say "deno dependencies: 'deno install' failed; tests will try again on demand"
fi

# ---------------------------------------------------------------- host tweaks
# Under systemd (e.g. the Vagrant VM) Debian's docker-registry unit would hold :5000 with its
# default config; scripts/test_env.sh runs its own registry there.
if [[ -d /run/systemd/system ]] && systemctl is-enabled -q docker-registry 2>/dev/null; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
  say "disabled the docker-registry system service (test_env.sh runs its own on :5000)"
fi
# `userns = "auto"` takes host IDs from the subordinate ranges of the user "containers".
for f in /etc/subuid /etc/subgid; do
  if ! grep -q '^containers:' "$f" 2>/dev/null; then
    echo "containers:2147483647:2147483648" >>"$f"
    say "added subordinate IDs for user namespaces (containers) to $f"
  fi
done
# Rootless Podman tests (issue 8): an unprivileged user with subordinate IDs; its Podman API
# service is started by scripts/test_env.sh.
NDP_ROOTLESS_USER=ndp-rootless
if ! id "$NDP_ROOTLESS_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /usr/sbin/nologin "$NDP_ROOTLESS_USER"
  say "created the rootless test user $NDP_ROOTLESS_USER (uid $(id -u "$NDP_ROOTLESS_USER"))"
fi
for f in /etc/subuid /etc/subgid; do
  if ! grep -q "^$NDP_ROOTLESS_USER:" "$f" 2>/dev/null; then
    echo "$NDP_ROOTLESS_USER:100000:65536" >>"$f"
    say "added subordinate IDs of $NDP_ROOTLESS_USER to $f"
  fi
done
mkdir -p /var/lib/ndp-test /run/ndp-test
say "done"
