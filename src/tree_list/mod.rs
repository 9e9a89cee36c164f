//! The file tree as a flat list of visible rows with a selection: the model
//! behind the UI's tree pane, independent of any terminal (after gitui's
//! `filetreelist`).
//!
//! It reads the stacked [`Tree`] (every path with its per-layer history) and
//! never copies it per layer. Three derived levels, each updated only where
//! what it depends on changed, so that a key on a million-path tree costs
//! about what it changes and what is on screen:
//!
//! 1. the *matches* of the filter, once per pattern ([`filter`]);
//! 2. the *view* ([`view`]): every node's diff mark, rolled-up size,
//!    visibility and row count; a layer change recomputes only the paths
//!    that layers in between touched, and their ancestors;
//! 3. the *rows* ([`rows`]), never all held: found from the row counts,
//!    and the *selection* and scroll offset (a [`ListState`], the type every
//!    UI list uses), kept on the same node across changes when it is still
//!    shown.

pub use self::filter::Filter;
pub use self::list_state::ListState;
pub use self::overlay::Overlay;
pub use self::rows::Rows;

use crate::layer::LayerIdx;
use crate::layer::path;
use crate::tree::{NodeId, State, Tree};

mod filter;
mod invariants;
mod list_state;
mod marks;
mod overlay;
mod rows;
mod view;

use self::filter::{Matches, Names};
use self::marks::LayerMarks;
use self::view::{Agg, FlatVersion, Own, attr_key};

/// The root node of every [`Tree`].
const ROOT: NodeId = crate::tree::ROOT;

/// How a path at the selected layer compares with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    Added,
    Modified,
    Removed,
    Unmodified,
}

impl Mark {
    pub const ALL: [Mark; 4] = [Mark::Added, Mark::Modified, Mark::Removed, Mark::Unmodified];

    /// The marker character shown beside the colour (for `NO_COLOR` and
    /// colour-blind users).
    pub fn symbol(self) -> char {
        match self {
            Mark::Added => '+',
            Mark::Modified => '~',
            Mark::Removed => '-',
            Mark::Unmodified => ' ',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Modified => "modified",
            Mark::Removed => "removed",
            Mark::Unmodified => "unmodified",
        }
    }

    fn index(self) -> usize {
        match self {
            Mark::Added => 0,
            Mark::Modified => 1,
            Mark::Removed => 2,
            Mark::Unmodified => 3,
        }
    }
}

/// What the tree shows and what its marks compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// dive's default: the whole filesystem as of the selected layer, the
    /// layer's own changes marked (and what it removed), the rest plain.
    Dive,
    /// Only what the selected layer changed (ancestors shown for structure).
    Layer,
    /// The whole filesystem at the selected layer, marked against layer 0.
    Aggregated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    /// Largest first, then by name.
    Size,
    /// Largest change against an [`Overlay`] first (by absolute bytes),
    /// then by name; by name without an overlay.
    Delta,
}

/// What one node looks like in the current view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeView {
    /// None: not part of the view at all.
    pub mark: Option<Mark>,
    /// Content bytes; for a directory, the sum over the entries below it
    /// (removed entries not counted).
    pub size: u64,
    pub is_dir: bool,
    /// Shown (its class is on and it matches the filter, or a descendant is).
    pub visible: bool,
    /// Itself matches the filter (false when there is no filter).
    pub matched: bool,
    /// Has at least one visible child.
    pub has_children: bool,
}

/// One line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    /// 0 for the children of the root.
    pub depth: u16,
    /// The last visible child of its parent (draws `└──`).
    pub last: bool,
    /// Bit `d` set: the ancestor at depth `d` has siblings below it (draws `│`).
    pub guides: u64,
}

