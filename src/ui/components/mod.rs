//! One component per pane: the pane's state and its key handling. `app`
//! routes events to them and does what crosses panes (focus, the view
//! shown on the right, jumps into the tree); `panes/` draws from them.

pub mod findings;
pub mod help;
pub mod history;
pub mod largest;
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

/// What a key did to a dialog over the panes (the help, the viewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModalKey {
    Stay,
    Close,
    Quit,
    Suspend,
    /// The viewer: read the window of the file at this offset (`[`, `]`).
    Read(u64),
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
    pub fn apply(self, list: &mut crate::tree_list::ListState, len: usize) {
        match self {
            Move::By(delta) => list.move_by(delta, len),
            Move::Home => list.home(),
            Move::End => list.end(len),
        }
    }
}
