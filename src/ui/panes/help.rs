//! `?`: every key, by pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use super::findings::mark;
use crate::findings::Severity;
use crate::ui::app::App;
use crate::ui::components::help;
use crate::ui::keymap::Action;
use crate::ui::layout::inner;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = app.theme;
    let keymap = &app.config.keymap;
    let mut lines = Vec::new();
    for (scope, heading) in help::SECTIONS {
        lines.push(Line::styled(heading, theme.label()));
        for &a in Action::ALL.iter().filter(|a| a.scope() == scope) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", keymap.describe(a)), theme.key()),
                Span::raw(a.help()),
            ]));
        }
    }
    lines.push(Line::styled("Notes", theme.label()));
    for note in help::NOTES {
        lines.push(Line::raw(*note));
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
    let total = all.len();
    let scroll = scroll.min(total.saturating_sub(height));
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    let more = match (scroll > 0, scroll + height < total) {
        (true, true) => " ↑↓ more ",
        (false, true) => " ↓ more ",
        (true, false) => " ↑ more ",
        (false, false) => "",
    };
    let block = block(
        "Keys · ↑↓ pgup/pgdn scroll · esc, q or ? closes",
        true,
        app.theme,
    )
    .title_bottom(Line::styled(more, app.theme.key()).right_aligned());
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(shown).block(block), area);
}