/// The tree pane's model.
#[derive(Debug, Clone)]
pub struct TreeList {
    // Static, from the tree.
    child_start: Vec<u32>,
    child_ids: Vec<NodeId>,
    /// Every node's versions, flattened: node `i` owns
    /// `versions[ver_start[i]..ver_start[i + 1]]` (contiguous and small, so
    /// a whole-tree pass stays in cache).
    ver_start: Vec<u32>,
    versions: Vec<FlatVersion>,
    parents: Vec<NodeId>,
    layer_count: u32,
    /// The nodes with a version in layer `l`:
    /// `layer_ids[layer_start[l]..layer_start[l + 1]]`.
    layer_start: Vec<u32>,
    layer_ids: Vec<NodeId>,
    /// Display paths (`/a/b`) and names, for the filter.
    paths: Vec<Box<str>>,
    names: Names,
    /// dive's marks per layer, for drawing them unstored.
    marks: LayerMarks,

    // Settings.
    layer: u32,
    compare: Compare,
    sort: SortBy,
    shown: [bool; 4],
    filter: Option<Filter>,
    collapsed: Vec<bool>,
    /// Marks against another image, replacing the layer comparison.
    overlay: Option<std::sync::Arc<Overlay>>,

    // Derived.
    /// The views hold placeholder marks (unmodified, or removed), each
    /// drawn by [`TreeList::view`] (see [`marks`]).
    lazy_marks: bool,
    matches: Matches,
    view: Vec<NodeView>,
    /// What each node's children add up to.
    agg: Vec<Agg>,
    /// The rows each node takes (0 when hidden).
    span: Vec<u32>,
    /// Paths of the view that match the filter.
    match_count: usize,
    /// The selected row and the first row on screen.
    list: ListState,
    /// The selected row, kept with the selection.
    sel: Option<Row>,

    // Scratch of [`TreeList::update`], kept between keys.
    heap: std::collections::BinaryHeap<NodeId>,
    queued: Vec<bool>,
    /// Scratch of a whole pass: every node's own part of its view.
    own_scratch: Vec<Own>,
    /// Scratch of a visibility pass: each node's shown children, rows and
    /// changed children.
    below_scratch: Vec<(u32, u32, u32)>,
    /// Scratch of [`TreeList::update`]: the dirty nodes, sorted.
    dirty_scratch: Vec<NodeId>,
    /// Scratch of a layer change: the paths it may change.
    layer_scratch: Vec<NodeId>,
    /// From this many nodes on, a whole pass runs on two threads
    /// ([`view::PARALLEL_FROM`]; lower in tests).
    parallel_from: usize,
}

impl TreeList {
    /// A model of `tree` at its last layer, every change class shown, all
    /// directories expanded, sorted by name.
    pub fn new(tree: &Tree, compare: Compare) -> Self {
        let n = tree.nodes.len();
        let mut child_start = Vec::with_capacity(n + 1);
        let mut child_ids = Vec::with_capacity(n.saturating_sub(1));
        for node in &tree.nodes {
            child_start.push(child_ids.len() as u32);
            child_ids.extend(node.children.iter().copied());
        }
        child_start.push(child_ids.len() as u32);
        let mut ver_start = Vec::with_capacity(n + 1);
        let mut versions = Vec::with_capacity(n + n / 4);
        for node in &tree.nodes {
            ver_start.push(versions.len() as u32);
            versions.extend(node.versions.iter().map(|v| match &v.state {
                State::Present { meta, .. } => FlatVersion {
                    layer: v.layer.into(),
                    present: true,
                    is_dir: meta.kind.is_dir(),
                    size: meta.size,
                    attrs: attr_key(meta),
                },
                State::Absent(_) => FlatVersion {
                    layer: v.layer.into(),
                    present: false,
                    is_dir: false,
                    size: 0,
                    attrs: 0,
                },
            }));
        }
        ver_start.push(versions.len() as u32);
        let (layer_start, layer_ids) = view::by_layer(&ver_start, &versions, tree.layer_count);
        let parents: Vec<NodeId> = tree.nodes.iter().map(|n| n.parent).collect();
        let paths = display_paths(tree);
        let names = Names::new(&paths, &parents);
        let marks = LayerMarks::new(&ver_start, &versions, &layer_start, &layer_ids, &parents);
        let mut list = TreeList {
            child_start,
            child_ids,
            ver_start,
            versions,
            parents,
            layer_count: tree.layer_count,
            layer_start,
            layer_ids,
            paths,
            names,
            marks,
            layer: tree.layer_count.saturating_sub(1),
            compare,
            sort: SortBy::Name,
            shown: [true; 4],
            filter: None,
            collapsed: touched(n, false),
            overlay: None,
            lazy_marks: false,
            matches: Matches::new(n),
            view: vec![NodeView::default(); n],
            agg: vec![Agg::default(); n],
            span: vec![0; n],
            match_count: 0,
            list: ListState::default(),
            sel: None,
            heap: Default::default(),
            queued: touched(n, false),
            own_scratch: touched(n, Own::default()),
            below_scratch: touched(n, (0, 0, 0)),
            dirty_scratch: Vec::new(),
            layer_scratch: Vec::new(),
            parallel_from: view::PARALLEL_FROM,
        };
        list.full_view();
        list.settle(None);
        list
    }

