//! `?`: every key, by pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use super::findings::mark;
use crate::findings::Severity;
use crate::ui::app::App;
use crate::ui::keymap::{Action, Scope};
use crate::ui::layout::inner;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = app.theme;
    let keymap = &app.config.keymap;
    let mut lines = Vec::new();
    for (scope, heading) in [(Scope::Global, "Everywhere"), (Scope::Tree, "File tree")] {
        lines.push(Line::styled(heading, theme.label()));
        for &a in Action::ALL.iter().filter(|a| a.scope() == scope) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", keymap.describe(a)), theme.key()),
                Span::raw(a.help()),
            ]));
        }
    }
    lines.push(Line::styled("Notes", theme.label()));
    for note in [
        "  ctrl+a: in the file tree it shows/hides added entries; elsewhere it",
        "    switches the tree to all changes up to the layer (dive's clash, resolved by pane).",
        "  Most terminals send ctrl+m as enter: M shows/hides modified entries there.",
        "  In the filter prompt: ctrl+r switches substring/regex, enter keeps, esc clears.",
        "  Mouse: click selects a pane and a row, the wheel scrolls.",
        "  Marks: + added  ~ modified  - removed  (blank) unmodified.",
    ] {
        lines.push(Line::raw(note));
    }
    lines.push(Line::raw(format!(
        "  Findings: {} high  {} warning  {} info; enter shows the first path in the tree.",
        mark(Severity::High),
        mark(Severity::Warning).trim_end(),
        mark(Severity::Info).trim_end(),
    )));
    lines
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, scroll: usize) {
    let all = lines(app);
    let height = inner(area).height as usize;
    let scroll = scroll.min(all.len().saturating_sub(height));
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(shown).block(block("Keys (any other key closes)", true, app.theme)),
        area,
    );
}
