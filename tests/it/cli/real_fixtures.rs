//! Images made by the real tools (tests/fixtures/real) through the command
//! line, against their expected.json.

use serde_json::{Value, json};

use super::{ci_json, parse_json, peel, report, rule};
use crate::fixture::{real, tmp};

fn expected_real() -> Value {
    let text = std::fs::read(real("expected.json")).expect("expected.json");
    serde_json::from_slice(&text).expect("expected.json parses")
}

/// Each layer's `key`, bottom to top.
fn per_layer(report: &Value, key: &str) -> Vec<Value> {
    report["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l[key].clone())
        .collect()
}

#[test]
fn real_docker_save_ci_json_matches_expected() {
    let dir = tmp();
    let expected = &expected_real()["docker-save.tar"];
    let path = real("docker-save.tar");
    let (code, r) = ci_json(dir.path(), &[path.to_str().expect("utf-8 path")]);
    // Efficiency 0.9886 passes 0.9; the user layers waste far more than 10 %.
    assert_eq!(code, 1);
    let image = &r["image"];
    assert_eq!(image["layerCount"], expected["layers"]);
    assert_eq!(image["totalBytes"], expected["totalBytes"]);
    assert_eq!(image["visibleBytes"], expected["visibleBytes"]);
    assert_eq!(image["wastedBytes"], expected["wastedBytes"]);
    assert_eq!(image["efficiency"], expected["efficiency"]);
    assert_eq!(image["tags"], json!(["peel-fixture:latest"]));
    let sizes: Vec<Value> = per_layer(&r, "sizeBytes");
    assert_eq!(Value::Array(sizes), expected["layerSizes"]);
    let dive = &expected["dive"];
    assert_eq!(r["dive"]["efficiencyScore"], dive["efficiencyScore"]);
    assert_eq!(r["dive"]["inefficientBytes"], dive["inefficientBytes"]);
    assert_eq!(r["dive"]["userWastedPercent"], dive["userWastedPercent"]);
    assert_eq!(
        r["dive"]["fileReference"],
        dive["inefficientFiles"]["files"]
    );
    assert_eq!(rule(&r, "lowestEfficiency").2, "PASS");
    assert_eq!(rule(&r, "highestUserWastedPercent").2, "FAIL");

    // Judged on dive's figures, the values are dive's.
    let (code, r) = ci_json(
        dir.path(),
        &["--dive-compat", path.to_str().expect("utf-8")],
    );
    assert_eq!(code, 1);
    assert_eq!(rule(&r, "lowestEfficiency").1, dive["efficiencyScore"]);
    assert_eq!(rule(&r, "highestWastedBytes").1, dive["inefficientBytes"]);
    assert_eq!(
        rule(&r, "highestUserWastedPercent").1,
        dive["userWastedPercent"]
    );
}

#[test]
fn real_docker_save_layer_entries_count_every_tar_entry() {
    // README: `entries` counts the layer's tar entries. Layer 0 (docker
    // import) has 38, its `./` root entry included.
    let dir = tmp();
    let expected = &expected_real()["docker-save.tar"];
    let r = report(
        dir.path(),
        &[real("docker-save.tar").to_str().expect("utf-8")],
    );
    let entries: Vec<Value> = per_layer(&r, "entries");
    assert_eq!(Value::Array(entries), expected["layerEntryCounts"]);
}

#[test]
fn real_fixtures_through_the_cli_match_expected() {
    let dir = tmp();
    let expected = expected_real();
    let fixtures = expected.as_object().expect("fixtures");
    assert!(fixtures.len() >= 10);
    for (name, want) in fixtures {
        let path = real(name);
        let r = report(dir.path(), &[path.to_str().expect("utf-8 path")]);
        for key in ["totalBytes", "visibleBytes", "wastedBytes", "efficiency"] {
            assert_eq!(r["image"][key], want[key], "{name}: {key}");
        }
        assert_eq!(r["image"]["layerCount"], want["layers"], "{name}");
        let sizes: Vec<Value> = per_layer(&r, "sizeBytes");
        assert_eq!(Value::Array(sizes), want["layerSizes"], "{name}");
        let compression: Vec<Value> = per_layer(&r, "compression");
        assert_eq!(
            Value::Array(compression),
            want["layerCompressionActual"],
            "{name}"
        );
        if let Some(dive) = want
            .get("dive")
            .filter(|d| d.get("efficiencyScore").is_some())
        {
            assert_eq!(
                r["dive"]["efficiencyScore"], dive["efficiencyScore"],
                "{name}"
            );
            assert_eq!(
                r["dive"]["inefficientBytes"], dive["inefficientBytes"],
                "{name}"
            );
        }
    }
}

#[test]
fn real_gzipped_docker_save_from_stdin() {
    let dir = tmp();
    let expected = &expected_real()["docker-save.tar.gz"];
    let bytes = std::fs::read(real("docker-save.tar.gz")).expect("fixture");
    let out = peel(dir.path())
        .args(["--json", "-", "-"])
        .write_stdin(bytes)
        .assert()
        .code(0);
    let r = parse_json(&out.get_output().stdout);
    assert_eq!(r["image"]["totalBytes"], expected["totalBytes"]);
    assert_eq!(r["image"]["visibleBytes"], expected["visibleBytes"]);
}
