//! dive 0.13.1's figures, reproduced to the last digit (metrics.md,
//! "dive-compatible figures"). dive's model is path-based and ignores
//! content; its quirks are kept on purpose, each noted where it happens.
//!
//! dive re-stacks all earlier layers for every whiteout it meets; here the
//! stack of earlier layers is kept up to date layer by layer instead, which
//! gives the same lookups in linear time.

use std::collections::{BTreeMap, HashMap};

use crate::layer::path;
use crate::layer::{EntryKind, LayerChanges, Op};

#[derive(Debug, Clone, PartialEq)]
pub struct DiveFigures {
    pub efficiency_score: f64,
    pub inefficient_bytes: u64,
    /// inefficientBytes / (sum of layers 1..n-1); 0 when that sum is 0.
    pub user_wasted_percent: f64,
    /// Keys seen in two or more layers, largest cumulative size first.
    pub file_reference: Vec<FileReference>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReference {
    pub count: u32,
    pub size_bytes: u64,
    /// Absolute path (dive's key).
    pub file: String,
}

const WHITEOUT_PREFIX: &[u8] = b".wh.";

/// dive's per-node payload: only whether it is a directory and its size.
/// A node made for a missing parent has neither (not a dir, size 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Info {
    is_dir: bool,
    size: u64,
}

#[derive(Debug, Clone, Default)]
struct DNode {
    name: Box<[u8]>,
    info: Info,
    children: BTreeMap<Box<[u8]>, usize>,
}

/// A dive `FileTree`: an arena, node 0 the root. Removed nodes stay in the
/// arena, unreachable.
#[derive(Debug, Clone)]
struct DTree {
    nodes: Vec<DNode>,
}

impl DTree {
    fn new() -> Self {
        DTree {
            nodes: vec![DNode::default()],
        }
    }

    /// dive's `AddPath`: walk the names, creating missing ones with empty
    /// info; the payload goes on the last one. A missing component named
    /// `.wh..wh..*` ends the walk without adding it (opaque markers).
    fn add_path(&mut self, names: &[&[u8]], info: Info) {
        let mut cur = 0;
        for (idx, &name) in names.iter().enumerate() {
            cur = match self.nodes[cur].children.get(name) {
                Some(&id) => id,
                None => {
                    if name.starts_with(b".wh..wh..") {
                        return;
                    }
                    let id = self.nodes.len();
                    self.nodes.push(DNode {
                        name: name.into(),
                        info: Info::default(),
                        children: BTreeMap::new(),
                    });
                    self.nodes[cur].children.insert(name.into(), id);
                    id
                }
            };
            if idx == names.len() - 1 {
                self.nodes[cur].info = info;
            }
        }
    }

    fn get(&self, names: &[&[u8]]) -> Option<usize> {
        let mut cur = 0;
        for &name in names {
            cur = *self.nodes[cur].children.get(name)?;
        }
        Some(cur)
    }

    fn remove(&mut self, names: &[&[u8]]) {
        if names.is_empty() {
            return;
        }
        if let Some(parent) = self.get(&names[..names.len() - 1]) {
            self.nodes[parent].children.remove(names[names.len() - 1]);
        }
    }

    /// Sum of the sizes of a node and every node below it.
    fn subtree_size(&self, id: usize) -> u64 {
        let mut total = 0;
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            total += self.nodes[cur].info.size;
            stack.extend(self.nodes[cur].children.values().copied());
        }
        total
    }

    /// Every node but the root, children before their parent, names in
    /// byte order: dive's `VisitDepthChildFirst`. Yields (key names, node).
    fn child_first(&self) -> Vec<(Vec<&[u8]>, usize)> {
        let mut out = Vec::new();
        let mut names = Vec::new();
        self.visit(0, &mut names, &mut out);
        out
    }

    fn visit<'a>(
        &'a self,
        id: usize,
        names: &mut Vec<&'a [u8]>,
        out: &mut Vec<(Vec<&'a [u8]>, usize)>,
    ) {
        for (name, &child) in &self.nodes[id].children {
            names.push(name);
            self.visit(child, names, out);
            names.pop();
        }
        if id != 0 {
            out.push((names.clone(), id));
        }
    }

    /// dive's `Stack`: graft `upper` onto this tree.
    fn stack(&mut self, upper: &DTree) {
        for (names, id) in upper.child_first() {
            let node = &upper.nodes[id];
            if let Some(victim) = node.name.strip_prefix(WHITEOUT_PREFIX) {
                let mut key = names.clone();
                *key.last_mut().expect("a visited node has a name") = victim;
                self.remove(&key);
            } else {
                self.add_path(&names, node.info);
            }
        }
    }
}

