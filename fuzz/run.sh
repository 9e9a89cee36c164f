#!/usr/bin/env bash
# fuzz/run.sh SECONDS [TARGET...]
#
# Builds the cargo-fuzz targets (nightly, no sanitizer: peel has no unsafe;
# debug assertions and overflow checks on, as in `cargo test`), then runs
# each TARGET (default: all) for SECONDS, one after the other, at nice 19.
# Needs: the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz
# --version 0.13.2 --locked`); it installs nothing itself.
#
# Per target it prints runs executed, exec/s, coverage (cov/ft), corpus
# size, peak RSS and the slowest unit (whole seconds). Exits non-zero if any
# target found a crash, a timeout (a unit slower than FUZZ_TIMEOUT s) or an
# OOM (over FUZZ_RSS_MB MB); the input is kept under fuzz/artifacts/TARGET/ (minimize it with
# `cargo +nightly fuzz tmin --fuzz-dir fuzz -s none -a TARGET FILE`).
#
# The grown corpus stays in fuzz/corpus/TARGET (not committed); the seeds
# are in fuzz/seeds/TARGET, the committed reproducers in
# fuzz/regressions/TARGET (replayed by `cargo test --test it fuzz_regressions`).
set -euo pipefail

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
secs=$1
shift
cd "$(dirname "$0")/.."

all=(archive layer oci sniff ci_config engine registry dockerfile)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
nice_n=${FUZZ_NICE:-19}

# Largest input per target: big enough for the seeds' shapes, small enough
# that every unit is quick.
max_len() {
    case $1 in
        archive | engine) echo 262144 ;;
        layer) echo 131072 ;;
        oci | sniff) echo 65536 ;;
        registry) echo 32768 ;;
        ci_config | dockerfile) echo 16384 ;;
        *) echo 65536 ;;
    esac
}

for t in "${targets[@]}"; do
    if [ ! -d "fuzz/seeds/$t" ]; then
        echo "fuzz/run.sh: unknown target '$t' (targets: ${all[*]})" >&2
        exit 2
    fi
done

# FUZZ_NO_BUILD=1 runs the binaries already built (a second run right after
# a first one).
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    nice -n "$nice_n" cargo +nightly fuzz build --fuzz-dir fuzz -s none -a >&2
fi
bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release

failed=()
printf '%-10s %10s %8s %6s %8s %8s %7s %9s  %s\n' target runs exec/s cov ft corpus rss_mb slowest_s result
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/artifacts/$t/last-run.log"
    rc=0
    nice -n "$nice_n" "$bin_dir/$t" "fuzz/corpus/$t" "fuzz/seeds/$t" \
        -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
        -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 \
        >"$log" 2>&1 || rc=$?
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    field() { sed -nE "s/.*[[:space:]]$1: *([0-9]+[a-zA-Z]*).*/\1/p" <<<"$last" | head -n 1; }
    stat() { sed -nE "s/^stat::$1: *([0-9]+).*/\1/p" "$log" | tail -n 1; }
    runs=$(stat number_of_executed_units)
    eps=$(stat average_exec_per_sec)
    rss=$(stat peak_rss_mb)
    slowest=$(stat slowest_unit_time_sec)
    result=ok
    if [ "$rc" -ne 0 ]; then
        if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
            result=TIMEOUT
        elif grep -q 'out-of-memory\|malloc limit' "$log"; then
            result=OOM
        else
            result=CRASH
        fi
        failed+=("$t")
    fi
    printf '%-10s %10s %8s %6s %8s %8s %7s %9s  %s\n' "$t" "${runs:-?}" "${eps:-?}" \
        "$(field cov)" "$(field ft)" "$(field corp)" "${rss:-?}" "${slowest:-?}" "$result"
    if [ "$result" != ok ]; then
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz/run.sh: findings in: ${failed[*]} (logs and inputs in fuzz/artifacts/)" >&2
    exit 1
fi
