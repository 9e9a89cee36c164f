//! Image references: standard input, compressed archives, transports and
//! `--source`, tags inside archives and layouts.

use predicates::prelude::*;
use serde_json::{Value, json};

use super::{one_line_error, parse_json, peel, report, wasteful};
use crate::fixture::{Compress, Image, Layer, Member, compress, put, real, sha256, tar_of, tmp};

/// The report without the fields that name the input.
fn figures(mut report: Value) -> Value {
    report["image"]
        .as_object_mut()
        .expect("image")
        .remove("reference");
    report["image"]
        .as_object_mut()
        .expect("image")
        .remove("source");
    for layer in report["layers"].as_array_mut().expect("layers") {
        layer.as_object_mut().expect("layer").remove("blob");
    }
    report
}

#[test]
fn stdin_gives_the_same_figures_as_the_file() {
    let dir = tmp();
    let bytes = wasteful().docker_archive();
    let img = put(dir.path(), "img.tar", &bytes);
    let from_file = report(dir.path(), &[&img]);
    let out = peel(dir.path())
        .args(["--json", "-", "-"])
        .write_stdin(bytes)
        .assert()
        .code(0);
    let from_stdin = parse_json(&out.get_output().stdout);
    assert_eq!(from_stdin["image"]["reference"], json!("-"));
    assert_eq!(from_stdin["image"]["source"], json!("docker-archive"));
    assert_eq!(from_stdin["layers"], from_file["layers"]);
    assert_eq!(figures(from_stdin), figures(from_file));
}

#[test]
fn stdin_in_ci_mode_judges_the_rules() {
    let dir = tmp();
    peel(dir.path())
        .args(["--ci", "-"])
        .write_stdin(wasteful().docker_archive())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Image: - (docker-archive"))
        .stdout(predicate::str::contains("Result: FAIL"));
}

#[test]
fn compressed_whole_archives_are_read() {
    let dir = tmp();
    let bytes = wasteful().docker_archive();
    let plain = report(dir.path(), &[&put(dir.path(), "img.tar", &bytes)]);
    for (name, how) in [
        ("img.tar.gz", Compress::Gzip),
        ("img.tar.zst", Compress::Zstd),
    ] {
        let packed = put(dir.path(), name, &compress(&bytes, how));
        let r = report(dir.path(), &[&packed]);
        assert_eq!(figures(r), figures(plain.clone()), "{name}");
    }
    // And from standard input.
    let out = peel(dir.path())
        .args(["--json", "-", "-"])
        .write_stdin(compress(&bytes, Compress::Gzip))
        .assert()
        .code(0);
    assert_eq!(
        figures(parse_json(&out.get_output().stdout)),
        figures(plain)
    );
}

#[test]
fn transports_and_source_flag_read_the_same_image() {
    let dir = tmp();
    let image = wasteful();
    put(dir.path(), "docker.tar", &image.docker_archive());
    put(dir.path(), "docker25.tar", &image.docker25_archive());
    put(dir.path(), "oci.tar", &image.oci_archive());
    let layout = dir.path().join("layout");
    image.oci_dir(&layout);
    let abs_docker = dir.path().join("docker.tar");
    let abs_docker = abs_docker.to_str().expect("utf-8 temp path");

    let base = figures(report(dir.path(), &["docker.tar"]));
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["docker-archive:docker.tar".into()], "docker-archive"),
        (
            vec![format!("docker-archive://{abs_docker}")],
            "docker-archive",
        ),
        (
            vec![
                "--source".into(),
                "docker-archive".into(),
                "docker.tar".into(),
            ],
            "docker-archive",
        ),
        (vec!["docker25.tar".into()], "docker-archive"),
        (vec!["oci-archive:oci.tar".into()], "oci-archive"),
        (vec!["oci.tar".into()], "oci-archive"),
        (
            vec!["--source".into(), "oci-archive".into(), "oci.tar".into()],
            "oci-archive",
        ),
        (vec!["oci:layout".into()], "oci-layout"),
        (vec!["layout".into()], "oci-layout"),
        (
            vec!["--source".into(), "oci".into(), "layout".into()],
            "oci-layout",
        ),
    ];
    for (args, source) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = report(dir.path(), &args);
        assert_eq!(r["image"]["source"], json!(source), "{args:?}");
        assert_eq!(
            r["image"]["reference"],
            json!(args.last().expect("ref")),
            "{args:?}"
        );
        let mut got = figures(r);
        let mut want = base.clone();
        // The OCI index knows the platform of the manifest; the tag is the
        // ref.name annotation, not the docker RepoTag.
        if source != "docker-archive" {
            got["image"].as_object_mut().expect("image").remove("tags");
            want["image"].as_object_mut().expect("image").remove("tags");
        }
        assert_eq!(got, want, "{args:?}");
    }
}

