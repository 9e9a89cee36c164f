//! `--dive-compat`: the rules judged on dive's figures.

use predicates::prelude::*;
use serde_json::{Value, json};

use super::{ci_json, half, peel, rule};
use crate::fixture::{Image, Layer, put, tmp};

/// `rm -rf /app` of a directory of files: exact figures count 1500 wasted
/// bytes (efficiency 0.625); dive counts the whiteout as a new key and finds
/// no waste (efficiency 1).
fn rm_rf() -> Image {
    Image::new()
        .layer(
            Layer::new()
                .sized("keep.bin", 2500, b'k')
                .dir("app")
                .sized("app/a", 1000, b'a')
                .sized("app/b", 500, b'b'),
        )
        .layer(Layer::new().whiteout("app"))
}

#[test]
fn dive_compat_judges_dives_figures() {
    let dir = tmp();
    let img = put(dir.path(), "rmrf.tar", &rm_rf().docker_archive());

    // Exact: the 1500 bytes under /app are wasted.
    let (code, r) = ci_json(dir.path(), &[&img]);
    assert_eq!(code, 1);
    assert_eq!(r["image"]["wastedBytes"], json!(1500));
    assert_eq!(r["image"]["efficiency"], json!(0.625));
    assert_eq!(r["dive"]["inefficientBytes"], json!(0));
    assert_eq!(r["dive"]["efficiencyScore"], json!(1.0));
    assert_eq!(r["ci"]["judged"], json!("exact"));
    assert_eq!(
        rule(&r, "lowestEfficiency"),
        (json!(0.9), json!(0.625), "FAIL".into())
    );

    // dive: no waste at all.
    let (code, r) = ci_json(dir.path(), &["--dive-compat", &img]);
    assert_eq!(code, 0);
    assert_eq!(r["ci"]["judged"], json!("dive-compatible"));
    assert_eq!(
        r["ci"]["rules"],
        json!([
            { "name": "lowestEfficiency", "threshold": 0.9, "value": 1.0, "status": "PASS" },
            { "name": "highestWastedBytes", "threshold": null, "value": 0, "status": "SKIP" },
            { "name": "highestUserWastedPercent", "threshold": 0.1, "value": 0.0, "status": "PASS" },
        ])
    );
    // The report's exact figures do not change with the flag.
    assert_eq!(r["image"]["wastedBytes"], json!(1500));

    peel(dir.path())
        .args(["--ci", "--dive-compat", &img])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "judging the dive-compatible figures",
        ))
        .stdout(predicate::str::contains("Result: PASS"));
}

#[test]
fn dive_compat_highest_wasted_bytes_uses_inefficient_bytes() {
    // A changed overwrite: exact counts the hidden copy (1000), dive counts
    // both copies of the path (2000).
    let dir = tmp();
    let img = put(dir.path(), "half.tar", &half().docker_archive());
    let args = |compat: bool| {
        let mut a = vec![
            "--lowest-efficiency",
            "off",
            "--highest-user-wasted-percent",
            "off",
            "--highest-wasted-bytes",
            "1500",
        ];
        if compat {
            a.push("--dive-compat");
        }
        a.push(&img);
        a
    };
    let (code, r) = ci_json(dir.path(), &args(false));
    assert_eq!(code, 0);
    assert_eq!(
        rule(&r, "highestWastedBytes"),
        (json!(1500), json!(1000), "PASS".into())
    );
    let (code, r) = ci_json(dir.path(), &args(true));
    assert_eq!(code, 1);
    assert_eq!(
        rule(&r, "highestWastedBytes"),
        (json!(1500), json!(2000), "FAIL".into())
    );
}

/// The only layer above layer 0 deletes layer 0's file: 0 user bytes in
/// dive's sense, 2500 inefficient bytes.
fn deleted_by_an_empty_layer() -> Image {
    Image::new()
        .layer(Layer::new().sized("base.bin", 2500, b'b'))
        .layer(Layer::new().whiteout("base.bin"))
}

#[test]
fn dive_compat_user_wasted_percent_is_infinite_as_dives() {
    let dir = tmp();
    let img = put(
        dir.path(),
        "inf.tar",
        &deleted_by_an_empty_layer().docker_archive(),
    );
    // Efficiency is judged off, so that only the user wasted percent decides.
    let args = ["--lowest-efficiency", "0", "--dive-compat", img.as_str()];
    let (code, r) = ci_json(dir.path(), &args);
    assert_eq!(code, 1, "dive fails this image: {r}");
    // JSON has no infinity: null stands for dive's +Inf.
    assert_eq!(r["dive"]["userWastedPercent"], Value::Null);
    assert_eq!(r["dive"]["inefficientBytes"], json!(2500));
    assert_eq!(
        rule(&r, "highestUserWastedPercent"),
        (json!(0.1), Value::Null, "FAIL".into())
    );
    peel(dir.path())
        .arg("--ci")
        .args(args)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("user wasted +Inf %"))
        .stdout(predicate::str::contains("0 bytes above layer 0"))
        .stdout(predicate::str::contains(
            "FAIL  highestUserWastedPercent         threshold 0.1000  value +Inf",
        ));

    // dive 0.13.1 itself, when installed, gives the same verdict.
    let dive = std::process::Command::new("dive")
        .env_remove("CI")
        .current_dir(dir.path())
        .args(["--ci", &format!("docker-archive://{img}")])
        .output();
    match dive {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("userWastedPercent: +Inf %"), "{text}");
            assert!(
                text.contains("FAIL\u{1b}[0m: highestUserWastedPercent"),
                "{text}"
            );
        }
        Err(_) => eprintln!("skipping the dive half: dive is not on PATH"),
    }
}
