# shellcheck shell=bash
# Start a private Docker engine for peel's engine tests, and export
# DOCKER_HOST. Meant to be sourced by .ci/run:
#
#   source .ci/start-docker.sh
#
# On a fresh Debian machine: installs Debian's docker.io, busybox-static (the
# tests make their base image from it with `docker import`) and podman (the
# tests run a private Podman API service when it is there), then starts
# dockerd with loopback-only networking and its own folders under
# /tmp/peel-docker, as ../shared/guide/docker-engine.md describes. Reuses an
# engine already answering on that socket. Fails (returns 1) with a clear
# message when the engine does not answer within 60 s.

peel_docker_dir="${PEEL_DOCKER_DIR:-/tmp/peel-docker}"
peel_docker_sock="$peel_docker_dir/docker.sock"

peel_docker_fail() {
  echo "start-docker: $*" >&2
  if [ -f "$peel_docker_dir/dockerd.log" ]; then
    echo "start-docker: last lines of $peel_docker_dir/dockerd.log:" >&2
    tail -n 20 "$peel_docker_dir/dockerd.log" >&2
  fi
  return 1
}

peel_docker_start() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      peel_docker_fail "not root and no sudo: cannot install or start dockerd"
      return 1
    }
    sudo="sudo"
  fi

  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v docker >/dev/null 2>&1 || need+=(docker.io)
  [ -x /bin/busybox ] || need+=(busybox-static)
  if [ "${#need[@]}" -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    $sudo apt-get update -qq || { peel_docker_fail "apt-get update failed"; return 1; }
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${need[@]}" >/dev/null || { peel_docker_fail "apt-get install ${need[*]} failed"; return 1; }
  fi
  # Podman is optional: its tests run (and are required) when it installs.
  if ! command -v podman >/dev/null 2>&1; then
    echo "== apt-get install podman"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      podman >/dev/null || echo "start-docker: podman did not install; its tests will be skipped" >&2
  fi
  if command -v podman >/dev/null 2>&1; then
    export PEEL_REQUIRE_PODMAN=1
  fi

  export DOCKER_HOST="unix://$peel_docker_sock"
  if docker version >/dev/null 2>&1; then
    echo "== reusing the Docker engine at $DOCKER_HOST"
    return 0
  fi

  local driver
  for driver in overlay2 vfs; do
    echo "== starting a private dockerd ($driver) at $DOCKER_HOST"
    $sudo mkdir -p "$peel_docker_dir"
    # A pidfile left by an engine that was killed stops dockerd from starting.
    if [ -f "$peel_docker_dir/dockerd.pid" ] &&
      ! $sudo kill -0 "$($sudo cat "$peel_docker_dir/dockerd.pid")" 2>/dev/null; then
      $sudo rm -f "$peel_docker_dir/dockerd.pid"
    fi
    # Loopback-only networking (no bridge, no iptables), own data-root,
    # exec-root, pidfile and socket.
    $sudo sh -c "nohup dockerd --storage-driver=$driver --iptables=false --ip-masq=false --bridge=none \
      --data-root $peel_docker_dir/root --exec-root $peel_docker_dir/exec \
      --pidfile $peel_docker_dir/dockerd.pid -H $DOCKER_HOST \
      > $peel_docker_dir/dockerd.log 2>&1 & echo \$! > $peel_docker_dir/launch.pid"
    local waited=0 pid
    pid=$($sudo cat "$peel_docker_dir/launch.pid" 2>/dev/null)
    until docker version >/dev/null 2>&1; do
      if [ -n "$pid" ] && ! $sudo kill -0 "$pid" 2>/dev/null; then
        echo "start-docker: dockerd ($driver) exited:" >&2
        tail -n 5 "$peel_docker_dir/dockerd.log" >&2
        continue 2
      fi
      if [ "$waited" -ge 60 ]; then
        peel_docker_fail "dockerd did not answer on $DOCKER_HOST within 60 s"
        return 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
    break
  done
  if ! docker version >/dev/null 2>&1; then
    peel_docker_fail "dockerd would not start with overlay2 nor vfs storage"
    return 1
  fi
  if [ -n "$sudo" ]; then
    $sudo chmod 666 "$peel_docker_sock"
  fi
  echo "== Docker engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') is up"
}

peel_docker_start || return 1 2>/dev/null || exit 1
