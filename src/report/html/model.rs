//! What the HTML page shows, as the JSON its script reads: the JSON
//! report's image, layers, findings, verdict and warnings (the same keys),
//! dive's figures, the wasted bytes per layer, the largest wasted entries
//! and the [`Treemap`].

use serde::Serialize;

use super::treemap::{self, Treemap};
use crate::layer::{LayerIdx, path};
use crate::pipeline::Outcome;
use crate::report::json::{self, CiSection, ImageSection, LayerSection};

/// Wasted entries the page's table holds at most (largest first); the JSON
/// report has them all.
pub const WASTED_ROWS: usize = 5_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<'a> {
    /// `peel --version`'s line.
    pub peel: &'static str,
    pub image: ImageSection<'a>,
    pub layers: Vec<LayerSection>,
    /// By layer: the bytes it added that a later layer hid.
    pub layer_wasted: Vec<u64>,
    pub dive: Dive,
    pub findings: &'a [crate::findings::Finding],
    pub ci: Option<CiSection>,
    pub warnings: Vec<String>,
    pub wasted: Vec<Wasted>,
    /// All the wasted entries, of which `wasted` holds the largest.
    pub wasted_count: usize,
    pub tree: Treemap,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dive {
    pub efficiency_score: f64,
    pub inefficient_bytes: u64,
    /// `null` where dive's value is +Inf, as in the JSON report.
    pub user_wasted_percent: f64,
}

/// A wasted entry, as an array (`[path, layer, bytes, reason, hiddenBy]`):
/// thousands of rows, keys once in the script rather than in every row.
#[derive(Serialize)]
pub struct Wasted(
    pub String,
    pub LayerIdx,
    pub u64,
    pub &'static str,
    pub LayerIdx,
);

pub fn build(outcome: &Outcome) -> Page<'_> {
    let report = json::build(outcome);
    let exact = &outcome.analysis.exact;
    let mut layer_wasted = vec![0u64; report.layers.len()];
    for waste in &exact.wasted {
        if let Some(bytes) = layer_wasted.get_mut(waste.layer.index()) {
            *bytes += waste.bytes;
        }
    }
    Page {
        peel: super::PEEL_VERSION,
        image: report.image,
        layers: report.layers,
        layer_wasted,
        dive: Dive {
            efficiency_score: report.dive.efficiency_score,
            inefficient_bytes: report.dive.inefficient_bytes,
            user_wasted_percent: report.dive.user_wasted_percent,
        },
        findings: report.findings,
        ci: report.ci,
        warnings: report.warnings,
        wasted: exact
            .wasted
            .iter()
            .take(WASTED_ROWS)
            .map(|w| {
                Wasted(
                    path::display(&w.path),
                    w.layer,
                    w.bytes,
                    w.reason.name(),
                    w.hidden_by,
                )
            })
            .collect(),
        wasted_count: exact.wasted.len(),
        tree: treemap::build(&outcome.analysis.tree, exact),
    }
}
