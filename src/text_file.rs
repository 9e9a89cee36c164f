//! A small text file the user names (the rules file, the Dockerfile): read
//! whole, never more than one byte past its cap, as UTF-8, every failure one
//! line naming the file (exit 2).

use std::fs::File;
use std::io::Read;

use crate::error::{Error, Result};

/// The text of `file`, at most `max` bytes; `name` starts every error and
/// `most` says what the cap is (`larger than N KiB, {most}`).
pub fn read_capped(file: File, max: u64, name: &str, most: &str) -> Result<String> {
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Config(format!("{name}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(Error::Config(format!(
            "{name}: larger than {} KiB, {most}",
            max / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|e| Error::Config(format!("{name}: not UTF-8 text: {e}")))
}
