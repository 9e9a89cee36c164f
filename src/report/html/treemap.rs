//! The final filesystem as the HTML treemap draws it: directories and files
//! by visible bytes, each with the wasted bytes (hidden versions) under it
//! and the layer that wrote most of it. Small entries are merged, per
//! directory, into one "smaller entries" node, so that the page stays small
//! whatever the image: at most [`MAX_NODES`] nodes plus one merged node per
//! directory shown, and none below [`SHARE`] of the visible bytes.
//!
//! Flat columns (a node's parent is an index), so that neither the JSON nor
//! the page's script nests as deep as the image's paths do; every walk here
//! is a loop over a stack or a queue.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analysis::ExactFigures;
use crate::layer::{LayerIdx, path};
use crate::tree::{NodeId, State, Tree};

/// Entries smaller than the visible bytes divided by this are merged.
pub const SHARE: u64 = 20_000;
/// Nodes shown at most, merged ones aside.
pub const MAX_NODES: usize = 40_000;

/// What a node of the treemap is.
pub const FILE: u8 = 0;
pub const DIR: u8 = 1;
/// The smaller entries of a directory, merged.
pub const MERGED: u8 = 2;

/// The nodes, column by column; node 0 is the root (`/`), its own parent.
/// A parent comes before its children.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Treemap {
    pub parent: Vec<u32>,
    /// The entry's name (a merged node's is empty).
    pub name: Vec<String>,
    pub kind: Vec<u8>,
    /// Visible bytes in the subtree (a hardlinked file's bytes once, at the
    /// first of its paths in name order): the root's are `visibleBytes`.
    pub bytes: Vec<u64>,
    /// Wasted bytes whose path is under the directory (a deleted
    /// directory's go to its nearest ancestor still in the image).
    pub wasted: Vec<u64>,
    /// The layer that holds the file's bytes (the one that wrote it; a
    /// hardlink's target's), or most of a directory's or merged node's.
    pub layer: Vec<LayerIdx>,
    /// Files and other non-directories in the subtree (a merged node's:
    /// the entries it merges).
    pub entries: Vec<u64>,
    /// The merge threshold in bytes.
    pub threshold: u64,
    /// The directories whose own paths (not their subdirectories') hold
    /// the most wasted bytes, most first: (path, bytes).
    pub wasted_dirs: Vec<(String, u64)>,
}

/// How many directories [`Treemap::wasted_dirs`] lists.
pub const WASTED_DIRS: usize = 25;

/// Figures of every path present in the final image, by node id.
struct Present {
    /// Present nodes, parents first (depth first, name order).
    order: Vec<NodeId>,
    is_dir: Vec<bool>,
    bytes: Vec<u64>,
    wasted: Vec<u64>,
    entries: Vec<u64>,
    /// The layer that holds a file's bytes (a hardlink's: its target's),
    /// else the layer that last wrote the path.
    layer: Vec<LayerIdx>,
    wasted_dirs: Vec<(String, u64)>,
}

fn present_dir(tree: &Tree, id: NodeId) -> Option<bool> {
    if id == tree.root() {
        return Some(true);
    }
    match tree.node(id).current() {
        Some(State::Present { meta, .. }) => Some(meta.kind.is_dir()),
        _ => None,
    }
}

fn measure(tree: &Tree, exact: &ExactFigures) -> Present {
    let n = tree.nodes.len();
    let mut p = Present {
        order: Vec::new(),
        is_dir: vec![false; n],
        bytes: vec![0; n],
        wasted: vec![0; n],
        entries: vec![0; n],
        layer: vec![LayerIdx::BOTTOM; n],
        wasted_dirs: Vec::new(),
    };
    let mut counted = vec![false; tree.files.len()];
    let mut stack = vec![tree.root()];
    while let Some(id) = stack.pop() {
        let Some(dir) = present_dir(tree, id) else {
            continue;
        };
        p.order.push(id);
        p.is_dir[id.index()] = dir;
        p.layer[id.index()] = tree
            .node(id)
            .versions
            .last()
            .map_or(LayerIdx::BOTTOM, |v| v.layer);
        if dir {
            stack.extend(tree.node(id).children.iter().rev());
            continue;
        }
        p.entries[id.index()] = 1;
        if let Some(State::Present {
            content: Some(file),
            ..
        }) = tree.node(id).current()
            && !std::mem::replace(&mut counted[*file as usize], true)
        {
            let file = &tree.files[*file as usize];
            p.bytes[id.index()] = file.size;
            p.layer[id.index()] = file.layer;
        }
    }
    for waste in &exact.wasted {
        let mut dir = tree.root();
        for name in path::components(&waste.path) {
            match tree.child(dir, name) {
                Some(child) if present_dir(tree, child) == Some(true) => dir = child,
                _ => break,
            }
        }
        p.wasted[dir.index()] += waste.bytes;
    }
    let mut own: Vec<(NodeId, u64)> = p
        .order
        .iter()
        .filter(|&&id| p.wasted[id.index()] > 0)
        .map(|&id| (id, p.wasted[id.index()]))
        .collect();
    own.sort_by_key(|&(_, bytes)| std::cmp::Reverse(bytes));
    p.wasted_dirs = own
        .into_iter()
        .take(WASTED_DIRS)
        .map(|(id, bytes)| (tree.display_path(id), bytes))
        .collect();
    for &id in p.order.iter().skip(1).rev() {
        let parent = tree.node(id).parent.index();
        let id = id.index();
        p.bytes[parent] += p.bytes[id];
        p.wasted[parent] += p.wasted[id];
        p.entries[parent] += p.entries[id];
    }
    p
}

