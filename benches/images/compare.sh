#!/usr/bin/env bash
# Side-by-side benchmark of peel against dive (and against plain decompression).
#
#   benches/images/compare.sh PATH/TO/peel
#
# For both docker-save archives (many-files, large-apt):
#   hyperfine: peel --ci ... X.tar   vs   dive --ci ... docker-archive://X.tar
#   /usr/bin/time -v of each: wall time; peak RSS: the median of RSS_RUNS runs
# For the OCI layouts of large-apt:
#   hyperfine: peel --ci oci:large-apt-oci-gzip vs zcat of all layer blobs
#              peel --ci oci:large-apt-oci-zstd vs zstdcat of all layer blobs
# Then a table of ratios (peel / reference; < 1 means peel is faster/smaller).
#
# Run many-files.sh and large-apt.sh first. Env: OUT (default /tmp/peel-bench),
# RUNS (default 3), DIVE (default: dive on PATH, resolved through pyenv).
set -euo pipefail

PEEL=${1:?usage: $0 PATH/TO/peel}
PEEL=$(readlink -f "$PEEL")
OUT=${OUT:-/tmp/peel-bench}
RES=$OUT/compare
RUNS=${RUNS:-3}
RSS_RUNS=${RSS_RUNS:-7}
WARMUP=${WARMUP:-1}
DIVE=${DIVE:-$(command -v dive)}
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
    DIVE=$(pyenv which dive)
fi
export CI=true
mkdir -p "$RES"
# the machine has 2 cores: other work running meanwhile skews every figure
echo "load before: $(cut -d" " -f1-3 /proc/loadavg)"

DIVE_FLAGS="--ci --lowestEfficiency=0 --highestUserWastedPercent=1"
PEEL_FLAGS="--ci --lowest-efficiency 0 --highest-user-wasted-percent 1"

for f in many-files.tar large-apt.tar large-apt-oci-gzip/index.json large-apt-oci-zstd/index.json; do
    [ -e "$OUT/$f" ] || { echo "missing $OUT/$f: run benches/images/*.sh first" >&2; exit 1; }
done

oci_layers() {
    local dir=$1 m
    m=$(jq -r '.manifests[0].digest' "$dir/index.json" | sed 's/^sha256://')
    jq -r '.layers[].digest' "$dir/blobs/sha256/$m" | sed "s#^sha256:#$dir/blobs/sha256/#"
}

# mean seconds of result $2 (0-based) in hyperfine json $1
mean() { jq -r ".results[$2].mean" "$1"; }
# "wall_seconds rss_kib" from a /usr/bin/time -v report
timev() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
        /Maximum resident set size/ { r = $2 }
        END { printf "%s %s\n", w, r }' "$1"
}
# median peak RSS (KiB) of RSS_RUNS runs of a command: dive's Go heap peaks
# differently from run to run (±15 %), so one run is not a figure
median_rss() {
    local i out=()
    for i in $(seq "$RSS_RUNS"); do
        /usr/bin/time -f "%M" -o "$RES/rss.txt" "$@" > /dev/null 2>&1 || true
        out+=("$(tail -1 "$RES/rss.txt")")
    done
    printf '%s\n' "${out[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# run a command once, check it exits 0 (a failing analysis is not a benchmark)
check() {
    local name=$1; shift
    if ! "$@" > "$RES/$name.out" 2>&1; then
        echo "WARNING: '$*' exited non-zero (see $RES/$name.out)" >&2
    fi
}

ROWS=()
row() { ROWS+=("$(printf '%-34s %12s %12s %8s' "$1" "$2" "$3" "$4")"); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

for img in many-files large-apt; do
    tar=$OUT/$img.tar
    echo "=== $img: peel vs dive"
    check "$img-peel" "$PEEL" $PEEL_FLAGS "$tar"
    check "$img-dive" "$DIVE" $DIVE_FLAGS "docker-archive://$tar"
    hyperfine --runs "$RUNS" --warmup "$WARMUP" --ignore-failure --export-json "$RES/$img-hyperfine.json" \
        -n peel "$PEEL $PEEL_FLAGS $tar" \
        -n dive "$DIVE $DIVE_FLAGS docker-archive://$tar"
    /usr/bin/time -v "$PEEL" $PEEL_FLAGS "$tar" > /dev/null 2> "$RES/$img-peel-time.txt" || true
    /usr/bin/time -v "$DIVE" $DIVE_FLAGS "docker-archive://$tar" > /dev/null 2> "$RES/$img-dive-time.txt" || true
    read -r pw _ < <(timev "$RES/$img-peel-time.txt")
    read -r dw _ < <(timev "$RES/$img-dive-time.txt")
    pr=$(median_rss "$PEEL" $PEEL_FLAGS "$tar")
    dr=$(median_rss "$DIVE" $DIVE_FLAGS "docker-archive://$tar")
    pm=$(mean "$RES/$img-hyperfine.json" 0); dm=$(mean "$RES/$img-hyperfine.json" 1)
    row "$img: mean time (s), hyperfine" "$(printf %.3f "$pm")" "$(printf %.3f "$dm")" "$(ratio "$pm" "$dm")"
    row "$img: wall (s), time -v" "$pw" "$dw" "$(ratio "$pw" "$dw")"
    row "$img: peak RSS (MiB), median" "$(awk -v k="$pr" 'BEGIN{printf "%.1f", k/1024}')" \
        "$(awk -v k="$dr" 'BEGIN{printf "%.1f", k/1024}')" "$(ratio "$pr" "$dr")"
done

echo "=== large-apt OCI layouts: peel vs plain decompression"
GZ=$(oci_layers "$OUT/large-apt-oci-gzip" | tr '\n' ' ')
ZS=$(oci_layers "$OUT/large-apt-oci-zstd" | tr '\n' ' ')
for fmt in gzip zstd; do
    layout=$OUT/large-apt-oci-$fmt
    if [ $fmt = gzip ]; then base="zcat $GZ > /dev/null"; bname=zcat; else base="zstdcat -q $ZS > /dev/null"; bname=zstdcat; fi
    check "oci-$fmt-peel" "$PEEL" $PEEL_FLAGS "oci:$layout"
    hyperfine --runs "$RUNS" --warmup "$WARMUP" --ignore-failure --export-json "$RES/oci-$fmt-hyperfine.json" \
        -n peel "$PEEL $PEEL_FLAGS oci:$layout" \
        -n "$bname" "$base"
    /usr/bin/time -v "$PEEL" $PEEL_FLAGS "oci:$layout" > /dev/null 2> "$RES/oci-$fmt-peel-time.txt" || true
    read -r pw pr < <(timev "$RES/oci-$fmt-peel-time.txt")
    pm=$(mean "$RES/oci-$fmt-hyperfine.json" 0); bm=$(mean "$RES/oci-$fmt-hyperfine.json" 1)
    row "oci-$fmt: mean time (s) vs $bname" "$(printf %.3f "$pm")" "$(printf %.3f "$bm")" "$(ratio "$pm" "$bm")"
    row "oci-$fmt: peel peak RSS (MiB)" "$(awk -v k="$pr" 'BEGIN{printf "%.1f", k/1024}')" "-" "-"
done

echo
{
    printf '%-34s %12s %12s %8s\n' "measure" "peel" "reference" "ratio"
    printf '%-34s %12s %12s %8s\n' "----------------------------------" "------------" "------------" "--------"
    printf '%s\n' "${ROWS[@]}"
} | tee "$RES/table.txt"
echo "(reference = dive for the .tar rows, zcat/zstdcat for the oci rows; details in $RES)"
echo "load after: $(cut -d" " -f1-3 /proc/loadavg)"
