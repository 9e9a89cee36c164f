#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/seeds/TARGET/) from the shared fixtures and
from small archives built here (docker-save, oci-archive, layers with
whiteouts, opaque markers, links, PAX and GNU long names). Run from the
repository root: python3 fuzz/seeds/make_seeds.py. Deterministic output."""
import base64, gzip, hashlib, io, json, os, sys, tarfile

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

    registry_seeds()
    dockerfile_seeds()


def registry_seeds():
    """The registry target's hand-written modes (0-3, and a schema 1
    manifest); manifests as a registry serves them are
    fuzz/seeds/capture_registry.py's."""
    for name, ref in [("ref-hub", "debian"), ("ref-port-tag", "localhost:5000/team/app:pr-42"),
                      ("ref-digest", "ghcr.io/org/app:1.4@sha256:" + "ab" * 32),
                      ("ref-ipv6", "[::1]:5000/app"), ("ref-hub-user", "docker.io/user/app:v1.0.0-rc.1")]:
        put("registry", name, b"\0" + ref.encode())
    for name, header in [
        ("challenge-hub", 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"'),
        ("challenge-ghcr", 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"'),
        ("challenge-escaped", 'bearer realm="https://h/t?a=\\"b\\"", error="invalid_token", scope=x'),
        ("challenge-basic", 'Basic realm="Registry Realm"'),
    ]:
        put("registry", name, b"\1" + header.encode())
    auth = base64.b64encode(b"user:pa:ss").decode()
    docker_config = {"auths": {"https://index.docker.io/v1/": {"auth": auth},
                               "localhost:5000": {"identitytoken": "eyJhbGciOi"}},
                     "credHelpers": {"123456789012.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"},
                     "credsStore": "desktop", "currentContext": "default"}
    put("registry", "auth-docker-config", b"\2" + b"docker.io\n" + json.dumps(docker_config, indent="\t").encode())
    containers_auth = {"auths": {"quay.io": {"auth": base64.b64encode(b"robot+ci:tok").decode()},
                                 "localhost:5000/team": {"auth": "bm90LWJhc2U2NA"}}}
    put("registry", "auth-containers", b"\2" + b"localhost:5000\n" + json.dumps(containers_auth).encode())
    put("registry", "auth-helper-only", b"\2" + b"gcr.io\n" + b'{"credHelpers":{"gcr.io":"gcloud"}}')
    put("registry", "errors-unknown", b"\3" + b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]}\n')
    put("registry", "errors-denied", b"\3" + b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"},{"code":"UNAUTHORIZED"}]}')
    put("registry", "manifest-schema1", b"\4" + b"application/vnd.docker.distribution.manifest.v1+prettyjws\n" +
        b'{"schemaVersion":1,"name":"library/app","tag":"1","architecture":"amd64","fsLayers":[{"blobSum":"sha256:' + b"a" * 64 + b'"}],"history":[]}')


def dockerfile_seeds():
    """Dockerfiles (heredocs, escape directives, multi-stage), NUL, history
    lines as the builders write them (`!`: an empty layer; the first byte
    is the base layers' count)."""
    legacy = b"""FROM peel-test/libbase:1
ARG DIR=/srv/app
ARG MODE
ENV APP_HOME=${DIR}
LABEL org.example.app=demo
WORKDIR $DIR
COPY conf ./conf/
COPY --from=build /out ${APP_HOME}/bin/
RUN echo "mode=$MODE" > mode.txt && \\
    head -c 5000 /dev/zero > /tmp/scratch.bin
RUN rm /tmp/scratch.bin
EXPOSE 8080
USER 1000
CMD ["/bin/sh"]
"""
    # peel-test/advice-lines:1's history (legacy builder), as docker history shows it.
    legacy_history = b"""\x02/bin/sh -c mkdir -p /usr/share/doc/libbase /usr/share/man/man1
!/bin/sh -c #(nop)  ENV BASE_VERSION=1
/bin/sh -c mkdir -p /opt/base && yes '/opt/base/libbase.so' | head -c 40000 > /opt/base/libbase.so
!/bin/sh -c #(nop)  CMD ["/bin/sh"]
!/bin/sh -c #(nop)  ARG DIR=/srv/app
!/bin/sh -c #(nop)  ARG MODE
!/bin/sh -c #(nop)  ENV APP_HOME=/srv/app
!/bin/sh -c #(nop)  LABEL org.example.app=demo
!/bin/sh -c #(nop) WORKDIR /srv/app
/bin/sh -c #(nop) COPY dir:53d611be9ac08f8d90f0ba23839a2bbb322c4527f0b9a702d4e311f560a48229 in ./conf/ 
/bin/sh -c #(nop) COPY dir:706f9c360cd6a25d606c32f278605899f8011341f7de6624e09aa8ba1f39ddcd in /srv/app/bin/ 
|2 DIR=/srv/app MODE=prod /bin/sh -c echo "mode=$MODE" > mode.txt &&     head -c 5000 /dev/zero > /tmp/scratch.bin
|2 DIR=/srv/app MODE=prod /bin/sh -c rm /tmp/scratch.bin
!/bin/sh -c #(nop)  EXPOSE 8080
!/bin/sh -c #(nop)  USER 1000
!/bin/sh -c #(nop)  CMD ["/bin/sh"]
"""
    put("dockerfile", "legacy-build-args", legacy + b"\0" + legacy_history)
    multi = b"""# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app ./cmd/app

FROM debian:12-slim AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN <<INSTALL
apt-get update
apt-get install -y --no-install-recommends ca-certificates
INSTALL
COPY --from=build --chown=app:app /out/app /usr/local/bin/app
COPY <<-CONF /etc/app.conf
\tmode=prod
CONF
ENV PATH=/usr/local/bin:$PATH LANG="C.UTF-8"
HEALTHCHECK --interval=30s CMD ["/usr/local/bin/app", "health"]
USER app
ENTRYPOINT ["/usr/local/bin/app"]
"""
    buildkit_history = b"""\x01# debian.sh --arch 'amd64' out/ 'bookworm' '@1718841600'
!SHELL [/bin/bash -o pipefail -c]
RUN /bin/bash -o pipefail -c apt-get update # buildkit
COPY /out/app /usr/local/bin/app # buildkit
COPY /etc/app.conf /etc/app.conf # buildkit
!ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/bin LANG=C.UTF-8
!HEALTHCHECK &{["CMD" "/usr/local/bin/app" "health"] "30s" "0s" "0s" "0s" '\\x00'}
!USER app
!ENTRYPOINT ["/usr/local/bin/app"]
"""
    put("dockerfile", "buildkit-heredoc-multistage", multi + b"\0" + buildkit_history)
    windows = b"""# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN New-Item -ItemType Directory C:\\app ; `
    Set-Content C:\\app\\ok.txt 'ok'
COPY app.ps1 C:\\app\\
WORKDIR C:\\app
CMD ["powershell", "C:\\\\app\\\\app.ps1"]
"""
    windows_history = b"""\x00Apply image 10.0.20348.2527
!cmd /S /C #(nop)  SHELL [powershell -Command]
powershell -Command New-Item -ItemType Directory C:\\app ;     Set-Content C:\\app\\ok.txt 'ok'
cmd /S /C #(nop) COPY file:1a2b3c in C:\\app\\ 
!cmd /S /C #(nop) WORKDIR C:\\app
"""
    put("dockerfile", "escape-backtick", windows + b"\0" + windows_history)
    onbuild = b"""FROM scratch
ONBUILD RUN echo child
ARG A=1 B="two words"
ENV OLD form value
ADD --chmod=644 https://example.com/a.tar.gz ${B}/
RUN ["sh", "-c", "echo $A"]
STOPSIGNAL SIGTERM
VOLUME /data
"""
    onbuild_history = b"""\x00!/bin/sh -c #(nop)  ONBUILD RUN echo child
!ARG A=1 B=two words
!ENV OLD=form value
ADD https://example.com/a.tar.gz two words/ # buildkit
RUN |2 A=1 B=two words sh -c echo $A # buildkit
!STOPSIGNAL SIGTERM
!VOLUME [/data]
"""
    put("dockerfile", "exec-form-onbuild", onbuild + b"\0" + onbuild_history)


if __name__ == "__main__":
    sys.exit(main())
