//! The file tree pane's keys. Its state is the [`TreeList`] itself; these
//! are the actions that change its view (most work whichever pane has the
//! focus, as in dive).

use super::{Move, Reply};
use crate::tree_list::{Compare, Mark, SortBy, TreeList};
use crate::ui::keymap::Action;

/// Apply a tree action; `focused` when the tree has the focus (left and
/// right move in it only then).
pub fn action(list: &mut TreeList, action: Action, focused: bool) -> Reply {
    match action {
        Action::Left if focused => list.left(),
        Action::Right if focused => list.right(),
        Action::Left | Action::Right => {}
        Action::CompareAll => {
            leave_overlay(list);
            list.set_compare(Compare::Aggregated);
            return Reply::Say(
                "tree: the whole filesystem, every change up to this layer marked".into(),
            );
        }
        Action::CompareLayer => {
            leave_overlay(list);
            list.set_compare(Compare::Dive);
            return Reply::Say("tree: the whole filesystem, this layer's changes marked".into());
        }
        Action::CompareChanges => {
            leave_overlay(list);
            list.set_compare(Compare::Layer);
            return Reply::Say("tree: only this layer's changes".into());
        }
        Action::ToggleCollapseDir => list.toggle_collapse(),
        Action::ToggleCollapseAllDir => list.toggle_collapse_all(),
        Action::ToggleAddedFiles => list.toggle_shown(Mark::Added),
        Action::ToggleRemovedFiles => list.toggle_shown(Mark::Removed),
        Action::ToggleModifiedFiles => list.toggle_shown(Mark::Modified),
        Action::ToggleUnmodifiedFiles => list.toggle_shown(Mark::Unmodified),
        Action::ToggleSortOrder => {
            let next = match list.sort() {
                SortBy::Name => SortBy::Size,
                SortBy::Size if list.overlay().is_some() => SortBy::Delta,
                SortBy::Size | SortBy::Delta => SortBy::Name,
            };
            list.set_sort(next);
            return Reply::Say(format!(
                "tree sorted by {}",
                match next {
                    SortBy::Name => "name",
                    SortBy::Size => "size",
                    SortBy::Delta => "change against OLD",
                }
            ));
        }
        Action::NextMatch | Action::PrevMatch => {
            if !list.next_match(action == Action::NextMatch) {
                return Reply::Say("no filter match".into());
            }
        }
        _ => return Reply::Ignored,
    }
    Reply::Done
}

/// A layer comparison asked for: compare mode (against OLD) ends.
fn leave_overlay(list: &mut TreeList) {
    if list.overlay().is_some() {
        list.set_overlay(None);
    }
}

/// Move the tree's selection.
pub fn move_selection(list: &mut TreeList, m: Move) {
    match m {
        Move::By(delta) => list.move_by(delta),
        Move::Home => list.home(),
        Move::End => list.end(),
    }
}
