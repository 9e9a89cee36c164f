//! The largest files in the image: path first, then size and the layer
//! that added it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{block, fit_left, list_head, list_row, right, shown_rows};
use crate::report::size;
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::components::largest::LIMIT;
use crate::ui::layout::inner;
use crate::ui::sanitize;

pub fn draw(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Right;
    let files = &l.largest;
    let title = if files.len() == LIMIT {
        format!("Largest files: the {LIMIT} largest · enter: show in tree")
    } else {
        format!(
            "Largest files: {} · enter: show in tree",
            crate::ui::count(files.len() as u64, "file", "files")
        )
    };
    let width = inner(area).width as usize;
    let path_w = width.saturating_sub(18).max(8);
    let mut lines = list_head(
        format!("{:<path_w$}  {:>9} {:>5}", "Path", "Bytes", "Layer"),
        files.is_empty().then_some("no files"),
        theme,
    );
    for (pos, file) in shown_rows(&files.files, &files.list, inner(area)) {
        let path = fit_left(&sanitize(&l.analysis.tree.display_path(file.node)), path_w);
        let text = format!(
            "{path:<path_w$}  {} {:>5}",
            right(&size(file.bytes), 9),
            file.layer
        );
        lines.push(list_row(text, pos == files.list.selected(), focused, theme));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(title, focused, theme)),
        area,
    );
}
