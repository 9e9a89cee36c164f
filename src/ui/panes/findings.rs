//! The findings: why bytes are wasted and what to change. A list (severity,
//! kind, bytes, layers, command), a rule, and the selected finding's advice,
//! command and paths. Only the rows on screen and the selected finding are
//! formatted: the work per frame follows the findings, never the files.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit, fit_left, right};
use crate::findings::{Finding, Severity};
use crate::image::config::single_line;
use crate::layer::LayerIdx;
use crate::report::size;
use crate::ui::app::{App, Focus, Loaded};
use crate::ui::layout::{Areas, inner};
use crate::ui::sanitize;
use crate::ui::theme::Theme;

/// Width of the labels in front of the details (`Command  `).
const LABEL: usize = 9;

/// Below this width the list folds its severity column into the mark.
const NARROW: usize = 70;

/// Lines the command takes at most in the details.
const COMMAND_LINES: usize = 3;

/// The text mark of a severity: it keeps the meaning under `NO_COLOR`.
pub fn mark(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "!!",
        Severity::Warning => "! ",
        Severity::Info => "i ",
    }
}

/// The layers of a finding as the text report writes them (`3 → 9`);
/// `config` for a finding about the image configuration.
pub fn layers_text(layers: &[LayerIdx]) -> String {
    if layers.is_empty() {
        return "config".into();
    }
    let names: Vec<String> = layers.iter().map(LayerIdx::to_string).collect();
    names.join(" → ")
}

/// A command on one line: its lines and runs of spaces joined by one space.
pub fn one_line(command: &str) -> String {
    sanitize(&single_line(command))
}

/// `text` in lines of at most `width` characters, broken at spaces where
/// it can be; a word longer than a line (a digest) fills the line it starts
/// on and goes on in the next.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let sep = usize::from(len > 0);
            let room = width.saturating_sub(len + sep);
            if word.len() <= room {
                len += sep + word.len();
                line.extend(std::iter::repeat_n(' ', sep).chain(word));
                break;
            }
            if word.len() > width && room > 0 {
                // Too long for any line: fill this one.
                let rest = word.split_off(room);
                line.extend(std::iter::repeat_n(' ', sep).chain(word));
                word = rest;
            }
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
    }
    if len > 0 {
        lines.push(line);
    }
    lines
}

fn title(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "Findings: none".into();
    }
    let mut counts = Vec::new();
    for severity in [Severity::High, Severity::Warning, Severity::Info] {
        let n = findings.iter().filter(|f| f.severity == severity).count();
        if n > 0 {
            counts.push(format!("{n} {}", severity.name()));
        }
    }
    format!(
        "Findings: {} · {} · enter: show in tree",
        findings.len(),
        counts.join(", ")
    )
}

