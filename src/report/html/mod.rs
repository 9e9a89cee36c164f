//! The HTML report (`--html PATH`): one self-contained page of an
//! [`Outcome`] — the treemap of the final filesystem, the layers, the
//! figures, the verdict, the findings and the wasted entries.
//!
//! [`model`] turns the outcome into the page's data, [`treemap`] the final
//! filesystem into the treemap's nodes, [`escape`] writes the data as JSON
//! a script block can hold, [`page`] puts it in the page with its style and
//! script (assets/html/). [`diff`] is the page of `peel diff`, the same
//! page in its compare mode, its treemap coloured by [`growth`].

pub mod diff;
pub mod escape;
pub mod growth;
pub mod model;
pub mod page;
pub mod treemap;

use crate::pipeline::Outcome;

/// peel's version as `peel --version` says it (with the commit it is built
/// from, by build.rs), for the page's header line.
pub const PEEL_VERSION: &str = env!("PEEL_VERSION");

pub fn render(outcome: &Outcome) -> String {
    page::render(&escape::script_json(&model::build(outcome)))
}
