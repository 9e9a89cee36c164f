//! The reports of `peel diff` (and of `--baseline`): text, JSON and
//! Markdown of one [`Comparison`], with the same escaping as the
//! single-image reports.

pub mod json;
pub mod markdown;
pub mod text;

use super::size;
use crate::ci::Verdict;
use crate::diff::baseline::Object;
use crate::diff::figures::{FigureDelta, Unit};
use crate::diff::layers::BaseRelation;
use crate::diff::{Comparison, Side};

/// What the three reports show.
pub struct DiffView<'a> {
    pub old: &'a Side,
    pub new: &'a Side,
    /// The single-image report's `image` object of each side.
    pub old_image: &'a Object,
    pub new_image: &'a Object,
    pub comparison: &'a Comparison,
    /// The growth rules' verdict, when judged.
    pub verdict: Option<&'a Verdict>,
}

/// How many file and directory changes the text and Markdown list.
pub const LISTED: usize = 10;

/// A signed byte count for people: `+1.2 MB`, `-300 B`, `0 B`.
pub fn signed_size(delta: i64) -> String {
    match delta {
        0 => "0 B".into(),
        d if d > 0 => format!("+{}", size(d.unsigned_abs())),
        d => format!("-{}", size(d.unsigned_abs())),
    }
}

/// A figure's value for people.
fn value(unit: Unit, v: Option<f64>) -> String {
    match (unit, v) {
        (_, None) => "-".into(),
        (Unit::Bytes, Some(b)) => size(b as u64),
        (Unit::Ratio, Some(r)) => super::percent(r),
        (Unit::Count, Some(c)) => format!("{c}"),
    }
}

/// A figure's delta for people: `+1.2 MB (+14.63 %)`.
fn delta(f: &FigureDelta) -> String {
    let Some(d) = f.delta() else {
        return "-".into();
    };
    let absolute = match f.unit {
        Unit::Bytes => signed_size(d as i64),
        _ if d == 0.0 => "0".into(),
        Unit::Ratio => format!("{:+.2} pt", d * 100.0),
        Unit::Count => format!("{:+}", d as i64),
    };
    match f.relative() {
        Some(r) if f.unit != Unit::Ratio && d != 0.0 => {
            format!("{absolute} ({:+.2} %)", r * 100.0)
        }
        _ => absolute,
    }
}

/// A figure's row for people: label, old, new, delta.
fn figure_cells(f: &FigureDelta) -> [String; 4] {
    [
        f.label.to_string(),
        value(f.unit, f.old),
        value(f.unit, f.new),
        delta(f),
    ]
}

/// Whether OLD has NEW's layer `index`: `shared` or `new`.
fn layer_mark(c: &Comparison, index: usize) -> &'static str {
    if c.layers.shared_by_layer[index] {
        "shared"
    } else {
        "new"
    }
}

/// `1.2 MB new at 3 paths, 0 B gone at 0 paths`.
fn waste_summary(c: &Comparison) -> String {
    format!(
        "{} new at {} paths, {} gone at {} paths",
        size(c.waste.new_bytes),
        c.waste.new.len(),
        size(c.waste.gone_bytes),
        c.waste.gone.len()
    )
}

/// The pull cost for people, with how it is known.
fn pull_cost(c: &Comparison) -> String {
    let how = if c.layers.pull_cost_exact {
        "compressed"
    } else {
        "uncompressed: compressed sizes not known"
    };
    format!("{} ({how})", size(c.layers.pull_cost_bytes))
}

/// Whether the base changed, for people: `unchanged`, `changed`, or how
/// one image is built on the other.
fn base_verdict(base: BaseRelation) -> &'static str {
    match base {
        BaseRelation::SameLayers => "unchanged: the same layers",
        BaseRelation::NewOnOld => "unchanged: NEW is built on OLD",
        BaseRelation::OldOnNew => "unchanged: OLD is built on NEW",
        BaseRelation::SameBase => "unchanged",
        BaseRelation::Changed => "changed",
    }
}

/// A path as the reports show it.
fn shown(path: &[u8]) -> String {
    format!("/{}", String::from_utf8_lossy(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_figures() {
        assert_eq!(signed_size(1_200_000), "+1.20 MB");
        assert_eq!(signed_size(-300), "-300 B");
        assert_eq!(signed_size(0), "0 B");
        let f = FigureDelta {
            key: "visibleBytes",
            label: "visible",
            unit: Unit::Bytes,
            old: Some(1000.0),
            new: Some(1500.0),
        };
        assert_eq!(delta(&f), "+500 B (+50.00 %)");
        let e = FigureDelta {
            unit: Unit::Ratio,
            old: Some(0.9),
            new: Some(0.85),
            ..f
        };
        assert_eq!(delta(&e), "-5.00 pt");
        let same = FigureDelta {
            new: Some(0.9),
            ..e
        };
        assert_eq!(delta(&same), "0");
    }
}
