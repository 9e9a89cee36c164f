//! From a read image to every figure peel reports. Both consumers (the
//! headless reports and, later, the UI) read the same [`Analysis`].

pub mod dive_compat;
pub mod exact;

use crate::image::Image;
use crate::tree::{self, Tree};

pub use dive_compat::{DiveFigures, FileReference};
pub use exact::{ExactFigures, Waste};

/// How the number of base layers was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseLayersFrom {
    /// `--base-layers N`.
    Flag,
    /// Nothing told: the first layer, as dive does.
    Fallback,
}

impl BaseLayersFrom {
    pub fn name(self) -> &'static str {
        match self {
            BaseLayersFrom::Flag => "flag",
            BaseLayersFrom::Fallback => "fallback",
        }
    }
}

#[derive(Debug)]
pub struct Analysis {
    pub image: Image,
    pub tree: Tree,
    pub exact: ExactFigures,
    pub dive: DiveFigures,
    pub base_layers_from: BaseLayersFrom,
}

/// Analyse an image. `base_layers` is `--base-layers` when given.
pub fn analyze(image: Image, base_layers: Option<usize>) -> Analysis {
    let changes = || image.layers.iter().map(|l| &*l.changes);
    let sizes: Vec<u64> = image.layers.iter().map(|l| l.changes.size).collect();
    let (base, from) = match base_layers {
        Some(n) => (n, BaseLayersFrom::Flag),
        None => (1, BaseLayersFrom::Fallback),
    };
    // The two models share nothing but their input: one core each.
    let (tree, dive) = std::thread::scope(|scope| {
        let dive = scope.spawn(|| dive_compat::compute(changes()));
        let tree = tree::build(changes());
        let dive = dive
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (tree, dive)
    });
    let exact = exact::compute(&tree, &sizes, base);
    Analysis {
        image,
        tree,
        exact,
        dive,
        base_layers_from: from,
    }
}
