//! Every wasted entry: path, bytes, reason, the layer that added it and the
//! layer that hid it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{block, fit_left, list_head, list_row, right, shown_rows};
use crate::report::size;
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::components::waste::WasteRow;
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Right;
    let wasted = &l.analysis.exact.wasted;
    let title = format!(
        "Wasted: {} in {} · by {} · enter: show in tree",
        size(l.analysis.exact.wasted_bytes),
        crate::ui::count(wasted.len() as u64, "entry", "entries"),
        l.waste.sort.name()
    );
    // Path first (what the user looks for), then as many of the other
    // columns as the width leaves room for beside a useful path.
    let width = inner(area).width as usize;
    let (reason, layers) = (width >= 70, width >= 100);
    let mut tail_w = 11;
    let mut header_tail = format!("  {:>9}", "Bytes");
    if reason {
        tail_w += 26;
        header_tail.push_str(&format!(" {:<25}", "Reason"));
    }
    if layers {
        tail_w += 13;
        header_tail.push_str(&format!(" {:>5} {:>6}", "Added", "Hidden"));
    }
    let path_w = width.saturating_sub(tail_w).max(8);
    let mut lines = list_head(
        format!("{:<path_w$}{header_tail}", "Path"),
        wasted.is_empty().then_some("nothing is wasted"),
        theme,
    );
    for (pos, row) in shown_rows(&l.waste.rows, &l.waste.list, inner(area)) {
        let (path, bytes, why, added, hidden) = match *row {
            WasteRow::Group(gi) => {
                let g = &l.waste.groups[gi as usize];
                let open = if l.waste.expanded[gi as usize] {
                    '▾'
                } else {
                    '▸'
                };
                let dir = if g.path == "/" {
                    String::from("/")
                } else {
                    format!("{}/", g.path)
                };
                let label = format!(
                    "{open} {} ({})",
                    sanitize(&dir),
                    crate::ui::count(g.entries.len() as u64, "entry", "entries")
                );
                let added = if g.layers.0 == g.layers.1 {
                    g.layers.0.to_string()
                } else {
                    format!("{}–{}", g.layers.0, g.layers.1)
                };
                (
                    label,
                    g.bytes,
                    g.reason.map_or("(several)", |r| r.name()),
                    added,
                    g.hidden_by,
                )
            }
            WasteRow::Entry { entry, group } => {
                let w = &wasted[entry as usize];
                let full = sanitize(&crate::layer::path::display(&w.path));
                let shown = match group {
                    // Inside a group: indented, the group's directory left out.
                    Some(g) => {
                        let dir = &l.waste.groups[g as usize].path;
                        let rel = full.strip_prefix(dir.as_str()).unwrap_or(&full);
                        format!("    {}", rel.trim_start_matches('/'))
                    }
                    None => full,
                };
                (
                    shown,
                    w.bytes,
                    w.reason.name(),
                    w.layer.to_string(),
                    w.hidden_by,
                )
            }
        };
        let path = fit_left(&path, path_w);
        let mut text = format!("{path:<path_w$}  {}", right(&size(bytes), 9));
        if reason {
            text.push_str(&format!(" {why:<25}"));
        }
        if layers {
            text.push_str(&format!(" {added:>5} {hidden:>6}"));
        }
        lines.push(list_row(
            text,
            pos == l.waste.list.selected(),
            focused,
            theme,
        ));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(title, focused, theme)),
        area,
    );
}
