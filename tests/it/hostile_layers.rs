//! Layer tars crafted to hide bytes, hang or crash a reader: each is read as
//! the engine (Go's archive/tar) reads it, in bounded time, and every
//! oddity is a warning or one clear line.

use std::path::Path;
use std::time::Duration;

use crate::cli::peel;
use crate::fixture::{Image, Layer, analyze, docker_archive_of_tars, put, tmp, try_analyze};

// ---- raw tar headers ----

/// A numeric field: octal when it fits, base-256 otherwise (as GNU tar and
/// Go write large numbers).
fn set_number(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    if text.len() <= digits {
        field[..digits].copy_from_slice(text.as_bytes());
        field[digits] = 0;
    } else {
        field.fill(0);
        field[0] = 0x80;
        let n = field.len();
        field[n - 8..].copy_from_slice(&value.to_be_bytes());
    }
}

/// A ustar header (no checksum yet: see [`sealed`]).
fn header(name: &[u8], flag: u8, size: u64) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..name.len()].copy_from_slice(name);
    set_number(&mut b[100..108], 0o644);
    set_number(&mut b[108..116], 0);
    set_number(&mut b[116..124], 0);
    set_number(&mut b[124..136], size);
    set_number(&mut b[136..148], 1_700_000_000);
    b[156] = flag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b
}

/// The header with its checksum.
fn sealed(mut b: [u8; 512]) -> Vec<u8> {
    b[148..156].fill(b' ');
    let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
    b[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    b.to_vec()
}

/// Content padded to whole blocks.
fn body(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.resize(bytes.len().div_ceil(512) * 512, 0);
    v
}

fn file(name: &str, content: &[u8]) -> Vec<u8> {
    [
        sealed(header(name.as_bytes(), b'0', content.len() as u64)),
        body(content),
    ]
    .concat()
}

fn end() -> Vec<u8> {
    vec![0; 1024]
}

/// A GNU sparse header: `real` bytes, `map` (offset, length) chunks stored
/// one after the other (`stored` bytes in all).
fn gnu_sparse(name: &str, real: u64, map: &[(u64, u64)]) -> [u8; 512] {
    let stored: u64 = map.iter().map(|&(_, len)| len).sum();
    let mut b = header(name.as_bytes(), b'S', stored);
    b[257..265].copy_from_slice(b"ustar  \0");
    for (i, &(offset, len)) in map.iter().enumerate() {
        let at = 386 + i * 24;
        set_number(&mut b[at..at + 12], offset);
        set_number(&mut b[at + 12..at + 24], len);
    }
    set_number(&mut b[483..495], real);
    b
}

/// One PAX record, its length field counting itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let rest = format!(" {key}={value}\n");
    let mut len = rest.len() + 1;
    while (len.to_string() + &rest).len() != len {
        len += 1;
    }
    format!("{len}{rest}").into_bytes()
}

/// Run `peel MODE ARGS` as `--ci` and as `--json -`; returns (exit code,
/// stdout, stderr) of each. Never a signal: the process must not abort.
fn run_both(dir: &Path, args: &[&str]) -> Vec<(i32, Vec<u8>, String)> {
    [&["--ci"][..], &["--json", "-"][..]]
        .iter()
        .map(|mode| {
            let out = peel(dir)
                .args(*mode)
                .args(args)
                .timeout(Duration::from_secs(120))
                .output()
                .expect("peel runs");
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let code = out
                .status
                .code()
                .unwrap_or_else(|| panic!("peel {mode:?} was killed: {stderr}"));
            assert!(!stderr.contains("panicked"), "{stderr}");
            (code, out.stdout, stderr)
        })
        .collect()
}

/// Both modes fail with exit 2 and one line holding every phrase.
fn fails_in_one_line(dir: &Path, args: &[&str], phrases: &[&str]) -> String {
    let mut line = String::new();
    for (code, stdout, stderr) in run_both(dir, args) {
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        for phrase in phrases {
            assert!(stderr.contains(phrase), "lacks {phrase:?}: {stderr}");
        }
        line = stderr;
    }
    line
}

