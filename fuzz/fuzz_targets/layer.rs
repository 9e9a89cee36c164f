//! The layer reader: walk_blob (sniff, decompress, walk) and walk_tar.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::layer(data);
});
