//! Real pairs built with `docker build` (legacy builder, on the busybox base
//! the engine tests import): a dependency added, a file deleted, a base
//! image bumped, two layers reordered, an image with no layer in common,
//! and an image against itself from two sources. Each file-level answer is
//! checked against an independent comparison: both images copied to OCI
//! layouts by skopeo, unpacked by `umoci raw unpack`, and compared file by
//! file here.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command as Std;
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::base_answer;
use crate::docker::{BASE, docker, engine, host_vars};

const V1: &str = "peel-test/diff-v1:1";

/// The two RUNs of the first version; the reordered image swaps them.
const RUN_DATA: &str = "RUN mkdir -p /app/lib && echo one > /app/a.txt && dd if=/dev/zero of=/app/data.bin bs=1024 count=64 2>/dev/null";
const RUN_CONF: &str = "RUN mkdir -p /app && echo conf > /app/conf && ln -s /app/a.txt /app/link";

/// (tag, Dockerfile) of each image, built in this order.
fn dockerfiles() -> Vec<(&'static str, String)> {
    vec![
        (V1, format!("FROM {BASE}\n{RUN_DATA}\n{RUN_CONF}\n")),
        (
            "peel-test/diff-dep:1",
            format!(
                "FROM {V1}\nRUN dd if=/dev/urandom of=/app/lib/dep.so bs=1024 count=32 2>/dev/null\n"
            ),
        ),
        (
            "peel-test/diff-del:1",
            format!(
                "FROM {V1}\nRUN rm /app/data.bin && echo two >> /app/a.txt && chmod 600 /app/conf\n"
            ),
        ),
        (
            "peel-test/diff-reorder:1",
            format!("FROM {BASE}\n{RUN_CONF}\n{RUN_DATA}\n"),
        ),
        (
            "peel-test/diff-base:2",
            format!("FROM {BASE}\nRUN echo 2 > /etc/base-version\nCMD [\"/bin/sh\"]\n"),
        ),
        (
            "peel-test/diff-bumped:1",
            format!("FROM peel-test/diff-base:2\n{RUN_DATA}\n{RUN_CONF}\n"),
        ),
    ]
}

/// Where the images were saved (`docker save`), by tag.
struct Built {
    dir: PathBuf,
    saved: BTreeMap<String, PathBuf>,
}

fn built() -> Option<&'static Built> {
    static BUILT: OnceLock<Built> = OnceLock::new();
    engine()?;
    Some(BUILT.get_or_init(|| {
        let dir = crate::fixture::run_dir("diff-engine");
        let mut saved = BTreeMap::new();
        for (tag, dockerfile) in dockerfiles() {
            let ctx = dir.join(tag.replace(['/', ':'], "-"));
            std::fs::create_dir_all(&ctx).unwrap();
            std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
            docker(&["build", "-q", "-t", tag, ctx.to_str().unwrap()]).unwrap();
        }
        // No layer in common: a root of its own, imported.
        let other = dir.join("other-root");
        std::fs::create_dir_all(other.join("app")).unwrap();
        std::fs::write(other.join("app/a.txt"), "other\n").unwrap();
        crate::docker::import_root(
            &other,
            &dir.join("other.tar"),
            "CMD [\"/bin/sh\"]",
            "peel-test/diff-other:1",
        )
        .unwrap();
        let mut tags: Vec<&str> = dockerfiles().iter().map(|(t, _)| *t).collect();
        tags.push("peel-test/diff-other:1");
        for tag in tags {
            let path = dir.join(format!("{}.tar", tag.replace(['/', ':'], "-")));
            docker(&["save", "-o", path.to_str().unwrap(), tag]).unwrap();
            saved.insert(tag.to_string(), path);
        }
        Built { dir, saved }
    }))
}

/// The diff ids of `tag`'s layers, as the engine lists them.
fn diff_ids(tag: &str) -> Vec<String> {
    let out = docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .RootFS.Layers}}",
        tag,
    ])
    .unwrap();
    serde_json::from_str(out.trim()).unwrap()
}

fn saved(b: &Built, tag: &str) -> String {
    b.saved[tag].to_str().unwrap().to_string()
}

