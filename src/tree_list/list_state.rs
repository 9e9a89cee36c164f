//! The selection and scroll of a list of rows: the file tree's, and the
//! UI's other lists' (layers, wasted entries, findings, the viewer's lines).

/// The selected row and the first row on screen. The list's length is
/// passed in by the owner (it knows its rows); the selection is kept below
/// it, or at 0 for an empty list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub(super) selected: usize,
    pub(super) top: usize,
}

impl ListState {
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The first row on screen.
    pub fn top(&self) -> usize {
        self.top
    }

    /// Select row `idx`, kept inside a list of `len` rows.
    pub fn select(&mut self, idx: usize, len: usize) {
        self.selected = idx.min(len.saturating_sub(1));
    }

    /// Move the selection by `delta` rows, stopping at either end.
    pub fn move_by(&mut self, delta: isize, len: usize) {
        let target = (self.selected as isize).saturating_add(delta).max(0);
        self.select(target as usize, len);
    }

    /// Select the first row.
    pub fn home(&mut self) {
        self.selected = 0;
    }

    /// Select the last row.
    pub fn end(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    /// Select the row shown `offset` rows below the top (a click); false
    /// when no row is there.
    pub fn click(&mut self, offset: usize, len: usize) -> bool {
        let idx = self.top + offset;
        if idx < len {
            self.selected = idx;
        }
        idx < len
    }

    /// Scroll so that the selection is inside a viewport of `height` rows.
    pub fn keep_in_view(&mut self, height: usize) {
        let h = height.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + h {
            self.top = self.selected + 1 - h;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ListState;

    #[test]
    fn moves_stop_at_the_ends_and_the_view_follows() {
        let mut s = ListState::default();
        s.move_by(-3, 10);
        assert_eq!(s.selected(), 0);
        s.move_by(25, 10);
        assert_eq!(s.selected(), 9);
        s.keep_in_view(4);
        assert_eq!(s.top(), 6);
        s.home();
        s.keep_in_view(4);
        assert_eq!((s.selected(), s.top()), (0, 0));
        s.end(0);
        assert_eq!(s.selected(), 0);
        assert!(!s.click(3, 2));
        assert!(s.click(1, 2));
        assert_eq!(s.selected(), 1);
    }
}
