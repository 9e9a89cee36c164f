//! The file viewer and extract on a registry image: the layer blob is
//! fetched again (through a proxy that cuts it, so the re-fetch resumes
//! with a Range request too) and the bytes are the file's.

use std::sync::atomic::Ordering;

use peel::image::BlobLocation;
use peel::source::{self, OpenOptions, registry};

use super::proxy::{self, Fault};
use super::{registries, repo, skopeo_copy};
use crate::fixture::{self, Compress, Image, Layer};

#[test]
fn the_viewer_and_extract_fetch_the_blob_again() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let layout = home.path().join("layout");
    let tool: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    Image::new()
        .layer_as(Layer::new().sized("base.bin", 5000, b'b'), Compress::Gzip)
        .layer_as(
            Layer::new().dir("bin").file("bin/tool", &tool),
            Compress::None,
        )
        .oci_dir(&layout);
    let repository = repo("content");
    skopeo_copy(&[
        "--preserve-digests",
        &format!("oci:{}:latest", layout.display()),
        &format!("docker://{}/{repository}:v1", r.plain),
    ]);
    let cutting = proxy::start(&r.plain, Fault::CutBlob);
    let reference = format!("registry://{}/{repository}:v1", cutting.addr);
    let parsed = source::parse(&reference, None).unwrap();
    let options = OpenOptions {
        registry: registry::Options {
            plain_http: true,
            ..registry::Options::default()
        },
        ..OpenOptions::default()
    };
    let image = source::open(&parsed, &reference, &options).expect("open");
    // The progress the UI and `--ci` show: every compressed byte, every layer.
    let progress = options.progress.snapshot();
    assert_eq!(progress.layers_total, Some(2));
    assert_eq!(progress.layers_read, 2);
    assert_eq!(Some(progress.bytes_read), progress.bytes_total);
    let a = peel::analysis::analyze(image, None);
    assert!(matches!(
        a.image.layers[1].location,
        BlobLocation::Remote(_)
    ));
    let origin = peel::content::Origin::of(&parsed);
    let node = a.tree.lookup(b"bin/tool").expect("in the tree");
    let ranges_before = cutting.ranges.load(Ordering::Relaxed);
    let layer = 1.into();
    let shown =
        peel::content::read_file(&origin, &a.image.layers, &a.tree, node, layer, 0, 1 << 20)
            .expect("the viewer reads it");
    assert_eq!(shown.bytes, tool);
    assert!(
        cutting.ranges.load(Ordering::Relaxed) > ranges_before,
        "resumed with Range"
    );

    let dest = home.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    peel::content::extract(
        &origin,
        &a.image.layers,
        &a.tree,
        node,
        1.into(),
        &dest,
        false,
    )
    .expect("extract");
    // The node is written under its own name.
    assert_eq!(std::fs::read(dest.join("tool")).unwrap(), tool);
}