#[test]
fn oci_layout_reports_gzip_layers_and_blob_digests() {
    let dir = tmp();
    let image = wasteful().compressed(Compress::Gzip);
    let layout = dir.path().join("layout");
    image.oci_dir(&layout);
    let r = report(dir.path(), &["oci:layout"]);
    assert_eq!(r["image"]["tags"], json!(["latest"]));
    assert_eq!(r["image"]["totalBytes"], json!(5000));
    let tar = Layer::new()
        .dir("app")
        .sized("app/big.bin", 1500, b'a')
        .tar();
    let blob = compress(&tar, Compress::Gzip);
    assert_eq!(r["layers"][1]["compression"], json!("gzip"));
    assert_eq!(r["layers"][1]["compressedBytes"], json!(blob.len()));
    assert_eq!(r["layers"][1]["blob"], json!(sha256(&blob)));
    assert_eq!(r["layers"][1]["digest"], json!(sha256(&tar)));
    assert_eq!(r["layers"][1]["sizeBytes"], json!(1500));
}

/// Two images in one `docker save`: `first:v1` (1000 bytes, one layer) and
/// `second:v2` (2300 bytes, two layers).
fn two_image_archive() -> Vec<u8> {
    let first = Image::new().layer(Layer::new().sized("one.bin", 1000, b'1'));
    let second = Image::new()
        .layer(Layer::new().sized("two.bin", 2000, b'2'))
        .layer(Layer::new().sized("three.bin", 300, b'3'));
    let mut members: Vec<Member> = Vec::new();
    let mut manifest = Vec::new();
    for (image, tag) in [(&first, "first:v1"), (&second, "second:v2")] {
        for (name, content) in image.docker25_members() {
            if name == "manifest.json" {
                let mut items: Vec<Value> = serde_json::from_slice(&content).expect("manifest");
                let mut item = items.remove(0);
                item["RepoTags"] = json!([tag]);
                manifest.push(item);
            } else if name != "index.json" && !members.iter().any(|(n, _)| *n == name) {
                members.push((name, content));
            }
        }
    }
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("json"),
    ));
    tar_of(&members)
}

#[test]
fn docker_archive_without_a_tag_reads_the_first_image_with_a_warning() {
    let dir = tmp();
    put(dir.path(), "two.tar", &two_image_archive());
    let r = report(dir.path(), &["two.tar"]);
    assert_eq!(r["image"]["tags"], json!(["first:v1"]));
    assert_eq!(r["image"]["totalBytes"], json!(1000));
    assert_eq!(
        r["warnings"],
        json!([
            "the archive holds 2 images; reading the first (first:v1); name another as PATH:TAG"
        ])
    );
}

#[test]
fn docker_archive_path_colon_name_selects_the_image() {
    let dir = tmp();
    put(dir.path(), "two.tar", &two_image_archive());
    let r = report(dir.path(), &["docker-archive:two.tar:second"]);
    assert_eq!(r["image"]["tags"], json!(["second:v2"]));
    assert_eq!(r["image"]["layerCount"], json!(2));
    assert_eq!(r["image"]["totalBytes"], json!(2300));
    assert_eq!(r["warnings"], json!([]));
    let r = report(dir.path(), &["docker-archive:two.tar:first"]);
    assert_eq!(r["image"]["tags"], json!(["first:v1"]));
    assert_eq!(r["image"]["totalBytes"], json!(1000));
}

#[test]
fn docker_archive_path_colon_name_and_tag_selects_the_image() {
    // skopeo's spelling: docker-archive:PATH:NAME:TAG.
    let dir = tmp();
    put(dir.path(), "two.tar", &two_image_archive());
    let r = report(dir.path(), &["docker-archive:two.tar:second:v2"]);
    assert_eq!(r["image"]["tags"], json!(["second:v2"]));
    assert_eq!(r["image"]["totalBytes"], json!(2300));
}

#[test]
fn docker_archive_wrong_tag_exits_2_listing_the_tags() {
    let dir = tmp();
    put(dir.path(), "two.tar", &two_image_archive());
    let out = peel(dir.path())
        .args(["--ci", "docker-archive:two.tar:third"])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(
        &out.get_output().stderr,
        &["two.tar", "no image tagged 'third'", "first:v1, second:v2"],
    );
}

#[test]
fn real_docker_save_tag_selection() {
    let dir = tmp();
    let path = real("docker-save.tar");
    let path = path.to_str().expect("utf-8 path");
    let r = report(
        dir.path(),
        &[&format!("docker-archive:{path}:peel-fixture")],
    );
    assert_eq!(r["image"]["tags"], json!(["peel-fixture:latest"]));
    assert_eq!(r["image"]["totalBytes"], json!(2018718));
    let out = peel(dir.path())
        .arg("--ci")
        .arg(format!("docker-archive:{path}:nope"))
        .assert()
        .code(2)
        .stdout("");
    one_line_error(
        &out.get_output().stderr,
        &["no image tagged 'nope'", "peel-fixture:latest"],
    );
}

#[test]
fn oci_layout_tag_selection() {
    let dir = tmp();
    wasteful().oci_dir(&dir.path().join("layout"));
    let r = report(dir.path(), &["oci:layout:latest"]);
    assert_eq!(r["image"]["totalBytes"], json!(5000));
    let out = peel(dir.path())
        .args(["--ci", "oci:layout:nope"])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(
        &out.get_output().stderr,
        &["layout", "no image tagged 'nope'", "latest"],
    );
}
