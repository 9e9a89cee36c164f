//! The UI's state and `update(&mut App, Event)`: every key, click and
//! background result goes through here; nothing here draws.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::components::findings::{Findings, finding_target};
use super::components::layers::Layers;
use super::components::viewer::{Viewer, ViewerBody, ViewerKey};
use super::components::waste::Waste;
use super::components::{Move, Reply, tree as tree_pane};
use super::event::{Command, Event};
use super::keymap::{Action, Config, Key, Scope};
use super::layout::{self, Areas};
use super::theme::Theme;
use crate::analysis::Analysis;
use crate::content::Origin;
use crate::findings::Finding;
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
}

#[derive(Debug)]
pub enum Phase {
    Loading(ProgressSnapshot),
    Ready(Box<Loaded>),
}

/// The image, once read, and everything the panes select in it.
#[derive(Debug)]
pub struct Loaded {
    pub analysis: Arc<Analysis>,
    /// The file tree pane, showing the selected layer.
    pub tree: TreeList,
    /// Owns the selected layer.
    pub layers: Layers,
    pub waste: Waste,
    pub findings: Findings,
    pub blobs: Vec<String>,
}

impl Loaded {
    /// The selected layer.
    pub fn layer(&self) -> usize {
        self.layers.selected()
    }

    /// The image's findings: the one place the UI reads them from.
    pub fn image_findings(&self) -> &[Finding] {
        &self.analysis.findings
    }

    /// Select `layer` (kept in range); the tree follows.
    fn select_layer(&mut self, layer: usize) {
        let n = self.layers.len();
        self.layers.list.select(layer, n);
        self.tree.set_layer(self.layer() as u32);
    }

    /// Move the layer selection; the tree follows.
    fn move_layer(&mut self, m: Move) {
        let n = self.layers.len();
        m.apply(&mut self.layers.list, n);
        self.tree.set_layer(self.layer() as u32);
    }

    /// Show `node` in the tree at `layer` (enter in the waste and findings
    /// views): that layer selected, the node selected with its ancestors
    /// expanded. The message for the status line.
    fn show_in_tree(&mut self, layer: u32, node: NodeId) -> String {
        let n = self.layers.len();
        self.layers.list.select(layer as usize, n);
        let shown = self.tree.jump_to(self.layer() as u32, node);
        let path = super::sanitize(&self.analysis.tree.display_path(node));
        if shown {
            format!("layer {}: {path}", self.layer())
        } else {
            format!("layer {}: {path} is not in this view", self.layer())
        }
    }

