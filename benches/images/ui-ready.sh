#!/usr/bin/env bash
# Time to the UI's first complete frame against `peel --ci`, on one archive:
#
#   benches/images/ui-ready.sh PATH/TO/peel [ARCHIVE]    # default $OUT/million-files.tar
#
# `peel --ci` is timed by /usr/bin/time; the UI runs in a real terminal
# (a detached tmux pane of 160 x 45), timed from the launch until the
# screen shows the loaded image (its "Image details" pane), polled every
# 10 ms. RUNS runs each (default 3), medians, and the ratio UI / --ci.
# Needs: tmux, /usr/bin/time.
set -euo pipefail

PEEL=$(readlink -f "${1:?usage: $0 PATH/TO/peel [ARCHIVE]}")
OUT=${OUT:-/tmp/peel-bench}
ARCHIVE=$(readlink -f "${2:-$OUT/million-files.tar}")
RUNS=${RUNS:-3}
SESSION=peel-ui-ready-$$
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

ci=()
ui=()
for _ in $(seq "$RUNS"); do
    log=$(mktemp)
    /usr/bin/time -f %e env CI= "$PEEL" --ci "$ARCHIVE" >/dev/null 2>"$log" || true
    ci+=("$(tail -1 "$log")")
    rm -f "$log"

    start=$(now)
    tmux new-session -d -s "$SESSION" -x 160 -y 45 "env CI= TERM=xterm-256color '$PEEL' '$ARCHIVE'"
    while ! tmux capture-pane -p -t "$SESSION" 2>/dev/null | grep -q 'Image details'; do
        sleep 0.01
        if ! tmux has-session -t "$SESSION" 2>/dev/null; then
            echo "the UI exited before its first frame" >&2
            exit 1
        fi
    done
    ui+=("$(echo "$(now) - $start" | bc)")
    tmux kill-session -t "$SESSION"
done

ci_m=$(printf '%s\n' "${ci[@]}" | median)
ui_m=$(printf '%s\n' "${ui[@]}" | median)
echo "archive: $ARCHIVE ($(stat -c %s "$ARCHIVE") bytes), $RUNS runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "peel --ci (s):        ${ci[*]}  median $ci_m"
echo "UI first frame (s):   ${ui[*]}  median $ui_m"
echo "ratio UI / --ci:      $(echo "scale=2; $ui_m / $ci_m" | bc)"
