//! Verified digests (on by default, `--no-verify` skips): every layer's
//! uncompressed bytes against the config's `rootfs.diff_ids`, every blob a
//! descriptor or a `blobs/<algorithm>/<hex>` name promises against that
//! digest (and the descriptor's size); the trailer of a whole-compressed
//! archive; zstd frames too large to decode. Each failure is exit 2 and one
//! line naming the layer (index and blob) and both digests.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::cli::peel;
use crate::fixture::{
    Compress, Image, Layer, compress, config_member, put, real, replace, sha256, tar_of, tmp,
};

fn image() -> Image {
    Image::new()
        .layer(Layer::new().file("etc/base", b"base layer\n"))
        .layer_as(
            Layer::new().sized("opt/app/data", 20_000, b'a'),
            Compress::Gzip,
        )
}

/// `peel --ci ARGS` in `dir` must fail with exit 2 and one line holding
/// every phrase; returns the line.
fn fails(dir: &Path, args: &[&str], phrases: &[&str]) -> String {
    let out = peel(dir)
        .arg("--ci")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("peel runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: no report");
    for phrase in phrases {
        assert!(
            stderr.contains(phrase),
            "{args:?}: {phrase:?} not in: {stderr}"
        );
    }
    stderr
}

/// `peel --ci ARGS` in `dir` reads the image (exit 0 or 1: a verdict).
fn reads(dir: &Path, args: &[&str]) {
    let out = peel(dir)
        .arg("--ci")
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("peel runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_wrong_diff_id_names_the_layer_and_both_digests() {
    let dir = tmp();
    let image = image();
    let mut members = image.docker_members();
    let config = config_member(&members);
    let good: Vec<String> = serde_json::from_slice::<serde_json::Value>(&image.config_json())
        .unwrap()["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let lie = sha256(b"another layer");
    replace(
        &mut members,
        &config,
        image.config_json_with(Some(vec![good[0].clone(), lie.clone()])),
    );
    // The manifest and the config come after the layers: the digests are
    // computed as the layers pass and compared at the end.
    let name = put(dir.path(), "lie.tar", &tar_of(&members));
    let line = fails(
        dir.path(),
        &[&name],
        &[
            "layer 1 (",
            "/layer.tar)",
            "the uncompressed content does not match its diff_id",
            &format!("expected {lie}, actual {}", good[1]),
        ],
    );
    assert!(
        line.starts_with("peel: error: lie.tar: layer 1 ("),
        "{line}"
    );
    // From standard input too (the streaming reader).
    let out = peel(dir.path())
        .args(["--ci", "-"])
        .write_stdin(tar_of(&members))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("expected {lie}")), "{stderr}");
    // --no-verify reads it, and reports the digest the config claims.
    reads(dir.path(), &["--no-verify", &name]);
}

#[test]
fn a_diff_id_that_is_not_a_digest_is_an_error() {
    let dir = tmp();
    let image = image();
    let mut members = image.docker_members();
    let config = config_member(&members);
    for (bad, phrase) in [
        ("not-a-digest", "its diff_id 'not-a-digest' is not a digest"),
        ("sha256:abc", "its diff_id 'sha256:abc' is not a digest"),
        (
            "sha256:\u{1b}[2J",
            "its diff_id 'sha256:\\x1b[2J' is not a digest",
        ),
        (
            &format!("sha512:{}", "0".repeat(128)),
            "its diff_id uses the unsupported algorithm 'sha512'",
        ),
    ] {
        let diff_ids = vec![bad.to_string(), sha256(b"whatever")];
        replace(
            &mut members,
            &config,
            image.config_json_with(Some(diff_ids)),
        );
        let name = put(dir.path(), "bad.tar", &tar_of(&members));
        let line = fails(dir.path(), &[&name], &["layer 0 (", phrase]);
        assert!(!line.contains('\u{1b}'), "escaped: {line}");
    }
}

/// The blob of layer `idx` of an OCI layout, by its descriptor.
fn layout_blob(dir: &Path, idx: usize) -> (String, serde_json::Value, String) {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest_path = format!("blobs/sha256/{}", &manifest_digest[7..]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(&manifest_path)).unwrap()).unwrap();
    let layer = manifest["layers"][idx].clone();
    let digest = layer["digest"].as_str().unwrap().to_string();
    (manifest_path, manifest, digest)
}

