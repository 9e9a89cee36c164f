//! The view: every node's mark, rolled-up size, visibility and row count
//! at the selected layer.
//!
//! A node's view depends only on its own versions and settings and on what
//! its children add up to ([`Agg`], kept per node). So a whole pass runs
//! from the last node to the first (a child always has a larger id than its
//! parent), and a change to a few nodes (a layer change touches only the
//! paths of the layers in between; a collapse one directory) recomputes
//! those and walks up while what a node adds to its parent changes, largest
//! id first so that a parent comes after all of its changed children.

use std::collections::BinaryHeap;

use super::{Compare, Mark, NodeView, ROOT, TreeList};
use crate::tree::NodeId;

/// One version of a node, as much as the view needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FlatVersion {
    pub(super) layer: u32,
    pub(super) present: bool,
    pub(super) is_dir: bool,
    pub(super) size: u64,
    /// Mode, owner and times folded together (equal attributes, equal key).
    pub(super) attrs: u64,
}

/// What a node's children add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Agg {
    /// Children in the view.
    in_view: u32,
    /// Children shown.
    visible: u32,
    /// Children marked other than unmodified.
    changed: u32,
    /// Bytes of the children not removed.
    pub(super) size: u64,
    /// Rows of the shown children and everything shown below them.
    pub(super) span: u32,
}

impl Agg {
    /// What a child of view `v` and row count `span` adds to its parent.
    fn of(v: &NodeView, span: u32) -> Agg {
        let Some(mark) = v.mark else {
            return Agg::default();
        };
        Agg {
            in_view: 1,
            visible: u32::from(v.visible),
            changed: u32::from(mark != Mark::Unmodified),
            size: if mark == Mark::Removed { 0 } else { v.size },
            span,
        }
    }

    fn add(&mut self, o: Agg) {
        self.in_view += o.in_view;
        self.visible += o.visible;
        self.changed += o.changed;
        self.size += o.size;
        self.span += o.span;
    }

    fn sub(&mut self, o: Agg) {
        self.in_view -= o.in_view;
        self.visible -= o.visible;
        self.changed -= o.changed;
        self.size -= o.size;
        self.span -= o.span;
    }
}

/// A node's own part of its view: what its versions and the settings say,
/// whatever its children are (so every node's can be found at once, on
/// every core).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Own {
    /// Part of the view by itself (else only as an ancestor of what is).
    in_view: bool,
    mark: Option<Mark>,
    is_dir: bool,
    size: u64,
}

/// Below this many nodes a whole pass runs on one thread: a thread costs
/// more than it saves, and on a busy machine (2 cores, the waste view's
/// worker on one) the key then waits for the slower half. At 100k paths one
/// thread's pass takes a few ms; at a million, two halve its 30 ms.
pub(super) const PARALLEL_FROM: usize = 200_000;

impl TreeList {
    /// Node `id`'s versions, oldest first.
    fn versions_of(&self, id: usize) -> &[FlatVersion] {
        &self.versions[self.ver_start[id] as usize..self.ver_start[id + 1] as usize]
    }

    /// Node `id`'s own part of its view.
    pub(super) fn own(&self, id: usize) -> Own {
        self.own_inlined(id)
    }

    /// [`TreeList::own`], forced inline into the whole pass's loop, one
    /// version's mark included (as [`TreeList::view_of_inlined`]).
    #[inline(always)]
    fn own_inlined(&self, id: usize) -> Own {
        let vs = self.versions_of(id);
        let own = match &self.overlay {
            Some(o) => o.own_mark(id, vs),
            None => match vs {
                [only] => own_mark_of_one(*only, self.layer, self.compare),
                _ => own_mark(vs, self.layer, self.compare),
            },
        };
        match own {
            None => Own::default(),
            Some((mut mark, state)) => {
                if self.lazy_marks && mark != Some(Mark::Removed) {
                    // Drawn from the versions (see `marks`); a removal
                    // stays, its bytes do not count.
                    mark = Some(Mark::Unmodified);
                }
                // An ancestor kept only for structure is a directory.
                let (is_dir, size) = state.map_or((true, 0), |v| (v.is_dir, v.size));
                Own {
                    in_view: true,
                    mark,
                    is_dir,
                    size,
                }
            }
        }
    }

    /// Node `id`'s view from its versions, the settings and its children.
    fn node_view(&self, id: usize) -> NodeView {
        self.view_of(id, self.own(id))
    }

