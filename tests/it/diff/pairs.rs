//! Byte-built pairs: each change kind, the layers and the pull cost, an
//! image against itself, a baseline report against the image it was made
//! from, and every output's escaping.

use serde_json::{Value, json};

use super::{USER_COMMAND, diff_json, new_image, new_with_whiteout, old_image, peel};
use crate::fixture::{Compress, Image, Layer, put, tmp};

/// (path, change, old, new, delta, layer) of each file change.
fn changes(report: &Value) -> Vec<(String, String, i64, i64, i64, Value)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["change"].as_str().unwrap().to_string(),
                f["oldBytes"].as_i64().unwrap(),
                f["newBytes"].as_i64().unwrap(),
                f["deltaBytes"].as_i64().unwrap(),
                f["layer"].clone(),
            )
        })
        .collect()
}

#[test]
fn every_change_kind_with_the_layer_and_command_that_brought_it() {
    let dir = tmp();
    let old = put(dir.path(), "old.tar", &old_image().docker_archive());
    let new = put(dir.path(), "new.tar", &new_with_whiteout().docker_archive());
    let (code, r) = diff_json(dir.path(), &[&old, &new]);
    assert_eq!(code, 0);
    let s = |v: &str| v.to_string();
    assert_eq!(
        changes(&r),
        vec![
            (s("/app/grow"), s("grown"), 100, 300, 200, json!(1)),
            (s("/app/shrink"), s("shrunk"), 100, 10, -90, json!(1)),
            (s("/app/lib/dep.so"), s("added"), 0, 70, 70, json!(1)),
            (s("/app/gone"), s("removed"), 50, 0, -50, json!(2)),
            (s("/app/meta"), s("metadata"), 10, 10, 0, json!(1)),
            (s("/etc/conf"), s("changed"), 5, 5, 0, json!(1)),
        ]
    );
    assert_eq!(r["files"][0]["command"], "RUN make app");
    assert_eq!(r["files"][3]["command"], "RUN rm /app/gone");
    // Rolled up: every directory above a change, largest |delta| first.
    assert_eq!(
        r["directories"],
        json!([
            {"path": "/app", "deltaBytes": 130, "files": 5},
            {"path": "/app/lib", "deltaBytes": 70, "files": 1},
            {"path": "/etc", "deltaBytes": 0, "files": 1},
        ])
    );
    assert_eq!(r["delta"]["visibleBytes"], json!(130));
    assert_eq!(r["delta"]["fileCount"], json!(0));
    assert_eq!(r["delta"]["layerCount"], json!(1));
    assert_eq!(r["layers"]["shared"], json!(1));
    assert_eq!(r["layers"]["added"], json!(2));
    assert_eq!(r["layers"]["removed"], json!(1));
    assert_eq!(r["layers"]["baseChanged"], json!(false));
    // Waste: the deleted /app/gone and the overwritten /etc/conf are new.
    assert_eq!(r["waste"]["newBytes"], json!(55));
    assert_eq!(r["waste"]["goneBytes"], json!(0));
    // The contract's keys are all there.
    for key in [
        "old",
        "new",
        "delta",
        "layers",
        "files",
        "directories",
        "findings",
    ] {
        assert!(r.get(key).is_some(), "no {key}");
    }
    assert!(r.get("ci").is_none(), "no rule on: not judged");
    for key in [
        "totalBytes",
        "visibleBytes",
        "wastedBytes",
        "efficiency",
        "fileCount",
        "layerCount",
    ] {
        assert!(r["delta"][key].is_number(), "delta.{key}");
    }
    // `old` and `new` are the single-image report's `image` objects.
    let single = super::super::cli::peel(dir.path())
        .args(["--json", "-", &new])
        .output()
        .unwrap();
    let single: Value = serde_json::from_slice(&single.stdout).unwrap();
    assert_eq!(r["new"], single["image"]);
}

