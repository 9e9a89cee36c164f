#!/usr/bin/env bash
# What digest verification costs.
#
#   benches/images/verify.sh PATH/TO/new/peel [PATH/TO/old/peel]
#
# For many-files.tar and large-apt.tar (docker-save archives, layers walked in
# parallel) and the gzip/zstd OCI layouts of large-apt, each of RUNS rounds
# runs, one after the other (alternating, so that a load change on the machine
# hits every side alike):
#   old       OLD --ci ...              (default /tmp/peel-main-before: main before verification)
#   noverify  NEW --ci --no-verify ...  (must be within 5 % of old)
#   verify    NEW --ci ...              (the default: every digest checked)
#   sha256sum the layer tars hashed by sha256sum, one process per core
#             (`xargs -P nproc`), as the issue asks
#   openssl   the same with `openssl dgst -sha256` (SHA-NI, as peel's sha2):
#             the real floor on a CPU with SHA extensions
# and prints the median wall time and the median CPU time (user + system) of
# each, with the ratios. The layer tars are extracted once into
# $OUT/verify-layers/ for sha256sum and openssl (not timed).
#
# A shell script rather than criterion/divan: the figures are whole runs of the
# binary on the real benchmark images (the issue's figures), compared with a
# separate binary (main's) and with sha256sum, which a cargo bench cannot run
# side by side. Env: OUT (default /tmp/peel-bench), RUNS (default 5), FLAGS
# (peel's flags; the default passes the rules on both benchmark images).
set -euo pipefail

NEW=$(readlink -f "${1:?usage: $0 NEW_PEEL [OLD_PEEL]}")
OLD=$(readlink -f "${2:-/tmp/peel-main-before}")
OUT=${OUT:-/tmp/peel-bench}
RUNS=${RUNS:-5}
RES=$OUT/verify
CORES=$(nproc)
export CI=true
FLAGS=${FLAGS:-"--ci --lowest-efficiency 0 --highest-user-wasted-percent 1"}
mkdir -p "$RES"

for f in many-files.tar large-apt.tar large-apt-oci-gzip/index.json large-apt-oci-zstd/index.json; do
    [ -e "$OUT/$f" ] || { echo "missing $OUT/$f: run benches/images/many-files.sh and large-apt.sh first" >&2; exit 1; }
done
for bin in "$NEW" "$OLD"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done
"$NEW" --help | grep -q -- --no-verify || { echo "$NEW has no --no-verify" >&2; exit 1; }

# The layer members of a docker-save archive, extracted once (cached by the
# archive's size and mtime) into $RES/../verify-layers/NAME/.
layers_of() {
    local tar=$1 name dir stamp
    name=$(basename "$tar" .tar)
    dir=$OUT/verify-layers/$name
    stamp="$(stat -c '%s %Y' "$tar")"
    if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        tar -xf "$tar" -C "$dir" --wildcards '*.tar' 'blobs/*' 2>/dev/null || tar -xf "$tar" -C "$dir"
        echo "$stamp" > "$dir/.stamp"
    fi
    # the members manifest.json lists as layers
    jq -r '.[0].Layers[]' "$dir/manifest.json" 2>/dev/null | sed "s#^#$dir/#" \
        || find "$dir" -name layer.tar
}

# "wall cpu" seconds of one run of a command (cpu: user + system, of it and
# its children; steadier than wall time on a busy machine); its exit must be 0
seconds() {
    if ! /usr/bin/time -f "%e %U %S" -o "$RES/time.txt" "$@" > "$RES/last.out" 2>&1; then
        echo "FAILED: $* (see $RES/last.out)" >&2
        cat "$RES/last.out" >&2
        exit 1
    fi
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$RES/time.txt"
}
# median of column $1 of the lines on stdin
median() { awk -v c="$1" '{ print $c }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

# coreutils sha256sum (9.1 in Debian 12 is portable C, no SHA-NI), and
# openssl (SHA-NI when the CPU has it, as peel's sha2): one process per core
hash_layers() { xargs -0 -n 1 -P "$CORES" sha256sum < "$1" > /dev/null; }
openssl_layers() { xargs -0 -n 1 -P "$CORES" openssl dgst -sha256 < "$1" > /dev/null; }
export -f hash_layers openssl_layers
export CORES

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($CORES cores)"
echo "new: $NEW"
echo "old: $OLD"
TABLE=()
for target in many-files.tar large-apt.tar oci:large-apt-oci-gzip oci:large-apt-oci-zstd; do
    case $target in
        oci:*) path=$OUT/${target#oci:}; arg=oci:$path ;;
        *) path=$OUT/$target; arg=$path ;;
    esac
    list=""
    if [ -f "$path" ]; then
        list=$RES/$(basename "$path").layers
        layers_of "$path" | tr '\n' '\0' > "$list"
        bytes=$(xargs -0 stat -c %s < "$list" | awk '{ s += $1 } END { print s }')
        echo "=== $target ($(tr -cd '\0' < "$list" | wc -c) layers, $bytes bytes of layer tars)"
    else
        echo "=== $target"
    fi
    : > "$RES/old.t"; : > "$RES/noverify.t"; : > "$RES/verify.t"; : > "$RES/sha.t"; : > "$RES/ossl.t"
    for i in $(seq "$RUNS"); do
        # shellcheck disable=SC2086
        seconds "$OLD" $FLAGS "$arg" >> "$RES/old.t"
        # shellcheck disable=SC2086
        seconds "$NEW" $FLAGS --no-verify "$arg" >> "$RES/noverify.t"
        # shellcheck disable=SC2086
        seconds "$NEW" $FLAGS "$arg" >> "$RES/verify.t"
        if [ -n "$list" ]; then
            seconds bash -c 'hash_layers "$0"' "$list" >> "$RES/sha.t"
            seconds bash -c 'openssl_layers "$0"' "$list" >> "$RES/ossl.t"
        fi
        echo "  round $i (wall cpu): old $(tail -1 "$RES/old.t")  no-verify $(tail -1 "$RES/noverify.t")  verify $(tail -1 "$RES/verify.t")  sha256sum $(tail -1 "$RES/sha.t" 2>/dev/null || echo -)  openssl $(tail -1 "$RES/ossl.t" 2>/dev/null || echo -)"
    done
    for col in 1 2; do
        old=$(median $col < "$RES/old.t")
        nov=$(median $col < "$RES/noverify.t")
        ver=$(median $col < "$RES/verify.t")
        sha=$( [ -s "$RES/sha.t" ] && median $col < "$RES/sha.t" || echo "")
        ossl=$( [ -s "$RES/ossl.t" ] && median $col < "$RES/ossl.t" || echo "")
        kind=$( [ $col = 1 ] && echo wall || echo cpu)
        TABLE+=("$(printf '%-24s %5s %8s %10s %8s %10s %8s %10s %12s %11s %12s' "$target" "$kind" "$old" "$nov" "$ver" "${sha:--}" "${ossl:--}" \
            "$(ratio "$nov" "$old")" "$(ratio "$ver" "$nov")" "$( [ -n "$sha" ] && ratio "$ver" "$sha" || echo -)" \
            "$( [ -n "$ossl" ] && ratio "$ver" "$ossl" || echo -)")")
    done
done
echo
echo "medians of $RUNS alternating runs, seconds (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-24s %5s %8s %10s %8s %10s %8s %10s %12s %11s %12s\n' image "" old no-verify verify sha256sum openssl \
    "nover/old" "verify/nover" "verify/sha" "verify/ossl"
printf '%s\n' "${TABLE[@]}"
