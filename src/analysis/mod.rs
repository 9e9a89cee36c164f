//! From a read image to every figure peel reports. Both consumers (the
//! headless reports and, later, the UI) read the same [`Analysis`].

pub mod base;
pub mod dive_compat;
pub mod exact;
pub mod ignore;

use std::sync::Arc;

use crate::image::Image;
use crate::layer::LayerChanges;
use crate::tree::{self, Tree};

pub use base::BaseLayersFrom;
pub use dive_compat::{DiveFigures, FileReference};
pub use exact::{ExactFigures, Waste};
pub use ignore::Ignore;

/// The figures of one image. Findings are not part of it: they are read
/// from it ([`crate::findings::find`]), and the pipeline's
/// `Outcome` holds both.
#[derive(Debug)]
pub struct Analysis {
    pub image: Image,
    pub tree: Tree,
    pub exact: ExactFigures,
    pub dive: DiveFigures,
    pub base_layers_from: BaseLayersFrom,
}

/// Analyse an image, accepting nothing. `base_layers` is `--base-layers`
/// when given; otherwise the history decides, or the first layer.
pub fn analyze(image: Image, base_layers: Option<usize>) -> Analysis {
    let chosen = base_layers.map(|n| (n, BaseLayersFrom::Flag));
    let base = base::decide(chosen, &image, &[]);
    analyze_with(image, base, &Ignore::default())
}

/// What is read from an analysis but dive's figures: the image and its exact
/// model. The findings read this, so that they can run while dive's model is
/// still being computed ([`analyze_beside`]).
#[derive(Debug, Clone, Copy)]
pub struct ExactView<'a> {
    pub image: &'a Image,
    pub tree: &'a Tree,
    pub exact: &'a ExactFigures,
}

impl Analysis {
    pub fn exact_view(&self) -> ExactView<'_> {
        ExactView {
            image: &self.image,
            tree: &self.tree,
            exact: &self.exact,
        }
    }
}

/// Analyse an image whose base layers are decided ([`base::decide`]),
/// counting the wasted entries under `ignore` as accepted rather than
/// wasted (dive's figures are left as dive computes them).
pub fn analyze_with(image: Image, base: (usize, BaseLayersFrom), ignore: &Ignore) -> Analysis {
    analyze_beside(image, base, ignore, true, |_| ()).0
}

/// [`analyze_with`], and `beside` run on the exact model while dive's model
/// is computed on another core (the findings take about as long as the rest
/// of that side: run one after the other, they would add to the wall time).
/// Without `with_dive`, dive's figures are left at zero: for a comparison
/// (`peel diff`), which reads the exact figures only, and saves the core
/// dive's model would take.
pub fn analyze_beside<T>(
    mut image: Image,
    base: (usize, BaseLayersFrom),
    ignore: &Ignore,
    with_dive: bool,
    beside: impl FnOnce(ExactView<'_>) -> T,
) -> (Analysis, T) {
    let (base, from) = base;
    // Only a chosen count can be past the layers.
    if matches!(from, BaseLayersFrom::Flag | BaseLayersFrom::BaseImage)
        && let Some(warning) = base::beyond_layers(base, image.layers.len())
    {
        image.warnings.push(warning);
    }
    // The layers stay shared with the image, which moves into the analysis.
    let layers: Vec<Arc<LayerChanges>> = image.layers.iter().map(|l| l.changes.clone()).collect();
    let changes = || layers.iter().map(|l| &**l);
    let sizes: Vec<u64> = image.layers.iter().map(|l| l.changes.size).collect();
    // dive's model shares nothing with the exact one but its input: it runs
    // on its own core while this one builds the tree and the exact figures,
    // so the two sides take about as long.
    std::thread::scope(|scope| {
        let dive = with_dive.then(|| scope.spawn(|| dive_compat::compute(changes())));
        let tree = tree::build(changes());
        let mut exact = exact::compute(&tree, &sizes, base);
        if !ignore.is_empty() {
            exact.accept(|path| ignore.matches(path));
        }
        let besides = beside(ExactView {
            image: &image,
            tree: &tree,
            exact: &exact,
        });
        let dive = dive.map_or_else(DiveFigures::default, |dive| {
            dive.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        let analysis = Analysis {
            image,
            tree,
            exact,
            dive,
            base_layers_from: from,
        };
        (analysis, besides)
    })
}
