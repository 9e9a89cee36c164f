//! Headless reports of an [`Analysis`](crate::analysis::Analysis): text for
//! people, JSON for machines. One size format everywhere.

pub mod json;
pub mod markdown;
pub mod text;

use humansize::{DECIMAL, format_size};

/// A byte count for humans (SI units, as dive prints them).
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
}

/// A ratio as a percentage with two decimals.
pub fn percent(ratio: f64) -> String {
    format!("{:.2} %", ratio * 100.0)
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