    /// Node `id`'s view from its own part and what its children add up to.
    fn view_of(&self, id: usize, own: Own) -> NodeView {
        self.view_of_inlined(id, own)
    }

    /// [`TreeList::view_of`], forced inline into the whole pass's loop
    /// (measured: a quarter off that pass at a million paths; inlined into
    /// [`TreeList::update`] as well, it slows the layer keys).
    #[inline(always)]
    fn view_of_inlined(&self, id: usize, own: Own) -> NodeView {
        let a = &self.agg[id];
        let (own_mark, is_dir, own_size) = if own.in_view {
            (own.mark, own.is_dir, own.size)
        } else if a.in_view > 0 {
            (None, true, 0)
        } else {
            return NodeView::default();
        };
        let mut mark = own_mark.unwrap_or(Mark::Unmodified);
        if is_dir && mark == Mark::Unmodified && a.changed > 0 && !self.lazy_marks {
            mark = Mark::Modified;
        }
        let matched = self.matches.hit[id];
        let filter_ok = self.filter.is_none() || matched;
        let self_visible = self.shown[mark.index()] && filter_ok;
        NodeView {
            mark: Some(mark),
            size: if is_dir { a.size } else { own_size },
            is_dir,
            visible: self_visible || a.visible > 0,
            matched,
            has_children: a.visible > 0,
        }
    }

    /// Every node's own part into `out`, on two threads for a large tree.
    pub(super) fn own_all(&self, out: &mut [Own]) {
        let fill = |from: usize, part: &mut [Own]| {
            for (i, o) in part.iter_mut().enumerate() {
                *o = self.own_inlined(from + i);
            }
        };
        if out.len() < self.parallel_from {
            fill(0, out);
            return;
        }
        let half = out.len() / 2;
        let (a, b) = out.split_at_mut(half);
        std::thread::scope(|s| {
            s.spawn(|| fill(half, b));
            fill(0, a);
        });
    }

    fn root_view(&self) -> NodeView {
        let a = &self.agg[ROOT.index()];
        NodeView {
            mark: Some(Mark::Unmodified),
            size: a.size,
            is_dir: true,
            visible: true,
            matched: false,
            has_children: a.visible > 0,
        }
    }

    /// The rows node `id` takes: itself and, expanded, what is shown below.
    fn span_of(&self, id: usize, v: &NodeView) -> u32 {
        if !v.visible {
            0
        } else if v.has_children && !self.collapsed[id] {
            1 + self.agg[id].span
        } else {
            1
        }
    }

    /// Does node `id` count in [`TreeList::match_count`]?
    fn counts_as_match(&self, v: &NodeView) -> bool {
        v.matched && v.mark.is_some_and(|m| self.shown[m.index()])
    }

    /// Are the marks drawn rather than stored? In dive's view with every
    /// class shown, where a mark decides no visibility.
    pub(super) fn wants_lazy_marks(&self) -> bool {
        self.overlay.is_none() && self.compare == Compare::Dive && self.shown == [true; 4]
    }

    /// Node `id`'s mark as drawn, when its marks are not stored: its own
    /// from its versions, a directory's raised by a change below.
    pub(super) fn drawn_mark(&self, id: usize, is_dir: bool) -> Mark {
        let mark = dive_mark(self.versions_of(id), self.layer);
        if is_dir
            && mark == Mark::Unmodified
            && self
                .marks
                .changed_below(self.layer, NodeId::from(id as u32))
        {
            Mark::Modified
        } else {
            mark
        }
    }

    /// Every node's view again.
    pub(super) fn full_view(&mut self) {
        self.full_view_as(self.wants_lazy_marks());
    }

    /// Every node's view again, its marks stored or (`lazy`) drawn.
    pub(super) fn full_view_as(&mut self, lazy: bool) {
        self.lazy_marks = lazy;
        let n = self.parents.len();
        let mut own = std::mem::take(&mut self.own_scratch);
        own.resize(n, Own::default());
        self.own_all(&mut own);
        self.agg.fill(Agg::default());
        let mut matches = 0;
        for id in (1..n).rev() {
            let v = self.view_of_inlined(id, own[id]);
            let span = self.span_of(id, &v);
            matches += usize::from(self.counts_as_match(&v));
            self.view[id] = v;
            self.span[id] = span;
            let parent = self.parents[id].index();
            self.agg[parent].add(Agg::of(&v, span));
        }
        self.view[ROOT.index()] = self.root_view();
        self.match_count = matches;
        self.own_scratch = own;
    }

