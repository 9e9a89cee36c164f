//! The registry's parsers: references, WWW-Authenticate challenges, auth
//! files, error bodies, manifests and indexes (the first byte picks one).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::registry(data);
});
