//! The UI's state and `update(&mut App, Event)`: every key, click and
//! background result goes through here; nothing here draws. Each pane's
//! own state and keys are its component's (`ui::components`); here is what
//! routes to them and what crosses panes. The mouse and the prompts are in
//! their own files.

mod history;
mod loaded;
mod mouse;
mod prompt;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;

pub use self::loaded::Loaded;
use super::components::history::History;
use super::components::viewer::{self, Viewer, ViewerBody};
use super::components::waste::WasteRow;
use super::components::{ModalKey, Move, Reply, help, tree as tree_pane};
use super::count;
use super::event::{Command, Event};
use super::keymap::{Action, Config, Key, KeyCode2, Scope};
use super::layout::{self, Areas};
use super::theme::Theme;
use crate::content::Origin;
use crate::layer::LayerIdx;
use crate::pipeline::Outcome;
use crate::progress::ProgressSnapshot;
use crate::tree::NodeId;
use crate::tree_list::{Compare, Filter, Mark, TreeList};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Layers,
    /// The right pane: the file tree, or the list shown in its place.
    Right,
}

/// What the right pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightView {
    Tree,
    /// Every wasted entry (`w`).
    Waste,
    /// The findings and the selected one's advice and paths (`f`).
    Findings,
    /// The largest files of the image (`L`).
    Largest,
}

#[derive(Debug)]
pub enum Phase {
    Loading(ProgressSnapshot),
    Ready(Box<Loaded>),
}

/// A dialog or prompt over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    None,
    Help {
        scroll: usize,
    },
    Filter {
        input: String,
        regex: bool,
        error: Option<String>,
    },
    Viewer(Box<Viewer>),
    /// The selected path's history, over the right pane (`H`).
    History(Box<History>),
    /// The extract target exists: overwrite it? (y/n)
    ConfirmOverwrite {
        target: PathBuf,
        node: NodeId,
        layer: LayerIdx,
        dest: PathBuf,
    },
    Extract {
        input: String,
        node: NodeId,
        layer: LayerIdx,
    },
    /// The extract destination does not exist: create it? (y/n)
    ConfirmCreate {
        node: NodeId,
        layer: LayerIdx,
        dest: PathBuf,
    },
    /// Standard input, before it is read: keep its layers in `folder`
    /// (within `bound` bytes) for the viewer? (y/n)
    KeepLayers {
        folder: PathBuf,
        bound: u64,
    },
}

#[derive(Debug)]
pub struct App {
    pub reference: String,
    pub phase: Phase,
    pub size: (u16, u16),
    pub focus: Focus,
    pub config: Config,
    pub theme: Theme,
    pub modal: Modal,
    pub message: Option<(String, bool)>,
    pub show_attributes: bool,
    pub wrap: bool,
    pub dive_figures: bool,
    /// What the right pane shows.
    pub view: RightView,
    pub quit: bool,
    /// Work for the loop to run (threads, the terminal).
    pub commands: Vec<Command>,
    pub origin: Origin,
    /// Mouse capture on (clicks and the wheel are peel's).
    pub mouse: bool,
    /// The extract prompt's last destination, offered again.
    pub last_destination: Option<String>,
    /// An extract is under way (esc cancels its fetch).
    pub extracting: bool,
    next_token: u64,
}

impl App {
    pub fn new(reference: &str, config: Config, theme: Theme, origin: Origin) -> App {
        App {
            reference: reference.to_string(),
            phase: Phase::Loading(ProgressSnapshot::default()),
            size: (80, 24),
            focus: Focus::Layers,
            show_attributes: config.show_attributes,
            mouse: config.mouse,
            config,
            theme,
            modal: Modal::None,
            message: None,
            wrap: false,
            dive_figures: false,
            view: RightView::Tree,
            quit: false,
            commands: Vec::new(),
            origin,
            last_destination: None,
            extracting: false,
            next_token: 0,
        }
    }

