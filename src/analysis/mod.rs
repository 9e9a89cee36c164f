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

#[derive(Debug)]
pub struct Analysis {
    pub image: Image,
    pub tree: Tree,
    pub exact: ExactFigures,
    pub dive: DiveFigures,
    pub base_layers_from: BaseLayersFrom,
    /// Why bytes are wasted and what to change, most severe first.
    pub findings: Vec<crate::findings::Finding>,
}

/// Analyse an image. `base_layers` is `--base-layers` when given; otherwise
/// the history decides, or the first layer.
pub fn analyze(image: Image, base_layers: Option<usize>) -> Analysis {
    analyze_with_base(image, base_layers.map(|n| (n, BaseLayersFrom::Flag)))
}

/// Analyse an image whose base layers were chosen (and how), if they were.
pub fn analyze_with_base(mut image: Image, base: Option<(usize, BaseLayersFrom)>) -> Analysis {
    if let Some((n, _)) = base
        && let Some(warning) = base::beyond_layers(n, image.layers.len())
    {
        image.warnings.push(warning);
    }
    // The layers stay shared with the image, which moves into the analysis.
    let layers: Vec<Arc<LayerChanges>> = image.layers.iter().map(|l| l.changes.clone()).collect();
    let changes = || layers.iter().map(|l| &**l);
    let sizes: Vec<u64> = image.layers.iter().map(|l| l.changes.size).collect();
    let (base, from) = base::decide(base, &image);
    // dive's model shares nothing with the exact one but its input: it runs
    // on its own core while this one builds the tree, the exact figures and
    // the findings (which read neither dive's figures nor each other's
    // threads), so the two sides take about as long.
    std::thread::scope(|scope| {
        let dive = scope.spawn(|| dive_compat::compute(changes()));
        let tree = tree::build(changes());
        let exact = exact::compute(&tree, &sizes, base);
        let mut analysis = Analysis {
            image,
            tree,
            exact,
            dive: DiveFigures::default(),
            base_layers_from: from,
            findings: Vec::new(),
        };
        analysis.findings = crate::findings::find(&analysis);
        analysis.dive = dive
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        analysis
    })
}

impl Analysis {
    /// Count the wasted entries under `ignore` as accepted rather than
    /// wasted, and drop their paths from the findings. dive's figures are
    /// left as dive computes them.
    pub fn accept(&mut self, ignore: &Ignore) {
        if ignore.is_empty() {
            return;
        }
        self.exact.accept(|path| ignore.matches(path));
        self.findings = crate::findings::find_ignoring(self, &|path| ignore.matches(path));
    }
}
