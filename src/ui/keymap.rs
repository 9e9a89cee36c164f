//! Actions, their default keys (dive's), key names and the config file.
//!
//! A key may be bound to several actions; the one that belongs to the focused
//! pane wins over a global one. That is how dive's `ctrl+a` clash resolves:
//! in the file tree it shows/hides added files, anywhere else it switches to
//! the aggregated (all layers) comparison.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Why the UI config is refused, on one line naming the file and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub kind: ConfigErrorKind,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// The file could not be read.
    Unreadable,
    /// What it says is not a config (TOML, a section, a key, a value).
    Invalid,
}

impl ConfigError {
    /// The same error, said of `what` (the file).
    fn of(self, what: impl fmt::Display) -> Self {
        ConfigError {
            message: format!("{what}: {}", self.message),
            ..self
        }
    }
}

impl From<String> for ConfigError {
    fn from(message: String) -> Self {
        ConfigError {
            kind: ConfigErrorKind::Invalid,
            message,
        }
    }
}

impl From<&str> for ConfigError {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

impl From<ConfigError> for crate::error::Error {
    fn from(e: ConfigError) -> Self {
        crate::error::Error::Config(e.message)
    }
}

/// Where an action applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Layers,
    Tree,
    Waste,
    Findings,
    Largest,
}

macro_rules! actions {
    ($( $variant:ident, $name:literal, $scope:ident, $keys:literal, $help:literal; )*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $variant, )* }

        impl Action {
            pub const ALL: &'static [Action] = &[ $( Action::$variant, )* ];

            /// The name in the config file (dive's where dive has one).
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }

            pub fn scope(self) -> Scope {
                match self { $( Action::$variant => Scope::$scope, )* }
            }

            /// The default keys, comma separated.
            pub fn default_keys(self) -> &'static str {
                match self { $( Action::$variant => $keys, )* }
            }

            pub fn help(self) -> &'static str {
                match self { $( Action::$variant => $help, )* }
            }

            /// The move in a list an action makes (`page` rows a page), if
            /// it is one of the six moves.
            pub fn list_move(self, page: isize) -> Option<crate::ui::components::Move> {
                use crate::ui::components::Move;
                Some(match self {
                    Action::Up => Move::By(-1),
                    Action::Down => Move::By(1),
                    Action::PageUp => Move::By(-page),
                    Action::PageDown => Move::By(page),
                    Action::Home => Move::Home,
                    Action::End => Move::End,
                    _ => return None,
                })
            }

            /// Shows or hides a class of the tree's entries.
            pub fn is_class_toggle(self) -> bool {
                matches!(
                    self,
                    Action::ToggleAddedFiles
                        | Action::ToggleRemovedFiles
                        | Action::ToggleModifiedFiles
                        | Action::ToggleUnmodifiedFiles
                )
            }
        }
    };
}

