#!/usr/bin/env python3
"""Write fuzz/seeds/registry/manifest-* from a real registry's answers.

Usage: python3 fuzz/seeds/capture_registry.py HOST:PORT REPO:TAG...
(the loopback registry of .ci/start-registry.sh, $PEEL_REGISTRY_PLAIN, with
images pushed there). Each seed is the `registry` target's mode 4: a head
line (Content-Type and Docker-Content-Digest as served), the manifest, then
NUL-separated what peel fetches next, in order: for an index the first
manifest's bytes, then the config.
"""
import json
import os
import sys
import urllib.request

ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry")


def get(host, repo, kind, ref):
    req = urllib.request.Request(f"http://{host}/v2/{repo}/{kind}/{ref}",
                                 headers={"Accept": ACCEPT})
    with urllib.request.urlopen(req) as r:
        return r.headers.get("Content-Type", ""), r.headers.get("Docker-Content-Digest", ""), r.read()


def main():
    host = sys.argv[1]
    for name in sys.argv[2:]:
        repo, tag = name.rsplit(":", 1)
        media, digest, top = get(host, repo, "manifests", tag)
        parts = [top]
        doc = json.loads(top)
        manifest = doc
        if "manifests" in doc and doc["manifests"]:
            child = doc["manifests"][0]["digest"]
            _, _, body = get(host, repo, "manifests", child)
            parts.append(body)
            manifest = json.loads(body)
        if "config" in manifest:
            _, _, config = get(host, repo, "blobs", manifest["config"]["digest"])
            parts.append(config)
        data = bytes([4]) + f"{media} {digest}\n".encode() + b"\0".join(parts)
        seed = os.path.join(OUT, "manifest-" + repo.split("/")[-1].split("-")[-1] + "-" + tag)
        with open(seed, "wb") as f:
            f.write(data)
        print(seed, len(data))


if __name__ == "__main__":
    main()