    /// Select `layer` in the layers pane and the tree, selecting no path.
    fn show_layer(&mut self, layer: u32) {
        self.select_layer(layer as usize);
    }
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
    /// The extract target exists: overwrite it? (y/n)
    ConfirmOverwrite {
        target: PathBuf,
        node: u32,
        layer: u32,
        dest: PathBuf,
    },
    Extract {
        input: String,
        node: u32,
        layer: u32,
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

    /// The focused pane's key scope.
    pub fn scope(&self) -> Scope {
        match (self.focus, self.view) {
            (Focus::Layers, _) => Scope::Layers,
            (Focus::Right, RightView::Tree) => Scope::Tree,
            (Focus::Right, RightView::Waste) => Scope::Waste,
            (Focus::Right, RightView::Findings) => Scope::Findings,
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
            Event::Tick => {}
            Event::Progress(p) => {
                if let Phase::Loading(old) = &mut self.phase {
                    *old = p;
                }
            }
            Event::Loaded(result) => match *result {
                Ok(analysis) => self.set_analysis(analysis),
                Err(e) => {
                    self.warn(e);
                    self.quit = true;
                }
            },
            Event::Content { token, result } => {
                if let Modal::Viewer(v) = &mut self.modal
                    && v.token == token
                {
                    v.body = match result {
                        Ok(c) => ViewerBody::from_content(c),
                        Err(e) => ViewerBody::Error(e),
                    };
                }
            }
            Event::Extracted(result) => match result {
                Ok(x) => {
                    let text = format!(
                        "extracted to {}: {} files, {} directories, {} links{}",
                        x.target.display(),
                        x.files,
                        x.dirs,
                        x.links,
                        if x.skipped > 0 {
                            format!(", {} devices/fifos skipped", x.skipped)
                        } else {
                            String::new()
                        }
                    );
                    self.say(text)
                }
                Err(e) => self.warn(format!("extract failed: {e}")),
            },
        }
    }

    /// Install a freshly read image.
    pub fn set_analysis(&mut self, analysis: Analysis) {
        let compare = if self.config.aggregated {
            Compare::Aggregated
        } else {
            Compare::Layer
        };
        let mut tree = TreeList::new(&analysis.tree, compare);
        tree.set_layer(0);
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
        let blobs = analysis
            .image
            .layers
            .iter()
            .map(|l| l.blob.clone())
            .collect();
        self.phase = Phase::Ready(Box::new(Loaded {
            layers: Layers::new(&analysis),
            waste: Waste::new(&analysis),
            findings: Findings::default(),
            analysis: Arc::new(analysis),
            tree,
            blobs,
        }));
        self.scroll_all();
    }

    fn scroll_all(&mut self) {
        let Some(areas) = self.areas() else { return };
        if let Phase::Ready(l) = &mut self.phase {
            l.tree.scroll_into_view(areas.tree_rows.height as usize);
            l.layers.list.keep_in_view(areas.layer_rows.height as usize);
            l.waste.list.keep_in_view(areas.waste_rows.height as usize);
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
        };
        (h.max(2) - 1) as isize
    }

    fn key(&mut self, ev: KeyEvent) {
        // Prompts take text first.
        if let Modal::Filter { .. } | Modal::Extract { .. } = self.modal {
            self.prompt_key(ev);
            return;
        }
        if let Modal::ConfirmOverwrite {
            node, layer, dest, ..
        } = &self.modal
        {
            if matches!(ev.code, KeyCode::Char('y' | 'Y')) {
                self.commands.push(Command::Extract {
                    node: *node,
                    layer: *layer,
                    dest: dest.clone(),
                    overwrite: true,
                });
                self.say("extracting…");
            } else {
                self.say("not written");
            }
            self.modal = Modal::None;
            return;
        }
        let Some(key) = Key::from_event(&ev) else {
            return;
        };
        let action = self.config.keymap.resolve(&key, self.scope());
        if matches!(self.phase, Phase::Loading(_)) {
            if matches!(action, Some(Action::Quit | Action::CloseFilterFiles)) {
                self.quit = true;
            } else if action == Some(Action::Suspend) {
                self.commands.push(Command::Suspend);
            }
            return;
        }
        match &mut self.modal {
            Modal::Help { scroll } => {
                match action {
                    Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Action::Down) => *scroll += 1,
                    Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
                    Some(Action::PageDown) => *scroll += 10,
                    Some(Action::Quit) if key.ctrl => self.quit = true,
                    Some(Action::Suspend) => self.commands.push(Command::Suspend),
                    _ => self.modal = Modal::None,
                }
                return;
            }
            Modal::Viewer(v) => {
                let page = self.size.1.saturating_sub(6).max(1) as usize;
                match v.key(ev.code, action, key.ctrl, page) {
                    ViewerKey::Stay => {}
                    ViewerKey::Close => self.modal = Modal::None,
                    ViewerKey::Quit => self.quit = true,
                    ViewerKey::Suspend => self.commands.push(Command::Suspend),
                    ViewerKey::Read(offset) => {
                        self.next_token += 1;
                        self.commands.push(v.read(self.next_token, offset));
                    }
                }
                return;
            }
            _ => {}
        }
        if let Some(action) = action {
            self.action(action);
        }
    }

