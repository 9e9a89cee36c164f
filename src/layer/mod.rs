//! One layer tar → [`LayerChanges`]: entries, whiteouts and opaque markers.

pub mod digest;
pub mod entry;
pub mod path;
pub mod secret_content;
pub(crate) mod tar_reader;
pub mod walk;

pub use entry::{EntryKind, LayerChanges, Meta, Op, Record};
pub use secret_content::SecretContent;
pub use walk::{WalkError, WalkedLayer, walk_blob, walk_tar};
