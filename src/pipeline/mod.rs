//! The one way from a reference to what every front end shows:
//!
//! reference → source → [`Image`] → base layers ([`base`]) → [`Analysis`]
//! (the ignore globs are one of its inputs) → findings (read from the
//! analysis) → verdict (the CI rules) = one [`Outcome`].
//!
//! The text, JSON and Markdown reports, the CI exit status and the UI all
//! read the same `Outcome`; nothing changes it once it is built.

pub mod base;
pub mod dockerfile_lines;

use std::ops::Deref;

use crate::analysis::{self, Analysis, BaseLayersFrom, Ignore};
use crate::ci::{self, Judged, Rules, Verdict};
use crate::error::Result;
use crate::findings::{self, Finding};
use crate::image::Image;
use crate::safe_text::sanitize;
use crate::source::{self, OpenOptions, Reference};

/// What the command line asked for, from a read image to its [`Outcome`]:
/// the base layers (`--base`, `--base-layers` or detected), the accepted
/// paths (`--ignore` and the rules file's `ignore:`), and the rules to judge
/// by (`--ci`).
#[derive(Clone)]
pub struct Plan {
    pub base: Option<String>,
    pub base_layers: Option<usize>,
    pub ignore: Ignore,
    pub options: OpenOptions,
    /// `None`: not judged (no verdict).
    pub rules: Option<Rules>,
    /// Judge dive's figures rather than the exact ones.
    pub dive_compat: bool,
    /// The Dockerfile whose lines layers and findings point at.
    pub dockerfile: Option<std::sync::Arc<crate::dockerfile::Dockerfile>>,
}

/// Everything a run found about one image.
#[derive(Debug)]
pub struct Outcome {
    /// The image and its figures (base layers included, and how they were
    /// decided: `analysis.exact.base_layers`, `analysis.base_layers_from`).
    pub analysis: Analysis,
    /// Why bytes are wasted and what to change, most severe first.
    pub findings: Vec<Finding>,
    /// The CI rules' verdict, when the run is judged.
    pub verdict: Option<Verdict>,
    /// The Dockerfile's lines of the layers (`--dockerfile`).
    pub dockerfile: Option<crate::dockerfile::Mapping>,
}

impl Outcome {
    /// The outcome of an image analysed with nothing accepted and no rules
    /// (`base_layers` as `--base-layers`; otherwise the history decides).
    pub fn of(image: Image, base_layers: Option<usize>) -> Outcome {
        let analysis = analysis::analyze(image, base_layers);
        let findings = findings::find(&analysis.exact_view(), &Ignore::default());
        Outcome {
            analysis,
            findings,
            verdict: None,
            dockerfile: None,
        }
    }

    pub fn image(&self) -> &Image {
        &self.analysis.image
    }
}

/// An outcome reads as its analysis (`outcome.tree`, `outcome.exact`).
impl Deref for Outcome {
    type Target = Analysis;

    fn deref(&self) -> &Analysis {
        &self.analysis
    }
}

impl Plan {
    /// Read the image `parsed` names (`reference` as the user typed it).
    pub fn open(&self, parsed: &Reference, reference: &str) -> Result<Image> {
        source::open(parsed, reference, &self.options)
    }

    /// Open and judge in one go.
    pub fn run(&self, parsed: &Reference, reference: &str) -> Result<Outcome> {
        let image = self.open(parsed, reference)?;
        self.outcome(parsed, image)
    }

    /// From a read image to its outcome. `parsed` says where the image came
    /// from (an engine is asked for the base the image declares).
    pub fn outcome(&self, parsed: &Reference, image: Image) -> Result<Outcome> {
        self.outcome_inner(parsed, image, true)
    }

    /// Open, and an outcome without dive's figures (left at zero): one side
    /// of a comparison (`peel diff`, `--baseline`), which reads the exact
    /// figures only.
    pub fn run_exact(&self, parsed: &Reference, reference: &str) -> Result<Outcome> {
        let image = self.open(parsed, reference)?;
        self.outcome_inner(parsed, image, false)
    }

    fn outcome_inner(&self, parsed: &Reference, image: Image, with_dive: bool) -> Result<Outcome> {
        let (n, from) = self.base_layers(parsed, &image)?;
        // The report lists it too; stderr only where no UI draws.
        if matches!(from, BaseLayersFrom::Flag | BaseLayersFrom::BaseImage)
            && let Some(warning) = analysis::base::beyond_layers(n, image.layers.len())
            && !self.options.quiet
        {
            eprintln!("peel: warning: {}", sanitize(&warning));
        }
        let find = |figures: analysis::ExactView<'_>| findings::find(&figures, &self.ignore);
        let base = (n, from);
        let (analysis, mut findings) =
            analysis::analyze_beside(image, base, &self.ignore, with_dive, find);
        let dockerfile = self
            .dockerfile
            .as_deref()
            .map(|d| dockerfile_lines::of_image(d, &analysis, &mut findings));
        let verdict = self
            .rules
            .as_ref()
            .map(|rules| judge(rules, &analysis, &findings, self.dive_compat));
        Ok(Outcome {
            analysis,
            findings,
            verdict,
            dockerfile,
        })
    }

    /// The base layers and how they were decided: `--base`, `--base-layers`,
    /// else the declared base (in the image's layout or archive, or in the
    /// engine it came from), else the history, else the first layer.
    fn base_layers(&self, parsed: &Reference, image: &Image) -> Result<(usize, BaseLayersFrom)> {
        let chosen = match &self.base {
            Some(base) => Some((
                base::shared_with(image, base, &self.options)?,
                BaseLayersFrom::BaseImage,
            )),
            None => self.base_layers.map(|n| (n, BaseLayersFrom::Flag)),
        };
        let in_engine = match chosen {
            Some(_) => Vec::new(),
            None => base::declared_in_engine(image, parsed),
        };
        Ok(analysis::base::decide(chosen, image, &in_engine))
    }
}

/// The CI rules on the figures, then the rules on the findings.
fn judge(rules: &Rules, analysis: &Analysis, findings: &[Finding], dive_compat: bool) -> Verdict {
    let mut verdict = ci::evaluate(rules, &Judged::of(analysis, dive_compat), dive_compat);
    verdict
        .rules
        .extend(ci::findings_rules(&rules.fail_on_findings, findings));
    verdict
}
