//! gzip/zstd sniffing and decoding, read to the end (bounded).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::sniff_decode(data);
});
