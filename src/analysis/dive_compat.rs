//! dive 0.13.1's figures, reproduced to the last digit (README, "How the
//! figures are defined", dive-compatible figures). dive's model is
//! path-based and ignores content; its quirks are kept on purpose, each noted
//! where it happens.
//!
//! dive re-stacks all earlier layers for every whiteout it meets; here the
//! stack of earlier layers is kept up to date layer by layer instead, which
//! gives the same lookups in linear time.

use std::sync::Arc;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::layer::path;
use crate::layer::{EntryKind, LayerChanges, Op};
use crate::tree::name_slot;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiveFigures {
    pub efficiency_score: f64,
    pub inefficient_bytes: u64,
    /// inefficientBytes / (sum of layers 1..n-1): +Inf when that sum is 0
    /// and inefficientBytes is not (as dive), 0 when both are.
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

/// dive's per-node payload: only whether it is a directory and its size,
/// in one word (the top bit says directory; no layer holds 2^63 bytes). A
/// node made for a missing parent has neither (not a dir, size 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Info(u64);

impl Info {
    const DIR: u64 = 1 << 63;

    fn new(is_dir: bool, size: u64) -> Self {
        Info(if is_dir { Self::DIR } else { 0 } | (size & !Self::DIR))
    }

    fn is_dir(self) -> bool {
        self.0 & Self::DIR != 0
    }

    fn size(self) -> u64 {
        self.0 & !Self::DIR
    }
}

#[derive(Debug, Clone, Default)]
struct DNode {
    name: Arc<[u8]>,
    info: Info,
    /// The children, in byte order of their names: four bytes a child.
    children: Vec<u32>,
}

/// A dive `FileTree`: an arena, node 0 the root. Removed nodes stay in the
/// arena, unreachable.
#[derive(Debug, Clone)]
struct DTree {
    nodes: Vec<DNode>,
    /// The parent directory of the last added path and its node: tar entries
    /// come grouped by directory, so most additions skip the walk down.
    last_parent: Option<(Vec<u8>, usize)>,
}

impl DTree {
    fn new() -> Self {
        DTree {
            nodes: vec![DNode::default()],
            last_parent: None,
        }
    }

    /// dive's `AddPath` for a canonical path: walk the names, creating
    /// missing ones with empty info; the payload goes on the last one. A
    /// missing component named `.wh..wh..*` ends the walk without adding it
    /// (opaque markers).
    fn add_path(&mut self, path: &[u8], info: Info) {
        if path.is_empty() {
            return;
        }
        let (parent_path, name) = path::split_last(path);
        let parent = match &self.last_parent {
            Some((cached, id)) if cached.as_slice() == parent_path => *id,
            _ => {
                let mut cur = 0;
                for component in path::components(parent_path) {
                    match self.child_or_create(cur, component) {
                        Some(id) => cur = id,
                        None => return,
                    }
                }
                self.last_parent = Some((parent_path.to_vec(), cur));
                cur
            }
        };
        if let Some(id) = self.child_or_create(parent, name) {
            self.nodes[id].info = info;
        }
    }

    /// Where the child `name` of `parent` is among its children (`Ok`), or
    /// would go (`Err`).
    fn slot(&self, parent: usize, name: &[u8]) -> Result<usize, usize> {
        name_slot(&self.nodes[parent].children, name, |c| {
            &self.nodes[c as usize].name
        })
    }

    fn child(&self, parent: usize, name: &[u8]) -> Option<usize> {
        let at = self.slot(parent, name).ok()?;
        Some(self.nodes[parent].children[at] as usize)
    }

    fn child_or_create(&mut self, parent: usize, name: &[u8]) -> Option<usize> {
        self.child_or_create_with(parent, name, || Arc::from(name))
    }

    /// [`DTree::child_or_create`], taking the new node's name from `shared`
    /// (a name another tree already holds) instead of copying it.
    fn child_or_create_with(
        &mut self,
        parent: usize,
        name: &[u8],
        shared: impl FnOnce() -> Arc<[u8]>,
    ) -> Option<usize> {
        let at = match self.slot(parent, name) {
            Ok(at) => return Some(self.nodes[parent].children[at] as usize),
            Err(at) => at,
        };
        if name.starts_with(b".wh..wh..") {
            return None;
        }
        let id = self.nodes.len();
        self.nodes.push(DNode {
            name: shared(),
            info: Info::default(),
            children: Vec::new(),
        });
        self.nodes[parent].children.insert(at, id as u32);
        Some(id)
    }

    fn get(&self, names: &[&[u8]]) -> Option<usize> {
        let mut cur = 0;
        for &name in names {
            cur = self.child(cur, name)?;
        }
        Some(cur)
    }

    /// Sum of the sizes of a node and every node below it.
    fn subtree_size(&self, id: usize) -> u64 {
        let mut total = 0;
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            total += self.nodes[cur].info.size();
            stack.extend(self.nodes[cur].children.iter().map(|&c| c as usize));
        }
        total
    }

    /// Visit every node but the root, children before their parent, names in
    /// byte order: dive's `VisitDepthChildFirst`. The visitor gets the node's
    /// names from the root and returns false to stop the walk. Iterative:
    /// the depth of a path must not be the depth of peel's stack.
    fn visit_child_first<'a>(&'a self, visitor: &mut impl FnMut(&[&'a [u8]], usize) -> bool) {
        let mut names: Vec<&'a [u8]> = Vec::new();
        // (node, index of its next child to visit)
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        while let Some((id, next)) = stack.last_mut() {
            let id = *id;
            if let Some(&child) = self.nodes[id].children.get(*next) {
                *next += 1;
                let child = child as usize;
                names.push(&self.nodes[child].name);
                stack.push((child, 0));
                continue;
            }
            stack.pop();
            if id != 0 {
                if !visitor(&names, id) {
                    return;
                }
                names.pop();
            }
        }
    }

    /// dive's `Stack`: graft `upper` onto this tree. dive re-walks from the
    /// root for every node of `upper`, children before parents: walking both
    /// trees side by side does the same removals and additions in the same
    /// order, one map operation per node. Iterative, as the visit.
    fn stack(&mut self, upper: &DTree) {
        self.last_parent = None;
        /// What is left to do once a node's children are grafted.
        enum Then {
            Nothing,
            /// Give the target node (first) the upper node's (second) info.
            SetInfo(usize, usize),
            /// Remove the victim of the upper `.wh.X` node (second) from the
            /// directory (first).
            RemoveVictim(usize, usize),
        }
        struct Frame {
            from: usize,
            onto: usize,
            next: usize,
            then: Then,
        }
        let mut stack = vec![Frame {
            from: 0,
            onto: 0,
            next: 0,
            then: Then::Nothing,
        }];
        while let Some(frame) = stack.last_mut() {
            let (from, onto) = (frame.from, frame.onto);
            let Some(&child) = upper.nodes[from].children.get(frame.next) else {
                let done = stack.pop().expect("a frame is on the stack");
                match done.then {
                    Then::Nothing => {}
                    Then::SetInfo(target, child) => {
                        self.nodes[target].info = upper.nodes[child].info;
                    }
                    Then::RemoveVictim(dir, child) => self.remove_victim(upper, dir, child),
                }
                continue;
            };
            frame.next += 1;
            let child = child as usize;
            let name = &upper.nodes[child].name;
            if name.starts_with(WHITEOUT_PREFIX) {
                // A directory named `.wh.X` (its entries are not whiteouts)
                // gets its children grafted, then acts as a whiteout itself.
                if !upper.nodes[child].children.is_empty()
                    && let Some(target) = self.child_or_create_with(onto, name, || name.clone())
                {
                    stack.push(Frame {
                        from: child,
                        onto: target,
                        next: 0,
                        then: Then::RemoveVictim(onto, child),
                    });
                } else {
                    self.remove_victim(upper, onto, child);
                }
                continue;
            }
            let Some(target) = self.child_or_create_with(onto, name, || name.clone()) else {
                continue;
            };
            stack.push(Frame {
                from: child,
                onto: target,
                next: 0,
                then: Then::SetInfo(target, child),
            });
        }
    }

    /// dive's RemovePath for the upper node `marker` (`.wh.X`): the victim
    /// is a sibling of the marker, in `dir`.
    fn remove_victim(&mut self, upper: &DTree, dir: usize, marker: usize) {
        let victim = upper.nodes[marker]
            .name
            .strip_prefix(WHITEOUT_PREFIX)
            .unwrap_or_default();
        if let Ok(at) = self.slot(dir, victim) {
            self.nodes[dir].children.remove(at);
        }
    }
}

/// Build dive's tree of one layer from its entries in tar order.
fn layer_tree(changes: &LayerChanges) -> DTree {
    let mut tree = DTree::new();
    for record in &changes.records {
        match &record.op {
            Op::Add(meta) => tree.add_path(
                &record.path,
                Info::new(meta.kind == EntryKind::Dir, meta.size),
            ),
            Op::Whiteout => {
                let (parent, name) = path::split_last(&record.path);
                let mut marker = WHITEOUT_PREFIX.to_vec();
                marker.extend_from_slice(name);
                tree.add_path(&path::join(parent, &marker), Info::default());
            }
            Op::Opaque => {
                // The marker itself is dropped, but its parents are created.
                tree.add_path(&path::join(&record.path, b".wh..wh..opq"), Info::default());
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

/// dive's per-path statistics. There is one key per path of every layer
/// (100k and more), so the key bytes live in one arena and the table holds
/// where they are, not an allocation per key.
#[derive(Default)]
struct Keys {
    bytes: Vec<u8>,
    table: HashTable<(usize, usize, KeyData)>,
}

impl Keys {
    fn hash(key: &[u8]) -> u64 {
        FxBuildHasher.hash_one(key)
    }

    /// The data of `key`, made on its first visit.
    fn entry(&mut self, key: &[u8]) -> &mut KeyData {
        let Keys { bytes, table } = self;
        let hash = Self::hash(key);
        let entry = table.entry(
            hash,
            |&(start, len, _)| &bytes[start..start + len] == key,
            |&(start, len, _)| Self::hash(&bytes[start..start + len]),
        );
        let entry = entry.or_insert_with(|| {
            let start = bytes.len();
            bytes.extend_from_slice(key);
            (
                start,
                key.len(),
                KeyData {
                    count: 0,
                    cumulative: 0,
                    min: -1,
                },
            )
        });
        &mut entry.into_mut().2
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &KeyData)> {
        self.table
            .iter()
            .map(|(start, len, data)| (&self.bytes[*start..*start + *len], data))
    }
}

/// Compute dive's figures for layers in manifest order.
pub fn compute<'a>(layers: impl IntoIterator<Item = &'a LayerChanges>) -> DiveFigures {
    let layers: Vec<&LayerChanges> = layers.into_iter().collect();
    let mut keys = Keys::default();
    let mut key = Vec::new();
    // The stack of earlier layers: a copy of layer 0 for layer 0 itself, then
    // that copy with layers 0..i-1 stacked on it.
    let mut stack: Option<DTree> = None;
    for changes in &layers {
        let tree = layer_tree(changes);
        let below = stack.get_or_insert_with(|| tree.clone());
        let mut lookup = Vec::new();
        tree.visit_child_first(&mut |names, id| {
            let node = &tree.nodes[id];
            if !node.children.is_empty() {
                return true;
            }
            let victim = node.name.strip_prefix(WHITEOUT_PREFIX);
            key.clear();
            for (i, name) in names.iter().enumerate() {
                key.push(b'/');
                match victim {
                    Some(v) if i == names.len() - 1 => key.extend_from_slice(v),
                    _ => key.extend_from_slice(name),
                }
            }
            // The key counts from here, even if the lookup below fails.
            let data = keys.entry(&key);
            let size = match victim {
                Some(victim) => {
                    lookup.clear();
                    lookup.extend_from_slice(names);
                    *lookup.last_mut().expect("a visited node has a name") = victim;
                    // A victim missing from the earlier layers stops dive's
                    // walk of this layer: the remaining leaves count nothing.
                    let Some(old) = below.get(&lookup) else {
                        return false;
                    };
                    if below.nodes[old].info.is_dir() {
                        below.subtree_size(old)
                    } else {
                        0
                    }
                }
                None => node.info.size(),
            };
            data.count += 1;
            data.cumulative += size;
            if data.min < 0 || (size as i64) < data.min {
                data.min = size as i64;
            }
            true
        });
        below.stack(&tree);
    }

    let (mut min_sum, mut cumulative_sum) = (0i64, 0u64);
    let mut file_reference = Vec::new();
    let mut inefficient_bytes = 0u64;
    for (key, data) in keys.iter() {
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
        // dive divides floats: wasted bytes over 0 user bytes is +Inf (its
        // rule fails at any threshold); 0 over 0 is NaN, which it passes.
        user_wasted_percent: if user_size == 0 && inefficient_bytes > 0 {
            f64::INFINITY
        } else if user_size == 0 {
            0.0
        } else {
            inefficient_bytes as f64 / user_size as f64
        },
        file_reference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Meta, Record};

    fn layer(records: Vec<Record>) -> LayerChanges {
        LayerChanges {
            records,
            ..LayerChanges::default()
        }
    }

    fn file(path: &[u8], size: u64) -> Record {
        Record {
            path: path.into(),
            op: Op::Add(Meta {
                kind: EntryKind::File,
                size,
                ..Meta::implicit_dir()
            }),
        }
    }

    /// A path far deeper than any stack: the walks of dive's trees must not
    /// recurse (on a small thread stack, a recursive walk overflows it).
    #[test]
    fn deep_paths_do_not_overflow_the_stack() {
        let deep = "d/".repeat(20_000) + "f";
        let figures = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let layers = [
                    layer(vec![file(deep.as_bytes(), 10)]),
                    layer(vec![file(deep.as_bytes(), 10)]),
                    layer(vec![Record {
                        path: b"d".as_slice().into(),
                        op: Op::Whiteout,
                    }]),
                ];
                compute(layers.iter())
            })
            .expect("thread")
            .join()
            .expect("no overflow");
        // The file counts in two layers; `d`'s whiteout once.
        assert_eq!(figures.file_reference.len(), 1);
        assert_eq!(figures.file_reference[0].count, 2);
        assert_eq!(figures.inefficient_bytes, 20);
    }
}