#[test]
fn an_image_against_itself_is_all_zero() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &new_with_whiteout().docker_archive());
    let (code, r) = diff_json(dir.path(), &[&img, &img]);
    assert_eq!(code, 0);
    assert_eq!(r["files"], json!([]));
    assert_eq!(r["directories"], json!([]));
    for (key, value) in r["delta"].as_object().unwrap() {
        assert!(
            value == &json!(0) || value == &json!(0.0) || value.is_null(),
            "{key}: {value}"
        );
    }
    assert_eq!(r["layers"]["shared"], json!(3));
    assert_eq!(
        (r["layers"]["added"].clone(), r["layers"]["removed"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(r["layers"]["pullCostBytes"], json!(0));
    assert_eq!(r["findings"], json!({"new": [], "resolved": []}));
    assert_eq!(r["old"], r["new"]);
    // The text report says so too.
    let out = peel(dir.path())
        .args(["diff", &img, &img])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Files: 0 changed"), "{text}");
    assert!(
        text.contains("Layers: 3 shared, 0 added, 0 removed; pull cost 0 B"),
        "{text}"
    );
}

#[test]
fn pull_cost_is_the_compressed_new_layers_or_marked_uncompressed() {
    let dir = tmp();
    let old = old_image().compressed(Compress::Gzip);
    let new = new_image().compressed(Compress::Gzip);
    let old_oci = put(dir.path(), "old-oci.tar", &old.oci_archive());
    let new_oci = put(dir.path(), "new-oci.tar", &new.oci_archive());
    let (_, r) = diff_json(dir.path(), &[&old_oci, &new_oci]);
    let single = super::super::cli::peel(dir.path())
        .args(["--json", "-", &new_oci])
        .output()
        .unwrap();
    let single: Value = serde_json::from_slice(&single.stdout).unwrap();
    let compressed = single["layers"][1]["compressedBytes"].as_u64().unwrap();
    assert_eq!(r["layers"]["pullCostBytes"], json!(compressed));
    assert_eq!(r["layers"]["pullCostExact"], json!(true));
    assert_eq!(r["layers"]["list"][0]["shared"], json!(true));
    assert_eq!(r["layers"]["list"][1]["shared"], json!(false));
    // Mixed sources: an OCI archive against a docker-save of the same layers.
    let old_tar = put(dir.path(), "old.tar", &old_image().docker_archive());
    let new_tar = put(dir.path(), "new.tar", &new_image().docker_archive());
    let (_, mixed) = diff_json(dir.path(), &[&old_oci, &new_tar]);
    assert_eq!(mixed["layers"]["shared"], json!(1));
    // Uncompressed layers: the content bytes, marked.
    let (_, plain) = diff_json(dir.path(), &[&old_tar, &new_tar]);
    assert_eq!(plain["layers"]["pullCostExact"], json!(false));
    assert_eq!(
        plain["layers"]["pullCostBytes"],
        single["layers"][1]["sizeBytes"]
    );
    let out = peel(dir.path())
        .args(["diff", &old_tar, &new_tar])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("(uncompressed: compressed sizes not known)"),
        "{text}"
    );
}

#[test]
fn a_changed_base_and_no_layer_in_common() {
    let dir = tmp();
    let bumped = Image::new()
        .layer(
            Layer::new()
                .dir("bin")
                .sized("bin/tool", 4100, b'u')
                .created_by(super::BASE_COMMAND),
        )
        .layer(super::new_layer());
    let old = put(dir.path(), "old.tar", &old_image().docker_archive());
    let new = put(dir.path(), "new.tar", &bumped.docker_archive());
    let (_, r) = diff_json(dir.path(), &[&old, &new]);
    assert_eq!(r["layers"]["baseChanged"], json!(true));
    assert_eq!(r["layers"]["shared"], json!(0));
    assert_eq!(r["layers"]["removed"], json!(2));
    let tool = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/bin/tool")
        .expect("the base's file changed");
    assert_eq!(tool["change"], "grown");
    assert_eq!(tool["layer"], json!(0));
}

#[test]
fn a_baseline_report_answers_as_the_image_does() {
    let dir = tmp();
    let old = put(dir.path(), "old.tar", &old_image().docker_archive());
    let new = put(dir.path(), "new.tar", &new_with_whiteout().docker_archive());
    super::super::cli::peel(dir.path())
        .args(["--json", "old.json", &old])
        .assert()
        .success();
    let (_, from_image) = diff_json(dir.path(), &[&old, &new]);
    let (_, from_report) = diff_json(dir.path(), &["old.json", &new]);
    assert_eq!(from_report, from_image);
    // Both sides may be reports.
    super::super::cli::peel(dir.path())
        .args(["--json", "new.json", &new])
        .assert()
        .success();
    let (_, reports) = diff_json(dir.path(), &["old.json", "new.json"]);
    assert_eq!(reports["files"].as_array().unwrap().len(), 6);
    assert_eq!(reports["delta"], from_image["delta"]);
    // The report's new key: every final file with size and content hash.
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("old.json")).unwrap()).unwrap();
    assert_eq!(report["baseline"]["version"], json!(1));
    let files = report["baseline"]["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f[0].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/app/gone",
            "/app/grow",
            "/app/keep",
            "/app/meta",
            "/app/shrink",
            "/bin/tool",
            "/etc/conf"
        ]
    );
    assert_eq!(files[1][1], json!(100));
    assert_eq!(files[1][2].as_str().unwrap().len(), 16);
}

