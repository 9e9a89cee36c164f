//! dive's marks, per layer, found once at load, so that the view need not
//! store them per node.
//!
//! In dive's view (the default) a layer change from L to L+1 re-marks every
//! path of L (its changes become plain), but it alters the existence and
//! size only of the paths with a version in L+1 and of L's removals. While
//! no change class is hidden, a mark decides nothing but the row's colour,
//! so the view keeps only existence and size (see [`super::view`]) and a
//! row's mark is computed when it is drawn: a path's own mark from its
//! versions, a directory's "modified below" from the per-layer sets here.

use super::view::{FlatVersion, dive_mark, own_mark};
use super::{Compare, Mark, ROOT};
use crate::tree::NodeId;

/// Per layer: the directories marked modified in dive's view because
/// something below them changed, and the paths it removes.
#[derive(Debug, Clone, Default)]
pub(super) struct LayerMarks {
    /// Layer `l`'s: `below[below_start[l]..below_start[l + 1]]`, ascending.
    below_start: Vec<u32>,
    below: Vec<NodeId>,
    /// Layer `l`'s: `removed[removed_start[l]..removed_start[l + 1]]`,
    /// ascending: absent there, present just before.
    removed_start: Vec<u32>,
    removed: Vec<NodeId>,
}

impl LayerMarks {
    /// From every node's versions, the nodes with a version in each layer
    /// (`layer_ids[layer_start[l]..layer_start[l + 1]]`, ascending) and the
    /// parents. One look at each version; the walks up stop at a directory
    /// already found, so each layer costs its paths plus its directories.
    pub(super) fn new(
        ver_start: &[u32],
        versions: &[FlatVersion],
        layer_start: &[u32],
        layer_ids: &[NodeId],
        parents: &[NodeId],
    ) -> LayerMarks {
        let versions_of = |id: usize| &versions[ver_start[id] as usize..ver_start[id + 1] as usize];
        // The view's "is a directory" at `layer` (an ancestor kept only for
        // structure is one).
        let is_dir_at =
            |id: usize, layer: u32| match own_mark(versions_of(id), layer, Compare::Dive) {
                Some((_, Some(state))) => state.is_dir,
                _ => true,
            };
        let mut out = LayerMarks {
            below_start: vec![0],
            removed_start: vec![0],
            ..LayerMarks::default()
        };
        let mut seen = vec![false; parents.len()];
        for l in 0..layer_start.len().saturating_sub(1) {
            let layer = l as u32;
            let from = out.below.len();
            let removed_from = out.removed.len();
            let ids = &layer_ids[layer_start[l] as usize..layer_start[l + 1] as usize];
            for &id in ids {
                let mark = dive_mark(versions_of(id.index()), layer);
                if mark == Mark::Unmodified {
                    continue;
                }
                // Once per layer (a path may have several versions in one),
                // whatever the layer before removed.
                if mark == Mark::Removed && out.removed[removed_from..].last() != Some(&id) {
                    out.removed.push(id);
                }
                // A directory is marked for a change below when every node
                // in between is one too (a file's own mark is not raised).
                let mut cur = parents[id.index()];
                while cur != ROOT && !seen[cur.index()] && is_dir_at(cur.index(), layer) {
                    seen[cur.index()] = true;
                    out.below.push(cur);
                    cur = parents[cur.index()];
                }
            }
            for &d in &out.below[from..] {
                seen[d.index()] = false;
            }
            out.below[from..].sort_unstable();
            out.below_start.push(out.below.len() as u32);
            out.removed_start.push(out.removed.len() as u32);
        }
        out
    }

    /// Has directory `id` a changed path below it at `layer`?
    pub(super) fn changed_below(&self, layer: u32, id: NodeId) -> bool {
        let l = layer as usize;
        match (self.below_start.get(l), self.below_start.get(l + 1)) {
            (Some(&a), Some(&b)) => self.below[a as usize..b as usize]
                .binary_search(&id)
                .is_ok(),
            _ => false,
        }
    }

    /// The paths `layer` removes, ascending.
    pub(super) fn removed(&self, layer: u32) -> &[NodeId] {
        let l = layer as usize;
        match (self.removed_start.get(l), self.removed_start.get(l + 1)) {
            (Some(&a), Some(&b)) => &self.removed[a as usize..b as usize],
            _ => &[],
        }
    }
}
