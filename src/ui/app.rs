//! The UI's state and `update(&mut App, Event)`: every key, click and
//! background result goes through here; nothing here draws.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::event::{Command, Event};
use super::keymap::{Action, Config, Key, Scope};
use super::layout::{self, Areas};
use super::theme::Theme;
use crate::analysis::Analysis;
use crate::content::{Content, Origin};
use crate::findings::Finding;
use crate::progress::ProgressSnapshot;
use crate::tree::{NodeId, State, Tree};
use crate::tree_list::{Compare, Filter, Mark, SortBy, TreeList};

/// How much of a file the viewer reads.
pub const VIEW_LIMIT: u64 = 8 << 20;

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

/// Per-layer counts of the layer's own changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerCounts {
    pub added: u64,
    pub modified: u64,
    pub removed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasteSort {
    Size,
    Path,
    Layer,
}

impl WasteSort {
    pub fn name(self) -> &'static str {
        match self {
            WasteSort::Size => "size",
            WasteSort::Path => "path",
            WasteSort::Layer => "layer",
        }
    }
}

/// The image, once read, and everything the panes select in it.
#[derive(Debug)]
pub struct Loaded {
    pub analysis: Arc<Analysis>,
    pub tree: TreeList,
    pub layer: usize,
    pub layers_top: usize,
    pub counts: Vec<LayerCounts>,
    pub waste_order: Vec<u32>,
    pub waste_sort: WasteSort,
    pub waste_sel: usize,
    pub waste_top: usize,
    /// The selected finding (an index into `analysis.findings`).
    pub findings_sel: usize,
    pub findings_top: usize,
    pub blobs: Vec<String>,
}

impl Loaded {
    /// Show `node` in the tree at `layer` (enter in the waste and findings
    /// views): that layer selected, the node selected with its ancestors
    /// expanded. The message for the status line.
    fn show_in_tree(&mut self, layer: u32, node: NodeId) -> String {
        let analysis = self.analysis.clone();
        let tree = &analysis.tree;
        let shown = self.tree.jump_to(layer, node);
        // jump_to keeps the layer in range: follow it.
        self.layer = self.tree.layer() as usize;
        let path = super::sanitize(&tree.display_path(node));
        if shown {
            format!("layer {}: {path}", self.layer)
        } else {
            format!("layer {}: {path} is not in this view", self.layer)
        }
    }

    /// Select `layer` in the layers pane and the tree, selecting no path.
    fn show_layer(&mut self, layer: u32) {
        let n = self.analysis.image.layers.len();
        self.layer = (layer as usize).min(n.saturating_sub(1));
        self.tree.set_layer(self.layer as u32);
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub token: u64,
    /// What is shown: for reading the next window of a large file.
    pub node: u32,
    pub layer: u32,
    pub title: String,
    pub body: ViewerBody,
    pub top: usize,
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
        let findings = self.loaded().map_or(0, |l| l.analysis.findings.len());
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
        let counts = layer_counts(&analysis);
        let blobs = analysis
            .image
            .layers
            .iter()
            .map(|l| l.blob.clone())
            .collect();
        let waste_order = (0..analysis.exact.wasted.len() as u32).collect();
        self.phase = Phase::Ready(Box::new(Loaded {
            analysis: Arc::new(analysis),
            tree,
            layer: 0,
            layers_top: 0,
            counts,
            waste_order,
            waste_sort: WasteSort::Size,
            waste_sel: 0,
            waste_top: 0,
            findings_sel: 0,
            findings_top: 0,
            blobs,
        }));
        self.scroll_all();
    }

