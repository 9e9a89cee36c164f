//! One layer tar → [`LayerChanges`]: entries, whiteouts and opaque markers.

pub(crate) mod ahead;
pub mod digest;
pub mod entry;
pub mod path;
pub mod pipelined;
pub mod secret_content;
pub(crate) mod tar_reader;
pub mod walk;

pub use entry::{EntryKind, LayerChanges, Meta, Op, Record};
pub use pipelined::walk_blob_pipelined;
pub use secret_content::SecretContent;
pub use walk::{WalkError, WalkedLayer, walk_blob, walk_tar};
