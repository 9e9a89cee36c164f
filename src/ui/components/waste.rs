//! The wasted-entries list (`w`): entries grouped by the directory that hid
//! them (one `rm -rf` of a whole tree is one row, which expands), their
//! sort and the selection.
//!
//! The groups are made once, when the image is read: each entry walks up
//! from its path while the directory above was hidden by the same layer
//! (deleted, replaced); an entry whose directory stayed is grouped with the
//! other entries of its directory hidden by the same layer. Expanding or
//! collapsing rebuilds the rows of the groups only, never of the tree.

use std::collections::HashMap;

use crate::analysis::Analysis;
use crate::layer::LayerIdx;
use crate::tree::{HideReason, NodeId, State, Tree};
use crate::tree_list::ListState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasteSort {
    Size,
    Path,
    Layer,
}

impl WasteSort {
    pub fn name(self) -> &'static str {
        match self {
            WasteSort::Size => "size",
            WasteSort::Path => "path",
            WasteSort::Layer => "layer",
        }
    }

    fn next(self) -> WasteSort {
        match self {
            WasteSort::Size => WasteSort::Path,
            WasteSort::Path => WasteSort::Layer,
            WasteSort::Layer => WasteSort::Size,
        }
    }
}

/// Wasted entries below one directory, hidden by one layer.
#[derive(Debug, Clone)]
pub struct Group {
    /// The directory (the tree's node) and its display path.
    pub dir: NodeId,
    pub path: String,
    pub hidden_by: LayerIdx,
    /// The first and last layer that added the entries.
    pub layers: (LayerIdx, LayerIdx),
    pub bytes: u64,
    /// The reason, when every entry has the same.
    pub reason: Option<HideReason>,
    /// Indexes into `analysis.exact.wasted`, in the order shown.
    pub entries: Vec<u32>,
}

/// One row of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasteRow {
    /// A group of several entries (expanded or not).
    Group(u32),
    /// An entry: alone, or inside the expanded group `group`.
    Entry { entry: u32, group: Option<u32> },
}

#[derive(Debug)]
pub struct Waste {
    /// Indexes into `analysis.exact.wasted`, in the order of the sort.
    pub order: Vec<u32>,
    pub groups: Vec<Group>,
    /// The groups in the order shown.
    group_order: Vec<u32>,
    pub expanded: Vec<bool>,
    pub rows: Vec<WasteRow>,
    pub sort: WasteSort,
    pub list: ListState,
    /// Each sort's arrangement, once made (the entries never change while
    /// the UI runs, so a sort is made once and a key only applies it).
    arranged: [Option<Arrangement>; 3],
    /// The other sorts, being made on a worker thread since the image was
    /// read.
    pending: Option<std::thread::JoinHandle<Vec<Arrangement>>>,
}

/// One sort's order of the entries, of each group's entries and of the
/// groups.
#[derive(Debug, Clone)]
struct Arrangement {
    by: WasteSort,
    order: Vec<u32>,
    /// Every group's entries in this order, the groups one after another
    /// (group `g`'s as many as it holds).
    entries: Vec<u32>,
    group_order: Vec<u32>,
}

impl WasteSort {
    fn index(self) -> usize {
        match self {
            WasteSort::Size => 0,
            WasteSort::Path => 1,
            WasteSort::Layer => 2,
        }
    }
}

impl Waste {
    /// The list by size; the other sorts are made on a worker thread, so
    /// that switching to them costs what the list shows.
    pub fn new(analysis: &std::sync::Arc<crate::pipeline::Outcome>) -> Waste {
        let groups = group_entries(analysis);
        let first = arrange(analysis, &groups, WasteSort::Size);
        let pending = (analysis.exact.wasted.len() > 1).then(|| {
            let (analysis, groups) = (analysis.clone(), groups.clone());
            std::thread::spawn(move || {
                [WasteSort::Path, WasteSort::Layer]
                    .into_iter()
                    .map(|by| arrange(&analysis, &groups, by))
                    .collect()
            })
        });
        let mut waste = Waste {
            order: Vec::new(),
            group_order: Vec::new(),
            expanded: vec![false; groups.len()],
            groups,
            rows: Vec::new(),
            sort: WasteSort::Size,
            list: ListState::default(),
            arranged: [None, None, None],
            pending,
        };
        waste.apply(first);
        waste
    }

