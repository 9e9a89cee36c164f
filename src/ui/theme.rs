//! Colours, and their absence under `NO_COLOR` (the marker characters and
//! text attributes carry the meaning on their own).

use ratatui::style::{Color, Modifier, Style};

use crate::findings::Severity;
use crate::tree_list::Mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty.
    pub fn from_env() -> Self {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    pub fn plain() -> Self {
        Theme { color: false }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn mark(self, mark: Mark) -> Style {
        match mark {
            Mark::Added => self.fg(Color::Green),
            Mark::Modified => self.fg(Color::Yellow),
            Mark::Removed => self.fg(Color::Red).add_modifier(if self.color {
                Modifier::empty()
            } else {
                Modifier::CROSSED_OUT
            }),
            Mark::Unmodified => Style::new(),
        }
    }

    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(self, focused: bool) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if focused {
            s.patch(self.fg(Color::Cyan))
        } else {
            s
        }
    }

    /// The selected row of the focused pane.
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn label(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A filter match inside a name.
    pub fn matched(self) -> Style {
        self.fg(Color::Magenta)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn waste(self) -> Style {
        self.fg(Color::Red)
    }

    /// A finding's severity; without colour, high is bold (its text mark
    /// carries the rest).
    pub fn severity(self, severity: Severity) -> Style {
        match severity {
            Severity::High => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Warning => self.fg(Color::Yellow),
            Severity::Info => self.fg(Color::LightBlue),
        }
    }

    /// A rule between two parts of a pane.
    pub fn rule(self) -> Style {
        self.dim()
    }

    pub fn gauge(self) -> Style {
        self.fg(Color::Cyan)
    }
}
