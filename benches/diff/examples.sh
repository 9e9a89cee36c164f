#!/usr/bin/env bash
# The README's "Comparing images" examples, made by the real binary:
#
#   benches/diff/examples.sh PATH/TO/peel [OUT]
#
# Builds peel-test/diff-app:main and :pr-42 (legacy builder, as the engine
# tests build tests/it/diff/engine.rs's V1 and "del" images) on
# peel-it/busybox:base, which the engine tests import (run
# `cargo test --test it diff::engine` once first), saves main as main.tar,
# and writes text.txt, diff.json, diff.md and ci.txt into OUT (default
# /tmp/peel-diff-examples). Needs DOCKER_HOST.
set -euo pipefail

PEEL=$(readlink -f "${1:?usage: $0 PATH/TO/peel [OUT]}")
OUT=${2:-/tmp/peel-diff-examples}
BASE=peel-it/busybox:base
mkdir -p "$OUT"
cd "$OUT"
docker image inspect "$BASE" >/dev/null

build() { # TAG DOCKERFILE
    local ctx
    ctx=$(mktemp -d)
    printf '%s\n' "$2" > "$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t "$1" "$ctx" >/dev/null 2>&1
    rm -rf "$ctx"
}
build peel-test/diff-app:main "FROM $BASE
RUN mkdir -p /app/lib && echo one > /app/a.txt && dd if=/dev/zero of=/app/data.bin bs=1024 count=64 2>/dev/null
RUN mkdir -p /app && echo conf > /app/conf && ln -s /app/a.txt /app/link"
build peel-test/diff-app:pr-42 "FROM peel-test/diff-app:main
RUN rm /app/data.bin && echo two >> /app/a.txt && chmod 600 /app/conf"
docker save -o main.tar peel-test/diff-app:main

NEW=docker://peel-test/diff-app:pr-42
export -n CI
"$PEEL" diff main.tar "$NEW" > text.txt
"$PEEL" diff --json diff.json main.tar "$NEW" > /dev/null
"$PEEL" diff --markdown - --highest-growth 5% --fail-on-new deleted-later main.tar "$NEW" \
    > diff.md 2>/dev/null || [ $? = 1 ]
"$PEEL" --json main.json main.tar > /dev/null
"$PEEL" --ci --baseline main.json --highest-growth 10% --fail-on-new secret "$NEW" \
    > ci.txt || [ $? = 1 ]
echo "written to $OUT: text.txt diff.json diff.md ci.txt"
