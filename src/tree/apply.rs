//! Applying layers to the stacked tree, following the OCI image-layer rules.

use std::collections::HashMap;

use smallvec::SmallVec;

use super::node::{FileEntry, HideReason, Node, NodeId, Overwrite, ROOT, State, Tree, Version};
use crate::layer::path;
use crate::layer::{EntryKind, LayerChanges, LayerIdx, Meta, Op};

/// Stack `layers` bottom to top.
pub fn build<'a>(layers: impl IntoIterator<Item = &'a LayerChanges>) -> Tree {
    let mut tree = Tree::new();
    for (idx, changes) in layers.into_iter().enumerate() {
        Applier {
            tree: &mut tree,
            layer: LayerIdx::new(idx).expect("an image has fewer than 2^32 layers"),
            last_dir: None,
        }
        .apply(changes);
        tree.layer_count = idx as u32 + 1;
    }
    tree
}

/// Why a hardlink could not be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkError {
    Missing,
    Directory,
}

struct Applier<'t> {
    tree: &'t mut Tree,
    layer: LayerIdx,
    /// The last directory [`Applier::ensure_dir`] resolved.
    last_dir: Option<(Vec<u8>, NodeId)>,
}

impl Applier<'_> {
    /// Opaque markers first (they hide lower layers only, wherever they stand
    /// in the tar), then whiteouts, then every other entry in tar order.
    fn apply(&mut self, changes: &LayerChanges) {
        for warning in &changes.warnings {
            self.warn(warning);
        }
        // What this layer itself adds, by path (is it a directory?): made
        // only for a layer with markers, and only when one is questioned.
        let mut added: Option<HashMap<&[u8], EntryKind>> = None;
        for record in &changes.records {
            if record.op == Op::Opaque {
                self.check_marker(&record.path, changes, &mut added);
                self.opaque(&record.path);
            }
        }
        for record in &changes.records {
            if record.op == Op::Whiteout {
                self.check_marker(path::split_last(&record.path).0, changes, &mut added);
                self.whiteout(&record.path);
            }
        }
        let mut pending_links = Vec::new();
        for record in &changes.records {
            if let Op::Add(meta) = &record.op {
                if meta.kind == EntryKind::Hardlink
                    && self.add_hardlink(&record.path, meta).is_err()
                {
                    pending_links.push((&record.path, meta));
                    continue;
                }
                if meta.kind != EntryKind::Hardlink {
                    self.add(&record.path, meta);
                }
            }
        }
        // A link whose target comes later in the same tar (a malformed but
        // seen order): try once more now that the layer is complete.
        for (link_path, meta) in pending_links {
            if let Err(why) = self.add_hardlink(link_path, meta) {
                let target = path::display_line(meta.link.as_deref().unwrap_or_default());
                let what = match why {
                    LinkError::Missing => "which does not exist",
                    LinkError::Directory => "a directory (a hardlink cannot name a directory)",
                };
                let warning = format!(
                    "hardlink {} points to {target}, {what}; ignored",
                    path::display_line(link_path),
                );
                self.warn(&warning);
            }
        }
    }

    fn warn(&mut self, what: &str) {
        self.tree
            .warnings
            .push(format!("layer {}: {what}", self.layer));
    }

    /// Warn when a whiteout or opaque marker in directory `dir` stands
    /// under a regular file, a symlink or another non-directory (`dir` or
    /// one above it), of this layer or of a lower one. The marker is still
    /// applied as the layer rules say (an engine unpacking the layer alone,
    /// as overlayfs drivers do, makes the directory; one unpacking it over
    /// the lower layers fails with `ENOTDIR`): the warning says the image
    /// is odd, the figures follow the rules.
    fn check_marker<'c>(
        &mut self,
        dir: &[u8],
        changes: &'c LayerChanges,
        added: &mut Option<HashMap<&'c [u8], EntryKind>>,
    ) {
        let mut below = None;
        let mut cur = ROOT;
        for name in path::components(dir) {
            let Some(id) = self.tree.child(cur, name) else {
                break;
            };
            cur = id;
            if let Some(meta) = self.tree.node(id).present_meta()
                && !meta.kind.is_dir()
            {
                below = Some((id, meta.kind));
                break;
            }
        }
        let is_dir_here = |at: &[u8], added: &mut Option<HashMap<&'c [u8], EntryKind>>| {
            let map = added.get_or_insert_with(|| {
                let mut map = HashMap::new();
                for record in &changes.records {
                    if let Op::Add(meta) = &record.op {
                        map.insert(&record.path[..], meta.kind);
                    }
                }
                map
            });
            map.get(at).copied()
        };
        let conflict = match is_dir_here(dir, added) {
            Some(EntryKind::Dir) => None,
            Some(kind) => Some(format!(
                "{} {} of this layer",
                kind.name(),
                path::display_line(dir)
            )),
            None => match below {
                Some((id, kind)) => {
                    let at = self.tree.path_of(id);
                    // The layer itself may make that path a directory again.
                    match is_dir_here(&at, added) {
                        Some(EntryKind::Dir) => None,
                        _ => Some(format!("{} {}", kind.name(), path::display_line(&at))),
                    }
                }
                None => None,
            },
        };
        if let Some(what) = conflict {
            let warning = format!(
                "whiteout marker in {} stands under {what}, not a directory",
                path::display_line(dir)
            );
            self.warn(&warning);
        }
    }

    fn opaque(&mut self, dir: &[u8]) {
        let id = self.ensure_dir(dir);
        let children = self.tree[id].children.clone();
        for child in children {
            self.hide_subtree(child, HideReason::Opaque);
        }
    }

    fn whiteout(&mut self, victim: &[u8]) {
        if let Some(id) = self.tree.lookup(victim) {
            self.hide_subtree(id, HideReason::Deleted);
        }
    }

    /// Add or replace a non-hardlink entry.
    fn add(&mut self, at: &[u8], meta: &Meta) {
        let id = self.place_with(at, meta);
        let content = (meta.kind == EntryKind::File).then(|| self.new_file(id, meta));
        self.push_entry(id, meta, content);
    }

    /// The path now holds this entry (`content`: the bytes it shows).
    fn push_entry(&mut self, id: NodeId, meta: &Meta, content: Option<u32>) {
        self.push(
            id,
            State::Present {
                meta: meta.clone(),
                content,
                implicit: false,
            },
        );
    }

    /// Add a hardlink; an error if its target does not exist (yet) or
    /// cannot be linked to.
    fn add_hardlink(&mut self, at: &[u8], meta: &Meta) -> Result<(), LinkError> {
        let target = meta.link.as_deref().ok_or(LinkError::Missing)?;
        let target_id = self.tree.lookup(target).ok_or(LinkError::Missing)?;
        let (content, target_meta) = match self.tree.node(target_id).current() {
            Some(State::Present { meta, .. }) if meta.kind.is_dir() => {
                return Err(LinkError::Directory);
            }
            Some(State::Present { content, meta, .. }) => (*content, meta.clone()),
            _ => return Err(LinkError::Missing),
        };
        let id = self.place_with(at, &target_meta);
        self.push_entry(id, meta, content);
        Ok(())
    }

    /// Make room for an entry whose content is described by `new` (for a
    /// hardlink, the target's metadata, used to tell how it overwrote).
    fn place_with(&mut self, at: &[u8], new: &Meta) -> NodeId {
        let (parent_path, name) = path::split_last(at);
        let parent = self.ensure_dir(parent_path);
        let id = self.child(parent, name);
        // (was a directory, same content, same attributes)
        let old = match self.tree.node(id).current() {
            Some(State::Present { meta, .. }) => Some((
                meta.kind.is_dir(),
                meta.same_content(new),
                meta.same_attributes(new),
            )),
            _ => None,
        };
        match old {
            None => {}
            // A directory over a directory merges.
            Some((true, ..)) if new.kind.is_dir() => {}
            Some((true, ..)) => {
                // A non-directory over a directory removes its subtree.
                let children = self.tree.node(id).children.clone();
                for child in children {
                    self.hide_subtree(child, HideReason::Replaced);
                }
            }
            Some((false, same_content, same_attributes)) => {
                let how = if same_content && same_attributes {
                    Overwrite::Identical
                } else if same_content {
                    Overwrite::MetadataOnly
                } else {
                    Overwrite::Changed
                };
                self.hide_node(id, HideReason::Overwritten(how));
            }
        }
        id
    }

    /// The node of directory `dir`, creating it (and its parents) implicitly
    /// where no layer made it, and replacing a non-directory in the way.
    fn ensure_dir(&mut self, dir: &[u8]) -> NodeId {
        // Entries come grouped by directory: if the last directory ensured is
        // this one and still a present directory, so are all its parents.
        if let Some((cached, id)) = &self.last_dir
            && cached.as_slice() == dir
            && self
                .tree
                .node(*id)
                .present_meta()
                .is_some_and(|m| m.kind.is_dir())
        {
            return *id;
        }
        let id = self.walk_to_dir(dir);
        self.last_dir = Some((dir.to_vec(), id));
        id
    }

    fn walk_to_dir(&mut self, dir: &[u8]) -> NodeId {
        let mut cur = ROOT;
        for name in path::components(dir) {
            cur = self.child(cur, name);
            let needs_dir = match self.tree.node(cur).current() {
                Some(State::Present { meta, .. }) => {
                    if meta.kind.is_dir() {
                        false
                    } else {
                        self.hide_node(cur, HideReason::Overwritten(Overwrite::Changed));
                        true
                    }
                }
                _ => true,
            };
            if needs_dir {
                self.push(
                    cur,
                    State::Present {
                        meta: Meta::implicit_dir(),
                        content: None,
                        implicit: true,
                    },
                );
            }
        }
        cur
    }

    /// The child `name` of `parent`, created (with no history) if missing.
    fn child(&mut self, parent: NodeId, name: &[u8]) -> NodeId {
        let slot = match self.tree.child_slot(parent, name) {
            Ok(id) => return id,
            Err(slot) => slot,
        };
        let id = NodeId::new(self.tree.nodes.len()).expect("a tree holds fewer than 2^32 nodes");
        self.tree.nodes.push(Node {
            name: name.into(),
            parent,
            children: Vec::new(),
            versions: SmallVec::new(),
        });
        self.tree.nodes[parent].children.insert(slot, id);
        id
    }

    fn new_file(&mut self, node: NodeId, meta: &Meta) -> u32 {
        let idx = self.tree.files.len() as u32;
        self.tree.files.push(FileEntry {
            layer: self.layer,
            node,
            size: meta.size,
            hidden: None,
            secret: meta.secret,
        });
        idx
    }

    fn push(&mut self, id: NodeId, state: State) {
        let versions = &mut self.tree.nodes[id].versions;
        // A second version spills to the heap: room for two, not a Vec's
        // default growth to four.
        if versions.len() == 1 {
            versions.reserve_exact(1);
        }
        versions.push(Version {
            layer: self.layer,
            state,
        });
    }

    /// Hide a present path and everything present below it.
    fn hide_subtree(&mut self, id: NodeId, reason: HideReason) {
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            if self.hide_node(cur, reason) {
                stack.extend(self.tree.node(cur).children.iter().copied());
            }
        }
    }

    /// Hide one present path (not its children); false if it was not present.
    fn hide_node(&mut self, id: NodeId, reason: HideReason) -> bool {
        let content = match self.tree.node(id).current() {
            Some(State::Present { content, .. }) => *content,
            _ => return false,
        };
        if let Some(file) = content {
            let entry = &mut self.tree.files[file as usize];
            // Only the entry's own path counts: a hardlink name going away
            // does not hide the entry that created the bytes.
            if entry.node == id && entry.hidden.is_none() {
                entry.hidden = Some((self.layer, reason));
            }
        }
        self.push(id, State::Absent(reason));
        true
    }
}