/// The same tar as the gzip `blob`, compressed again at the best level:
/// other bytes, the same diff id.
fn regzipped(blob: &[u8]) -> Vec<u8> {
    let mut tar = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(blob), &mut tar).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&tar).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_layout_blob_that_does_not_match_its_descriptor_is_an_error() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    let image = image();
    image.oci_dir(&layout);
    let (_, _, digest) = layout_blob(&layout, 1);
    let blob_path = layout.join(format!("blobs/sha256/{}", &digest[7..]));
    // The same tar, compressed otherwise: the diff id still holds, the blob's
    // digest does not.
    let blob = std::fs::read(&blob_path).unwrap();
    let other = regzipped(&blob);
    assert_ne!(other, blob);
    std::fs::write(&blob_path, &other).unwrap();
    let phrase = blob_mismatch(&digest, &blob, &other, true);
    fails(
        dir.path(),
        &["oci:layout"],
        &[&format!("layer 1 ({digest})"), &phrase],
    );
    reads(dir.path(), &["--no-verify", "oci:layout"]);
}

#[test]
fn a_layout_blob_of_the_right_size_and_wrong_bytes_is_an_error() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    image().oci_dir(&layout);
    let (_, _, digest) = layout_blob(&layout, 0);
    let blob_path = layout.join(format!("blobs/sha256/{}", &digest[7..]));
    // A plain layer: flip a byte of a file's content (the tar stays valid).
    let mut blob = std::fs::read(&blob_path).unwrap();
    let at = blob
        .windows(10)
        .position(|w| w == b"base layer")
        .expect("content");
    blob[at] = b'B';
    std::fs::write(&blob_path, &blob).unwrap();
    let line = fails(
        dir.path(),
        &["oci:layout"],
        &[
            &format!("layer 0 ({digest})"),
            &format!(
                "the blob does not match its digest: expected {digest}, actual {}",
                sha256(&blob)
            ),
        ],
    );
    assert!(
        !line.contains("diff_id"),
        "the blob is checked first: {line}"
    );
}

#[test]
fn a_descriptor_size_that_lies_is_an_error() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    image().oci_dir(&layout);
    let (manifest_path, mut manifest, digest) = layout_blob(&layout, 1);
    let real_size = manifest["layers"][1]["size"].as_u64().unwrap();
    manifest["layers"][1]["size"] = (real_size + 1).into();
    std::fs::write(
        layout.join(&manifest_path),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    fails(
        dir.path(),
        &["oci:layout"],
        &[
            &format!("layer 1 ({digest})"),
            &format!(
                "the blob is {real_size} bytes but its descriptor says {}",
                real_size + 1
            ),
        ],
    );
}

