//! The prompts over the panes: the tree's filter, the extract target, the
//! overwrite and create questions, and on the loading screen whether to keep
//! standard input's layers.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Focus, Modal, Phase, RightView};
use crate::content::ContentError;
use crate::layer::LayerIdx;
use crate::tree::NodeId;
use crate::tree_list::Filter;
use crate::ui::components::viewer;
use crate::ui::event::Command;

impl App {
    /// A key in the filter or extract prompt: text first.
    pub(super) fn prompt_key(&mut self, ev: KeyEvent) {
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
                    code if edit_text(input, code, ctrl) => {}
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
                    self.last_destination = Some(input.trim().to_string());
                    if std::fs::symlink_metadata(&dest).is_err() {
                        self.modal = Modal::ConfirmCreate { node, layer, dest };
                        return;
                    }
                    self.extract_into(node, layer, dest);
                }
                code => {
                    edit_text(input, code, ctrl);
                }
            },
            _ => {}
        }
    }

    /// Set the tree's filter; the error text when the regex is bad.
    pub(super) fn apply_filter(&mut self, text: &str, regex: bool) -> Option<String> {
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

    /// Extract into `dest` (which exists), asking first when the target
    /// does.
    fn extract_into(&mut self, node: NodeId, layer: LayerIdx, dest: PathBuf) {
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
        self.start_extract(node, layer, dest, false);
        self.modal = Modal::None;
    }

    fn start_extract(&mut self, node: NodeId, layer: LayerIdx, dest: PathBuf, overwrite: bool) {
        self.commands.push(Command::Extract {
            node,
            layer,
            dest,
            overwrite,
        });
        self.extracting = true;
        self.say("extracting…");
    }

    /// While an extract fetches a layer, the status line says how far it
    /// got, as the viewer does.
    pub(super) fn extract_progress(&mut self) {
        if self.extracting && crate::content::fetch_progress().is_some() {
            self.say(format!("extracting… {}", viewer::fetch_line()));
        }
    }

    /// `esc` while an extract fetches a layer: stop the fetch (the extract
    /// then removes what it wrote).
    pub(super) fn cancel_extract(&mut self) {
        crate::content::cancel_fetch();
        self.say("cancelling the extract…");
    }

    /// Ask, before standard input is read, whether to keep its layers in
    /// `folder` (at most `bound` bytes) so the viewer can read them again:
    /// a stream passes once, so the answer must come first.
    pub fn ask_keep_layers(&mut self, folder: PathBuf, bound: u64) {
        self.modal = Modal::KeepLayers { folder, bound };
    }

    /// A key at "keep this stream's layers?": y keeps them, n reads the
    /// stream without keeping anything, q or ctrl+c cancels; other keys wait.
    pub(super) fn keep_layers_key(&mut self, ev: KeyEvent) {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let keep = match ev.code {
            KeyCode::Char('c') if ctrl => {
                self.quit = true;
                return;
            }
            KeyCode::Char('q') => {
                self.quit = true;
                return;
            }
            KeyCode::Char('y' | 'Y') => true,
            KeyCode::Char('n' | 'N') => false,
            _ => return,
        };
        self.modal = Modal::None;
        self.commands.push(Command::KeepLayers(keep));
    }

    /// A key at "overwrite?" or "create?": y goes on, anything else does not.
    pub(super) fn confirm_key(&mut self, ev: KeyEvent) {
        let yes = matches!(ev.code, KeyCode::Char('y' | 'Y'));
        match std::mem::replace(&mut self.modal, Modal::None) {
            Modal::ConfirmOverwrite {
                node, layer, dest, ..
            } if yes => self.start_extract(node, layer, dest, true),
            Modal::ConfirmCreate { node, layer, dest } if yes => match create_dirs(&dest) {
                Ok(()) => self.extract_into(node, layer, dest),
                Err(e) => self.warn(format!("extract failed: {e}")),
            },
            _ => self.say("not written"),
        }
    }
}

/// Create `dest` and its missing parents, one at a time: a part that exists
/// must be a real directory (never a link followed), as extract requires.
/// Its failure is the extract's.
fn create_dirs(dest: &Path) -> Result<(), ContentError> {
    let mut cur = PathBuf::new();
    for part in dest.components() {
        cur.push(part);
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(format!("{} is not a directory", cur.display()).into()),
            Err(_) => std::fs::create_dir(&cur).map_err(|e| format!("{}: {e}", cur.display()))?,
        }
    }
    Ok(())
}

/// Edit a prompt's text: backspace, ctrl+u (clear) and typed characters;
/// false for any other key.
fn edit_text(input: &mut String, code: KeyCode, ctrl: bool) -> bool {
    match code {
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char('u') if ctrl => input.clear(),
        KeyCode::Char(c) if !ctrl => input.push(c),
        _ => return false,
    }
    true
}

fn expand_tilde(s: &str) -> String {
    match (s.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ if s == "~" => std::env::var("HOME").unwrap_or_else(|_| s.into()),
        _ => s.to_string(),
    }
}