/// Build dive's tree of one layer from its entries in tar order.
fn layer_tree(changes: &LayerChanges) -> DTree {
    let mut tree = DTree::new();
    for record in &changes.records {
        let names: Vec<&[u8]> = path::components(&record.path).collect();
        match &record.op {
            Op::Add(meta) => tree.add_path(
                &names,
                Info {
                    is_dir: meta.kind == EntryKind::Dir,
                    size: meta.size,
                },
            ),
            Op::Whiteout => {
                let (parent, name) = path::split_last(&record.path);
                let mut marker = WHITEOUT_PREFIX.to_vec();
                marker.extend_from_slice(name);
                let mut names: Vec<&[u8]> = path::components(parent).collect();
                names.push(&marker);
                tree.add_path(&names, Info::default());
            }
            Op::Opaque => {
                // The marker itself is dropped, but its parents are created.
                let mut names = names;
                names.push(b".wh..wh..opq");
                tree.add_path(&names, Info::default());
            }
        }
    }
    tree
}

/// Per key: occurrences, cumulative size and the smallest size seen. dive
/// starts the smallest size at -1 and replaces it on the first occurrence; a
/// key whose only visit was a failed whiteout lookup keeps the -1, which then
/// counts in the score's numerator.
struct KeyData {
    count: u32,
    cumulative: u64,
    min: i64,
}

/// Compute dive's figures for layers in manifest order.
pub fn compute<'a>(layers: impl IntoIterator<Item = &'a LayerChanges>) -> DiveFigures {
    let layers: Vec<&LayerChanges> = layers.into_iter().collect();
    let mut keys: HashMap<Vec<u8>, KeyData> = HashMap::new();
    let mut order: Vec<Vec<u8>> = Vec::new();
    // The stack of earlier layers: a copy of layer 0 for layer 0 itself, then
    // that copy with layers 0..i-1 stacked on it.
    let mut stack: Option<DTree> = None;
    for changes in &layers {
        let tree = layer_tree(changes);
        let below = stack.get_or_insert_with(|| tree.clone());
        for (names, id) in tree.child_first() {
            let node = &tree.nodes[id];
            if !node.children.is_empty() {
                continue;
            }
            let mut key_names = names.clone();
            let victim = node.name.strip_prefix(WHITEOUT_PREFIX);
            if let Some(victim) = victim {
                *key_names.last_mut().expect("a visited node has a name") = victim;
            }
            let mut key = Vec::new();
            for name in &key_names {
                key.push(b'/');
                key.extend_from_slice(name);
            }
            let data = keys.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                KeyData {
                    count: 0,
                    cumulative: 0,
                    min: -1,
                }
            });
            let size = match victim {
                Some(_) => {
                    // A victim missing from the earlier layers stops dive's
                    // walk of this layer: the remaining leaves count nothing.
                    let Some(old) = below.get(&key_names) else {
                        break;
                    };
                    if below.nodes[old].info.is_dir {
                        below.subtree_size(old)
                    } else {
                        0
                    }
                }
                None => node.info.size,
            };
            data.count += 1;
            data.cumulative += size;
            if data.min < 0 || (size as i64) < data.min {
                data.min = size as i64;
            }
        }
        below.stack(&tree);
    }

    let (mut min_sum, mut cumulative_sum) = (0i64, 0u64);
    let mut file_reference = Vec::new();
    let mut inefficient_bytes = 0u64;
    for key in &order {
        let data = &keys[key];
        min_sum += data.min;
        cumulative_sum += data.cumulative;
        if data.count >= 2 {
            inefficient_bytes += data.cumulative;
            file_reference.push(FileReference {
                count: data.count,
                size_bytes: data.cumulative,
                file: path::escape(key).into_owned(),
            });
        }
    }
    file_reference.sort_by(|a, b| {
        b.size_bytes
            .cmp(&a.size_bytes)
            .then_with(|| a.file.cmp(&b.file))
    });
    let user_size: u64 = layers.iter().skip(1).map(|l| l.size).sum();
    DiveFigures {
        efficiency_score: if cumulative_sum == 0 {
            1.0
        } else {
            min_sum as f64 / cumulative_sum as f64
        },
        inefficient_bytes,
        user_wasted_percent: if user_size == 0 {
            0.0
        } else {
            inefficient_bytes as f64 / user_size as f64
        },
        file_reference,
    }
}
