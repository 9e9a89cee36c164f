//! Bad input, one fixture per failure mode: every one exits 2 with exactly
//! one line on stderr naming the file (or member) and what is wrong, prints
//! nothing on stdout, never panics, and writes nothing.
//!
//! Here: the runners that check a clean failure, the fixture helpers, and the
//! [`Case`] table (the `bad_inputs!` rows, one `#[test]` each) that the
//! files below fill, one file per kind of bad input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::peel;
use crate::fixture::{
    Compress, Image, Layer, Member, compress, hex, put, replace, sha256, tar_of, tmp,
};

/// The stderr of a run that must fail cleanly: exit 2, empty stdout, one
/// line on stderr, no panic. Returns that line.
fn check_failure(output: &std::process::Output, context: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{context}: panic:\n{stderr}");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{context}: exit status; stderr:\n{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "{context}: stdout should be empty, got:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{context}: expected one line on stderr, got:\n{stderr}"
    );
    assert!(stderr.starts_with("peel: error: "), "{context}: {stderr}");
    stderr
}

/// Run `peel ARGS` in `dir`, both as `--ci` (text report) and as
/// `--json -`, and check each fails cleanly with every phrase in its one line.
fn fails(dir: &Path, args: &[&str], phrases: &[&str]) -> String {
    fails_as("", dir, args, phrases)
}

/// [`fails`], with `case` (when not empty) named in every failure message.
fn fails_as(case: &str, dir: &Path, args: &[&str], phrases: &[&str]) -> String {
    let mut line = String::new();
    for mode in [&["--ci"][..], &["--json", "-"][..]] {
        let output = peel(dir)
            .args(mode)
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("peel runs");
        let run = format!("peel {} {}", mode.join(" "), args.join(" "));
        let context = if case.is_empty() {
            run
        } else {
            format!("{case}: {run}")
        };
        line = check_failure(&output, &context);
        for phrase in phrases {
            assert!(
                line.contains(phrase),
                "{context}: stderr lacks {phrase:?}: {line}"
            );
        }
    }
    line
}

/// The same from standard input.
fn fails_on_stdin(dir: &Path, bytes: Vec<u8>, phrases: &[&str]) -> String {
    let output = peel(dir)
        .args(["--ci", "-"])
        .write_stdin(bytes)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("peel runs");
    let line = check_failure(&output, "peel --ci -");
    for phrase in phrases {
        assert!(
            line.contains(phrase),
            "stdin: stderr lacks {phrase:?}: {line}"
        );
    }
    line
}

/// Bytes that do not compress (a linear congruential generator).
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

/// The names of the `<id>/layer.tar` members of a legacy docker archive, in
/// layer order.
fn layer_members(members: &[Member]) -> Vec<String> {
    members
        .iter()
        .filter(|(name, _)| name.ends_with("/layer.tar"))
        .map(|(name, _)| name.clone())
        .collect()
}

fn remove(members: &mut Vec<Member>, name: &str) {
    let before = members.len();
    members.retain(|(n, _)| n != name);
    assert_eq!(members.len(), before - 1, "no member {name}");
}

/// A small two-layer image.
fn small() -> Image {
    Image::new()
        .layer(Layer::new().sized("etc/base.conf", 700, b'b'))
        .layer(Layer::new().sized("app/big.bin", 5000, b'a'))
}

/// A docker archive whose second layer is `layer` (raw tar bytes).
fn archive_with_layer(layer: Vec<u8>) -> (Vec<u8>, String) {
    let mut members = small().docker_members();
    let name = layer_members(&members)[1].clone();
    replace(&mut members, &name, layer);
    (tar_of(&members), name)
}

/// A one-entry tar whose header is written as is: a raw name (which the
/// tar crate's builder refuses when it holds `..`) and any size field.
fn raw_tar(name: &[u8], declared_size: u64, content: &[u8], end_marker: bool) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(1_700_000_000);
    header.set_size(declared_size);
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(content);
    if end_marker {
        let padded = bytes.len().div_ceil(512) * 512;
        bytes.resize(padded + 1024, 0);
    }
    bytes
}

/// Names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A bad input as data. `input` writes it into the test's directory and
/// returns the names it chose there (a member, a blob) that the error must
/// mention as well; `args` point peel at it; the one line on stderr holds
/// every phrase and none of the `lacks` words.
struct Case {
    input: fn(&Path) -> Vec<String>,
    args: &'static [&'static str],
    phrases: &'static [&'static str],
    lacks: &'static [&'static str],
}

/// Build `case` in a fresh directory and check that peel fails on it
/// cleanly (see [`fails`]), naming the case in every failure message.
fn check(name: &str, case: Case) {
    let dir = tmp();
    let named = (case.input)(dir.path());
    let phrases: Vec<&str> = case
        .phrases
        .iter()
        .copied()
        .chain(named.iter().map(String::as_str))
        .collect();
    let line = fails_as(name, dir.path(), case.args, &phrases);
    for word in case.lacks {
        assert!(
            !line.contains(word),
            "{name}: the line says {word:?}: {line}"
        );
    }
}

/// One `#[test]` a row: `name: input, [args], [phrases], [lacks];`.
macro_rules! bad_inputs {
    ($($name:ident: $input:expr, [$($arg:expr),*], [$($phrase:expr),*], [$($lack:expr),*];)*) => {
        $(
            #[test]
            fn $name() {
                super::check(
                    stringify!($name),
                    super::Case {
                        input: $input,
                        args: &[$($arg),*],
                        phrases: &[$($phrase),*],
                        lacks: &[$($lack),*],
                    },
                );
            }
        )*
    };
}

/// A docker archive (`img.tar`) of [`small`] whose second layer is `layer`;
/// the layer's member name.
fn with_layer(dir: &Path, layer: Vec<u8>) -> Vec<String> {
    let (archive, member) = archive_with_layer(layer);
    put(dir, "img.tar", &archive);
    vec![member]
}

/// An OCI layout (`layout`) whose second layer, stored `how`, is then
/// changed by `damage`; the blob's file name.
fn damaged_blob(dir: &Path, how: Compress, damage: fn(&mut Vec<u8>)) -> Vec<String> {
    let blob = layout_with(how, &dir.join("layout"));
    let mut bytes = std::fs::read(&blob).expect("blob");
    damage(&mut bytes);
    std::fs::write(&blob, bytes).expect("write");
    vec![file_name(&blob)]
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned()
}

/// The digest of the first manifest an OCI index lists.
fn first_manifest(index: &[u8]) -> String {
    let index: serde_json::Value = serde_json::from_slice(index).expect("json");
    index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_string()
}

/// An OCI layout (`layout`) of [`small`]; the digest of its manifest.
fn small_layout(dir: &Path) -> (PathBuf, String) {
    let layout = dir.join("layout");
    small().oci_dir(&layout);
    let digest = first_manifest(&std::fs::read(layout.join("index.json")).expect("index"));
    (layout, digest)
}

/// An OCI layout whose second layer is stored `how`, and that blob's path.
fn layout_with(how: Compress, dir: &Path) -> PathBuf {
    let layer = Layer::new().file("app/noise.bin", &noise(40_000, 7));
    let image = Image::new()
        .layer(Layer::new().sized("etc/base.conf", 700, b'b'))
        .layer_as(layer.clone(), how);
    image.oci_dir(dir);
    let blob = compress(&layer.tar(), how);
    dir.join("blobs/sha256").join(hex(&sha256(&blob)))
}

mod compression;
mod hostile_entries;
mod manifests;
mod not_images;
mod truncated;
