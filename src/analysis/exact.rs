//! peel's own figures: what an OCI unpacker leaves visible, and where every
//! other byte went (README, "How the figures are defined", exact figures).

use crate::layer::{LayerIdx, SecretContent};
use crate::tree::{HideReason, State, Tree};

/// A hidden regular-file entry whose bytes are not in the final image.
#[derive(Debug, Clone, PartialEq)]
pub struct Waste {
    /// Canonical path of the entry.
    pub path: Vec<u8>,
    /// The layer whose entry carried the bytes.
    pub layer: LayerIdx,
    pub bytes: u64,
    pub reason: HideReason,
    /// The layer that hid the entry.
    pub hidden_by: LayerIdx,
    /// What the content looks like, if a secret.
    pub secret: Option<SecretContent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExactFigures {
    pub total_bytes: u64,
    pub visible_bytes: u64,
    pub wasted_bytes: u64,
    /// Wasted bytes under `--ignore` globs: not counted as wasted.
    pub accepted_bytes: u64,
    pub efficiency: f64,
    pub base_layers: usize,
    pub user_bytes: u64,
    pub user_wasted_bytes: u64,
    pub user_wasted_percent: f64,
    /// Paths that are not directories in the final image.
    pub file_count: u64,
    /// Largest first; ties by path, then layer.
    pub wasted: Vec<Waste>,
}

/// Compute the exact figures from the stacked tree and the layer sizes.
pub fn compute(tree: &Tree, layer_sizes: &[u64], base_layers: usize) -> ExactFigures {
    let total_bytes: u64 = layer_sizes.iter().sum();
    // Which file entries the final image shows (hardlinks share one).
    let mut visible = vec![false; tree.files.len()];
    let mut file_count = 0u64;
    for node in &tree.nodes[1..] {
        if let Some(State::Present { meta, content, .. }) = node.current() {
            if !meta.kind.is_dir() {
                file_count += 1;
            }
            if let Some(file) = content {
                visible[*file as usize] = true;
            }
        }
    }
    let visible_bytes: u64 = tree
        .files
        .iter()
        .zip(&visible)
        .filter(|(_, shown)| **shown)
        .map(|(file, _)| file.size)
        .sum();
    let mut wasted: Vec<Waste> = tree
        .files
        .iter()
        .zip(&visible)
        .filter(|(file, shown)| file.size > 0 && !**shown)
        .map(|(file, _)| {
            // An entry whose bytes are not visible was hidden: its path was
            // overwritten, deleted, hidden by an opaque marker or replaced.
            let (hidden_by, reason) = file.hidden.unwrap_or((file.layer, HideReason::Deleted));
            Waste {
                path: tree.path_of(file.node),
                layer: file.layer,
                bytes: file.size,
                reason,
                hidden_by,
                secret: file.secret,
            }
        })
        .collect();
    wasted.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.layer.cmp(&b.layer))
    });
    let wasted_bytes = total_bytes - visible_bytes;
    let base_layers = base_layers.min(layer_sizes.len());
    let user_bytes: u64 = layer_sizes[base_layers..].iter().sum();
    let user_wasted_bytes: u64 = wasted
        .iter()
        .filter(|w| w.hidden_by.index() >= base_layers)
        .map(|w| w.bytes)
        .sum();
    ExactFigures {
        total_bytes,
        visible_bytes,
        wasted_bytes,
        accepted_bytes: 0,
        efficiency: ratio(visible_bytes, total_bytes, 1.0),
        base_layers,
        user_bytes,
        user_wasted_bytes,
        user_wasted_percent: ratio(user_wasted_bytes, user_bytes, 0.0),
        file_count,
        wasted,
    }
}

impl ExactFigures {
    /// Move the wasted entries whose path `accepted` says yes to into
    /// `accepted_bytes`: efficiency becomes (total - wasted) / total.
    pub fn accept(&mut self, accepted: impl Fn(&[u8]) -> bool) {
        let (taken, kept): (Vec<Waste>, Vec<Waste>) =
            self.wasted.drain(..).partition(|w| accepted(&w.path));
        self.wasted = kept;
        let bytes: u64 = taken.iter().map(|w| w.bytes).sum();
        let user: u64 = taken
            .iter()
            .filter(|w| w.hidden_by.index() >= self.base_layers)
            .map(|w| w.bytes)
            .sum();
        self.accepted_bytes += bytes;
        self.wasted_bytes -= bytes;
        self.user_wasted_bytes -= user;
        self.efficiency = ratio(
            self.visible_bytes + self.accepted_bytes,
            self.total_bytes,
            1.0,
        );
        self.user_wasted_percent = ratio(self.user_wasted_bytes, self.user_bytes, 0.0);
    }
}

/// `num / den`, or `if_zero` when the denominator is 0.
pub fn ratio(num: u64, den: u64, if_zero: f64) -> f64 {
    if den == 0 {
        if_zero
    } else {
        num as f64 / den as f64
    }
}
