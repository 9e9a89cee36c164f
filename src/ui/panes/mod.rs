//! One file per pane; each draws from the app's state only.

pub mod details;
pub mod findings;
pub mod help;
pub mod layers;
pub mod loading;
pub mod status;
pub mod tree;
pub mod viewer;
pub mod waste;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use super::theme::Theme;

/// A pane's frame, highlighted when focused.
pub fn block(title: impl Into<String>, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .border_type(if focused {
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
