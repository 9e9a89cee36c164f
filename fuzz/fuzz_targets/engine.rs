//! The engine: discovery from config files, and responses from a fake engine on a unix socket.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peel::fuzz_entry::engine(data);
});
