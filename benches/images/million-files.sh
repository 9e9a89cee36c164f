#!/usr/bin/env bash
# Build a docker-save archive of an image with 1,000,000 files:
# $OUT/million-files.tar (~1.1 GB; delete it when done).
#
# Byte-built (a Docker build would send and hash a million-file context for
# many minutes): the archive is exactly what `docker save` writes (legacy
# layout: manifest.json, <sha>.json config with the layers' diff ids,
# <id>/layer.tar uncompressed), deterministic, so every run gives the same
# bytes. Layers, like `benches/ui_keys.rs`'s generated image:
#
#   0  usr/share/dNNN/sN/file-NNN.dat: 1,000 x 10 dirs x 100 files, 0-299 B
#   1-4 each: 10,000 files rewritten, 5,000 deleted (whiteouts), 10,000 added
#       under opt/layerN/
#   5  rm -rf usr/share/d999 (one directory whiteout hiding 1,000 files)
#
# Idempotent: skipped when $OUT/million-files.tar exists (FORCE=1 rebuilds).
# Needs: python3. Takes ~1.5 minutes of CPU (12 minutes on the loaded 2-core machine).
set -euo pipefail

OUT=${OUT:-/tmp/peel-bench}
TAR=$OUT/million-files.tar
mkdir -p "$OUT"
if [ -f "$TAR" ] && [ "${FORCE:-0}" != 1 ]; then
    ls -l "$TAR"
    exit 0
fi

python3 - "$TAR.tmp" <<'PY'
import hashlib, io, json, sys, tarfile

out_path = sys.argv[1]
MTIME = 1_704_067_200  # 2024-01-01
PATTERN = b"peel million-files benchmark\n" * 16


class Counting:
    """A file object that counts and hashes what goes through it."""

    def __init__(self, f):
        self.f, self.n, self.sha = f, 0, hashlib.sha256()

    def write(self, b):
        self.f.write(b)
        self.sha.update(b)
        self.n += len(b)
        return len(b)


def info(name, size=0, kind=tarfile.REGTYPE, mode=0o644):
    t = tarfile.TarInfo(name)
    t.size, t.type, t.mode, t.mtime = size, kind, mode, MTIME
    t.uid = t.gid = 0
    t.uname = t.gname = "root"
    return t


def add_dir(tar, name):
    tar.addfile(info(name, kind=tarfile.DIRTYPE, mode=0o755))


def add_file(tar, name, size, salt):
    data = (salt.encode() + PATTERN)[:size]
    tar.addfile(info(name, len(data)), io.BytesIO(data))


def file_name(n):
    d, f = divmod(n, 100)
    return f"usr/share/d{d // 10:03}/s{d % 10}/file-{f:03}.dat"


def layer0(tar):
    for top in ("usr", "usr/share"):
        add_dir(tar, top)
    for d in range(10_000):
        if d % 10 == 0:
            add_dir(tar, f"usr/share/d{d // 10:03}")
        add_dir(tar, f"usr/share/d{d // 10:03}/s{d % 10}")
        for f in range(100):
            n = d * 100 + f
            add_file(tar, file_name(n), (n * 37) % 300, "a")


def layer_changes(l):
    def write(tar):
        add_dir(tar, "opt")
        add_dir(tar, f"opt/layer{l}")
        for k in range(15_000):
            n = (k * 61 + l * 100_003) % 990_000  # never under d999
            if k % 3 == 0:
                d = file_name(n).rsplit("/", 1)
                tar.addfile(info(f"{d[0]}/.wh.{d[1]}"))
            else:
                add_file(tar, file_name(n), 100 + k % 200, f"l{l}")
        for k in range(10_000):
            add_file(tar, f"opt/layer{l}/f{k:05}.bin", 1000, f"n{l}")
    return write


def layer5(tar):
    add_dir(tar, "usr/share")
    tar.addfile(info("usr/share/.wh.d999"))


LAYERS = [
    (layer0, "COPY usr /usr # 1,000,000 files"),
    *[(layer_changes(l), f"RUN update {l} # 10,000 rewritten, 5,000 removed, 10,000 added") for l in range(1, 5)],
    (layer5, "RUN rm -rf /usr/share/d999"),
]

with open(out_path, "wb") as out:
    members = []  # (name, offset of its header, size)
    diff_ids = []
    for idx, (build, _) in enumerate(LAYERS):
        name = f"{hashlib.sha256(f'million-{idx}'.encode()).hexdigest()}/layer.tar"
        at = out.tell()
        out.write(b"\0" * 512)  # the member's header, written once its size is known
        counting = Counting(out)
        with tarfile.open(fileobj=counting, mode="w|", format=tarfile.GNU_FORMAT) as tar:
            build(tar)
        out.write(b"\0" * (-counting.n % 512))
        end = out.tell()
        out.seek(at)
        out.write(info(name, counting.n).tobuf(format=tarfile.GNU_FORMAT))
        out.seek(end)
        diff_ids.append("sha256:" + counting.sha.hexdigest())
        members.append(name)
        print(f"layer {idx}: {counting.n:,} bytes", file=sys.stderr)
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": c} for _, c in LAYERS],
    }).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{
        "Config": config_name,
        "RepoTags": ["peel-bench/million-files:latest"],
        "Layers": members,
    }]).encode()
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT) as outer:
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            outer.addfile(info(name, len(data)), io.BytesIO(data))
PY
mv "$TAR.tmp" "$TAR"
ls -l "$TAR"
