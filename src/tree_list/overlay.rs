//! Marks against another image (`peel diff OLD NEW`): each node's mark and
//! rolled-up size change, computed once when the comparison is made, so
//! that the view pass reads them by node id instead of comparing layers.

use super::{FlatVersion, Mark};
use crate::tree::NodeId;

/// Per node of NEW's tree: its mark against OLD (None: not part of NEW's
/// final filesystem nor removed from OLD's) and its size change in bytes
/// (a directory's: the sum below it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlay {
    marks: Vec<Option<Mark>>,
    deltas: Vec<i64>,
}

impl Overlay {
    /// `marks` and `deltas` indexed by node id, of the same length.
    pub fn new(marks: Vec<Option<Mark>>, deltas: Vec<i64>) -> Overlay {
        assert_eq!(marks.len(), deltas.len(), "one mark and one delta a node");
        Overlay { marks, deltas }
    }

    pub fn mark(&self, node: NodeId) -> Option<Mark> {
        self.marks.get(node.index()).copied().flatten()
    }

    pub fn delta(&self, node: NodeId) -> i64 {
        self.deltas.get(node.index()).copied().unwrap_or(0)
    }

    /// The view pass's own mark of `node` and the version that describes
    /// it: its last present one (a removed path that NEW never had: a
    /// file of no bytes; a directory no layer names: none).
    pub(super) fn own_mark(
        &self,
        node: usize,
        vs: &[FlatVersion],
    ) -> Option<(Option<Mark>, Option<FlatVersion>)> {
        let mark = self.mark(NodeId::from(node as u32))?;
        let removed = FlatVersion {
            layer: 0,
            present: false,
            is_dir: false,
            size: 0,
            attrs: 0,
        };
        let state = match vs.iter().rev().find(|v| v.present) {
            Some(v) => Some(*v),
            None if vs.is_empty() => None,
            None => Some(removed),
        };
        Some((Some(mark), state))
    }
}
