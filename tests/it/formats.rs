//! Outer formats and compression, on bytes written by the fixture builders:
//! every layout and compression peel must read gives the same figures.

use peel::image::Selection;
use peel::progress::Progress;

use crate::fixture::{
    Compress, Image, Layer, Member, analyze, analyze_everywhere, compress, sha256, tar_of,
    tar_with_links,
};

fn sample() -> Image {
    Image::new()
        .layer(
            Layer::new()
                .dir("etc")
                .sized("etc/os-release", 300, b'o')
                .sized("bin/tool", 5000, b't'),
        )
        .layer(
            Layer::new()
                .sized("bin/tool", 5000, b'T')
                .sized("cache/x", 700, b'x'),
        )
        .layer(
            Layer::new()
                .whiteout("cache")
                .opaque("etc")
                .sized("etc/new", 20, b'n'),
        )
}

#[test]
fn every_layer_compression_in_every_layout() {
    let plain = analyze_everywhere(&sample());
    for how in [Compress::Gzip, Compress::Zstd] {
        let a = analyze_everywhere(&sample().compressed(how));
        assert_eq!(a.exact, plain.exact, "{how:?}");
        assert_eq!(a.dive, plain.dive, "{how:?}");
        assert!(
            a.image.layers.iter().all(|l| l.compressed_size.is_some()),
            "{how:?}"
        );
    }
}

#[test]
fn mixed_compression_in_one_image() {
    let image = Image::new()
        .layer_as(Layer::new().sized("a", 10, b'a'), Compress::Gzip)
        .layer_as(Layer::new().sized("a", 11, b'a'), Compress::Zstd)
        .layer_as(Layer::new().sized("b", 12, b'b'), Compress::None);
    let a = analyze_everywhere(&image);
    let names: Vec<&str> = a
        .image
        .layers
        .iter()
        .map(|l| l.compression.name())
        .collect();
    assert_eq!(names, vec!["gzip", "zstd", "none"]);
    assert_eq!(a.exact.visible_bytes, 23);
}

#[test]
fn a_whole_archive_compressed() {
    let image = sample();
    let plain = analyze(&image.docker_archive());
    for how in [Compress::Gzip, Compress::Zstd] {
        let a = analyze(&compress(&image.docker_archive(), how));
        assert_eq!(a.exact, plain.exact, "{how:?}");
    }
}

#[test]
fn manifest_first_or_last() {
    let image = sample();
    let mut members = image.docker_members();
    let plain = analyze(&tar_of(&members));
    let manifest_at = members
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .expect("manifest");
    let manifest = members.remove(manifest_at);
    members.insert(0, manifest);
    let a = analyze(&tar_of(&members));
    assert_eq!(a.exact, plain.exact);
}

#[test]
fn skopeo_layout_with_symlinked_layers() {
    let image = sample();
    let plain = analyze(&image.docker_archive());
    // Rename every `<id>/layer.tar` to `<digest>.tar` and link the old name to it.
    let mut members = Vec::new();
    let mut links = Vec::new();
    let mut renames = Vec::new();
    for (name, content) in image.docker_members() {
        if let Some(id) = name.strip_suffix("/layer.tar") {
            let hex = sha256(&content).trim_start_matches("sha256:").to_string();
            renames.push((id.to_string(), hex.clone()));
            members.push((format!("{hex}.tar"), content));
        } else {
            members.push((name, content));
        }
    }
    for (id, hex) in &renames {
        links.push((format!("{id}/layer.tar"), format!("../{hex}.tar")));
    }
    let links: Vec<(&str, &str)> = links
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let a = analyze(&tar_with_links(&members, &links));
    assert_eq!(a.exact, plain.exact);
}

#[test]
fn kaniko_layout_with_digest_names() {
    // Config named `sha256:<hex>`, layers `<hex>.tar.gz`.
    let image = sample().compressed(Compress::Gzip);
    let plain = analyze(&image.docker_archive());
    let config = image.config_json();
    let config_name = sha256(&config);
    let mut members: Vec<Member> = Vec::new();
    let mut layers = Vec::new();
    for (name, content) in image.docker_members() {
        if name.ends_with("/layer.tar") {
            let layer_name = format!("{}.tar.gz", sha256(&content).trim_start_matches("sha256:"));
            layers.push(layer_name.clone());
            members.push((layer_name, content));
        }
    }
    members.push((config_name.clone(), config));
    let manifest = serde_json::json!([{ "Config": config_name, "RepoTags": ["kaniko:latest"], "Layers": layers }]);
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let a = analyze(&tar_of(&members));
    assert_eq!(a.exact, plain.exact);
    assert_eq!(a.image.tags, vec!["kaniko:latest".to_string()]);
}

