//! The findings in the reports (JSON, Markdown) and the flags that act on
//! them: `--fail-on` kinds and `--ignore` globs.

use std::path::PathBuf;

use crate::cli::peel;
use crate::fixture::{Image, Layer, analyze, tmp};

#[test]
fn findings_are_in_the_json_report() {
    let image = Image::new()
        .layer(Layer::new().sized("tmp/build.log", 1234, b'l'))
        .layer(Layer::new().whiteout("tmp/build.log"));
    let a = analyze(&image.docker_archive());
    let json: serde_json::Value =
        serde_json::from_str(&peel::report::json::render(&a)).expect("json");
    let findings = json["findings"].as_array().expect("findings");
    let deleted = findings
        .iter()
        .find(|f| f["kind"] == "deleted-later")
        .expect("deleted-later");
    for key in [
        "kind",
        "severity",
        "bytes",
        "layers",
        "paths",
        "pathCount",
        "command",
        "advice",
    ] {
        assert!(deleted.get(key).is_some(), "missing {key}: {deleted}");
    }
    assert_eq!(deleted["bytes"], 1234);
    assert_eq!(deleted["layers"], serde_json::json!([0, 1]));
    assert_eq!(deleted["paths"], serde_json::json!(["/tmp/build.log"]));
    assert_eq!(deleted["command"], "RUN echo layer 0");
}

/// The demo image, with the three figure rules off: only the findings judge.
fn demo_args(extra: &[&str]) -> Vec<String> {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar");
    let mut args: Vec<String> = [
        "--ci",
        "--lowest-efficiency",
        "off",
        "--highest-user-wasted-percent",
        "off",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(demo.display().to_string());
    args
}

#[test]
fn fail_on_chosen_finding_kinds() {
    let dir = tmp();
    // None by default: the demo's secrets do not fail the build.
    peel(dir.path()).args(demo_args(&[])).assert().code(0);
    peel(dir.path())
        .args(demo_args(&["--fail-on", "secret"]))
        .assert()
        .code(1)
        .stdout(predicates::str::contains("FAIL  failOnFindings:secret"));
    // A kind the image does not show passes.
    peel(dir.path())
        .args(demo_args(&["--fail-on", "build-leftover"]))
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "PASS  failOnFindings:build-leftover",
        ));
    // The rules file, as a YAML list.
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  failOnFindings: [secret, package-cache]\n",
    )
    .unwrap();
    let out = peel(dir.path())
        .args(demo_args(&["--json", "-"]))
        .assert()
        .code(1);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let rules = json["ci"]["rules"].as_array().unwrap();
    let secret = rules
        .iter()
        .find(|r| r["name"] == "failOnFindings:secret")
        .expect("secret rule");
    assert_eq!(
        (secret["value"].clone(), secret["status"].clone()),
        (serde_json::json!(2), serde_json::json!("FAIL"))
    );
    // An unknown kind is a configuration error.
    peel(dir.path())
        .args(demo_args(&["--fail-on", "secrets"]))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--fail-on: unknown finding kind 'secrets'",
        ));
}

#[test]
fn markdown_report() {
    let dir = tmp();
    let out = peel(dir.path())
        .args(demo_args(&["--markdown", "-"]))
        .assert()
        .code(0);
    let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(md.starts_with("## peel: `"), "{md}");
    assert!(md.contains("**PASS**: every rule passed."), "{md}");
    assert!(md.contains("| efficiency | 62.21 % |"), "{md}");
    assert!(
        md.contains("### Layers")
            && md.contains("| 8 | 468.89 kB | `RUN chmod 0755 /opt/peel/blob.bin` |"),
        "{md}"
    );
    assert!(
        md.contains("### Findings") && md.contains("`package-cache`"),
        "{md}"
    );
    // Pipes inside commands are escaped so that the table holds.
    assert!(md.contains("\\| head -c 300000"), "{md}");
    // To a file, with the text report still on stdout.
    let out = peel(dir.path())
        .args(demo_args(&["--markdown", "report.md"]))
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("Result: PASS"));
    assert!(
        std::fs::read_to_string(dir.path().join("report.md"))
            .unwrap()
            .contains("### Findings")
    );
    // Two reports cannot share stdout.
    peel(dir.path())
        .args(demo_args(&["--markdown", "-", "--json", "-"]))
        .assert()
        .code(2);
}

#[test]
fn ignored_paths_are_accepted_not_wasted() {
    let dir = tmp();
    let out = peel(dir.path())
        .args(demo_args(&[
            "--json",
            "-",
            "--ignore",
            "/var/cache/**",
            "--ignore",
            "**/*.log",
        ]))
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let image = &json["image"];
    // The apk cache (600,000) and the build log (300,000) are accepted.
    assert_eq!(image["acceptedBytes"], 900_000);
    assert_eq!(image["wastedBytes"], 1_489_320 - 900_000);
    assert_eq!(image["visibleBytes"], 2_451_358);
    assert_eq!(image["efficiency"], (2_451_358.0 + 900_000.0) / 3_940_678.0);
    let wasted = json["wasted"].as_array().unwrap();
    assert!(wasted.iter().all(|w| {
        let p = w["path"].as_str().unwrap();
        !p.starts_with("/var/cache/") && !p.ends_with(".log")
    }));
    let kinds: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"package-cache"), "{kinds:?}");
    // dive's figures do not know of ignores.
    assert_eq!(json["dive"]["inefficientBytes"], 1_238_214);

    // The same from the rules file's list.
    std::fs::write(
        dir.path().join(".dive-ci"),
        "ignore:\n  - /var/cache/**\n  - '**/*.log'\n",
    )
    .unwrap();
    let out = peel(dir.path())
        .args(demo_args(&["--json", "-"]))
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["image"]["acceptedBytes"], 900_000);

    // A plain run into a pipe (the text report) accepts them too.
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar");
    let out = peel(dir.path())
        .args(["--ignore", "/var/cache/**", "--ignore", "**/*.log"])
        .arg(&demo)
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("Accepted (ignored):  900 kB"), "{text}");
    assert!(!text.contains("package-cache"), "{text}");

    // A bad glob is a configuration error.
    peel(dir.path())
        .args(demo_args(&["--ignore", "a["]))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid glob 'a['"));
}
