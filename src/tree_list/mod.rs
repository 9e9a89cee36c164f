//! The file tree as a flat list of visible rows with a selection: the model
//! behind the UI's tree pane, independent of any terminal (after gitui's
//! `filetreelist`).
//!
//! It reads the stacked [`Tree`] (every path with its per-layer history) and
//! never copies it per layer. Three derived levels, each recomputed only when
//! what it depends on changes:
//!
//! 1. the *view* ([`TreeList::set_layer`], [`TreeList::set_compare`], the
//!    change-class switches, the filter): one pass over the node arena from the
//!    last node to the first (a child always has a larger id than its
//!    parent), giving every node its diff mark, its rolled-up size and whether
//!    it is visible;
//! 2. the *rows*: a depth-first walk of the visible nodes that skips the
//!    children of collapsed directories; collapsing or expanding one
//!    directory splices its rows out or in instead of walking again;
//! 3. the *selection* and the scroll offset (a [`ListState`], the type every
//!    UI list uses), kept on the same node across rebuilds when it is still
//!    shown.

use regex::Regex;

pub use self::list_state::ListState;
pub use self::overlay::Overlay;

use crate::layer::path;
use crate::tree::{NodeId, State, Tree};

mod list_state;
mod overlay;

/// The root node of every [`Tree`].
const ROOT: NodeId = 0;

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

/// A path filter: matching nodes and their ancestors stay visible.
#[derive(Debug, Clone)]
pub enum Filter {
    Substring(String),
    Regex(Regex),
}

