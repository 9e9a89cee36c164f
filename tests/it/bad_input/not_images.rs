//! Files that are not images at all, and layer blobs that are not layers.

use std::path::{Path, PathBuf};

use super::{
    archive_with_layer, damaged_blob, fails, fails_on_stdin, listing, noise, raw_tar, small,
    small_layout, with_layer,
};
use crate::fixture::{Compress, Layer, hex, put, sha256, tar_of, tmp};

/// Every path under `dir` (relative, sorted), with its length for files.
fn all_files(dir: &Path) -> Vec<(PathBuf, Option<u64>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(cur) = stack.pop() {
        for entry in std::fs::read_dir(&cur).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let rel = path.strip_prefix(dir).expect("under dir").to_path_buf();
            if meta.is_dir() {
                stack.push(path);
                out.push((rel, None));
            } else {
                out.push((rel, Some(meta.len())));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn empty_file() {
    let dir = tmp();
    let img = put(dir.path(), "empty.tar", b"");
    fails(dir.path(), &[&img], &["empty.tar", "empty"]);
    fails_on_stdin(dir.path(), Vec::new(), &["standard input", "empty"]);
}

#[test]
fn random_garbage() {
    let dir = tmp();
    let img = put(dir.path(), "garbage.tar", &noise(10_000, 42));
    fails(dir.path(), &[&img], &["garbage.tar", "not a tar archive"]);
    fails_on_stdin(
        dir.path(),
        noise(10_000, 43),
        &["standard input", "not a tar archive"],
    );
}

#[test]
fn a_directory_that_is_not_an_oci_layout() {
    let dir = tmp();
    std::fs::create_dir(dir.path().join("stuff")).expect("mkdir");
    std::fs::write(dir.path().join("stuff/file.txt"), b"x").expect("write");
    for reference in ["stuff", "oci:stuff"] {
        fails(
            dir.path(),
            &[reference],
            &["stuff", "not an OCI image layout"],
        );
    }
}

#[test]
fn a_missing_path() {
    let dir = tmp();
    // Every way to name a path: the error names what is missing.
    for (reference, named) in [
        ("missing.tar", "missing.tar"),
        ("./missing", "missing"),
        ("oci:missing-layout", "missing-layout"),
        ("docker-archive:missing.tar", "missing.tar"),
        ("oci-archive:missing.tar", "missing.tar"),
    ] {
        fails(dir.path(), &[reference], &[named, "no such file"]);
    }
    assert!(listing(dir.path()).is_empty());
}

bad_inputs! {
    short_garbage: |dir| {
        put(dir, "short.tar", b"hi");
        vec![]
    }, ["short.tar"], ["short.tar", "not a tar archive"], [];

    a_json_file: |dir| {
        put(dir, "image.json", b"{\"schemaVersion\": 2, \"manifests\": []}");
        vec![]
    }, ["./image.json"], ["image.json", "not a tar archive"], [];

    a_tar_that_is_not_an_image: |dir| {
        put(dir, "files.tar", &tar_of(&[("README".into(), b"hello".to_vec())]));
        vec![]
    }, ["files.tar"], ["files.tar", "neither manifest.json nor index.json"], [];

    layer_blob_that_is_json: |dir| with_layer(dir, b"{\"not\": \"a layer\"}".to_vec()),
        ["img.tar"], ["img.tar", "not a tar stream"], [];

    layer_blob_that_is_text: |dir| with_layer(dir, b"hello, I am not a tar".to_vec()),
        ["img.tar"], ["img.tar", "not a tar stream"], ["none"];

    layer_blob_that_is_empty: |dir| with_layer(dir, Vec::new()), ["img.tar"], ["img.tar"], [];

    oci_layer_blob_that_is_json: |dir| damaged_blob(dir, Compress::None, |bytes| {
        *bytes = b"{\"mediaType\": \"not a layer\"}".to_vec();
    }), ["layout"], ["not a tar stream"], ["none"];

    // Named like every other blob of the layout: with the layout's path.
    oci_manifest_blob_that_is_not_a_manifest: |dir| {
        let (layout, digest) = small_layout(dir);
        std::fs::write(layout.join("blobs/sha256").join(hex(&digest)), b"[1, 2, 3]")
            .expect("write");
        vec![format!("layout/blobs/sha256/{}", hex(&digest))]
    }, ["layout"], ["not an OCI image manifest"], [];
}

#[test]
fn bad_inputs_write_nothing() {
    // A hostile image read through every outer format leaves the working
    // directory as it was.
    let dir = tmp();
    let hostile = raw_tar(b"../../../tmp/peel-escape", 6, b"gotcha", true);
    let (archive, _) = archive_with_layer(hostile.clone());
    put(dir.path(), "img.tar", &archive);
    let layout = dir.path().join("layout");
    small().oci_dir(&layout);
    let layer = Layer::new().sized("app/big.bin", 5000, b'a').tar();
    std::fs::write(
        layout.join("blobs/sha256").join(hex(&sha256(&layer))),
        &hostile,
    )
    .expect("write");
    let before = all_files(dir.path());
    assert_eq!(listing(dir.path()), vec!["img.tar", "layout"]);
    fails(dir.path(), &["img.tar"], &["climbs out"]);
    fails(dir.path(), &["layout"], &["climbs out"]);
    fails(dir.path(), &["oci:layout"], &["climbs out"]);
    fails_on_stdin(dir.path(), archive, &["climbs out"]);
    assert_eq!(all_files(dir.path()), before);
}
