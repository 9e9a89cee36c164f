//! The help screen (`?`): its scroll and its keys.

use super::ModalKey;
use crate::ui::keymap::Action;

/// Apply a key to the help screen scrolled by `scroll` lines (the drawing
/// keeps it in range); any key but a movement closes it.
pub fn key(scroll: &mut usize, action: Option<Action>, ctrl: bool) -> ModalKey {
    match action {
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::Down) => *scroll += 1,
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
        Some(Action::PageDown) => *scroll += 10,
        Some(Action::Quit) if ctrl => return ModalKey::Quit,
        Some(Action::Suspend) => return ModalKey::Suspend,
        _ => return ModalKey::Close,
    }
    ModalKey::Stay
}
