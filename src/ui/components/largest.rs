//! The largest files in the image (`L`): the files the last layer shows,
//! largest first, a flat list made once when the image is read.

use crate::layer::LayerIdx;
use crate::tree::{NodeId, Tree};
use crate::tree_list::ListState;

/// How many of the largest files the list keeps.
pub const LIMIT: usize = 1000;

/// One file of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Largest {
    pub node: NodeId,
    pub bytes: u64,
    /// The layer whose entry the image shows.
    pub layer: LayerIdx,
}

#[derive(Debug, Default)]
pub struct LargestFiles {
    pub files: Vec<Largest>,
    pub list: ListState,
}

impl LargestFiles {
    /// The `LIMIT` largest visible files of `tree`: a selection in linear
    /// time, then a sort of what it kept.
    pub fn new(tree: &Tree) -> LargestFiles {
        let mut files: Vec<Largest> = tree
            .files
            .iter()
            .filter(|f| f.hidden.is_none())
            .map(|f| Largest {
                node: f.node,
                bytes: f.size,
                layer: f.layer,
            })
            .collect();
        let order = |a: &Largest, b: &Largest| b.bytes.cmp(&a.bytes).then(a.node.cmp(&b.node));
        if files.len() > LIMIT {
            files.select_nth_unstable_by(LIMIT - 1, order);
            files.truncate(LIMIT);
        }
        files.sort_unstable_by(order);
        LargestFiles {
            files,
            list: ListState::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn selected(&self) -> Option<Largest> {
        self.files.get(self.list.selected()).copied()
    }
}
