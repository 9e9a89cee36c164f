//! Corrupt compression: gzip and zstd layers and archives.

use super::{damaged_blob, noise, with_layer};
use crate::fixture::{Compress, Layer, compress, put};

/// The first half of `bytes`.
fn cut_in_half(bytes: &mut Vec<u8>) {
    bytes.truncate(bytes.len() / 2);
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
