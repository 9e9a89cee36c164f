#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/seeds/TARGET/) from the shared fixtures and
from small archives built here (docker-save, oci-archive, layers with
whiteouts, opaque markers, links, PAX and GNU long names). Run from the
repository root: python3 fuzz/seeds/make_seeds.py. Deterministic output."""
import gzip, hashlib, io, json, os, sys, tarfile

FIXTURES = "/work/shared/fixtures/dive"
OUT = "fuzz/seeds"
MTIME = 1700000000


def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def tar_of(members, fmt=tarfile.PAX_FORMAT):
    """members: (name, kind, payload) with kind file/dir/symlink/hardlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                t.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = payload
                t.addfile(info)
            else:
                info.size = len(payload)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


def zst(data):
    import subprocess
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE, check=True).stdout


def sha(data):
    return hashlib.sha256(data).hexdigest()


LAYER1 = tar_of([
    ("etc/", "dir", None),
    ("etc/hosts", "file", b"127.0.0.1 localhost\n"),
    ("etc/ssl/private/key.pem", "file", b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"),
    ("usr/lib/ssl/cert.pem", "symlink", "/etc/ssl/certs/ca-certificates.crt"),
    ("var/lib/apt/lists/x_Packages", "file", b"Package: x\n" * 20),
    ("app/" + "long-name-" * 12 + "end.txt", "file", b"long pax name\n"),
    ("app/data.bin", "file", bytes(range(256)) * 4),
])
LAYER2 = tar_of([
    ("etc/.wh.hosts", "file", b""),
    ("var/lib/apt/lists/.wh..wh..opq", "file", b""),
    ("app/data-link", "hardlink", "app/data.bin"),
    ("app/data.bin", "file", bytes(range(256)) * 4),
    ("./tmp/../tmp/x", "file", b"x"),
], fmt=tarfile.GNU_FORMAT)
LAYER3 = tar_of([("usr/share/doc/" + "d" * 120 + "/f", "file", b"gnu long name")], fmt=tarfile.GNU_FORMAT)


def config_for(layers):
    return json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Labels": {"org.opencontainers.image.base.name": "docker.io/library/debian:12"}},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(l) for l in layers]},
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
            {"created_by": "RUN /bin/sh -c apt-get update && rm -rf /var/lib/apt/lists/* # buildkit"},
            {"created_by": "ENV A=b", "empty_layer": True},
            {"created_by": "COPY x /app # buildkit"},
        ],
    }, separators=(",", ":")).encode()


def docker_save(layers, compress_layers=False):
    cfg = config_for(layers)
    members = [("blobs/", "dir", None), ("blobs/sha256/", "dir", None)]
    names = []
    for l in layers:
        blob = gz(l) if compress_layers else l
        names.append("blobs/sha256/" + sha(blob))
        members.append((names[-1], "file", blob))
    members.append(("blobs/sha256/" + sha(cfg), "file", cfg))
    manifest = [{"Config": "blobs/sha256/" + sha(cfg), "RepoTags": ["fuzz:latest", "other:1"], "Layers": names}]
    members.append(("manifest.json", "file", json.dumps(manifest).encode()))
    members.append(("repositories", "file", b'{"fuzz":{"latest":"x"}}'))
    return tar_of(members), json.dumps(manifest).encode(), cfg


def legacy_save(layers):
    cfg = config_for(layers)
    members = []
    names = []
    for i, l in enumerate(layers):
        d = "%064x" % (i + 1)
        members.append((d + "/layer.tar", "file", l))
        members.append((d + "/VERSION", "file", b"1.0"))
        names.append(d + "/layer.tar")
    # skopeo-style alias: a symlink to a layer
    members.append(("alias.tar", "symlink", names[0]))
    members.append(("cfg.json", "file", cfg))
    manifest = [{"Config": "cfg.json", "RepoTags": None, "Layers": ["alias.tar"] + names[1:]}]
    members.append(("manifest.json", "file", json.dumps(manifest).encode()))
    return tar_of(members)


