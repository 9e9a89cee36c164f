#!/usr/bin/env bash
# peel reading from the Docker engine against the export itself and dive:
#   - wall time (hyperfine) of
#       docker save IMAGE > /dev/null                 (the floor: the export alone)
#       peel --ci ... IMAGE                           (peel through the engine API)
#       dive --ci --source docker IMAGE               (dive's own engine path)
#   - peak RSS (/usr/bin/time -v) of peel and dive.
# The target is peel within 1.2x of `docker save > /dev/null`, peak RSS under
# 100 MB.
#
# Needs: a running engine (DOCKER_HOST), the image (default
# peel-bench/large-apt, ~613 MB, see benches/images/large-apt.sh), hyperfine,
# GNU time, a release build of peel (cargo build --release), dive 0.13.1.
# Results go to $OUT/.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${IMAGE:-peel-bench/large-apt}
OUT=${OUT:-/tmp/peel-bench/docker}
RUNS=${RUNS:-5}
PEEL=${PEEL:-$PWD/target/release/peel}
DIVE=${DIVE:-$(command -v dive || true)}
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
    DIVE=$(pyenv which dive)   # the real binary, not pyenv's bash shim
fi
mkdir -p "$OUT"
export CI=true
docker image inspect "$IMAGE" >/dev/null

# the machine may be shared: the load says how much to trust the figures
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

PEEL_CMD="$PEEL --ci --lowest-efficiency 0 --highest-user-wasted-percent 1 $IMAGE"
SAVE_CMD="docker save $IMAGE > /dev/null"
cmds=("$SAVE_CMD" "$PEEL_CMD")
if [ -n "$DIVE" ]; then
    DIVE_CMD="$DIVE --ci --source docker --lowestEfficiency=0 --highestUserWastedPercent=1 $IMAGE"
    cmds+=("$DIVE_CMD")
fi

hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/hyperfine.json" \
    --export-markdown "$OUT/hyperfine.md" "${cmds[@]}"

rss() { # label, command...
    local label=$1; shift
    /usr/bin/time -v "$@" > /dev/null 2> "$OUT/$label.time" || true
    printf '%-6s peak RSS %8s KB, wall %s\n' "$label" \
        "$(awk -F': ' '/Maximum resident/{print $2}' "$OUT/$label.time")" \
        "$(awk -F': ' '/Elapsed/{print $2}' "$OUT/$label.time")"
}
rss peel $PEEL_CMD
if [ -n "$DIVE" ]; then
    rss dive $DIVE_CMD
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$OUT/hyperfine.md"