    /// Every node's visibility and rows again, its mark and size kept: what
    /// a hide key, a new filter or collapsing all changes (none of them
    /// changes a mark or a size). A lean whole pass: no versions read.
    pub(super) fn visibility_view(&mut self) {
        if self.lazy_marks != self.wants_lazy_marks() {
            // A class hidden or shown again in dive's view: the marks
            // are to be stored, or no longer.
            self.visibility_pass::<true>();
        } else {
            self.visibility_pass::<false>();
        }
    }

    /// [`TreeList::visibility_view`]'s pass; `REMARK`: in dive's view, the
    /// marks stored afresh (the layer's own paths read, a directory's
    /// raised by what its children add up to) or dropped to placeholders.
    fn visibility_pass<const REMARK: bool>(&mut self) {
        let n = self.parents.len();
        let to_lazy = self.wants_lazy_marks();
        let layer = self.layer as usize;
        // The paths with a version at the layer: the only ones whose own
        // mark in dive's view can be other than unmodified. Back to drawn
        // marks, only the layer's removals keep theirs: no versions read.
        let at_layer: &[NodeId] = if !REMARK || layer >= self.layer_count() {
            &[]
        } else if to_lazy {
            self.marks.removed(self.layer)
        } else {
            &self.layer_ids[self.layer_start[layer] as usize..self.layer_start[layer + 1] as usize]
        };
        let mut next_at = at_layer.len();
        // What the shown children add up to, found afresh: (visible, span,
        // changed).
        let mut below = std::mem::take(&mut self.below_scratch);
        below.clear();
        below.resize(n, (0, 0, 0));
        let mut matches = 0;
        for id in (1..n).rev() {
            let (visible, span, changed) = below[id];
            let a = &mut self.agg[id];
            a.visible = visible;
            a.span = span;
            if REMARK {
                a.changed = changed;
            }
            let mut v = self.view[id];
            let Some(mut mark) = v.mark else {
                continue;
            };
            if REMARK {
                while next_at > 0 && at_layer[next_at - 1].index() > id {
                    next_at -= 1;
                }
                let own = if next_at > 0 && at_layer[next_at - 1].index() == id {
                    if to_lazy {
                        Mark::Removed
                    } else {
                        dive_mark(self.versions_of(id), self.layer)
                    }
                } else {
                    Mark::Unmodified
                };
                mark = match own {
                    Mark::Removed => Mark::Removed,
                    _ if to_lazy => Mark::Unmodified,
                    Mark::Unmodified if v.is_dir && changed > 0 => Mark::Modified,
                    own => own,
                };
                v.mark = Some(mark);
            }
            v.matched = self.matches.hit[id];
            let filter_ok = self.filter.is_none() || v.matched;
            v.visible = (self.shown[mark.index()] && filter_ok) || visible > 0;
            v.has_children = visible > 0;
            let span = self.span_of(id, &v);
            matches += usize::from(self.counts_as_match(&v));
            self.view[id] = v;
            self.span[id] = span;
            let p = &mut below[self.parents[id].index()];
            p.0 += u32::from(v.visible);
            p.1 += span;
            p.2 += u32::from(mark != Mark::Unmodified);
        }
        let root = &mut self.agg[ROOT.index()];
        (root.visible, root.span, _) = below[ROOT.index()];
        if REMARK {
            root.changed = below[ROOT.index()].2;
            self.lazy_marks = to_lazy;
        }
        self.view[ROOT.index()] = self.root_view();
        self.match_count = matches;
        self.below_scratch = below;
    }