#[test]
fn a_sha512_layout_verifies_and_a_wrong_one_fails() {
    use sha2::Digest as _;
    let dir = tmp();
    let layout = dir.path().join("layout");
    image().oci_dir(&layout);
    let (manifest_path, mut manifest, digest) = layout_blob(&layout, 0);
    let blob_path = layout.join(format!("blobs/sha256/{}", &digest[7..]));
    let blob = std::fs::read(&blob_path).unwrap();
    let hex: String = sha2::Sha512::digest(&blob)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::create_dir_all(layout.join("blobs/sha512")).unwrap();
    std::fs::write(layout.join(format!("blobs/sha512/{hex}")), &blob).unwrap();
    manifest["layers"][0]["digest"] = format!("sha512:{hex}").into();
    std::fs::write(
        layout.join(&manifest_path),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    reads(dir.path(), &["oci:layout"]);
    // The same name over other bytes of the same size (a file's content).
    let mut wrong = blob.clone();
    let at = wrong
        .windows(10)
        .position(|w| w == b"base layer")
        .expect("content");
    wrong[at] = b'B';
    std::fs::write(layout.join(format!("blobs/sha512/{hex}")), &wrong).unwrap();
    fails(
        dir.path(),
        &["oci:layout"],
        &[
            &format!("layer 0 (sha512:{hex})"),
            &format!("expected sha512:{hex}, actual sha512:"),
        ],
    );
}

/// Images read from the Docker engine (`docker save` streamed through the
/// API) verify; tests/it/docker.rs makes the image.
#[test]
fn images_from_the_engine_verify() {
    let Some(engine) = crate::docker::engine() else {
        return;
    };
    let vars = crate::docker::host_vars(engine);
    for name in [crate::docker::BASE, "peel-it/layers:1"] {
        let got = crate::docker::report(&vars, &[name]);
        assert_eq!(got["image"]["source"], "docker-engine", "{name}");
        assert!(!got["layers"].as_array().unwrap().is_empty(), "{name}");
    }
}

#[test]
fn archives_with_blob_names_check_the_name_and_the_descriptor() {
    let dir = tmp();
    let image = image();
    // An oci-archive whose gzip layer is recompressed: the descriptor's
    // digest (and size) no longer hold, the diff id does.
    for (label, mut members) in [
        ("oci-archive", image.oci_members()),
        ("docker25", image.docker25_members()),
    ] {
        let name = members
            .iter()
            .map(|(n, _)| n.clone())
            .find(|n| {
                n.starts_with("blobs/sha256/")
                    && members
                        .iter()
                        .any(|(m, b)| m == n && b.starts_with(&[0x1f, 0x8b]))
            })
            .expect("the gzip layer");
        let blob = members.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        let other = regzipped(&blob);
        replace(&mut members, &name, other.clone());
        let file = put(dir.path(), &format!("{label}.tar"), &tar_of(&members));
        let expected = format!("sha256:{}", &name["blobs/sha256/".len()..]);
        let phrase = blob_mismatch(&expected, &blob, &other, label == "oci-archive");
        fails(
            dir.path(),
            &[&file],
            &[&format!("layer 1 ({name})"), &phrase],
        );
        reads(dir.path(), &["--no-verify", &file]);
    }
}

#[test]
fn every_format_of_a_good_image_verifies() {
    let dir = tmp();
    let image = Image::new()
        .layer(Layer::new().file("a", b"plain"))
        .layer_as(Layer::new().file("b", b"gzip"), Compress::Gzip)
        .layer_as(Layer::new().file("c", b"zstd"), Compress::Zstd);
    put(dir.path(), "docker.tar", &image.docker_archive());
    put(dir.path(), "docker25.tar", &image.docker25_archive());
    put(dir.path(), "oci.tar", &image.oci_archive());
    put(
        dir.path(),
        "docker.tar.gz",
        &compress(&image.docker_archive(), Compress::Gzip),
    );
    put(
        dir.path(),
        "oci.tar.zst",
        &compress(&image.oci_archive(), Compress::Zstd),
    );
    image.oci_dir(&dir.path().join("layout"));
    for name in [
        "docker.tar",
        "docker25.tar",
        "oci.tar",
        "docker.tar.gz",
        "oci.tar.zst",
        "oci:layout",
    ] {
        reads(dir.path(), &[name]);
    }
}

/// Images written by the real tools (Docker, skopeo, umoci, buildah, and
/// dive's own test images: kaniko, estargz, zstd) all verify.
#[test]
fn images_made_by_real_tools_verify() {
    let dive = Path::new("/work/shared/fixtures/dive");
    let mut paths: Vec<std::path::PathBuf> = [
        "docker-save.tar",
        "docker-save.tar.gz",
        "oci-archive.tar",
        "skopeo-docker-archive.tar",
        "buildah-docker-archive.tar",
        "buildah-oci-archive.tar",
        "oci-gzip",
        "oci-zstd",
        "oci-uncompressed-lying",
        "umoci",
    ]
    .iter()
    .map(|name| real(name))
    .collect();
    if dive.is_dir() {
        for entry in std::fs::read_dir(dive).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "tar") {
                paths.push(path);
            }
        }
    }
    for path in paths {
        let arg = if path.is_dir() {
            format!("oci:{}", path.display())
        } else {
            path.display().to_string()
        };
        reads(Path::new("."), &[&arg]);
    }
}

/// A gzip file with one byte of its CRC flipped.
fn flip_crc(mut gz: Vec<u8>) -> Vec<u8> {
    let at = gz.len() - 8;
    gz[at] ^= 0x01;
    gz
}