    fn prompt_key(&mut self, ev: KeyEvent) {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && ev.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        match &mut self.modal {
            Modal::Filter {
                input,
                regex,
                error,
            } => {
                match ev.code {
                    KeyCode::Esc => {
                        self.modal = Modal::None;
                        self.apply_filter("", false);
                        return;
                    }
                    KeyCode::Enter => {
                        if error.is_none() {
                            self.modal = Modal::None;
                            self.focus = Focus::Right;
                            self.view = RightView::Tree;
                        }
                        return;
                    }
                    KeyCode::Char('r') if ctrl => *regex = !*regex,
                    KeyCode::Backspace => {
                        input.pop();
                    }
                    KeyCode::Char('u') if ctrl => input.clear(),
                    KeyCode::Char(c) if !ctrl => input.push(c),
                    _ => return,
                }
                let (text, re) = (input.clone(), *regex);
                let err = self.apply_filter(&text, re);
                if let Modal::Filter { error, .. } = &mut self.modal {
                    *error = err;
                }
            }
            Modal::Extract { input, node, layer } => match ev.code {
                KeyCode::Esc => self.modal = Modal::None,
                KeyCode::Enter => {
                    let dest = PathBuf::from(expand_tilde(input.trim()));
                    let (node, layer) = (*node, *layer);
                    let Some(l) = self.loaded() else { return };
                    let target = crate::content::target_path(&l.analysis.tree, node, &dest);
                    if std::fs::symlink_metadata(&target).is_ok() {
                        self.modal = Modal::ConfirmOverwrite {
                            target,
                            node,
                            layer,
                            dest,
                        };
                        return;
                    }
                    self.commands.push(Command::Extract {
                        node,
                        layer,
                        dest,
                        overwrite: false,
                    });
                    self.modal = Modal::None;
                    self.say("extracting…");
                }
                KeyCode::Backspace => {
                    input.pop();
                }
                KeyCode::Char('u') if ctrl => input.clear(),
                KeyCode::Char(c) if !ctrl => input.push(c),
                _ => {}
            },
            _ => {}
        }
    }