    /// The views of `dirty` nodes again, and of their ancestors as far as
    /// what they add up to changes. Largest id first: the dirty ones sorted
    /// once, the ancestors they reach in a heap (far fewer).
    pub(super) fn update(&mut self, dirty: impl IntoIterator<Item = NodeId>) {
        let mut heap = std::mem::take(&mut self.heap);
        heap.clear();
        let mut sorted = std::mem::take(&mut self.dirty_scratch);
        sorted.clear();
        sorted.extend(dirty);
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        sorted.dedup();
        let mut next = 0;
        loop {
            let id = match (sorted.get(next), heap.peek()) {
                (Some(&d), Some(&h)) if h > d => heap.pop(),
                (Some(&d), _) => {
                    next += 1;
                    if self.queued[d.index()] {
                        // Already reached as an ancestor: done once.
                        continue;
                    }
                    Some(d)
                }
                (None, _) => heap.pop(),
            };
            let Some(id) = id else {
                break;
            };
            let i = id.index();
            self.queued[i] = false;
            if id == ROOT {
                self.view[i] = self.root_view();
                continue;
            }
            let (old, old_span) = (self.view[i], self.span[i]);
            let v = self.node_view(i);
            let span = self.span_of(i, &v);
            if v == old && span == old_span {
                continue;
            }
            self.match_count = self.match_count + usize::from(self.counts_as_match(&v))
                - usize::from(self.counts_as_match(&old));
            self.view[i] = v;
            self.span[i] = span;
            let (was, now) = (Agg::of(&old, old_span), Agg::of(&v, span));
            if was != now {
                let parent = self.parents[i];
                let p = &mut self.agg[parent.index()];
                p.sub(was);
                p.add(now);
                self.queue(&mut heap, parent);
            }
        }
        self.heap = heap;
        self.dirty_scratch = sorted;
    }

    fn queue(&mut self, heap: &mut BinaryHeap<NodeId>, id: NodeId) {
        if !std::mem::replace(&mut self.queued[id.index()], true) {
            heap.push(id);
        }
    }

    /// The view at layer `to` coming from layer `from`: only paths with a
    /// version in the layers between can change (none against an overlay,
    /// whose marks do not depend on the layer), and of those fewer by the
    /// compare mode:
    /// - all changes (against layer 0): a path's view depends on its
    ///   version at layer 0 and its last one, so the layers above the lower;
    /// - only the layer's changes: what either layer changed (nothing else
    ///   is part of either view but as an ancestor);
    /// - dive's view, marks drawn: existence and size, which depend on the
    ///   last version and on a removal at the layer itself, so the layers
    ///   above the lower and the lower's removals;
    /// - dive's view, marks stored: every layer between, both included.
    pub(super) fn move_layer(&mut self, from: u32, to: u32) {
        if self.overlay.is_some() || from == to {
            return;
        }
        let (lo, hi) = (from.min(to) as usize, from.max(to) as usize);
        let mut dirty = std::mem::take(&mut self.layer_scratch);
        dirty.clear();
        let ids_of = |a: usize, b: usize| {
            let b = b.min(self.layer_count());
            &self.layer_ids[self.layer_start[a.min(b)] as usize..self.layer_start[b] as usize]
        };
        let parts: [&[NodeId]; 2] = match self.compare {
            Compare::Aggregated => [ids_of(lo + 1, hi + 1), &[]],
            Compare::Layer => [ids_of(lo, lo + 1), ids_of(hi, hi + 1)],
            Compare::Dive if self.lazy_marks => {
                [ids_of(lo + 1, hi + 1), self.marks.removed(lo as u32)]
            }
            Compare::Dive => [ids_of(lo, hi + 1), &[]],
        };
        let whole = parts[0].len() + parts[1].len() > self.parents.len() / 4;
        if !whole {
            dirty.extend(parts.iter().flat_map(|p| p.iter().copied()));
        }
        if whole {
            self.full_view();
        } else {
            self.update(dirty.iter().copied());
        }
        self.layer_scratch = dirty;
    }

    fn layer_count(&self) -> usize {
        self.layer_start.len() - 1
    }
}

/// Node ids by the layers their versions are in: layer `l`'s are
/// `ids[start[l]..start[l + 1]]`.
pub(super) fn by_layer(
    ver_start: &[u32],
    versions: &[FlatVersion],
    layers: u32,
) -> (Vec<u32>, Vec<NodeId>) {
    let layers = versions
        .iter()
        .map(|v| v.layer + 1)
        .max()
        .unwrap_or(0)
        .max(layers);
    let mut start = vec![0u32; layers as usize + 1];
    for v in versions {
        start[v.layer as usize + 1] += 1;
    }
    for l in 1..start.len() {
        start[l] += start[l - 1];
    }
    let mut next = start.clone();
    let mut ids = vec![ROOT; versions.len()];
    for id in 0..ver_start.len().saturating_sub(1) {
        for v in &versions[ver_start[id] as usize..ver_start[id + 1] as usize] {
            ids[next[v.layer as usize] as usize] = NodeId::from(id as u32);
            next[v.layer as usize] += 1;
        }
    }
    (start, ids)
}

pub(super) fn attr_key(meta: &crate::layer::Meta) -> u64 {
    let mut h = u64::from(meta.mode);
    for x in [meta.uid, meta.gid, meta.mtime] {
        h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29) ^ x;
    }
    h
}

