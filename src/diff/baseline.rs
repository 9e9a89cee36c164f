//! A baseline report: a JSON report of `peel --json` read back as the OLD
//! [`Side`] of a comparison. The report's `baseline` key (written by
//! [`crate::report::json`]) holds what the rest of the report does not: the
//! final files (path, size, content hash, attributes, layer) and the
//! deleted paths. Its `version` says how to read it.

use serde::Deserialize;
use serde_json::Value;

use super::files::{Deleted, FileRow, sort_paths};
use super::side::{Figures, FindingRow, LayerRow, Side, WasteRow, base_name};
use crate::error::{Error, Result};
use crate::layer::LayerIdx;

/// The version of the `baseline` key this peel writes and reads.
pub const VERSION: u64 = 1;

/// The largest report read (a 100k-file image's is about 16 MB; parsed, a
/// report takes a few times its size).
pub const MAX_BYTES: u64 = 256 << 20;

/// Whether `bytes` (a file's first bytes) look like a JSON report rather
/// than an archive (tars and compressed blobs never start with `{`).
pub fn looks_like_report(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// A JSON object that keeps its keys in the order read (`serde_json`'s map
/// sorts them): the `image` object of a report, shown again as it was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(pub Vec<(String, Value)>);

impl Object {
    /// A value serialised to an object (its fields in declaration order).
    pub fn of<T: serde::Serialize>(value: &T) -> Object {
        let text = serde_json::to_string(value).expect("the value serialises");
        serde_json::from_str(&text).unwrap_or_default()
    }
}

impl serde::Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Object, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Object(entries))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// What is read first: whether the bytes are a peel report, and which
/// version of the `baseline` key it holds (everything else skipped).
#[derive(Deserialize)]
struct Probe {
    image: Option<serde::de::IgnoredAny>,
    baseline: Option<ProbeBaseline>,
}

#[derive(Deserialize)]
struct ProbeBaseline {
    version: Option<Value>,
}

/// Read a report; the side and the report's `image` object. `what` names
/// the report in errors. Parsed straight into the rows it keeps (no
/// document tree): a report takes about twice its size in memory.
pub fn read(bytes: &[u8], what: &str) -> Result<(Side, Object)> {
    let corrupt =
        |why: String| Error::invalid(what, format!("not a usable baseline report: {why}"));
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| {
        let why = if e.is_syntax() || e.is_eof() {
            format!("not JSON ({e})")
        } else {
            format!("not a peel JSON report ({e})")
        };
        corrupt(why)
    })?;
    if probe.image.is_none() {
        return Err(corrupt("no `image` object: not a peel JSON report".into()));
    }
    let Some(baseline) = probe.baseline else {
        return Err(Error::invalid(
            what,
            "a peel report without the `baseline` key (written by a peel before 0.2?): write it again with this peel's --json",
        ));
    };
    match baseline.version.as_ref().and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => {
            return Err(Error::invalid(
                what,
                format!(
                    "baseline report version {other}; this peel reads version {VERSION}: write it again with this peel's --json"
                ),
            ));
        }
        None => return Err(corrupt("`baseline.version` is not a number".into())),
    }
    let report: ReportIn = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let image = report.image;
    let figures: ImageIn = serde_json::from_value(Value::Object(image.0.iter().cloned().collect()))
        .map_err(|e| corrupt(format!("image: {e}")))?;
    let mut files: Vec<FileRow> = report.baseline.files.into_iter().map(|f| f.0).collect();
    sort_paths(&mut files, |f| &f.path);
    let mut deleted: Vec<Deleted> = report
        .baseline
        .deleted
        .into_iter()
        .map(|(path, layer)| (relative(&path), layer))
        .collect();
    sort_paths(&mut deleted, |d| &d.0);
    let side = Side {
        reference: figures.reference.clone(),
        figures: Figures {
            total_bytes: figures.total_bytes,
            visible_bytes: figures.visible_bytes,
            wasted_bytes: figures.wasted_bytes,
            efficiency: figures.efficiency.unwrap_or(1.0),
            user_wasted_bytes: figures.user_wasted_bytes,
            file_count: figures.file_count,
            layer_count: report.layers.len() as u64,
            compressed_bytes: report.layers.iter().map(|l| l.compressed_bytes).sum(),
        },
        base_layers: figures.base_layers,
        declared_base: figures
            .base_image
            .and_then(|b| base_name(b.name.as_deref(), b.digest.as_deref())),
        layers: report
            .layers
            .into_iter()
            .map(|l| LayerRow {
                diff_id: l.digest,
                size: l.size_bytes,
                compressed: l.compressed_bytes,
                command: l.command,
            })
            .collect(),
        files,
        deleted,
        wasted: report
            .wasted
            .into_iter()
            .map(|w| WasteRow {
                path: w.path,
                bytes: w.bytes,
            })
            .collect(),
        findings: report.findings,
    };
    Ok((side, image))
}