    pub fn loaded(&self) -> Option<&Loaded> {
        match &self.phase {
            Phase::Ready(l) => Some(l),
            Phase::Loading(_) => None,
        }
    }

    pub fn areas(&self) -> Option<Areas> {
        // The waste and findings lists' paths and commands are long: they
        // take more of the width.
        let width = if self.view == RightView::Tree {
            self.config.pane_width
        } else {
            self.config.pane_width.min(0.3)
        };
        let findings = self.loaded().map_or(0, |l| l.image_findings().len());
        layout::areas(Rect::new(0, 0, self.size.0, self.size.1), width, findings)
    }

    /// The full path of the entry the right pane has selected: the wasted
    /// entry (or group) in the waste view, the file in the largest files,
    /// else the tree's.
    pub fn selected_path(&self) -> Option<String> {
        let l = self.loaded()?;
        match self.view {
            RightView::Waste => l.waste.selected_path(&l.analysis),
            _ => self
                .selected_node()
                .map(|n| l.analysis.tree.display_path(n)),
        }
    }

    /// The tree node of the right pane's selection (as `selected_path`).
    pub fn selected_node(&self) -> Option<NodeId> {
        let l = self.loaded()?;
        match self.view {
            RightView::Waste => match l.waste.selected_row()? {
                WasteRow::Group(g) => Some(l.waste.groups[g as usize].dir),
                WasteRow::Entry { entry, .. } => l
                    .analysis
                    .tree
                    .lookup(&l.analysis.exact.wasted[entry as usize].path),
            },
            RightView::Largest => l.largest.selected().map(|f| f.node),
            _ => l.tree.selected_node(),
        }
    }

    /// The focused pane's key scope.
    pub fn scope(&self) -> Scope {
        match (self.focus, self.view) {
            (Focus::Layers, _) => Scope::Layers,
            (Focus::Right, RightView::Tree) => Scope::Tree,
            (Focus::Right, RightView::Waste) => Scope::Waste,
            (Focus::Right, RightView::Findings) => Scope::Findings,
            (Focus::Right, RightView::Largest) => Scope::Largest,
        }
    }

    /// Show `view` in the right pane, or the tree when it is shown already,
    /// and focus the pane.
    fn toggle_view(&mut self, view: RightView) {
        self.view = if self.view == view {
            RightView::Tree
        } else {
            view
        };
        self.focus = Focus::Right;
    }