    // ---- reading ----

    /// What `node` looks like in the current view (its mark drawn from
    /// its versions when the view does not store it).
    pub fn view(&self, node: NodeId) -> NodeView {
        let mut v = self.view[node.index()];
        if self.lazy_marks && node != ROOT {
            v.mark = v.mark.map(|_| self.drawn_mark(node.index(), v.is_dir));
        }
        v
    }

    pub fn selection(&self) -> usize {
        self.list.selected
    }

    pub fn selected(&self) -> Option<&Row> {
        self.sel.as_ref()
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.selected().map(|r| r.node)
    }

    /// The first row shown in the viewport.
    pub fn top(&self) -> usize {
        self.list.top
    }

    /// The selected layer (kept as a bare `u32` inside, beside the flat
    /// version columns).
    pub fn layer(&self) -> LayerIdx {
        LayerIdx::from(self.layer)
    }

    pub fn compare(&self) -> Compare {
        self.compare
    }

    pub fn sort(&self) -> SortBy {
        self.sort
    }

    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    pub fn is_shown(&self, mark: Mark) -> bool {
        self.shown[mark.index()]
    }

    pub fn is_collapsed(&self, node: NodeId) -> bool {
        self.collapsed[node.index()]
    }

    /// How many paths in the view match the filter (0 without a filter).
    pub fn match_count(&self) -> usize {
        self.match_count
    }

    // ---- settings that change the view ----

    pub fn set_layer(&mut self, layer: LayerIdx) {
        let layer = u32::from(layer).min(self.layer_count.saturating_sub(1));
        if layer != self.layer {
            let keep = self.selected_node();
            let from = std::mem::replace(&mut self.layer, layer);
            self.move_layer(from, layer);
            self.settle(keep);
        }
    }

