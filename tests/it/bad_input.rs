//! Bad input, one fixture per failure mode: every one exits 2 with exactly
//! one line on stderr naming the file (or member) and what is wrong, prints
//! nothing on stdout, never panics, and writes nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::peel;
use crate::fixture::{
    Compress, Image, Layer, Member, compress, config_member, hex, put, real, replace, sha256,
    tar_of, tmp,
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

/// Where (offset, size) the content of `member` lies in a tar.
fn member_span(archive: &[u8], member: &str) -> (u64, u64) {
    let mut tar = tar::Archive::new(archive);
    for entry in tar.entries().expect("entries") {
        let entry = entry.expect("entry");
        if entry.path_bytes().as_ref() == member.as_bytes() {
            return (entry.raw_file_position(), entry.size());
        }
    }
    panic!("no member {member}");
}

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
                check(
                    stringify!($name),
                    Case {
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

/// An archive `name` of `members` after `edit`, which returns the member
/// names it touched.
fn edited_archive(
    dir: &Path,
    name: &str,
    mut members: Vec<Member>,
    edit: fn(&mut Vec<Member>) -> Vec<String>,
) -> Vec<String> {
    let named = edit(&mut members);
    put(dir, name, &tar_of(&members));
    named
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

/// The first half of `bytes`.
fn cut_in_half(bytes: &mut Vec<u8>) {
    bytes.truncate(bytes.len() / 2);
}

// ---------------------------------------------------------------------------
// Truncated archives and layers

const REAL_BASE_LAYER: &str =
    "9845a15f438707315b0fb10ccf56f91537ac6c0a9fd8c3f223b14c026dda247c/layer.tar";

#[test]
fn archive_cut_in_the_middle_of_a_layer() {
    let dir = tmp();
    let bytes = std::fs::read(real("docker-save.tar")).expect("fixture");
    let (offset, size) = member_span(&bytes, REAL_BASE_LAYER);
    let cut = (offset + size / 2 + 123) as usize;
    assert_ne!(cut % 512, 0);
    let img = put(dir.path(), "cut.tar", &bytes[..cut]);
    fails(dir.path(), &[&img], &["cut.tar", "truncated"]);
    fails_on_stdin(
        dir.path(),
        bytes[..cut].to_vec(),
        &["standard input", "truncated"],
    );
}

bad_inputs! {
    archive_cut_at_a_block_boundary_inside_a_layer: |dir| {
        let bytes = std::fs::read(real("docker-save.tar")).expect("fixture");
        let (offset, _) = member_span(&bytes, REAL_BASE_LAYER);
        let cut = (offset + 512 * 1000) as usize;
        assert_eq!(cut % 512, 0);
        put(dir, "cut.tar", &bytes[..cut]);
        vec![]
    }, ["cut.tar"], ["cut.tar", "truncated"], [];

    // Everything after the base layer is gone, manifest.json included. The
    // tar ends without its end-of-archive marker: it was cut short, which is
    // what the message must say (not that it is no image archive).
    archive_cut_at_a_block_boundary_between_members: |dir| {
        let bytes = std::fs::read(real("docker-save.tar")).expect("fixture");
        let (offset, size) = member_span(&bytes, REAL_BASE_LAYER);
        let cut = (offset + size) as usize;
        assert_eq!(cut % 512, 0);
        put(dir, "cut.tar", &bytes[..cut]);
        vec![]
    }, ["cut.tar"], ["cut.tar", "truncated"], [];

    gzipped_archive_cut_short: |dir| {
        let bytes = std::fs::read(real("docker-save.tar.gz")).expect("fixture");
        put(dir, "cut.tar.gz", &bytes[..bytes.len() / 2]);
        vec![]
    }, ["cut.tar.gz"], ["cut.tar.gz", "gzip"], [];

    layer_cut_in_the_middle_of_a_file: |dir| {
        let tar = Layer::new().sized("app/big.bin", 5000, b'a').tar();
        with_layer(dir, tar[..512 + 2000].to_vec())
    }, ["img.tar"], ["img.tar", "truncated tar stream", "app/big.bin", "5000", "2000"], ["none"];

    // Header and content, cut at a 512-byte boundary before the zero blocks.
    layer_without_its_end_of_archive_marker: |dir| {
        let tar = Layer::new().sized("app/big.bin", 1024, b'a').tar();
        with_layer(dir, tar[..512 + 1024].to_vec())
    }, ["img.tar"], ["img.tar", "truncated tar stream", "end-of-archive"], ["none"];
}

// ---------------------------------------------------------------------------
// Corrupt compression

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

bad_inputs! {
    gzip_layer_with_flipped_bytes: |dir| damaged_blob(dir, Compress::Gzip, |bytes| {
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 16] {
            *b ^= 0xff;
        }
    }), ["layout"], ["gzip"], [];

    gzip_layer_cut_short: |dir| damaged_blob(dir, Compress::Gzip, cut_in_half),
        ["oci:layout"], ["gzip"], [];

    // Every byte of the tar is there; only the CRC and length are cut.
    gzip_layer_missing_its_trailer: |dir| damaged_blob(dir, Compress::Gzip, |bytes| {
        bytes.truncate(bytes.len() - 8);
    }), ["layout"], ["gzip"], [];

    // Keep the magic; everything after it is garbage.
    zstd_layer_with_a_corrupt_frame: |dir| damaged_blob(dir, Compress::Zstd, |bytes| {
        for b in &mut bytes[4..] {
            *b = 0xff;
        }
    }), ["layout"], ["zstd"], [];

    zstd_layer_cut_short: |dir| damaged_blob(dir, Compress::Zstd, cut_in_half),
        ["layout"], ["zstd"], [];

    gzip_layer_in_a_docker_archive_with_flipped_bytes: |dir| {
        let layer = Layer::new().file("app/noise.bin", &noise(40_000, 3));
        let mut blob = compress(&layer.tar(), Compress::Gzip);
        let mid = blob.len() / 2;
        for b in &mut blob[mid..mid + 16] {
            *b ^= 0x5a;
        }
        with_layer(dir, blob)
    }, ["img.tar"], ["img.tar", "gzip"], [];

    gzip_stream_that_holds_no_tar: |dir| {
        put(dir, "img.tar.gz", &compress(b"just some text, not a tar\n", Compress::Gzip));
        vec![]
    }, ["img.tar.gz"], ["img.tar.gz", "gzip", "not"], [];
}

// ---------------------------------------------------------------------------
// Manifests, configs and indexes that do not add up

bad_inputs! {
    manifest_names_a_missing_layer: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let layer = layer_members(members)[1].clone();
            remove(members, &layer);
            vec![layer]
        })
    }, ["img.tar"], ["img.tar", "not in the archive"], [];

    manifest_names_a_missing_config: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let config = config_member(members);
            remove(members, &config);
            vec![config]
        })
    }, ["img.tar"], ["img.tar", "not in the archive"], [];

    manifest_json_that_is_not_json: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            replace(members, "manifest.json", b"[{\"Config\": ".to_vec());
            vec![]
        })
    }, ["img.tar"], ["img.tar", "manifest.json"], [];

    config_that_is_not_json: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let config = config_member(members);
            replace(members, &config, b"{ this is not json".to_vec());
            vec![config]
        })
    }, ["img.tar"], ["img.tar", "config"], [];

    layer_count_disagrees_with_the_configs_diff_ids: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let config = config_member(members);
            let one = vec![sha256(
                &Layer::new().sized("etc/base.conf", 700, b'b').tar(),
            )];
            replace(members, &config, small().config_json_with(Some(one)));
            vec![]
        })
    }, ["img.tar"], [
        "img.tar",
        "the manifest lists 2 layers but the config's rootfs.diff_ids has 1"
    ], [];

    oci_index_names_a_missing_manifest_blob: |dir| {
        let (layout, digest) = small_layout(dir);
        std::fs::remove_file(layout.join("blobs/sha256").join(hex(&digest)))
            .expect("rm manifest");
        vec![hex(&digest).to_string()]
    }, ["layout"], ["missing"], [];

    oci_archive_index_names_a_missing_manifest_blob: |dir| {
        edited_archive(dir, "oci.tar", small().oci_members(), |members| {
            let index = &members
                .iter()
                .find(|(n, _)| n == "index.json")
                .expect("index")
                .1;
            let digest = first_manifest(index);
            remove(members, &format!("blobs/sha256/{}", hex(&digest)));
            vec![hex(&digest).to_string()]
        })
    }, ["oci.tar"], ["oci.tar", "not in the archive"], [];

    oci_layout_layer_blob_missing: |dir| {
        let blob = layout_with(Compress::Gzip, &dir.join("layout"));
        std::fs::remove_file(&blob).expect("rm");
        vec![file_name(&blob)]
    }, ["layout"], ["missing"], [];

    index_json_that_is_not_json: |dir| {
        let (layout, _) = small_layout(dir);
        std::fs::write(
            layout.join("index.json"),
            b"{\"schemaVersion\": 2, \"manifests\": [",
        )
        .expect("write");
        vec![]
    }, ["layout"], ["layout/index.json", "not an OCI image index"], [];

    index_json_that_is_not_json_in_an_oci_archive: |dir| {
        edited_archive(dir, "oci.tar", small().oci_members(), |members| {
            replace(members, "index.json", b"{\"manifests\": 12".to_vec());
            vec![]
        })
    }, ["oci.tar"], ["oci.tar", "index.json"], [];
}

