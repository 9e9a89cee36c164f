//! The first frame: a progress bar while the image loads (or, for standard
//! input, first the question whether to keep its layers).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph};

use super::block;
use crate::progress::ProgressSnapshot;
use crate::report::size;
use crate::ui::app::{App, Modal};
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, p: &ProgressSnapshot) {
    let theme = app.theme;
    let w = area.width.min(72);
    let asking = matches!(app.modal, Modal::KeepLayers { .. });
    let h = area.height.min(if asking { 9 } else { 7 });
    let boxed = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(block("peel", true, theme), boxed);
    let body = inner(boxed);
    let [what, gauge, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(body);
    f.render_widget(
        Paragraph::new(Line::raw(format!("Reading {}", sanitize(&app.reference)))),
        what,
    );
    if let Modal::KeepLayers { folder, bound } = &app.modal {
        let lines = vec![
            Line::styled(
                "Keep this stream's layers for the viewer and extract? y/n",
                theme.key(),
            ),
            Line::raw(format!(
                "in {}, at most {} (PEEL_KEEP_LAYERS_BYTES), removed on exit",
                sanitize(&folder.display().to_string()),
                size(*bound)
            )),
            Line::styled(
                "y keeps · n reads without keeping (no viewer) · q cancels",
                theme.dim(),
            ),
        ];
        let rest = Rect {
            height: body.height.saturating_sub(1),
            ..gauge
        };
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
            rest,
        );
        return;
    }
    let layers = match p.layers_total {
        Some(t) => format!("layer {} of {t}", p.layers_read),
        None => format!(
            "{} read",
            crate::ui::count(p.layers_read, "layer", "layers")
        ),
    };
    let (ratio, bytes) = match p.bytes_total {
        Some(t) if t > 0 => (
            (p.bytes_read as f64 / t as f64).clamp(0.0, 1.0),
            format!("{} of {}", size(p.bytes_read), size(t)),
        ),
        _ => (0.0, size(p.bytes_read)),
    };
    f.render_widget(
        Gauge::default()
            .gauge_style(theme.gauge())
            .ratio(ratio)
            .label(format!("{bytes} · {layers}")),
        gauge,
    );
    f.render_widget(
        Paragraph::new(Line::styled("q or ctrl+c cancels", theme.dim())),
        hint,
    );
}