    fn scroll_all(&mut self) {
        let Some(areas) = self.areas() else { return };
        if let Phase::Ready(l) = &mut self.phase {
            l.tree.scroll_into_view(areas.tree_rows.height as usize);
            let h = areas.layer_rows.height.max(1) as usize;
            if l.layer < l.layers_top {
                l.layers_top = l.layer;
            } else if l.layer >= l.layers_top + h {
                l.layers_top = l.layer + 1 - h;
            }
            keep_in_view(l.waste_sel, &mut l.waste_top, areas.waste_rows.height);
            keep_in_view(
                l.findings_sel,
                &mut l.findings_top,
                areas.findings_rows.height,
            );
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
                // A large file is read a window at a time: ] next, [ previous.
                if let (KeyCode::Char(c @ ('[' | ']')), Some(content)) = (ev.code, v.body.content())
                {
                    let offset = if c == ']' {
                        content.offset + content.bytes.len() as u64
                    } else {
                        content.offset.saturating_sub(VIEW_LIMIT)
                    };
                    if offset != content.offset && offset < content.total {
                        self.next_token += 1;
                        v.token = self.next_token;
                        v.top = 0;
                        v.body = ViewerBody::Loading;
                        self.commands.push(Command::ReadFile {
                            token: v.token,
                            node: v.node,
                            layer: v.layer,
                            offset,
                        });
                    }
                    return;
                }
                let page = self.size.1.saturating_sub(6).max(1) as usize;
                let max = v.body.line_count().saturating_sub(1);
                match action {
                    Some(Action::Up) => v.top = v.top.saturating_sub(1),
                    Some(Action::Down) => v.top = (v.top + 1).min(max),
                    Some(Action::PageUp) => v.top = v.top.saturating_sub(page),
                    Some(Action::PageDown) => v.top = (v.top + page).min(max),
                    Some(Action::Home) => v.top = 0,
                    Some(Action::End) => v.top = max,
                    Some(Action::Quit) if key.ctrl => self.quit = true,
                    Some(Action::Suspend) => self.commands.push(Command::Suspend),
                    Some(Action::Quit | Action::CloseFilterFiles | Action::Open) => {
                        self.modal = Modal::None
                    }
                    _ => {}
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
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Home => self.move_by(isize::MIN / 2),
            Action::End => self.move_by(isize::MAX / 2),
            _ => self.loaded_action(action),
        }
        self.scroll_all();
    }

    fn loaded_action(&mut self, action: Action) {
        let focus = self.focus;
        let view = self.view;
        let in_tree = focus == Focus::Right && view == RightView::Tree;
        let Phase::Ready(l) = &mut self.phase else {
            return;
        };
        let analysis = l.analysis.clone();
        let tree = &analysis.tree;
        let mut msg: Option<String> = None;
        match action {
            Action::Left if in_tree => l.tree.left(),
            Action::Right if in_tree => l.tree.right(),
            Action::Left | Action::Right => {}
            Action::CompareAll => {
                l.tree.set_compare(Compare::Aggregated);
                msg = Some("tree: all changes up to this layer".into());
            }
            Action::CompareLayer => {
                l.tree.set_compare(Compare::Layer);
                msg = Some("tree: this layer's changes".into());
            }
            Action::ToggleCollapseDir => l.tree.toggle_collapse(),
            Action::ToggleCollapseAllDir => l.tree.toggle_collapse_all(),
            Action::ToggleAddedFiles => l.tree.toggle_shown(Mark::Added),
            Action::ToggleRemovedFiles => l.tree.toggle_shown(Mark::Removed),
            Action::ToggleModifiedFiles => l.tree.toggle_shown(Mark::Modified),
            Action::ToggleUnmodifiedFiles => l.tree.toggle_shown(Mark::Unmodified),
            Action::ToggleSortOrder if focus == Focus::Right && view == RightView::Findings => {
                msg = Some("findings are ordered by severity, then by bytes".into());
            }
            Action::ToggleSortOrder => {
                if focus == Focus::Right && view == RightView::Waste {
                    l.waste_sort = match l.waste_sort {
                        WasteSort::Size => WasteSort::Path,
                        WasteSort::Path => WasteSort::Layer,
                        WasteSort::Layer => WasteSort::Size,
                    };
                    sort_waste(&analysis, &mut l.waste_order, l.waste_sort);
                    l.waste_sel = 0;
                    msg = Some(format!("wasted entries by {}", l.waste_sort.name()));
                } else {
                    let next = match l.tree.sort() {
                        SortBy::Name => SortBy::Size,
                        SortBy::Size => SortBy::Name,
                    };
                    l.tree.set_sort(next);
                    msg = Some(format!(
                        "tree sorted by {}",
                        if next == SortBy::Size { "size" } else { "name" }
                    ));
                }
            }
            Action::NextMatch | Action::PrevMatch
                if !l.tree.next_match(action == Action::NextMatch) =>
            {
                msg = Some("no filter match".into());
            }
            Action::Open => match (focus, view) {
                (Focus::Right, RightView::Waste) => {
                    if let Some(&idx) = l.waste_order.get(l.waste_sel) {
                        let w = &analysis.exact.wasted[idx as usize];
                        if let Some(node) = tree.lookup(&w.path) {
                            msg = Some(l.show_in_tree(w.layer, node));
                            self.view = RightView::Tree;
                        }
                    }
                }
                (Focus::Right, RightView::Findings) => {
                    if let Some(f) = analysis.findings.get(l.findings_sel) {
                        msg = Some(match finding_target(tree, f) {
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
                                format!("layer {}: its paths are not in the tree", l.layer)
                            }
                        });
                    }
                }
                (Focus::Right, RightView::Tree) => {
                    if let Some(node) = l.tree.selected_node() {
                        let v = *l.tree.view(node);
                        if v.is_dir {
                            l.tree.toggle_collapse();
                        } else {
                            let layer = l.tree.layer();
                            let title = format!(
                                "{} (layer {layer})",
                                super::sanitize(&tree.display_path(node))
                            );
                            let removed = v.mark == Some(Mark::Removed);
                            self.next_token += 1;
                            let token = self.next_token;
                            let body = if removed {
                                ViewerBody::Error("removed in this layer: nothing to show".into())
                            } else {
                                match tree.node(node).at(layer).map(|v| &v.state) {
                                    Some(State::Present {
                                        content: Some(_), ..
                                    }) => {
                                        self.commands.push(Command::ReadFile {
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
                                            .map(|l| {
                                                format!(" → {}", crate::layer::path::escape(l))
                                            })
                                            .unwrap_or_default();
                                        ViewerBody::Error(format!(
                                            "a {}{link}: no content",
                                            meta.kind.name()
                                        ))
                                    }
                                    _ => ViewerBody::Error("not in this layer".into()),
                                }
                            };
                            self.modal = Modal::Viewer(Box::new(Viewer {
                                token,
                                node,
                                layer,
                                title,
                                body,
                                top: 0,
                            }));
                        }
                    }
                }
                (Focus::Layers, _) => self.focus = Focus::Right,
            },
            Action::Extract => {
                if let Some(node) = l.tree.selected_node() {
                    if l.tree.view(node).mark == Some(Mark::Removed) {
                        msg = Some("removed in this layer: nothing to extract".into());
                    } else {
                        let dest = std::env::current_dir()
                            .map(|d| d.display().to_string())
                            .unwrap_or_else(|_| ".".into());
                        self.modal = Modal::Extract {
                            input: dest,
                            node,
                            layer: l.tree.layer(),
                        };
                    }
                }
            }
            _ => {}
        }
        if let Some(m) = msg {
            self.say(m);
        }
    }

    fn move_by(&mut self, delta: isize) {
        let focus = self.focus;
        let view = self.view;
        let Phase::Ready(l) = &mut self.phase else {
            return;
        };
        match (focus, view) {
            (Focus::Layers, _) => {
                let n = l.analysis.image.layers.len();
                let target = (l.layer as isize)
                    .saturating_add(delta)
                    .clamp(0, n.saturating_sub(1) as isize);
                if target as usize != l.layer {
                    l.layer = target as usize;
                    l.tree.set_layer(l.layer as u32);
                }
            }
            (Focus::Right, RightView::Waste) => {
                l.waste_sel = step(l.waste_sel, delta, l.waste_order.len());
            }
            (Focus::Right, RightView::Findings) => {
                l.findings_sel = step(l.findings_sel, delta, l.analysis.findings.len());
            }
            (Focus::Right, RightView::Tree) => {
                if delta <= isize::MIN / 4 {
                    l.tree.home();
                } else if delta >= isize::MAX / 4 {
                    l.tree.end();
                } else {
                    l.tree.move_by(delta);
                }
            }
        }
    }

    fn mouse(&mut self, m: crossterm::event::MouseEvent) {
        if !matches!(self.modal, Modal::None) || self.loaded().is_none() {
            if let Modal::Viewer(v) = &mut self.modal {
                match m.kind {
                    MouseEventKind::ScrollDown => {
                        v.top = (v.top + 3).min(v.body.line_count().saturating_sub(1))
                    }
                    MouseEventKind::ScrollUp => v.top = v.top.saturating_sub(3),
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
                    if areas.layer_rows.contains(pos) {
                        let top = self.loaded().map_or(0, |l| l.layers_top);
                        let idx = top + (m.row - areas.layer_rows.y) as usize;
                        let cur = self.loaded().map_or(0, |l| l.layer);
                        self.move_by(idx as isize - cur as isize);
                    }
                } else if in_right {
                    self.focus = Focus::Right;
                    if right_rows.contains(pos)
                        && let Phase::Ready(l) = &mut self.phase
                    {
                        let offset = (m.row - right_rows.y) as usize;
                        match self.view {
                            RightView::Waste => {
                                let idx = l.waste_top + offset;
                                if idx < l.waste_order.len() {
                                    l.waste_sel = idx;
                                }
                            }
                            RightView::Findings => {
                                let idx = l.findings_top + offset;
                                if idx < l.analysis.findings.len() {
                                    l.findings_sel = idx;
                                }
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
                    self.move_by(delta.signum());
                } else if in_right {
                    self.focus = Focus::Right;
                    if self.view != RightView::Tree {
                        self.move_by(delta);
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

/// `sel` moved by `delta` within a list of `n` rows.
fn step(sel: usize, delta: isize, n: usize) -> usize {
    (sel as isize)
        .saturating_add(delta)
        .clamp(0, n.saturating_sub(1) as isize) as usize
}

/// Scroll a list's `top` so that row `sel` is inside a viewport of `height`.
fn keep_in_view(sel: usize, top: &mut usize, height: u16) {
    let h = height.max(1) as usize;
    if sel < *top {
        *top = sel;
    } else if sel >= *top + h {
        *top = sel + 1 - h;
    }
}

/// Where enter on a finding goes: its first layer and the first of its
/// paths that layer changed; failing that, the first path one of its layers
/// changed, at that layer; failing that (names the tree cannot look up), the
/// first layer alone. None for a finding about the configuration (no
/// layer). Only the finding's listed paths are looked at, never the tree.
pub fn finding_target(tree: &Tree, finding: &Finding) -> Option<(u32, Option<NodeId>)> {
    let first = *finding.layers.first()?;
    let nodes: Vec<NodeId> = finding
        .paths
        .iter()
        .filter_map(|p| tree.lookup(p.strip_prefix('/').unwrap_or(p).as_bytes()))
        .collect();
    let changed_in =
        |node: NodeId, layer: u32| tree.node(node).versions.iter().any(|v| v.layer == layer);
    if let Some(&node) = nodes.iter().find(|&&n| changed_in(n, first)) {
        return Some((first, Some(node)));
    }
    for &node in &nodes {
        if let Some(&layer) = finding.layers.iter().find(|&&l| changed_in(node, l)) {
            return Some((layer, Some(node)));
        }
    }
    Some((first, None))
}

fn expand_tilde(s: &str) -> String {
    match (s.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ if s == "~" => std::env::var("HOME").unwrap_or_else(|_| s.into()),
        _ => s.to_string(),
    }
}

/// Added / modified / removed counts of each layer's own changes.
pub fn layer_counts(analysis: &Analysis) -> Vec<LayerCounts> {
    let mut counts = vec![LayerCounts::default(); analysis.image.layers.len()];
    for node in analysis.tree.nodes.iter().skip(1) {
        let mut prev_present = false;
        let mut i = 0;
        while i < node.versions.len() {
            let layer = node.versions[i].layer;
            let mut j = i;
            while j + 1 < node.versions.len() && node.versions[j + 1].layer == layer {
                j += 1;
            }
            let now = matches!(node.versions[j].state, State::Present { .. });
            let is_dir = matches!(&node.versions[j].state, State::Present { meta, .. } if meta.kind.is_dir());
            if let Some(c) = counts.get_mut(layer as usize) {
                match (prev_present, now) {
                    (false, true) => c.added += 1,
                    (true, true) if !is_dir => c.modified += 1,
                    (true, false) => c.removed += 1,
                    _ => {}
                }
            }
            prev_present = now;
            i = j + 1;
        }
    }
    counts
}

pub fn sort_waste(analysis: &Analysis, order: &mut [u32], by: WasteSort) {
    let w = &analysis.exact.wasted;
    match by {
        WasteSort::Size => order.sort_by_key(|&i| i),
        WasteSort::Path => order.sort_by(|&a, &b| {
            w[a as usize]
                .path
                .cmp(&w[b as usize].path)
                .then(w[a as usize].layer.cmp(&w[b as usize].layer))
        }),
        WasteSort::Layer => order.sort_by(|&a, &b| {
            (w[a as usize].layer, w[a as usize].hidden_by, a).cmp(&(
                w[b as usize].layer,
                w[b as usize].hidden_by,
                b,
            ))
        }),
    }
}
