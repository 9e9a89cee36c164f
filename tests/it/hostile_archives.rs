//! Hostile outer archives and layouts: each bounded in time and memory, each
//! refused (when it must be) with one line naming the member or blob.

use std::io::Read as _;
use std::path::Path;
use std::time::Duration;

use crate::cli::peel;
use crate::fixture::{Image, Layer, tmp};

/// Run `peel --json - ARGS` in `dir` (no CI); it must fail with exit 2 and
/// one line on stderr holding every phrase. Returns that line.
fn fails(dir: &Path, args: &[&str], phrases: &[&str]) -> String {
    let output = peel(dir)
        .args(["--json", "-"])
        .args(args)
        // A guard against a hang, not a measure.
        .timeout(Duration::from_secs(120))
        .output()
        .expect("peel runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: panic:\n{stderr}");
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("peel: error: "), "{stderr}");
    for phrase in phrases {
        assert!(
            stderr.contains(phrase),
            "{args:?}: lacks {phrase:?}: {stderr}"
        );
    }
    stderr
}

fn small() -> Image {
    Image::new().layer(Layer::new().sized("a", 10, b'a'))
}

/// The path (relative to the layout) of the first layer blob.
fn first_layer_blob(image: &Image) -> String {
    let members = image.oci_members();
    let manifest_names: Vec<&String> = members.iter().map(|(n, _)| n).collect();
    let index: serde_json::Value =
        serde_json::from_slice(&members.iter().find(|(n, _)| n == "index.json").unwrap().1)
            .unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest = &members
        .iter()
        .find(|(n, _)| n.ends_with(&manifest_digest[7..]))
        .unwrap()
        .1;
    let manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let path = format!("blobs/sha256/{}", &layer[7..]);
    assert!(manifest_names.contains(&&path));
    path
}

#[test]
fn layout_blobs_that_are_not_regular_files_are_refused() {
    let image = small();
    let blob = first_layer_blob(&image);
    for (kind, make) in [
        ("a FIFO", "fifo"),
        ("a character device", "/dev/zero"),
        ("a directory", "dir"),
    ] {
        let dir = tmp();
        let layout = dir.path().join("layout");
        image.oci_dir(&layout);
        let path = layout.join(&blob);
        std::fs::remove_file(&path).unwrap();
        match make {
            "fifo" => {
                let status = std::process::Command::new("mkfifo")
                    .arg(&path)
                    .status()
                    .expect("mkfifo runs");
                assert!(status.success());
            }
            "dir" => std::fs::create_dir(&path).unwrap(),
            device => std::os::unix::fs::symlink(device, &path).unwrap(),
        }
        fails(
            dir.path(),
            &["oci:layout"],
            &[&blob, kind, "not a regular file"],
        );
    }
}

#[test]
fn a_config_that_is_a_fifo_is_refused() {
    let image = small();
    let dir = tmp();
    let layout = dir.path().join("layout");
    image.oci_dir(&layout);
    let config = crate::fixture::sha256(&image.config_json());
    let path = layout.join(format!("blobs/sha256/{}", &config[7..]));
    std::fs::remove_file(&path).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    fails(dir.path(), &["oci:layout"], &[&config[7..], "a FIFO"]);
}

/// The members of `image` as Docker 25+ writes them, with the config's
/// labels declaring `digest` as the base.
fn declaring_base(digest: &str) -> Image {
    small().run_config(
        "Labels",
        serde_json::json!({ "org.opencontainers.image.base.digest": digest }),
    )
}