actions! {
    Quit, "quit", Global, "q, ctrl+c", "quit";
    Help, "help", Global, "?, f1", "show or hide this help";
    Suspend, "suspend", Global, "ctrl+z", "suspend to the shell (fg to return)";
    ToggleView, "toggle-view", Global, "tab", "focus the next pane";
    ToggleViewBack, "toggle-view-back", Global, "backtab", "focus the previous pane";
    FilterFiles, "filter-files", Global, "ctrl+f, /, ctrl+slash", "filter paths (a regex, as dive; ctrl+r in the prompt: a substring)";
    CloseFilterFiles, "close-filter-files", Global, "esc", "clear the filter, close a dialog";
    NextMatch, "next-match", Tree, "n", "next filter match";
    PrevMatch, "prev-match", Tree, "N", "previous filter match";
    Up, "up", Global, "up, k", "move up";
    Down, "down", Global, "down, j", "move down";
    Left, "left", Global, "left, h", "collapse a directory / go to its parent";
    Right, "right", Global, "right, l", "expand a directory / go to its first child";
    PageUp, "page-up", Global, "pgup, u", "page up";
    PageDown, "page-down", Global, "pgdn, d", "page down";
    Home, "home", Global, "home, g", "first row";
    End, "end", Global, "end, G", "last row";
    CompareAll, "compare-all", Global, "ctrl+a", "tree: the whole filesystem, every change up to the layer marked";
    CompareLayer, "compare-layer", Global, "ctrl+l", "tree: the whole filesystem, the layer's changes marked (dive's default)";
    CompareChanges, "compare-changes", Global, "c", "tree: only the layer's changes";
    CompareOld, "compare-old", Global, "C", "peel diff: compare mode on / off (the tree and layers against OLD)";
    WasteView, "waste-view", Global, "w", "show the wasted entries (again: back to the tree)";
    FindingsView, "findings-view", Global, "f", "show the findings and their advice (again: back to the tree)";
    LargestView, "largest-view", Global, "L", "show the largest files in the image (again: back to the tree)";
    PathHistory, "path-history", Global, "H", "every layer that touched the selected path";
    DiveFigures, "dive-figures", Global, "D", "image details: dive's figures / peel's exact ones";
    ToggleCollapseDir, "toggle-collapse-dir", Tree, "space", "collapse or expand the directory";
    ToggleCollapseAllDir, "toggle-collapse-all-dir", Tree, "ctrl+space", "collapse or expand every directory";
    ToggleAddedFiles, "toggle-added-files", Tree, "ctrl+a, A", "show or hide added entries";
    ToggleRemovedFiles, "toggle-removed-files", Tree, "ctrl+r, R", "show or hide removed entries";
    ToggleModifiedFiles, "toggle-modified-files", Tree, "ctrl+m, M", "show or hide modified entries";
    ToggleUnmodifiedFiles, "toggle-unmodified-files", Tree, "ctrl+u, U", "show or hide unmodified entries";
    ToggleFiletreeAttributes, "toggle-filetree-attributes", Tree, "ctrl+b", "show or hide the attributes column";
    ToggleWrapTree, "toggle-wrap-tree", Tree, "ctrl+p", "wrap long names";
    ToggleSortOrder, "toggle-sort-order", Global, "ctrl+o", "sort by name / by size (/ by change, in compare mode)";
    CopyPath, "copy-path", Global, "y", "copy the selected entry's full path (OSC 52: works over SSH and in tmux)";
    CopyCommand, "copy-command", Global, "Y", "copy the selected layer's command";
    ToggleMouse, "toggle-mouse", Global, "m", "mouse capture off (the terminal's own selection) / on";
    ToggleWasteGroup, "toggle-waste-group", Waste, "space", "expand or collapse the group of wasted entries";
    ToggleWasteGroups, "toggle-waste-groups", Waste, "ctrl+space", "expand or collapse every group (all entries, flat)";
    Open, "open", Global, "enter", "view the file, collapse a directory; in a list: show it in the tree";
    Extract, "extract-file", Tree, "ctrl+e, x", "write the selection, as of this layer, to a directory";
}

/// A key as the user names it: a code and the ctrl/alt modifiers (shift is
/// part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode2,
    pub ctrl: bool,
    pub alt: bool,
}