    /// Set the tree's filter; the error text when the regex is bad.
    fn apply_filter(&mut self, text: &str, regex: bool) -> Option<String> {
        let Phase::Ready(l) = &mut self.phase else {
            return None;
        };
        match Filter::parse(text, regex) {
            Ok(f) => {
                l.tree.set_filter(f);
                self.scroll_all();
                None
            }
            Err(e) => Some(e),
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
                    None => (String::new(), false),
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
            Action::DiveFigures => self.dive_figures = !self.dive_figures,
            Action::ToggleFiletreeAttributes => self.show_attributes = !self.show_attributes,
            Action::ToggleWrapTree => self.wrap = !self.wrap,
            Action::Up => self.move_selection(Move::By(-1)),
            Action::Down => self.move_selection(Move::By(1)),
            Action::PageUp => self.move_selection(Move::By(-page)),
            Action::PageDown => self.move_selection(Move::By(page)),
            Action::Home => self.move_selection(Move::Home),
            Action::End => self.move_selection(Move::End),
            _ => self.loaded_action(action),
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
            Action::ToggleSortOrder if in_right(RightView::Findings) => {
                Reply::Say("findings are ordered by severity, then by bytes".into())
            }
            Action::ToggleSortOrder if in_right(RightView::Waste) => {
                Reply::Say(l.waste.next_sort(&analysis))
            }
            Action::Open => match (focus, view) {
                (Focus::Right, RightView::Waste) => {
                    let mut reply = Reply::Done;
                    if let Some(idx) = l.waste.selected_entry() {
                        let w = &analysis.exact.wasted[idx as usize];
                        if let Some(node) = tree.lookup(&w.path) {
                            reply = Reply::Say(l.show_in_tree(w.layer, node));
                            self.view = RightView::Tree;
                        }
                    }
                    reply
                }
                (Focus::Right, RightView::Findings) => {
                    match l.image_findings().get(l.findings.list.selected()) {
                        None => Reply::Done,
                        Some(f) => Reply::Say(match finding_target(tree, f) {
                            None => format!(
                                "{}: about the image configuration, no layer to show",
                                f.kind.name()
                            ),
                            Some((layer, Some(node))) => {
                                self.view = RightView::Tree;
                                l.show_in_tree(layer, node)
                            }
                            Some((layer, None)) => {
                                self.view = RightView::Tree;
                                l.show_layer(layer);
                                format!("layer {}: its paths are not in the tree", l.layer())
                            }
                        }),
                    }
                }
                (Focus::Right, RightView::Tree) => {
                    if let Some(node) = l.tree.selected_node() {
                        let v = *l.tree.view(node);
                        if v.is_dir {
                            l.tree.toggle_collapse();
                        } else {
                            self.next_token += 1;
                            let layer = l.layer() as u32;
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
                        let dest = std::env::current_dir()
                            .map(|d| d.display().to_string())
                            .unwrap_or_else(|_| ".".into());
                        self.modal = Modal::Extract {
                            input: dest,
                            node,
                            layer: l.layer() as u32,
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
            (Focus::Right, RightView::Tree) => tree_pane::move_selection(&mut l.tree, m),
        }
    }

    fn mouse(&mut self, m: crossterm::event::MouseEvent) {
        if !matches!(self.modal, Modal::None) || self.loaded().is_none() {
            if let Modal::Viewer(v) = &mut self.modal {
                match m.kind {
                    MouseEventKind::ScrollDown => v.scroll(3),
                    MouseEventKind::ScrollUp => v.scroll(-3),
                    _ => {}
                }
            }
            return;
        }
        let Some(areas) = self.areas() else { return };
        let pos = Position::new(m.column, m.row);
        let right_rows = match self.view {
            RightView::Tree => areas.tree_rows,
            RightView::Waste => areas.waste_rows,
            RightView::Findings => areas.findings_rows,
        };
        let in_layers = areas.layers.contains(pos);
        let in_right = areas.right.contains(pos);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if in_layers {
                    self.focus = Focus::Layers;
                    if areas.layer_rows.contains(pos)
                        && let Phase::Ready(l) = &mut self.phase
                    {
                        let idx = l.layers.list.top() + (m.row - areas.layer_rows.y) as usize;
                        l.select_layer(idx);
                    }
                } else if in_right {
                    self.focus = Focus::Right;
                    if right_rows.contains(pos)
                        && let Phase::Ready(l) = &mut self.phase
                    {
                        let offset = (m.row - right_rows.y) as usize;
                        match self.view {
                            RightView::Waste => {
                                let n = l.waste.len();
                                l.waste.list.click(offset, n);
                            }
                            RightView::Findings => {
                                let n = l.image_findings().len();
                                l.findings.list.click(offset, n);
                            }
                            RightView::Tree => {
                                let idx = l.tree.top() + offset;
                                if idx < l.tree.rows().len() {
                                    l.tree.select_index(idx);
                                }
                            }
                        }
                    }
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta: isize = if m.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                if in_layers {
                    self.focus = Focus::Layers;
                    self.move_selection(Move::By(delta.signum()));
                } else if in_right {
                    self.focus = Focus::Right;
                    if self.view != RightView::Tree {
                        self.move_selection(Move::By(delta));
                    } else if let Phase::Ready(l) = &mut self.phase {
                        l.tree.scroll_by(delta, areas.tree_rows.height as usize);
                    }
                }
            }
            _ => {}
        }
        self.scroll_all();
    }
}

fn expand_tilde(s: &str) -> String {
    match (s.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ if s == "~" => std::env::var("HOME").unwrap_or_else(|_| s.into()),
        _ => s.to_string(),
    }
}
