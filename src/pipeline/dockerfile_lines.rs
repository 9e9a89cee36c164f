//! The findings given their Dockerfile lines: the final stage's steps
//! matched to the analysed image's history ([`dockerfile::map()`]), then each
//! finding given the line of its layer (or of its history entry).

use crate::analysis::Analysis;
use crate::dockerfile::{self, Dockerfile, Mapping};
use crate::findings::Finding;

/// The mapping of an analysed image, its findings given their lines.
pub fn of_image(dockerfile: &Dockerfile, analysis: &Analysis, findings: &mut [Finding]) -> Mapping {
    let image = &analysis.image;
    let history = image.config.history.as_deref().unwrap_or_default();
    let mapping = dockerfile::map(
        dockerfile,
        history,
        image.layers.len(),
        analysis.exact.base_layers,
    );
    let commands: Vec<String> = image.layers.iter().map(|l| l.command()).collect();
    apply(&mapping, findings, &commands);
    mapping
}

/// Give each finding the line of its layer: the layer whose command the
/// finding names, else its first.
pub fn apply(mapping: &Mapping, findings: &mut [Finding], commands: &[String]) {
    for finding in findings {
        let named = finding.layers.iter().copied().find(|&l| {
            finding
                .command
                .as_deref()
                .is_some_and(|c| commands.get(l.index()).is_some_and(|own| own == c))
        });
        let layer = named.or(finding.layers.first().copied());
        let line = match finding.fix.history {
            Some(entry) => mapping.entries.get(entry),
            None => layer.and_then(|l| mapping.layers.get(l.index())),
        };
        finding.fix.dockerfile = line.cloned().flatten();
    }
}
