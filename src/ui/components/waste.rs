//! The wasted-entries list (`w`): its order, its sort and its selection.

use crate::analysis::Analysis;
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

#[derive(Debug)]
pub struct Waste {
    /// Indexes into `analysis.exact.wasted`, in the order shown.
    pub order: Vec<u32>,
    pub sort: WasteSort,
    pub list: ListState,
}

impl Waste {
    pub fn new(analysis: &Analysis) -> Waste {
        Waste {
            order: (0..analysis.exact.wasted.len() as u32).collect(),
            sort: WasteSort::Size,
            list: ListState::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The selected entry (an index into `analysis.exact.wasted`).
    pub fn selected_entry(&self) -> Option<u32> {
        self.order.get(self.list.selected()).copied()
    }

    /// The next sort, selecting the first entry; the status line.
    pub fn next_sort(&mut self, analysis: &Analysis) -> String {
        self.sort = self.sort.next();
        sort_waste(analysis, &mut self.order, self.sort);
        self.list.home();
        format!("wasted entries by {}", self.sort.name())
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