    /// The marks against another image, if shown.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_deref()
    }

    /// Mark the tree against another image (`peel diff`), or with `None`
    /// go back to the layer comparison. One pass over the nodes.
    pub fn set_overlay(&mut self, overlay: Option<std::sync::Arc<Overlay>>) {
        if overlay.is_none() && self.sort == SortBy::Delta {
            self.sort = SortBy::Name;
        }
        self.overlay = overlay;
        self.recompute();
    }

    pub fn set_compare(&mut self, compare: Compare) {
        if compare != self.compare {
            self.compare = compare;
            self.recompute();
        }
    }

    /// Show or hide one change class.
    pub fn toggle_shown(&mut self, mark: Mark) {
        self.shown[mark.index()] = !self.shown[mark.index()];
        let keep = self.selected_node();
        self.visibility_view();
        self.settle(keep);
    }

    pub fn set_sort(&mut self, sort: SortBy) {
        if sort != self.sort {
            let keep = self.selected_node();
            self.sort = sort;
            self.settle(keep);
        }
    }

    /// Set (or clear, with `None`) the path filter. A filter expands every
    /// directory, so that what matches is on screen.
    pub fn set_filter(&mut self, filter: Option<Filter>) {
        let keep = self.selected_node();
        let mut whole = false;
        if filter.is_some() && self.collapsed.contains(&true) {
            self.collapsed.fill(false);
            whole = true;
        }
        let changed = self
            .matches
            .set(filter.as_ref(), &self.paths, &self.names, &self.parents);
        // Without a filter every node passes it; with one, only matches.
        let passing_changed = filter.is_some() != self.filter.is_some();
        self.filter = filter;
        match changed {
            Some(ids) if !whole && !passing_changed => self.update(ids),
            _ => self.visibility_view(),
        }
        self.settle(keep);
    }

    // ---- collapse ----

    /// Collapse or expand the selected directory.
    pub fn toggle_collapse(&mut self) {
        let Some(row) = self.sel else {
            return;
        };
        let i = row.node.index();
        if self.view[i].has_children || self.collapsed[i] {
            self.set_collapsed(row.node, !self.collapsed[i]);
        }
    }

    /// Collapse every directory if any shown one is expanded, else expand all.
    pub fn toggle_collapse_all(&mut self) {
        // A shown directory is expanded exactly when one at the top is.
        let any_expanded = self
            .children(ROOT)
            .iter()
            .any(|&c| self.view[c.index()].has_children && !self.collapsed[c.index()]);
        let keep = self.selected_node();
        for (idx, c) in self.collapsed.iter_mut().enumerate() {
            *c = any_expanded && self.view[idx].has_children;
        }
        self.visibility_view();
        self.settle(keep);
    }

    /// Collapse or expand `node`, the selection staying on its row.
    fn set_collapsed(&mut self, node: NodeId, collapsed: bool) {
        self.collapsed[node.index()] = collapsed;
        self.update([node]);
        self.settle(Some(node));
    }

    // ---- moving ----

    pub fn select_index(&mut self, idx: usize) {
        self.list.select(idx, self.row_count());
        self.settle(None);
    }

    pub fn move_by(&mut self, delta: isize) {
        self.list.move_by(delta, self.row_count());
        self.settle(None);
    }

    pub fn home(&mut self) {
        self.list.home();
        self.settle(None);
    }

    pub fn end(&mut self) {
        self.list.end(self.row_count());
        self.settle(None);
    }

    /// Left: collapse an expanded directory, else go to the parent.
    pub fn left(&mut self) {
        let Some(row) = self.sel else {
            return;
        };
        if self.view[row.node.index()].has_children && !self.collapsed[row.node.index()] {
            self.set_collapsed(row.node, true);
            return;
        }
        if row.depth > 0 {
            self.settle(Some(self.parents[row.node.index()]));
        }
    }

    /// Right: expand a collapsed directory, else go to its first child.
    pub fn right(&mut self) {
        let Some(row) = self.sel else {
            return;
        };
        if !self.view[row.node.index()].has_children {
            return;
        }
        if self.collapsed[row.node.index()] {
            self.set_collapsed(row.node, false);
        } else {
            self.move_by(1);
        }
    }

    /// Next (or previous) row matching the filter, wrapping around.
    pub fn next_match(&mut self, forward: bool) -> bool {
        let n = self.row_count();
        if n == 0 || self.filter.is_none() {
            return false;
        }
        let sel = self.list.selected;
        let matched = |r: &Row| self.view[r.node.index()].matched;
        let found = if forward {
            let after = self.rows_from(sel + 1).position(|r| matched(&r));
            after
                .map(|i| sel + 1 + i)
                .or_else(|| self.rows_from(0).take(sel + 1).position(|r| matched(&r)))
        } else {
            let last = |from: usize, len: usize| {
                self.rows_from(from)
                    .take(len)
                    .enumerate()
                    .filter(|(_, r)| matched(r))
                    .last()
                    .map(|(i, _)| from + i)
            };
            last(0, sel).or_else(|| last(sel, n - sel))
        };
        match found {
            Some(idx) => {
                self.list.selected = idx;
                self.settle(None);
                true
            }
            None => false,
        }
    }

    /// Select `node`, expanding its collapsed ancestors; false when it is not
    /// part of the view (hidden class, filtered out, not in this layer).
    pub fn reveal(&mut self, node: NodeId) -> bool {
        if !self.view.get(node.index()).is_some_and(|v| v.visible) {
            return false;
        }
        let keep = self.selected_node();
        self.expand_ancestors(node);
        self.select_node(node, keep)
    }

    fn expand_ancestors(&mut self, node: NodeId) {
        let mut opened = Vec::new();
        let mut cur = self.parents[node.index()];
        while cur != ROOT {
            if std::mem::replace(&mut self.collapsed[cur.index()], false) {
                opened.push(cur);
            }
            cur = self.parents[cur.index()];
        }
        self.update(opened);
    }

    /// Select the row of `node`; false when it has no row (the selection
    /// then stays on `keep`'s).
    fn select_node(&mut self, node: NodeId, keep: Option<NodeId>) -> bool {
        let found = self.index_of(node);
        if let Some(idx) = found {
            self.list.selected = idx;
        }
        self.settle(if found.is_some() { None } else { keep });
        found.is_some()
    }

    /// Show `node` at `layer` (the waste view's jump): selected, its
    /// ancestors expanded; when the filter or a hidden class would hide it,
    /// they are cleared. False when the node is not in that layer's view.
    pub fn jump_to(&mut self, layer: LayerIdx, node: NodeId) -> bool {
        let keep = self.selected_node();
        let layer = u32::from(layer).min(self.layer_count.saturating_sub(1));
        let from = std::mem::replace(&mut self.layer, layer);
        self.move_layer(from, layer);
        if !self.view.get(node.index()).is_some_and(|v| v.visible) {
            self.filter = None;
            self.matches
                .set(None, &self.paths, &self.names, &self.parents);
            self.shown = [true; 4];
            self.visibility_view();
        }
        if node.index() < self.parents.len() {
            self.expand_ancestors(node);
        }
        self.select_node(node, keep)
    }

    /// Keep the selection inside a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        self.list.keep_in_view(height);
        let max_top = self.row_count().saturating_sub(height);
        self.list.top = self.list.top.min(max_top);
    }

    /// Scroll the viewport (mouse wheel), moving the selection along when it
    /// would leave it.
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max_top = self.row_count().saturating_sub(height.max(1));
        self.list.top = (self.list.top as isize + delta).clamp(0, max_top as isize) as usize;
        if self.list.selected < self.list.top {
            self.list.selected = self.list.top;
        } else if self.list.selected >= self.list.top + height.max(1) {
            self.list.selected = self.list.top + height.max(1) - 1;
        }
        self.settle(None);
    }

    // ---- derivation ----

    /// Recompute the whole view, keeping the selected node.
    fn recompute(&mut self) {
        let keep = self.selected_node();
        self.full_view();
        self.settle(keep);
    }

    /// After a change: the selection on `keep`'s row when it has one (else
    /// at the same index), kept in range, and the selected row read again.
    fn settle(&mut self, keep: Option<NodeId>) {
        if let Some(idx) = keep.and_then(|n| self.index_of(n)) {
            self.list.selected = idx;
        }
        self.list.selected = self.list.selected.min(self.row_count().saturating_sub(1));
        self.list.top = self.list.top.min(self.list.selected);
        self.sel = self.row(self.list.selected);
    }
}

/// `n` copies of `fill`, written now: a scratch buffer for whole passes,
/// its pages faulted in at load rather than on the first key that needs it
/// (`vec![0; n]` maps zeroed pages that fault when first written).
fn touched<T: Clone>(n: usize, fill: T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, fill);
    v
}

/// Every node's display path, built parent first.
fn display_paths(tree: &Tree) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::with_capacity(tree.nodes.len());
    out.push("/".into());
    for node in &tree.nodes[1..] {
        let parent = &out[node.parent.index()];
        let name = path::escape(&node.name);
        let mut s = String::with_capacity(parent.len() + 1 + name.len());
        s.push_str(if &**parent == "/" { "" } else { parent });
        s.push('/');
        s.push_str(&name);
        out.push(s.into());
    }
    out
}

#[cfg(test)]
mod tests;
