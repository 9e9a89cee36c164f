//! `peel diff OLD NEW` and `--baseline`: two images (or an image and an
//! earlier JSON report) compared. Each input becomes a [`Side`]; the
//! comparison is one module per question:
//!
//! - [`figures`]: the figures side by side, with their deltas;
//! - [`layers`]: layers shared by diff id, the pull cost, the base changed;
//! - [`files`]: the final filesystems path by path, and [`directories`]
//!   their changes rolled up;
//! - [`findings`]: waste and findings new and gone;
//! - [`baseline`]: a JSON report read back as a side.

pub mod baseline;
pub mod directories;
pub mod figures;
pub mod files;
pub mod findings;
pub mod layers;
pub mod side;

pub use side::Side;

/// Everything `peel diff` reports of two sides.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub figures: Vec<figures::FigureDelta>,
    pub layers: layers::LayerDelta,
    pub files: Vec<files::FileChange>,
    pub directories: Vec<directories::DirChange>,
    pub waste: findings::WasteDelta,
    pub findings: findings::FindingDelta,
}

impl Comparison {
    /// The figure of JSON key `key` (`visibleBytes`).
    pub fn figure(&self, key: &str) -> Option<&figures::FigureDelta> {
        self.figures.iter().find(|f| f.key == key)
    }
}

pub fn compare(old: &Side, new: &Side) -> Comparison {
    let files = files::compare(&old.files, &new.files, &new.deleted);
    Comparison {
        figures: figures::compare(&old.figures, &new.figures),
        layers: layers::compare(old, new),
        directories: directories::roll_up(&files),
        files,
        waste: findings::waste(&old.wasted, &new.wasted),
        findings: findings::compare(&old.findings, &new.findings),
    }
}

impl Comparison {
    /// What the growth rules judge ([`crate::ci::growth`]).
    pub fn growths(&self, old: &Side, new: &Side) -> crate::ci::growth::Growths {
        crate::ci::growth::Growths {
            old_visible_bytes: old.figures.visible_bytes,
            new_visible_bytes: new.figures.visible_bytes,
            pull_cost_bytes: self.layers.pull_cost_bytes,
            old_wasted_bytes: old.figures.wasted_bytes,
            new_wasted_bytes: new.figures.wasted_bytes,
            new_findings: self
                .findings
                .new
                .iter()
                .filter_map(|f| crate::findings::Kind::from_name(&f.kind))
                .collect(),
        }
    }
}
