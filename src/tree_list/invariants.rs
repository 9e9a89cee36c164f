//! The model's self-check, for tests: the derived levels equal what a
//! whole pass and a plain walk give.

use super::{NodeId, TreeList};

impl TreeList {
    /// Is the model consistent? (the view equals a whole pass, the rows a
    /// plain walk, the selection in range)
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut fresh = self.clone();
        fresh.full_view();
        if fresh.view != self.view || fresh.span != self.span || fresh.agg != self.agg {
            let at = (0..self.view.len()).find(|&i| {
                fresh.view[i] != self.view[i]
                    || fresh.span[i] != self.span[i]
                    || fresh.agg[i] != self.agg[i]
            });
            return Err(format!("the view differs from a whole pass at node {at:?}"));
        }
        if fresh.lazy_marks != self.lazy_marks {
            return Err(format!(
                "marks drawn: {}, expected {}",
                self.lazy_marks, fresh.lazy_marks
            ));
        }
        if self.lazy_marks {
            let mut stored = self.clone();
            stored.full_view_as(false);
            if let Some(i) = (0..self.view.len())
                .find(|&i| self.view(NodeId::from(i as u32)) != stored.view(NodeId::from(i as u32)))
            {
                return Err(format!(
                    "the mark drawn at node {i} differs from a stored one"
                ));
            }
        }
        if fresh.match_count != self.match_count {
            return Err(format!(
                "match count {} vs {}",
                self.match_count, fresh.match_count
            ));
        }
        if let Some(f) = &self.filter
            && let Some(i) =
                (1..self.paths.len()).find(|&i| self.matches.hit[i] != f.is_match(&self.paths[i]))
        {
            return Err(format!("{} matched wrongly", self.paths[i]));
        }
        let walked = self.walk();
        let rows = self.rows();
        if walked != rows {
            return Err(format!(
                "rows differ from a plain walk ({} vs {})",
                rows.len(),
                walked.len()
            ));
        }
        if rows.len() != self.row_count() {
            return Err(format!("{} rows, {} counted", rows.len(), self.row_count()));
        }
        for (i, r) in rows.iter().enumerate() {
            if self.row(i) != Some(*r) || self.index_of(r.node) != Some(i) {
                return Err(format!("row {i} is not found by its index or node"));
            }
        }
        if self.sel != rows.get(self.list.selected).copied() {
            return Err("the selected row is stale".into());
        }
        if !rows.is_empty() && self.list.selected >= rows.len() {
            return Err(format!(
                "selection {} out of {}",
                self.list.selected,
                rows.len()
            ));
        }
        if rows.is_empty() && self.list.selected != 0 {
            return Err("selection in an empty list".into());
        }
        Ok(())
    }
}