// ---------------------------------------------------------------------------
// Hostile entries

#[test]
fn entry_that_climbs_out_of_the_root() {
    let dir = tmp();
    let (archive, member) = archive_with_layer(raw_tar(b"../../etc/passwd", 5, b"root\n", true));
    let img = put(dir.path(), "img.tar", &archive);
    fails(
        dir.path(),
        &[&img],
        &["img.tar", &member, "../../etc/passwd", "climbs out"],
    );
    // Nothing was written next to the image.
    assert_eq!(listing(dir.path()), vec!["img.tar".to_string()]);
}

#[test]
fn entry_that_climbs_out_from_inside_a_directory() {
    let dir = tmp();
    let (archive, _) = archive_with_layer(raw_tar(b"app/../../x", 1, b"x", true));
    let img = put(dir.path(), "img.tar", &archive);
    fails(
        dir.path(),
        &[&img],
        &["img.tar", "app/../../x", "climbs out"],
    );
    assert_eq!(listing(dir.path()), vec!["img.tar".to_string()]);
}

#[test]
fn hardlink_target_outside_the_root() {
    let dir = tmp();
    let layer = Layer::new()
        .sized("app/a", 10, b'a')
        .hardlink("app/shadow", "../../etc/shadow");
    let image = Image::new()
        .layer(Layer::new().sized("etc/base.conf", 700, b'b'))
        .layer(layer);
    let img = put(dir.path(), "img.tar", &image.docker_archive());
    fails(
        dir.path(),
        &[&img],
        &[
            "img.tar",
            "app/shadow",
            "../../etc/shadow",
            "outside the image",
        ],
    );
    assert_eq!(listing(dir.path()), vec!["img.tar".to_string()]);
}

