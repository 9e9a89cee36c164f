#!/usr/bin/env bash
# Regenerate the PNG screenshots in this directory from real runs: the release
# binary in tmux at a fixed size, keys sent as a user would, each screen
# captured with its colours (`capture-pane -e`) and rendered by render.py.
#
#   screenshots/make.sh                 # demo image + the large image
#   BIG=/path/to/big.tar screenshots/make.sh
#
# Needs tmux and Pillow (Debian: tmux python3-pil, fonts-dejavu-core). The
# large image defaults to /tmp/peel-bench/many-files.tar (built by
# benches/images/many-files.sh); its shots are skipped when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

COLS=160
ROWS=45
BIG=${BIG:-/tmp/peel-bench/many-files.tar}
PY=${PYTHON:-/usr/bin/python3}
OUT=screenshots
SESSION=peel-shots-$$
WORK=$(mktemp -d)
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet
BIN=$PWD/target/release/peel

start() { # IMAGE (at COLS x ROWS)
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    tmux new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" \
        "env -u CI -u NO_COLOR TERM=xterm-256color $BIN $1; sleep 5"
    wait_for "Layer 1 of" 600
}

wait_for() { # TEXT [TENTHS]
    for _ in $(seq "${2:-100}"); do
        if tmux capture-pane -p -t "$SESSION" | grep -qF -- "$1"; then
            return 0
        fi
        sleep 0.1
    done
    echo "make.sh: '$1' never appeared" >&2
    tmux capture-pane -p -t "$SESSION" >&2
    return 1
}

keys() { # KEY...
    for k in "$@"; do
        tmux send-keys -t "$SESSION" "$k"
        sleep 0.15
    done
    sleep 0.4
}

shot() { # NAME
    # Capture once the screen has settled: two captures 0.3 s apart agree
    # (a frame caught while it is being drawn is never rendered).
    local prev=""
    for _ in $(seq 20); do
        tmux capture-pane -p -e -t "$SESSION" > "$WORK/$1.txt"
        if [ -n "$prev" ] && cmp -s "$prev" "$WORK/$1.txt"; then
            break
        fi
        cp "$WORK/$1.txt" "$WORK/$1.prev"
        prev=$WORK/$1.prev
        sleep 0.3
    done
    "$PY" "$OUT/render.py" "$WORK/$1.txt" "$OUT/$1.png" --cols "$COLS" --rows "$ROWS"
    echo "wrote $OUT/$1.png"
}

# --- the demo image -------------------------------------------------------
# dive's view (the default): the whole filesystem at layer 5, its changes
# marked.
start assets/demo/demo.tar
keys j j j j j Tab
wait_for "Contents at layer 5 · its changes marked"
shot demo-layers-tree

keys c
wait_for "Layer 5 changes"
shot demo-changes-only
keys C-l

keys Tab C-a j j j j j j Tab
wait_for "Contents at layer 11"
shot demo-aggregated

keys w
wait_for "Wasted: "
keys Space
wait_for "▾ /var/cache/apk/"
shot demo-waste
keys Space

keys L
wait_for "Largest files"
keys j H
wait_for "History of /opt/peel/blob.bin"
shot demo-history
keys Escape L

keys / c s v Enter n
wait_for "filter re:csv"
keys Tab k k k k k k Tab
shot demo-search

keys Escape / b l o b Enter n Enter
wait_for "blob.bin (layer"
shot demo-viewer

keys q '?'
wait_for "esc, q or ? closes"
shot demo-help
keys Escape q

# The findings view on a fresh run: layer 3 selected in the layers pane, then
# the third finding (the apk cache: advice, command and its six paths).
start assets/demo/demo.tar
keys j j j f j j
wait_for "warning · package-cache"
wait_for "/var/cache/apk/zlib.apk"
shot demo-findings
keys q

# 80 x 24, the size designed for first: dive's view and the grouped waste.
COLS=80 ROWS=24
start assets/demo/demo.tar
keys j j j j j Tab
wait_for "Contents at layer 5"
shot demo-80x24
keys w Space
wait_for "▾ /var/cache/apk/"
shot demo-80x24-waste
keys q
COLS=160 ROWS=45

# --- a large image --------------------------------------------------------
if [ -f "$BIG" ]; then
    start "$BIG"
    # All changes at the last layer, every directory collapsed, largest first,
    # the largest one opened.
    keys C-a End Tab C-Space C-o g Space
    wait_for "Contents at layer"
    shot large-tree
    keys w
    wait_for "Wasted: "
    shot large-waste
    keys w / s 0 7 / f 0 2 Enter n
    wait_for "filter re:s07/f02"
    shot large-search
    keys Escape q
else
    echo "make.sh: $BIG is missing; skipping the large-image shots" >&2
fi
