//! Hostile outer archives and layouts: each bounded in time and memory, each
//! refused (when it must be) with one line naming the member or blob.

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
        assert!(stderr.contains(phrase), "{args:?}: lacks {phrase:?}: {stderr}");
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
    let index: serde_json::Value = serde_json::from_slice(
        &members.iter().find(|(n, _)| n == "index.json").unwrap().1,
    )
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
