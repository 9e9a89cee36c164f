//! What cannot be compared: one line each, exit 2.

use super::{fails, new_image, old_image};
use crate::fixture::{put, tmp};

#[test]
fn either_image_unreadable() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &old_image().docker_archive());
    put(
        dir.path(),
        "junk.tar",
        b"not a tar at all, not a report either",
    );
    fails(dir.path(), &["diff", "missing.tar", &img], &["missing.tar"]);
    fails(dir.path(), &["diff", &img, "missing.tar"], &["missing.tar"]);
    fails(dir.path(), &["diff", &img, "junk.tar"], &["junk.tar"]);
    fails(dir.path(), &["diff", "-", "-"], &["both be standard input"]);
    fails(
        dir.path(),
        &["diff", "--json", "-", "--markdown", "-", &img, &img],
        &["cannot both write"],
    );
}

#[test]
fn a_corrupt_or_other_version_baseline() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &new_image().docker_archive());
    let old = put(dir.path(), "old.tar", &old_image().docker_archive());
    crate::cli::peel(dir.path())
        .args(["--json", "good.json", &old])
        .assert()
        .success();
    let good = std::fs::read_to_string(dir.path().join("good.json")).unwrap();
    let write = |name: &str, text: &str| put(dir.path(), name, text.as_bytes());
    let cut = write("cut.json", &good[..good.len() / 2]);
    let other = write(
        "other.json",
        &good.replace("\"version\": 1", "\"version\": 2"),
    );
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    doc.as_object_mut().unwrap().remove("baseline");
    let older = write("older.json", &doc.to_string());
    doc = serde_json::from_str(&good).unwrap();
    doc["baseline"]["files"][0][2] = "zz".into();
    let bad_hash = write("hash.json", &doc.to_string());
    for (report, phrase) in [
        (&cut, "not JSON"),
        (
            &other,
            "baseline report version 2; this peel reads version 1",
        ),
        (&older, "without the `baseline` key"),
        (&bad_hash, "bad hash"),
    ] {
        fails(dir.path(), &["diff", report, &img], &[report, phrase]);
        fails(
            dir.path(),
            &["--ci", "--baseline", report, &img],
            &[report, phrase],
        );
    }
}

#[test]
fn baseline_flags_outside_a_ci_run() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &new_image().docker_archive());
    fails(
        dir.path(),
        &["--json", "-", "--baseline", &img, &img],
        &["--baseline judges the growth rules", "--ci"],
    );
    fails(
        dir.path(),
        &["--ci", "--highest-growth", "1%", &img],
        &["need a baseline"],
    );
    fails(
        dir.path(),
        &["--ci", "--baseline", &img, "--highest-growth", "x%", &img],
        &["highestGrowth: 'x%'"],
    );
    fails(dir.path(), &["diff", &img], &["required"]);
}
