//! Hostile entries: paths and links that climb out of the root, absurd sizes.

use std::time::{Duration, Instant};

use super::{archive_with_layer, check_failure, fails, fails_on_stdin, listing, raw_tar, small};
use crate::fixture::{Image, Layer, put, tmp};

#[test]
fn entries_that_climb_out_of_the_root() {
    // From the root, and from inside a directory.
    for name in ["../../etc/passwd", "app/../../x"] {
        let dir = tmp();
        let (archive, member) = archive_with_layer(raw_tar(name.as_bytes(), 5, b"root\n", true));
        let img = put(dir.path(), "img.tar", &archive);
        fails(
            dir.path(),
            &[&img],
            &["img.tar", &member, name, "climbs out"],
        );
        // Nothing was written next to the image.
        assert_eq!(listing(dir.path()), vec!["img.tar".to_string()], "{name}");
    }
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