pub fn draw(f: &mut Frame, areas: &Areas, app: &App, l: &Loaded) {
    let theme = app.theme;
    let focused = app.focus == Focus::Right;
    let findings = l.image_findings();
    f.render_widget(block(title(findings), focused, theme), areas.right);
    let body = inner(areas.right);
    let rows = areas.findings_rows;
    if findings.is_empty() {
        let lines = vec![
            Line::styled("  no findings in this image", theme.label()),
            Line::raw(""),
        ];
        f.render_widget(Paragraph::new(lines), rows);
        let hint = "peel looks for files deleted in a later layer, package caches, chmod/chown \
                    copy-ups, rewritten and duplicated content, secrets (by name and by content), \
                    build leftovers, ADD where COPY would do, a root user and a missing HEALTHCHECK.";
        let lines: Vec<Line> = wrap(hint, areas.finding_details.width.saturating_sub(2) as usize)
            .into_iter()
            .map(|s| Line::styled(format!("  {s}"), theme.dim()))
            .collect();
        f.render_widget(Paragraph::new(lines), areas.finding_details);
        return;
    }
    // The layers column is as wide as the widest entry, within reason.
    let layers_w = findings
        .iter()
        .map(|x| layers_text(&x.layers).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(6, 12);
    // Narrow: the severity as its mark only, the kind cut, so that the
    // command keeps room.
    let narrow = (body.width as usize) < NARROW;
    let header = if narrow {
        format!(
            "{:<2} {:<14}  {:>9}  {:<layers_w$}  Command",
            "", "Kind", "Bytes", "Layers"
        )
    } else {
        format!(
            "{:<10}  {:<19}  {:>9}  {:<layers_w$}  Command",
            "Severity", "Kind", "Bytes", "Layers"
        )
    };
    f.render_widget(
        Paragraph::new(Line::styled(header, theme.label())),
        Rect { height: 1, ..body },
    );
    let width = rows.width as usize;
    let lines: Vec<Line> = findings
        .iter()
        .enumerate()
        .skip(l.findings.list.top())
        .take(rows.height as usize)
        .map(|(idx, x)| {
            let selected = (idx == l.findings.list.selected()).then(|| theme.selected(focused));
            row(x, layers_w, width, narrow, selected, theme)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows);
    let rule_y = rows.y + rows.height;
    if rule_y < body.y + body.height {
        let label = format!(
            "─ {} of {} ",
            l.findings.list.selected() + 1,
            findings.len()
        );
        let rule = format!(
            "{label}{}",
            "─".repeat((body.width as usize).saturating_sub(label.chars().count()))
        );
        f.render_widget(
            Paragraph::new(Line::styled(rule, theme.rule())),
            Rect {
                y: rule_y,
                height: 1,
                ..body
            },
        );
    }
    if let Some(x) = findings.get(l.findings.list.selected()) {
        let d = areas.finding_details;
        f.render_widget(
            Paragraph::new(details(x, d.width as usize, d.height as usize, theme)),
            d,
        );
    }
}

/// One finding's row; `selected` is the selection's style when it is.
fn row(
    x: &Finding,
    layers_w: usize,
    width: usize,
    narrow: bool,
    selected: Option<Style>,
    theme: Theme,
) -> Line<'static> {
    let bytes = if x.bytes > 0 {
        size(x.bytes)
    } else {
        String::new()
    };
    let command = match &x.command {
        Some(c) => one_line(c),
        None if x.layers.is_empty() => "(image configuration)".into(),
        None => String::new(),
    };
    let (head, kind) = if narrow {
        (format!("{} ", mark(x.severity)), fit(x.kind.name(), 14))
    } else {
        (
            format!("{} {:<7}  ", mark(x.severity), x.severity.name()),
            format!("{:<19}", x.kind.name()),
        )
    };
    let rest = format!(
        "{kind:<14}  {}  {:<layers_w$}  ",
        right(&bytes, 9),
        fit(&layers_text(&x.layers), layers_w),
    );
    let room = width.saturating_sub(head.chars().count() + rest.chars().count());
    let sel = selected.unwrap_or_default();
    Line::from(vec![
        Span::styled(head, theme.severity(x.severity).patch(sel)),
        Span::styled(rest, sel),
        Span::styled(fit(&command, room), sel),
    ])
}

/// The selected finding: a heading, the advice (wrapped), the command, and
/// as many paths as fit, the rest counted (`… and N more`).
fn details(x: &Finding, width: usize, height: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut heading = format!(
        "{} {} · {}",
        mark(x.severity),
        x.severity.name(),
        x.kind.name()
    );
    if x.bytes > 0 {
        heading.push_str(&format!(" · {}", size(x.bytes)));
    }
    heading.push_str(&match x.layers.as_slice() {
        [] => " · image configuration".to_string(),
        [one] => format!(" · layer {one}"),
        many => format!(" · layers {}", layers_text(many)),
    });
    lines.push(Line::styled(
        fit(&heading, width),
        theme.severity(x.severity).patch(theme.label()),
    ));
    let text_w = width.saturating_sub(LABEL).max(1);
    let labelled = |label: &str, texts: Vec<String>| -> Vec<Line<'static>> {
        texts
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let label = if i == 0 { label } else { "" };
                Line::from(vec![
                    Span::styled(format!("{label:<LABEL$}"), theme.label()),
                    Span::raw(t),
                ])
            })
            .collect()
    };
    lines.extend(labelled("Advice", wrap(&sanitize(&x.advice), text_w)));
    if let Some(c) = &x.command {
        let mut cmd = wrap(&one_line(c), text_w);
        if cmd.len() > COMMAND_LINES {
            cmd.truncate(COMMAND_LINES);
            let last = cmd.pop().unwrap_or_default();
            cmd.push(fit(&format!("{last}…"), text_w));
        }
        lines.extend(labelled("Command", cmd));
    }
    if lines.len() > height {
        // Too little room even for the advice: cut it, and say so.
        lines.truncate(height.max(1));
        if let Some(last) = lines.pop() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            lines.push(Line::raw(fit(&format!("{text}…"), width)));
        }
        return lines;
    }
    lines.extend(labelled("Paths", paths(x, height - lines.len(), text_w)));
    lines
}

/// The paths that fit in `room` lines, and a last line counting the others
/// (the finding's `path_count`, not only the paths it lists).
fn paths(x: &Finding, room: usize, width: usize) -> Vec<String> {
    if room == 0 || x.path_count == 0 {
        return Vec::new();
    }
    let all_fit = x.paths.len() == x.path_count && x.path_count <= room;
    let shown = if all_fit {
        x.paths.len()
    } else {
        x.paths.len().min(room - 1)
    };
    let mut out: Vec<String> = x.paths[..shown]
        .iter()
        .map(|p| fit_left(&sanitize(p), width))
        .collect();
    if shown < x.path_count {
        out.push(format!("… and {} more", x.path_count - shown));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh ij", 3), vec!["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("ab cdefghij k", 5), vec!["ab cd", "efghi", "j k"]);
        assert_eq!(wrap("abcdef", 3), vec!["abc", "def"]);
        assert_eq!(wrap("  spaced   out  ", 20), vec!["spaced out"]);
        assert!(wrap("", 5).is_empty());
    }

    #[test]
    fn fits_keep_the_start_or_the_end() {
        use super::super::{fit, fit_left};
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit_left("/a/b/name", 6), "…/name");
        assert_eq!(fit_left("/a", 6), "/a");
    }

    fn finding(paths: usize, listed: usize) -> Finding {
        Finding {
            kind: crate::findings::Kind::DeletedLater,
            severity: Severity::Warning,
            bytes: 10,
            layers: vec![1.into(), 2.into()],
            paths: (0..listed).map(|i| format!("/p{i}")).collect(),
            path_count: paths,
            command: None,
            advice: "x".into(),
            fix: Default::default(),
        }
    }

    #[test]
    fn paths_count_what_is_not_shown() {
        assert_eq!(paths(&finding(2, 2), 5, 40), vec!["/p0", "/p1"]);
        assert_eq!(paths(&finding(2, 2), 2, 40), vec!["/p0", "/p1"]);
        assert_eq!(paths(&finding(3, 3), 2, 40), vec!["/p0", "… and 2 more"]);
        // Only 20 are listed; the count says how many there were.
        let many = paths(&finding(25, 20), 30, 40);
        assert_eq!(many.len(), 21);
        assert_eq!(many[20], "… and 5 more");
        assert_eq!(paths(&finding(25, 20), 1, 40), vec!["… and 25 more"]);
        assert!(paths(&finding(25, 20), 0, 40).is_empty());
    }
}
