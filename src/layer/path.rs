//! Tar member names to canonical image paths.
//!
//! A canonical path is the relative byte string `a/b/c`: no leading `./` or `/`,
//! no repeated or trailing `/`, no `.` components and `..` resolved lexically.
//! Bytes are kept as they are (non-UTF-8 names survive); [`display`] escapes
//! them for humans.

use std::borrow::Cow;

/// Why a name cannot be placed in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// A `..` component climbs above the image root.
    EscapesRoot,
}

/// Canonicalise a tar member name. `Ok(None)` is the root itself (`./`, `/`).
pub fn canonicalize(raw: &[u8]) -> Result<Option<Vec<u8>>, PathError> {
    // Most names are already canonical after a `./` or `/` prefix: copy them.
    let trimmed = raw
        .strip_prefix(b"./")
        .or_else(|| raw.strip_prefix(b"/"))
        .unwrap_or(raw);
    if is_canonical(trimmed) {
        return Ok(Some(trimmed.to_vec()));
    }
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() {
                    return Err(PathError::EscapesRoot);
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(parts.join(&b'/')))
}

/// No empty, `.` or `..` component, non-empty.
fn is_canonical(path: &[u8]) -> bool {
    !path.is_empty()
        && path
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b".."))
}

/// Split a canonical path into its parent (possibly empty) and its last name.
pub fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

/// Join a parent canonical path and a name.
pub fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    if parent.is_empty() {
        return name.to_vec();
    }
    let mut out = Vec::with_capacity(parent.len() + 1 + name.len());
    out.extend_from_slice(parent);
    out.push(b'/');
    out.extend_from_slice(name);
    out
}

/// The components of a canonical path.
pub fn components(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

/// Human form of a canonical path: absolute, UTF-8, invalid bytes as `\xNN`.
pub fn display(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    out.push('/');
    out.push_str(&escape(path));
    out
}

/// Bytes as UTF-8 text, invalid sequences escaped as `\xNN`.
pub fn escape(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Bytes as one line of UTF-8 text: invalid sequences as `\xNN`, and what
/// [`crate::safe_text::sanitize`] escapes. For untrusted names in error
/// messages and warnings.
pub fn escape_line(bytes: &[u8]) -> Cow<'_, str> {
    match escape(bytes) {
        Cow::Borrowed(text) => crate::safe_text::sanitize_cow(text),
        Cow::Owned(text) => Cow::Owned(crate::safe_text::sanitize(&text)),
    }
}

/// [`display`], on one line: control characters escaped as [`escape_line`]
/// does.
pub fn display_line(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    out.push('/');
    out.push_str(&escape_line(path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> Option<String> {
        canonicalize(s.as_bytes())
            .unwrap()
            .map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn strips_prefixes_and_repeats() {
        assert_eq!(canon("./etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(canon("/etc//passwd/").as_deref(), Some("etc/passwd"));
        assert_eq!(canon("etc/./x/../passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(canon("./"), None);
        assert_eq!(canon("/"), None);
        assert_eq!(canon("."), None);
    }

    #[test]
    fn refuses_escape() {
        assert_eq!(canonicalize(b"../x"), Err(PathError::EscapesRoot));
        assert_eq!(canonicalize(b"a/../../x"), Err(PathError::EscapesRoot));
        assert!(canonicalize(b"a/../x").is_ok());
    }

    #[test]
    fn keeps_non_utf8_bytes() {
        let p = canonicalize(b"./caf\xe9").unwrap().unwrap();
        assert_eq!(p, b"caf\xe9");
        assert_eq!(display(&p), "/caf\\xe9");
    }

    #[test]
    fn escape_line_keeps_one_line() {
        assert_eq!(escape_line(b"a\nb\x1b[31m\xff"), "a\\x0ab\\x1b[31m\\xff");
        assert_eq!(escape_line(b"plain"), "plain");
        assert_eq!(display_line(b"d/\r"), "/d/\\x0d");
    }

    #[test]
    fn split_and_join() {
        assert_eq!(split_last(b"a/b/c"), (&b"a/b"[..], &b"c"[..]));
        assert_eq!(split_last(b"c"), (&b""[..], &b"c"[..]));
        assert_eq!(join(b"", b"c"), b"c");
        assert_eq!(join(b"a", b"c"), b"a/c");
    }
}
