//! peel: where a container image's bytes go, layer by layer.
//!
//! The flow, one module per step, all of it behind [`pipeline`]:
//!
//! ```text
//!   main → run (flags → pipeline::Plan) ─┬─ ui (draws the Outcome) ─→ ui::Ended
//!          │                             └─ report: text, JSON, Markdown, HTML,
//!          │                                annotations (GitHub, SARIF, Code Quality, JUnit)
//!          └─ run::diff (`peel diff`, `--baseline`): two Outcomes (or one and a
//!             baseline report) → diff → report::diff | ui::compare
//!   pipeline: reference → source → image → base layers (pipeline::base)
//!             → analysis (ignore globs in) → findings → their Dockerfile lines
//!             (pipeline::dockerfile_lines) → ci verdict = Outcome
//! ```
//!
//! - [`source`]: the reference the user typed → where the bytes come from;
//! - [`image`]: outer formats (docker save, OCI layout, oci-archive) → an
//!   [`image::Image`] of walked layers;
//! - [`layer`]: compression sniffing, then one layer tar →
//!   [`layer::LayerChanges`] (entries, whiteouts, opaque markers), streamed,
//!   metadata only;
//! - [`tree`]: the layers stacked by the OCI rules, with every path's history;
//! - ids are typed: [`tree::NodeId`] names a node of the stacked tree,
//!   [`layer::LayerIdx`] a layer's position in the image (bottom = 0); both
//!   are four bytes and serialize as the bare number. Counts (`base_layers`,
//!   `layer_count`) stay plain numbers;
//! - [`analysis`]: the exact figures and the dive-compatible ones;
//! - [`findings`]: why bytes are wasted and what to change, read from an analysis;
//! - [`ci`]: rules, thresholds, `.dive-ci`;
//! - [`pipeline`]: all of the above in order, once, for every front end → a
//!   [`pipeline::Outcome`] nothing changes afterwards;
//! - [`diff`]: two images (or an image and a baseline report) compared:
//!   figures, layers and pull cost, files, waste and findings new and gone;
//! - [`report`]: text, JSON and Markdown of an outcome (and of a comparison);
//! - [`progress`]: load progress shared with whoever shows it;
//! - [`safe_text`]: untrusted text escaped for every output;
//! - [`text_file`]: a small text file the user names (rules file, Dockerfile), bounded;
//! - [`tree_list`]: the file tree as visible rows + a selection (the UI's model);
//! - [`ui`]: the interactive terminal UI; [`content`]: file bytes re-read from a layer;
//! - [`cli`] and [`run`]: the command line and which front end runs
//!   ([`run::diff`]: `peel diff` and `--baseline`, from the inputs to the
//!   reports); `main` alone turns how a run ended into an exit status.
//!
//! Everything from bytes in to [`pipeline::Outcome`] out is synchronous and
//! knows nothing of terminals.  Imports go one way: `run` → `ui`
//! → `report` → `diff` → `pipeline` → `ci` → `findings` → `analysis` →
//! `tree` → `layer`, and `pipeline` → `source` → `image` → `layer`.
//! `tests/it/architecture.rs` reads every module's `crate::` paths and fails
//! on a cycle.

pub mod analysis;
pub mod ci;
pub mod cli;
pub mod content;
pub mod diff;
pub mod dockerfile;
pub mod error;
pub mod findings;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod image;
pub mod layer;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod run;
pub mod safe_text;
pub mod source;
pub mod text_file;
pub mod tree;
pub mod tree_list;
pub mod ui;

pub use error::{Error, Result};
