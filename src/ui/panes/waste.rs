//! Every wasted entry: path, bytes, reason, the layer that added it and the
//! layer that hid it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, right};
use crate::report::size;
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Right;
    let wasted = &l.analysis.exact.wasted;
    let title = format!(
        "Wasted entries: {} in {} · by {} · enter: show in tree",
        size(l.analysis.exact.wasted_bytes),
        wasted.len(),
        l.waste.sort.name()
    );
    let mut lines = vec![Line::styled(
        format!(
            "{:>9}  {:<25} {:>5} {:>6}  Path",
            "Bytes", "Reason", "Added", "Hidden"
        ),
        theme.label(),
    )];
    if wasted.is_empty() {
        lines.push(Line::styled("  nothing is wasted", theme.dim()));
    }
    let height = inner(area).height.saturating_sub(1) as usize;
    for (pos, &idx) in l
        .waste
        .order
        .iter()
        .enumerate()
        .skip(l.waste.list.top())
        .take(height)
    {
        let w = &wasted[idx as usize];
        let text = format!(
            "{}  {:<25} {:>5} {:>6}  {}",
            right(&size(w.bytes), 9),
            w.reason.name(),
            w.layer,
            w.hidden_by,
            sanitize(&crate::layer::path::display(&w.path))
        );
        let style = if pos == l.waste.list.selected() {
            theme.selected(focused)
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(title, focused, theme)),
        area,
    );
}
