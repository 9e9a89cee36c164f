#!/usr/bin/env bash
# The file viewer on an engine image, in release: the time to the first view
# of a file in the top and in the bottom layer of the 600 MB image, and of a
# second file in the same layer (see main.rs for what each line times).
#
# Needs: a running engine (DOCKER_HOST) holding IMAGE (default
# peel-bench/large-apt:latest, ~613 MB; benches/images/large-apt.sh builds
# it, or `docker load -i /tmp/peel-bench/large-apt.tar`).
# Usage: benches/engine_viewer/run.sh [IMAGE] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${1:-peel-bench/large-apt:latest}
ROUNDS=${2:-3}
docker image inspect "$IMAGE" >/dev/null
cargo bench --bench engine_viewer --no-run
# the machine may be shared: the load says how much to trust the figures
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench --bench engine_viewer -- "$IMAGE" "$ROUNDS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