/// `peel diff --json - OLD NEW` against the test engine.
fn diff(old: &str, new: &str) -> Value {
    let engine = engine().unwrap();
    let out = crate::docker::peel(&host_vars(engine))
        .args(["diff", "--json", "-", old, new])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peel diff {old} {new}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// umoci and skopeo, or a skip (CI installs them, `PEEL_REQUIRE_BUILDAH`).
fn unpackers() -> bool {
    let have = |tool: &str| {
        Std::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ok = have("umoci") && have("skopeo");
    if !ok {
        assert!(
            std::env::var("PEEL_REQUIRE_BUILDAH").is_err(),
            "PEEL_REQUIRE_BUILDAH is set but umoci or skopeo is missing"
        );
        eprintln!("skipped: umoci or skopeo not installed");
    }
    ok
}

fn run(program: &str, args: &[&str]) {
    let out = Std::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A saved image unpacked by umoci (once per image).
fn unpacked(b: &Built, tag: &str) -> PathBuf {
    let name = tag.replace(['/', ':'], "-");
    let layout = b.dir.join(format!("{name}-oci"));
    let rootfs = b.dir.join(format!("{name}-rootfs"));
    if !rootfs.exists() {
        let archive = format!("docker-archive:{}", saved(b, tag));
        run(
            "skopeo",
            &[
                "copy",
                "-q",
                &archive,
                &format!("oci:{}:img", layout.display()),
            ],
        );
        run(
            "umoci",
            &[
                "raw",
                "unpack",
                "--rootless",
                "--image",
                &format!("{}:img", layout.display()),
                rootfs.to_str().unwrap(),
            ],
        );
    }
    rootfs
}

/// What the independent comparison sees of a file: size, content, mode, mtime.
#[derive(PartialEq)]
struct Seen {
    size: u64,
    content: Vec<u8>,
    mode: u32,
    mtime: i64,
}

/// Every non-directory below `root`, by absolute path, walked without
/// recursion.
fn files_of(root: &Path) -> BTreeMap<String, Seen> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
                continue;
            }
            let content = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                std::fs::read(&path).unwrap()
            };
            let shown = format!("/{}", path.strip_prefix(root).unwrap().display());
            out.insert(
                shown,
                Seen {
                    size: if meta.is_file() { meta.len() } else { 0 },
                    content,
                    mode: meta.mode() & 0o7777,
                    mtime: meta.mtime(),
                },
            );
        }
    }
    out
}

/// (path, change) of each file change, as the test tells them from the two
/// unpacked roots.
fn independent(old: &Path, new: &Path) -> Vec<(String, String)> {
    let (old, new) = (files_of(old), files_of(new));
    let mut changes = Vec::new();
    for (path, o) in &old {
        let change = match new.get(path) {
            None => "removed",
            Some(n) if n.size > o.size => "grown",
            Some(n) if n.size < o.size => "shrunk",
            Some(n) if n.content != o.content => "changed",
            Some(n) if n.mode != o.mode || n.mtime != o.mtime => "metadata",
            Some(_) => continue,
        };
        changes.push((path.clone(), change.to_string()));
    }
    for path in new.keys().filter(|p| !old.contains_key(*p)) {
        changes.push((path.clone(), "added".to_string()));
    }
    changes.sort();
    changes
}

fn peels(report: &Value) -> Vec<(String, String)> {
    let mut changes: Vec<(String, String)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    changes.sort();
    changes
}

fn change_of<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no change of {path}: {:#}", report["files"]))
}

#[test]
fn real_pairs_layers_and_changes() {
    let Some(b) = built() else { return };
    let v1 = saved(b, V1);

    // A dependency added: every old layer shared, one new, one file added.
    let dep = diff(&v1, &saved(b, "peel-test/diff-dep:1"));
    assert_eq!(dep["layers"]["shared"], dep["old"]["layerCount"]);
    assert_eq!(
        (
            dep["layers"]["added"].clone(),
            dep["layers"]["removed"].clone()
        ),
        (json!(1), json!(0))
    );
    assert_eq!(dep["layers"]["baseChanged"], json!(false));
    assert_eq!(dep["layers"]["baseRelation"], json!("new-built-on-old"));
    assert_eq!(
        dep["layers"]["commonBottomLayers"],
        dep["old"]["layerCount"]
    );
    assert_eq!(
        peels(&dep),
        vec![("/app/lib/dep.so".to_string(), "added".to_string())]
    );
    assert_eq!(dep["delta"]["visibleBytes"], json!(32 * 1024));
    assert!(
        change_of(&dep, "/app/lib/dep.so")["command"]
            .as_str()
            .unwrap()
            .contains("dep.so")
    );
    assert_eq!(
        dep["directories"][0],
        json!({"path": "/app", "deltaBytes": 32768, "files": 1})
    );

    // A file deleted (and one grown, one chmod-ed), by the layer that did it.
    let del = diff(&v1, &saved(b, "peel-test/diff-del:1"));
    let data = change_of(&del, "/app/data.bin");
    assert_eq!(
        (data["change"].clone(), data["deltaBytes"].clone()),
        (json!("removed"), json!(-65536))
    );
    let last_layer = del["new"]["layerCount"].as_u64().unwrap() - 1;
    assert_eq!(data["layer"], json!(last_layer));
    assert_eq!(change_of(&del, "/app/a.txt")["change"], "grown");
    assert_eq!(change_of(&del, "/app/conf")["change"], "metadata");
    // The deleted bytes stay in a lower layer: new waste.
    assert!(del["waste"]["newBytes"].as_u64().unwrap() >= 65536);

    // Reordered: the same files, the user layers in another order. The
    // config step's layer can come out byte for byte the same in both
    // orders (it holds `/app`, `conf` and `link` either way, and equal
    // times when both builds run in one second): then it is shared by its
    // diff id. So the count is the engine's own, read apart from peel.
    let re = diff(&v1, &saved(b, "peel-test/diff-reorder:1"));
    let (v1_ids, re_ids) = (diff_ids(V1), diff_ids("peel-test/diff-reorder:1"));
    let in_common = re_ids.iter().filter(|id| v1_ids.contains(id)).count();
    assert!(
        (1..=2).contains(&in_common),
        "the base, and at most the config step: {v1_ids:?} {re_ids:?}"
    );
    assert_eq!(re["layers"]["shared"], json!(in_common));
    assert_eq!(re["layers"]["added"], json!(3 - in_common));
    assert_eq!(re["delta"]["visibleBytes"], json!(0));
    assert_eq!(re["layers"]["baseRelation"], json!("same-base"));
    assert!(
        peels(&re).iter().all(|(_, c)| c == "metadata"),
        "{:#}",
        re["files"]
    );

    // A base bumped: the history's CMD marks a two-layer base.
    let bumped = diff(&v1, &saved(b, "peel-test/diff-bumped:1"));
    assert_eq!(bumped["layers"]["baseChanged"], json!(true));
    assert_eq!(bumped["layers"]["baseRelation"], json!("changed"));
    assert_eq!(bumped["new"]["baseLayers"], json!(2));
    assert_eq!(change_of(&bumped, "/etc/base-version")["change"], "added");

    // Nothing in common.
    let other = diff(&v1, &saved(b, "peel-test/diff-other:1"));
    assert_eq!(other["layers"]["shared"], json!(0));
    assert_eq!(other["layers"]["removed"], other["old"]["layerCount"]);
    assert_eq!(other["layers"]["baseChanged"], json!(true));
    assert_eq!(other["layers"]["commonBottomLayers"], json!(0));
    assert_eq!(change_of(&other, "/bin/busybox")["change"], "removed");
}

