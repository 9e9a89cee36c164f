#!/usr/bin/env bash
# peel reading straight from a registry against skopeo and dive, on loopback:
#   - wall time (medians of RUNS, the three commands interleaved run by run
#     so that the load of a shared machine falls on each alike) of
#       peel --ci registry://REG/IMAGE                          (download + analysis)
#       skopeo copy docker://REG/IMAGE dir:X                     (download only: the floor)
#       skopeo copy docker://REG/IMAGE docker-archive:X && dive --ci X  (what dive users do)
#   - CPU seconds (user+sys, GNU time; for skopeo+dive both tools) of each,
#     and of the registry process while it serves each (from /proc), which
#     shares the cores: far less sensitive to a shared machine's load;
#   - peak RSS (/usr/bin/time -v) of peel from the registry and from the local copy.
# The targets: peel <= 1.0x skopeo's download, >= 3x faster than skopeo+dive,
# peak RSS <= 1.2x peel on the local copy.
#
# Needs: the plain-HTTP registry of .ci/start-registry.sh (REG), skopeo,
# GNU time, dive 0.13.1 and the Docker engine (for the bench images). It
# builds peel (release) and the bench images (benches/images/large-apt.sh,
# many-files.sh) when they are missing, so one command runs it all:
#   source .ci/start-registry.sh && bash benches/registry/bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

REG=${REG:-${PEEL_REGISTRY_PLAIN:-127.0.0.1:5071}}
RUNS=${RUNS:-5}
PEEL=${PEEL:-$PWD/target/release/peel}
# Another build of peel (main's, say) timed in the same runs: before/after.
PEEL_BEFORE=${PEEL_BEFORE:-}
BENCH=${BENCH:-/tmp/peel-bench}
OUT=${OUT:-$BENCH/registry}
DIVE=${DIVE:-$(command -v dive || true)}
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
    DIVE=$(pyenv which dive)   # the real binary, not pyenv's bash shim
fi
mkdir -p "$OUT"
unset CI

# What is missing is made first (the images are built once and kept).
if [ "$PEEL" = "$PWD/target/release/peel" ]; then
    cargo build --release --quiet
fi
[ -f "$BENCH/large-apt-oci-gzip/index.json" ] || OUT="$BENCH" bash benches/images/large-apt.sh
[ -f "$BENCH/many-files.tar" ] || OUT="$BENCH" bash benches/images/many-files.sh

# name:tag in the registry, the local copy peel compares against, how to push it
images=(
    "peel-bench/large-apt:gzip|oci:$BENCH/large-apt-oci-gzip|oci:$BENCH/large-apt-oci-gzip:latest"
    "peel-bench/many-files:gzip|$BENCH/many-files.tar|docker-archive:$BENCH/many-files.tar"
)

# CPU seconds the registry serving REG has spent so far (0 when it is not
# a local process).
registry_cpu() {
    local port=${REG##*:} pid
    pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
    if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
        awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat"
    else
        echo 0
    fi
}

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
    cmds=("peel|$peel_cmd" "skopeo-dir|$dir_cmd" "skopeo+dive|$dive_cmd")
    if [ -n "$PEEL_BEFORE" ]; then
        cmds+=("peel-before|$PEEL_BEFORE --ci $rules --plain-http registry://$REG/$name")
    fi
    : > "$OUT/$label.times"
    for _ in $(seq "$RUNS"); do
        for run in "${cmds[@]}"; do
            rm -rf "$OUT/x-dir" "$OUT/x.tar"
            served=$(registry_cpu)
            /usr/bin/time -f "%e %U %S" -o "$OUT/x.time" bash -c "${run#*|}" > /dev/null 2>&1 || true
            served=$(echo "$(registry_cpu) - $served" | bc)
            echo "${run%%|*} $(tr '\n' ' ' < "$OUT/x.time")$served" >> "$OUT/$label.times"
        done
    done
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
    python3 - "$OUT/$label.times" "$label" "$rss_remote" "$rss_local" <<'PY'
import statistics, sys
runs, cpus, served = {}, {}, {}
for line in open(sys.argv[1]):
    name, seconds, user, system, registry = line.split()
    runs.setdefault(name, []).append(float(seconds))
    cpus.setdefault(name, []).append(float(user) + float(system))
    served.setdefault(name, []).append(float(registry))
med = {name: statistics.median(times) for name, times in runs.items()}
cpu = {name: statistics.median(times) for name, times in cpus.items()}
reg = {name: statistics.median(times) for name, times in served.items()}
label, remote, local = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p, d, v = med["peel"], med["skopeo-dir"], med["skopeo+dive"]
print(f"{label}: peel {p:.2f} s, skopeo dir {d:.2f} s, skopeo+dive {v:.2f} s | "
      f"peel/skopeo-dir {p/d:.2f}x, skopeo+dive/peel {v/p:.2f}x | "
      f"peak RSS {remote/1024:.1f} MiB from the registry, {local/1024:.1f} MiB local ({remote/local:.2f}x)")
print(f"  CPU s (user+sys): peel {cpu['peel']:.2f}, skopeo dir {cpu['skopeo-dir']:.2f}, "
      f"skopeo+dive {cpu['skopeo+dive']:.2f} | the registry serving them: "
      f"{reg['peel']:.2f}, {reg['skopeo-dir']:.2f}, {reg['skopeo+dive']:.2f} | "
      f"peel/skopeo-dir {cpu['peel']/cpu['skopeo-dir']:.2f}x")
if "peel-before" in med:
    b = med["peel-before"]
    print(f"  before: peel {b:.2f} s ({cpu['peel-before']:.2f} CPU s), peel/skopeo-dir {b/d:.2f}x; "
          f"after/before {p/b:.2f}x")
print("  runs: " + "; ".join(f"{n} " + " ".join(f"{t:.2f}" for t in ts) for n, ts in runs.items()))
PY
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
