//! The file tree of the selected layer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit};
use crate::layer::LayerIdx;
use crate::layer::{EntryKind, Meta};
use crate::report::size;
use crate::tree::State;
use crate::tree_list::{Compare, Filter, Mark, Row, SortBy, TreeList};
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::layout::inner;
use crate::ui::sanitize;
use crate::ui::theme::Theme;

/// `drwxr-xr-x` from a mode and a kind, as `ls -l` writes it: setuid and
/// setgid show as `s` in the owner's and group's execute place (`S` when
/// that execute bit is off), sticky as `t` in the others' (`T`).
pub fn mode_string(kind: EntryKind, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(kind.letter());
    for (shift, special, on, off) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(match (mode & special != 0, bits & 1 != 0) {
            (true, true) => on,
            (true, false) => off,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// Below this many columns the attributes column folds away (it would
/// leave the names a dozen characters).
pub const ATTRIBUTES_MIN_WIDTH: usize = 70;

/// Is the attributes column shown in a tree `width` columns wide?
fn shows_attributes(app: &App, width: usize) -> bool {
    app.show_attributes && width >= ATTRIBUTES_MIN_WIDTH
}

fn title(l: &Loaded) -> String {
    let t = &l.tree;
    let mut s = match (t.compare(), &l.compare) {
        (_, Some(c)) if t.overlay().is_some() => format!(
            "Compared with {} · {}",
            sanitize(&c.old_reference),
            crate::report::diff::signed_size(c.delta_bytes)
        ),
        (compare, _) => layer_title(t, compare),
    };
    hidden_and_sort(t, &mut s);
    s
}

fn layer_title(t: &TreeList, compare: Compare) -> String {
    match compare {
        Compare::Dive => format!("Contents at layer {} · its changes marked", t.layer()),
        Compare::Layer => format!("Layer {} changes", t.layer()),
        Compare::Aggregated => format!("Contents at layer {} · all changes marked", t.layer()),
    }
}

fn hidden_and_sort(t: &TreeList, s: &mut String) {
    let hidden: Vec<&str> = Mark::ALL
        .iter()
        .filter(|m| !t.is_shown(**m))
        .map(|m| m.name())
        .collect();
    if !hidden.is_empty() {
        s.push_str(&format!(" · hiding {}", hidden.join(", ")));
    }
    match t.sort() {
        SortBy::Size => s.push_str(" · by size"),
        SortBy::Delta => s.push_str(" · by change"),
        SortBy::Name => {}
    }
    if let Some(f) = t.filter() {
        s.push_str(&format!(
            " · filter {}{} ({})",
            if matches!(f, Filter::Regex(_)) {
                "re:"
            } else {
                ""
            },
            sanitize(f.text()),
            crate::ui::count(t.match_count() as u64, "match", "matches")
        ));
    }
}

/// The state to describe in the attributes: the present one, or for a
/// removed path the one it had.
fn meta_of<'a>(tree: &'a crate::tree::Tree, row: &Row, list: &TreeList) -> Option<&'a Meta> {
    let node = tree.node(row.node);
    // Compare mode shows NEW's final filesystem.
    let layer = if list.overlay().is_some() {
        LayerIdx::from(u32::MAX)
    } else {
        list.layer()
    };
    match node.at(layer).map(|v| &v.state) {
        Some(State::Present { meta, .. }) => Some(meta),
        _ => node.versions.iter().rev().find_map(|v| match &v.state {
            State::Present { meta, .. } if v.layer <= layer => Some(meta),
            _ => None,
        }),
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Right;
    let list = &l.tree;
    let tree = &l.analysis.tree;
    let body = inner(area);
    let width = body.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let attrs = shows_attributes(app, width);
    let mut header = if attrs {
        format!("  {:<10} {:>9} {:>9}", "Mode", "UID:GID", "Size")
    } else {
        format!("  {:>9}", "Size")
    };
    if list.overlay().is_some() {
        header.push_str(&format!(" {:>10}", "vs OLD"));
    }
    header.push_str("  Name");
    lines.push(Line::styled(header, theme.label()));
    let height = body.height.saturating_sub(1) as usize;
    let count = list.row_count();
    if count == 0 {
        lines.push(Line::styled(
            if list.filter().is_some() {
                "  (nothing matches the filter)"
            } else {
                "  (no changes to show)"
            },
            theme.dim(),
        ));
    }
    // Only the rows on screen are read (from the top one on); each may
    // take several lines when wrapping.
    let mut row_lines: Vec<(usize, Vec<Line>)> = Vec::new();
    let mut used = 0;
    let mut start = list.top();
    if app.wrap && count > 0 {
        // Make sure the selection fits when rows take several lines.
        let last = list.selection().min(count - 1);
        let heights: Vec<usize> = list
            .rows_from(start)
            .take(last + 1 - start.min(last + 1))
            .enumerate()
            .map(|(i, r)| row(app, l, &r, start + i, focused, width, theme).len())
            .collect();
        let mut h: usize = heights.iter().sum();
        for first in &heights {
            if h <= height || start >= list.selection() {
                break;
            }
            h -= first;
            start += 1;
        }
    }
    for (i, r) in list.rows_from(start).enumerate() {
        if used >= height {
            break;
        }
        let r = row(app, l, &r, start + i, focused, width, theme);
        used += r.len();
        row_lines.push((start + i, r));
    }
    let _ = tree;
    for (_, r) in row_lines {
        lines.extend(r);
    }
    lines.truncate(height + 1);
    f.render_widget(
        Paragraph::new(lines).block(block(title(l), focused, theme)),
        area,
    );
}

fn row(
    app: &App,
    l: &Loaded,
    r: &Row,
    idx: usize,
    focused: bool,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let list = &l.tree;
    let tree = &l.analysis.tree;
    let v = list.view(r.node);
    let mark = v.mark.unwrap_or(Mark::Unmodified);
    let selected = idx == list.selection();
    let base = if selected {
        theme.mark(mark).patch(theme.selected(focused))
    } else {
        theme.mark(mark)
    };
    let meta = meta_of(tree, r, list);
    let mut prefix = String::new();
    prefix.push(mark.symbol());
    prefix.push(' ');
    if shows_attributes(app, width) {
        let (m, owner) = match meta {
            Some(m) => (mode_string(m.kind, m.mode), format!("{}:{}", m.uid, m.gid)),
            None => ("d?????????".into(), String::new()),
        };
        prefix.push_str(&format!("{m:<10} {owner:>9} "));
    }
    prefix.push_str(&format!("{:>9}", size(v.size)));
    if let Some(o) = list.overlay() {
        let d = o.delta(r.node);
        let text = if d == 0 {
            String::new()
        } else {
            crate::report::diff::signed_size(d)
        };
        prefix.push_str(&format!(" {text:>10}"));
    }
    prefix.push_str("  ");
    for d in 0..r.depth {
        let more = d < 64 && r.guides & (1 << d) != 0;
        prefix.push_str(if more { "│   " } else { "    " });
    }
    prefix.push_str(if r.last { "└── " } else { "├── " });
    let mut name = sanitize(&crate::layer::path::escape(&tree.node(r.node).name));
    if v.is_dir {
        if list.is_collapsed(r.node) && v.has_children {
            name.push_str("/ …");
        } else {
            name.push('/');
        }
    }
    let mut suffix = String::new();
    if let Some(m) = meta
        && let Some(link) = &m.link
    {
        let arrow = if m.kind == EntryKind::Hardlink {
            " ⇒ /"
        } else {
            " → "
        };
        suffix = format!("{arrow}{}", sanitize(&crate::layer::path::escape(link)));
    }
    if !app.wrap {
        // One line: what does not fit is cut, with an ellipsis.
        let room = width.saturating_sub(prefix.chars().count());
        let n = name.chars().count();
        if n > room {
            name = fit(&name, room);
            suffix.clear();
        } else {
            suffix = fit(&suffix, room - n);
        }
    }
    let highlight = list.filter().filter(|_| v.matched);
    let mut spans = vec![Span::styled(prefix.clone(), base)];
    push_name(&mut spans, &name, highlight, base, theme);
    spans.push(Span::styled(suffix.clone(), base.patch(theme.dim())));
    if !app.wrap {
        return vec![Line::from(spans)];
    }
    // Wrap: the name continues under itself.
    let indent = prefix.chars().count();
    let budget = width.saturating_sub(indent).max(8);
    let full: Vec<char> = format!("{name}{suffix}").chars().collect();
    if full.len() <= budget {
        return vec![Line::from(spans)];
    }
    let mut out = Vec::new();
    for (i, chunk) in full.chunks(budget).enumerate() {
        let text: String = chunk.iter().collect();
        let lead = if i == 0 {
            prefix.clone()
        } else {
            " ".repeat(indent)
        };
        out.push(Line::from(vec![
            Span::styled(lead, base),
            Span::styled(text, base),
        ]));
    }
    out
}

fn push_name(
    spans: &mut Vec<Span<'static>>,
    name: &str,
    filter: Option<&Filter>,
    base: Style,
    theme: Theme,
) {
    let Some(filter) = filter else {
        spans.push(Span::styled(name.to_string(), base));
        return;
    };
    let ranges = filter.ranges(name);
    if ranges.is_empty() {
        // The match is elsewhere in the path: mark the whole name.
        spans.push(Span::styled(name.to_string(), base.patch(theme.matched())));
        return;
    }
    let mut at = 0;
    for (s, e) in ranges {
        if s < at || !name.is_char_boundary(s) || !name.is_char_boundary(e) {
            continue;
        }
        spans.push(Span::styled(name[at..s].to_string(), base));
        spans.push(Span::styled(
            name[s..e].to_string(),
            base.patch(theme.matched()),
        ));
        at = e;
    }
    spans.push(Span::styled(name[at..].to_string(), base));
}

#[cfg(test)]
mod tests {
    use super::mode_string;
    use crate::layer::EntryKind;

    /// Each case as `ls -l` prints it (GNU coreutils and busybox agree).
    #[test]
    fn special_bits_as_ls_shows_them() {
        for (kind, mode, want) in [
            (EntryKind::File, 0o4755, "-rwsr-xr-x"),
            (EntryKind::File, 0o4644, "-rwSr--r--"),
            (EntryKind::File, 0o2755, "-rwxr-sr-x"),
            (EntryKind::File, 0o2745, "-rwxr-Sr-x"),
            (EntryKind::Dir, 0o1777, "drwxrwxrwt"),
            (EntryKind::Dir, 0o1776, "drwxrwxrwT"),
            (EntryKind::File, 0o7000, "---S--S--T"),
            (EntryKind::File, 0o7777, "-rwsrwsrwt"),
            (EntryKind::File, 0o644, "-rw-r--r--"),
        ] {
            assert_eq!(mode_string(kind, mode), want, "{mode:o}");
        }
    }
}
