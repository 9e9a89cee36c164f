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