def oci_archive(layers):
    cfg = config_for(layers)
    blobs = {}
    ldescs = []
    for l in layers:
        b = gz(l)
        blobs[sha(b)] = b
        ldescs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + sha(b), "size": len(b)})
    blobs[sha(cfg)] = cfg
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(cfg), "size": len(cfg)},
        "layers": ldescs, "annotations": {"org.opencontainers.image.base.name": "alpine:3"}}).encode()
    blobs[sha(manifest)] = manifest
    inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest), "size": len(manifest),
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest), "size": len(manifest),
         "platform": {"os": "unknown", "architecture": "unknown"},
         "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}]}).encode()
    blobs[sha(inner)] = inner
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + sha(inner), "size": len(inner),
         "annotations": {"org.opencontainers.image.ref.name": "latest", "io.containerd.image.name": "docker.io/library/fuzz:latest"}}]}).encode()
    members = [("oci-layout", "file", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", "file", index)]
    members += [("blobs/sha256/" + d, "file", b) for d, b in sorted(blobs.items())]
    return tar_of(members), index, inner, manifest, cfg


def main():
    layers = [LAYER1, LAYER2, LAYER3]
    save, manifest_json, cfg = docker_save(layers)
    save_gz, _, _ = docker_save(layers[:2], compress_layers=True)
    oci_tar, index, inner, manifest, ocfg = oci_archive(layers[:2])

    # archive: whole archives (the small shared OCI fixtures as they are).
    put("archive", "docker-save.tar", save)
    put("archive", "docker-save-gz-layers.tar", save_gz)
    put("archive", "docker-save.tar.gz", gz(save))
    put("archive", "docker-save.tar.zst", zst(save))
    put("archive", "legacy-save.tar", legacy_save(layers[:2]))
    put("archive", "oci-archive.tar", oci_tar)
    for f in sorted(os.listdir(FIXTURES)):
        path = os.path.join(FIXTURES, f)
        if f.startswith("test-oci") and os.path.getsize(path) < 64 << 10:
            put("archive", f, open(path, "rb").read())

    # layer: plain, gzip, zstd, multi-member gzip, and the fixtures' layer blobs.
    for i, l in enumerate(layers):
        put("layer", "layer%d.tar" % i, l)
    put("layer", "layer0.tar.gz", gz(LAYER1))
    put("layer", "layer1.tar.zst", zst(LAYER2))
    put("layer", "layer-multigz.tar.gz", gz(LAYER1[:1024]) + gz(LAYER1[1024:]))
    put("layer", "empty.tar", bytes(1024))
    for f in sorted(os.listdir(FIXTURES)):
        if not (f.startswith("test-oci") and f.endswith(".tar")):
            continue
        with tarfile.open(os.path.join(FIXTURES, f)) as t:
            for m in t.getmembers():
                data = t.extractfile(m).read() if m.isfile() else b""
                if m.name.startswith("blobs/") and len(data) > 1024 and not data.startswith(b"{"):
                    put("layer", f[:-4] + "-" + m.name.rsplit("/", 1)[1][:12], data)

    # oci: index NUL blobs in fetch order; docker-save manifest.json.
    put("oci", "nested-index", index + b"\0" + inner + b"\0" + manifest + b"\0" + ocfg)
    put("oci", "flat-index", inner + b"\0" + manifest + b"\0" + ocfg)
    for f in sorted(os.listdir(FIXTURES)):
        if not (f.startswith("test-oci") and f.endswith(".tar")):
            continue
        with tarfile.open(os.path.join(FIXTURES, f)) as t:
            read = lambda name: t.extractfile(name).read()
            idx = read("index.json")
            mdig = json.loads(idx)["manifests"][0]["digest"].split(":")[1]
            man = read("blobs/sha256/" + mdig)
            cdig = json.loads(man)["config"]["digest"].split(":")[1]
            put("oci", f[:-4], idx + b"\0" + man + b"\0" + read("blobs/sha256/" + cdig))
    put("oci", "docker-manifest", manifest_json + b"\0" + cfg)

    # sniff
    put("sniff", "gzip", gz(b"hello " * 100))
    put("sniff", "zstd", zst(b"hello " * 100))
    put("sniff", "multi-gzip", gz(b"a" * 10) + gz(b"b" * 10))
    put("sniff", "tar-head", LAYER3[:512])
    put("sniff", "layer.tar.zst", zst(LAYER3))

    # ci_config
    put("ci_config", "dive-ci.yaml", open(os.path.join(FIXTURES, "dive-ci.yaml"), "rb").read())
    put("ci_config", "kebab.yaml", b"rules:\n  lowest-efficiency: 0.6\n  highest-wasted-bytes: 1KB\n  highest-user-wasted-percent: disabled\nignore:\n  - /var/cache/**\n  - '*.log'\n")
    put("ci_config", "anchors.yaml", b"base: &b {lowestEfficiency: '0.9'}\nrules: *b\nignore: /tmp/*\nextra: [1, 2]\n")

    # engine: discovery (mode 0) and responses (mode 1).
    meta = json.dumps({"Name": "fuzz", "Endpoints": {"docker": {"Host": "tcp://10.0.0.1:2376", "SkipTLSVerify": False}},
                       "Metadata": {}}).encode()
    put("engine", "discover-host", b"\0" + b"tcp://127.0.0.1:2375\0{}\0")
    put("engine", "discover-context", b"\0\0" + b'{"currentContext":"fuzz"}\0' + meta)
    version = json.dumps({"Version": "27.5.1", "ApiVersion": "1.47", "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64"}).encode()
    inspect = json.dumps({"Id": "sha256:" + sha(cfg), "RepoTags": ["fuzz:latest"], "Size": len(save), "Os": "linux",
                          "Architecture": "amd64", "RootFS": {"Type": "layers", "Layers": ["sha256:" + sha(l) for l in layers]}}).encode()
    put("engine", "responses-ok", b"\1" + b"200\n" + version + b"\0" + b"200\n" + inspect + b"\0" + b"200\n" + save)
    put("engine", "responses-404", b"\1" + b"200\n" + version + b"\0" + b'404\n{"message":"No such image: fuzz:latest"}\0')
    put("engine", "responses-stream-error", b"\1" + b"200\n" + version + b"\0" + b"200\n" + inspect + b"\0" +
        b'200\n{"errorDetail":{"message":"unable to export"},"error":"unable to export"}\n')
    put("engine", "responses-platform", b"\3" + b"200\n" + version.replace(b"1.47", b"1.49") + b"\0" + b"200\n" + inspect + b"\0" + b"200\n" + save)
    put("engine", "responses-pull", b"\5" + b"200\n" + version + b"\0" + b'404\n{"message":"No such image"}\0' +
        b'200\n{"status":"Pulling from library/fuzz","id":"latest"}\n{"errorDetail":{"message":"denied"},"error":"denied"}\n')
    put("engine", "responses-old", b"\1" + b'200\n{"Version":"1.11","ApiVersion":"1.23"}\0')


if __name__ == "__main__":
    sys.exit(main())
