//! Golden figures: dive's own test images with the numbers dive asserts for
//! them (../shared/fixtures/dive), and images made by the real tools
//! (tests/fixtures/real, assets/demo) with the figures of an independent
//! unpacker and of dive 0.13.1 recorded beside them.

use std::path::{Path, PathBuf};

use peel::analysis::Analysis;
use peel::image::Selection;
use peel::progress::Progress;
use peel::source::{self, OpenOptions};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dive_fixture(name: &str) -> PathBuf {
    manifest_dir().join("../shared/fixtures/dive").join(name)
}

/// Open any reference as the CLI would (file, directory) and analyse it.
fn analyze_path(path: &Path) -> Analysis {
    let text = path.display().to_string();
    let reference = source::parse(&text, None).expect("reference parses");
    let image = source::open(&reference, &text, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("{text} should read: {e}"));
    peel::analysis::analyze(image, None)
}

fn layer_sizes(a: &Analysis) -> Vec<u64> {
    a.image.layers.iter().map(|l| l.changes.size).collect()
}

#[test]
fn dive_test_docker_image() {
    let a = analyze_path(&dive_fixture("test-docker-image.tar"));
    assert_eq!(
        layer_sizes(&a),
        vec![
            1154361, 6405, 0, 6405, 6405, 6405, 6405, 6405, 6405, 0, 2187, 6405, 6405, 6405
        ]
    );
    assert_eq!(a.exact.total_bytes, 1220598);
    assert_eq!(a.exact.user_bytes, 66237);
    assert_eq!(a.dive.efficiency_score, 0.9844212134184309);
    assert_eq!(a.dive.inefficient_bytes, 32025);
    assert_eq!(a.dive.user_wasted_percent, 0.4834911001404049);
    let files: Vec<(u32, u64, &str)> = a
        .dive
        .file_reference
        .iter()
        .map(|f| (f.count, f.size_bytes, f.file.as_str()))
        .collect();
    assert_eq!(
        files,
        vec![
            (2, 12810, "/root/example/somefile1.txt"),
            (2, 12810, "/root/saved.txt"),
            (2, 6405, "/root/example/somefile3.txt"),
        ]
    );
    // The busybox base closes with its CMD: one base layer, told by the history.
    assert_eq!(a.exact.base_layers, 1);
    assert_eq!(a.base_layers_from.name(), "history");
    // Exact: what an OCI unpacker leaves visible.
    assert_eq!(a.exact.visible_bytes, 1188573);
    assert_eq!(a.exact.wasted_bytes, 32025);
}

#[test]
fn dive_test_kaniko_image() {
    let a = analyze_path(&dive_fixture("test-kaniko-image.tar"));
    assert_eq!(a.exact.total_bytes, 1326410);
    assert_eq!(a.dive.efficiency_score, 0.9793688490216431);
    assert_eq!(a.dive.inefficient_bytes, 46245);
    assert_eq!(a.dive.user_wasted_percent, 0.4884502043790995);
    assert_eq!(a.exact.visible_bytes, 1280165);
    assert_eq!(a.exact.wasted_bytes, 46245);
    assert!(
        a.image.layers.iter().all(|l| l.compressed_size.is_some()),
        "kaniko layers are gzip"
    );
}

#[test]
fn dive_test_oci_images_in_every_compression() {
    for (name, compression) in [
        ("uncompressed", "none"),
        ("gzip", "gzip"),
        ("estargz", "gzip"),
        ("zstd", "zstd"),
    ] {
        let a = analyze_path(&dive_fixture(&format!("test-oci-{name}-image.tar")));
        assert_eq!(a.image.format, "oci-archive", "{name}");
        assert_eq!(layer_sizes(&a), vec![11189], "{name}");
        assert_eq!(a.exact.efficiency, 1.0, "{name}");
        assert_eq!(a.exact.wasted_bytes, 0, "{name}");
        assert_eq!(a.dive.efficiency_score, 1.0, "{name}");
        assert_eq!(a.image.layers[0].compression.name(), compression, "{name}");
        assert_eq!(a.image.platform.as_deref(), Some("linux/arm64"), "{name}");
    }
}

#[test]
fn dive_oci_image_refuses_a_platform_it_lacks() {
    let path = dive_fixture("test-oci-gzip-image.tar");
    let file = std::fs::File::open(&path).expect("fixture");
    let selection = Selection {
        tag: None,
        platform: Some("linux/s390x".parse().expect("platform")),
        ..Selection::default()
    };
    let err = peel::image::archive::read(file, "fixture", "fixture", &selection, &Progress::new())
        .expect_err("no s390x image");
    let text = err.to_string();
    assert!(
        text.contains("linux/s390x") && text.contains("linux/arm64"),
        "{text}"
    );
}

