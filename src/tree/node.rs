//! Arena storage for the stacked tree.

use std::ops::{Index, IndexMut};

use smallvec::SmallVec;

use crate::layer::path;
use crate::layer::{LayerIdx, Meta, SecretContent};

/// A node of the [`Tree`]: its place in [`Tree::nodes`]. Four bytes, as the
/// tree holds every path of the image (a million nodes and more), each
/// listing its children by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

/// The root (`/`): the first node of every tree.
pub const ROOT: NodeId = NodeId(0);

// `new`, `index` (into [`Tree::nodes`] and every per-node vector), `all`.
crate::layer::u32_index!(NodeId);

impl Index<NodeId> for Vec<Node> {
    type Output = Node;
    fn index(&self, id: NodeId) -> &Node {
        &self[id.index()]
    }
}

impl IndexMut<NodeId> for Vec<Node> {
    fn index_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self[id.index()]
    }
}

impl Index<NodeId> for Tree {
    type Output = Node;
    fn index(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }
}

/// How a later layer overwrote a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Overwrite {
    /// Same content and the same mode, owner and times.
    Identical,
    /// Same content; only mode, owner or times changed (a chmod/chown/touch copy-up).
    MetadataOnly,
    /// Different content (or a different kind of entry).
    Changed,
}

/// Why a version of a path stopped being visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HideReason {
    Overwritten(Overwrite),
    /// A whiteout of the path or of an ancestor.
    Deleted,
    /// An opaque marker on an ancestor.
    Opaque,
    /// An ancestor directory was replaced by a non-directory.
    Replaced,
}

impl HideReason {
    /// The stable name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            HideReason::Overwritten(Overwrite::Identical) => "overwritten-identical",
            HideReason::Overwritten(Overwrite::MetadataOnly) => "overwritten-metadata-only",
            HideReason::Overwritten(Overwrite::Changed) => "overwritten-changed",
            HideReason::Deleted => "deleted",
            HideReason::Opaque => "opaque",
            HideReason::Replaced => "replaced",
        }
    }
}

/// The state of a path from a layer on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Present {
        meta: Meta,
        /// The regular-file entry whose bytes this path shows (hardlinks share it).
        content: Option<u32>,
        /// A directory that no entry described (a missing parent).
        implicit: bool,
    },
    Absent(HideReason),
}

/// One change of a path, made by one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub layer: LayerIdx,
    pub state: State,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: Box<[u8]>,
    pub parent: NodeId,
    /// The children, in byte order of their names (use [`Tree::child`] to
    /// look one up). Four bytes a child, where a map would keep a key and
    /// its node: the tree holds every path of the image.
    pub children: Vec<NodeId>,
    /// In layer order; several versions may share a layer. Most paths have
    /// one version, kept inline: no allocation per node.
    pub versions: SmallVec<[Version; 1]>,
}

impl Node {
    /// The latest state, if any layer touched the path.
    pub fn current(&self) -> Option<&State> {
        self.versions.last().map(|v| &v.state)
    }

    /// The state as of layer `layer` (after it was applied).
    pub fn at(&self, layer: LayerIdx) -> Option<&Version> {
        let idx = self.versions.partition_point(|v| v.layer <= layer);
        idx.checked_sub(1).map(|i| &self.versions[i])
    }

    pub fn present_meta(&self) -> Option<&Meta> {
        match self.current() {
            Some(State::Present { meta, .. }) => Some(meta),
            _ => None,
        }
    }
}

/// One regular-file entry (the only entries that carry bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub layer: LayerIdx,
    pub node: NodeId,
    pub size: u64,
    /// The first event that hid this entry's path: (hiding layer, reason).
    pub hidden: Option<(LayerIdx, HideReason)>,
    /// What the content looks like, if a secret (hardlinks share it).
    pub secret: Option<SecretContent>,
}

/// The stacked tree of a whole image.
#[derive(Debug, Clone)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub files: Vec<FileEntry>,
    pub layer_count: u32,
    /// Oddities met while stacking (a dangling hardlink, ...), one line each.
    pub warnings: Vec<String>,
}

