//! Colours, and their absence under `NO_COLOR` (the marker characters and
//! text attributes carry the meaning on their own); the eight basic colours
//! and light box lines on terminals that have no more (`TERM=linux`).

use ratatui::style::{Color, Modifier, Style};

use crate::findings::Severity;
use crate::tree_list::Mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    /// Only the eight basic colours (SGR 30–37) and light box lines: the
    /// Linux console and other 8-colour terminals.
    pub basic: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty; basic on an
    /// 8-colour `TERM`.
    pub fn from_env() -> Self {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            basic: std::env::var("TERM").is_ok_and(|t| is_basic_term(&t)),
        }
    }

    pub fn plain() -> Self {
        Theme {
            color: false,
            basic: false,
        }
    }

    /// Full colour (the tests' and the screenshots').
    pub fn colored() -> Self {
        Theme {
            color: true,
            basic: false,
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(if self.basic { basic(c) } else { c })
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
        if self.color && !self.basic {
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

/// Terminals with eight colours and no heavy box lines in their font.
pub fn is_basic_term(term: &str) -> bool {
    matches!(
        term,
        "linux" | "ansi" | "cons25" | "vt100" | "vt220" | "vt102"
    ) || term.ends_with("-8color")
        || term.starts_with("linux-")
}

/// The nearest of the eight basic colours (a bright one is its base; dark
/// grey is the default colour, black being unreadable on black).
fn basic(c: Color) -> Color {
    match c {
        Color::LightRed => Color::Red,
        Color::LightGreen => Color::Green,
        Color::LightYellow => Color::Yellow,
        Color::LightBlue => Color::Blue,
        Color::LightMagenta => Color::Magenta,
        Color::LightCyan => Color::Cyan,
        Color::DarkGray | Color::White => Color::Gray,
        other => other,
    }
}
