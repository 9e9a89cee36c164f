//! Random images for property tests: a small universe of paths, so that
//! layers collide, overwrite, delete and re-create each other's entries.

use proptest::prelude::*;

use crate::fixture::{Image, Layer};

const PATHS: &[&str] = &["a", "a/b", "a/b/c", "a/d", "e", "e/f", "e/f/g", "h"];

#[derive(Debug, Clone)]
pub enum Op {
    File(usize, usize, u8),
    Dir(usize),
    Whiteout(usize),
    Opaque(usize),
    Hardlink(usize, usize),
    Symlink(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PATHS.len();
    prop_oneof![
        4 => (p.clone(), 0usize..64, 0u8..3).prop_map(|(p, s, f)| Op::File(p, s, f)),
        2 => p.clone().prop_map(Op::Dir),
        2 => p.clone().prop_map(Op::Whiteout),
        1 => p.clone().prop_map(Op::Opaque),
        1 => (p.clone(), p.clone()).prop_map(|(a, b)| Op::Hardlink(a, b)),
        1 => p.prop_map(Op::Symlink),
    ]
}

/// Layers of operations, bottom to top.
pub fn layers() -> impl Strategy<Value = Vec<Vec<Op>>> {
    prop::collection::vec(prop::collection::vec(op(), 0..8), 1..6)
}

pub fn path(idx: usize) -> &'static str {
    PATHS[idx]
}

pub fn image_of(layers: &[Vec<Op>]) -> Image {
    let mut image = Image::new();
    for ops in layers {
        let mut layer = Layer::new();
        for op in ops {
            layer = match *op {
                Op::File(p, size, fill) => layer.sized(PATHS[p], size, b'a' + fill),
                Op::Dir(p) => layer.dir(PATHS[p]),
                Op::Whiteout(p) => layer.whiteout(PATHS[p]),
                Op::Opaque(p) => layer.opaque(PATHS[p]),
                Op::Hardlink(p, t) if p != t => layer.hardlink(PATHS[p], PATHS[t]),
                Op::Hardlink(..) => layer,
                Op::Symlink(p) => layer.symlink(PATHS[p], "elsewhere"),
            };
        }
        image = image.layer(layer);
    }
    image
}
