//! Layers matched by diff id: the ones a host holding OLD already has, the
//! ones it must download for NEW (the pull cost), and whether the base
//! image's layers changed.
//!
//! The base is judged on the two layer lists first, then on the base
//! detection: when one image's layers are the other's bottom layers (NEW
//! built `FROM` OLD), the history-based detection counts different bases
//! for the two (OLD's whole stack is NEW's base), yet nothing below OLD
//! changed.

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
    /// How the two images' bottoms relate; [`BaseRelation::Changed`] is the
    /// only one where the base changed.
    pub base: BaseRelation,
    /// The bottom layers equal in both images, position by position, by
    /// diff id.
    pub common_bottom: usize,
}

/// What the two layer lists say of the base image, first match wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseRelation {
    /// The same layers in the same order (an image against itself, or a
    /// rebuild that reproduced every layer).
    SameLayers,
    /// OLD's layers are NEW's bottom layers and NEW has more: NEW is built
    /// on OLD (`FROM old`), so the base is OLD's.
    NewOnOld,
    /// NEW's layers are OLD's bottom layers and OLD has more: NEW is OLD
    /// without its top layers.
    OldOnNew,
    /// The base layers, as the base detection decides them for each image,
    /// are equal by diff id.
    SameBase,
    /// None of the above: the base layers differ.
    Changed,
}

impl BaseRelation {
    /// The name in the JSON report (`layers.baseRelation`).
    pub fn name(self) -> &'static str {
        match self {
            BaseRelation::SameLayers => "same-layers",
            BaseRelation::NewOnOld => "new-built-on-old",
            BaseRelation::OldOnNew => "old-built-on-new",
            BaseRelation::SameBase => "same-base",
            BaseRelation::Changed => "changed",
        }
    }

    pub fn changed(self) -> bool {
        self == BaseRelation::Changed
    }
}

impl LayerDelta {
    /// The base changed (JSON `baseChanged`).
    pub fn base_changed(&self) -> bool {
        self.base.changed()
    }
}

/// How many bottom layers `old` and `new` have in common, and what that
/// says of the base (see [`BaseRelation`]). A layer without a diff id
/// matches nothing.
fn base_relation(old: &Side, new: &Side) -> (BaseRelation, usize) {
    let id = |l: &super::side::LayerRow| l.diff_id.clone();
    let common = old
        .layers
        .iter()
        .zip(&new.layers)
        .take_while(|(a, b)| a.diff_id.is_some() && a.diff_id == b.diff_id)
        .count();
    let (o, n) = (old.layers.len(), new.layers.len());
    let relation = if common == o && common == n {
        BaseRelation::SameLayers
    } else if common == o && o > 0 {
        BaseRelation::NewOnOld
    } else if common == n && n > 0 {
        BaseRelation::OldOnNew
    } else {
        let base = |side: &Side| -> Vec<Option<String>> {
            side.layers.iter().take(side.base_layers).map(id).collect()
        };
        if base(old) == base(new) {
            BaseRelation::SameBase
        } else {
            BaseRelation::Changed
        }
    };
    (relation, common)
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
    let (base, common_bottom) = base_relation(old, new);
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
        base,
        common_bottom,
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
        assert_eq!((d.base, d.common_bottom), (BaseRelation::SameBase, 1));
        let bumped = side(&[("z", 100, None), ("b", 10, Some(5))], 1);
        let d = compare(&old, &bumped);
        assert_eq!((d.pull_cost_bytes, d.pull_cost_exact), (100, false));
        assert_eq!((d.base, d.common_bottom), (BaseRelation::Changed, 0));
        assert!(d.base_changed());
        let same = compare(&old, &old);
        assert_eq!((same.added, same.removed, same.pull_cost_bytes), (0, 0, 0));
        assert_eq!(
            (same.base, same.common_bottom),
            (BaseRelation::SameLayers, 2)
        );
    }

    /// One layer per letter of `ids`, `base` of them the base's.
    fn stack(ids: &str, base: usize) -> Side {
        let layers: Vec<(String, u64, Option<u64>)> =
            ids.chars().map(|c| (c.to_string(), 1, None)).collect();
        let borrowed: Vec<(&str, u64, Option<u64>)> = layers
            .iter()
            .map(|(id, s, c)| (id.as_str(), *s, *c))
            .collect();
        side(&borrowed, base)
    }

    #[test]
    fn built_from_old_is_no_base_change() {
        // OLD's history closes its base at 1 layer; NEW, `FROM old` ending
        // in OLD's CMD, has all of OLD as its base.
        let (old, new) = (stack("abc", 1), stack("abcd", 3));
        let d = compare(&old, &new);
        assert_eq!((d.base, d.common_bottom), (BaseRelation::NewOnOld, 3));
        assert!(!d.base_changed());
        // The other way round: NEW is OLD without its top layer.
        let d = compare(&new, &old);
        assert_eq!((d.base, d.common_bottom), (BaseRelation::OldOnNew, 3));
        assert!(!d.base_changed());
        // One layer of OLD's stack rebuilt: the detection decides again.
        let rebuilt = stack("axcd", 3);
        let d = compare(&old, &rebuilt);
        assert_eq!((d.base, d.common_bottom), (BaseRelation::Changed, 1));
        assert_eq!(compare(&old, &stack("ax", 1)).base, BaseRelation::SameBase);
        // A layer without a diff id matches nothing.
        let mut anonymous = old.clone();
        anonymous.layers[0].diff_id = None;
        let d = compare(&anonymous, &new);
        assert_eq!((d.base, d.common_bottom), (BaseRelation::Changed, 0));
        assert_eq!(compare(&anonymous, &anonymous).common_bottom, 0);
    }
}
