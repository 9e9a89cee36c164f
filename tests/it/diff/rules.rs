//! The growth rules on byte-built pairs: each one passing and failing, from
//! flags and from the rules file, in `peel diff` and in `peel --ci
//! --baseline` (against an image and against a report).

use serde_json::{Value, json};

use super::{base, diff_json, new_with_whiteout, old_image, peel};
use crate::fixture::{Image, Layer, put, tmp};

/// (name, threshold, value, status) of each rule.
fn rules(r: &Value) -> Vec<(String, Value, Value, String)> {
    r["ci"]["rules"]
        .as_array()
        .expect("ci.rules")
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["threshold"].clone(),
                x["value"].clone(),
                x["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status_of(r: &Value, name: &str) -> String {
    rules(r)
        .into_iter()
        .find(|x| x.0 == name)
        .unwrap_or_else(|| panic!("no rule {name}: {}", r["ci"]))
        .3
}

/// OLD, NEW: visible +130 B (3.05 %), wasted +55 B.
fn pair(dir: &std::path::Path) -> (String, String) {
    (
        put(dir, "old.tar", &old_image().docker_archive()),
        put(dir, "new.tar", &new_with_whiteout().docker_archive()),
    )
}

#[test]
fn highest_growth_in_bytes_and_percent() {
    let dir = tmp();
    let (old, new) = pair(dir.path());
    for (threshold, code, status) in [
        ("130", 0, "PASS"),
        ("129", 1, "FAIL"),
        ("3.1%", 0, "PASS"),
        ("3%", 1, "FAIL"),
    ] {
        let (got, r) = diff_json(dir.path(), &["--highest-growth", threshold, &old, &new]);
        assert_eq!(
            (got, status_of(&r, "highestGrowth")),
            (code, status.to_string()),
            "{threshold}"
        );
        assert_eq!(r["ci"]["passed"], json!(code == 0));
    }
    // A shrink is no growth.
    let (code, r) = diff_json(dir.path(), &["--highest-growth", "0", &new, &old]);
    assert_eq!((code, status_of(&r, "highestGrowth")), (0, "PASS".into()));
    assert_eq!(rules(&r)[0].2, json!(0));
}

#[test]
fn highest_pull_cost_and_wasted_growth() {
    let dir = tmp();
    let (old, new) = pair(dir.path());
    let (_, r) = diff_json(dir.path(), &[&old, &new]);
    let cost = r["layers"]["pullCostBytes"].as_u64().unwrap();
    let at = cost.to_string();
    let below = (cost - 1).to_string();
    let (code, r) = diff_json(dir.path(), &["--highest-pull-cost", &at, &old, &new]);
    assert_eq!((code, status_of(&r, "highestPullCost")), (0, "PASS".into()));
    let (code, r) = diff_json(dir.path(), &["--highest-pull-cost", &below, &old, &new]);
    assert_eq!((code, status_of(&r, "highestPullCost")), (1, "FAIL".into()));
    let (code, r) = diff_json(dir.path(), &["--highest-wasted-growth", "55", &old, &new]);
    assert_eq!(
        (code, status_of(&r, "highestWastedGrowth")),
        (0, "PASS".into())
    );
    let (code, r) = diff_json(dir.path(), &["--highest-wasted-growth", "54B", &old, &new]);
    assert_eq!(
        (code, status_of(&r, "highestWastedGrowth")),
        (1, "FAIL".into())
    );
    // The others are listed, skipped.
    assert_eq!(status_of(&r, "highestGrowth"), "SKIP");
    assert_eq!(status_of(&r, "highestPullCost"), "SKIP");
}

#[test]
fn fail_on_new_judges_only_new_findings() {
    let dir = tmp();
    let with_secret = |extra: Layer| Image::new().layer(base()).layer(extra);
    let old = put(
        dir.path(),
        "old.tar",
        &with_secret(Layer::new().dir("app").file("app/.env", b"TOKEN=1")).docker_archive(),
    );
    let same = put(
        dir.path(),
        "same.tar",
        &with_secret(
            Layer::new()
                .dir("app")
                .file("app/.env", b"TOKEN=2")
                .file("app/x", b"1"),
        )
        .docker_archive(),
    );
    let more = put(
        dir.path(),
        "more.tar",
        &with_secret(
            Layer::new()
                .dir("app")
                .file("app/.env", b"TOKEN=1")
                .dir("root")
                .file("root/.env", b"K=2"),
        )
        .docker_archive(),
    );
    // The old secret is still there: not new.
    let (code, r) = diff_json(dir.path(), &["--fail-on-new", "secret", &old, &same]);
    assert_eq!(
        (code, status_of(&r, "failOnNew:secret")),
        (0, "PASS".into())
    );
    assert!(
        r["findings"]["new"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] != "secret")
    );
    let (code, r) = diff_json(
        dir.path(),
        &["--fail-on-new", "secret,package-cache", &old, &more],
    );
    assert_eq!(code, 1);
    assert_eq!(status_of(&r, "failOnNew:secret"), "FAIL");
    assert_eq!(status_of(&r, "failOnNew:package-cache"), "PASS");
    // And gone the other way: resolved.
    let (_, back) = diff_json(dir.path(), &[&more, &old]);
    assert!(
        back["findings"]["resolved"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "secret")
    );
    super::fails(
        dir.path(),
        &["diff", "--fail-on-new", "secrets", &old, &more],
        &["--fail-on-new", "unknown finding kind 'secrets'"],
    );
}

