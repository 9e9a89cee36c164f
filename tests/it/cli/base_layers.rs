//! `--base-layers`: how many layers are the base, and the user figures and
//! verdict that follow.

use predicates::prelude::*;
use serde_json::json;

use super::{ci_json, clean, parse_json, peel, report, rule, wasteful};
use crate::fixture::{put, tmp};

#[test]
fn base_layers_moves_the_user_figures() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    for (n, user_bytes, user_wasted, percent) in [
        ("0", 5000, 1500, 0.3),
        ("1", 2500, 1500, 0.6),
        ("2", 1000, 1500, 1.5),
        ("3", 0, 0, 0.0),
    ] {
        let r = report(dir.path(), &["--base-layers", n, &img]);
        let image = &r["image"];
        assert_eq!(
            image["baseLayers"],
            json!(n.parse::<u64>().expect("n")),
            "{n}"
        );
        assert_eq!(image["baseLayersFrom"], json!("flag"), "{n}");
        assert_eq!(image["userBytes"], json!(user_bytes), "{n}");
        assert_eq!(image["userWastedBytes"], json!(user_wasted), "{n}");
        assert_eq!(image["userWastedPercent"], json!(percent), "{n}");
        // Whole-image figures do not move.
        assert_eq!(image["wastedBytes"], json!(1500), "{n}");
        assert_eq!(image["efficiency"], json!(0.7), "{n}");
    }
}

#[test]
fn base_layers_changes_the_user_wasted_verdict() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let (code, r) = ci_json(
        dir.path(),
        &[
            "--lowest-efficiency",
            "off",
            "--highest-user-wasted-percent",
            "0.5",
            "--base-layers",
            "0",
            &img,
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        rule(&r, "highestUserWastedPercent"),
        (json!(0.5), json!(0.3), "PASS".into())
    );
}

#[test]
fn base_layers_beyond_the_layer_count_warns() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .args(["--ci", "--json", "-", "--base-layers", "7", &img])
        .output()
        .expect("peel runs");
    let r = parse_json(&out.stdout);
    assert_eq!(r["image"]["baseLayers"], json!(3));
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("--base-layers 7 is more than the image's 3 layers"),
        "{warnings}"
    );
    // stderr: the warning on one line, then the text report.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("peel: warning:"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("--base-layers 7"), "{stderr}");
    assert!(stderr.contains("Warnings\n  --base-layers 7"), "{stderr}");
    // The same number of layers is not beyond them.
    let out = peel(dir.path())
        .args(["--json", "-", "--base-layers", "3", &img])
        .output()
        .expect("peel runs");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn base_layers_must_be_a_number() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    peel(dir.path())
        .args(["--base-layers", "many", &img])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--base-layers"));
}
