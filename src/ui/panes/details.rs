//! Layer details and image details.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{block, field, fit, right};
use crate::report::{percent, size};
use crate::ui::app::{App, Loaded};
use crate::ui::layout::inner;
use crate::ui::theme::Theme;
use crate::ui::{count, sanitize};

pub fn draw_layer(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let Some(layer) = l.analysis.image.layers.get(l.layer().index()) else {
        f.render_widget(block("Layer details", false, theme), area);
        return;
    };
    let counts = l.layers.selected_counts();
    let digest = layer
        .diff_id
        .as_ref()
        .map_or_else(|| layer.blob.clone(), ToString::to_string);
    let mut sz = size(layer.changes.size);
    if let Some(c) = layer.compressed_size {
        sz.push_str(&format!(" ({} {})", size(c), layer.compression.name()));
    }
    let cmd = layer.command();
    let fitted = fitted_field(inner(area).width as usize);
    let lines = vec![
        field("Digest", sanitize(&digest), theme),
        fitted(
            "Size",
            format!(
                "{sz} · +{} added ~{} modified -{} removed",
                counts.added, counts.modified, counts.removed
            ),
            theme,
        ),
        field(
            "Command",
            if cmd.is_empty() {
                "(no history)".to_string()
            } else {
                super::findings::one_line(&cmd)
            },
            theme,
        ),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(format!("Layer {} details", l.layer()), false, theme)),
        area,
    );
}

/// A field whose value is cut with an ellipsis where the pane is narrow
/// (80 columns) instead of wrapping out of the pane.
fn fitted_field(width: usize) -> impl Fn(&str, String, Theme) -> Line<'static> {
    move |label, value, theme| field(label, fit(&value, width.saturating_sub(12)), theme)
}

pub fn draw_image(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let a = &l.analysis;
    let width = inner(area).width as usize;
    let mut lines;
    let title;
    if app.dive_figures {
        title = "Image details (dive's figures)";
        let d = &a.dive;
        lines = vec![
            field("Efficiency", percent(d.efficiency_score), theme),
            field("Wasted", size(d.inefficient_bytes), theme),
            field("User wasted", percent(d.user_wasted_percent), theme),
            Line::styled(
                format!("{:>5} {:>9}  Path", "Count", "Total"),
                theme.label(),
            ),
        ];
        for r in d.file_reference.iter().take(inner(area).height as usize) {
            lines.push(Line::raw(format!(
                "{:>5} {}  {}",
                r.count,
                right(&size(r.size_bytes), 9),
                sanitize(&r.file)
            )));
        }
    } else {
        title = "Image details";
        let e = &a.exact;
        let field = fitted_field(width);
        lines = vec![
            field("Total", size(e.total_bytes), theme),
            field("Visible", size(e.visible_bytes), theme),
            field(
                "Wasted",
                format!(
                    "{} in {}",
                    size(e.wasted_bytes),
                    count(e.wasted.len() as u64, "entry", "entries")
                ),
                theme,
            ),
            field("Efficiency", percent(e.efficiency), theme),
            field(
                "User wasted",
                format!(
                    "{} (base: {})",
                    percent(e.user_wasted_percent),
                    count(e.base_layers as u64, "layer", "layers")
                ),
                theme,
            ),
        ];
        if !e.wasted.is_empty() {
            lines.push(Line::styled(
                format!("{:>9}  Path (reason)", "Wasted"),
                theme.label(),
            ));
        }
        for w in e.wasted.iter().take(inner(area).height as usize) {
            let path = sanitize(&crate::layer::path::display(&w.path));
            let text = fit(
                &format!("{}  {path} ({})", right(&size(w.bytes), 9), w.reason.name()),
                width,
            );
            lines.push(Line::from(Span::styled(text, theme.waste())));
        }
    }
    lines.truncate(inner(area).height as usize);
    f.render_widget(
        Paragraph::new(lines).block(block(title, false, theme)),
        area,
    );
}
