#!/usr/bin/env bash
# Build the benchmark image `peel-bench/many-files` (~100k small files over
# several layers, with subtree deletions, an opaque directory, overwrites and
# chmod copy-ups) and save it to $OUT/many-files.tar.
#
# Idempotent: the generated build context is deterministic (fixed contents,
# sizes and mtimes), the base image is imported only once, and the legacy
# builder's cache makes a re-run take a few seconds.
#
# Needs: a Docker engine ($DOCKER_HOST), busybox-static (/bin/busybox), python3.
set -euo pipefail

export DOCKER_HOST=${DOCKER_HOST:-unix:///tmp/peel-docker/docker.sock}
export DOCKER_BUILDKIT=0
OUT=${OUT:-/tmp/peel-bench}
WORK=$OUT/work/many-files
BASE=peel-bench/busybox:base
IMAGE=peel-bench/many-files
mkdir -p "$OUT" "$WORK"

# --- 1. busybox base image (docker import), once --------------------------
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    rm -rf "$WORK/bb" && mkdir -p "$WORK/bb/bin" "$WORK/bb/tmp" "$WORK/bb/etc" "$WORK/bb/root"
    cp /bin/busybox "$WORK/bb/bin/"
    for a in $("$WORK/bb/bin/busybox" --list); do
        [ "$a" = busybox ] || ln -s busybox "$WORK/bb/bin/$a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$WORK/bb/etc/passwd"
    echo 'root:x:0:' > "$WORK/bb/etc/group"
    tar --numeric-owner --mtime=2024-01-01 -C "$WORK/bb" -cf "$WORK/bb.tar" .
    docker import -c 'CMD ["/bin/sh"]' "$WORK/bb.tar" "$BASE"
fi

# --- 2. deterministic build context ---------------------------------------
# ctx/a: 40,000 files  (a/dNN/sNN/fNNN, 40 x 20 x 50)
# ctx/b: 30,000 files  (b/partN/sNN/fNNN, 10 x 30 x 100)
# ctx/c: 30,000 files  (c/x/..., c/y/..., c/z/...; 3 x 100 x 100)
# ctx/over: 2,000 files overwriting a/d00 + a/d01 with new content
# sizes 0..2048 bytes from a fixed LCG, so the context is identical on re-runs.
CTX=$WORK/ctx
if [ ! -f "$CTX/.done-v1" ]; then
    rm -rf "$CTX"
    python3 - "$CTX" <<'PY'
import os, sys
root = sys.argv[1]
state = 12345
def rnd():
    global state
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state
def write(path, salt):
    n = rnd() % 2049
    os.makedirs(os.path.dirname(path), exist_ok=True)
    line = (f"{salt}:{path[len(root):]}\n").encode()
    data = (line * (n // len(line) + 1))[:n]
    with open(path, "wb") as f:
        f.write(data)
for d in range(40):
    for s in range(20):
        for f in range(50):
            write(f"{root}/a/d{d:02}/s{s:02}/f{f:03}.txt", "a")
for p in range(10):
    for s in range(30):
        for f in range(100):
            write(f"{root}/b/part{p}/s{s:02}/f{f:03}.dat", "b")
for x in "xyz":
    for s in range(100):
        for f in range(100):
            write(f"{root}/c/{x}/s{s:02}/f{f:03}.bin", "c")
for d in range(2):
    for s in range(20):
        for f in range(50):
            write(f"{root}/over/d{d:02}/s{s:02}/f{f:03}.txt", "over")
PY
    find "$CTX" -exec touch -h -d 2024-01-01T00:00:00Z {} +
    touch "$CTX/.done-v1"
fi

cat > "$CTX/Dockerfile" <<'EOF'
FROM peel-bench/busybox:base
# layer: 40k files
COPY a /data/a
# layer: 30k files
COPY b /data/b
# layer: 30k files
COPY c /data/c
# layer: delete a big subtree (6 of 10 parts of b = 18k files -> whiteouts)
RUN rm -rf /data/b/part0 /data/b/part1 /data/b/part2 /data/b/part3 /data/b/part4 /data/b/part5
# layer: opaque directory (rm -rf d && mkdir d), refilled with a few files
RUN rm -rf /data/c/x && mkdir /data/c/x && for i in 0 1 2 3 4 5 6 7 8 9; do echo "new $i" > /data/c/x/n$i; done
# layer: overwrite 2,000 files of /data/a with new content
COPY over /data/a
# layer: chmod copy-ups (1,000 files of a/d02 + 100 of c/y/s00) and a touch copy-up
RUN chmod -R go-r /data/a/d02 && chmod 600 /data/c/y/s00/* && touch /data/a/d03/s00/f000.txt
# layer: a 4 MiB file written, then deleted in the next layer (pure waste)
RUN dd if=/dev/zero of=/data/blob bs=1024 count=4096 2>/dev/null
RUN rm /data/blob
CMD ["/bin/sh"]
EOF
printf 'Dockerfile\n.done-v1\n' > "$CTX/.dockerignore"

# Skip the build (sending a large context and re-hashing it takes minutes)
# when the tagged image was built from this very Dockerfile; FORCE=1 rebuilds.
SUM=$(sha256sum "$CTX"/Dockerfile | cut -c1-16)
if [ "${FORCE:-0}" = 1 ] || [ "$(docker image inspect -f '{{index .Config.Labels "peel.bench.dockerfile"}}' "$IMAGE" 2>/dev/null)" != "$SUM" ]; then
    docker build --network host --label "peel.bench.dockerfile=$SUM" -t "$IMAGE" "$CTX"
fi

# --- 3. docker save (only if the image changed) ----------------------------
ID=$(docker image inspect -f '{{.Id}}' "$IMAGE")
if [ ! -f "$OUT/many-files.tar" ] || [ "$(cat "$OUT/many-files.id" 2>/dev/null)" != "$ID" ]; then
    docker save -o "$OUT/many-files.tar.tmp" "$IMAGE"
    mv "$OUT/many-files.tar.tmp" "$OUT/many-files.tar"
    echo "$ID" > "$OUT/many-files.id"
fi
ls -l "$OUT/many-files.tar"
