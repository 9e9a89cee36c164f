//! The treemap of NEW coloured by growth against OLD: per node, how it
//! changed and by how many bytes, from the comparison's changed paths
//! ([`FileChange`]). A file shows its own change; a directory (or a merged
//! node) the sum of the changes under it, `added` when all its bytes are
//! new. A change under a merged node counts for that node; a removed path
//! counts only for the directories above it that NEW still draws (it has
//! no area of its own).

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::treemap::{FILE, MERGED, Treemap};
use crate::diff::files::{Change, FileChange};

/// How a node changed (the `change` column).
pub const UNCHANGED: u8 = 0;
pub const ADDED: u8 = 1;
pub const GROWN: u8 = 2;
pub const SHRUNK: u8 = 3;
/// Other content of the same size, or only mode, owner or times.
pub const CHANGED: u8 = 4;

/// One value per treemap node, in the treemap's order.
#[derive(Debug, Default, Serialize)]
pub struct Growth {
    pub change: Vec<u8>,
    /// NEW minus OLD of the paths under the node.
    pub delta: Vec<i64>,
}

/// The growth of every node of `map` (NEW's treemap) given the changes.
pub fn build(map: &Treemap, changes: &[FileChange]) -> Growth {
    let n = map.len();
    let mut child: FxHashMap<(u32, &str), u32> = FxHashMap::default();
    let mut merged: Vec<Option<u32>> = vec![None; n];
    for i in 1..n {
        match map.kind[i] {
            MERGED => merged[map.parent[i] as usize] = Some(i as u32),
            _ => {
                child.insert((map.parent[i], map.name[i].as_str()), i as u32);
            }
        }
    }
    let mut growth = Growth {
        change: vec![UNCHANGED; n],
        delta: vec![0; n],
    };
    let mut touched = vec![false; n];
    let mut added = vec![0u64; n];
    let mut chain = Vec::new();
    for change in changes {
        let path = String::from_utf8_lossy(&change.path);
        chain.clear();
        chain.push(0u32);
        let mut at = 0u32;
        let mut exact = true;
        for name in path.split('/').filter(|c| !c.is_empty()) {
            match child.get(&(at, name)) {
                Some(&c) => {
                    at = c;
                    chain.push(c);
                }
                None => {
                    exact = false;
                    if change.change != Change::Removed
                        && let Some(m) = merged[at as usize]
                    {
                        chain.push(m);
                    }
                    break;
                }
            }
        }
        for &i in &chain {
            let i = i as usize;
            growth.delta[i] += change.delta();
            touched[i] = true;
            if change.change == Change::Added {
                added[i] += change.new_bytes;
            }
        }
        if exact && map.kind[at as usize] == FILE {
            growth.change[at as usize] = file_change(change.change);
        }
    }
    for i in 0..n {
        if map.kind[i] == FILE && growth.change[i] != UNCHANGED {
            continue;
        }
        growth.change[i] = if !touched[i] {
            UNCHANGED
        } else if map.kind[i] != FILE && map.bytes[i] > 0 && added[i] >= map.bytes[i] {
            ADDED
        } else if growth.delta[i] > 0 {
            GROWN
        } else if growth.delta[i] < 0 {
            SHRUNK
        } else {
            CHANGED
        };
    }
    growth
}

fn file_change(change: Change) -> u8 {
    match change {
        Change::Added => ADDED,
        Change::Grown => GROWN,
        Change::Shrunk => SHRUNK,
        Change::Changed | Change::Metadata | Change::Removed => CHANGED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::LayerIdx;
    use crate::report::html::treemap::DIR;

    /// `/`, `/app` (dir), `/app/a` (file), `/app/<merged>`, `/b` (file).
    fn map() -> Treemap {
        let mut m = Treemap::default();
        for (parent, name, kind, bytes) in [
            (0, "", DIR, 1000),
            (0, "app", DIR, 900),
            (1, "a", FILE, 800),
            (1, "", MERGED, 100),
            (0, "b", FILE, 100),
        ] {
            m.parent.push(parent);
            m.name.push(name.into());
            m.kind.push(kind);
            m.bytes.push(bytes);
            m.wasted.push(0);
            m.entries.push(1);
            m.layer.push(LayerIdx::BOTTOM);
        }
        m
    }

    fn change(path: &str, change: Change, old: u64, new: u64) -> FileChange {
        FileChange {
            path: path.as_bytes().into(),
            change,
            old_bytes: old,
            new_bytes: new,
            layer: Some(1.into()),
        }
    }

    #[test]
    fn files_show_their_change_and_directories_the_sum_under_them() {
        let changes = [
            change("app/a", Change::Grown, 300, 800),
            change("app/small", Change::Added, 0, 50),
            change("gone/x", Change::Removed, 70, 0),
            change("app/old", Change::Removed, 20, 0),
        ];
        let g = build(&map(), &changes);
        // The merged node holds 100 bytes, 50 of them new: grown.
        assert_eq!(g.change, [GROWN, GROWN, GROWN, GROWN, UNCHANGED]);
        assert_eq!(g.delta, [500 + 50 - 70 - 20, 500 + 50 - 20, 500, 50, 0]);
    }

    #[test]
    fn a_directory_whose_bytes_are_all_new_is_added_and_equal_sizes_changed() {
        let changes = [
            change("app/a", Change::Added, 0, 800),
            change("app/m1", Change::Added, 0, 100),
            change("b", Change::Changed, 100, 100),
        ];
        let g = build(&map(), &changes);
        assert_eq!(g.change, [GROWN, ADDED, ADDED, ADDED, CHANGED]);
        let none = build(&map(), &[]);
        assert!(none.change.iter().all(|&c| c == UNCHANGED));
        assert!(none.delta.iter().all(|&d| d == 0));
    }
}