/// The subset of key codes peel binds (ordered, unlike crossterm's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode2 {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    /// The key of a terminal event, None for keys peel never binds.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            // Terminals send ctrl+/ as 0x1f, which crossterm reads as ctrl+7.
            KeyCode::Char('7') if ctrl => KeyCode2::Char('/'),
            KeyCode::Char(c) => KeyCode2::Char(c),
            KeyCode::F(n) => KeyCode2::F(n),
            KeyCode::Enter => KeyCode2::Enter,
            KeyCode::Esc => KeyCode2::Esc,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode2::BackTab,
            KeyCode::Tab => KeyCode2::Tab,
            KeyCode::BackTab => KeyCode2::BackTab,
            KeyCode::Backspace => KeyCode2::Backspace,
            KeyCode::Delete => KeyCode2::Delete,
            KeyCode::Insert => KeyCode2::Insert,
            KeyCode::Up => KeyCode2::Up,
            KeyCode::Down => KeyCode2::Down,
            KeyCode::Left => KeyCode2::Left,
            KeyCode::Right => KeyCode2::Right,
            KeyCode::PageUp => KeyCode2::PageUp,
            KeyCode::PageDown => KeyCode2::PageDown,
            KeyCode::Home => KeyCode2::Home,
            KeyCode::End => KeyCode2::End,
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }

    /// Parse a dive-style key name: `ctrl+a`, `ctrl+space`, `pgup`, `tab`, `?`.
    pub fn parse(text: &str) -> Result<Key, ConfigError> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty key name".into());
        }
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.len() > 5 && lower.starts_with("ctrl+") {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.len() > 4 && lower.starts_with("alt+") {
                alt = true;
                rest = &rest[4..];
            } else if lower.len() > 6 && lower.starts_with("shift+") {
                rest = &rest[6..];
                let mut chars = rest.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    return Ok(Key {
                        code: KeyCode2::Char(c.to_ascii_uppercase()),
                        ctrl,
                        alt,
                    });
                }
                if rest.eq_ignore_ascii_case("tab") {
                    return Ok(Key {
                        code: KeyCode2::BackTab,
                        ctrl,
                        alt,
                    });
                }
                return Err(format!("'{text}': shift+ goes with a letter or tab").into());
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode2::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCode2::Char(' '),
                "slash" => KeyCode2::Char('/'),
                "enter" | "return" => KeyCode2::Enter,
                "esc" | "escape" => KeyCode2::Esc,
                "tab" => KeyCode2::Tab,
                "backtab" => KeyCode2::BackTab,
                "backspace" | "bs" => KeyCode2::Backspace,
                "delete" | "del" => KeyCode2::Delete,
                "insert" | "ins" => KeyCode2::Insert,
                "up" | "arrowup" => KeyCode2::Up,
                "down" | "arrowdown" => KeyCode2::Down,
                "left" | "arrowleft" => KeyCode2::Left,
                "right" | "arrowright" => KeyCode2::Right,
                "pgup" | "pageup" => KeyCode2::PageUp,
                "pgdn" | "pagedown" => KeyCode2::PageDown,
                "home" => KeyCode2::Home,
                "end" => KeyCode2::End,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode2::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("'{text}' is not a key name").into()),
            },
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl+")?;
        }
        if self.alt {
            f.write_str("alt+")?;
        }
        match self.code {
            KeyCode2::Char(' ') => f.write_str("space"),
            KeyCode2::Char(c) => write!(f, "{c}"),
            KeyCode2::F(n) => write!(f, "f{n}"),
            KeyCode2::Enter => f.write_str("enter"),
            KeyCode2::Esc => f.write_str("esc"),
            KeyCode2::Tab => f.write_str("tab"),
            KeyCode2::BackTab => f.write_str("shift+tab"),
            KeyCode2::Backspace => f.write_str("backspace"),
            KeyCode2::Delete => f.write_str("delete"),
            KeyCode2::Insert => f.write_str("insert"),
            KeyCode2::Up => f.write_str("↑"),
            KeyCode2::Down => f.write_str("↓"),
            KeyCode2::Left => f.write_str("←"),
            KeyCode2::Right => f.write_str("→"),
            KeyCode2::PageUp => f.write_str("pgup"),
            KeyCode2::PageDown => f.write_str("pgdn"),
            KeyCode2::Home => f.write_str("home"),
            KeyCode2::End => f.write_str("end"),
        }
    }
}

/// The bindings in force.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: BTreeMap<Key, Vec<Action>>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut map = Keymap {
            by_key: BTreeMap::new(),
            by_action: BTreeMap::new(),
        };
        for &action in Action::ALL {
            let keys = parse_list(action.default_keys()).expect("default keys parse");
            map.set(action, keys);
        }
        map
    }
}

