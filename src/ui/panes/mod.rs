//! One file per pane; each draws from the app's state only.

pub mod details;
pub mod findings;
pub mod help;
pub mod history;
pub mod largest;
pub mod layers;
pub mod loading;
pub mod status;
pub mod tree;
pub mod viewer;
pub mod waste;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use super::theme::Theme;
use crate::tree_list::ListState;

/// A pane's frame, highlighted when focused.
pub fn block(title: impl Into<String>, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .border_type(if focused && !theme.basic {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
        .title(Line::from(Span::styled(
            format!(" {} ", title.into()),
            theme.title(focused),
        )))
}

/// One row of a list: highlighted when it is the selected one.
pub fn list_row(text: String, selected: bool, focused: bool, theme: Theme) -> Line<'static> {
    let style = if selected {
        theme.selected(focused)
    } else {
        Style::new()
    };
    Line::from(Span::styled(text, style))
}

/// A list's first lines: its `header` row, and `empty` below it when the
/// list has no rows.
pub fn list_head(header: String, empty: Option<&str>, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(header, theme.label())];
    if let Some(empty) = empty {
        lines.push(Line::styled(format!("  {empty}"), theme.dim()));
    }
    lines
}

/// The rows of a list that fit in `body` below its header row, from the
/// first one on screen, with their positions in the list.
pub fn shown_rows<'a, T>(
    rows: &'a [T],
    list: &ListState,
    body: Rect,
) -> impl Iterator<Item = (usize, &'a T)> {
    let height = body.height.saturating_sub(1) as usize;
    rows.iter().enumerate().skip(list.top()).take(height)
}

/// `text` right-aligned in `width` columns.
pub fn right(text: &str, width: usize) -> String {
    format!("{text:>width$}")
}

/// A label/value line.
pub fn field(label: &str, value: String, theme: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<11} "), theme.label()),
        Span::styled(value, Style::new()),
    ])
}

/// `text` cut to `width` characters, an ellipsis at the end when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `text` cut to `width` characters keeping its end (a path's file name).
pub fn fit_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    let mut cut = String::from('…');
    cut.extend(text.chars().skip(n + 1 - width.max(1)));
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_shown_start_at_the_top_and_fill_the_body_under_its_header() {
        let rows: Vec<u32> = (0..10).collect();
        let mut list = ListState::default();
        list.select(8, rows.len());
        list.keep_in_view(3);
        let shown: Vec<(usize, &u32)> = shown_rows(&rows, &list, Rect::new(0, 0, 20, 4)).collect();
        assert_eq!(shown, [(6, &6), (7, &7), (8, &8)]);
        assert_eq!(shown_rows(&rows, &list, Rect::new(0, 0, 20, 0)).count(), 0);
        let head = list_head("Path".into(), Some("no files"), Theme::plain());
        assert_eq!(head.len(), 2);
        assert_eq!(head[1].to_string(), "  no files");
        assert_eq!(list_head("Path".into(), None, Theme::plain()).len(), 1);
    }
}
