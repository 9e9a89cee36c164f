//! The layers pane: index, size (and compressed size), the command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, right};
use crate::report::size;
use crate::tree_list::Compare;
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Layers;
    let mode = match l.tree.compare() {
        Compare::Layer => "this layer",
        Compare::Aggregated => "all up to it",
    };
    let title = format!(
        "Layers {}/{} · tree: {mode}",
        l.layer(),
        l.analysis.image.layers.len().saturating_sub(1)
    );
    let layers = &l.analysis.image.layers;
    let compressed = layers.iter().any(|x| x.compressed_size.is_some());
    let mut lines = Vec::new();
    let mut header = format!("{:>3} {:>9} ", "#", "Size");
    if compressed {
        header.push_str(&format!("{:>9} ", "Packed"));
    }
    header.push_str("Command");
    lines.push(Line::styled(header, theme.label()));
    let rows = inner(area).height.saturating_sub(1) as usize;
    for (idx, layer) in layers
        .iter()
        .enumerate()
        .skip(l.layers.list.top())
        .take(rows)
    {
        let mut text = format!("{idx:>3} {} ", right(&size(layer.changes.size), 9));
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
        let style = if idx == l.layer() {
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