const EIGHT_GIB: u64 = 8 << 30;

#[test]
fn absurd_size_of_a_file_inside_a_layer() {
    let dir = tmp();
    let (archive, member) = archive_with_layer(raw_tar(b"huge.bin", EIGHT_GIB, b"tiny", false));
    let img = put(dir.path(), "img.tar", &archive);
    let start = Instant::now();
    let line = fails(
        dir.path(),
        &[&img],
        &[
            "img.tar",
            &member,
            "truncated tar stream",
            "huge.bin",
            "8589934592",
        ],
    );
    assert!(!line.contains("none"), "{line}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn absurd_size_of_an_archive_member() {
    // The outer tar's first member claims 8 GiB and holds a few bytes.
    let dir = tmp();
    let start = Instant::now();
    let img = put(
        dir.path(),
        "img.tar",
        &raw_tar(b"abc/layer.tar", EIGHT_GIB, b"tiny", false),
    );
    fails(dir.path(), &[&img], &["img.tar", "truncated"]);
    fails_on_stdin(
        dir.path(),
        raw_tar(b"abc/layer.tar", EIGHT_GIB, b"tiny", false),
        &["standard input", "truncated"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

bad_inputs! {
    absurd_size_of_a_json_member: |dir| {
        put(dir, "img.tar", &raw_tar(b"manifest.json", EIGHT_GIB, b"[{\"Config\":", false));
        vec![]
    }, ["img.tar"], ["img.tar", "manifest.json", "8589934592"], [];
}

/// Under a 1 GiB address-space limit, the absurd sizes fail as cleanly:
/// nothing tries to allocate what a header claims.
#[cfg(target_os = "linux")]
#[test]
fn absurd_sizes_do_not_allocate() {
    let dir = tmp();
    let bin = assert_cmd::cargo::cargo_bin("peel");
    let run = |img: &str| {
        std::process::Command::new("sh")
            .current_dir(dir.path())
            .env_remove("CI")
            .env_remove("PEEL_LOWEST_EFFICIENCY")
            .env_remove("PEEL_HIGHEST_WASTED_BYTES")
            .env_remove("PEEL_HIGHEST_USER_WASTED_PERCENT")
            .args(["-c", "ulimit -v 1048576 && exec \"$0\" \"$@\""])
            .arg(&bin)
            .args(["--ci", img])
            .output()
            .expect("sh runs")
    };
    // The limit leaves room for a normal run.
    put(dir.path(), "ok.tar", &small().docker_archive());
    let ok = run("ok.tar");
    assert!(
        ok.status.code() == Some(0) || ok.status.code() == Some(1),
        "a normal image under the limit: {ok:?}"
    );
    let (in_layer, _) = archive_with_layer(raw_tar(b"huge.bin", EIGHT_GIB, b"tiny", false));
    put(dir.path(), "in-layer.tar", &in_layer);
    put(
        dir.path(),
        "member.tar",
        &raw_tar(b"abc/layer.tar", EIGHT_GIB, b"tiny", false),
    );
    put(
        dir.path(),
        "json.tar",
        &raw_tar(b"manifest.json", EIGHT_GIB, b"[", false),
    );
    for img in ["in-layer.tar", "member.tar", "json.tar"] {
        check_failure(&run(img), img);
    }
}

// ---------------------------------------------------------------------------
// Files that are not images at all

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
    fails(
        dir.path(),
        &["stuff"],
        &["stuff", "not an OCI image layout"],
    );
    fails(
        dir.path(),
        &["oci:stuff"],
        &["stuff", "not an OCI image layout"],
    );
}

#[test]
fn a_missing_path() {
    let dir = tmp();
    fails(
        dir.path(),
        &["missing.tar"],
        &["missing.tar", "no such file"],
    );
    fails(dir.path(), &["./missing"], &["missing", "no such file"]);
    fails(
        dir.path(),
        &["oci:missing-layout"],
        &["missing-layout", "no such file"],
    );
    fails(
        dir.path(),
        &["docker-archive:missing.tar"],
        &["missing.tar", "no such file"],
    );
    fails(
        dir.path(),
        &["oci-archive:missing.tar"],
        &["missing.tar", "no such file"],
    );
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
