#!/usr/bin/env bash
# peel reading straight from a registry against skopeo and dive, on loopback:
#   - wall time (hyperfine, medians) of
#       peel --ci registry://REG/IMAGE                          (download + analysis)
#       skopeo copy docker://REG/IMAGE dir:X                     (download only: the floor)
#       skopeo copy docker://REG/IMAGE docker-archive:X && dive --ci X  (what dive users do)
#   - peak RSS (/usr/bin/time -v) of peel from the registry and from the local copy.
# The targets: peel <= 1.0x skopeo's download, >= 3x faster than skopeo+dive,
# peak RSS <= 1.2x peel on the local copy.
#
# Needs: the plain-HTTP registry of .ci/start-registry.sh (REG), skopeo,
# hyperfine, GNU time, dive 0.13.1, a release build of peel, and the bench
# images (benches/images/large-apt.sh, many-files.sh; the gzip layout of
# large-apt at /tmp/peel-bench/large-apt-oci-gzip).
set -euo pipefail
cd "$(dirname "$0")/../.."

REG=${REG:-${PEEL_REGISTRY_PLAIN:-127.0.0.1:5071}}
RUNS=${RUNS:-3}
PEEL=${PEEL:-$PWD/target/release/peel}
BENCH=${BENCH:-/tmp/peel-bench}
OUT=${OUT:-$BENCH/registry}
DIVE=${DIVE:-$(command -v dive || true)}
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
    DIVE=$(pyenv which dive)   # the real binary, not pyenv's bash shim
fi
mkdir -p "$OUT"
unset CI

# name:tag in the registry, the local copy peel compares against, how to push it
images=(
    "peel-bench/large-apt:gzip|oci:$BENCH/large-apt-oci-gzip|oci:$BENCH/large-apt-oci-gzip:latest"
    "peel-bench/many-files:gzip|$BENCH/many-files.tar|docker-archive:$BENCH/many-files.tar"
)

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "${images[@]}"; do
    IFS='|' read -r name local src <<<"$spec"
    skopeo copy -q --dest-tls-verify=false --preserve-digests "$src" "docker://$REG/$name" 2>/dev/null \
        || skopeo copy -q --dest-tls-verify=false "$src" "docker://$REG/$name"
done

rules="--lowest-efficiency 0 --highest-user-wasted-percent 1"
for spec in "${images[@]}"; do
    IFS='|' read -r name local src <<<"$spec"
    label=${name#peel-bench/}; label=${label%%:*}
    peel_cmd="$PEEL --ci $rules --plain-http registry://$REG/$name"
    dir_cmd="skopeo copy -q --src-tls-verify=false docker://$REG/$name dir:$OUT/x-dir"
    dive_cmd="skopeo copy -q --src-tls-verify=false docker://$REG/$name docker-archive:$OUT/x.tar && $DIVE --ci --source docker-archive --lowestEfficiency=0 --highestUserWastedPercent=1 $OUT/x.tar"
    hyperfine --runs "$RUNS" --prepare "rm -rf $OUT/x-dir $OUT/x.tar" \
        --export-json "$OUT/$label.json" -n peel "$peel_cmd" -n skopeo-dir "$dir_cmd" \
        -n skopeo+dive "$dive_cmd" >/dev/null
    rm -rf "$OUT/x-dir" "$OUT/x.tar"
    rss() { # what, command...
        local what=$1; shift
        local best=""
        for _ in $(seq "$RUNS"); do
            /usr/bin/time -v "$@" > /dev/null 2> "$OUT/$label-$what.time" || true
            best+="$(awk -F': ' '/Maximum resident/{print $2}' "$OUT/$label-$what.time") "
        done
        echo "$best" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
    }
    # shellcheck disable=SC2086
    rss_remote=$(rss remote $PEEL --ci $rules --plain-http "registry://$REG/$name")
    # shellcheck disable=SC2086
    rss_local=$(rss local $PEEL --ci $rules "$local")
    python3 - "$OUT/$label.json" "$label" "$rss_remote" "$rss_local" <<'PY'
import json, sys
runs = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
label, remote, local = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p, d, v = runs["peel"], runs["skopeo-dir"], runs["skopeo+dive"]
print(f"{label}: peel {p:.2f} s, skopeo dir {d:.2f} s, skopeo+dive {v:.2f} s | "
      f"peel/skopeo-dir {p/d:.2f}x, skopeo+dive/peel {v/p:.2f}x | "
      f"peak RSS {remote/1024:.1f} MiB from the registry, {local/1024:.1f} MiB local ({remote/local:.2f}x)")
PY
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
