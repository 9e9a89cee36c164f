//! The one event type the UI loop consumes, from every source: the terminal
//! (keys, mouse, resize), the clock, the loader thread and background jobs.

use crossterm::event::{KeyEvent, MouseEvent};

use super::compare::CompareMarks;
use crate::content::{Content, ContentError, Extracted};
use crate::error::Error;
use crate::layer::LayerIdx;
use crate::pipeline::Outcome;
use crate::progress::ProgressSnapshot;
use crate::tree::NodeId;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick,
    /// How far the loader got.
    Progress(ProgressSnapshot),
    /// The loader finished (or failed: the pipeline's error, or
    /// [`Error::Panicked`] when the loader panicked).
    Loaded(Box<Result<Outcome, Error>>),
    /// `peel diff` in a terminal: NEW (loaded just before) compared with
    /// OLD; compare mode turns on.
    Compared(Box<CompareMarks>),
    /// A file's content for the viewer; `token` matches the request.
    Content {
        token: u64,
        result: Result<Content, ContentError>,
    },
    Extracted(Result<Extracted, ContentError>),
}

/// Work the loop runs for the app outside `update` (threads, the terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Hand the terminal back to the shell (ctrl+z).
    Suspend,
    /// Put text on the clipboard (OSC 52: through SSH and tmux too).
    Copy(String),
    /// Turn mouse capture on or off (off: the terminal's own selection).
    Mouse(bool),
    ReadFile {
        token: u64,
        node: NodeId,
        layer: LayerIdx,
        /// Where the window starts in the file.
        offset: u64,
    },
    Extract {
        node: NodeId,
        layer: LayerIdx,
        dest: std::path::PathBuf,
        /// The user agreed to replace what is there.
        overwrite: bool,
    },
    /// Standard input's answer: keep its layers for the session (yes) or
    /// not; the loader waits for it before reading the stream.
    KeepLayers(bool),
}