#[test]
fn untrusted_names_are_escaped_in_every_output() {
    let dir = tmp();
    let hostile = "app/\u{1b}[2J<img src=x>|`x`\u{202e}.txt";
    let new = Image::new().layer(super::base()).layer(
        Layer::new()
            .dir("app")
            .file(hostile, b"boo")
            .created_by("/bin/sh -c echo \u{1b}]0;pwn\u{7} <b>|x"),
    );
    let old = put(dir.path(), "old.tar", &old_image().docker_archive());
    let new = put(dir.path(), "new.tar", &new.docker_archive());
    let unsafe_char = |c: char| c != '\n' && peel::safe_text::is_unsafe(c);
    let out = peel(dir.path())
        .args(["diff", &old, &new])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.chars().any(unsafe_char), "{text}");
    assert!(
        text.contains("/app/\\x1b[2J<img src=x>|`x`\\u{202e}.txt"),
        "{text}"
    );
    let out = peel(dir.path())
        .args(["diff", "--markdown", "-", &old, &new])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(!md.chars().any(unsafe_char), "{md}");
    // Markup only inside code spans, which show it as it is.
    assert!(
        md.contains("| ``/app/\\x1b[2J<img src=x>\\|`x`\\u{202e}.txt`` |"),
        "{md}"
    );
    assert!(md.contains("`RUN echo \\x1b]0;pwn\\x07 <b>\\|x`"), "{md}");
    assert!(md.contains("<details><summary>Details</summary>"), "{md}");
    let (_, r) = diff_json(dir.path(), &[&old, &new]);
    let path = format!("/{hostile}");
    assert!(
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == path.as_str())
    );
    let out = peel(dir.path())
        .args(["diff", "--json", "-", &old, &new])
        .output()
        .unwrap();
    let raw = String::from_utf8(out.stdout).unwrap();
    assert!(!raw.chars().any(unsafe_char), "raw JSON");
}

#[test]
fn markdown_is_a_summary_then_details() {
    let dir = tmp();
    let old = put(dir.path(), "old.tar", &old_image().docker_archive());
    let new = put(dir.path(), "new.tar", &new_with_whiteout().docker_archive());
    let out = peel(dir.path())
        .args([
            "diff",
            "--markdown",
            "-",
            "--highest-growth",
            "100",
            &old,
            &new,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    let summary = md.split("<details>").next().unwrap();
    assert!(summary.contains("**FAIL**: 1 of 3 rules failed."), "{md}");
    assert!(
        summary.contains("| visible size | +130 B (+3.05 %) |"),
        "{md}"
    );
    assert!(
        summary.contains("| +200 B | grown | `/app/grow` | 1: `RUN make app` |"),
        "{md}"
    );
    assert!(md.trim_end().ends_with("</details>"), "{md}");
    // Standard output holds the Markdown alone; the text report went to stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("Result: FAIL"));
    let _ = USER_COMMAND;
}

#[test]
fn an_image_named_diff_is_still_reachable() {
    let dir = tmp();
    put(dir.path(), "diff", &old_image().docker_archive());
    let out = super::super::cli::peel(dir.path())
        .args(["--json", "-", "--", "diff"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["image"]["reference"], "diff");
    // `peel IMAGE` as before.
    let img = put(dir.path(), "img.tar", &old_image().docker_archive());
    peel(dir.path())
        .args(["--json", "-", &img])
        .assert()
        .success();
}

#[test]
fn links_compare_by_what_they_show() {
    let dir = tmp();
    let image = |content: &[u8], target: &str| {
        Image::new().layer(
            Layer::new()
                .dir("d")
                .file("d/real", content)
                .hardlink("d/hard", "d/real")
                .symlink("d/soft", target),
        )
    };
    let old = put(
        dir.path(),
        "old.tar",
        &image(b"1234", "real").docker_archive(),
    );
    let new = put(
        dir.path(),
        "new.tar",
        &image(b"123456", "hard").docker_archive(),
    );
    let (_, r) = diff_json(dir.path(), &[&old, &new]);
    let s = |v: &str| v.to_string();
    assert_eq!(
        changes(&r),
        vec![
            (s("/d/hard"), s("grown"), 4, 6, 2, json!(0)),
            (s("/d/real"), s("grown"), 4, 6, 2, json!(0)),
            (s("/d/soft"), s("changed"), 0, 0, 0, json!(0)),
        ]
    );
    let same = put(
        dir.path(),
        "same.tar",
        &image(b"1234", "real").docker_archive(),
    );
    let (_, r) = diff_json(dir.path(), &[&old, &same]);
    assert_eq!(r["files"], json!([]));
}
