//! The Dockerfile behind an image (`--dockerfile PATH`): its final stage's
//! instructions, matched to the image's history, so that a layer and a
//! finding can point at the line to change.

use serde::Serialize;

/// Where in the Dockerfile a layer or finding comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The Dockerfile as given on the command line.
    pub path: String,
    /// 1-based line of the instruction's first line.
    pub line: usize,
    /// The instruction as written, on one line.
    pub instruction: String,
}
