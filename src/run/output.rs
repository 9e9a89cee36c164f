//! How a run ended, and writing its reports where the user asked; shared by
//! the single-image run and `peel diff`.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// How a run that did not fail ended (`main` maps it to the exit status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Shown, reported, or judged and every rule passed.
    Passed,
    /// Judged, and a rule failed.
    RuleFailed,
    /// Stopped by a signal, or cancelled while loading.
    Interrupted,
}

/// Write a report to its file, or to standard output for `-`.
pub(super) fn write_report(path: &Path, report: &str) -> Result<()> {
    if path == Path::new("-") {
        return write_stdout(report);
    }
    std::fs::write(path, report).map_err(|e| Error::io(path.display(), e))
}

/// Write to stdout; a closed pipe (`peel ... | head`) is not an error.
pub(super) fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("standard output", e)),
    }
}
