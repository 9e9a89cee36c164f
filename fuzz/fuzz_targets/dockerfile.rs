//! The Dockerfile parser, history `created_by` reading, and their mapping.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::dockerfile(data);
});
