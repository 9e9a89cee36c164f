#!/usr/bin/env python3
"""Per-layer statistics of a docker-save archive (independent of peel and dive).

    python3 benches/images/stats.py /tmp/peel-bench/many-files.tar

For each layer: tar size, entries, regular files, directories, symlinks,
hardlinks, whiteouts (.wh.NAME), opaque markers (.wh..wh..opq), the bytes of
regular-file content, and how many lower-layer paths (and regular-file bytes)
the layer's whiteouts and opaque markers hide. Totals at the end, plus the number of paths visible in the
final merged filesystem (whiteouts and opaque markers applied).
"""
import json
import sys
import tarfile


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def main(path):
    outer = tarfile.open(path)
    manifest = json.load(outer.extractfile("manifest.json"))[0]
    merged = {}  # path -> kind
    tot = dict(tar=0, entries=0, files=0, dirs=0, links=0, hard=0, wh=0, opq=0, bytes=0, hidden=0, hbytes=0)
    print(f"{'layer':>5} {'tar bytes':>12} {'entries':>8} {'files':>8} {'dirs':>6} "
          f"{'symlk':>6} {'hardlk':>6} {'wh':>6} {'opq':>4} {'file bytes':>12} {'hidden':>7} {'hidden bytes':>12}")
    for i, lname in enumerate(manifest["Layers"]):
        member = outer.getmember(lname)
        while member.issym():  # skopeo-style archives link <id>/layer.tar -> <digest>.tar
            member = outer.getmember(member.linkname)
        s = dict(tar=member.size, entries=0, files=0, dirs=0, links=0, hard=0, wh=0, opq=0, bytes=0, hidden=0, hbytes=0)
        layer = tarfile.open(fileobj=outer.extractfile(member))
        hide = []  # (prefix, exact) removed from the layers below this one
        added = {}
        for m in layer:
            name = norm(m.name)
            if not name or name == ".":
                continue
            s["entries"] += 1
            base = name.rsplit("/", 1)[-1]
            parent = name.rsplit("/", 1)[0] if "/" in name else ""
            if base == ".wh..wh..opq":
                s["opq"] += 1
                hide.append((parent + "/", None))
                continue
            if base.startswith(".wh."):
                s["wh"] += 1
                target = (parent + "/" if parent else "") + base[4:]
                hide.append((target + "/", target))
                continue
            if m.isdir():
                s["dirs"] += 1
            elif m.issym():
                s["links"] += 1
            elif m.islnk():
                s["hard"] += 1
            elif m.isreg():
                s["files"] += 1
                s["bytes"] += m.size
            added[name] = m.size if m.isreg() else 0
        for prefix, exact in hide:
            for p in [p for p in merged if p == exact or p.startswith(prefix)]:
                s["hidden"] += 1
                s["hbytes"] += merged.pop(p)
        merged.update(added)
        for k in tot:
            tot[k] += s[k]
        print(f"{i:>5} {s['tar']:>12} {s['entries']:>8} {s['files']:>8} {s['dirs']:>6} "
              f"{s['links']:>6} {s['hard']:>6} {s['wh']:>6} {s['opq']:>4} {s['bytes']:>12} {s['hidden']:>7} {s['hbytes']:>12}")
    print(f"{'total':>5} {tot['tar']:>12} {tot['entries']:>8} {tot['files']:>8} {tot['dirs']:>6} "
          f"{tot['links']:>6} {tot['hard']:>6} {tot['wh']:>6} {tot['opq']:>4} {tot['bytes']:>12} {tot['hidden']:>7} {tot['hbytes']:>12}")
    print(f"layers: {len(manifest['Layers'])}; paths visible in the merged filesystem: {len(merged)}, "
          f"regular-file bytes visible: {sum(merged.values())}")


if __name__ == "__main__":
    main(sys.argv[1])