impl Filter {
    /// `text` as a regex when `regex` is set, else as a substring. An empty
    /// text is no filter.
    pub fn parse(text: &str, regex: bool) -> Result<Option<Filter>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        if regex {
            Regex::new(text)
                .map(|r| Some(Filter::Regex(r)))
                .map_err(|e| format!("bad regex: {}", first_line(&e.to_string())))
        } else {
            Ok(Some(Filter::Substring(text.to_string())))
        }
    }

    pub fn is_match(&self, path: &str) -> bool {
        match self {
            Filter::Substring(s) => path.contains(s.as_str()),
            Filter::Regex(r) => r.is_match(path),
        }
    }

    /// Byte ranges of the matches in `text` (for highlighting a name).
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        match self {
            Filter::Substring(s) if !s.is_empty() => text
                .match_indices(s.as_str())
                .map(|(i, m)| (i, i + m.len()))
                .collect(),
            Filter::Substring(_) => Vec::new(),
            Filter::Regex(r) => r
                .find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| (m.start(), m.end()))
                .collect(),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Filter::Substring(s) => s,
            Filter::Regex(r) => r.as_str(),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
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
    /// Display paths (`/a/b`), for the filter.
    paths: Vec<Box<str>>,

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
    view: Vec<NodeView>,
    /// Paths of the view that match the filter.
    matches: usize,
    acc: Vec<Acc>,
    rows: Vec<Row>,
    /// The selected row and the first row on screen.
    list: ListState,
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
                    layer: v.layer,
                    present: true,
                    is_dir: meta.kind.is_dir(),
                    size: meta.size,
                    attrs: attr_key(meta),
                },
                State::Absent(_) => FlatVersion {
                    layer: v.layer,
                    present: false,
                    is_dir: false,
                    size: 0,
                    attrs: 0,
                },
            }));
        }
        ver_start.push(versions.len() as u32);
        let mut list = TreeList {
            child_start,
            child_ids,
            ver_start,
            versions,
            parents: tree.nodes.iter().map(|n| n.parent).collect(),
            layer_count: tree.layer_count,
            paths: display_paths(tree),
            layer: tree.layer_count.saturating_sub(1),
            compare,
            sort: SortBy::Name,
            shown: [true; 4],
            filter: None,
            collapsed: vec![false; n],
            overlay: None,
            view: vec![NodeView::default(); n],
            matches: 0,
            acc: Vec::new(),
            rows: Vec::new(),
            list: ListState::default(),
        };
        list.recompute();
        list
    }

    // ---- reading ----

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn view(&self, node: NodeId) -> &NodeView {
        &self.view[node as usize]
    }

    pub fn selection(&self) -> usize {
        self.list.selected
    }

    pub fn selected(&self) -> Option<&Row> {
        self.rows.get(self.list.selected)
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.selected().map(|r| r.node)
    }

    /// The first row shown in the viewport.
    pub fn top(&self) -> usize {
        self.list.top
    }

    pub fn layer(&self) -> u32 {
        self.layer
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
        self.collapsed[node as usize]
    }

    /// How many paths in the view match the filter (0 without a filter).
    pub fn match_count(&self) -> usize {
        self.matches
    }

    // ---- settings that change the view ----

    pub fn set_layer(&mut self, layer: u32) {
        let layer = layer.min(self.layer_count.saturating_sub(1));
        if layer != self.layer {
            self.layer = layer;
            self.recompute();
        }
    }

    /// The marks against another image, if shown.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_deref()
    }

    /// Mark the tree against another image (`peel diff`), or with `None`
    /// go back to the layer comparison. One pass over the nodes, as a
    /// layer change.
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
        self.recompute();
    }

    pub fn set_sort(&mut self, sort: SortBy) {
        if sort != self.sort {
            self.sort = sort;
            self.rebuild_rows();
        }
    }

    /// Set (or clear, with `None`) the path filter. A filter expands every
    /// directory, so that what matches is on screen.
    pub fn set_filter(&mut self, filter: Option<Filter>) {
        if filter.is_some() {
            self.collapsed.fill(false);
        }
        self.filter = filter;
        self.recompute();
    }

    // ---- collapse ----

    /// Collapse or expand the selected directory.
    pub fn toggle_collapse(&mut self) {
        let Some(row) = self.selected().copied() else {
            return;
        };
        if self.view[row.node as usize].has_children || self.collapsed[row.node as usize] {
            if self.collapsed[row.node as usize] {
                self.expand_at(self.list.selected);
            } else {
                self.collapse_at(self.list.selected);
            }
        }
    }

    /// Collapse every directory if any shown one is expanded, else expand all.
    pub fn toggle_collapse_all(&mut self) {
        let any_expanded = self
            .rows
            .iter()
            .any(|r| self.view[r.node as usize].has_children && !self.collapsed[r.node as usize]);
        for (idx, c) in self.collapsed.iter_mut().enumerate() {
            *c = any_expanded && self.view[idx].has_children;
        }
        if !any_expanded {
            self.collapsed.fill(false);
        }
        self.rebuild_rows();
    }

    fn collapse_at(&mut self, idx: usize) {
        let row = self.rows[idx];
        self.collapsed[row.node as usize] = true;
        let end = self.subtree_end(idx);
        self.rows.drain(idx + 1..end);
        self.clamp();
    }

    fn expand_at(&mut self, idx: usize) {
        let row = self.rows[idx];
        self.collapsed[row.node as usize] = false;
        let guides = child_guides(&row);
        let mut sub = Vec::new();
        self.walk(row.node, row.depth + 1, guides, &mut sub);
        self.rows.splice(idx + 1..idx + 1, sub);
    }

    /// One past the last row of the subtree of row `idx`.
    fn subtree_end(&self, idx: usize) -> usize {
        let depth = self.rows[idx].depth;
        self.rows[idx + 1..]
            .iter()
            .position(|r| r.depth <= depth)
            .map_or(self.rows.len(), |p| idx + 1 + p)
    }

    // ---- moving ----

    pub fn select_index(&mut self, idx: usize) {
        self.list.select(idx, self.rows.len());
    }

    pub fn move_by(&mut self, delta: isize) {
        self.list.move_by(delta, self.rows.len());
    }

    pub fn home(&mut self) {
        self.list.home();
    }

    pub fn end(&mut self) {
        self.list.end(self.rows.len());
    }

    /// Left: collapse an expanded directory, else go to the parent.
    pub fn left(&mut self) {
        let Some(row) = self.selected().copied() else {
            return;
        };
        if self.view[row.node as usize].has_children && !self.collapsed[row.node as usize] {
            self.collapse_at(self.list.selected);
            return;
        }
        if row.depth == 0 {
            return;
        }
        if let Some(parent) = self.rows[..self.list.selected]
            .iter()
            .rposition(|r| r.depth < row.depth)
        {
            self.list.selected = parent;
        }
    }

    /// Right: expand a collapsed directory, else go to its first child.
    pub fn right(&mut self) {
        let Some(row) = self.selected().copied() else {
            return;
        };
        if !self.view[row.node as usize].has_children {
            return;
        }
        if self.collapsed[row.node as usize] {
            self.expand_at(self.list.selected);
        } else if self.list.selected + 1 < self.rows.len() {
            self.list.selected += 1;
        }
    }

    /// Next (or previous) row matching the filter, wrapping around.
    pub fn next_match(&mut self, forward: bool) -> bool {
        let n = self.rows.len();
        if n == 0 || self.filter.is_none() {
            return false;
        }
        for step in 1..=n {
            let idx = if forward {
                (self.list.selected + step) % n
            } else {
                (self.list.selected + n - step % n) % n
            };
            if self.view[self.rows[idx].node as usize].matched {
                self.list.selected = idx;
                return true;
            }
        }
        false
    }

    /// Select `node`, expanding its collapsed ancestors; false when it is not
    /// part of the view (hidden class, filtered out, not in this layer).
    pub fn reveal(&mut self, node: NodeId) -> bool {
        if !self.view.get(node as usize).is_some_and(|v| v.visible) {
            return false;
        }
        let mut cur = self.parents[node as usize];
        let mut changed = false;
        while cur != ROOT {
            if self.collapsed[cur as usize] {
                self.collapsed[cur as usize] = false;
                changed = true;
            }
            cur = self.parents[cur as usize];
        }
        if changed {
            self.rebuild_rows();
        }
        self.select_node(node)
    }

    /// Select the row of `node`; false when it has no row.
    fn select_node(&mut self, node: NodeId) -> bool {
        match self.rows.iter().position(|r| r.node == node) {
            Some(idx) => {
                self.list.selected = idx;
                true
            }
            None => false,
        }
    }

    /// Show `node` at `layer` (the waste view's jump): selected, its
    /// ancestors expanded; when the filter or a hidden class would hide it,
    /// they are cleared. False when the node is not in that layer's view.
    pub fn jump_to(&mut self, layer: u32, node: NodeId) -> bool {
        self.layer = layer.min(self.layer_count.saturating_sub(1));
        self.compute_view();
        if !self.view.get(node as usize).is_some_and(|v| v.visible) {
            self.filter = None;
            self.shown = [true; 4];
            self.compute_view();
        }
        let mut cur = node;
        while cur != ROOT {
            cur = self.parents[cur as usize];
            self.collapsed[cur as usize] = false;
        }
        self.rebuild_rows();
        self.select_node(node)
    }

    /// Keep the selection inside a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        self.list.keep_in_view(height);
        let max_top = self.rows.len().saturating_sub(height);
        self.list.top = self.list.top.min(max_top);
    }

    /// Scroll the viewport (mouse wheel), moving the selection along when it
    /// would leave it.
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max_top = self.rows.len().saturating_sub(height.max(1));
        self.list.top = (self.list.top as isize + delta).clamp(0, max_top as isize) as usize;
        if self.list.selected < self.list.top {
            self.list.selected = self.list.top;
        } else if self.list.selected >= self.list.top + height.max(1) {
            self.list.selected = self.list.top + height.max(1) - 1;
        }
        self.clamp();
    }

    // ---- derivation ----

    /// Recompute the view, then the rows, keeping the selected node.
    fn recompute(&mut self) {
        self.compute_view();
        self.rebuild_rows();
    }

    fn compute_view(&mut self) {
        let layer = self.layer;
        let n = self.parents.len();
        // Children's contributions, accumulated into the parent's slot (the
        // buffer is kept between passes: no allocation, no page faults).
        let mut acc = std::mem::take(&mut self.acc);
        let mut matches = 0;
        acc.clear();
        acc.resize(n, Acc::default());
        for id in (1..n).rev() {
            let vs = &self.versions[self.ver_start[id] as usize..self.ver_start[id + 1] as usize];
            let a = acc[id];
            let own = match &self.overlay {
                Some(o) => o.own_mark(id, vs),
                None => own_mark(vs, layer, self.compare),
            };
            let Some((own, state)) = own.or(a.in_view.then_some((None, None))) else {
                self.view[id] = NodeView::default();
                continue;
            };
            // An ancestor kept only for structure is a directory.
            let (is_dir, own_size) = state.map_or((true, 0), |v| (v.is_dir, v.size));
            let mut mark = own.unwrap_or(Mark::Unmodified);
            if is_dir && mark == Mark::Unmodified && a.changed {
                mark = Mark::Modified;
            }
            let size = if is_dir { a.size } else { own_size };
            let matched = self
                .filter
                .as_ref()
                .is_some_and(|f| f.is_match(&self.paths[id]));
            let filter_ok = self.filter.is_none() || matched;
            matches += usize::from(matched && self.shown[mark.index()]);
            let self_visible = self.shown[mark.index()] && filter_ok;
            let visible = self_visible || a.visible;
            self.view[id] = NodeView {
                mark: Some(mark),
                size,
                is_dir,
                visible,
                matched,
                has_children: a.visible,
            };
            let p = &mut acc[self.parents[id] as usize];
            p.in_view = true;
            p.visible |= visible;
            p.changed |= mark != Mark::Unmodified;
            if mark != Mark::Removed {
                p.size += size;
            }
        }
        self.view[ROOT as usize] = NodeView {
            mark: Some(Mark::Unmodified),
            size: acc[ROOT as usize].size,
            is_dir: true,
            visible: true,
            matched: false,
            has_children: acc[ROOT as usize].visible,
        };
        self.acc = acc;
        self.matches = matches;
    }

    /// Walk again from the root, keeping the selection on the same node (or
    /// its nearest shown ancestor).
    fn rebuild_rows(&mut self) {
        let old_node = self.selected_node();
        let old_idx = self.list.selected;
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        self.walk(ROOT, 0, 0, &mut rows);
        self.rows = rows;
        self.list.selected = old_idx;
        if let Some(node) = old_node
            && let Some(idx) = self.rows.iter().position(|r| r.node == node)
        {
            self.list.selected = idx;
        }
        self.clamp();
    }

    /// Append the rows below `parent` (not `parent` itself).
    fn walk(&self, parent: NodeId, depth: u16, guides: u64, out: &mut Vec<Row>) {
        let mut pending: Vec<NodeId> = Vec::new();
        let mut frames = vec![self.frame_for(parent, depth, guides, &mut pending)];
        while let Some(frame) = frames.last_mut() {
            if frame.next == frame.end {
                pending.truncate(frame.start);
                frames.pop();
                continue;
            }
            let node = pending[frame.next];
            frame.next += 1;
            let last = frame.next == frame.end;
            let row = Row {
                node,
                depth: frame.depth,
                last,
                guides: frame.guides,
            };
            out.push(row);
            let v = &self.view[node as usize];
            if v.has_children && !self.collapsed[node as usize] {
                let f = self.frame_for(node, row.depth + 1, child_guides(&row), &mut pending);
                frames.push(f);
            }
        }
    }

    /// The visible children of `parent`, in display order, pushed on `pending`.
    fn frame_for(
        &self,
        parent: NodeId,
        depth: u16,
        guides: u64,
        pending: &mut Vec<NodeId>,
    ) -> Frame {
        let start = pending.len();
        let (a, b) = (
            self.child_start[parent as usize] as usize,
            self.child_start[parent as usize + 1] as usize,
        );
        pending.extend(
            self.child_ids[a..b]
                .iter()
                .copied()
                .filter(|&c| self.view[c as usize].visible),
        );
        match (self.sort, &self.overlay) {
            // Stable: equal sizes keep name order.
            (SortBy::Size, _) => pending[start..]
                .sort_by(|&x, &y| self.view[y as usize].size.cmp(&self.view[x as usize].size)),
            (SortBy::Delta, Some(o)) => pending[start..].sort_by(|&x, &y| {
                let d = |n: NodeId| o.delta(n).unsigned_abs();
                d(y).cmp(&d(x))
            }),
            _ => {}
        }
        Frame {
            start,
            next: start,
            end: pending.len(),
            depth,
            guides,
        }
    }

    fn clamp(&mut self) {
        self.list.selected = self.list.selected.min(self.rows.len().saturating_sub(1));
        self.list.top = self.list.top.min(self.list.selected);
    }

    /// Is the model consistent? (rows equal a fresh walk, selection in range)
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut fresh = Vec::new();
        self.walk(ROOT, 0, 0, &mut fresh);
        if fresh != self.rows {
            return Err(format!(
                "rows differ from a fresh walk ({} vs {})",
                self.rows.len(),
                fresh.len()
            ));
        }
        if !self.rows.is_empty() && self.list.selected >= self.rows.len() {
            return Err(format!(
                "selection {} out of {}",
                self.list.selected,
                self.rows.len()
            ));
        }
        if self.rows.is_empty() && self.list.selected != 0 {
            return Err("selection in an empty list".into());
        }
        Ok(())
    }
}

struct Frame {
    start: usize,
    next: usize,
    end: usize,
    depth: u16,
    guides: u64,
}

fn child_guides(row: &Row) -> u64 {
    if row.last || row.depth >= 64 {
        row.guides
    } else {
        row.guides | (1 << row.depth)
    }
}

/// What a node's children contribute to it in a view pass.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    size: u64,
    in_view: bool,
    visible: bool,
    changed: bool,
}

/// One version of a node, as much as the view needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FlatVersion {
    layer: u32,
    present: bool,
    is_dir: bool,
    size: u64,
    /// Mode, owner and times folded together (equal attributes, equal key).
    attrs: u64,
}

fn attr_key(meta: &crate::layer::Meta) -> u64 {
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

/// The node's own mark at `layer` and the version that describes it (for a
/// removed node, the one it had), or None when the node is not part of the
/// view by itself.
fn own_mark(
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

/// Every node's display path, built parent first.
fn display_paths(tree: &Tree) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::with_capacity(tree.nodes.len());
    out.push("/".into());
    for node in &tree.nodes[1..] {
        let parent = &out[node.parent as usize];
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
