//! Truncated archives and layers.

use super::{fails, fails_on_stdin, with_layer};
use crate::fixture::{Layer, put, real, tmp};

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