#[test]
fn rules_file_keys_and_flags_over_them() {
    let dir = tmp();
    let (old, new) = pair(dir.path());
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  highestGrowth: 10B\n  highest-pull-cost: 1GB\n  highestWastedGrowth: 1MB\n  fail-on-new: secret\n",
    )
    .unwrap();
    let (code, r) = diff_json(dir.path(), &[&old, &new]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r)
            .into_iter()
            .map(|x| (x.0, x.3))
            .collect::<Vec<_>>(),
        vec![
            ("highestGrowth".into(), "FAIL".into()),
            ("highestPullCost".into(), "PASS".into()),
            ("highestWastedGrowth".into(), "PASS".into()),
            ("failOnNew:secret".into(), "PASS".into()),
        ]
    );
    let (code, r) = diff_json(dir.path(), &["--highest-growth", "disabled", &old, &new]);
    assert_eq!((code, status_of(&r, "highestGrowth")), (0, "SKIP".into()));
}

#[test]
fn ci_with_a_baseline_image_or_report_adds_the_growth_rules() {
    let dir = tmp();
    let (old, new) = pair(dir.path());
    super::super::cli::peel(dir.path())
        .args(["--json", "old.json", &old])
        .assert()
        .success();
    let ci = |baseline: &str, extra: &[&str]| -> (i32, Value) {
        let out = peel(dir.path())
            .args([
                "--ci",
                "--json",
                "-",
                "--lowest-efficiency",
                "0",
                "--highest-user-wasted-percent",
                "1",
            ])
            .args(["--baseline", baseline])
            .args(extra)
            .arg(&new)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    };
    for baseline in [old.as_str(), "old.json"] {
        let (code, r) = ci(baseline, &[]);
        assert_eq!(code, 0, "{baseline}");
        let names: Vec<String> = rules(&r).into_iter().map(|x| x.0).collect();
        assert_eq!(
            names,
            [
                "lowestEfficiency",
                "highestWastedBytes",
                "highestUserWastedPercent",
                "highestGrowth",
                "highestPullCost",
                "highestWastedGrowth"
            ]
        );
        let (code, r) = ci(baseline, &["--highest-growth", "1%"]);
        assert_eq!(
            (code, status_of(&r, "highestGrowth")),
            (1, "FAIL".into()),
            "{baseline}"
        );
        assert_eq!(rules(&r)[3].2, json!(130.0 / 4269.0));
    }
    // Without --baseline, the single-image rules alone, as before.
    let out = peel(dir.path())
        .args(["--ci", "--json", "-", &new])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rules(&r).len(), 3);
}
