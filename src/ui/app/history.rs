//! A path's history over the right pane (`H`): opening it and its keys.

use super::{App, Focus, Modal, Phase, RightView};
use crate::ui::components::history::History;
use crate::ui::keymap::Action;

impl App {
    /// Show the history of the right pane's selected path.
    pub(super) fn open_history(&mut self) {
        match (self.loaded(), self.selected_node()) {
            (Some(l), Some(node)) => {
                let history = History::new(&l.analysis.tree, node);
                self.modal = Modal::History(Box::new(history));
            }
            _ => self.say("no path selected"),
        }
    }

    /// A key in a path's history: move, enter shows the path at the
    /// selected layer, the closing keys close it.
    pub(super) fn history_key(&mut self, action: Option<Action>, ctrl: bool) {
        let Modal::History(h) = &mut self.modal else {
            return;
        };
        let n = h.steps.len();
        let page = self.page();
        let Modal::History(h) = &mut self.modal else {
            return;
        };
        if let Some(step) = action.and_then(|a| a.list_move(page)) {
            return step.apply(&mut h.list, n);
        }
        match action {
            Some(Action::Quit) if ctrl => self.quit = true,
            Some(Action::Open) => {
                let (node, step) = (h.node, h.selected().map(|s| s.layer));
                self.modal = Modal::None;
                if let (Some(layer), Phase::Ready(l)) = (step, &mut self.phase) {
                    let msg = l.show_node(layer, node);
                    self.view = RightView::Tree;
                    self.focus = Focus::Right;
                    self.say(msg);
                    self.scroll_all();
                }
            }
            Some(Action::Quit | Action::CloseFilterFiles | Action::PathHistory) => {
                self.modal = Modal::None
            }
            _ => {}
        }
    }
}
