//! Untrusted text (names, commands, tags, labels, engine messages) made safe
//! to print: one escaping for every output (the reports, stderr, the UI).

use std::borrow::Cow;

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
    sanitize_cow(s).into_owned()
}

/// [`sanitize`] without a copy when there is nothing to escape.
pub fn sanitize_cow(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
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
    Cow::Owned(out)
}
