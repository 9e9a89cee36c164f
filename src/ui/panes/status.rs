//! The bottom line: the keys that matter in the focused pane, a prompt, or
//! the last message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::app::{App, Focus, Modal, RightView};
use crate::ui::keymap::Action;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let km = &app.config.keymap;
    let line = match &app.modal {
        Modal::Filter {
            input,
            regex,
            error,
        } => {
            let mut spans = vec![
                Span::styled(
                    if *regex {
                        "Filter (regex): "
                    } else {
                        "Filter: "
                    },
                    theme.key(),
                ),
                Span::raw(sanitize(input)),
                Span::styled("█", theme.dim()),
            ];
            match error {
                Some(e) => spans.push(Span::styled(format!("  {}", sanitize(e)), theme.error())),
                None => spans.push(Span::styled(
                    if *regex {
                        "  ctrl+r substring · enter keep · esc clear"
                    } else {
                        "  ctrl+r regex · enter keep · esc clear"
                    },
                    theme.dim(),
                )),
            }
            Line::from(spans)
        }
        Modal::ConfirmOverwrite { target, .. } => Line::from(vec![
            Span::styled(
                format!(
                    "{} exists. Overwrite it? ",
                    sanitize(&target.display().to_string())
                ),
                theme.error(),
            ),
            Span::styled("y", theme.key()),
            Span::raw(" yes, any other key: no"),
        ]),
        Modal::ConfirmCreate { dest, .. } => Line::from(vec![
            Span::styled(
                format!(
                    "{} does not exist. Create it? ",
                    sanitize(&dest.display().to_string())
                ),
                theme.error(),
            ),
            Span::styled("y", theme.key()),
            Span::raw(" yes, any other key: no"),
        ]),
        Modal::Extract { input, .. } => Line::from(vec![
            Span::styled("Extract into directory: ", theme.key()),
            Span::raw(sanitize(input)),
            Span::styled("█", theme.dim()),
            Span::styled("  enter write · esc cancel", theme.dim()),
        ]),
        Modal::Viewer(_) | Modal::Help { .. } => {
            let mut spans = Vec::new();
            let mut keys = vec![
                (km.first(Action::Down), "scroll"),
                (km.first(Action::PageDown), "page"),
                (km.first(Action::End), "end"),
            ];
            if matches!(app.modal, Modal::Viewer(_)) {
                keys.push(("[ ]".into(), "previous/next window"));
            }
            keys.push((km.first(Action::CloseFilterFiles), "close"));
            keys.push(("ctrl+c".into(), "quit"));
            for (key, label) in keys {
                spans.push(Span::styled(key, theme.key()));
                spans.push(Span::raw(format!(" {label}  ")));
            }
            Line::from(spans)
        }
        _ => {
            if let Some((msg, bad)) = &app.message {
                Line::styled(
                    sanitize(msg),
                    if *bad { theme.error() } else { theme.label() },
                )
            } else {
                let actions: &[(Action, &str)] = match (app.focus, app.view) {
                    (Focus::Layers, _) => &[
                        (Action::Down, "layer"),
                        (Action::CompareAll, "all changes"),
                        (Action::CompareLayer, "layer changes"),
                        (Action::ToggleView, "tree"),
                        (Action::WasteView, "waste"),
                        (Action::FindingsView, "findings"),
                        (Action::DiveFigures, "dive"),
                        (Action::FilterFiles, "filter"),
                        (Action::Help, "help"),
                        (Action::Quit, "quit"),
                    ],
                    (Focus::Right, RightView::Waste) => &[
                        (Action::Open, "show in tree"),
                        (Action::ToggleSortOrder, "sort"),
                        (Action::WasteView, "back to tree"),
                        (Action::FindingsView, "findings"),
                        (Action::ToggleView, "layers"),
                        (Action::Help, "help"),
                        (Action::Quit, "quit"),
                    ],
                    (Focus::Right, RightView::Findings) => &[
                        (Action::Open, "show in tree"),
                        (Action::FindingsView, "back to tree"),
                        (Action::WasteView, "waste"),
                        (Action::ToggleView, "layers"),
                        (Action::Help, "help"),
                        (Action::Quit, "quit"),
                    ],
                    (Focus::Right, RightView::Tree) => &[
                        (Action::ToggleCollapseDir, "collapse"),
                        (Action::Open, "view"),
                        (Action::Extract, "extract"),
                        (Action::ToggleAddedFiles, "added"),
                        (Action::ToggleRemovedFiles, "removed"),
                        (Action::ToggleModifiedFiles, "modified"),
                        (Action::ToggleUnmodifiedFiles, "unmodified"),
                        (Action::ToggleFiletreeAttributes, "attrs"),
                        (Action::ToggleSortOrder, "sort"),
                        (Action::FilterFiles, "filter"),
                        (Action::Help, "help"),
                    ],
                };
                let mut spans = Vec::new();
                for (a, label) in actions {
                    let key = if *a == Action::ToggleModifiedFiles {
                        km.keys(*a)
                            .last()
                            .map_or_else(|| km.first(*a), |k| k.to_string())
                    } else {
                        km.first(*a)
                    };
                    spans.push(Span::styled(key, theme.key()));
                    spans.push(Span::raw(format!(" {label}  ")));
                }
                Line::from(spans)
            }
        }
    };
    f.render_widget(Paragraph::new(line), area);
}
