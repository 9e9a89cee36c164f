//! The help screen (`?`): its lines' count, its scroll and its keys.

use super::ModalKey;
use crate::ui::keymap::{Action, Scope};

/// The panes whose keys the help lists, with their headings.
pub const SECTIONS: [(Scope, &str); 3] = [
    (Scope::Global, "Everywhere"),
    (Scope::Tree, "File tree"),
    (Scope::Waste, "Wasted entries"),
];

/// The notes below the keys (the findings' marks line follows them).
pub const NOTES: &[&str] = &[
    "  ctrl+a: in the file tree it shows/hides added entries; elsewhere it",
    "    switches the tree to all changes up to the layer (dive's clash, resolved by pane).",
    "  Most terminals send ctrl+m as enter: M shows/hides modified entries there.",
    "  In the filter prompt: ctrl+r switches regex/substring, enter keeps, esc clears.",
    "  Mouse: click selects a pane and a row, the wheel scrolls (m: mouse off, for the",
    "    terminal's own selection).",
    "  Marks: + added  ~ modified  - removed  (blank) unmodified.",
];

/// How many lines the help has: headings, one per action, notes, marks.
pub fn line_count() -> usize {
    SECTIONS
        .iter()
        .map(|(scope, _)| 1 + Action::ALL.iter().filter(|a| a.scope() == *scope).count())
        .sum::<usize>()
        + 1
        + NOTES.len()
        + 1
}

/// Apply a key to the help screen scrolled by `scroll` lines, `total` lines
/// tall in a body of `height`: the movement keys scroll (never past the last
/// screenful); esc, q, enter and the help key close it.
pub fn key(
    scroll: &mut usize,
    action: Option<Action>,
    ctrl: bool,
    total: usize,
    height: usize,
) -> ModalKey {
    let max = total.saturating_sub(height);
    let page = height.saturating_sub(1).max(1);
    match action {
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::Down) => *scroll += 1,
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(page),
        Some(Action::PageDown) => *scroll += page,
        Some(Action::Home) => *scroll = 0,
        Some(Action::End) => *scroll = max,
        Some(Action::Quit) if ctrl => return ModalKey::Quit,
        Some(Action::Suspend) => return ModalKey::Suspend,
        Some(Action::Quit | Action::CloseFilterFiles | Action::Help | Action::Open) => {
            return ModalKey::Close;
        }
        _ => {}
    }
    *scroll = (*scroll).min(max);
    ModalKey::Stay
}

/// The help's body height in a terminal `rows` tall (the status line and
/// the borders take three).
pub fn body_height(rows: u16) -> usize {
    usize::from(rows.saturating_sub(3)).max(1)
}
