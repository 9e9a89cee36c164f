#!/usr/bin/env bash
# Measure the reference figures quoted in README.md:
#   - dive's wall time (hyperfine, 3 runs) and peak RSS (/usr/bin/time -v) on
#     both docker-save archives, plus dive's --json report of each;
#   - the decompression baselines: zcat / zstdcat of every layer blob of the
#     gzip / zstd OCI layouts of large-apt, one after another, to /dev/null.
# Run many-files.sh and large-apt.sh first. Results go to $OUT/results/.
#
# Needs: dive (0.13.1), hyperfine, jq, GNU time (/usr/bin/time), gzip, zstd.
set -euo pipefail

OUT=${OUT:-/tmp/peel-bench}
RES=$OUT/results
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
DIVE=${DIVE:-$(command -v dive)}
# pyenv installs dive as a shell shim: resolve it to the real binary so the
# shim's start-up (~50 ms of bash) is not counted.
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
    DIVE=$(pyenv which dive)
fi
export CI=true
mkdir -p "$RES"
# the machine has 2 cores: other work running meanwhile skews every figure
echo "load before: $(cut -d" " -f1-3 /proc/loadavg)"

DIVE_FLAGS="--ci --lowestEfficiency=0 --highestUserWastedPercent=1"

# layer blobs of an OCI layout, in manifest order
oci_layers() {
    local dir=$1 m
    m=$(jq -r '.manifests[0].digest' "$dir/index.json" | sed 's/^sha256://')
    jq -r '.layers[].digest' "$dir/blobs/sha256/$m" | sed "s#^sha256:#$dir/blobs/sha256/#"
}

for img in many-files large-apt; do
    tar=$OUT/$img.tar
    [ -f "$tar" ] || { echo "missing $tar: run benches/images/$img.sh" >&2; exit 1; }
    echo "== dive on $img"
    # one plain run first: must complete and exit 0
    "$DIVE" $DIVE_FLAGS "docker-archive://$tar" > "$RES/$img-dive-ci.txt" 2>&1 \
        || { echo "dive --ci failed on $img (see $RES/$img-dive-ci.txt)" >&2; exit 1; }
    hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$RES/$img-dive-hyperfine.json" \
        "$DIVE $DIVE_FLAGS docker-archive://$tar"
    /usr/bin/time -v "$DIVE" $DIVE_FLAGS "docker-archive://$tar" \
        > /dev/null 2> "$RES/$img-dive-time.txt"
    grep -E 'Elapsed|Maximum resident' "$RES/$img-dive-time.txt"
    "$DIVE" --json "$OUT/$img-dive.json" "docker-archive://$tar" > /dev/null 2>&1
    jq '{size: .image.sizeBytes, inefficientBytes: .image.inefficientBytes,
         efficiencyScore: .image.efficiencyScore, layers: (.layer | length)}' \
        "$OUT/$img-dive.json"
done

echo "== decompression baselines (large-apt OCI layouts)"
GZ=$(oci_layers "$OUT/large-apt-oci-gzip" | tr '\n' ' ')
ZS=$(oci_layers "$OUT/large-apt-oci-zstd" | tr '\n' ' ')
hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$RES/large-apt-decompress-hyperfine.json" \
    -n zcat "zcat $GZ > /dev/null" \
    -n zstdcat "zstdcat -q $ZS > /dev/null"
echo "load after: $(cut -d" " -f1-3 /proc/loadavg)"
