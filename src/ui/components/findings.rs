//! The findings list (`f`): the selected finding, and where enter on it
//! goes in the tree.

use crate::findings::Finding;
use crate::layer::LayerIdx;
use crate::tree::{NodeId, Tree};
use crate::tree_list::ListState;

#[derive(Debug, Default)]
pub struct Findings {
    /// Selects an index into the image's findings.
    pub list: ListState,
}

/// Where enter on a finding goes: its first layer and the first of its
/// paths that layer changed; failing that, the first path one of its layers
/// changed, at that layer; failing that (names the tree cannot look up), the
/// first layer alone. None for a finding about the configuration (no
/// layer). Only the finding's listed paths are looked at, never the tree.
pub fn finding_target(tree: &Tree, finding: &Finding) -> Option<(LayerIdx, Option<NodeId>)> {
    let first = *finding.layers.first()?;
    let nodes: Vec<NodeId> = finding
        .paths
        .iter()
        .filter_map(|p| tree.lookup(p.strip_prefix('/').unwrap_or(p).as_bytes()))
        .collect();
    let changed_in =
        |node: NodeId, layer: LayerIdx| tree.node(node).versions.iter().any(|v| v.layer == layer);
    if let Some(&node) = nodes.iter().find(|&&n| changed_in(n, first)) {
        return Some((first, Some(node)));
    }
    for &node in &nodes {
        if let Some(&layer) = finding.layers.iter().find(|&&l| changed_in(node, l)) {
            return Some((layer, Some(node)));
        }
    }
    Some((first, None))
}
