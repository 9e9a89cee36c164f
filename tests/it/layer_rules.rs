//! One test per OCI image-layer rule (README, "How the figures are
//! defined"), on images built from bytes and read through every outer format.

use peel::analysis::Analysis;
use peel::tree::{HideReason, Overwrite};

use crate::fixture::{Image, Layer, analyze, analyze_everywhere};

/// The wasted entries as (path, layer, bytes, reason, hidden by).
fn wasted(a: &Analysis) -> Vec<(String, u32, u64, &'static str, u32)> {
    let mut out: Vec<_> = a
        .exact
        .wasted
        .iter()
        .map(|w| {
            (
                peel::layer::path::display(&w.path),
                w.layer.into(),
                w.bytes,
                w.reason.name(),
                w.hidden_by.into(),
            )
        })
        .collect();
    out.sort();
    out
}

fn present(a: &Analysis, path: &str) -> bool {
    a.tree
        .lookup(path.trim_start_matches('/').as_bytes())
        .is_some_and(|id| a.tree.is_present(id))
}

#[test]
fn opaque_marker_hides_lower_children_only() {
    // The marker stands after the layer's own entries: it still applies first
    // and never hides entries of its own layer.
    let image = Image::new()
        .layer(
            Layer::new()
                .dir("d")
                .sized("d/old", 100, b'a')
                .sized("d/sub/deep", 50, b'b'),
        )
        .layer(Layer::new().dir("d").sized("d/new", 7, b'c').opaque("d"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.total_bytes, 157);
    assert_eq!(a.exact.visible_bytes, 7);
    assert_eq!(
        wasted(&a),
        vec![
            ("/d/old".into(), 0, 100, "opaque", 1),
            ("/d/sub/deep".into(), 0, 50, "opaque", 1)
        ]
    );
    assert!(present(&a, "/d/new"));
    assert!(!present(&a, "/d/sub"));
}

#[test]
fn opaque_marker_keeps_same_name_rewritten_in_the_layer() {
    let image = Image::new()
        .layer(Layer::new().sized("d/x", 10, b'a'))
        .layer(Layer::new().opaque("d").sized("d/x", 10, b'a'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 10);
    assert_eq!(wasted(&a), vec![("/d/x".into(), 0, 10, "opaque", 1)]);
}

#[test]
fn whiteout_of_a_file() {
    let image = Image::new()
        .layer(
            Layer::new()
                .sized("etc/secret", 40, b's')
                .sized("etc/keep", 5, b'k'),
        )
        .layer(Layer::new().whiteout("etc/secret"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 5);
    assert_eq!(
        wasted(&a),
        vec![("/etc/secret".into(), 0, 40, "deleted", 1)]
    );
    assert!(!present(&a, "/etc/secret"));
    assert!(present(&a, "/etc/keep"));
}

#[test]
fn whiteout_of_a_directory_removes_its_subtree() {
    let image = Image::new()
        .layer(
            Layer::new()
                .dir("cache")
                .sized("cache/a", 30, b'a')
                .sized("cache/b/c", 20, b'c'),
        )
        .layer(Layer::new().whiteout("cache"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 0);
    assert_eq!(a.exact.efficiency, 0.0);
    assert_eq!(
        wasted(&a),
        vec![
            ("/cache/a".into(), 0, 30, "deleted", 1),
            ("/cache/b/c".into(), 0, 20, "deleted", 1)
        ]
    );
    // dive: `rm -rf dir` makes one new key holding the subtree once: no waste.
    assert_eq!(a.dive.inefficient_bytes, 0);
    assert_eq!(a.dive.efficiency_score, 1.0);
}

#[test]
fn whiteout_mode_is_irrelevant() {
    // buildah and umoci write whiteouts with mode 0000.
    let image = Image::new()
        .layer(Layer::new().sized("x", 9, b'x'))
        .layer(Layer::new().file_with(".wh.x", b"", 0, 0, 0, 0));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 0);
    assert_eq!(wasted(&a), vec![("/x".into(), 0, 9, "deleted", 1)]);
}

#[test]
fn whiteout_applies_to_lower_layers_only() {
    let image = Image::new().layer(Layer::new().sized("x", 9, b'x').whiteout("x"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 9);
}

#[test]
fn non_directory_over_directory_removes_the_subtree() {
    let image = Image::new()
        .layer(
            Layer::new()
                .dir("d")
                .sized("d/a", 11, b'a')
                .sized("d/e/f", 12, b'f'),
        )
        .layer(Layer::new().sized("d", 3, b'd'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 3);
    assert_eq!(
        wasted(&a),
        vec![
            ("/d/a".into(), 0, 11, "replaced", 1),
            ("/d/e/f".into(), 0, 12, "replaced", 1)
        ]
    );
}

#[test]
fn directory_over_file_replaces_it() {
    let image = Image::new()
        .layer(Layer::new().sized("p", 8, b'p'))
        .layer(Layer::new().dir("p").sized("p/q", 2, b'q'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 2);
    assert_eq!(
        wasted(&a),
        vec![("/p".into(), 0, 8, "overwritten-changed", 1)]
    );
}

#[test]
fn directory_over_directory_merges() {
    let image = Image::new()
        .layer(Layer::new().dir("d").sized("d/a", 4, b'a'))
        .layer(Layer::new().dir("d").sized("d/b", 5, b'b'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 9);
    assert!(a.exact.wasted.is_empty());
}

#[test]
fn missing_parents_are_created() {
    // umoci writes no parent directory entries.
    let image = Image::new()
        .layer(Layer::new().sized("a/b/c/file", 6, b'f'))
        .layer(Layer::new().sized("a/b/other", 1, b'o'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 7);
    assert!(present(&a, "/a/b/c"));
    assert_eq!(a.exact.file_count, 2);
}

#[test]
fn prefixes_and_repeated_slashes_name_one_path() {
    let image = Image::new()
        .layer(Layer::new().raw_file(b"./etc//conf", b"12345"))
        .layer(Layer::new().raw_file(b"/etc/conf", b"12345678"));
    let a = analyze(&image.docker_archive());
    assert_eq!(a.exact.visible_bytes, 8);
    assert_eq!(
        wasted(&a),
        vec![("/etc/conf".into(), 0, 5, "overwritten-changed", 1)]
    );
}

#[test]
fn long_and_non_utf8_names() {
    let long = format!("{}/file.txt", "d".repeat(180));
    let image = Image::new()
        .layer(
            Layer::new()
                .sized(&long, 10, b'l')
                .raw_file(b"caf\xe9", b"abc"),
        )
        .layer(Layer::new().whiteout(&long));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 3);
    assert_eq!(wasted(&a), vec![(format!("/{long}"), 0, 10, "deleted", 1)]);
    assert!(a.tree.lookup(b"caf\xe9").is_some());
    assert_eq!(peel::layer::path::display(b"caf\xe9"), "/caf\\xe9");
}

#[test]
fn overwrite_kinds() {
    let image = Image::new()
        .layer(
            Layer::new()
                .file_with("same", b"content", 0o644, 0, 0, 100)
                .file_with("chmod", b"content2", 0o644, 0, 0, 100)
                .file_with("chown", b"content3", 0o644, 0, 0, 100)
                .file_with("edit", b"old", 0o644, 0, 0, 100),
        )
        .layer(
            Layer::new()
                .file_with("same", b"content", 0o644, 0, 0, 100)
                .file_with("chmod", b"content2", 0o755, 0, 0, 100)
                .file_with("chown", b"content3", 0o644, 1000, 1000, 100)
                .file_with("edit", b"new!", 0o644, 0, 0, 100),
        );
    let a = analyze_everywhere(&image);
    assert_eq!(
        wasted(&a),
        vec![
            ("/chmod".into(), 0, 8, "overwritten-metadata-only", 1),
            ("/chown".into(), 0, 8, "overwritten-metadata-only", 1),
            ("/edit".into(), 0, 3, "overwritten-changed", 1),
            ("/same".into(), 0, 7, "overwritten-identical", 1),
        ]
    );
    assert_eq!(
        a.exact
            .wasted
            .iter()
            .find(|w| w.path == b"chmod")
            .map(|w| w.reason),
        Some(HideReason::Overwritten(Overwrite::MetadataOnly))
    );
}

#[test]
fn same_path_twice_in_one_layer() {
    let image = Image::new().layer(Layer::new().sized("x", 5, b'a').sized("x", 6, b'b'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 6);
    assert_eq!(
        wasted(&a),
        vec![("/x".into(), 0, 5, "overwritten-changed", 0)]
    );
}

#[test]
fn hardlinks_count_once() {
    let image = Image::new().layer(
        Layer::new()
            .sized("a", 100, b'a')
            .hardlink("b", "a")
            .hardlink("c", "a"),
    );
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.total_bytes, 100);
    assert_eq!(a.exact.visible_bytes, 100);
    assert_eq!(a.exact.file_count, 3);
}

#[test]
fn hardlink_keeps_bytes_after_its_source_name_is_deleted() {
    // `ln a b; rm a` in later layers: b still holds the bytes.
    let image = Image::new()
        .layer(Layer::new().sized("a", 100, b'a'))
        .layer(Layer::new().sized("a", 100, b'a').hardlink("b", "a"))
        .layer(Layer::new().whiteout("a"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.total_bytes, 200);
    assert_eq!(a.exact.visible_bytes, 100);
    // Layer 0's copy was overwritten by the copy-up; layer 1's lives on as b.
    assert_eq!(
        wasted(&a),
        vec![("/a".into(), 0, 100, "overwritten-identical", 1)]
    );
    assert!(present(&a, "/b"));
}

#[test]
fn hardlink_to_a_lower_layer_file() {
    let image = Image::new()
        .layer(Layer::new().sized("lib/x", 50, b'x'))
        .layer(Layer::new().hardlink("lib/y", "lib/x"))
        .layer(Layer::new().whiteout("lib/x"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 50);
    assert!(a.exact.wasted.is_empty());
}

#[test]
fn hardlink_before_its_target_in_the_tar() {
    let image = Image::new().layer(Layer::new().hardlink("a", "z").sized("z", 10, b'z'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 10);
    assert!(a.tree.warnings.is_empty());
}

#[test]
fn dangling_hardlink_is_a_warning() {
    let image = Image::new().layer(Layer::new().hardlink("a", "nowhere"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 0);
    assert_eq!(a.tree.warnings.len(), 1, "{:?}", a.tree.warnings);
}

#[test]
fn symlinks_devices_and_fifos_count_nothing() {
    let image = Image::new()
        .layer(
            Layer::new()
                .symlink("bin/sh", "busybox")
                .fifo("run/pipe")
                .char_device("dev/null"),
        )
        .layer(Layer::new().symlink("bin/sh", "dash"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.total_bytes, 0);
    assert_eq!(a.exact.efficiency, 1.0);
    assert_eq!(a.exact.user_wasted_percent, 0.0);
    assert_eq!(a.exact.file_count, 3);
}

#[test]
fn user_wasted_can_exceed_user_bytes() {
    let image = Image::new()
        .layer(Layer::new().sized("base/big", 1000, b'b'))
        .layer(Layer::new().sized("app", 10, b'a'))
        .layer(Layer::new().whiteout("base/big"));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.user_bytes, 10);
    assert_eq!(a.exact.user_wasted_bytes, 1000);
    assert_eq!(a.exact.user_wasted_percent, 100.0);
}

#[test]
fn waste_hidden_within_the_base_is_not_user_waste() {
    let image = Image::new()
        .layer(Layer::new().sized("tmp", 70, b't'))
        .layer(Layer::new().whiteout("tmp"))
        .layer(Layer::new().sized("app", 30, b'a'));
    let a = analyze(&image.docker_archive());
    assert_eq!(a.exact.user_wasted_bytes, 70);
    let image = peel::image::archive::read(
        &image.docker_archive()[..],
        "fixture",
        "fixture",
        &peel::image::Selection::default(),
        &peel::progress::Progress::new(),
    )
    .unwrap();
    let a = peel::analysis::analyze(image, Some(2));
    assert_eq!(a.exact.base_layers, 2);
    assert_eq!(a.exact.user_bytes, 30);
    assert_eq!(a.exact.user_wasted_bytes, 0);
}

#[test]
fn an_empty_image_is_fully_efficient() {
    let a = analyze_everywhere(&Image::new().layer(Layer::new()));
    assert_eq!(a.exact.total_bytes, 0);
    assert_eq!(a.exact.efficiency, 1.0);
    assert_eq!(a.dive.efficiency_score, 1.0);
    assert_eq!(a.dive.user_wasted_percent, 0.0);
}

#[test]
fn visible_plus_wasted_is_total() {
    let image = Image::new()
        .layer(
            Layer::new()
                .sized("a", 10, b'a')
                .sized("d/b", 20, b'b')
                .sized("d/c", 30, b'c'),
        )
        .layer(Layer::new().sized("a", 11, b'a').whiteout("d/b"))
        .layer(Layer::new().opaque("d").sized("d/e", 5, b'e'));
    let a = analyze_everywhere(&image);
    let wasted_sum: u64 = a.exact.wasted.iter().map(|w| w.bytes).sum();
    assert_eq!(a.exact.visible_bytes + wasted_sum, a.exact.total_bytes);
    assert_eq!(a.exact.wasted_bytes, wasted_sum);
    assert_eq!(a.exact.visible_bytes, 16);
}

mod dive_quirks {
    use super::*;

    #[test]
    fn every_copy_of_a_rewritten_file_is_inefficient() {
        let image = Image::new()
            .layer(Layer::new().sized("f", 100, b'a'))
            .layer(Layer::new().sized("f", 100, b'a'))
            .layer(Layer::new().sized("f", 50, b'b'));
        let a = analyze_everywhere(&image);
        assert_eq!(a.dive.inefficient_bytes, 250);
        assert_eq!(a.dive.efficiency_score, 50.0 / 250.0);
        assert_eq!(a.dive.file_reference.len(), 1);
        assert_eq!(a.dive.file_reference[0].count, 3);
        assert_eq!(a.dive.file_reference[0].file, "/f");
        assert_eq!(a.dive.user_wasted_percent, 250.0 / 150.0);
    }

    #[test]
    fn a_deleted_file_counts_zero_but_shares_its_key() {
        let image = Image::new()
            .layer(Layer::new().sized("f", 100, b'a'))
            .layer(Layer::new().sized("g", 1, b'g'))
            .layer(Layer::new().whiteout("f"));
        let a = analyze_everywhere(&image);
        // Key /f: sizes 100 and 0 → min 0, cumulative 100.
        assert_eq!(a.dive.inefficient_bytes, 100);
        assert_eq!(a.dive.efficiency_score, 1.0 / 101.0);
    }

    #[test]
    fn a_missing_whiteout_victim_stops_the_layer_walk() {
        // In layer 1, leaves in order: /.wh.ghost (victim unknown: the walk
        // stops), then /z (never counted).
        let image = Image::new()
            .layer(Layer::new().sized("z", 10, b'z'))
            .layer(Layer::new().whiteout("ghost").sized("z", 10, b'z'));
        let a = analyze_everywhere(&image);
        assert_eq!(a.dive.inefficient_bytes, 0);
        // The key /ghost keeps dive's initial smallest size, -1: (10 - 1) / 10.
        assert_eq!(a.dive.efficiency_score, 0.9);
        // The exact figures are not fooled.
        assert_eq!(a.exact.wasted_bytes, 10);
    }

    #[test]
    fn opaque_directories_hide_nothing_for_dive() {
        let image = Image::new()
            .layer(Layer::new().dir("d").sized("d/a", 10, b'a'))
            .layer(Layer::new().dir("d").opaque("d"));
        let a = analyze_everywhere(&image);
        assert_eq!(a.dive.inefficient_bytes, 0);
        assert_eq!(a.exact.wasted_bytes, 10);
    }

    #[test]
    fn leaf_directories_are_keys_with_zero_bytes() {
        let image = Image::new()
            .layer(Layer::new().dir("empty"))
            .layer(Layer::new().dir("empty"));
        let a = analyze_everywhere(&image);
        assert_eq!(a.dive.file_reference.len(), 1);
        assert_eq!(a.dive.file_reference[0].size_bytes, 0);
        assert_eq!(a.dive.file_reference[0].count, 2);
    }

    #[test]
    fn whiteout_of_a_directory_stacked_without_its_entry_counts_zero() {
        // Layer 1 writes under d/ without an entry for d: stacking gives d
        // empty metadata (not a directory), so layer 2's whiteout of d
        // counts 0 instead of d's subtree.
        let image = Image::new()
            .layer(Layer::new().dir("d").sized("d/a", 10, b'a'))
            .layer(Layer::new().sized("d/b", 5, b'b'))
            .layer(Layer::new().whiteout("d"));
        let a = analyze_everywhere(&image);
        assert_eq!(a.dive.inefficient_bytes, 0);
        let image = Image::new()
            .layer(Layer::new().dir("d").sized("d/a", 10, b'a'))
            .layer(Layer::new().dir("d").sized("d/b", 5, b'b'))
            .layer(Layer::new().whiteout("d"));
        let a = analyze_everywhere(&image);
        // Now d is a directory in the stack: the whiteout's key /d gets the
        // subtree size (15), seen once: still no inefficiency, but it counts.
        assert_eq!(a.dive.inefficient_bytes, 0);
        assert_eq!(a.dive.efficiency_score, 1.0);
    }
}