    fn say(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), false));
    }

    fn warn(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), true));
    }

    /// Apply one event.
    pub fn update(&mut self, event: Event) {
        match event {
            Event::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    self.key(key);
                }
            }
            Event::Mouse(m) => self.mouse(m),
            Event::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_all();
            }
            Event::Tick => self.extract_progress(),
            Event::Progress(p) => {
                if let Phase::Loading(old) = &mut self.phase {
                    *old = p;
                }
            }
            Event::Loaded(result) => match *result {
                Ok(analysis) => self.set_analysis(analysis),
                Err(e) => {
                    self.warn(e.to_string());
                    self.quit = true;
                }
            },
            Event::Compared(marks) => {
                if let Phase::Ready(l) = &mut self.phase {
                    l.compare = Some(*marks);
                    if !l.comparing()
                        && let Some(msg) = l.toggle_compare()
                    {
                        self.say(msg);
                    }
                }
                self.scroll_all();
            }
            Event::Content { token, result } => {
                if let Modal::Viewer(v) = &mut self.modal
                    && v.token == token
                {
                    v.body = match result {
                        Ok(c) => ViewerBody::from_content(c),
                        Err(e) => ViewerBody::Error(e.to_string()),
                    };
                    if let Some(offset) = v.take_pending() {
                        self.next_token += 1;
                        self.commands.push(v.read(self.next_token, offset));
                    }
                }
            }
            Event::Extracted(result) => match result {
                Ok(x) => {
                    self.extracting = false;
                    let mut text = format!(
                        "extracted to {}: {}, {}, {}",
                        x.target.display(),
                        count(x.files, "file", "files"),
                        count(x.dirs, "directory", "directories"),
                        count(x.links, "link", "links"),
                    );
                    if x.skipped > 0 {
                        text.push_str(&format!(
                            ", {} skipped",
                            count(x.skipped, "device/fifo", "devices/fifos")
                        ));
                    }
                    self.say(text)
                }
                Err(e) => {
                    self.extracting = false;
                    match e == crate::content::ContentError::Cancelled {
                        true => self.say("extract cancelled: nothing written"),
                        false => self.warn(format!("extract failed: {e}")),
                    }
                }
            },
        }
    }

    /// Install a freshly read image.
    pub fn set_analysis(&mut self, analysis: Outcome) {
        let compare = if self.config.aggregated {
            Compare::Aggregated
        } else {
            Compare::Dive
        };
        let mut tree = TreeList::new(&analysis.tree, compare);
        tree.set_layer(LayerIdx::BOTTOM);
        if self.config.collapse_dirs {
            tree.toggle_collapse_all();
        }
        let warnings: Vec<&String> = analysis
            .image
            .warnings
            .iter()
            .chain(&analysis.tree.warnings)
            .collect();
        if let Some(first) = warnings.first() {
            let more = match warnings.len() {
                1 => String::new(),
                n => format!(" (and {} more; `peel --ci` lists them)", n - 1),
            };
            self.warn(format!("warning: {first}{more}"));
        }
        self.phase = Phase::Ready(Box::new(Loaded::new(analysis, tree)));
        self.scroll_all();
    }

    fn scroll_all(&mut self) {
        let Some(areas) = self.areas() else { return };
        if let Phase::Ready(l) = &mut self.phase {
            l.tree.scroll_into_view(areas.tree_rows.height as usize);
            l.layers.list.keep_in_view(areas.layer_rows.height as usize);
            l.waste.list.keep_in_view(areas.waste_rows.height as usize);
            l.largest
                .list
                .keep_in_view(areas.waste_rows.height as usize);
            l.findings
                .list
                .keep_in_view(areas.findings_rows.height as usize);
        }
    }

    fn page(&self) -> isize {
        let Some(a) = self.areas() else { return 10 };
        let h = match (self.focus, self.view) {
            (Focus::Layers, _) => a.layer_rows.height,
            (Focus::Right, RightView::Tree) => a.tree_rows.height,
            (Focus::Right, RightView::Waste) => a.waste_rows.height,
            (Focus::Right, RightView::Findings) => a.findings_rows.height,
            (Focus::Right, RightView::Largest) => a.waste_rows.height,
        };
        (h.max(2) - 1) as isize
    }

    fn key(&mut self, ev: KeyEvent) {
        if let Modal::KeepLayers { .. } = self.modal {
            self.keep_layers_key(ev);
            return;
        }
        // Prompts take text first.
        if let Modal::Filter { .. } | Modal::Extract { .. } = self.modal {
            self.prompt_key(ev);
            return;
        }
        if let Modal::ConfirmOverwrite { .. } | Modal::ConfirmCreate { .. } = self.modal {
            self.confirm_key(ev);
            return;
        }
        if self.extracting
            && self.modal == Modal::None
            && ev.code == KeyCode::Esc
            && crate::content::fetch_progress().is_some()
        {
            self.cancel_extract();
            return;
        }
        let Some(key) = Key::from_event(&ev) else {
            return;
        };
        // Whatever the config binds, ctrl+c quits.
        if key.ctrl && key.code == KeyCode2::Char('c') {
            self.quit = true;
            return;
        }
        let action = self.config.keymap.resolve(&key, self.scope());
        if matches!(self.phase, Phase::Loading(_)) {
            if matches!(action, Some(Action::Quit | Action::CloseFilterFiles)) {
                self.quit = true;
            } else if action == Some(Action::Suspend) {
                self.commands.push(Command::Suspend);
            }
            return;
        }
        let height = viewer::body_height(self.size.1);
        let help_height = help::body_height(self.size.1);
        if let Modal::History(_) = self.modal {
            self.history_key(action, key.ctrl);
            return;
        }
        let outcome = match &mut self.modal {
            Modal::Help { scroll } => {
                help::key(scroll, action, key.ctrl, help::line_count(), help_height)
            }
            Modal::Viewer(v) => v.key(ev.code, action, key.ctrl, height),
            _ => {
                if let Some(action) = action {
                    self.action(action);
                }
                return;
            }
        };
        match outcome {
            ModalKey::Stay => {}
            ModalKey::Close => {
                if let Modal::Viewer(v) = &self.modal
                    && v.body == ViewerBody::Loading
                {
                    crate::content::cancel_fetch();
                }
                self.modal = Modal::None;
            }
            ModalKey::Quit => self.quit = true,
            ModalKey::Suspend => self.commands.push(Command::Suspend),
            ModalKey::Read(offset) => {
                if let Modal::Viewer(v) = &mut self.modal {
                    self.next_token += 1;
                    self.commands.push(v.read(self.next_token, offset));
                }
            }
        }
    }

    fn action(&mut self, action: Action) {
        self.message = None;
        let page = self.page();
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.modal = Modal::Help { scroll: 0 },
            Action::Suspend => self.commands.push(Command::Suspend),
            Action::ToggleView | Action::ToggleViewBack => {
                self.focus = match self.focus {
                    Focus::Layers => Focus::Right,
                    Focus::Right => Focus::Layers,
                }
            }
            Action::FilterFiles => {
                let (input, regex) = match self.loaded().and_then(|l| l.tree.filter()) {
                    Some(Filter::Substring(s)) => (s.clone(), false),
                    Some(Filter::Regex(r)) => (r.as_str().to_string(), true),
                    // A regex by default, as dive; ctrl+r: a substring.
                    None => (String::new(), true),
                };
                self.modal = Modal::Filter {
                    input,
                    regex,
                    error: None,
                };
            }
            Action::CloseFilterFiles => {
                // What is on screen goes first: the list over the tree, then
                // the tree's filter.
                if self.view != RightView::Tree {
                    self.view = RightView::Tree;
                } else if self.loaded().is_some_and(|l| l.tree.filter().is_some()) {
                    self.apply_filter("", false);
                }
            }
            Action::WasteView => self.toggle_view(RightView::Waste),
            Action::FindingsView => self.toggle_view(RightView::Findings),
            Action::LargestView => self.toggle_view(RightView::Largest),
            Action::PathHistory => self.open_history(),
            Action::DiveFigures => self.dive_figures = !self.dive_figures,
            Action::ToggleMouse => {
                self.mouse = !self.mouse;
                self.commands.push(Command::Mouse(self.mouse));
                self.say(if self.mouse {
                    "mouse on: clicks and the wheel are peel's"
                } else {
                    "mouse off: the terminal selects text (m: on again)"
                });
            }
            Action::CopyPath => match self.selected_path() {
                Some(path) => {
                    self.say(format!("copied {path}"));
                    self.commands.push(Command::Copy(path));
                }
                None => self.say("nothing selected to copy"),
            },
            Action::CopyCommand => {
                let command = self
                    .loaded()
                    .and_then(|l| l.analysis.image.layers.get(l.layer().index()))
                    .map(|layer| layer.command());
                match command {
                    Some(c) if !c.is_empty() => {
                        self.say("copied the layer's command");
                        self.commands.push(Command::Copy(c));
                    }
                    _ => self.say("this layer has no command to copy"),
                }
            }
            Action::ToggleFiletreeAttributes => self.show_attributes = !self.show_attributes,
            Action::ToggleWrapTree => self.wrap = !self.wrap,
            _ => match action.list_move(page) {
                Some(step) => self.move_selection(step),
                None => self.loaded_action(action),
            },
        }
        self.scroll_all();
    }

    fn loaded_action(&mut self, action: Action) {
        let focus = self.focus;
        let view = self.view;
        let Phase::Ready(l) = &mut self.phase else {
            return;
        };
        let analysis = l.analysis.clone();
        let tree = &analysis.tree;
        let in_right = |v: RightView| focus == Focus::Right && view == v;
        let reply = match action {
            Action::CompareOld => match l.toggle_compare() {
                Some(msg) => Reply::Say(msg),
                None => Reply::Say("compare mode is for `peel diff OLD NEW`".into()),
            },
            Action::ToggleSortOrder if in_right(RightView::Findings) => {
                Reply::Say("findings are ordered by severity, then by bytes".into())
            }
            Action::ToggleSortOrder if in_right(RightView::Waste) => {
                Reply::Say(l.waste.next_sort(&analysis))
            }
            Action::ToggleWasteGroup => {
                if l.waste.toggle_group() {
                    Reply::Done
                } else {
                    Reply::Say("a single entry: no group to expand".into())
                }
            }
            Action::ToggleWasteGroups => {
                l.waste.toggle_all();
                Reply::Done
            }
            Action::Open => match (focus, view) {
                (Focus::Right, RightView::Waste) => match l.open_waste() {
                    Some(msg) => {
                        self.view = RightView::Tree;
                        Reply::Say(msg)
                    }
                    None => Reply::Done,
                },
                (Focus::Right, RightView::Largest) => match l.open_largest() {
                    Some(msg) => {
                        self.view = RightView::Tree;
                        Reply::Say(msg)
                    }
                    None => Reply::Done,
                },
                (Focus::Right, RightView::Findings) => match l.open_finding() {
                    Some((msg, to_tree)) => {
                        if to_tree {
                            self.view = RightView::Tree;
                        }
                        Reply::Say(msg)
                    }
                    None => Reply::Done,
                },
                (Focus::Right, RightView::Tree) => {
                    if let Some(node) = l.tree.selected_node() {
                        let v = l.tree.view(node);
                        if v.is_dir {
                            l.tree.toggle_collapse();
                        } else {
                            self.next_token += 1;
                            let layer = l.layer();
                            let (viewer, read) =
                                Viewer::open(tree, node, &v, layer, self.next_token);
                            self.commands.extend(read);
                            self.modal = Modal::Viewer(Box::new(viewer));
                        }
                    }
                    Reply::Done
                }
                (Focus::Layers, _) => {
                    self.focus = Focus::Right;
                    Reply::Done
                }
            },
            Action::Extract => {
                let mut reply = Reply::Done;
                if let Some(node) = l.tree.selected_node() {
                    if l.tree.view(node).mark == Some(Mark::Removed) {
                        reply = Reply::Say("removed in this layer: nothing to extract".into());
                    } else {
                        let dest = self.last_destination.clone().unwrap_or_else(|| {
                            std::env::current_dir()
                                .map(|d| d.display().to_string())
                                .unwrap_or_else(|_| ".".into())
                        });
                        self.modal = Modal::Extract {
                            input: dest,
                            node,
                            layer: l.layer(),
                        };
                    }
                }
                reply
            }
            _ => tree_pane::action(&mut l.tree, action, in_right(RightView::Tree)),
        };
        if let Reply::Say(m) = reply {
            self.say(m);
        }
    }

    /// Move the focused list's selection.
    fn move_selection(&mut self, m: Move) {
        let focus = self.focus;
        let view = self.view;
        let Phase::Ready(l) = &mut self.phase else {
            return;
        };
        match (focus, view) {
            (Focus::Layers, _) => l.move_layer(m),
            (Focus::Right, RightView::Waste) => {
                let n = l.waste.len();
                m.apply(&mut l.waste.list, n);
            }
            (Focus::Right, RightView::Findings) => {
                let n = l.image_findings().len();
                m.apply(&mut l.findings.list, n);
            }
            (Focus::Right, RightView::Largest) => {
                let n = l.largest.len();
                m.apply(&mut l.largest.list, n);
            }
            (Focus::Right, RightView::Tree) => tree_pane::move_selection(&mut l.tree, m),
        }
    }
}
