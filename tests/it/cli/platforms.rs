//! Multi-platform indexes: `--platform` and the default platform.

use std::path::Path;

use serde_json::{Value, json};

use super::{one_line_error, peel, report};
use crate::fixture::{Image, Layer, Member, tmp, write_members};

fn amd64_image() -> Image {
    Image::new().layer(Layer::new().sized("bin/app", 1000, b'x'))
}

fn arm64_image() -> Image {
    Image::new()
        .architecture("arm64")
        .layer(Layer::new().sized("bin/app", 3000, b'r'))
        .layer(Layer::new().sized("bin/app", 500, b'R'))
}

/// An OCI layout whose index lists the amd64 and the arm64 image.
fn multi_platform_layout(dir: &Path) {
    let mut manifests = Vec::new();
    for image in [amd64_image(), arm64_image()] {
        let members = image.oci_members();
        let (index, blobs): (Vec<Member>, Vec<Member>) = members
            .into_iter()
            .partition(|(name, _)| name == "index.json");
        write_members(dir, &blobs);
        let index: Value = serde_json::from_slice(&index[0].1).expect("index");
        manifests.push(index["manifests"][0].clone());
    }
    let index = json!({ "schemaVersion": 2, "manifests": manifests });
    write_members(
        dir,
        &[(
            "index.json".into(),
            serde_json::to_vec(&index).expect("json"),
        )],
    );
}

#[test]
fn platform_picks_from_a_multi_platform_index() {
    let dir = tmp();
    multi_platform_layout(&dir.path().join("multi"));
    let r = report(dir.path(), &["--platform", "linux/arm64", "oci:multi"]);
    assert_eq!(r["image"]["platform"], json!("linux/arm64"));
    assert_eq!(r["image"]["layerCount"], json!(2));
    assert_eq!(r["image"]["totalBytes"], json!(3500));
    assert_eq!(r["image"]["visibleBytes"], json!(500));
    assert_eq!(r["image"]["wastedBytes"], json!(3000));
    assert_eq!(
        r["wasted"],
        json!([{ "path": "/bin/app", "layer": 0, "bytes": 3000, "reason": "overwritten-changed", "hiddenBy": 1 }])
    );

    let r = report(dir.path(), &["--platform", "linux/amd64", "oci:multi"]);
    assert_eq!(r["image"]["platform"], json!("linux/amd64"));
    assert_eq!(r["image"]["layerCount"], json!(1));
    assert_eq!(r["image"]["totalBytes"], json!(1000));
    assert_eq!(r["image"]["wastedBytes"], json!(0));
}

#[test]
fn platform_default_is_this_machines() {
    let dir = tmp();
    multi_platform_layout(&dir.path().join("multi"));
    let host_total = match std::env::consts::ARCH {
        "x86_64" => Some(1000),
        "aarch64" => Some(3500),
        _ => None,
    };
    match host_total {
        Some(total) => {
            let r = report(dir.path(), &["multi"]);
            assert_eq!(r["image"]["totalBytes"], json!(total));
        }
        None => {
            peel(dir.path()).args(["--ci", "multi"]).assert().code(2);
        }
    }
}

#[test]
fn platform_not_in_the_index_exits_2_listing_the_choices() {
    let dir = tmp();
    multi_platform_layout(&dir.path().join("multi"));
    let out = peel(dir.path())
        .args(["--ci", "--platform", "linux/s390x", "oci:multi"])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(
        &out.get_output().stderr,
        &[
            "multi",
            "no image for platform linux/s390x",
            "linux/amd64, linux/arm64",
        ],
    );
}

#[test]
fn platform_of_a_single_image_index_must_match_when_given() {
    let dir = tmp();
    amd64_image().oci_dir(&dir.path().join("single"));
    // No --platform: read whatever its platform.
    let r = report(dir.path(), &["single"]);
    assert_eq!(r["image"]["totalBytes"], json!(1000));
    let out = peel(dir.path())
        .args(["--ci", "--platform", "linux/arm64", "single"])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(
        &out.get_output().stderr,
        &["no image for platform linux/arm64", "linux/amd64"],
    );
}