impl Keymap {
    fn set(&mut self, action: Action, keys: Vec<Key>) {
        if let Some(old) = self.by_action.remove(&action) {
            for key in old {
                if let Some(list) = self.by_key.get_mut(&key) {
                    list.retain(|&a| a != action);
                }
            }
        }
        for &key in &keys {
            let list = self.by_key.entry(key).or_default();
            if !list.contains(&action) {
                list.push(action);
            }
        }
        self.by_action.insert(action, keys);
    }

    /// The action of `key` in the focused pane's scope: a pane's own action
    /// first, then a global one; in the layers pane, then the tree's hide
    /// keys (the tree is beside it).
    pub fn resolve(&self, key: &Key, scope: Scope) -> Option<Action> {
        let actions = self.by_key.get(key)?;
        let find = |want: &dyn Fn(Action) -> bool| actions.iter().copied().find(|&a| want(a));
        find(&|a| a.scope() == scope)
            .or_else(|| find(&|a| a.scope() == Scope::Global))
            .or_else(|| {
                if scope == Scope::Layers {
                    find(&Action::is_class_toggle)
                } else {
                    None
                }
            })
    }

    /// A key may mean two things only where dive's defaults make it so
    /// (`ctrl+a`: added entries in the tree, all changes elsewhere); any
    /// other double binding is an error naming the key and both actions.
    fn check_conflicts(&self) -> Result<(), ConfigError> {
        let default = Keymap::default();
        for (key, actions) in &self.by_key {
            for (i, &a) in actions.iter().enumerate() {
                for &b in &actions[i + 1..] {
                    let both_default = [a, b].iter().all(|x| default.keys(*x).contains(key));
                    if !both_default {
                        return Err(format!(
                            "keybinding: '{key}' is bound to both {} and {}; give one of them another key",
                            a.name(),
                            b.name()
                        )
                        .into());
                    }
                }
            }
        }
        Ok(())
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// The keys of an action as text, `ctrl+a, A`.
    pub fn describe(&self, action: Action) -> String {
        let keys: Vec<String> = self.keys(action).iter().map(Key::to_string).collect();
        keys.join(", ")
    }

    /// The first key of an action, for the status bar.
    pub fn first(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "unbound".into(), Key::to_string)
    }
}

fn parse_list(text: &str) -> Result<Vec<Key>, ConfigError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(Key::parse)
        .collect()
}

/// Settings read from the config file.
#[derive(Debug, Clone)]
pub struct Config {
    pub keymap: Keymap,
    pub show_attributes: bool,
    pub collapse_dirs: bool,
    pub aggregated: bool,
    /// The left column's share of the width, 0.2..0.8.
    pub pane_width: f64,
    /// Capture the mouse (`[ui] mouse = false`: the terminal selects).
    pub mouse: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keymap: Keymap::default(),
            show_attributes: true,
            collapse_dirs: false,
            aggregated: false,
            pane_width: 0.4,
            mouse: true,
        }
    }
}

/// `$XDG_CONFIG_HOME/peel/config.toml`, else `~/.config/peel/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("peel").join("config.toml"))
}

/// Load the config: `explicit` must exist; the default path is read if
/// present. Errors name the file and the key.
pub fn load_config(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_config_path() {
            Some(p) if p.is_file() => p,
            _ => return Ok(Config::default()),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        kind: ConfigErrorKind::Unreadable,
        message: format!("{}: {e}", path.display()),
    })?;
    parse_config(&text).map_err(|e| e.of(path.display()))
}

