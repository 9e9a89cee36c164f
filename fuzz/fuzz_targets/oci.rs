//! OCI index/manifest/config resolution with in-memory blobs, and docker-save manifest.json selection.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::oci_layout(data);
});