/// Bytes by layer.
type Layers = FxHashMap<LayerIdx, u64>;

/// The layer with the most bytes (the lowest of equals), if any has bytes.
fn dominant(layers: &Layers) -> Option<LayerIdx> {
    layers
        .iter()
        .filter(|(_, b)| **b > 0)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(l, _)| *l)
}

/// Add the bytes under `top` (present paths only) by the layer of each file.
fn add_subtree(tree: &Tree, p: &Present, top: NodeId, into: &mut Layers) {
    let mut stack = vec![top];
    while let Some(id) = stack.pop() {
        if p.is_dir[id.index()] {
            stack.extend(
                tree.node(id)
                    .children
                    .iter()
                    .filter(|&&c| p.bytes[c.index()] > 0),
            );
        } else if p.bytes[id.index()] > 0 {
            *into.entry(p.layer[id.index()]).or_default() += p.bytes[id.index()];
        }
    }
}

impl Treemap {
    fn push(
        &mut self,
        parent: usize,
        name: String,
        kind: u8,
        figures: (u64, u64, u64),
        layer: LayerIdx,
    ) {
        self.parent.push(parent as u32);
        self.name.push(name);
        self.kind.push(kind);
        self.bytes.push(figures.0);
        self.wasted.push(figures.1);
        self.entries.push(figures.2);
        self.layer.push(layer);
    }

    pub fn len(&self) -> usize {
        self.kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }
}

/// The treemap of the final image.
pub fn build(tree: &Tree, exact: &ExactFigures) -> Treemap {
    let p = measure(tree, exact);
    let root = tree.root();
    let threshold = (p.bytes[root.index()] / SHARE).max(1);
    let mut map = Treemap {
        threshold,
        wasted_dirs: p.wasted_dirs.clone(),
        ..Treemap::default()
    };
    let figures = |id: NodeId| {
        let i = id.index();
        (p.bytes[i], p.wasted[i], p.entries[i])
    };
    // Bytes by layer of every node shown, merged into the parent's once
    // its children are done.
    let mut layers: Vec<Layers> = Vec::new();
    map.push(0, String::new(), DIR, figures(root), LayerIdx::BOTTOM);
    layers.push(Layers::default());
    let mut queue = VecDeque::from([(root, 0usize)]);
    while let Some((dir, at)) = queue.pop_front() {
        let mut children: Vec<NodeId> = tree
            .node(dir)
            .children
            .iter()
            .copied()
            .filter(|&c| present_dir(tree, c).is_some())
            .collect();
        // Largest first; the children are in name order already.
        children.sort_by_key(|&c| std::cmp::Reverse(p.bytes[c.index()]));
        let mut merged = (0u64, 0u64, 0u64);
        let mut merged_layers = Layers::default();
        for child in children {
            let i = child.index();
            if p.bytes[i] >= threshold && map.len() < MAX_NODES {
                let kind = if p.is_dir[i] { DIR } else { FILE };
                let name = path::escape(&tree.node(child).name).into_owned();
                map.push(at, name, kind, figures(child), p.layer[i]);
                let mut own = Layers::default();
                if kind == DIR {
                    queue.push_back((child, map.len() - 1));
                } else if p.bytes[i] > 0 {
                    own.insert(p.layer[i], p.bytes[i]);
                }
                layers.push(own);
            } else {
                merged.0 += p.bytes[i];
                merged.1 += p.wasted[i];
                merged.2 += p.entries[i].max(1);
                add_subtree(tree, &p, child, &mut merged_layers);
            }
        }
        if merged.2 > 0 {
            let layer = dominant(&merged_layers).unwrap_or(LayerIdx::BOTTOM);
            map.push(at, String::new(), MERGED, merged, layer);
            layers.push(merged_layers);
        }
    }
    // Children come after their parents: fold the layers upwards.
    for i in (0..map.len()).rev() {
        let own = std::mem::take(&mut layers[i]);
        if map.kind[i] == DIR
            && let Some(layer) = dominant(&own)
        {
            map.layer[i] = layer;
        }
        if i > 0 {
            let parent = &mut layers[map.parent[i] as usize];
            for (layer, bytes) in own {
                *parent.entry(layer).or_default() += bytes;
            }
        }
    }
    map
}