/// Parse the config file's text.
///
/// ```toml
/// [keybinding]
/// quit = "q, ctrl+c"
/// filter-files = ["ctrl+f", "/"]
/// [filetree]
/// show-attributes = true
/// collapse-dir = false
/// pane-width = 0.5
/// [layer]
/// show-aggregated-changes = false
/// [ui]
/// mouse = true
/// ```
pub fn parse_config(text: &str) -> Result<Config, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    let mut config = Config::default();
    for (section, value) in &table {
        let toml::Value::Table(entries) = value else {
            return Err(format!("'{section}' must be a table ([{section}])").into());
        };
        match section.as_str() {
            "keybinding" => {
                for (name, keys) in entries {
                    let action = Action::ALL
                        .iter()
                        .copied()
                        .find(|a| a.name() == name)
                        .ok_or_else(|| format!("keybinding.{name}: no such action"))?;
                    let list = match keys {
                        toml::Value::String(s) => parse_list(s),
                        toml::Value::Array(items) => items
                            .iter()
                            .map(|v| match v {
                                toml::Value::String(s) => Key::parse(s),
                                other => Err(format!("{other} is not a key name").into()),
                            })
                            .collect(),
                        other => Err(format!("{other} is not a key list").into()),
                    }
                    .map_err(|e| format!("keybinding.{name}: {e}"))?;
                    config.keymap.set(action, list);
                }
            }
            "filetree" => {
                for (name, v) in entries {
                    match name.as_str() {
                        "show-attributes" => config.show_attributes = boolean(section, name, v)?,
                        "collapse-dir" => config.collapse_dirs = boolean(section, name, v)?,
                        "pane-width" => {
                            let w = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
                            match w {
                                Some(w) if (0.2..=0.8).contains(&w) => config.pane_width = w,
                                _ => {
                                    return Err(format!(
                                        "filetree.pane-width: {v} is not a number in 0.2..0.8"
                                    )
                                    .into());
                                }
                            }
                        }
                        _ => return Err(format!("filetree.{name}: no such setting").into()),
                    }
                }
            }
            "layer" => {
                for (name, v) in entries {
                    match name.as_str() {
                        "show-aggregated-changes" => config.aggregated = boolean(section, name, v)?,
                        _ => return Err(format!("layer.{name}: no such setting").into()),
                    }
                }
            }
            "ui" => {
                for (name, v) in entries {
                    match name.as_str() {
                        "mouse" => config.mouse = boolean(section, name, v)?,
                        _ => return Err(format!("ui.{name}: no such setting").into()),
                    }
                }
            }
            _ => return Err(format!("[{section}]: no such section").into()),
        }
    }
    config.keymap.check_conflicts()?;
    Ok(config)
}

