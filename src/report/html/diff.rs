//! The HTML page of `peel diff OLD NEW --html PATH`: the same page as for
//! one image ([`super::page`], assets/html/), in its compare mode. Its data
//! is `peel diff --json`'s report (the same structures, the same keys: the
//! file and directory lists cut to their largest [`ROWS`]), NEW's
//! [`Treemap`] and its [`Growth`] against OLD, and the removed paths, which
//! have no area in NEW.

use serde::Serialize;
use serde_json::Value;

use super::growth::{self, Growth};
use super::treemap::{self, Treemap};
use super::{escape, page};
use crate::diff::files::Change;
use crate::error::{Error, Result};
use crate::pipeline::Outcome;
use crate::report::diff::{DiffView, json};

/// File changes, directory changes and removed paths the page holds at
/// most (largest first); `peel diff --json` has them all.
pub const ROWS: usize = 5_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffPage {
    /// `peel --version`'s line.
    pub peel: &'static str,
    /// Tells the script to draw the comparison.
    pub compare: bool,
    /// `peel diff --json`'s report.
    pub diff: Value,
    /// How many entries `diff.files` and `diff.directories` had before
    /// they were cut to [`ROWS`].
    pub file_count: usize,
    pub directory_count: usize,
    /// NEW's final filesystem.
    pub tree: Treemap,
    pub growth: Growth,
    /// Paths in OLD that NEW does not have, largest first: (path, bytes).
    pub removed: Vec<(String, u64)>,
    pub removed_count: usize,
}

/// The page's data. `new` is NEW's analysed image: a JSON report read back
/// has no filesystem to draw.
pub fn build(view: &DiffView<'_>, new: Option<&Outcome>) -> Result<DiffPage> {
    let Some(new) = new else {
        return Err(Error::Config(
            "--html draws NEW's filesystem: NEW must be an image, not a JSON report".into(),
        ));
    };
    let mut diff: Value =
        serde_json::from_str(&json::render(view)).expect("the JSON report parses back");
    let mut cut = |key: &str| match diff.get_mut(key).and_then(Value::as_array_mut) {
        Some(rows) => {
            let count = rows.len();
            rows.truncate(ROWS);
            count
        }
        None => 0,
    };
    let file_count = cut("files");
    let directory_count = cut("directories");
    let tree = treemap::build(&new.analysis.tree, &new.analysis.exact);
    let changes = &view.comparison.files;
    let removed: Vec<(String, u64)> = changes
        .iter()
        .filter(|c| c.change == Change::Removed)
        .map(|c| {
            (
                format!("/{}", String::from_utf8_lossy(&c.path)),
                c.old_bytes,
            )
        })
        .collect();
    Ok(DiffPage {
        peel: super::PEEL_VERSION,
        compare: true,
        diff,
        file_count,
        directory_count,
        growth: growth::build(&tree, changes),
        tree,
        removed_count: removed.len(),
        removed: removed.into_iter().take(ROWS).collect(),
    })
}

/// The page.
pub fn render(view: &DiffView<'_>, new: Option<&Outcome>) -> Result<String> {
    Ok(page::render(&escape::script_json(&build(view, new)?)))
}