#[test]
fn a_self_listing_index_as_declared_base_ends() {
    // A blob that lists itself 300 times: followed blindly, 300^4 reads.
    let own = format!("sha256:{:064x}", 7);
    let entry = serde_json::json!({
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": own, "size": 100,
    });
    let index = serde_json::json!({ "schemaVersion": 2, "manifests": vec![entry; 300] });
    let mut members = declaring_base(&own).docker25_members();
    members.push((
        format!("blobs/sha256/{}", &own[7..]),
        serde_json::to_vec(&index).unwrap(),
    ));
    let archive = crate::fixture::tar_of(&members);
    assert!(archive.len() < 64 * 1024, "{}", archive.len());
    let dir = tmp();
    std::fs::write(dir.path().join("self.tar"), &archive).unwrap();
    let output = peel(dir.path())
        .args(["--json", "-", "self.tar"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("peel runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["image"]["layerCount"], serde_json::json!(1));
}

/// Peak resident memory of a run, in KiB, from GNU time.
fn peak_kib(dir: &Path, args: &[&str]) -> (std::process::Output, u64) {
    let bin = assert_cmd::cargo::cargo_bin("peel");
    let output = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .expect("/usr/bin/time runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in:\n{stderr}"));
    (output, kib)
}

const JUNK: u64 = 60 << 20;

/// A tar header of a regular member of `size` bytes.
fn header(name: &str, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_path(name).unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    header
}

#[test]
fn unnamed_json_members_of_an_archive_file_are_not_read() {
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("skipped: no /usr/bin/time");
        return;
    }
    // Eight members of 60 MiB that look like JSON (a sparse file: cheap to
    // write), then a valid image that names none of them.
    use std::io::{Seek, SeekFrom, Write};
    let dir = tmp();
    let path = dir.path().join("junk.tar");
    let mut file = std::fs::File::create(&path).unwrap();
    for i in 0..8 {
        file.write_all(header(&format!("junk{i}.json"), JUNK).as_bytes())
            .unwrap();
        file.write_all(b"{").unwrap();
        file.seek(SeekFrom::Current(JUNK as i64 - 1)).unwrap();
    }
    file.write_all(&small().docker_archive()).unwrap();
    drop(file);
    let (output, kib) = peak_kib(dir.path(), &["--json", "-", "junk.tar"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Before: every one kept, 480 MiB.
    assert!(kib < 150 * 1024, "peak {kib} KiB");
}

/// A zstd-compressed archive: `count` JSON-looking members of 60 MiB, then
/// `image`.
fn streamed_junk(count: usize, image: &Image) -> Vec<u8> {
    let encoder = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    let mut builder = tar::Builder::new(encoder);
    for i in 0..count {
        let body = std::io::Read::chain(&b"{"[..], std::io::repeat(b' ').take(JUNK - 1));
        builder
            .append(&header(&format!("junk{i}.json"), JUNK), body)
            .unwrap();
    }
    for (name, content) in image.docker_members() {
        builder
            .append(&header(&name, content.len() as u64), &content[..])
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn json_members_of_a_streamed_archive_have_one_budget() {
    let read = |bytes: &[u8]| {
        peel::image::archive::read(
            bytes,
            "junk.tar.zst",
            "junk.tar.zst",
            &peel::image::Selection::default(),
            &peel::progress::Progress::new(),
        )
    };
    // Two fit (120 MiB of 128 MiB); the third is refused, by name.
    let image = read(&streamed_junk(2, &small())).expect("two fit");
    assert_eq!(image.layers.len(), 1);
    let err = read(&streamed_junk(3, &small())).expect_err("three do not");
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    for phrase in ["junk.tar.zst: junk2.json", "128 MiB", "62914560 bytes"] {
        assert!(text.contains(phrase), "lacks {phrase:?}: {text}");
    }
}

#[test]
fn a_pre_1_10_docker_save_is_named_as_such() {
    // docker save's own archive, without manifest.json: what Docker wrote
    // before 1.10 (repositories, <id>/json, <id>/layer.tar).
    let real = std::fs::read(crate::fixture::real("docker-save.tar")).unwrap();
    let mut archive = tar::Archive::new(&real[..]);
    let mut builder = tar::Builder::new(Vec::new());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().into_owned();
        if path.to_str() == Some("manifest.json") {
            continue;
        }
        let mut header = entry.header().clone();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        builder.append_data(&mut header, &path, &body[..]).unwrap();
    }
    let dir = tmp();
    std::fs::write(dir.path().join("old.tar"), builder.into_inner().unwrap()).unwrap();
    fails(
        dir.path(),
        &["old.tar"],
        &["old.tar", "before Docker 1.10", "not supported"],
    );
}
