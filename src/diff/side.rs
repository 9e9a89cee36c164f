//! One side of a comparison: what `peel diff` needs of an image, read from
//! a live [`Outcome`] or from a baseline JSON report ([`super::baseline`]),
//! so that both kinds of OLD give the same answers.

use crate::analysis::exact::Waste;
use crate::findings::Finding;
use crate::layer::{LayerIdx, path};
use crate::pipeline::Outcome;

use super::files::{Deleted, FileRow, final_files};

/// The figures compared side by side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub total_bytes: u64,
    pub visible_bytes: u64,
    pub wasted_bytes: u64,
    pub efficiency: f64,
    pub user_wasted_bytes: u64,
    pub file_count: u64,
    pub layer_count: u64,
    /// The sum of the layers' compressed sizes, when every one is known.
    pub compressed_bytes: Option<u64>,
}

/// One layer, as the comparison needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRow {
    /// `sha256:…` of the uncompressed tar, when the image says it.
    pub diff_id: Option<String>,
    pub size: u64,
    pub compressed: Option<u64>,
    pub command: String,
}

/// One finding, as the comparison matches and shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingRow {
    pub kind: String,
    pub severity: String,
    pub bytes: u64,
    pub layers: Vec<LayerIdx>,
    pub paths: Vec<String>,
    pub path_count: usize,
    pub command: Option<String>,
    pub advice: String,
}

impl From<&Finding> for FindingRow {
    fn from(f: &Finding) -> Self {
        FindingRow {
            kind: f.kind.name().to_string(),
            severity: f.severity.name().to_string(),
            bytes: f.bytes,
            layers: f.layers.clone(),
            paths: f.paths.clone(),
            path_count: f.path_count,
            command: f.command.clone(),
            advice: f.advice.clone(),
        }
    }
}

/// One wasted entry: its path (as the reports show it) and bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct WasteRow {
    pub path: String,
    pub bytes: u64,
}

impl From<&Waste> for WasteRow {
    fn from(w: &Waste) -> Self {
        WasteRow {
            path: path::display(&w.path),
            bytes: w.bytes,
        }
    }
}

/// Everything compared of one image.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub reference: String,
    pub figures: Figures,
    /// How many bottom layers are the base image's.
    pub base_layers: usize,
    /// The base image the image declares (`NAME@DIGEST`), if any.
    pub declared_base: Option<String>,
    pub layers: Vec<LayerRow>,
    /// The final filesystem's non-directory entries, in path order
    /// ([`super::files::path_order`]).
    pub files: Vec<FileRow>,
    /// Paths a layer deleted (whiteouts, opaque directories), with that
    /// layer, in path order: which layer removed a file, where it is known.
    pub deleted: Vec<Deleted>,
    pub wasted: Vec<WasteRow>,
    pub findings: Vec<FindingRow>,
}

impl Side {
    /// The side of an analysed image.
    pub fn of(outcome: &Outcome) -> Side {
        let image = outcome.image();
        let exact = &outcome.exact;
        let (files, deleted) = final_files(&outcome.tree);
        let compressed: Option<Vec<u64>> = image.layers.iter().map(|l| l.compressed_size).collect();
        Side {
            reference: image.reference.clone(),
            figures: Figures {
                total_bytes: exact.total_bytes,
                visible_bytes: exact.visible_bytes,
                wasted_bytes: exact.wasted_bytes,
                efficiency: exact.efficiency,
                user_wasted_bytes: exact.user_wasted_bytes,
                file_count: exact.file_count,
                layer_count: image.layers.len() as u64,
                compressed_bytes: compressed.map(|c| c.iter().sum()),
            },
            base_layers: exact.base_layers,
            declared_base: crate::analysis::base::declared(image)
                .and_then(|d| base_name(d.name.as_deref(), d.digest.as_deref())),
            layers: image
                .layers
                .iter()
                .map(|l| LayerRow {
                    diff_id: l.diff_id.as_ref().map(ToString::to_string),
                    size: l.changes.size,
                    compressed: l.compressed_size,
                    command: l.command(),
                })
                .collect(),
            files,
            deleted,
            wasted: exact.wasted.iter().map(WasteRow::from).collect(),
            findings: outcome.findings.iter().map(FindingRow::from).collect(),
        }
    }

    /// The command of layer `index`, if the image has that layer.
    pub fn command(&self, index: LayerIdx) -> Option<&str> {
        self.layers.get(index.index()).map(|l| l.command.as_str())
    }
}

/// A declared base for people: `NAME@DIGEST`, or the one that is known.
pub fn base_name(name: Option<&str>, digest: Option<&str>) -> Option<String> {
    match (name, digest) {
        (Some(name), Some(digest)) => Some(format!("{name}@{digest}")),
        (Some(only), None) | (None, Some(only)) => Some(only.to_string()),
        (None, None) => None,
    }
}
