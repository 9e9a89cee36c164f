#!/usr/bin/env bash
# Rebuild the peel demo image and write assets/demo/demo.tar.
# Needs: a Docker engine at $DOCKER_HOST (see docs: private dockerd), and
# Debian's busybox-static (/bin/busybox) for the base image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${DOCKER_HOST:?set DOCKER_HOST to the engine socket, e.g. unix:///tmp/peel-docker/docker.sock}"
export DOCKER_HOST

build_busybox_base() {
  if docker image inspect peel-test/busybox:base >/dev/null 2>&1; then return; fi
  local w; w="$(mktemp -d)"
  mkdir -p "$w/bb/bin" "$w/bb/tmp" "$w/bb/etc" "$w/bb/root"
  cp /bin/busybox "$w/bb/bin/"
  for a in $("$w/bb/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$w/bb/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$w/bb/etc/passwd"
  echo 'root:x:0:' > "$w/bb/etc/group"
  chmod 1777 "$w/bb/tmp"
  tar --numeric-owner -C "$w/bb" -cf "$w/bb.tar" .
  docker import -c 'CMD ["/bin/sh"]' "$w/bb.tar" peel-test/busybox:base
  rm -rf "$w"
}

build_busybox_base
chmod 0644 "$here/app/config.ini" "$here/app/id_rsa" "$here/app/dot-env"
chmod 0755 "$here/app/main.sh"
DOCKER_BUILDKIT=0 docker build -t peel-demo:latest "$here"
docker save peel-demo:latest -o "$here/demo.tar"
chmod 0644 "$here/demo.tar"
ls -l "$here/demo.tar"

# Ground-truth figures for the demo (same helper as tests/fixtures/real).
helper="$here/../../tests/fixtures/real/expected.py"
if [ -f "$helper" ] && command -v dive >/dev/null && command -v umoci >/dev/null; then
  python3 "$helper" "$here" "$(mktemp -d)/demo-expected" demo.tar > "$here/expected.json"
fi
