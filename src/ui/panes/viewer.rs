//! A file's content as it was in a layer: text with line numbers, binary as
//! a hex dump; only the lines on screen are formatted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use crate::report::size;
use crate::ui::app::App;
use crate::ui::components::viewer::{VIEW_LIMIT, Viewer, ViewerBody, expand_tabs, fetch_line};
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, v: &Viewer) {
    let theme = app.theme;
    let body = inner(area);
    let height = body.height.saturating_sub(1) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let info = match &v.body {
        ViewerBody::Loading => {
            lines.push(Line::styled(fetch_line(), theme.dim()));
            String::new()
        }
        ViewerBody::Error(e) => {
            lines.push(Line::styled(sanitize(e), theme.error()));
            String::new()
        }
        ViewerBody::Text {
            content,
            lines: starts,
        } => {
            let digits = starts.len().to_string().len().max(4);
            for (n, &s) in starts.iter().enumerate().skip(v.top()).take(height) {
                let e = starts.get(n + 1).copied().unwrap_or(content.bytes.len());
                let raw = String::from_utf8_lossy(&content.bytes[s..e]);
                let text = sanitize(&expand_tabs(raw.trim_end_matches(['\n', '\r'])));
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>digits$} │ ", n + 1), theme.dim()),
                    Span::raw(text),
                ]));
            }
            format!("text, {} lines", starts.len())
        }
        ViewerBody::Binary(content) => {
            let bytes = &content.bytes;
            for row in (v.top()..bytes.len().div_ceil(16)).take(height) {
                let chunk = &bytes[row * 16..(row * 16 + 16).min(bytes.len())];
                let mut hex = String::new();
                for (i, b) in chunk.iter().enumerate() {
                    hex.push_str(&format!("{b:02x} "));
                    if i == 7 {
                        hex.push(' ');
                    }
                }
                let ascii: String = chunk
                    .iter()
                    .map(|&b| {
                        if b.is_ascii_graphic() || b == b' ' {
                            b as char
                        } else {
                            '.'
                        }
                    })
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{:08x}  ", content.offset + row as u64 * 16),
                        theme.dim(),
                    ),
                    Span::raw(format!("{hex:<50}")),
                    Span::styled(format!("|{ascii}|"), theme.dim()),
                ]));
            }
            "binary".to_string()
        }
    };
    let total = match v.body.content() {
        Some(c) => {
            let mut s = format!(" · {}", size(c.total));
            if c.total > c.bytes.len() as u64 {
                s.push_str(&format!(
                    " · bytes {}–{} ([ ] previous/next {})",
                    c.offset,
                    c.offset + c.bytes.len() as u64,
                    size(VIEW_LIMIT)
                ));
            }
            s
        }
        None => String::new(),
    };
    lines.insert(0, Line::styled(format!("{info}{total}"), theme.label()));
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(block(v.title.clone(), true, theme)),
        area,
    );
}
