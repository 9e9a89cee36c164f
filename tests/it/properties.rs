//! Laws of the exact model, checked on random images against a deliberately
//! naive unpacker: a flat map from path to entry, applied with string
//! prefixes, the way one would write the OCI rules on a whiteboard.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use crate::fixture::{Layer, analyze};
use crate::random_image::{self, Op, path};

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Dir,
    /// A regular file (or a hardlink to one): the inode's index.
    File(usize),
    Symlink,
}

#[derive(Default)]
struct Naive {
    paths: BTreeMap<String, Kind>,
    inodes: Vec<u64>,
}

impl Naive {
    fn remove_below(&mut self, p: &str) {
        let prefix = format!("{p}/");
        self.paths.retain(|k, _| !k.starts_with(&prefix));
    }

    fn ensure_parents(&mut self, p: &str) {
        let mut at = 0;
        while let Some(i) = p[at..].find('/') {
            let parent = &p[..at + i];
            if self.paths.get(parent) != Some(&Kind::Dir) {
                self.paths.insert(parent.to_string(), Kind::Dir);
            }
            at += i + 1;
        }
    }

    fn put(&mut self, p: &str, kind: Kind) {
        self.ensure_parents(p);
        if kind != Kind::Dir {
            self.remove_below(p);
        }
        if kind == Kind::Dir && self.paths.get(p) == Some(&Kind::Dir) {
            return;
        }
        self.paths.insert(p.to_string(), kind);
    }

    fn apply(&mut self, ops: &[Op]) {
        for op in ops {
            if let Op::Opaque(p) = op {
                self.remove_below(path(*p));
                self.put(path(*p), Kind::Dir);
            }
        }
        for op in ops {
            if let Op::Whiteout(p) = op {
                let p = path(*p);
                self.paths.remove(p);
                self.remove_below(p);
            }
        }
        let mut pending = Vec::new();
        for op in ops {
            match *op {
                Op::File(p, size, _) => {
                    self.inodes.push(size as u64);
                    self.put(path(p), Kind::File(self.inodes.len() - 1));
                }
                Op::Dir(p) => self.put(path(p), Kind::Dir),
                Op::Symlink(p) => self.put(path(p), Kind::Symlink),
                Op::Hardlink(p, t) if p != t && !self.link(path(p), path(t)) => {
                    pending.push((p, t));
                }
                _ => {}
            }
        }
        for (p, t) in pending {
            self.link(path(p), path(t));
        }
    }

    fn link(&mut self, p: &str, t: &str) -> bool {
        match self.paths.get(t).cloned() {
            Some(Kind::Dir) | None => false,
            Some(kind) => {
                self.put(p, kind);
                true
            }
        }
    }

    fn visible(&self) -> u64 {
        let inodes: BTreeSet<usize> = self
            .paths
            .values()
            .filter_map(|k| match k {
                Kind::File(i) => Some(*i),
                _ => None,
            })
            .collect();
        inodes.iter().map(|&i| self.inodes[i]).sum()
    }
}

fn present_paths(a: &peel::analysis::Analysis) -> BTreeSet<String> {
    (1..a.tree.nodes.len() as u32)
        .filter(|&id| a.tree.is_present(id.into()))
        .map(|id| String::from_utf8(a.tree.path_of(id.into())).expect("utf-8 paths"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn exact_model_agrees_with_a_naive_unpacker(layers in random_image::layers()) {
        let a = analyze(&random_image::image_of(&layers).docker_archive());
        let mut naive = Naive::default();
        for ops in &layers {
            naive.apply(ops);
        }
        prop_assert_eq!(present_paths(&a), naive.paths.keys().cloned().collect::<BTreeSet<_>>());
        prop_assert_eq!(a.exact.visible_bytes, naive.visible());
        let wasted: u64 = a.exact.wasted.iter().map(|w| w.bytes).sum();
        prop_assert_eq!(a.exact.visible_bytes + wasted, a.exact.total_bytes);
        prop_assert!(a.exact.wasted.iter().all(|w| w.hidden_by >= w.layer));
    }

    #[test]
    fn whiteout_of_everything_leaves_nothing(layers in random_image::layers()) {
        let mut image = random_image::image_of(&layers);
        let mut wipe = Layer::new();
        for top in ["a", "e", "h"] {
            wipe = wipe.whiteout(top);
        }
        image = image.layer(wipe);
        let a = analyze(&image.docker_archive());
        prop_assert_eq!(a.exact.visible_bytes, 0);
        prop_assert!(present_paths(&a).is_empty());
        prop_assert_eq!(a.exact.wasted_bytes, a.exact.total_bytes);
    }
}
