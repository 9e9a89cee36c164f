//! Headless reports of an [`Outcome`](crate::pipeline::Outcome): text for
//! people, JSON for machines. One size format everywhere.

pub mod annotations;
pub mod diff;
pub mod html;
pub mod json;
pub mod markdown;
pub mod text;

use humansize::{DECIMAL, format_size};

pub use crate::safe_text::{is_unsafe, sanitize};

/// A byte count for humans (SI units, as dive prints them).
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
}

/// `1 file`, `2 files`: a count with its noun.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A ratio as a percentage with two decimals; dive's infinite user wasted
/// percent as dive prints it, `+Inf %`.
pub fn percent(ratio: f64) -> String {
    if ratio == f64::INFINITY {
        return "+Inf %".to_string();
    }
    format!("{:.2} %", ratio * 100.0)
}

/// A ratio as a rule value or threshold, four decimals (`+Inf` as dive says it).
pub fn ratio(ratio: f64) -> String {
    if ratio == f64::INFINITY {
        return "+Inf".to_string();
    }
    format!("{ratio:.4}")
}

/// dive's user wasted percent, with why it is infinite when it is.
pub fn dive_user_wasted(dive: &crate::analysis::DiveFigures) -> String {
    let shown = percent(dive.user_wasted_percent);
    if dive.user_wasted_percent.is_infinite() {
        format!("{shown} (wasted bytes but 0 bytes above layer 0: dive fails any threshold)")
    } else {
        shown
    }
}

/// The base image the image declares, for people: `NAME@DIGEST (annotation)`.
pub fn base_image(analysis: &crate::analysis::Analysis) -> Option<String> {
    let declared = crate::analysis::base::declared(&analysis.image)?;
    let named = match (&declared.name, &declared.digest) {
        (Some(name), Some(digest)) => format!("{name}@{digest}"),
        (Some(only), None) | (None, Some(only)) => only.clone(),
        (None, None) => return None,
    };
    Some(format!("{named} ({})", declared.from.name()))
}
