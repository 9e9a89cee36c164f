//! A path's history (`H`): every layer that touched it, with what it did
//! and the size it left; enter shows the path at that layer.

use crate::layer::LayerIdx;
use crate::tree::{NodeId, State, Tree};
use crate::tree_list::{ListState, Mark};

/// One layer's change of the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub layer: LayerIdx,
    pub mark: Mark,
    /// Content bytes after the change (0 for a removal, a directory).
    pub bytes: u64,
    /// What kind of entry, or why it went (`deleted`, `opaque`, ...).
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub node: NodeId,
    pub path: String,
    pub steps: Vec<Step>,
    pub list: ListState,
}

impl History {
    /// The history of `node`: one step a layer (the last of a layer's
    /// entries for the path counts), in layer order.
    pub fn new(tree: &Tree, node: NodeId) -> History {
        let versions = &tree.node(node).versions;
        let mut steps: Vec<Step> = Vec::new();
        let mut present_before = false;
        for (i, v) in versions.iter().enumerate() {
            if versions.get(i + 1).is_some_and(|n| n.layer == v.layer) {
                continue;
            }
            let step = match &v.state {
                State::Present { meta, .. } => Step {
                    layer: v.layer,
                    mark: if present_before {
                        Mark::Modified
                    } else {
                        Mark::Added
                    },
                    bytes: meta.size,
                    what: meta.kind.name().to_string(),
                },
                State::Absent(reason) => Step {
                    layer: v.layer,
                    mark: Mark::Removed,
                    bytes: 0,
                    what: reason.name().to_string(),
                },
            };
            present_before = step.mark != Mark::Removed;
            steps.push(step);
        }
        History {
            node,
            path: tree.display_path(node),
            steps,
            list: ListState::default(),
        }
    }

    pub fn selected(&self) -> Option<&Step> {
        self.steps.get(self.list.selected())
    }
}
