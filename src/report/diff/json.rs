//! `peel diff --json`. The keys `old`, `new`, `delta`, `layers`, `files`,
//! `directories`, `findings` and `ci` are a contract (README documents
//! them); new keys may be added, none renamed or removed.

use serde::Serialize;
use serde_json::{Value, json};

use super::{DiffView, shown};
use crate::diff::baseline::Object;
use crate::diff::figures::Unit;
use crate::diff::side::FindingRow;
use crate::layer::LayerIdx;
use crate::report::json::{CiSection, ci_section, to_text};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiffReport<'a> {
    old: &'a Object,
    new: &'a Object,
    /// NEW minus OLD, per figure.
    delta: Object,
    /// Per figure: `old`, `new`, `delta`, `percent` (of OLD).
    figures: Object,
    layers: LayersSection<'a>,
    files: Vec<FileSection<'a>>,
    directories: Vec<DirSection>,
    waste: WasteSection<'a>,
    findings: FindingsSection<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci: Option<CiSection>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LayersSection<'a> {
    shared: usize,
    added: usize,
    removed: usize,
    pull_cost_bytes: u64,
    pull_cost_exact: bool,
    base_changed: bool,
    /// How the two images' bottoms relate ([`crate::diff::layers::BaseRelation`]).
    base_relation: &'static str,
    /// The bottom layers equal in both, position by position.
    common_bottom_layers: usize,
    /// NEW's layers, each with whether OLD has it.
    list: Vec<LayerSection<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerSection<'a> {
    index: LayerIdx,
    digest: Option<&'a str>,
    size_bytes: u64,
    compressed_bytes: Option<u64>,
    command: &'a str,
    shared: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileSection<'a> {
    path: String,
    change: &'static str,
    old_bytes: u64,
    new_bytes: u64,
    delta_bytes: i64,
    layer: Option<LayerIdx>,
    command: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DirSection {
    path: String,
    delta_bytes: i64,
    files: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WasteSection<'a> {
    new_bytes: u64,
    gone_bytes: u64,
    new: Vec<WasteRow<'a>>,
    gone: Vec<WasteRow<'a>>,
}

#[derive(Serialize)]
struct WasteRow<'a> {
    path: &'a str,
    bytes: u64,
}

#[derive(Serialize)]
struct FindingsSection<'a> {
    new: &'a [FindingRow],
    resolved: &'a [FindingRow],
}

fn waste_rows(rows: &[crate::diff::side::WasteRow]) -> Vec<WasteRow<'_>> {
    rows.iter()
        .map(|w| WasteRow {
            path: &w.path,
            bytes: w.bytes,
        })
        .collect()
}

/// A figure as JSON: whole numbers for bytes and counts.
fn number(unit: Unit, v: Option<f64>) -> Value {
    match (unit, v) {
        (_, None) => Value::Null,
        (Unit::Ratio, Some(r)) => json!(r),
        (_, Some(n)) => json!(n as i64),
    }
}

pub fn render(view: &DiffView<'_>) -> String {
    let c = view.comparison;
    let mut delta = Object::default();
    let mut figures = Object::default();
    for f in &c.figures {
        delta.0.push((f.key.into(), number(f.unit, f.delta())));
        figures.0.push((
            f.key.into(),
            json!({
                "old": number(f.unit, f.old),
                "new": number(f.unit, f.new),
                "delta": number(f.unit, f.delta()),
                "percent": f.relative().map(|r| r * 100.0),
            }),
        ));
    }
    let report = DiffReport {
        old: view.old_image,
        new: view.new_image,
        delta,
        figures,
        layers: LayersSection {
            shared: c.layers.shared,
            added: c.layers.added,
            removed: c.layers.removed,
            pull_cost_bytes: c.layers.pull_cost_bytes,
            pull_cost_exact: c.layers.pull_cost_exact,
            base_changed: c.layers.base_changed(),
            base_relation: c.layers.base.name(),
            common_bottom_layers: c.layers.common_bottom,
            list: view
                .new
                .layers
                .iter()
                .zip(LayerIdx::all(view.new.layers.len()))
                .map(|(l, index)| LayerSection {
                    index,
                    digest: l.diff_id.as_deref(),
                    size_bytes: l.size,
                    compressed_bytes: l.compressed,
                    command: &l.command,
                    shared: c.layers.shared_by_layer[index.index()],
                })
                .collect(),
        },
        files: c
            .files
            .iter()
            .map(|f| FileSection {
                path: shown(&f.path),
                change: f.change.name(),
                old_bytes: f.old_bytes,
                new_bytes: f.new_bytes,
                delta_bytes: f.delta(),
                layer: f.layer,
                command: f.layer.and_then(|l| view.new.command(l)),
            })
            .collect(),
        directories: c
            .directories
            .iter()
            .map(|d| DirSection {
                path: shown(&d.path),
                delta_bytes: d.delta,
                files: d.files,
            })
            .collect(),
        waste: WasteSection {
            new_bytes: c.waste.new_bytes,
            gone_bytes: c.waste.gone_bytes,
            new: waste_rows(&c.waste.new),
            gone: waste_rows(&c.waste.gone),
        },
        findings: FindingsSection {
            new: &c.findings.new,
            resolved: &c.findings.resolved,
        },
        ci: view.verdict.map(ci_section),
    };
    to_text(&report)
}
