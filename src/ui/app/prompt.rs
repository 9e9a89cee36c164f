//! The prompts over the panes: the tree's filter, the extract target and
//! the overwrite question.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Focus, Modal, Phase, RightView};
use crate::tree_list::Filter;
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

    /// A key at "overwrite?": y writes, anything else does not.
    pub(super) fn confirm_key(&mut self, ev: KeyEvent) {
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
        }
    }
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
