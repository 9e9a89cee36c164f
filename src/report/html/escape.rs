//! JSON that can sit inside `<script type="application/json">` whatever its
//! strings hold: `<`, `>` and `&` are written as `\u003c`, `\u003e` and
//! `\u0026` (so no `</script>`, `<!--` or `<script` can appear: the HTML
//! parser ends a script block only at `</script`, and treats `<!--` in one
//! specially), and every character [`is_unsafe`] says a viewer may act on
//! (controls, U+2028 and U+2029, bidirectional controls) as `\uNNNN`.
//! To `JSON.parse` the strings are unchanged.

use serde::Serialize;

use crate::safe_text::is_unsafe;

/// `value` as compact JSON, safe inside a script block.
pub fn script_json(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).expect("the report serialises");
    // Outside its strings, compact JSON is ASCII punctuation, digits and
    // letters: every character escaped here is inside a string, where
    // `\uNNNN` (all of them are in the Basic Multilingual Plane) reads as
    // the character itself.
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `c` is written as an escape.
fn escaped(c: char) -> bool {
    matches!(c, '<' | '>' | '&') || is_unsafe(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_string_can_end_the_script_or_start_markup() {
        let hostile = [
            "</script><script>alert(1)</script>",
            "</SCRIPT >",
            "<!-- <script>",
            "a\u{2028}b\u{2029}c",
            "&lt;&amp;",
            "\u{1b}[2J\u{7f}\u{202e}",
            "'\"\\",
        ];
        let text = script_json(&serde_json::json!({ "names": hostile, "<k>": 1 }));
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}", "\u{1b}", "\u{202e}"] {
            assert!(!text.contains(bad), "{bad:?} in {text}");
        }
        assert!(text.contains("\\u003c/script\\u003e"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["names"], serde_json::json!(hostile));
        assert_eq!(back["<k>"], 1);
    }
}
