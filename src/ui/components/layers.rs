//! The layers pane: the selected layer (the one source of it: the tree is
//! told when it changes) and each layer's change counts.

use crate::analysis::Analysis;
use crate::layer::Meta;
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

/// Added / modified / removed counts of each layer's own changes, counted
/// as the tree marks them: a directory is modified when its attributes
/// changed or when something inside it changed in that layer.
pub fn layer_counts(analysis: &Analysis) -> Vec<LayerCounts> {
    let nodes = &analysis.tree.nodes;
    let mut counts = vec![LayerCounts::default(); analysis.image.layers.len()];
    // Every change, by layer: the directories above are marked after.
    let mut changes: Vec<Vec<u32>> = vec![Vec::new(); counts.len()];
    for (id, node) in nodes.iter().enumerate().skip(1) {
        let mut before: Option<&Meta> = None;
        let mut i = 0;
        while i < node.versions.len() {
            let layer = node.versions[i].layer;
            let mut j = i;
            while j + 1 < node.versions.len() && node.versions[j + 1].layer == layer {
                j += 1;
            }
            let now = match &node.versions[j].state {
                State::Present { meta, .. } => Some(meta),
                State::Absent(_) => None,
            };
            if let Some(c) = counts.get_mut(layer.index()) {
                let changed = match (before, now) {
                    (None, Some(_)) => {
                        c.added += 1;
                        true
                    }
                    (Some(b), Some(a))
                        if !(a.kind.is_dir() && b.kind.is_dir() && a.same_attributes(b)) =>
                    {
                        c.modified += 1;
                        true
                    }
                    (Some(_), None) => {
                        c.removed += 1;
                        true
                    }
                    _ => false,
                };
                if changed {
                    changes[layer.index()].push(id as u32);
                }
            }
            before = now;
            i = j + 1;
        }
    }
    // `stamp[node]`: the last layer in which the node was counted; the walk
    // up stops at the first one counted already, so each directory is
    // visited once per layer.
    let mut stamp = vec![u32::MAX; nodes.len()];
    for (layer, group) in changes.iter().enumerate() {
        let layer = layer as u32;
        for &id in group {
            stamp[id as usize] = layer;
        }
        for &id in group {
            let mut p = nodes[id as usize].parent.index();
            while p != 0 && stamp[p] != layer {
                stamp[p] = layer;
                counts[layer as usize].modified += 1;
                p = nodes[p].parent.index();
            }
        }
    }
    counts
}