fn boolean(section: &str, name: &str, v: &toml::Value) -> Result<bool, ConfigError> {
    v.as_bool()
        .ok_or_else(|| format!("{section}.{name}: {v} is not true or false").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_moves_and_nothing_else_move_a_list() {
        use crate::ui::components::Move;
        let moves: Vec<(Action, Move)> = Action::ALL
            .iter()
            .filter_map(|a| Some((*a, a.list_move(7)?)))
            .collect();
        assert_eq!(
            moves,
            [
                (Action::Up, Move::By(-1)),
                (Action::Down, Move::By(1)),
                (Action::PageUp, Move::By(-7)),
                (Action::PageDown, Move::By(7)),
                (Action::Home, Move::Home),
                (Action::End, Move::End),
            ]
        );
    }

    #[test]
    fn dive_key_names_parse() {
        for name in [
            "ctrl+a",
            "ctrl+space",
            "tab",
            "pgup",
            "pgdn",
            "u",
            "d",
            "space",
            "esc",
            "enter",
            "ctrl+slash",
            "f1",
            "?",
            "/",
            "shift+tab",
            "alt+x",
            "N",
        ] {
            Key::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(Key::parse("ctrl+nope").is_err());
        assert!(Key::parse("").is_err());
        assert_eq!(Key::parse("ctrl+A").unwrap(), Key::parse("ctrl+a").unwrap());
    }

    /// The README lists every action name the config file takes.
    #[test]
    fn the_readme_names_every_action() {
        let readme = include_str!("../../README.md");
        let list = &readme[readme.find("Action names:").expect("the list")..];
        let list = &list[..list.find("\n\n").unwrap_or(list.len())];
        let names: Vec<&str> = list
            .split(|c: char| c == ',' || c == '.' || c.is_whitespace())
            .collect();
        for a in Action::ALL {
            assert!(
                names.contains(&a.name()),
                "{} is missing from the README's action names",
                a.name()
            );
        }
    }

    #[test]
    fn ctrl_a_depends_on_the_pane() {
        let map = Keymap::default();
        let key = Key::parse("ctrl+a").unwrap();
        assert_eq!(
            map.resolve(&key, Scope::Tree),
            Some(Action::ToggleAddedFiles)
        );
        assert_eq!(map.resolve(&key, Scope::Layers), Some(Action::CompareAll));
        assert_eq!(map.resolve(&key, Scope::Waste), Some(Action::CompareAll));
        assert_eq!(map.resolve(&key, Scope::Findings), Some(Action::CompareAll));
    }

    /// A default key never means two things in one pane (the findings key
    /// was picked from the free ones).
    #[test]
    fn default_keys_do_not_clash_within_a_scope() {
        let map = Keymap::default();
        for (key, actions) in &map.by_key {
            for (i, a) in actions.iter().enumerate() {
                assert!(
                    actions[i + 1..].iter().all(|b| b.scope() != a.scope()),
                    "{key} is bound to {actions:?}"
                );
            }
        }
    }

    #[test]
    fn config_rebinds_and_names_bad_keys() {
        // (config, key, scope, the action the key then does)
        let rebinds: [(&str, &str, Scope, Option<Action>); 5] = [
            (
                "quit = \"X, ctrl+q\"",
                "X",
                Scope::Layers,
                Some(Action::Quit),
            ),
            ("quit = \"X, ctrl+q\"", "q", Scope::Layers, None),
            (
                "findings-view = \"F\"",
                "F",
                Scope::Layers,
                Some(Action::FindingsView),
            ),
            ("findings-view = \"F\"", "f", Scope::Layers, None),
            (
                "quit = \"x\"\nextract-file = \"ctrl+e\"",
                "x",
                Scope::Tree,
                Some(Action::Quit),
            ),
        ];
        for (config, key, scope, action) in rebinds {
            let c = parse_config(&format!("[keybinding]\n{config}\n")).unwrap();
            let key = Key::parse(key).unwrap();
            assert_eq!(c.keymap.resolve(&key, scope), action, "{config}: {key}");
        }
        // (config, what its error names)
        let refused: [(&str, &[&str]); 4] = [
            (
                "[keybinding]\nquit = \"ctrl+bogus\"",
                &["keybinding.quit", "ctrl+bogus"],
            ),
            // A key for two actions, naming both (quit's `x` against
            // extract's default `x`).
            (
                "[keybinding]\nquit = \"x\"",
                &["'x'", "quit", "extract-file"],
            ),
            ("[keybinding]\nfly = \"q\"", &["keybinding.fly"]),
            ("[filetree]\npane-width = 3", &["pane-width"]),
        ];
        for (config, names) in refused {
            let err = parse_config(&format!("{config}\n"))
                .unwrap_err()
                .to_string();
            assert!(names.iter().all(|n| err.contains(n)), "{config}: {err}");
        }
        let c = parse_config(
            "[filetree]\nshow-attributes = false\n[layer]\nshow-aggregated-changes = true\n",
        )
        .unwrap();
        assert!(!c.show_attributes && c.aggregated);
    }

    #[test]
    fn config_errors_say_which_kind_and_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        let err = load_config(Some(&missing)).unwrap_err();
        assert_eq!(err.kind, ConfigErrorKind::Unreadable);
        assert!(
            err.to_string()
                .starts_with(&format!("{}: ", missing.display())),
            "{err}"
        );
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[ui]\nmice = false\n").unwrap();
        let err = load_config(Some(&bad)).unwrap_err();
        assert_eq!(err.kind, ConfigErrorKind::Invalid);
        assert_eq!(
            err.to_string(),
            format!("{}: ui.mice: no such setting", bad.display())
        );
    }
}
