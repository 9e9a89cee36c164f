//! The final filesystems compared path by path: every non-directory entry
//! visible after the last layer, matched by path, told apart by size,
//! content hash and attributes (mode, owner, times).

use std::cmp::Ordering;

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::layer::{EntryKind, LayerIdx, Meta, path};
use crate::tree::{NodeId, State, Tree};

/// One visible non-directory entry of a final filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// Canonical path as the reports show it, without the leading slash
    /// (`a/b`; bytes that are not UTF-8 escaped as `\xNN`), so that a
    /// baseline report's paths compare with an image's.
    pub path: Box<[u8]>,
    /// Content bytes (a hardlink: its target's).
    pub size: u64,
    /// xxh3-64 of a regular file's content (a hardlink: its target's); of
    /// the kind and link target for other entries.
    pub hash: u64,
    /// xxh3-64 of the mode, owner and modification time.
    pub attrs: u64,
    /// The layer whose entry the path shows.
    pub layer: LayerIdx,
}

/// A path a layer deleted (a whiteout, an opaque directory), and that layer.
pub type Deleted = (Box<[u8]>, LayerIdx);

/// How a path differs from OLD to NEW.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    Added,
    Removed,
    Grown,
    Shrunk,
    /// Same size, other content.
    Changed,
    /// Same content; mode, owner or times differ.
    Metadata,
}

impl Change {
    /// The stable name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Grown => "grown",
            Change::Shrunk => "shrunk",
            Change::Changed => "changed",
            Change::Metadata => "metadata",
        }
    }
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: Box<[u8]>,
    pub change: Change,
    pub old_bytes: u64,
    pub new_bytes: u64,
    /// NEW's layer that brought the change (for a removal, the layer that
    /// deleted the path, when one did).
    pub layer: Option<LayerIdx>,
}

impl FileChange {
    pub fn delta(&self) -> i64 {
        self.new_bytes as i64 - self.old_bytes as i64
    }
}

/// The order of [`Tree::for_each_path`]: component by component, each in
/// byte order (a directory's entries right after it). That is byte order
/// with `/` before every other byte (names hold no NUL).
pub fn path_order(a: &[u8], b: &[u8]) -> Ordering {
    let key = |c: u8| if c == b'/' { 0 } else { c };
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => key(a[i]).cmp(&key(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// Sort `rows` in [`path_order`] (a no-op check when they already are).
pub fn sort_paths<T>(rows: &mut [T], path: impl Fn(&T) -> &[u8]) {
    if !rows.is_sorted_by(|a, b| path_order(path(a), path(b)).is_le()) {
        rows.sort_by(|a, b| path_order(path(a), path(b)));
    }
}

/// The final filesystem's visible non-directory entries, and the paths
/// deleted by a layer (with that layer), both in [`path_order`].
pub fn final_files(tree: &Tree) -> (Vec<FileRow>, Vec<Deleted>) {
    let mut files = Vec::new();
    let mut deleted = Vec::new();
    tree.for_each_path(|id, path| {
        let node = tree.node(id);
        let Some(version) = node.versions.last() else {
            return;
        };
        match &version.state {
            State::Present { meta, content, .. } => {
                if meta.kind.is_dir() {
                    return;
                }
                let shown = content.and_then(|c| content_meta(tree, c)).unwrap_or(meta);
                files.push(FileRow {
                    path: shown_path(path),
                    size: shown.size,
                    hash: content_hash(shown),
                    attrs: attrs_hash(shown),
                    layer: version.layer,
                });
            }
            State::Absent(_) => deleted.push((shown_path(path), version.layer)),
        }
    });
    // Escaped names may sort otherwise than their bytes did.
    sort_paths(&mut files, |f| &f.path);
    sort_paths(&mut deleted, |d| &d.0);
    (files, deleted)
}

fn shown_path(canonical: &[u8]) -> Box<[u8]> {
    path::escape(canonical).as_bytes().into()
}

/// The metadata of the regular-file entry `content` (what a hardlink shows).
fn content_meta(tree: &Tree, content: u32) -> Option<&Meta> {
    let entry = tree.files.get(content as usize)?;
    let node: NodeId = entry.node;
    tree.node(node)
        .versions
        .iter()
        .filter(|v| v.layer == entry.layer)
        .find_map(|v| match &v.state {
            State::Present {
                meta,
                content: Some(c),
                ..
            } if *c == content && meta.kind == EntryKind::File => Some(meta),
            _ => None,
        })
}

fn content_hash(meta: &Meta) -> u64 {
    if meta.kind == EntryKind::File {
        return meta.hash;
    }
    let mut bytes = vec![meta.kind.letter() as u8];
    bytes.extend_from_slice(meta.link.as_deref().unwrap_or_default());
    xxh3_64(&bytes)
}

fn attrs_hash(meta: &Meta) -> u64 {
    let mut h = Xxh3::new();
    h.update(&meta.mode.to_le_bytes());
    h.update(&meta.uid.to_le_bytes());
    h.update(&meta.gid.to_le_bytes());
    h.update(&meta.mtime.to_le_bytes());
    h.digest()
}

/// Every path that differs, largest absolute change first (then by path).
/// `deleted` is NEW's list of deleted paths ([`final_files`]).
pub fn compare(old: &[FileRow], new: &[FileRow], deleted: &[Deleted]) -> Vec<FileChange> {
    let mut changes = Vec::new();
    let (mut i, mut j) = (0, 0);
    let removed = |row: &FileRow| FileChange {
        path: row.path.clone(),
        change: Change::Removed,
        old_bytes: row.size,
        new_bytes: 0,
        layer: deleted
            .binary_search_by(|(p, _)| path_order(p, &row.path))
            .ok()
            .map(|k| deleted[k].1),
    };
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(o), Some(n)) => path_order(&o.path, &n.path),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                changes.push(removed(&old[i]));
                i += 1;
            }
            Ordering::Greater => {
                let n = &new[j];
                changes.push(FileChange {
                    path: n.path.clone(),
                    change: Change::Added,
                    old_bytes: 0,
                    new_bytes: n.size,
                    layer: Some(n.layer),
                });
                j += 1;
            }
            Ordering::Equal => {
                let (o, n) = (&old[i], &new[j]);
                let change = if n.size > o.size {
                    Some(Change::Grown)
                } else if n.size < o.size {
                    Some(Change::Shrunk)
                } else if n.hash != o.hash {
                    Some(Change::Changed)
                } else if n.attrs != o.attrs {
                    Some(Change::Metadata)
                } else {
                    None
                };
                if let Some(change) = change {
                    changes.push(FileChange {
                        path: n.path.clone(),
                        change,
                        old_bytes: o.size,
                        new_bytes: n.size,
                        layer: Some(n.layer),
                    });
                }
                i += 1;
                j += 1;
            }
        }
    }
    sort_by_delta(&mut changes, |c| (c.delta(), &c.path));
    changes
}

