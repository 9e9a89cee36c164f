//! The base image's layers: found by shared diff_ids, declared by OCI
//! annotations or labels (built with real buildah and umoci too), and a
//! declared base that is not at hand.

use std::path::Path;
use std::process::Command as Std;

use serde_json::{Value, json};

use crate::cli::peel;
use crate::fixture::{Image, Layer, sha256, tmp, write_members};

use super::clean;

#[test]
fn base_image_by_shared_diff_ids() {
    let dir = tmp();
    let base_layers = [
        Layer::new()
            .sized("bin/sh", 900, b's')
            .created_by("/bin/sh -c #(nop) ADD file:abc in / "),
        Layer::new().sized("usr/lib/libc.so", 700, b'c'),
    ];
    let mut base = Image::new();
    let mut image = Image::new();
    for layer in &base_layers {
        base = base.layer(layer.clone());
        image = image.layer(layer.clone());
    }
    image = image.layer(Layer::new().sized("app/big", 500, b'b')).layer(
        Layer::new()
            .whiteout("usr/lib/libc.so")
            .sized("app/x", 10, b'x'),
    );
    std::fs::write(dir.path().join("base.tar"), base.docker_archive()).unwrap();
    std::fs::write(dir.path().join("image.tar"), image.docker_archive()).unwrap();
    let out = peel(dir.path())
        .args(["--json", "-", "--base", "base.tar", "image.tar"])
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["image"]["baseLayers"], 2);
    assert_eq!(json["image"]["baseLayersFrom"], "base-image");
    assert_eq!(json["image"]["userBytes"], 510);
    // The user's layers deleted a base file: 700 user-wasted bytes.
    assert_eq!(json["image"]["userWastedBytes"], 700);

    // A base the image does not build on, and a base that cannot be read.
    let other = Image::new().layer(Layer::new().sized("etc/other", 5, b'o'));
    std::fs::write(dir.path().join("other.tar"), other.docker_archive()).unwrap();
    peel(dir.path())
        .args(["--json", "-", "--base", "other.tar", "image.tar"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "shares no bottom layer with the base image other.tar",
        ));
    peel(dir.path())
        .args(["--json", "-", "--base", "missing.tar", "image.tar"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--base: missing.tar"));
    // Not both ways of saying it.
    peel(dir.path())
        .args([
            "--json",
            "-",
            "--base",
            "base.tar",
            "--base-layers",
            "1",
            "image.tar",
        ])
        .assert()
        .code(2);
    // A plain run into a pipe (the text report) takes it too.
    let out = peel(dir.path())
        .args(["--base", "base.tar", "image.tar"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("in layers 2..3; base layers: 2, base-image)"),
        "{text}"
    );
    // The image as its own base: no user layers, said so.
    let out = peel(dir.path())
        .args(["--base", "image.tar", "image.tar"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("(no user layers; base layers: 4, base-image)"),
        "{text}"
    );
}

/// `peel --json - ARGS` in `dir`: the report.
fn json_report(dir: &Path, args: &[&str]) -> Value {
    let out = peel(dir)
        .args(["--json", "-"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("a JSON report")
}

/// The manifest digest of the image an OCI layout's `index.json` lists first,
/// and its members.
fn only_manifest(image: &Image) -> (String, Vec<(String, Vec<u8>)>) {
    let members = image.oci_members();
    let index = members
        .iter()
        .find(|(name, _)| name == "index.json")
        .expect("index.json");
    let index: Value = serde_json::from_slice(&index.1).unwrap();
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    (digest, members)
}

/// One OCI layout in `dir` holding `base` (tagged `base`) and `image`
/// (tagged `app`), the image's manifest annotated with `annotations` (what
/// `buildah commit` and `skopeo copy` of both images into one layout give).
fn layout_of_two(dir: &Path, base: &Image, image: &Image, annotations: Value) {
    let (base_digest, base_members) = only_manifest(base);
    let (digest, mut members) = only_manifest(image);
    let path = format!("blobs/sha256/{}", &digest[7..]);
    let manifest = members.iter_mut().find(|(name, _)| *name == path).unwrap();
    let mut json: Value = serde_json::from_slice(&manifest.1).unwrap();
    json["annotations"] = annotations;
    let bytes = serde_json::to_vec(&json).unwrap();
    let annotated = sha256(&bytes);
    members.push((format!("blobs/sha256/{}", &annotated[7..]), bytes.clone()));
    let descriptor = |digest: &str, size: usize, tag: &str| {
        json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": size,
            "annotations": { "org.opencontainers.image.ref.name": tag },
        })
    };
    let base_size = base_members
        .iter()
        .find(|(name, _)| *name == format!("blobs/sha256/{}", &base_digest[7..]))
        .map(|(_, bytes)| bytes.len())
        .unwrap();
    let index = json!({
        "schemaVersion": 2,
        "manifests": [
            descriptor(&base_digest, base_size, "base"),
            descriptor(&annotated, bytes.len(), "app"),
        ],
    });
    write_members(dir, &base_members);
    write_members(dir, &members);
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A base of two layers and an image of three built on it.
fn base_and_image() -> (Image, Image) {
    let base_layers = [
        Layer::new().sized("bin/sh", 900, b's'),
        Layer::new().sized("usr/lib/libc.so", 700, b'c'),
    ];
    let mut base = clean();
    let mut image = clean();
    for layer in &base_layers {
        base = base.layer(layer.clone());
        image = image.layer(layer.clone());
    }
    (base, image.layer(Layer::new().sized("app/big", 500, b'b')))
}

fn base_digest(dir: &Path) -> String {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn base_declared_by_annotations_in_the_same_layout() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    let (base, image) = base_and_image();
    let digest = only_manifest(&base).0;
    layout_of_two(
        &layout,
        &base,
        &image,
        json!({
            "org.opencontainers.image.base.name": "docker.io/library/base:1",
            "org.opencontainers.image.base.digest": digest,
        }),
    );
    assert_eq!(base_digest(&layout), digest);
    let r = json_report(dir.path(), &["oci:layout:app"]);
    let image_section = &r["image"];
    // The history (no closing CMD) would say 1; the base itself says 2.
    assert_eq!(image_section["baseLayers"], 2, "{image_section:#}");
    assert_eq!(image_section["baseLayersFrom"], "declared-base");
    assert_eq!(image_section["userBytes"], 500);
    assert_eq!(
        image_section["baseImage"],
        json!({ "name": "docker.io/library/base:1", "digest": digest, "from": "annotation" })
    );
    // The same from an oci-archive of the layout.
    let tar = Std::new("tar")
        .arg("-C")
        .arg(&layout)
        .arg("-cf")
        .arg(dir.path().join("layout.tar"))
        .arg(".")
        .status()
        .unwrap();
    assert!(tar.success());
    let from_archive = json_report(dir.path(), &["oci-archive:layout.tar:app"]);
    assert_eq!(from_archive["image"]["baseLayersFrom"], "declared-base");
    assert_eq!(from_archive["image"]["baseLayers"], 2);
    // The text and Markdown reports name it.
    peel(dir.path())
        .args(["--ci", "--lowest-efficiency", "off", "oci:layout:app"])
        .assert()
        .stdout(predicates::str::contains(format!(
            "Base:  docker.io/library/base:1@{digest} (annotation)"
        )))
        .stdout(predicates::str::contains("base layers: 2, declared-base"));
    peel(dir.path())
        .args(["--markdown", "-", "oci:layout:app"])
        .assert()
        .stdout(predicates::str::contains(format!(
            "| base image | docker.io/library/base:1@{digest} (annotation) |"
        )));
    // --base still decides when given, the declaration still reported.
    let by_base = json_report(dir.path(), &["--base", "oci:layout:base", "oci:layout:app"]);
    assert_eq!(by_base["image"]["baseLayersFrom"], "base-image");
    assert_eq!(by_base["image"]["baseImage"]["from"], "annotation");
}

#[test]
fn a_declared_base_not_at_hand_is_reported_not_counted() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    let (base, image) = base_and_image();
    // A digest the layout does not hold (the base stayed in its registry).
    let missing = format!("sha256:{}", "e".repeat(64));
    layout_of_two(
        &layout,
        &base,
        &image,
        json!({ "org.opencontainers.image.base.digest": missing }),
    );
    let r = json_report(dir.path(), &["oci:layout:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
    assert_eq!(r["image"]["baseLayers"], 1);
    assert_eq!(
        r["image"]["baseImage"],
        json!({ "name": null, "digest": missing, "from": "annotation" })
    );
    // A base the layout holds but that is not below the image decides nothing.
    let other = clean().layer(Layer::new().sized("etc/other", 5, b'o'));
    let elsewhere = dir.path().join("elsewhere");
    let other_digest = only_manifest(&other).0;
    layout_of_two(
        &elsewhere,
        &other,
        &image,
        json!({ "org.opencontainers.image.base.digest": other_digest }),
    );
    let r = json_report(dir.path(), &["oci:elsewhere:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
}

#[test]
fn base_declared_by_labels() {
    let dir = tmp();
    let (base, image) = base_and_image();
    let digest = only_manifest(&base).0;
    let image = image.run_config(
        "Labels",
        json!({
            "org.opencontainers.image.base.name": "base:1",
            "org.opencontainers.image.base.digest": digest,
        }),
    );
    let layout = dir.path().join("layout");
    layout_of_two(&layout, &base, &image, json!({}));
    let r = json_report(dir.path(), &["oci:layout:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "declared-base");
    assert_eq!(r["image"]["baseLayers"], 2);
    assert_eq!(
        r["image"]["baseImage"],
        json!({ "name": "base:1", "digest": digest, "from": "label" })
    );
    // A docker-save archive has no manifest to look the digest up in: the
    // label is reported, the count left to the history.
    std::fs::write(dir.path().join("img.tar"), image.docker_archive()).unwrap();
    let r = json_report(dir.path(), &["img.tar"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
    assert_eq!(r["image"]["baseImage"]["from"], "label");
}

/// A tool's stdout, or why it could not run.
fn run_tool(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Std::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The manifest digest a layout's `index.json` tags `tag`.
fn tagged(layout: &Path, tag: &str) -> String {
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no {tag} in {index:#}"))["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A two-layer base made by umoci (`base` in `layout`), and an image on it
/// made by buildah (`buildah from` the base, `buildah copy`, `buildah commit`
/// into the same layout, tagged `app`: buildah writes the base annotations),
/// and one by umoci whose config labels declare the base (`labelled`).
fn build_with_real_tools(work: &Path, layout: &Path) -> Result<(), String> {
    let lay = layout.to_str().unwrap();
    let bundle = work.join("bundle");
    let bundle = bundle.to_str().unwrap();
    let write = |name: &str, bytes: usize, fill: u8| {
        let at = work.join("bundle/rootfs").join(name);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, vec![fill; bytes]).unwrap();
    };
    run_tool("umoci", &["init", "--layout", lay])?;
    run_tool("umoci", &["new", "--image", &format!("{lay}:base")])?;
    run_tool(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &format!("{lay}:base"),
            bundle,
        ],
    )?;
    for (name, bytes, fill) in [("etc/one", 1000, b'1'), ("usr/lib/two", 2000, b'2')] {
        write(name, bytes, fill);
        run_tool(
            "umoci",
            &[
                "repack",
                "--refresh-bundle",
                "--image",
                &format!("{lay}:base"),
                bundle,
            ],
        )?;
    }
    let base = tagged(layout, "base");
    write("app/labelled", 300, b'l');
    run_tool(
        "umoci",
        &[
            "repack",
            "--refresh-bundle",
            "--image",
            &format!("{lay}:labelled"),
            bundle,
        ],
    )?;
    run_tool(
        "umoci",
        &[
            "config",
            "--image",
            &format!("{lay}:labelled"),
            "--config.label",
            &format!("org.opencontainers.image.base.digest={base}"),
        ],
    )?;

    let root = work.join("buildah");
    let storage = [
        "--root",
        &format!("{}/root", root.display()),
        "--runroot",
        &format!("{}/run", root.display()),
        "--storage-driver",
        "vfs",
    ]
    .map(String::from);
    let buildah = |args: &[&str]| {
        let mut all: Vec<&str> = storage.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        run_tool("buildah", &all)
    };
    let container = buildah(&["from", "--pull-never", &format!("oci:{lay}:base")])?;
    let file = work.join("server.bin");
    std::fs::write(&file, vec![b's'; 4000]).unwrap();
    buildah(&[
        "copy",
        &container,
        file.to_str().unwrap(),
        "/app/server.bin",
    ])?;
    buildah(&[
        "commit",
        "--format",
        "oci",
        &container,
        &format!("oci:{lay}:app"),
    ])?;
    buildah(&["rm", &container])?;
    Ok(())
}

#[test]
fn base_declared_by_buildah_and_umoci_in_a_real_layout() {
    let missing: Vec<&str> = ["buildah", "umoci", "skopeo"]
        .into_iter()
        .filter(|tool| Std::new(tool).arg("--version").output().is_err())
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("PEEL_REQUIRE_BUILDAH").is_err(),
            "PEEL_REQUIRE_BUILDAH is set but {missing:?} are not installed"
        );
        eprintln!("skipped: {missing:?} not installed");
        return;
    }
    // buildah makes an image name of the layout's path: lowercase only.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = tempfile::Builder::new()
        .prefix(&format!("peel-it-buildah-{}-{nanos}", std::process::id()))
        .rand_bytes(0)
        .tempdir()
        .unwrap();
    let layout = dir.path().join("layout");
    build_with_real_tools(dir.path(), &layout).unwrap_or_else(|e| panic!("{e}"));
    let base = tagged(&layout, "base");

    // buildah's annotations name the base's manifest, which the layout holds.
    let r = json_report(dir.path(), &["oci:layout:app"]);
    let image = &r["image"];
    assert_eq!(image["layerCount"], 3, "{image:#}");
    assert_eq!(image["baseLayers"], 2, "{image:#}");
    assert_eq!(image["baseLayersFrom"], "declared-base");
    assert_eq!(image["userBytes"], 4000);
    assert_eq!(image["baseImage"]["digest"], base.as_str());
    assert_eq!(image["baseImage"]["from"], "annotation");
    assert!(image["baseImage"]["name"].is_string(), "{image:#}");

    // umoci's config label does the same.
    let r = json_report(dir.path(), &["oci:layout:labelled"]);
    assert_eq!(r["image"]["baseLayersFrom"], "declared-base");
    assert_eq!(r["image"]["baseLayers"], 2);
    assert_eq!(
        r["image"]["baseImage"],
        json!({ "name": null, "digest": base, "from": "label" })
    );

    // Copied alone into another layout, the image still names its base, but
    // without the base's manifest the count is the history's (here: none).
    let alone = dir.path().join("alone");
    run_tool(
        "skopeo",
        &[
            "copy",
            "-q",
            &format!("oci:{}:app", layout.display()),
            &format!("oci:{}:app", alone.display()),
        ],
    )
    .unwrap();
    let r = json_report(dir.path(), &["oci:alone:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
    assert_eq!(r["image"]["baseImage"]["digest"], base.as_str());
}
