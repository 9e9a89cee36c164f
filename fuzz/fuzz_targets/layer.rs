//! The layer reader: walk_blob_with (sniff, decompress, walk) and walk_tar,
//! and the pipelined walk of a streamed blob, which must agree with it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::layer(data);
});