#[test]
fn a_whole_compressed_archive_with_a_bad_trailer_is_an_error() {
    let dir = tmp();
    let archive = image().docker_archive();
    let gz = put(
        dir.path(),
        "crc.tar.gz",
        &flip_crc(compress(&archive, Compress::Gzip)),
    );
    fails(
        dir.path(),
        &[&gz],
        &["crc.tar.gz: corrupt gzip stream after the tar's end"],
    );
    // The length field of the trailer, and garbage after the stream.
    let mut len = compress(&archive, Compress::Gzip);
    let at = len.len() - 1;
    len[at] ^= 0x40;
    let name = put(dir.path(), "len.tar.gz", &len);
    fails(
        dir.path(),
        &[&name],
        &["corrupt gzip stream after the tar's end"],
    );
    let mut tail = compress(&archive, Compress::Gzip);
    tail.extend_from_slice(b"trailing garbage");
    let name = put(dir.path(), "tail.tar.gz", &tail);
    fails(
        dir.path(),
        &[&name],
        &["corrupt gzip stream after the tar's end"],
    );
    // zstd with its checksum.
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(&archive).unwrap();
    let mut zst = enc.finish().unwrap();
    let at = zst.len() - 1;
    zst[at] ^= 0x01;
    let name = put(dir.path(), "sum.tar.zst", &zst);
    fails(
        dir.path(),
        &[&name],
        &["corrupt zstd stream after the tar's end"],
    );
    // From standard input too; a good one still reads.
    let out = peel(dir.path())
        .args(["--ci", "-"])
        .write_stdin(flip_crc(compress(&archive, Compress::Gzip)))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input: corrupt gzip stream"));
    let good = put(
        dir.path(),
        "good.tar.gz",
        &compress(&archive, Compress::Gzip),
    );
    reads(dir.path(), &[&good]);
    // The trailer is checked even with --no-verify: it is the stream's own.
    fails(dir.path(), &["--no-verify", &gz], &["corrupt gzip stream"]);
}

/// A zstd stream whose first frame declares a 2 GiB window: zstd streamed
/// without a known size has a window descriptor byte after the frame
/// header descriptor; 0xA8 is 2^(10+21).
fn huge_window(bytes: &[u8]) -> Vec<u8> {
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    enc.write_all(bytes).unwrap();
    let mut zst = enc.finish().unwrap();
    assert_eq!(
        zst[4] & 0x20,
        0,
        "not single-segment: a window byte follows"
    );
    zst[5] = 0xA8;
    zst
}

#[test]
fn a_zstd_window_too_large_says_how_much_memory_it_needs() {
    let dir = tmp();
    let phrase = "a zstd frame needs a 2 GiB window to decode, more memory than peel allows (at most 128 MiB)";
    // The whole archive.
    let name = put(
        dir.path(),
        "window.tar.zst",
        &huge_window(&image().docker_archive()),
    );
    let line = fails(dir.path(), &[&name], &["window.tar.zst: ", phrase]);
    assert!(!line.contains("corrupt"), "{line}");
    // A layer.
    let image = image();
    let mut members = image.docker_members();
    let layer = members
        .iter()
        .map(|(n, _)| n.clone())
        .find(|n| n.ends_with("/layer.tar"))
        .unwrap();
    let tar = members.iter().find(|(n, _)| *n == layer).unwrap().1.clone();
    replace(&mut members, &layer, huge_window(&tar));
    let name = put(dir.path(), "layer.tar", &tar_of(&members));
    let line = fails(dir.path(), &["--no-verify", &name], &[&layer, phrase]);
    assert!(!line.contains("corrupt"), "{line}");
}

/// What peel says of a blob `stored` in place of `described`: its size
/// first, where a descriptor gives one (`has_size`), else its digest.
fn blob_mismatch(digest: &str, described: &[u8], stored: &[u8], has_size: bool) -> String {
    if has_size && stored.len() != described.len() {
        format!(
            "the blob is {} bytes but its descriptor says {}",
            stored.len(),
            described.len()
        )
    } else {
        format!(
            "the blob does not match its digest: expected {digest}, actual {}",
            sha256(stored)
        )
    }
}
