//! Compare mode (`peel diff OLD NEW` in a terminal): what the UI shows of
//! the comparison `crate::diff` made, turned once into per-node marks of
//! NEW's tree ([`Overlay`]) and per-layer "OLD has it" flags, so that keys
//! never walk the whole tree or the list of changes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diff::Comparison;
use crate::diff::files::{Change, FileChange};
use crate::layer::path;
use crate::tree::{NodeId, Tree};
use crate::tree_list::{Mark, Overlay};

/// Everything compare mode shows, made once.
#[derive(Debug, Clone)]
pub struct CompareMarks {
    /// OLD as the user named it.
    pub old_reference: String,
    pub overlay: Arc<Overlay>,
    /// For each NEW layer: OLD has it (by diff id).
    pub shared_layers: Vec<bool>,
    pub added: usize,
    pub removed: usize,
    /// Grown, shrunk, other content or other attributes.
    pub changed: usize,
    /// Removed paths NEW's tree has no node for: their bytes are counted
    /// in the nearest directory NEW has.
    pub unplaced: usize,
    /// NEW's visible bytes minus OLD's.
    pub delta_bytes: i64,
}

impl CompareMarks {
    /// The marks of NEW's `tree` from `comparison` (OLD against NEW).
    pub fn new(tree: &Tree, comparison: &Comparison, old_reference: &str) -> CompareMarks {
        let n = tree.nodes.len();
        let mut marks: Vec<Option<Mark>> = vec![None; n];
        let mut deltas = vec![0i64; n];
        let mut by_path: HashMap<&[u8], &FileChange> =
            comparison.files.iter().map(|c| (&*c.path, c)).collect();
        let (mut added, mut removed, mut changed) = (0, 0, 0);
        for c in &comparison.files {
            match c.change {
                Change::Added => added += 1,
                Change::Removed => removed += 1,
                _ => changed += 1,
            }
        }
        // Files below each directory, and how many of them are added: a
        // directory whose every file is new is itself new.
        let mut files_below = vec![0u32; n];
        let mut added_below = vec![0u32; n];
        tree.for_each_path(|id, canonical| {
            let (present, is_dir) = final_state(tree, id);
            let shown = path::escape(canonical);
            let change = by_path.remove(shown.as_bytes());
            let i = id.index();
            marks[i] = match change {
                Some(c) => {
                    deltas[i] = c.delta();
                    Some(mark_of(c.change))
                }
                None if present => Some(Mark::Unmodified),
                None => None,
            };
            if present && !is_dir {
                files_below[i] = 1;
                added_below[i] = u32::from(marks[i] == Some(Mark::Added));
            }
        });
        // Removed paths NEW never had: their bytes go to the nearest
        // directory NEW has, marked changed.
        let mut unplaced = 0;
        for c in by_path.into_values() {
            unplaced += 1;
            let node = nearest_node(tree, &c.path);
            deltas[node.index()] += c.delta();
            if marks[node.index()] == Some(Mark::Unmodified) {
                marks[node.index()] = Some(Mark::Modified);
            }
        }
        // Roll up: a child's id is larger than its parent's.
        for id in (1..n).rev() {
            let parent = tree.nodes[id].parent.index();
            deltas[parent] += deltas[id];
            files_below[parent] += files_below[id];
            added_below[parent] += added_below[id];
        }
        for id in 1..n {
            if final_state(tree, NodeId::from(id as u32)).1
                && marks[id] == Some(Mark::Unmodified)
                && files_below[id] > 0
                && files_below[id] == added_below[id]
            {
                marks[id] = Some(Mark::Added);
            }
        }
        CompareMarks {
            old_reference: old_reference.to_string(),
            delta_bytes: deltas.first().copied().unwrap_or(0),
            overlay: Arc::new(Overlay::new(marks, deltas)),
            shared_layers: comparison.layers.shared_by_layer.clone(),
            added,
            removed,
            changed,
            unplaced,
        }
    }

    /// NEW's layer `index` is one OLD has.
    pub fn is_shared(&self, index: usize) -> bool {
        self.shared_layers.get(index).copied().unwrap_or(false)
    }

    /// One line for the status bar: the counts and the size change.
    pub fn summary(&self) -> String {
        format!(
            "compared with {}: {} added, {} removed, {} changed, {} · layers shared: {} of {}",
            crate::ui::sanitize(&self.old_reference),
            self.added,
            self.removed,
            self.changed,
            crate::report::diff::signed_size(self.delta_bytes),
            self.shared_layers.iter().filter(|s| **s).count(),
            self.shared_layers.len(),
        )
    }
}

/// Is `id` present after NEW's last layer, and a directory? (A directory
/// no layer names, only its entries, is.)
fn final_state(tree: &Tree, id: NodeId) -> (bool, bool) {
    if tree.node(id).versions.is_empty() {
        return (true, true);
    }
    tree.node(id)
        .present_meta()
        .map_or((false, false), |m| (true, m.kind.is_dir()))
}

fn mark_of(change: Change) -> Mark {
    match change {
        Change::Added => Mark::Added,
        Change::Removed => Mark::Removed,
        Change::Grown | Change::Shrunk | Change::Changed | Change::Metadata => Mark::Modified,
    }
}

/// The deepest node of `tree` on the way to `shown` (a report's path,
/// `a/b`), the root when there is none.
fn nearest_node(tree: &Tree, shown: &[u8]) -> NodeId {
    let mut best = tree.root();
    for (i, b) in shown.iter().enumerate() {
        if *b == b'/'
            && let Some(node) = tree.lookup(&shown[..i])
        {
            best = node;
        }
    }
    best
}