/// The index of the last version at or below `layer`.
fn at(vs: &[FlatVersion], layer: u32) -> Option<usize> {
    vs.partition_point(|v| v.layer <= layer).checked_sub(1)
}

/// The node's own mark at `layer` in dive's view (unmodified when it has
/// none: a directory kept only for structure).
pub(super) fn dive_mark(vs: &[FlatVersion], layer: u32) -> Mark {
    own_mark(vs, layer, Compare::Dive)
        .and_then(|(m, _)| m)
        .unwrap_or(Mark::Unmodified)
}

/// The node's own mark at `layer` and the version that describes it (for a
/// removed node, the one it had), or None when the node is not part of the
/// view by itself.
pub(super) fn own_mark(
    vs: &[FlatVersion],
    layer: u32,
    compare: Compare,
) -> Option<(Option<Mark>, Option<FlatVersion>)> {
    match vs {
        [] => None,
        [only] => own_mark_of_one(*only, layer, compare),
        _ => own_mark_searched(vs, layer, compare),
    }
}

/// [`own_mark`] of a path with one version, as most are: no search (a
/// whole pass over a million paths is mostly this).
#[inline(always)]
fn own_mark_of_one(
    v: FlatVersion,
    layer: u32,
    compare: Compare,
) -> Option<(Option<Mark>, Option<FlatVersion>)> {
    if !v.present || v.layer > layer {
        return None;
    }
    let mark = match compare {
        Compare::Dive | Compare::Layer if v.layer == layer => Mark::Added,
        Compare::Dive => Mark::Unmodified,
        Compare::Layer => return None,
        Compare::Aggregated if v.layer == 0 => Mark::Unmodified,
        Compare::Aggregated => Mark::Added,
    };
    Some((Some(mark), Some(v)))
}

/// [`own_mark`] of a path with any number of versions.
fn own_mark_searched(
    vs: &[FlatVersion],
    layer: u32,
    compare: Compare,
) -> Option<(Option<Mark>, Option<FlatVersion>)> {
    if vs.is_empty() {
        return None;
    }
    let (before, after, changed) = match compare {
        Compare::Dive => {
            let after = at(vs, layer);
            if after.is_none_or(|i| vs[i].layer != layer) {
                // Untouched by this layer: shown as it is, when present.
                let now = after.map(|i| vs[i]).filter(|v| v.present)?;
                return Some((Some(Mark::Unmodified), Some(now)));
            }
            let first = vs.partition_point(|v| v.layer < layer);
            (first.checked_sub(1), after, true)
        }
        Compare::Layer => {
            let first = vs.partition_point(|v| v.layer < layer);
            if vs.get(first).is_none_or(|v| v.layer != layer) {
                return None;
            }
            (first.checked_sub(1), at(vs, layer), true)
        }
        Compare::Aggregated => {
            let after = at(vs, layer);
            let changed = after.is_some_and(|i| vs[i].layer > 0);
            (at(vs, 0), after, changed)
        }
    };
    let before = before.map(|i| vs[i]).filter(|v| v.present);
    let after = after.map(|i| vs[i]).filter(|v| v.present);
    let mark = match (before, after) {
        (None, Some(_)) => Mark::Added,
        (Some(_), None) => Mark::Removed,
        (None, None) => return None,
        (Some(b), Some(a)) => {
            if !changed || (b.is_dir && a.is_dir && b.attrs == a.attrs) {
                Mark::Unmodified
            } else {
                Mark::Modified
            }
        }
    };
    Some((Some(mark), after.or(before)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-version shortcut says what the search says, for every
    /// layer, compare mode, kind and presence.
    #[test]
    fn one_version_marks_equal_the_searched_ones() {
        for compare in [Compare::Dive, Compare::Layer, Compare::Aggregated] {
            for at in 0..4 {
                for (present, is_dir) in [(true, false), (true, true), (false, false)] {
                    let v = FlatVersion {
                        layer: at,
                        present,
                        is_dir,
                        size: u64::from(present) * 7,
                        attrs: 3,
                    };
                    for layer in 0..4 {
                        assert_eq!(
                            own_mark_of_one(v, layer, compare),
                            own_mark_searched(&[v], layer, compare),
                            "{compare:?} version at {at} (present {present}) seen at {layer}"
                        );
                    }
                }
            }
        }
    }
}
