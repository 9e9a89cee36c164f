#!/usr/bin/env bash
# Build the benchmark image `peel-bench/large-apt` (~500 MB, a Debian bookworm
# minbase imported with `docker import`, then apt layers that leave their
# caches behind, a later layer that deletes them, and a chmod copy-up of a big
# file), save it to $OUT/large-apt.tar, and convert it to two OCI layouts
# (gzip and zstd layers) with skopeo.
#
# Idempotent: debootstrap + import run once (image peel-bench/debian:bookworm-minbase),
# the RUN layers come from the legacy builder's cache on re-runs, and the
# archive / OCI layouts are rewritten only when the image id changes.
#
# Needs: a Docker engine ($DOCKER_HOST), debootstrap, skopeo, and the Debian
# mirror (RUN steps use `--network host`).
set -euo pipefail

export DOCKER_HOST=${DOCKER_HOST:-unix:///tmp/peel-docker/docker.sock}
export DOCKER_BUILDKIT=0
OUT=${OUT:-/tmp/peel-bench}
WORK=$OUT/work/large-apt
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE=peel-bench/debian:bookworm-minbase
IMAGE=peel-bench/large-apt
mkdir -p "$OUT" "$WORK"

# --- 1. debootstrap minbase, imported once ---------------------------------
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    rm -rf "$WORK/rootfs"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR"
    tar --numeric-owner -C "$WORK/rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$BASE"
    rm -rf "$WORK/rootfs"
fi

# --- 2. apt layers ---------------------------------------------------------
mkdir -p "$WORK/ctx"
cat > "$WORK/ctx/Dockerfile" <<'EOF'
FROM peel-bench/debian:bookworm-minbase
ENV DEBIAN_FRONTEND=noninteractive
# apt waste: lists + downloaded .debs stay in the layer
RUN apt-get update && apt-get install -y --no-install-recommends gcc
# second apt run (no update): apt's binary caches are rewritten (overwrite ->
# waste) and more .debs are kept
RUN apt-get install -y --no-install-recommends make xz-utils
# later layer deletes the caches: everything above under these paths is waste
RUN rm -rf /var/lib/apt/lists/* /var/cache/apt/*
# chmod copy-up of a large file (cc1, ~32 MB): the whole file is stored again
RUN chmod 700 /usr/lib/gcc/x86_64-linux-gnu/12/cc1
CMD ["/bin/bash"]
EOF

# Skip the build (sending a large context and re-hashing it takes minutes)
# when the tagged image was built from this very Dockerfile; FORCE=1 rebuilds.
SUM=$(sha256sum "$WORK/ctx"/Dockerfile | cut -c1-16)
if [ "${FORCE:-0}" = 1 ] || [ "$(docker image inspect -f '{{index .Config.Labels "peel.bench.dockerfile"}}' "$IMAGE" 2>/dev/null)" != "$SUM" ]; then
    docker build --network host --label "peel.bench.dockerfile=$SUM" -t "$IMAGE" "$WORK/ctx"
fi

# --- 3. docker save + OCI layouts (only if the image changed) ---------------
ID=$(docker image inspect -f '{{.Id}}' "$IMAGE")
if [ ! -f "$OUT/large-apt.tar" ] || [ "$(cat "$OUT/large-apt.id" 2>/dev/null)" != "$ID" ]; then
    docker save -o "$OUT/large-apt.tar.tmp" "$IMAGE"
    mv "$OUT/large-apt.tar.tmp" "$OUT/large-apt.tar"
    rm -rf "$OUT/large-apt-oci-gzip" "$OUT/large-apt-oci-zstd"
    echo "$ID" > "$OUT/large-apt.id"
fi
if [ ! -f "$OUT/large-apt-oci-gzip/index.json" ]; then
    rm -rf "$OUT/large-apt-oci-gzip"
    skopeo copy "docker-archive:$OUT/large-apt.tar" "oci:$OUT/large-apt-oci-gzip:latest"
fi
if [ ! -f "$OUT/large-apt-oci-zstd/index.json" ]; then
    rm -rf "$OUT/large-apt-oci-zstd"
    skopeo copy --dest-compress-format zstd \
        "docker-archive:$OUT/large-apt.tar" "oci:$OUT/large-apt-oci-zstd:latest"
fi
ls -l "$OUT/large-apt.tar"
du -sh "$OUT/large-apt-oci-gzip" "$OUT/large-apt-oci-zstd"
