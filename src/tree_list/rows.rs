//! The rows, never all held: each node knows how many rows it takes (its
//! span, kept by the view), so row `i` is found by walking down from the
//! root past whole subtrees, and the rows on screen are read from there on.
//! A key costs what is shown, not what the tree holds.

use super::{ROOT, Row, SortBy, TreeList};
use crate::tree::NodeId;

impl TreeList {
    /// How many rows the tree has.
    pub fn row_count(&self) -> usize {
        self.agg[ROOT.index()].span as usize
    }

    /// Every row, in order. O(rows): for tests and small trees; the UI
    /// reads [`TreeList::rows_from`].
    pub fn rows(&self) -> Vec<Row> {
        self.rows_from(0).collect()
    }

    /// Row `idx`, if there is one.
    pub fn row(&self, idx: usize) -> Option<Row> {
        self.rows_from(idx).next()
    }

    /// The rows from `idx` on, each found in constant time after the first.
    pub fn rows_from(&self, idx: usize) -> Rows<'_> {
        let mut rows = Rows {
            list: self,
            frames: Vec::new(),
        };
        if idx >= self.row_count() {
            return rows;
        }
        let (mut parent, mut rem, mut depth, mut guides) = (ROOT, idx, 0u16, 0u64);
        loop {
            let kids = self.children(parent);
            let Some((k, before)) = find_span(&kids, rem, |c| self.span[c.index()] as usize) else {
                // The spans say the row exists: unreachable unless they are
                // wrong, and then no row is the honest answer.
                rows.frames.clear();
                return rows;
            };
            rem -= before;
            let row = Row {
                node: kids[k],
                depth,
                last: k + 1 == kids.len(),
                guides,
            };
            if rem == 0 {
                rows.frames.push(Frame {
                    kids,
                    next: k,
                    depth,
                    guides,
                });
                return rows;
            }
            rem -= 1;
            rows.frames.push(Frame {
                kids,
                next: k + 1,
                depth,
                guides,
            });
            parent = row.node;
            depth += 1;
            guides = child_guides(&row);
        }
    }

    /// The row of `node`, when it has one (shown, its ancestors expanded).
    pub fn index_of(&self, node: NodeId) -> Option<usize> {
        if node == ROOT || !self.view.get(node.index()).is_some_and(|v| v.visible) {
            return None;
        }
        let mut chain = vec![node];
        let mut cur = self.parents[node.index()];
        while cur != ROOT {
            if self.collapsed[cur.index()] || !self.view[cur.index()].visible {
                return None;
            }
            chain.push(cur);
            cur = self.parents[cur.index()];
        }
        let mut idx = 0;
        let mut parent = ROOT;
        for (level, &n) in chain.iter().rev().enumerate() {
            if level > 0 {
                idx += 1;
            }
            let kids = self.children(parent);
            let pos = kids.iter().position(|&c| c == n)?;
            idx += kids[..pos]
                .iter()
                .map(|&c| self.span[c.index()] as usize)
                .sum::<usize>();
            parent = n;
        }
        Some(idx)
    }

    /// The shown children of `parent`, in display order.
    pub(super) fn children(&self, parent: NodeId) -> Vec<NodeId> {
        let (a, b) = (
            self.child_start[parent.index()] as usize,
            self.child_start[parent.index() + 1] as usize,
        );
        let mut kids: Vec<NodeId> = self.child_ids[a..b]
            .iter()
            .copied()
            .filter(|&c| self.view[c.index()].visible)
            .collect();
        match (self.sort, &self.overlay) {
            // Stable: equal sizes keep name order.
            (SortBy::Size, _) => {
                kids.sort_by_key(|&c| std::cmp::Reverse(self.view[c.index()].size))
            }
            (SortBy::Delta, Some(o)) => {
                kids.sort_by_key(|&c| std::cmp::Reverse(o.delta(c).unsigned_abs()))
            }
            _ => {}
        }
        kids
    }

    /// Is `node` a directory whose children are rows?
    fn opens(&self, node: NodeId) -> bool {
        self.view[node.index()].has_children && !self.collapsed[node.index()]
    }

    /// Every row by a plain depth-first walk (what the spans must agree
    /// with; see `check_invariants`).
    pub(super) fn walk(&self) -> Vec<Row> {
        let mut out = Vec::new();
        let mut stack = vec![(self.children(ROOT), 0usize, 0u16, 0u64)];
        while let Some((kids, next, depth, guides)) = stack.last_mut() {
            if *next == kids.len() {
                stack.pop();
                continue;
            }
            let row = Row {
                node: kids[*next],
                depth: *depth,
                last: *next + 1 == kids.len(),
                guides: *guides,
            };
            *next += 1;
            out.push(row);
            if self.opens(row.node) {
                stack.push((
                    self.children(row.node),
                    0,
                    row.depth + 1,
                    child_guides(&row),
                ));
            }
        }
        out
    }
}

/// The child holding row `rem` of a parent whose children take `span(c)`
/// rows each, and how many rows come before it.
fn find_span(
    kids: &[NodeId],
    rem: usize,
    span: impl Fn(NodeId) -> usize,
) -> Option<(usize, usize)> {
    let mut before = 0;
    for (k, &c) in kids.iter().enumerate() {
        let s = span(c);
        if rem < before + s {
            return Some((k, before));
        }
        before += s;
    }
    None
}

fn child_guides(row: &Row) -> u64 {
    if row.last || row.depth >= 64 {
        row.guides
    } else {
        row.guides | (1 << row.depth)
    }
}

/// A level of the walk: the shown children of one directory.
struct Frame {
    kids: Vec<NodeId>,
    next: usize,
    depth: u16,
    guides: u64,
}

/// The rows from one on (see [`TreeList::rows_from`]).
pub struct Rows<'a> {
    list: &'a TreeList,
    frames: Vec<Frame>,
}

impl Iterator for Rows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            let f = self.frames.last_mut()?;
            if f.next == f.kids.len() {
                self.frames.pop();
                continue;
            }
            let row = Row {
                node: f.kids[f.next],
                depth: f.depth,
                last: f.next + 1 == f.kids.len(),
                guides: f.guides,
            };
            f.next += 1;
            if self.list.opens(row.node) {
                self.frames.push(Frame {
                    kids: self.list.children(row.node),
                    next: 0,
                    depth: row.depth + 1,
                    guides: child_guides(&row),
                });
            }
            return Some(row);
        }
    }
}