    /// Rows shown.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn selected_row(&self) -> Option<WasteRow> {
        self.rows.get(self.list.selected()).copied()
    }

    /// The selected entry (an index into `analysis.exact.wasted`); None on
    /// a group's row.
    pub fn selected_entry(&self) -> Option<u32> {
        match self.selected_row()? {
            WasteRow::Entry { entry, .. } => Some(entry),
            WasteRow::Group(_) => None,
        }
    }

    /// The selected row's full path (a group's directory).
    pub fn selected_path(&self, analysis: &Analysis) -> Option<String> {
        Some(match self.selected_row()? {
            WasteRow::Entry { entry, .. } => {
                crate::layer::path::display(&analysis.exact.wasted[entry as usize].path)
            }
            WasteRow::Group(g) => self.groups[g as usize].path.clone(),
        })
    }

    /// Expand or collapse the selected group (on an entry inside one: that
    /// group, the selection going to its row). False when there is none.
    pub fn toggle_group(&mut self) -> bool {
        let g = match self.selected_row() {
            Some(WasteRow::Group(g)) | Some(WasteRow::Entry { group: Some(g), .. }) => g,
            _ => return false,
        };
        self.expanded[g as usize] = !self.expanded[g as usize];
        self.rebuild_rows(Some(WasteRow::Group(g)));
        true
    }

    /// Expand every group if any is collapsed, else collapse them all.
    pub fn toggle_all(&mut self) {
        let expand = self
            .expanded
            .iter()
            .zip(&self.groups)
            .any(|(e, g)| !e && g.entries.len() > 1);
        self.expanded.fill(expand);
        let keep = self.selected_row().map(|r| match r {
            WasteRow::Entry { group: Some(g), .. } if !expand => WasteRow::Group(g),
            other => other,
        });
        self.rebuild_rows(keep);
    }

    /// The next sort, selecting the first row; the status line.
    pub fn next_sort(&mut self, analysis: &Analysis) -> String {
        self.sort = self.sort.next();
        self.resort(analysis);
        self.list.home();
        format!("wasted entries by {}", self.sort.name())
    }

    /// Show the entries in the order of `self.sort`: its arrangement made
    /// once (waiting for the worker when it is making it).
    fn resort(&mut self, analysis: &Analysis) {
        let at = self.sort.index();
        if self.arranged[at].is_none()
            && let Some(worker) = self.pending.take()
        {
            // A worker that failed leaves its sorts to be made here.
            for a in worker.join().unwrap_or_default() {
                let i = a.by.index();
                self.arranged[i] = Some(a);
            }
        }
        let a = match self.arranged[at].take() {
            Some(a) => a,
            None => arrange(analysis, &self.groups, self.sort),
        };
        self.apply(a);
    }

    /// Show arrangement `a` (kept for the next time its sort is chosen).
    fn apply(&mut self, a: Arrangement) {
        self.order.clone_from(&a.order);
        self.group_order.clone_from(&a.group_order);
        let mut at = 0;
        for g in &mut self.groups {
            let n = g.entries.len();
            g.entries.copy_from_slice(&a.entries[at..at + n]);
            at += n;
        }
        let i = a.by.index();
        self.arranged[i] = Some(a);
        self.rebuild_rows(None);
    }

    /// The rows again, the selection on `keep` when it is still shown.
    fn rebuild_rows(&mut self, keep: Option<WasteRow>) {
        let keep = keep.or_else(|| self.selected_row());
        self.rows.clear();
        for &g in &self.group_order {
            let group = &self.groups[g as usize];
            if group.entries.len() == 1 {
                self.rows.push(WasteRow::Entry {
                    entry: group.entries[0],
                    group: None,
                });
                continue;
            }
            self.rows.push(WasteRow::Group(g));
            if self.expanded[g as usize] {
                self.rows
                    .extend(group.entries.iter().map(|&entry| WasteRow::Entry {
                        entry,
                        group: Some(g),
                    }));
            }
        }
        let idx = keep
            .and_then(|k| self.rows.iter().position(|r| *r == k))
            .unwrap_or(self.list.selected());
        self.list.select(idx, self.rows.len());
    }
}

