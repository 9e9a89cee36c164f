//! `peel diff` with a side in a real registry (the loopback `docker-registry`
//! of `.ci/start-registry.sh`), as a pull request's job compares main's
//! pushed image with its own build: the answers equal those of the two
//! local layouts, and the pull cost is exact from the registry's
//! compressed blobs.

use std::path::Path;

use serde_json::Value;

use super::{new_image, old_image, succeeded};
use crate::fixture::{Compress, tmp};
use crate::registry::{peel, registries, repo, skopeo_copy};

/// `peel diff --json - ARGS` (registry flags included) from `home`.
fn diff_report(home: &Path, args: &[&str]) -> Value {
    let out = succeeded(peel(home).args(["diff", "--json", "-"]).args(args));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// What must not depend on where a side was read from.
fn answers(r: &Value) -> Value {
    let mut layers = r["layers"].clone();
    layers.as_object_mut().unwrap().remove("list");
    serde_json::json!({
        "delta": r["delta"],
        "layers": layers,
        "files": r["files"],
        "directories": r["directories"],
        "waste": r["waste"],
        "findings": r["findings"],
    })
}

#[test]
fn a_side_in_a_registry_answers_as_its_layout() {
    let Some(r) = registries() else { return };
    let home = tmp();
    let (old, new) = (home.path().join("old"), home.path().join("new"));
    old_image().compressed(Compress::Gzip).oci_dir(&old);
    new_image().compressed(Compress::Gzip).oci_dir(&new);
    let name = repo("diff");
    for (layout, tag) in [(&old, "main"), (&new, "pr-42")] {
        skopeo_copy(&[
            "--preserve-digests",
            &format!("oci:{}:latest", layout.display()),
            &format!("docker://{}/{name}:{tag}", r.plain),
        ]);
    }
    let (old_ref, new_ref) = (
        format!("oci:{}", old.display()),
        format!("oci:{}", new.display()),
    );
    let local = diff_report(home.path(), &[&old_ref, &new_ref]);
    assert_eq!(local["layers"]["pullCostExact"], true);
    let main = format!("registry://{}/{name}:main", r.plain);
    let pr = format!("registry://{}/{name}:pr-42", r.plain);
    for (what, args) in [
        ("old in the registry", [main.as_str(), new_ref.as_str()]),
        ("new in the registry", [old_ref.as_str(), pr.as_str()]),
        ("both in the registry", [main.as_str(), pr.as_str()]),
    ] {
        let mut all = vec!["--plain-http"];
        all.extend(args);
        let remote = diff_report(home.path(), &all);
        assert_eq!(answers(&remote), answers(&local), "{what}");
    }
    // The step: main's image from the registry, the Markdown
    // summary written to a file, as to $GITHUB_STEP_SUMMARY.
    let summary = home.path().join("summary.md");
    succeeded(
        peel(home.path())
            .args(["diff", "--plain-http", "--markdown"])
            .arg(&summary)
            .args([&main, &new_ref]),
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with(&format!("## peel diff: `{main}` → `{new_ref}`\n")),
        "{md}"
    );
    assert!(md.contains("| pull cost | "), "{md}");
}
