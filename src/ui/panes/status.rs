//! The bottom line: the keys that matter in the focused pane, a prompt, or
//! the last message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::app::{App, Focus, Modal, RightView};
use crate::ui::keymap::Action;
use crate::ui::panes::{fit, fit_left};
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
        Modal::ConfirmOverwrite { target, .. } => question(target, "exists. Overwrite it?", theme),
        Modal::ConfirmCreate { dest, .. } => question(dest, "does not exist. Create it?", theme),
        Modal::Extract { input, .. } => Line::from(vec![
            Span::styled("Extract into directory: ", theme.key()),
            Span::raw(sanitize(input)),
            Span::styled("█", theme.dim()),
            Span::styled("  enter write · esc cancel", theme.dim()),
        ]),
        Modal::Viewer(_) | Modal::Help { .. } | Modal::History(_) => {
            let mut spans = Vec::new();
            let mut keys = vec![
                (km.first(Action::Down), "scroll"),
                (km.first(Action::PageDown), "page"),
                (km.first(Action::End), "end"),
            ];
            if matches!(app.modal, Modal::Viewer(_)) {
                keys.push(("[ ]".into(), "previous/next window"));
            }
            if matches!(app.modal, Modal::History(_)) {
                keys.push((km.first(Action::Open), "show at that layer"));
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
                // Every view ends with help and quit.
                let actions: &[(Action, &str)] = match (app.focus, app.view) {
                    (Focus::Layers, _) => &[
                        (Action::Down, "layer"),
                        (Action::CompareLayer, "contents"),
                        (Action::CompareChanges, "changes only"),
                        (Action::CompareAll, "all changes"),
                        (Action::ToggleView, "tree"),
                        (Action::WasteView, "waste"),
                        (Action::FindingsView, "findings"),
                        (Action::DiveFigures, "dive"),
                        (Action::FilterFiles, "filter"),
                    ],
                    (Focus::Right, RightView::Waste) => &[
                        (Action::Open, "show in tree"),
                        (Action::ToggleWasteGroup, "expand"),
                        (Action::ToggleSortOrder, "sort"),
                        (Action::WasteView, "back to tree"),
                        (Action::FindingsView, "findings"),
                        (Action::ToggleView, "layers"),
                    ],
                    (Focus::Right, RightView::Largest) => &[
                        (Action::Open, "show in tree"),
                        (Action::PathHistory, "history"),
                        (Action::CopyPath, "copy path"),
                        (Action::LargestView, "back to tree"),
                    ],
                    (Focus::Right, RightView::Findings) => &[
                        (Action::Open, "show in tree"),
                        (Action::FindingsView, "back to tree"),
                        (Action::WasteView, "waste"),
                        (Action::ToggleView, "layers"),
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
                    ],
                };
                let items: Vec<(String, &str)> = actions
                    .iter()
                    .chain(&[(Action::Help, "help"), (Action::Quit, "quit")])
                    .map(|(a, label)| {
                        let key = if *a == Action::ToggleModifiedFiles {
                            km.keys(*a)
                                .last()
                                .map_or_else(|| km.first(*a), |k| k.to_string())
                        } else {
                            km.first(*a)
                        };
                        (key, *label)
                    })
                    .collect();
                let spans = fit_keys(&items, area.width as usize, theme);
                Line::from(spans)
            }
        }
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The line above the keys: the image (its tag when it has one) and the
/// full path of the selected entry, cut at the front when long.
pub fn draw_info(f: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let Some(l) = app.loaded() else { return };
    let image = &l.analysis.image;
    let name = match image.tags.first() {
        Some(tag) if !app.reference.contains(tag.as_str()) => {
            format!("{tag} · {}", app.reference)
        }
        _ => app.reference.clone(),
    };
    let width = area.width as usize;
    let name = fit(&sanitize(&name), (width / 3).max(12));
    let path = app.selected_path();
    let mut spans = vec![Span::styled(name.clone(), theme.label())];
    if let Some(path) = path {
        let room = width.saturating_sub(name.chars().count() + 3);
        spans.push(Span::styled(" │ ", theme.dim()));
        spans.push(Span::raw(fit_left(&sanitize(&path), room)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The key hints that fit in `width` columns: the last two (help and quit)
/// always, the others from the first while they fit.
fn fit_keys(
    items: &[(String, &str)],
    width: usize,
    theme: crate::ui::theme::Theme,
) -> Vec<Span<'static>> {
    let len = |(k, l): &(String, &str)| k.chars().count() + l.chars().count() + 3;
    let pinned = items.len().saturating_sub(2);
    let mut used: usize = items[pinned..].iter().map(len).sum();
    let mut shown: Vec<&(String, &str)> = Vec::new();
    for item in &items[..pinned] {
        if used + len(item) > width {
            break;
        }
        used += len(item);
        shown.push(item);
    }
    shown.extend(&items[pinned..]);
    let mut spans = Vec::new();
    for (key, label) in shown {
        spans.push(Span::styled(key.clone(), theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    spans
}

/// A yes/no question about `path`.
fn question(path: &std::path::Path, ask: &str, theme: crate::ui::theme::Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{} {ask} ", sanitize(&path.display().to_string())),
            theme.error(),
        ),
        Span::styled("y", theme.key()),
        Span::raw(" yes, any other key: no"),
    ])
}
