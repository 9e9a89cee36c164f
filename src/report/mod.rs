//! Headless reports of an [`Analysis`](crate::analysis::Analysis): text for
//! people, JSON for machines. One size format everywhere.

pub mod json;
pub mod markdown;
pub mod text;

use humansize::{DECIMAL, format_size};

/// Whether a terminal or a viewer may act on `c` rather than show it: the
/// control characters (C0, DEL, C1: escape sequences, newlines, carriage
/// returns) and the Unicode line separators and bidirectional controls.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text from the image (names, commands, tags, labels, engine messages) made
/// safe for every text output (the reports, stderr, the UI): each character
/// [`is_unsafe`] becomes `\xNN` (below U+0100) or `\u{NNNN}`, so one line
/// stays one line.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A byte count for humans (SI units, as dive prints them).
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
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
