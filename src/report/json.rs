//! The JSON report. The keys below are a stable contract (README documents
//! them); new keys may be added, none renamed or removed.

use serde::Serialize;

use crate::ci::Number;
use crate::layer::{LayerIdx, path};
use crate::pipeline::Outcome;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    pub image: ImageSection<'a>,
    pub layers: Vec<LayerSection>,
    pub wasted: Vec<WasteSection>,
    pub dive: DiveSection,
    pub findings: &'a [crate::findings::Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiSection>,
    pub warnings: Vec<String>,
    /// `--dockerfile`: its path and the history entries no line made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<&'a crate::dockerfile::Mapping>,
    /// What a later `peel diff` or `--baseline` needs of this image.
    pub baseline: BaselineSection,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSection<'a> {
    pub reference: &'a str,
    pub source: &'a str,
    pub tags: &'a [String],
    pub platform: Option<&'a str>,
    pub layer_count: usize,
    pub total_bytes: u64,
    pub visible_bytes: u64,
    pub wasted_bytes: u64,
    pub accepted_bytes: u64,
    pub efficiency: f64,
    pub base_layers: usize,
    pub base_layers_from: &'a str,
    /// The base image the image declares (annotations or labels), if any.
    pub base_image: Option<BaseImageSection<'a>>,
    pub user_bytes: u64,
    pub user_wasted_bytes: u64,
    pub user_wasted_percent: f64,
    pub file_count: u64,
    /// The image with every finding fixed.
    pub savings: crate::findings::savings::Savings,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseImageSection<'a> {
    pub name: Option<&'a str>,
    pub digest: Option<&'a str>,
    /// `annotation` or `label`.
    pub from: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSection {
    pub index: LayerIdx,
    pub digest: Option<String>,
    pub blob: String,
    pub compression: &'static str,
    pub size_bytes: u64,
    pub compressed_bytes: Option<u64>,
    pub command: String,
    pub created_by: Option<String>,
    pub entries: u64,
    /// The Dockerfile line that made the layer (`--dockerfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<crate::dockerfile::Line>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasteSection {
    pub path: String,
    pub layer: LayerIdx,
    pub bytes: u64,
    pub reason: &'static str,
    pub hidden_by: LayerIdx,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiveSection {
    pub efficiency_score: f64,
    pub inefficient_bytes: u64,
    /// `null` where dive's value is +Inf (wasted bytes, 0 bytes above layer
    /// 0): JSON has no infinity, and a finite stand-in would read as a figure.
    pub user_wasted_percent: f64,
    pub file_reference: Vec<FileRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    pub count: u32,
    pub size_bytes: u64,
    pub file: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiSection {
    pub passed: bool,
    pub judged: &'static str,
    pub rules: Vec<RuleSection>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSection {
    pub name: String,
    pub threshold: Option<serde_json::Value>,
    pub value: serde_json::Value,
    pub status: &'static str,
}

fn number(n: Number) -> serde_json::Value {
    match n {
        Number::Ratio(r) => serde_json::json!(r),
        Number::Bytes(b) => serde_json::json!(b),
        Number::Count(c) => serde_json::json!(c),
    }
}

pub fn build(outcome: &Outcome) -> Report<'_> {
    let analysis = &outcome.analysis;
    let verdict = outcome.verdict.as_ref();
    let image = &analysis.image;
    let exact = &analysis.exact;
    Report {
        image: image_section(outcome),
        layers: image
            .layers
            .iter()
            .zip(LayerIdx::all(image.layers.len()))
            .map(|(layer, index)| LayerSection {
                index,
                digest: layer.diff_id.as_ref().map(ToString::to_string),
                blob: layer.blob.clone(),
                compression: layer.compression.name(),
                size_bytes: layer.changes.size,
                compressed_bytes: layer.compressed_size,
                command: layer.command(),
                created_by: layer.history.as_ref().and_then(|h| h.created_by.clone()),
                entries: layer.changes.entry_count(),
                dockerfile: outcome
                    .dockerfile
                    .as_ref()
                    .and_then(|m| m.layers.get(index.index()).cloned().flatten()),
            })
            .collect(),
        wasted: exact
            .wasted
            .iter()
            .map(|w| WasteSection {
                path: path::display(&w.path),
                layer: w.layer,
                bytes: w.bytes,
                reason: w.reason.name(),
                hidden_by: w.hidden_by,
            })
            .collect(),
        dive: DiveSection {
            efficiency_score: analysis.dive.efficiency_score,
            inefficient_bytes: analysis.dive.inefficient_bytes,
            user_wasted_percent: analysis.dive.user_wasted_percent,
            file_reference: analysis
                .dive
                .file_reference
                .iter()
                .map(|f| FileRef {
                    count: f.count,
                    size_bytes: f.size_bytes,
                    file: f.file.clone(),
                })
                .collect(),
        },
        findings: &outcome.findings,
        ci: verdict.map(ci_section),
        warnings: image
            .warnings
            .iter()
            .chain(&analysis.tree.warnings)
            .cloned()
            .collect(),
        dockerfile: outcome.dockerfile.as_ref(),
        baseline: baseline_section(outcome),
    }
}

/// The report's `image` object (also `old` and `new` of `peel diff --json`).
pub fn image_section(outcome: &Outcome) -> ImageSection<'_> {
    let analysis = &outcome.analysis;
    let image = &analysis.image;
    let exact = &analysis.exact;
    ImageSection {
        reference: &image.reference,
        source: image.format,
        tags: &image.tags,
        platform: image.platform.as_deref(),
        layer_count: image.layers.len(),
        total_bytes: exact.total_bytes,
        visible_bytes: exact.visible_bytes,
        wasted_bytes: exact.wasted_bytes,
        accepted_bytes: exact.accepted_bytes,
        efficiency: exact.efficiency,
        base_layers: exact.base_layers,
        base_layers_from: analysis.base_layers_from.name(),
        base_image: crate::analysis::base::declared(image).map(|d| BaseImageSection {
            name: d.name.as_deref(),
            digest: d.digest.as_deref(),
            from: d.from.name(),
        }),
        user_bytes: exact.user_bytes,
        user_wasted_bytes: exact.user_wasted_bytes,
        user_wasted_percent: exact.user_wasted_percent,
        file_count: exact.file_count,
        savings: crate::findings::savings::total(image, exact.total_bytes, &outcome.findings),
    }
}

/// The report's `ci` object (also that of `peel diff --json`).
pub fn ci_section(v: &crate::ci::Verdict) -> CiSection {
    CiSection {
        passed: v.passed(),
        judged: if v.dive_compat {
            "dive-compatible"
        } else {
            "exact"
        },
        rules: v
            .rules
            .iter()
            .map(|r| RuleSection {
                name: r.name.clone(),
                threshold: r.threshold.map(number),
                value: number(r.value),
                status: r.status.name(),
            })
            .collect(),
    }
}

// ---- The baseline: what `--baseline report.json` reads back
// (`crate::diff::baseline`). Compact: one array per file.

/// The `baseline` key: the final files and the deleted paths.
#[derive(Serialize)]
pub struct BaselineSection {
    /// [`crate::diff::baseline::VERSION`].
    pub version: u64,
    /// `[path, size, content hash, attributes hash, layer]` of every
    /// visible non-directory entry, hashes as 16 hex digits (xxh3-64).
    pub files: Vec<(String, u64, String, String, LayerIdx)>,
    /// `[path, layer]`: the paths a layer deleted.
    pub deleted: Vec<(String, LayerIdx)>,
}

pub fn baseline_section(outcome: &Outcome) -> BaselineSection {
    let (files, deleted) = crate::diff::files::final_files(&outcome.tree);
    let shown = |p: &[u8]| format!("/{}", String::from_utf8_lossy(p));
    BaselineSection {
        version: crate::diff::baseline::VERSION,
        files: files
            .iter()
            .map(|f| {
                (
                    shown(&f.path),
                    f.size,
                    format!("{:016x}", f.hash),
                    format!("{:016x}", f.attrs),
                    f.layer,
                )
            })
            .collect(),
        deleted: deleted.iter().map(|(p, l)| (shown(p), *l)).collect(),
    }
}

pub fn render(outcome: &Outcome) -> String {
    to_text(&build(outcome))
}

/// Any report as pretty JSON, with [`Escaping`], ending in a new line.
pub fn to_text(value: &impl Serialize) -> String {
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, Escaping::default());
    value.serialize(&mut ser).expect("the report serialises");
    bytes.push(b'\n');
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// Formatter methods that hand the call to the wrapped PrettyFormatter:
/// `name` or `name, first` (those that take whether it is the first item).
macro_rules! pretty {
    ($($name:ident $(, $first:ident)?;)*) => {$(
        fn $name<W: ?Sized + std::io::Write>(
            &mut self,
            w: &mut W,
            $($first: bool,)?
        ) -> std::io::Result<()> {
            self.0.$name(w, $($first)?)
        }
    )*};
}

/// serde_json's pretty output, with every character a terminal may act on
/// ([`super::is_unsafe`]: DEL, C1, line separators, bidirectional controls,
/// which JSON allows raw) written as a `\uNNNN` escape: the same strings to
/// a parser, inert on a terminal (`--json -`).
#[derive(Default)]
struct Escaping(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if super::is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // The layout is PrettyFormatter's own.
    pretty! {
        begin_array;
        end_array;
        begin_array_value, first;
        end_array_value;
        begin_object;
        end_object;
        begin_object_key, first;
        begin_object_value;
        end_object_value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_a_terminal_acts_on_are_escaped_and_stay_the_same_strings() {
        let value = serde_json::json!({ "k\u{9b}": ["a\u{1b}[2J\u{7f}\u{202e}b\nc", 1.5, null] });
        let mut bytes = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut bytes, Escaping::default());
        value.serialize(&mut ser).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && super::super::is_unsafe(c)),
            "{text}"
        );
        assert!(text.contains("\\u007f\\u202eb\\nc"), "{text}");
        assert!(text.contains("\"k\\u009b\": ["), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // Pretty, as before.
        assert_eq!(
            text,
            serde_json::to_string_pretty(&value)
                .unwrap()
                .replace("\u{9b}", "\\u009b")
                .replace("\u{7f}\u{202e}", "\\u007f\\u202e")
        );
    }
}
