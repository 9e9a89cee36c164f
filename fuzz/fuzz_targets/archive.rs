//! The outer archive reader, on a stream and on a file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::archive_stream(data);
    peel::fuzz_entry::archive_file(data);
});