/// `/a/b` → `a/b`, as [`FileRow::path`] keeps it.
fn relative(shown: &str) -> Box<[u8]> {
    shown.strip_prefix('/').unwrap_or(shown).as_bytes().into()
}

fn hex(text: &str) -> Option<u64> {
    (text.len() == 16)
        .then(|| u64::from_str_radix(text, 16).ok())
        .flatten()
}

#[derive(Deserialize)]
struct ReportIn {
    image: Object,
    layers: Vec<LayerIn>,
    wasted: Vec<WasteIn>,
    findings: Vec<FindingRow>,
    baseline: BaselineIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageIn {
    reference: String,
    total_bytes: u64,
    visible_bytes: u64,
    wasted_bytes: u64,
    /// `null` in no report peel writes, but a NaN would be.
    efficiency: Option<f64>,
    user_wasted_bytes: u64,
    file_count: u64,
    base_layers: usize,
    base_image: Option<BaseIn>,
}

#[derive(Deserialize)]
struct BaseIn {
    name: Option<String>,
    digest: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LayerIn {
    digest: Option<String>,
    size_bytes: u64,
    compressed_bytes: Option<u64>,
    command: String,
}

#[derive(Deserialize)]
struct WasteIn {
    path: String,
    bytes: u64,
}

#[derive(Deserialize)]
struct BaselineIn {
    files: Vec<FileIn>,
    /// `[path, layer]`.
    #[serde(default)]
    deleted: Vec<(String, LayerIdx)>,
}

/// `[path, size, content hash, attributes hash, layer]`, read into its row.
struct FileIn(FileRow);

impl<'de> Deserialize<'de> for FileIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let (path, size, hash, attrs, layer) = <(
            std::borrow::Cow<'de, str>,
            u64,
            std::borrow::Cow<'de, str>,
            std::borrow::Cow<'de, str>,
            LayerIdx,
        )>::deserialize(d)?;
        let bad = |what: &str| D::Error::custom(format!("file {path}: bad {what}"));
        Ok(FileIn(FileRow {
            path: relative(&path),
            size,
            hash: hex(&hash).ok_or_else(|| bad("hash"))?,
            attrs: hex(&attrs).ok_or_else(|| bad("attributes"))?,
            layer,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_baseline_says_why_in_one_line() {
        let cases = [
            ("[1", "not JSON"),
            ("{\"a\": 1}", "no `image` object"),
            ("{\"image\": {}}", "without the `baseline` key"),
            (
                "{\"image\": {}, \"baseline\": {\"version\": 7}}",
                "version 7; this peel reads version 1",
            ),
            (
                "{\"image\": {}, \"baseline\": {\"version\": 1}}",
                "not a usable baseline report",
            ),
        ];
        for (text, phrase) in cases {
            let err = read(text.as_bytes(), "r.json").unwrap_err().to_string();
            assert!(err.starts_with("r.json: "), "{err}");
            assert!(err.contains(phrase), "{text}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert!(looks_like_report(b"  \n{\"image\""));
        assert!(!looks_like_report(b"\x1f\x8b"));
    }
}