/// The entries, each group's entries and the groups in the order of `by`.
fn arrange(analysis: &Analysis, groups: &[Group], by: WasteSort) -> Arrangement {
    let mut order: Vec<u32> = (0..analysis.exact.wasted.len() as u32).collect();
    sort_waste(analysis, &mut order, by);
    let mut rank = vec![0u32; order.len()];
    for (pos, &i) in order.iter().enumerate() {
        rank[i as usize] = pos as u32;
    }
    let mut entries = Vec::with_capacity(order.len());
    for g in groups {
        let from = entries.len();
        entries.extend_from_slice(&g.entries);
        entries[from..].sort_by_key(|&i| rank[i as usize]);
    }
    let mut group_order: Vec<u32> = (0..groups.len() as u32).collect();
    match by {
        WasteSort::Size => group_order.sort_by(|&a, &b| {
            let (x, y) = (&groups[a as usize], &groups[b as usize]);
            y.bytes.cmp(&x.bytes).then(x.path.cmp(&y.path))
        }),
        WasteSort::Path => {
            group_order.sort_by(|&a, &b| groups[a as usize].path.cmp(&groups[b as usize].path))
        }
        WasteSort::Layer => group_order.sort_by_key(|&g| {
            let g = &groups[g as usize];
            let first = g.entries.iter().map(|&i| rank[i as usize]).min();
            (g.layers.0, g.hidden_by, first.unwrap_or(0))
        }),
    }
    Arrangement {
        by,
        order,
        entries,
        group_order,
    }
}

pub fn sort_waste(analysis: &Analysis, order: &mut [u32], by: WasteSort) {
    let w = &analysis.exact.wasted;
    match by {
        WasteSort::Size => order.sort_by_key(|&i| i),
        WasteSort::Path => order.sort_by(|&a, &b| {
            w[a as usize]
                .path
                .cmp(&w[b as usize].path)
                .then(w[a as usize].layer.cmp(&w[b as usize].layer))
        }),
        WasteSort::Layer => order.sort_by(|&a, &b| {
            (w[a as usize].layer, w[a as usize].hidden_by, a).cmp(&(
                w[b as usize].layer,
                w[b as usize].hidden_by,
                b,
            ))
        }),
    }
}

/// Was `node` itself hidden by layer `layer` (a whiteout of it, or it was
/// replaced)?
fn hidden_at(tree: &Tree, node: NodeId, layer: LayerIdx) -> bool {
    tree.node(node)
        .versions
        .iter()
        .any(|v| v.layer == layer && matches!(v.state, State::Absent(_)))
}

/// The groups of the image's wasted entries (see the module's comment).
fn group_entries(analysis: &Analysis) -> Vec<Group> {
    let tree = &analysis.tree;
    let root = tree.root();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<(NodeId, LayerIdx), u32> = HashMap::new();
    for (i, w) in analysis.exact.wasted.iter().enumerate() {
        let dir = match tree.lookup(&w.path) {
            Some(node) => {
                let mut top = tree.node(node).parent;
                let mut cur = top;
                while cur != root && hidden_at(tree, cur, w.hidden_by) {
                    top = cur;
                    cur = tree.node(cur).parent;
                }
                top
            }
            None => root,
        };
        let g = *by_key.entry((dir, w.hidden_by)).or_insert_with(|| {
            groups.push(Group {
                dir,
                path: tree.display_path(dir),
                hidden_by: w.hidden_by,
                layers: (w.layer, w.layer),
                bytes: 0,
                reason: Some(w.reason),
                entries: Vec::new(),
            });
            groups.len() as u32 - 1
        });
        let group = &mut groups[g as usize];
        group.layers = (group.layers.0.min(w.layer), group.layers.1.max(w.layer));
        group.bytes += w.bytes;
        if group.reason != Some(w.reason) {
            group.reason = None;
        }
        group.entries.push(i as u32);
    }
    groups
}
