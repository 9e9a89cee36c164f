//! The image, once read, and the panes' components over it; the moves
//! that cross panes (a jump from a list into the tree).

use std::sync::Arc;

use crate::findings::Finding;
use crate::layer::LayerIdx;
use crate::pipeline::Outcome;
use crate::tree::NodeId;
use crate::tree_list::TreeList;
use crate::ui::compare::CompareMarks;
use crate::ui::components::Move;
use crate::ui::components::findings::{Findings, finding_target};
use crate::ui::components::largest::LargestFiles;
use crate::ui::components::layers::Layers;
use crate::ui::components::waste::{Waste, WasteRow};

/// The image, once read, and everything the panes select in it.
#[derive(Debug)]
pub struct Loaded {
    pub analysis: Arc<Outcome>,
    /// The file tree pane, showing the selected layer.
    pub tree: TreeList,
    /// Owns the selected layer.
    pub layers: Layers,
    pub waste: Waste,
    pub findings: Findings,
    pub largest: LargestFiles,
    /// `peel diff`: the marks against OLD (shown while the tree's overlay
    /// is on).
    pub compare: Option<CompareMarks>,
}

impl Loaded {
    /// The panes over a freshly read image, at layer 0.
    pub fn new(analysis: Outcome, tree: TreeList) -> Loaded {
        let analysis = Arc::new(analysis);
        Loaded {
            layers: Layers::new(&analysis),
            waste: Waste::new(&analysis),
            findings: Findings::default(),
            largest: LargestFiles::new(&analysis.tree),
            analysis,
            tree,
            compare: None,
        }
    }

    /// Compare mode is on: the tree and the layers marked against OLD.
    pub fn comparing(&self) -> bool {
        self.tree.overlay().is_some()
    }

    /// Turn compare mode on or off; the message, or None without an OLD.
    pub fn toggle_compare(&mut self) -> Option<String> {
        let marks = self.compare.as_ref()?;
        if self.comparing() {
            self.tree.set_overlay(None);
            Some("compare mode off: the tree marks the selected layer's changes".into())
        } else {
            let summary = marks.summary();
            self.tree.set_overlay(Some(marks.overlay.clone()));
            // NEW's final filesystem is its last layer's: the viewer and
            // extract read there.
            let last = self.layers.len().saturating_sub(1);
            self.select_layer(last);
            Some(summary)
        }
    }

    /// The selected layer.
    pub fn layer(&self) -> LayerIdx {
        LayerIdx::new(self.layers.selected()).unwrap_or_default()
    }

    /// The image's findings.
    pub fn image_findings(&self) -> &[Finding] {
        findings_of(&self.analysis)
    }

    /// Select `layer` (kept in range) in the layers pane; the tree follows,
    /// selecting no path.
    pub fn select_layer(&mut self, layer: usize) {
        let n = self.layers.len();
        self.layers.list.select(layer, n);
        self.tree.set_layer(self.layer());
    }

    /// Move the layer selection; the tree follows.
    pub fn move_layer(&mut self, m: Move) {
        let n = self.layers.len();
        m.apply(&mut self.layers.list, n);
        self.tree.set_layer(self.layer());
    }

    /// Show `node` in the tree at `layer`: that layer selected, the node
    /// selected with its ancestors expanded. The message for the status line.
    fn show_in_tree(&mut self, layer: LayerIdx, node: NodeId) -> String {
        let n = self.layers.len();
        self.layers.list.select(layer.index(), n);
        let shown = self.tree.jump_to(self.layer(), node);
        let path = crate::ui::sanitize(&self.analysis.tree.display_path(node));
        if shown {
            format!("layer {}: {path}", self.layer())
        } else {
            format!("layer {}: {path} is not in this view", self.layer())
        }
    }

    /// Show `node` at `layer` in the tree (a path's history); the message.
    pub fn show_node(&mut self, layer: LayerIdx, node: NodeId) -> String {
        self.show_in_tree(layer, node)
    }

    /// Enter on one of the largest files: show it in the tree at the layer
    /// that added it.
    pub fn open_largest(&mut self) -> Option<String> {
        let f = self.largest.selected()?;
        Some(self.show_in_tree(f.layer, f.node))
    }

    /// Enter on the selected wasted entry: show it in the tree. The message,
    /// or None when the tree has no such path (nothing changes).
    pub fn open_waste(&mut self) -> Option<String> {
        let analysis = self.analysis.clone();
        if let Some(WasteRow::Group(g)) = self.waste.selected_row() {
            let group = &self.waste.groups[g as usize];
            let (layer, dir) = (group.layers.0, group.dir);
            return Some(self.show_in_tree(layer, dir));
        }
        let idx = self.waste.selected_entry()?;
        let w = &analysis.exact.wasted[idx as usize];
        let node = analysis.tree.lookup(&w.path)?;
        Some(self.show_in_tree(w.layer, node))
    }

    /// Enter on the selected finding: show where it is in the tree. The
    /// message and whether the tree is to be shown (not for a finding about
    /// the configuration); None without findings.
    pub fn open_finding(&mut self) -> Option<(String, bool)> {
        let analysis = self.analysis.clone();
        let f = findings_of(&analysis).get(self.findings.list.selected())?;
        Some(match finding_target(&analysis.tree, f) {
            None => (
                format!(
                    "{}: about the image configuration, no layer to show",
                    f.kind.name()
                ),
                false,
            ),
            Some((layer, Some(node))) => (self.show_in_tree(layer, node), true),
            Some((layer, None)) => {
                self.select_layer(layer.index());
                (
                    format!("layer {}: its paths are not in the tree", self.layer()),
                    true,
                )
            }
        })
    }
}

/// An image's findings: the one place the UI reads them from.
fn findings_of(outcome: &Outcome) -> &[Finding] {
    &outcome.findings
}
