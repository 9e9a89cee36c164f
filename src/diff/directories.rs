//! File changes rolled up per directory: every directory above a changed
//! path carries its delta and counts it, largest absolute delta first
//! (`/app/node_modules +11.2 MB (3,204 files)`).

use std::collections::HashMap;

use super::files::{FileChange, sort_by_delta};

/// The changes under one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirChange {
    /// Canonical path (`a/b`).
    pub path: Box<[u8]>,
    pub delta: i64,
    /// Changed paths below it.
    pub files: u64,
}

/// Roll `changes` up to every directory above them (the root excluded: its
/// delta is the image's).
pub fn roll_up(changes: &[FileChange]) -> Vec<DirChange> {
    let mut dirs: HashMap<&[u8], (i64, u64)> = HashMap::new();
    for change in changes {
        let path = &change.path[..];
        for (at, _) in path.iter().enumerate().filter(|(_, c)| **c == b'/') {
            let slot = dirs.entry(&path[..at]).or_default();
            slot.0 += change.delta();
            slot.1 += 1;
        }
    }
    let mut out: Vec<DirChange> = dirs
        .into_iter()
        .map(|(path, (delta, files))| DirChange {
            path: path.into(),
            delta,
            files,
        })
        .collect();
    sort_by_delta(&mut out, |d| (d.delta, &d.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::files::Change;

    fn change(path: &str, old: u64, new: u64) -> FileChange {
        FileChange {
            path: path.as_bytes().into(),
            change: Change::Changed,
            old_bytes: old,
            new_bytes: new,
            layer: None,
        }
    }

    #[test]
    fn deltas_add_up_the_tree() {
        let dirs = roll_up(&[
            change("app/a/x", 0, 100),
            change("app/a/y", 0, 50),
            change("app/b", 40, 0),
            change("etc/c", 10, 12),
            change("top", 1, 0),
        ]);
        let got: Vec<(&[u8], i64, u64)> =
            dirs.iter().map(|d| (&*d.path, d.delta, d.files)).collect();
        assert_eq!(
            got,
            vec![
                (b"app/a".as_slice(), 150, 2),
                (b"app".as_slice(), 110, 3),
                (b"etc".as_slice(), 2, 1),
            ]
        );
    }
}