impl Tree {
    pub fn new() -> Self {
        Tree {
            nodes: vec![Node {
                name: Box::default(),
                parent: ROOT,
                children: Vec::new(),
                versions: SmallVec::new(),
            }],
            files: Vec::new(),
            layer_count: 0,
            warnings: Vec::new(),
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn root(&self) -> NodeId {
        ROOT
    }

    /// The top layer's position, if the image has a layer.
    pub fn top_layer(&self) -> Option<LayerIdx> {
        LayerIdx::all(self.layer_count as usize).next_back()
    }

    /// The canonical path of a node (`a/b/c`, empty for the root).
    pub fn path_of(&self, id: NodeId) -> Vec<u8> {
        let mut names = Vec::new();
        let mut cur = id;
        while cur != ROOT {
            let node = self.node(cur);
            names.push(&node.name[..]);
            cur = node.parent;
        }
        names.reverse();
        names.join(&b'/')
    }

    /// Visit every node below the root, depth first in name order, with its
    /// canonical path: one path buffer for the whole walk, where calling
    /// [`Tree::path_of`] per node would allocate and climb for each.
    pub fn for_each_path(&self, mut visit: impl FnMut(NodeId, &[u8])) {
        let mut path: Vec<u8> = Vec::new();
        // (node, length of the path before its name)
        let mut stack: Vec<(NodeId, usize)> = Vec::new();
        let push_children = |stack: &mut Vec<(NodeId, usize)>, id: NodeId, len: usize| {
            stack.extend(self.node(id).children.iter().rev().map(|&c| (c, len)));
        };
        push_children(&mut stack, ROOT, 0);
        while let Some((id, len)) = stack.pop() {
            path.truncate(len);
            if len > 0 {
                path.push(b'/');
            }
            path.extend_from_slice(&self.node(id).name);
            visit(id, &path);
            let here = path.len();
            push_children(&mut stack, id, here);
        }
    }

    pub fn display_path(&self, id: NodeId) -> String {
        path::display(&self.path_of(id))
    }

    /// The child of `parent` named `name`.
    pub fn child(&self, parent: NodeId, name: &[u8]) -> Option<NodeId> {
        self.child_slot(parent, name).ok()
    }

    /// Where `name` is, or would go, among `parent`'s children.
    pub(crate) fn child_slot(&self, parent: NodeId, name: &[u8]) -> Result<NodeId, usize> {
        let children = &self.node(parent).children;
        name_slot(children, name, |c| &self.node(c).name).map(|i| children[i])
    }

    /// Find a node by canonical path.
    pub fn lookup(&self, canonical: &[u8]) -> Option<NodeId> {
        let mut cur = ROOT;
        for name in path::components(canonical) {
            cur = self.child(cur, name)?;
        }
        Some(cur)
    }

    /// Is the path present after the last layer?
    pub fn is_present(&self, id: NodeId) -> bool {
        matches!(self.node(id).current(), Some(State::Present { .. }))
    }
}

/// Where `name` is (`Ok`, its index), or would go (`Err`), among
/// `children`: node ids kept in byte order of their names, which `name_of`
/// gives. Tars list a directory's entries in order, so a new name most often
/// goes last: that is checked before the binary search.
pub(crate) fn name_slot<'a, Id: Copy>(
    children: &[Id],
    name: &[u8],
    name_of: impl Fn(Id) -> &'a [u8],
) -> Result<usize, usize> {
    match children.last() {
        None => return Err(0),
        Some(&last) if name_of(last) < name => return Err(children.len()),
        _ => {}
    }
    children.binary_search_by(|&c| name_of(c).cmp(name))
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_stay_four_bytes() {
        // The tree holds every path of the image: a wider id would grow
        // every node's children and every version.
        assert_eq!(std::mem::size_of::<NodeId>(), 4);
        assert_eq!(std::mem::size_of::<Option<NodeId>>(), 8);
        assert_eq!(
            std::mem::size_of::<Version>(),
            std::mem::size_of::<(u32, State)>()
        );
    }

    #[test]
    fn ids_are_checked_and_index_the_nodes() {
        assert_eq!(NodeId::new(0), Some(ROOT));
        assert_eq!(NodeId::new(u32::MAX as usize + 1), None);
        let mut tree = Tree::new();
        tree.nodes.push(Node {
            name: b"a".as_slice().into(),
            parent: ROOT,
            children: Vec::new(),
            versions: SmallVec::new(),
        });
        let a = NodeId::new(1).unwrap();
        tree.nodes[ROOT].children.push(a);
        assert_eq!(&*tree[a].name, b"a");
        assert_eq!(tree.nodes[a].parent, ROOT);
        assert_eq!(tree.lookup(b"a"), Some(a));
        assert_eq!(a.index(), 1);
        let all: Vec<NodeId> = NodeId::all(tree.nodes.len()).collect();
        assert_eq!(all, [ROOT, a]);
        assert_eq!(tree.top_layer(), None);
        tree.layer_count = 3;
        assert_eq!(tree.top_layer(), LayerIdx::new(2));
    }
}
