//! Layers matched by diff id: the ones a host holding OLD already has, the
//! ones it must download for NEW (the pull cost), and whether the base
//! image's layers changed.

use std::collections::HashSet;

use super::side::Side;

/// The layers of NEW against OLD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDelta {
    /// NEW's layers OLD has too (by diff id).
    pub shared: usize,
    /// NEW's layers OLD does not have.
    pub added: usize,
    /// OLD's layers NEW does not have.
    pub removed: usize,
    /// For each NEW layer: OLD has it.
    pub shared_by_layer: Vec<bool>,
    /// What a host holding OLD downloads for NEW: each added layer once,
    /// compressed where the size is known, else uncompressed.
    pub pull_cost_bytes: u64,
    /// Every added layer's compressed size was known.
    pub pull_cost_exact: bool,
    /// The base layers (by diff id) differ.
    pub base_changed: bool,
}

pub fn compare(old: &Side, new: &Side) -> LayerDelta {
    let old_ids: HashSet<&str> = old
        .layers
        .iter()
        .filter_map(|l| l.diff_id.as_deref())
        .collect();
    let new_ids: HashSet<&str> = new
        .layers
        .iter()
        .filter_map(|l| l.diff_id.as_deref())
        .collect();
    let shared_by_layer: Vec<bool> = new
        .layers
        .iter()
        .map(|l| l.diff_id.as_deref().is_some_and(|id| old_ids.contains(id)))
        .collect();
    let mut downloaded: HashSet<&str> = HashSet::new();
    let (mut pull_cost_bytes, mut pull_cost_exact) = (0, true);
    for (layer, _) in new
        .layers
        .iter()
        .zip(&shared_by_layer)
        .filter(|(_, s)| !**s)
    {
        // A layer listed twice is downloaded once.
        if let Some(id) = layer.diff_id.as_deref()
            && !downloaded.insert(id)
        {
            continue;
        }
        match layer.compressed {
            Some(bytes) => pull_cost_bytes += bytes,
            None => {
                pull_cost_bytes += layer.size;
                pull_cost_exact = false;
            }
        }
    }
    let base_ids = |side: &Side| -> Vec<Option<String>> {
        side.layers
            .iter()
            .take(side.base_layers)
            .map(|l| l.diff_id.clone())
            .collect()
    };
    let shared = shared_by_layer.iter().filter(|s| **s).count();
    LayerDelta {
        shared,
        added: new.layers.len() - shared,
        removed: old
            .layers
            .iter()
            .filter(|l| !l.diff_id.as_deref().is_some_and(|id| new_ids.contains(id)))
            .count(),
        shared_by_layer,
        pull_cost_bytes,
        pull_cost_exact,
        base_changed: base_ids(old) != base_ids(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::side::LayerRow;

    fn side(layers: &[(&str, u64, Option<u64>)], base: usize) -> Side {
        Side {
            base_layers: base,
            layers: layers
                .iter()
                .map(|&(id, size, compressed)| LayerRow {
                    diff_id: Some(id.to_string()),
                    size,
                    compressed,
                    command: String::new(),
                })
                .collect(),
            ..Side::default()
        }
    }

    #[test]
    fn shared_added_removed_and_the_pull_cost() {
        let old = side(&[("a", 100, Some(40)), ("b", 10, Some(5))], 1);
        let new = side(
            &[
                ("a", 100, Some(40)),
                ("c", 30, Some(12)),
                ("c", 30, Some(12)),
            ],
            1,
        );
        let d = compare(&old, &new);
        assert_eq!((d.shared, d.added, d.removed), (1, 2, 1));
        assert_eq!((d.pull_cost_bytes, d.pull_cost_exact), (12, true));
        assert!(!d.base_changed);
        let bumped = side(&[("z", 100, None), ("b", 10, Some(5))], 1);
        let d = compare(&old, &bumped);
        assert_eq!((d.pull_cost_bytes, d.pull_cost_exact), (100, false));
        assert!(d.base_changed);
        let same = compare(&old, &old);
        assert_eq!((same.added, same.removed, same.pull_cost_bytes), (0, 0, 0));
    }
}