fn json_of(dir: &Path, img: &str) -> serde_json::Value {
    let out = peel(dir)
        .args(["--json", "-", img])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("peel runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

// ---- 1. depth ----

#[test]
fn a_path_deeper_than_path_max_is_one_clear_line() {
    let dir = tmp();
    let deep = "a/".repeat(11_000) + "f";
    let image = Image::new().layer(Layer::new().file(&deep, b"x"));
    let img = put(dir.path(), "deep.tar", &image.docker_archive());
    fails_in_one_line(dir.path(), &[&img], &["PATH_MAX", "22001 bytes", "layer"]);
}

#[test]
fn a_path_just_under_path_max_is_read() {
    let dir = tmp();
    // 2047 components, 4095 bytes: as deep as a path may be.
    let deep = "a/".repeat(2047) + "f";
    let image = Image::new()
        .layer(Layer::new().file(&deep, b"xy"))
        .layer(Layer::new().file(&deep, b"xyz").whiteout("a"));
    let img = put(dir.path(), "deep.tar", &image.docker_archive());
    for (code, _, stderr) in run_both(dir.path(), &[&img]) {
        assert!(code == 0 || code == 1, "{stderr}");
    }
    let a = analyze(&image.docker_archive());
    assert_eq!(a.exact.total_bytes, 5);
}

// ---- 2. sparse files ----

#[test]
fn a_sparse_file_of_one_exabyte_is_read_in_bounded_time() {
    let dir = tmp();
    let real = 1u64 << 60;
    let layer = [
        sealed(gnu_sparse("huge", real, &[(real - 512, 512)])),
        body(&[7u8; 512]),
        file("after.txt", b"after"),
        end(),
    ]
    .concat();
    let img = put(
        dir.path(),
        "sparse.tar",
        &docker_archive_of_tars(std::slice::from_ref(&layer)),
    );
    // Would hash 2^60 zeros before the fix: the timeout ends it.
    let report = json_of(dir.path(), &img);
    let text = report.to_string();
    assert!(text.contains(&(real + 5).to_string()), "{text}");
    let a = try_analyze(&docker_archive_of_tars(&[layer])).expect("reads");
    assert_eq!(a.exact.total_bytes, real + 5);
}

/// A real-looking sparse file: data, a hole, data, a trailing hole.
fn small_sparse_layer() -> Vec<u8> {
    [
        file("plain.txt", b"plain"),
        sealed(gnu_sparse("sparse.bin", 10_000, &[(0, 3), (4096, 5)])),
        body(b"abcHELLO"),
        end(),
    ]
    .concat()
}

fn small_sparse_bytes() -> Vec<u8> {
    let mut expected = vec![0u8; 10_000];
    expected[..3].copy_from_slice(b"abc");
    expected[4096..4101].copy_from_slice(b"HELLO");
    expected
}

fn load(
    path: &Path,
) -> (
    peel::analysis::Analysis,
    peel::content::Origin,
    Vec<peel::image::Layer>,
) {
    let reference = path.display().to_string();
    let parsed = peel::source::parse(&reference, None).expect("parse");
    let image = peel::source::open(&parsed, &reference, &peel::source::OpenOptions::default())
        .expect("open");
    let a = peel::analysis::analyze(image, None);
    let blobs = a.image.layers.clone();
    (a, peel::content::Origin::of(&parsed), blobs)
}

#[test]
fn a_sparse_file_reads_views_and_extracts_as_its_real_bytes() {
    let dir = tmp();
    let archive = dir.path().join("img.tar");
    std::fs::write(&archive, docker_archive_of_tars(&[small_sparse_layer()])).expect("write");
    let (a, origin, blobs) = load(&archive);
    // Size is the real size (README, "How the figures are defined").
    assert_eq!(a.exact.total_bytes, 10_005);
    let tree = &a.tree;
    let node = tree.lookup(b"sparse.bin").expect("in the tree");
    let expected = small_sparse_bytes();
    // The viewer: the expanded bytes, windows included.
    let all =
        peel::content::read_file(&origin, &blobs, tree, node, 0.into(), 0, 1 << 20).expect("read");
    assert_eq!((all.total, all.bytes.len()), (10_000, 10_000));
    assert!(all.bytes == expected);
    let window =
        peel::content::read_file(&origin, &blobs, tree, node, 0.into(), 4090, 10).expect("read");
    assert_eq!(window.bytes, &expected[4090..4100]);
    // Extract writes it, holes and all.
    let dest = dir.path().join("out");
    std::fs::create_dir(&dest).expect("mkdir");
    let x = peel::content::extract(&origin, &blobs, tree, node, 0.into(), &dest, false)
        .expect("extract");
    assert_eq!(x.files, 1);
    assert!(std::fs::read(dest.join("sparse.bin")).expect("written") == expected);
}

// ---- 3. header-only entries ----

/// A directory whose size field says 1024: its "body" is two more headers
/// (a file and its content), as Go's archive/tar and GNU tar read it.
fn sized_directory_layer() -> Vec<u8> {
    let hidden = [file("secret.txt", b"hello\n")].concat();
    assert_eq!(hidden.len(), 1024);
    [
        sealed(header(b"d/", b'5', 1024)),
        hidden,
        sealed(header(b"l", b'2', 512)),
        file("after.txt", b"abc"),
        end(),
    ]
    .concat()
}

#[test]
fn entries_behind_a_directory_with_a_size_are_seen() {
    let a = analyze(&docker_archive_of_tars(&[sized_directory_layer()]));
    let present = |p: &[u8]| a.tree.lookup(p).is_some_and(|id| a.tree.is_present(id));
    assert!(present(b"d"));
    assert!(present(b"secret.txt"));
    assert!(present(b"l"));
    assert!(present(b"after.txt"));
    assert_eq!(a.exact.total_bytes, 9);
}

#[test]
fn the_viewer_reads_entries_as_the_walker_does() {
    let dir = tmp();
    let archive = dir.path().join("img.tar");
    std::fs::write(&archive, docker_archive_of_tars(&[sized_directory_layer()])).expect("write");
    let (a, origin, blobs) = load(&archive);
    let node = a.tree.lookup(b"secret.txt").expect("walked");
    let c =
        peel::content::read_file(&origin, &blobs, &a.tree, node, 0.into(), 0, 100).expect("viewer");
    assert_eq!(c.bytes, b"hello\n");
}

// ---- 4. whiteout edge cases, PAX sizes ----

fn warnings(a: &peel::analysis::Analysis) -> Vec<String> {
    a.tree.warnings.clone()
}

#[test]
fn whiteout_oddities_are_warnings() {
    let lower = [
        file("f", b"file"),
        file("g", b"gg"),
        sealed(header(b"ln", b'2', 0)),
        end(),
    ]
    .concat();
    let upper = [
        file("d/.wh.g", b"a body"),
        file(".wh.g", b"0123456789"),
        file("f/.wh.x", b""),
        file("f/.wh..wh..opq", b""),
        file("ln/sub/.wh.y", b""),
        file("e/.wh.", b""),
        end(),
    ]
    .concat();
    let archive = docker_archive_of_tars(&[lower, upper]);
    let a = analyze(&archive);
    let w = warnings(&a);
    let has = |needle: &str| w.iter().any(|l| l.contains(needle));
    assert!(
        has("layer 1: whiteout /.wh.g carries 10 bytes, which no engine unpacks"),
        "{w:#?}"
    );
    assert!(has("layer 1: whiteout /d/.wh.g carries 6 bytes"), "{w:#?}");
    assert!(
        has("layer 1: whiteout marker in /f stands under file /f, not a directory"),
        "{w:#?}"
    );
    assert!(
        has("whiteout marker in /ln/sub stands under symlink /ln"),
        "{w:#?}"
    );
    assert!(
        has("layer 1: /e/.wh. is a whiteout marker that names nothing"),
        "{w:#?}"
    );
    // The rules still apply: the opaque marker makes `f` a directory (as
    // overlayfs shows it: the layer's own directory over the lower file).
    let f = a.tree.lookup(b"f").expect("f");
    assert!(a.tree.node(f).present_meta().expect("meta").kind.is_dir());
    // The opaque marker applies first: `f/.wh.x` then stands in a directory.
    assert_eq!(w.len(), 5, "{w:#?}");

    // They reach the report.
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &archive);
    let report = json_of(dir.path(), &img);
    let listed = report["warnings"].as_array().expect("warnings").len();
    assert!(listed >= 5, "{report}");
}

#[test]
fn a_marker_under_a_file_of_its_own_layer_is_a_warning() {
    let layer = [file("f", b"file"), file("f/.wh.x", b""), end()].concat();
    let a = analyze(&docker_archive_of_tars(&[layer]));
    assert_eq!(
        warnings(&a),
        vec![
            "layer 0: whiteout marker in /f stands under file /f of this layer, not a directory"
                .to_string()
        ]
    );
}

#[test]
fn a_marker_under_a_path_the_layer_makes_a_directory_applies() {
    let lower = [file("f", b"file"), end()].concat();
    let upper = [
        sealed(header(b"f/", b'5', 0)),
        file("f/.wh..wh..opq", b""),
        end(),
    ]
    .concat();
    let a = analyze(&docker_archive_of_tars(&[lower, upper]));
    assert!(warnings(&a).is_empty(), "{:?}", warnings(&a));
}

#[test]
fn a_pax_size_that_overflows_the_padding_is_an_error() {
    let dir = tmp();
    let records = pax_record("size", &u64::MAX.to_string());
    let layer = [
        file("ok.txt", b"ok"),
        sealed(header(b"././@PaxHeader", b'x', records.len() as u64)),
        body(&records),
        sealed(header(b"big", b'0', 0)),
        end(),
    ]
    .concat();
    let img = put(dir.path(), "img.tar", &docker_archive_of_tars(&[layer]));
    fails_in_one_line(
        dir.path(),
        &[&img],
        &[
            "too large",
            "the header after entry 'ok.txt' (at byte 2048)",
        ],
    );
}

// ---- 5. hardlinks ----

#[test]
fn a_hardlink_to_a_directory_says_so() {
    let layer = Layer::new()
        .dir("bin")
        .hardlink("x", "bin")
        .hardlink("y", "nope");
    let a = analyze(&Image::new().layer(layer).docker_archive());
    assert_eq!(
        warnings(&a),
        vec![
            "layer 0: hardlink /x points to /bin, a directory (a hardlink cannot name a \
             directory); ignored"
                .to_string(),
            "layer 0: hardlink /y points to /nope, which does not exist; ignored".to_string(),
        ]
    );
}

// ---- 6. header errors ----

#[test]
fn a_bad_header_is_named_with_its_offset_on_one_line() {
    let dir = tmp();
    let mut broken = header(b"evil\nname", b'0', 0);
    broken[0] = b'E';
    let mut bad_sum = sealed(broken);
    bad_sum[148] = b'7';
    let layer = [file("good.txt", b"good"), bad_sum, end()].concat();
    let img = put(dir.path(), "img.tar", &docker_archive_of_tars(&[layer]));
    fails_in_one_line(
        dir.path(),
        &[&img],
        &[
            "the header after entry 'good.txt' (at byte 1024)",
            "checksum",
        ],
    );

    // A field of raw bytes with a newline and an escape sequence: escaped.
    let mut b = header(b"odd\nname", b'0', 0);
    b[108..116].copy_from_slice(b"1\n\x1b[31m\0");
    let layer = [file("good.txt", b"good"), sealed(b), end()].concat();
    let img = put(dir.path(), "img2.tar", &docker_archive_of_tars(&[layer]));
    let line = fails_in_one_line(
        dir.path(),
        &[&img],
        &[
            "entry 'odd\\x0aname' (header at byte 1024)",
            "bad uid field",
            "\\x1b[31m",
        ],
    );
    assert!(!line.contains('\x1b'), "{line}");
}

// ---- 8. extract destinations ----

#[test]
fn extract_never_writes_through_a_link_the_image_planted() {
    let dir = tmp();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    let layer = Layer::new()
        .dir("pkg")
        .symlink("pkg/evil", outside.to_str().expect("utf-8"))
        .file("pkg/data.txt", b"data");
    let archive = dir.path().join("img.tar");
    std::fs::write(&archive, Image::new().layer(layer).docker_archive()).expect("write");
    let (a, origin, blobs) = load(&archive);
    let tree = &a.tree;
    let dest = dir.path().join("dest");
    std::fs::create_dir(&dest).expect("mkdir");
    let pkg = tree.lookup(b"pkg").expect("pkg");
    peel::content::extract(&origin, &blobs, tree, pkg, 0.into(), &dest, false)
        .expect("extract pkg");
    let data = tree.lookup(b"pkg/data.txt").expect("data");
    let d = dest.display();
    for spelling in [
        format!("{d}/pkg/evil/"),
        format!("{d}/pkg/evil/."),
        format!("{d}//pkg//evil//"),
        format!("{d}/pkg/evil/../evil/"),
        format!("{d}/pkg/./evil"),
    ] {
        let err = peel::content::extract(
            &origin,
            &blobs,
            tree,
            data,
            0.into(),
            Path::new(&spelling),
            false,
        )
        .expect_err(&spelling);
        assert!(
            err.to_string().contains("symbolic link"),
            "{spelling}: {err}"
        );
    }
    assert_eq!(std::fs::read_dir(&outside).expect("outside").count(), 0);
    // `..` is read lexically: `pkg/evil/../..` is `dest`, a real directory.
    let x = peel::content::extract(
        &origin,
        &blobs,
        tree,
        data,
        0.into(),
        Path::new(&format!("{d}/pkg/evil/../../")),
        false,
    )
    .expect("into dest");
    assert_eq!(x.target, dest.join("data.txt"));
    assert_eq!(
        std::fs::read(dest.join("data.txt")).expect("written"),
        b"data"
    );
    assert_eq!(std::fs::read_dir(&outside).expect("outside").count(), 0);
}