#[test]
fn multi_member_gzip_and_multi_frame_zstd_layers() {
    // estargz writes one gzip member per file; zstd:chunked one frame per chunk.
    let layer = Layer::new().sized("a", 4000, b'a').sized("b", 3000, b'b');
    let tar = layer.tar();
    let (head, tail) = tar.split_at(1536);
    let mut gz = compress(head, Compress::Gzip);
    gz.extend(compress(tail, Compress::Gzip));
    let mut zst = compress(head, Compress::Zstd);
    zst.extend(compress(tail, Compress::Zstd));
    for (blob, name) in [(gz, "gzip"), (zst, "zstd")] {
        let walked = peel::layer::walk_blob(&blob[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(walked.changes.size, 7000, "{name}");
        assert_eq!(walked.changes.records.len(), 2, "{name}");
    }
}

#[test]
fn a_blob_listed_twice_is_read_once_and_counted_twice() {
    let layer = Layer::new().sized("same", 10, b's');
    let image = Image::new().layer(layer.clone()).layer(layer);
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.total_bytes, 20);
    assert_eq!(a.exact.visible_bytes, 10);
    assert_eq!(a.exact.wasted[0].reason.name(), "overwritten-identical");
}

/// An OCI archive whose index.json points at a nested index that lists an
/// attestation manifest and two platforms.
fn nested_index_archive() -> Vec<u8> {
    let amd = Image::new().layer(Layer::new().sized("amd", 100, b'a'));
    let arm = Image::new()
        .architecture("arm64")
        .layer(Layer::new().sized("arm", 200, b'r'));
    let mut members: Vec<Member> = Vec::new();
    let mut descriptors = Vec::new();
    for (image, arch) in [(&amd, "amd64"), (&arm, "arm64")] {
        let oci = image.oci_members();
        let index: serde_json::Value =
            serde_json::from_slice(&oci.iter().find(|(n, _)| n == "index.json").unwrap().1)
                .unwrap();
        let mut manifest = index["manifests"][0].clone();
        manifest["platform"] = serde_json::json!({ "os": "linux", "architecture": arch });
        manifest.as_object_mut().unwrap().remove("annotations");
        descriptors.push(manifest);
        members.extend(oci.into_iter().filter(|(n, _)| n.starts_with("blobs/")));
    }
    let attestation = serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": descriptors[0]["digest"],
        "size": descriptors[0]["size"],
        "platform": { "os": "unknown", "architecture": "unknown" },
        "annotations": { "vnd.docker.reference.type": "attestation-manifest" }
    });
    descriptors.push(attestation);
    let nested = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": descriptors,
    }))
    .unwrap();
    members.push((
        format!(
            "blobs/sha256/{}",
            sha256(&nested).trim_start_matches("sha256:")
        ),
        nested.clone(),
    ));
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": sha256(&nested),
            "size": nested.len(),
            "annotations": { "org.opencontainers.image.ref.name": "multi" }
        }]
    });
    members.push(("index.json".into(), serde_json::to_vec(&top).unwrap()));
    members.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    tar_of(&members)
}

fn read_with(archive: &[u8], selection: Selection) -> peel::Result<peel::image::Image> {
    peel::image::archive::read(archive, "fixture", "fixture", &selection, &Progress::new())
}

#[test]
fn nested_index_picks_the_platform() {
    let archive = nested_index_archive();
    let arm = read_with(
        &archive,
        Selection {
            tag: Some("multi".into()),
            platform: Some("linux/arm64".parse().unwrap()),
            ..Selection::default()
        },
    )
    .expect("arm64");
    assert_eq!(arm.platform.as_deref(), Some("linux/arm64"));
    assert_eq!(arm.layers[0].changes.size, 200);
    let default = read_with(&archive, Selection::default()).expect("host platform");
    if cfg!(target_arch = "x86_64") {
        assert_eq!(default.layers[0].changes.size, 100);
    }
    let err = read_with(
        &archive,
        Selection {
            tag: None,
            platform: Some("linux/riscv64".parse().unwrap()),
            ..Selection::default()
        },
    )
    .expect_err("no riscv64");
    let text = err.to_string();
    assert!(
        text.contains("linux/amd64") && text.contains("linux/arm64"),
        "{text}"
    );
    assert!(
        !text.contains("unknown/unknown"),
        "attestations are not offered: {text}"
    );
}

#[test]
fn unknown_tag_lists_the_known_ones() {
    let err = read_with(
        &nested_index_archive(),
        Selection {
            tag: Some("nope".into()),
            platform: None,
            ..Selection::default()
        },
    )
    .expect_err("no such tag");
    assert!(err.to_string().contains("multi"), "{err}");
}