/// Largest absolute delta first, then by path.
pub(super) fn sort_by_delta<T>(items: &mut [T], key: impl Fn(&T) -> (i64, &[u8])) {
    items.sort_by(|a, b| {
        let (da, pa) = key(a);
        let (db, pb) = key(b);
        db.unsigned_abs()
            .cmp(&da.unsigned_abs())
            .then_with(|| path_order(pa, pb))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, size: u64, hash: u64, attrs: u64) -> FileRow {
        FileRow {
            path: path.as_bytes().into(),
            size,
            hash,
            attrs,
            layer: 1.into(),
        }
    }

    #[test]
    fn path_order_is_the_tree_walk_order() {
        let mut paths = vec!["a-c", "a/b", "a", "b", "a/b/c", "a.d", "a/b-", "ab"];
        paths.sort_by(|a, b| path_order(a.as_bytes(), b.as_bytes()));
        assert_eq!(
            paths,
            ["a", "a/b", "a/b/c", "a/b-", "a-c", "a.d", "ab", "b"]
        );
        // The same as comparing component by component.
        for x in &paths {
            for y in &paths {
                let by_component = x.split('/').cmp(y.split('/'));
                assert_eq!(
                    path_order(x.as_bytes(), y.as_bytes()),
                    by_component,
                    "{x} {y}"
                );
            }
        }
    }

    #[test]
    fn every_kind_of_change() {
        // Each path's (size, hash, attrs) in OLD and in NEW, where it is.
        let paths = [
            ("gone", Some((5, 1, 1)), None),
            ("grow", Some((10, 1, 1)), Some((30, 2, 1))),
            ("meta", Some((7, 1, 1)), Some((7, 1, 2))),
            ("new", None, Some((1, 1, 1))),
            ("same", Some((3, 1, 1)), Some((3, 1, 1))),
            ("shrink", Some((10, 1, 1)), Some((2, 1, 1))),
            ("swap", Some((4, 1, 1)), Some((4, 2, 1))),
        ];
        let old: Vec<FileRow> = (paths.iter())
            .filter_map(|&(p, old, _)| old.map(|(size, hash, attrs)| row(p, size, hash, attrs)))
            .collect();
        let new: Vec<FileRow> = (paths.iter())
            .filter_map(|&(p, _, new)| new.map(|(size, hash, attrs)| row(p, size, hash, attrs)))
            .collect();
        let deleted = [(b"gone".as_slice().into(), 3.into())];
        let changes = compare(&old, &new, &deleted);
        let got: Vec<(&[u8], &str, i64, Option<LayerIdx>)> = changes
            .iter()
            .map(|c| (&*c.path, c.change.name(), c.delta(), c.layer))
            .collect();
        assert_eq!(
            got,
            vec![
                (b"grow".as_slice(), "grown", 20, Some(1.into())),
                (b"shrink".as_slice(), "shrunk", -8, Some(1.into())),
                (b"gone".as_slice(), "removed", -5, Some(3.into())),
                (b"new".as_slice(), "added", 1, Some(1.into())),
                (b"meta".as_slice(), "metadata", 0, Some(1.into())),
                (b"swap".as_slice(), "changed", 0, Some(1.into())),
            ]
        );
        assert!(compare(&old, &old, &[]).is_empty());
    }
}
