//! The layers pane: index, size (and compressed size), the command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit, right, shown_rows};
use crate::report::size;
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Layers;
    // Counted from 1, as people count ("layer 4 of 13"), with the index of
    // the # column (dive's, from 0) beside it.
    let mut title = format!(
        "Layer {} of {} · #{}",
        l.layer().index() + 1,
        l.analysis.image.layers.len(),
        l.layer()
    );
    // Compare mode: `=` before a layer OLD has too, `+` before a new one.
    let shared = l.compare.as_ref().filter(|_| l.comparing());
    if shared.is_some() {
        title.push_str(" · =old +new");
    }
    let layers = &l.analysis.image.layers;
    let compressed = layers.iter().any(|x| x.compressed_size.is_some());
    let mut lines = Vec::new();
    let mut header = format!("{:>3} {:>9} ", "#", "Size");
    if compressed {
        header.push_str(&format!("{:>9} ", "Packed"));
    }
    header.push_str("Command");
    lines.push(Line::styled(header, theme.label()));
    for (idx, layer) in shown_rows(layers, &l.layers.list, inner(area)) {
        let mark = match shared {
            Some(c) if c.is_shared(idx) => "=",
            Some(_) => "+",
            None => "",
        };
        let mut text = format!(
            "{mark}{idx:>w$} {} ",
            right(&size(layer.changes.size), 9),
            w = 3 - mark.len()
        );
        if compressed {
            let c = layer.compressed_size.map(size).unwrap_or_default();
            text.push_str(&format!("{} ", right(&c, 9)));
        }
        let cmd = layer.command();
        text.push_str(&sanitize(if cmd.is_empty() {
            "(no history)"
        } else {
            &cmd
        }));
        let text = fit(&text, inner(area).width as usize);
        let style = if idx == l.layer().index() {
            theme.selected(focused)
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(title, focused, theme)),
        area,
    );
}
