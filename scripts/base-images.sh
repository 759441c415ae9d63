#!/usr/bin/env bash
# Local base images for air-gapped hosts and CI, where no registry can be reached:
#   gatekit/debian:bookworm     debootstrap --variant=minbase bookworm, imported with `docker import`
#   gatekit/node-base:bookworm  the same plus this machine's Node.js binary (Debian's nodejs is 18; the gateway
#                               needs ≥ 20.18, and the official binary runs on minbase's glibc and libstdc++)
# Cached: an image that exists is not rebuilt. Usage: scripts/base-images.sh [--force]
set -euo pipefail
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force="${1:-}"
command -v docker >/dev/null || { echo "base-images: docker is not installed: apt-get install docker.io (Debian package docker.io)" >&2; exit 1; }
have() { [ "$force" != "--force" ] && docker image inspect "$1" >/dev/null 2>&1; }

if ! have gatekit/debian:bookworm; then
  command -v debootstrap >/dev/null || { echo "base-images: debootstrap is not installed: apt-get install debootstrap (Debian package debootstrap); it makes the Debian base image" >&2; exit 1; }
  root=$(mktemp -d /var/tmp/gatekit-rootfs.XXXXXX)
  echo "base-images: no gatekit/debian:bookworm; making it with debootstrap (about a minute)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >/tmp/gatekit-debootstrap.log 2>&1 \
    || { echo "base-images: debootstrap failed; see /tmp/gatekit-debootstrap.log"; tail -5 /tmp/gatekit-debootstrap.log; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - gatekit/debian:bookworm >/dev/null
  rm -rf "$root"
fi

if ! have gatekit/node-base:bookworm; then
  node_bin=$(command -v node)
  ctx=$(mktemp -d)
  cp "$node_bin" "$ctx/node"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM gatekit/debian:bookworm
COPY node /usr/local/bin/node
RUN node --version
DOCKERFILE
  docker build -q -t gatekit/node-base:bookworm "$ctx" >/dev/null
  rm -rf "$ctx"
fi
echo "base-images: gatekit/debian:bookworm, gatekit/node-base:bookworm ready ($(docker run --rm gatekit/node-base:bookworm node --version))"
