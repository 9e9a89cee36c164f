//! The layers pane: the selected layer (the one source of it: the tree is
//! told when it changes) and each layer's change counts.

use crate::analysis::Analysis;
use crate::tree::State;
use crate::tree_list::ListState;

/// Per-layer counts of the layer's own changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerCounts {
    pub added: u64,
    pub modified: u64,
    pub removed: u64,
}

#[derive(Debug)]
pub struct Layers {
    pub list: ListState,
    /// One per layer of the image.
    pub counts: Vec<LayerCounts>,
}

impl Layers {
    pub fn new(analysis: &Analysis) -> Layers {
        Layers {
            list: ListState::default(),
            counts: layer_counts(analysis),
        }
    }

    /// The selected layer.
    pub fn selected(&self) -> usize {
        self.list.selected()
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The selected layer's counts.
    pub fn selected_counts(&self) -> LayerCounts {
        self.counts
            .get(self.selected())
            .copied()
            .unwrap_or_default()
    }
}

/// Added / modified / removed counts of each layer's own changes.
pub fn layer_counts(analysis: &Analysis) -> Vec<LayerCounts> {
    let mut counts = vec![LayerCounts::default(); analysis.image.layers.len()];
    for node in analysis.tree.nodes.iter().skip(1) {
        let mut prev_present = false;
        let mut i = 0;
        while i < node.versions.len() {
            let layer = node.versions[i].layer;
            let mut j = i;
            while j + 1 < node.versions.len() && node.versions[j + 1].layer == layer {
                j += 1;
            }
            let now = matches!(node.versions[j].state, State::Present { .. });
            let is_dir = matches!(&node.versions[j].state, State::Present { meta, .. } if meta.kind.is_dir());
            if let Some(c) = counts.get_mut(layer as usize) {
                match (prev_present, now) {
                    (false, true) => c.added += 1,
                    (true, true) if !is_dir => c.modified += 1,
                    (true, false) => c.removed += 1,
                    _ => {}
                }
            }
            prev_present = now;
            i = j + 1;
        }
    }
    counts
}
