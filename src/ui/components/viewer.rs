//! The file viewer (enter on a file): what it shows, its scroll, its keys.

use crossterm::event::KeyCode;

use super::ModalKey;
use crate::content::Content;
use crate::layer::LayerIdx;
use crate::report::size;
use crate::tree::{NodeId, State, Tree};
use crate::tree_list::ListState;
use crate::tree_list::{Mark, NodeView};
use crate::ui::event::Command;
use crate::ui::keymap::Action;

/// How much of a file the viewer reads.
pub const VIEW_LIMIT: u64 = 8 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub token: u64,
    /// What is shown: for reading the next window of a large file.
    pub node: NodeId,
    pub layer: LayerIdx,
    pub title: String,
    pub body: ViewerBody,
    /// The viewer has no cursor: its selected line is the first one shown.
    pub lines: ListState,
    /// `]` or `[` pressed while a window loads: done when it arrives (one
    /// pending request, the newest wins).
    pub pending: Option<Window>,
}

/// Which window of a large file to read next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Next,
    Previous,
}

/// The fetch under way, as the viewer and extract show it: "reading the
/// layer… X of Y from the engine · esc cancels" (just "reading the layer…"
/// before the engine answers).
pub fn fetch_line() -> String {
    let fetched = match crate::content::fetch_progress() {
        Some(p) => match p.total {
            Some(t) => format!(
                " {} of {} from the engine · esc cancels",
                size(p.bytes),
                size(t)
            ),
            None => format!(" {} from the engine · esc cancels", size(p.bytes)),
        },
        None => String::new(),
    };
    format!("reading the layer…{fetched}")
}

/// How many lines the viewer shows in a terminal `rows` tall (the status
/// line, the borders and the info line take four).
pub fn body_height(rows: u16) -> usize {
    usize::from(rows.saturating_sub(4)).max(1)
}

/// Expand tabs to the next multiple-of-8 column, as a terminal or `less`
/// shows them.
pub fn expand_tabs(text: &str) -> String {
    if !text.contains('\t') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut col = 0;
    for c in text.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerBody {
    Loading,
    Error(String),
    Text {
        content: Content,
        /// Start offset of every line.
        lines: Vec<usize>,
    },
    Binary(Content),
}

impl Viewer {
    /// A viewer of `node` at `layer` (`view` is its row in the tree), and
    /// the command that reads it when it has content.
    pub fn open(
        tree: &Tree,
        node: NodeId,
        view: &NodeView,
        layer: LayerIdx,
        token: u64,
    ) -> (Viewer, Option<Command>) {
        let title = format!(
            "{} (layer {layer})",
            crate::ui::sanitize(&tree.display_path(node))
        );
        let mut read = None;
        let body = if view.mark == Some(Mark::Removed) {
            ViewerBody::Error("removed in this layer: nothing to show".into())
        } else {
            match tree.node(node).at(layer).map(|v| &v.state) {
                Some(State::Present {
                    content: Some(_), ..
                }) => {
                    read = Some(Command::ReadFile {
                        token,
                        node,
                        layer,
                        offset: 0,
                    });
                    ViewerBody::Loading
                }
                Some(State::Present { meta, .. }) => {
                    let link = meta
                        .link
                        .as_deref()
                        .map(|l| format!(" → {}", crate::layer::path::escape(l)))
                        .unwrap_or_default();
                    ViewerBody::Error(format!("a {}{link}: no content", meta.kind.name()))
                }
                _ => ViewerBody::Error("not in this layer".into()),
            }
        };
        let viewer = Viewer {
            token,
            node,
            layer,
            title,
            body,
            lines: ListState::default(),
            pending: None,
        };
        (viewer, read)
    }

    /// The first line shown.
    pub fn top(&self) -> usize {
        self.lines.selected()
    }

    /// Apply a key: `code` for the window keys, `action` as the keymap
    /// resolved it, `ctrl` held, `height` lines on screen.
    pub fn key(
        &mut self,
        code: KeyCode,
        action: Option<Action>,
        ctrl: bool,
        height: usize,
    ) -> ModalKey {
        // A large file is read a window at a time: ] next, [ previous.
        if let KeyCode::Char(c @ ('[' | ']')) = code {
            let window = if c == ']' {
                Window::Next
            } else {
                Window::Previous
            };
            if matches!(self.body, ViewerBody::Loading) {
                self.pending = Some(window);
                return ModalKey::Stay;
            }
            return self
                .offset_of(window)
                .map_or(ModalKey::Stay, ModalKey::Read);
        }
        // The top line goes as far as a last screenful, never past it.
        let tops = self.body.line_count().saturating_sub(height) + 1;
        let page = height.saturating_sub(1).max(1) as isize;
        if let Some(step) = action.and_then(|a| a.list_move(page)) {
            step.apply(&mut self.lines, tops);
            return ModalKey::Stay;
        }
        match action {
            Some(Action::Quit) if ctrl => return ModalKey::Quit,
            Some(Action::Suspend) => return ModalKey::Suspend,
            Some(Action::Quit | Action::CloseFilterFiles | Action::Open) => {
                return ModalKey::Close;
            }
            _ => {}
        }
        ModalKey::Stay
    }

    /// Where `window` starts, None when there is no such window.
    fn offset_of(&self, window: Window) -> Option<u64> {
        let content = self.body.content()?;
        let offset = match window {
            Window::Next => content.offset + content.bytes.len() as u64,
            Window::Previous => content.offset.saturating_sub(VIEW_LIMIT),
        };
        (offset != content.offset && offset < content.total).then_some(offset)
    }

    /// A window arrived: the offset of the one asked for meanwhile, if any.
    pub fn take_pending(&mut self) -> Option<u64> {
        self.pending.take().and_then(|w| self.offset_of(w))
    }

    /// Scroll by `delta` lines (the mouse wheel), `height` lines on screen.
    pub fn scroll(&mut self, delta: isize, height: usize) {
        let tops = self.body.line_count().saturating_sub(height) + 1;
        self.lines.move_by(delta, tops);
    }

    /// Start reading the window at `offset` under a new `token`; the command.
    pub fn read(&mut self, token: u64, offset: u64) -> Command {
        self.token = token;
        self.lines = ListState::default();
        self.body = ViewerBody::Loading;
        Command::ReadFile {
            token,
            node: self.node,
            layer: self.layer,
            offset,
        }
    }
}

impl ViewerBody {
    pub fn from_content(content: Content) -> ViewerBody {
        let head = &content.bytes[..content.bytes.len().min(8192)];
        let binary = head.contains(&0)
            || match std::str::from_utf8(head) {
                Ok(_) => false,
                // Cut inside a character at the end is fine.
                Err(e) => e.error_len().is_some(),
            };
        if binary {
            return ViewerBody::Binary(content);
        }
        let mut lines = vec![0];
        for (i, &b) in content.bytes.iter().enumerate() {
            if b == b'\n' && i + 1 < content.bytes.len() {
                lines.push(i + 1);
            }
        }
        ViewerBody::Text { content, lines }
    }

    /// The bytes shown, once read.
    pub fn content(&self) -> Option<&Content> {
        match self {
            ViewerBody::Text { content, .. } | ViewerBody::Binary(content) => Some(content),
            _ => None,
        }
    }

    pub fn line_count(&self) -> usize {
        match self {
            ViewerBody::Text { lines, .. } => lines.len(),
            ViewerBody::Binary(c) => c.bytes.len().div_ceil(16),
            _ => 1,
        }
    }
}
