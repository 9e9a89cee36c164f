//! One component per pane: the pane's state and its key handling. `app`
//! routes events to them and does what crosses panes (focus, the view
//! shown on the right, jumps into the tree); `panes/` draws from them.

pub mod findings;
pub mod layers;
pub mod tree;
pub mod viewer;
pub mod waste;

/// What a component made of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Not this component's action.
    Ignored,
    Done,
    /// Done, with a line for the status bar.
    Say(String),
}

/// A move of a list's selection (the movement keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    By(isize),
    Home,
    End,
}

impl Move {
    /// Apply the move to a list of `len` rows.
    pub fn apply(self, list: &mut super::list_state::ListState, len: usize) {
        match self {
            Move::By(delta) => list.move_by(delta, len),
            Move::Home => list.home(),
            Move::End => list.end(len),
        }
    }
}