/// `FROM old` where OLD ends in its own `CMD`: the history closes NEW's
/// base at OLD's top, OLD's at busybox's, yet the base did not change.
#[test]
fn an_image_built_from_old_keeps_the_base() {
    let Some(b) = built() else { return };
    let (old, new) = ("peel-test/diff-base:2", "peel-test/diff-bumped:1");
    let r = diff(&saved(b, old), &saved(b, new));
    assert_eq!(base_answer(&r), json!([1, 2, false, "new-built-on-old", 2]));
    // From the engine and the other way round.
    let back = diff(&format!("docker://{new}"), &format!("docker://{old}"));
    assert_eq!(
        base_answer(&back),
        json!([2, 1, false, "old-built-on-new", 2])
    );
    let engine = engine().unwrap();
    let out = crate::docker::peel(&host_vars(engine))
        .args(["diff", &saved(b, old), &format!("docker://{new}")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "Base:   unchanged: NEW is built on OLD (OLD's 2 layers are NEW's bottom ones)"
        ),
        "{text}"
    );
}

#[test]
fn an_image_against_itself_from_two_sources() {
    let Some(b) = built() else { return };
    let r = diff(&saved(b, V1), &format!("docker://{V1}"));
    assert_eq!(r["files"], json!([]));
    assert_eq!(r["layers"]["added"], json!(0));
    assert_eq!(r["layers"]["pullCostBytes"], json!(0));
    assert_eq!(r["delta"]["visibleBytes"], json!(0));
    assert_eq!(r["layers"]["baseRelation"], json!("same-layers"));
}

#[test]
fn file_changes_agree_with_umoci_unpacked_roots() {
    let Some(b) = built() else { return };
    if !unpackers() {
        return;
    }
    let old = unpacked(b, V1);
    for tag in [
        "peel-test/diff-dep:1",
        "peel-test/diff-del:1",
        "peel-test/diff-reorder:1",
        "peel-test/diff-bumped:1",
        "peel-test/diff-other:1",
    ] {
        let report = diff(&saved(b, V1), &saved(b, tag));
        let expected = independent(&old, &unpacked(b, tag));
        assert_eq!(peels(&report), expected, "{tag}");
        assert!(!expected.is_empty(), "{tag}: a pair that differs");
    }
}

#[test]
fn ci_against_a_baseline_in_the_engine() {
    let Some(b) = built() else { return };
    let engine = engine().unwrap();
    let out = crate::docker::peel(&host_vars(engine))
        .args(["--ci", "--json", "-", "--lowest-efficiency", "0"])
        .args([
            "--highest-user-wasted-percent",
            "1",
            "--highest-growth",
            "32KiB",
        ])
        .args(["--baseline", &format!("docker://{V1}")])
        .arg(saved(b, "peel-test/diff-dep:1"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let growth = r["ci"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "highestGrowth")
        .unwrap();
    assert_eq!(
        (growth["value"].clone(), growth["status"].clone()),
        (json!(32768), json!("PASS"))
    );
}
