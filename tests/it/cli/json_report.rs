//! The JSON report: its keys and figures, and where it goes.

use predicates::prelude::*;
use serde_json::json;

use super::{ci_json, clean, one_line_error, parse_json, peel, report, wasteful};
use crate::fixture::{Layer, put, sha256, tmp};

#[test]
fn json_report_has_the_documented_keys_and_exact_figures() {
    let dir = tmp();
    let image = wasteful();
    let img = put(dir.path(), "img.tar", &image.docker_archive());
    let r = report(dir.path(), &[&img]);

    assert_eq!(
        r["image"],
        json!({
            "reference": "img.tar",
            "source": "docker-archive",
            "tags": ["peel-fixture:latest"],
            "platform": "linux/amd64",
            "layerCount": 3,
            "totalBytes": 5000,
            "visibleBytes": 3500,
            "wastedBytes": 1500,
            "acceptedBytes": 0,
            "efficiency": 0.7,
            "baseLayers": 1,
            "baseLayersFrom": "fallback",
            "baseImage": null,
            "userBytes": 2500,
            "userWastedBytes": 1500,
            "userWastedPercent": 0.6,
            "fileCount": 2,
            "savings": { "bytes": 1500, "compressedBytes": null, "visibleBytesIfFixed": 3500 },
        })
    );

    let layer_tars = [
        Layer::new()
            .sized("base.bin", 2500, b'b')
            .created_by("/bin/sh -c #(nop) ADD file:abc in / ")
            .tar(),
        Layer::new()
            .dir("app")
            .sized("app/big.bin", 1500, b'a')
            .tar(),
        Layer::new()
            .whiteout("app/big.bin")
            .sized("app/small.txt", 1000, b's')
            .tar(),
    ];
    let layer_id = |idx: usize| {
        sha256(format!("layer-{idx}").as_bytes())
            .trim_start_matches("sha256:")
            .to_string()
    };
    assert_eq!(
        r["layers"],
        json!([
            {
                "index": 0,
                "digest": sha256(&layer_tars[0]),
                "blob": format!("{}/layer.tar", layer_id(0)),
                "compression": "none",
                "sizeBytes": 2500,
                "compressedBytes": null,
                "command": "ADD file:abc in /",
                "createdBy": "/bin/sh -c #(nop) ADD file:abc in / ",
                "entries": 1,
            },
            {
                "index": 1,
                "digest": sha256(&layer_tars[1]),
                "blob": format!("{}/layer.tar", layer_id(1)),
                "compression": "none",
                "sizeBytes": 1500,
                "compressedBytes": null,
                "command": "RUN echo layer 1",
                "createdBy": "/bin/sh -c echo layer 1",
                "entries": 2,
            },
            {
                "index": 2,
                "digest": sha256(&layer_tars[2]),
                "blob": format!("{}/layer.tar", layer_id(2)),
                "compression": "none",
                "sizeBytes": 1000,
                "compressedBytes": null,
                "command": "RUN rm /app/big.bin && make-small",
                "createdBy": "/bin/sh -c rm /app/big.bin && make-small",
                "entries": 2,
            },
        ])
    );
    assert_eq!(
        r["wasted"],
        json!([
            { "path": "/app/big.bin", "layer": 1, "bytes": 1500, "reason": "deleted", "hiddenBy": 2 }
        ])
    );
    assert_eq!(
        r["dive"],
        json!({
            "efficiencyScore": 0.7,
            "inefficientBytes": 1500,
            "userWastedPercent": 0.6,
            "fileReference": [ { "count": 2, "sizeBytes": 1500, "file": "/app/big.bin" } ],
        })
    );
    assert_eq!(r["warnings"], json!([]));
    assert!(r.get("ci").is_none(), "no ci section without --ci: {r}");
}

#[test]
fn json_ci_section_with_ci() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let (code, r) = ci_json(dir.path(), &[&img]);
    assert_eq!(code, 1);
    assert_eq!(
        r["ci"],
        json!({
            "passed": false,
            "judged": "exact",
            "rules": [
                { "name": "lowestEfficiency", "threshold": 0.9, "value": 0.7, "status": "FAIL" },
                { "name": "highestWastedBytes", "threshold": null, "value": 1500, "status": "SKIP" },
                { "name": "highestUserWastedPercent", "threshold": 0.1, "value": 0.6, "status": "FAIL" },
            ],
        })
    );
}

#[test]
fn ci_json_to_stdout_is_pure_json_and_the_text_goes_to_stderr() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .args(["--ci", "--json", "-", &img])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Image: img.tar"))
        .stderr(predicate::str::contains("Result: FAIL"));
    let stdout = &out.get_output().stdout;
    // The whole of stdout is one JSON document.
    let r = parse_json(stdout);
    assert_eq!(r["image"]["totalBytes"], json!(5000));
    assert!(!String::from_utf8_lossy(stdout).contains("Result:"));
}

#[test]
fn json_without_ci_prints_only_json() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .args(["--json", "-", &img])
        .assert()
        .code(0);
    let r = parse_json(&out.get_output().stdout);
    assert_eq!(r["image"]["wastedBytes"], json!(1500));
}

#[test]
fn json_to_a_file() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    peel(dir.path())
        .args(["--json", "out.json", &img])
        .assert()
        .code(0)
        .stdout("");
    let r = parse_json(&std::fs::read(dir.path().join("out.json")).expect("out.json written"));
    assert_eq!(r["image"]["visibleBytes"], json!(3500));
    assert!(r.get("ci").is_none());

    // With --ci: the text report on stdout, the JSON (with its ci section) in the file.
    peel(dir.path())
        .args(["--ci", "--json", "ci.json", &img])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Result: FAIL"));
    let r = parse_json(&std::fs::read(dir.path().join("ci.json")).expect("ci.json written"));
    assert_eq!(r["ci"]["passed"], json!(false));
    assert_eq!(r["image"]["efficiency"], json!(0.7));
}

#[test]
fn json_to_an_unwritable_path_exits_2() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    let out = peel(dir.path())
        .args(["--json", "no/such/dir/out.json", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &["no/such/dir/out.json"]);
}