/// Check an image against its entry in an `expected.json` made by the
/// fixture scripts (independent unpackers and dive 0.13.1).
fn check_expected(root: &Path, name: &str, expected: &serde_json::Value) {
    let a = analyze_path(&root.join(name));
    let u64s = |v: &serde_json::Value| -> Vec<u64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_u64().expect("u64"))
            .collect()
    };
    assert_eq!(
        layer_sizes(&a),
        u64s(&expected["layerSizes"]),
        "{name}: layer sizes"
    );
    assert_eq!(
        a.exact.total_bytes,
        expected["totalBytes"].as_u64().unwrap(),
        "{name}: total"
    );
    assert_eq!(
        a.exact.visible_bytes,
        expected["visibleBytes"].as_u64().unwrap(),
        "{name}: visible"
    );
    assert_eq!(
        a.exact.wasted_bytes,
        expected["wastedBytes"].as_u64().unwrap(),
        "{name}: wasted"
    );
    let dive = &expected["dive"];
    if dive.get("efficiencyScore").is_none() {
        return;
    }
    assert_eq!(
        a.dive.efficiency_score,
        dive["efficiencyScore"].as_f64().unwrap(),
        "{name}: dive score"
    );
    assert_eq!(
        a.dive.inefficient_bytes,
        dive["inefficientBytes"].as_u64().unwrap(),
        "{name}: dive bytes"
    );
    assert_eq!(
        a.dive.user_wasted_percent,
        dive["userWastedPercent"].as_f64().unwrap(),
        "{name}: dive user wasted"
    );
    let mut theirs: Vec<(u64, u64, String)> = dive["inefficientFiles"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["count"].as_u64().unwrap(),
                f["sizeBytes"].as_u64().unwrap(),
                f["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut mine: Vec<(u64, u64, String)> = a
        .dive
        .file_reference
        .iter()
        .map(|f| (f.count as u64, f.size_bytes, f.file.clone()))
        .collect();
    theirs.sort();
    mine.sort();
    assert_eq!(mine, theirs, "{name}: dive's inefficient files");
}

#[test]
fn real_tool_fixtures_match_independent_unpackers_and_dive() {
    let root = manifest_dir().join("tests/fixtures/real");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("expected.json")).expect("expected.json"))
            .expect("json");
    let entries = expected.as_object().expect("object");
    assert!(entries.len() >= 10, "every real-tool fixture is listed");
    for (name, value) in entries {
        if value.get("layerSizes").is_some() {
            check_expected(&root, name, value);
        }
    }
}

#[test]
fn every_format_of_the_real_image_gives_the_same_figures() {
    let root = manifest_dir().join("tests/fixtures/real");
    let reference = analyze_path(&root.join("docker-save.tar"));
    for name in [
        "docker-save.tar.gz",
        "skopeo-docker-archive.tar",
        "oci-gzip",
        "oci-zstd",
        "oci-archive.tar",
        "oci-uncompressed-lying",
        "buildah-docker-archive.tar",
        "buildah-oci-archive.tar",
    ] {
        let a = analyze_path(&root.join(name));
        assert_eq!(a.exact.total_bytes, reference.exact.total_bytes, "{name}");
        assert_eq!(
            a.exact.visible_bytes, reference.exact.visible_bytes,
            "{name}"
        );
        assert_eq!(a.exact.wasted_bytes, reference.exact.wasted_bytes, "{name}");
    }
}

#[test]
fn lying_media_types_are_read_by_their_bytes() {
    let a = analyze_path(&manifest_dir().join("tests/fixtures/real/oci-uncompressed-lying"));
    assert!(
        a.image
            .layers
            .iter()
            .all(|l| l.compression.name() == "none")
    );
    assert!(a.image.layers.iter().all(|l| l.compressed_size.is_none()));
}

#[test]
fn demo_image() {
    let root = manifest_dir().join("assets/demo");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("expected.json")).expect("expected.json"))
            .expect("json");
    for (name, value) in expected.as_object().expect("object") {
        if value.get("layerSizes").is_some() {
            check_expected(&root, name, value);
        }
    }
    let a = analyze_path(&root.join("demo.tar"));
    let reasons: Vec<&str> = a.exact.wasted.iter().map(|w| w.reason.name()).collect();
    for reason in ["deleted", "opaque", "overwritten-metadata-only"] {
        assert!(
            reasons.contains(&reason),
            "the demo shows {reason}: {reasons:?}"
        );
    }
}
