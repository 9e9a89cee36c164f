//! The .dive-ci rules file parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::ci_config(data);
});
