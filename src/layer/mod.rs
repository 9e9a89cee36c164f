//! One layer tar → [`LayerChanges`]: entries, whiteouts and opaque markers.

pub(crate) mod ahead;
pub mod digest;
pub mod entry;
mod gunzip;
pub mod path;
pub mod pipelined;
mod position;
pub mod secret_content;
pub mod sniff;
pub(crate) mod tar_reader;
pub mod walk;

pub use entry::{EntryKind, LayerChanges, Meta, Op, Record};
pub use pipelined::walk_blob_pipelined;
pub use position::LayerIdx;
pub(crate) use position::u32_index;
pub use secret_content::SecretContent;
pub use walk::{WalkError, WalkedLayer, walk_blob, walk_tar};

/// A GNU tar header of a regular file of `size` bytes, owned by root, mode
/// 0644, time 0 (for tests that build layers).
#[cfg(test)]
pub(crate) fn test_header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header
}
