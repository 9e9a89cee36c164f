//! A path's history over the right pane: each layer that touched it, its
//! mark, the size it left and the layer's command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{block, fit, fit_left, list_head, right};
use crate::report::size;
use crate::ui::app::App;
use crate::ui::components::history::History;
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, h: &History) {
    let theme = app.theme;
    let Some(l) = app.loaded() else { return };
    let body = inner(area);
    let width = body.width as usize;
    let mut lines = list_head(
        format!("  {:>5} {:>9}  {:<12}  Command", "Layer", "Bytes", "What"),
        h.steps.is_empty().then_some("no layer touched this path"),
        theme,
    );
    let height = body.height.saturating_sub(1) as usize;
    let top = h.list.selected().saturating_sub(height.saturating_sub(1));
    for (pos, step) in h.steps.iter().enumerate().skip(top).take(height) {
        let command = l
            .analysis
            .image
            .layers
            .get(step.layer.index())
            .map(|layer| super::findings::one_line(&layer.command()))
            .unwrap_or_default();
        let head = format!(
            "{} {:>5} {}  {:<12}  ",
            step.mark.symbol(),
            step.layer,
            right(&size(step.bytes), 9),
            step.what
        );
        let room = width.saturating_sub(head.chars().count());
        let mut style = theme.mark(step.mark);
        if pos == h.list.selected() {
            style = style.patch(theme.selected(true));
        }
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::styled(fit(&command, room), style),
        ]));
    }
    let title = format!(
        "History of {}",
        fit_left(&sanitize(&h.path), width.saturating_sub(14))
    );
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block(title, true, theme)), area);
}
