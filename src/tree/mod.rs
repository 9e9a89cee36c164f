//! The image as a stack: every path any layer touched, each with its history
//! of versions, layer by layer. Applying the layers in order follows the OCI
//! image-layer rules (README, "How the figures are defined"); the state at
//! any layer is read from the histories, so no per-layer copy of the tree is
//! ever made.

mod apply;
mod node;

pub use apply::build;
pub(crate) use node::name_slot;
pub use node::{FileEntry, HideReason, Node, NodeId, Overwrite, ROOT, State, Tree, Version};
