#!/usr/bin/env bash
# `peel diff` of two 100k-file images against `peel --ci` on one of them:
# wall time and peak RSS (/usr/bin/time -v), RUNS runs each, medians, ratio.
#
#   benches/diff/run.sh PATH/TO/peel
#
# Needs $OUT/many-files.tar (benches/images/many-files.sh) and a Docker
# engine (DOCKER_HOST): the second image is the first plus one layer (a new
# 1 MB file and a chmod of an old one), built FROM the loaded first image and
# saved next to it. Env: OUT (default /tmp/peel-bench), RUNS (default 3).
set -euo pipefail

PEEL=$(readlink -f "${1:?usage: $0 PATH/TO/peel}")
OUT=${OUT:-/tmp/peel-bench}
RUNS=${RUNS:-3}
OLD=$OUT/many-files.tar
NEW=$OUT/many-files-plus.tar
RES=$OUT/diff
mkdir -p "$RES"

if [ ! -f "$NEW" ]; then
    id=$(cat "$OUT/many-files.id")
    docker image inspect "$id" >/dev/null 2>&1 || docker load -q -i "$OLD"
    ctx=$(mktemp -d)
    printf 'FROM %s\nRUN dd if=/dev/urandom of=/extra.bin bs=1024 count=1024 2>/dev/null\n' "$id" > "$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t peel-bench/many-files:plus "$ctx" >/dev/null
    rm -rf "$ctx"
    docker save -o "$NEW" peel-bench/many-files:plus
fi

# One run: "seconds kilobytes cpu-seconds" of the command's wall time, peak
# RSS and user+system CPU time (the machine may be shared: CPU time says
# what the run itself cost).
measure() {
    local log=$RES/time.log
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
    local wall rss cpu
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" \
        | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    echo "$wall $rss $cpu"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: > "$RES/ci.txt"
: > "$RES/diff.txt"
for _ in $(seq "$RUNS"); do
    measure env CI= "$PEEL" --ci "$OLD" >> "$RES/ci.txt"
    measure env CI= "$PEEL" diff "$OLD" "$NEW" >> "$RES/diff.txt"
done
ci_t=$(cut -d' ' -f1 "$RES/ci.txt" | median)
ci_m=$(cut -d' ' -f2 "$RES/ci.txt" | median)
diff_t=$(cut -d' ' -f1 "$RES/diff.txt" | median)
diff_m=$(cut -d' ' -f2 "$RES/diff.txt" | median)
ci_c=$(cut -d' ' -f3 "$RES/ci.txt" | median)
diff_c=$(cut -d' ' -f3 "$RES/diff.txt" | median)
echo "runs: $RUNS each (wall s, peak RSS KB, CPU s)"
echo "peel --ci OLD:       $(tr '\n' ';' < "$RES/ci.txt")"
echo "peel diff OLD NEW:   $(tr '\n' ';' < "$RES/diff.txt")"
printf 'median wall:  --ci %.2f s, diff %.2f s, ratio %.2f\n' "$ci_t" "$diff_t" "$(echo "$diff_t / $ci_t" | bc -l)"
printf 'median RSS:   --ci %.1f MB, diff %.1f MB, ratio %.2f\n' "$(echo "$ci_m / 1024" | bc -l)" "$(echo "$diff_m / 1024" | bc -l)" "$(echo "$diff_m / $ci_m" | bc -l)"
printf 'median CPU:   --ci %.2f s, diff %.2f s, ratio %.2f\n' "$ci_c" "$diff_c" "$(echo "$diff_c / $ci_c" | bc -l)"
