//! Where each pane goes for a terminal size: shared by drawing and by the
//! mouse and scrolling logic, so a click lands on the row it points at.

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the UI shows a message instead of the panes.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub layers: Rect,
    /// The layer rows inside the layers pane (below its header line).
    pub layer_rows: Rect,
    pub layer_details: Rect,
    pub image_details: Rect,
    pub right: Rect,
    /// Rows of the tree (below the column header).
    pub tree_rows: Rect,
    /// Rows of the waste list (below the column header).
    pub waste_rows: Rect,
    /// Rows of the findings list (below the column header).
    pub findings_rows: Rect,
    /// The selected finding's details, below the list and a rule.
    pub finding_details: Rect,
    /// Where am I: the image and the selected entry's full path.
    pub info: Rect,
    pub status: Rect,
}

/// The inside of a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// Below a one-line header.
pub fn below_header(r: Rect) -> Rect {
    Rect {
        y: r.y.saturating_add(1),
        height: r.height.saturating_sub(1),
        ..r
    }
}

/// The findings pane's inside split in three: the list's rows (below a
/// header line), a rule, and the selected finding's details. The list is as
/// tall as the findings (one row at least, for "no findings") up to two
/// fifths of the pane, so that the details keep room for advice and paths.
pub fn findings_split(body: Rect, findings: usize) -> (Rect, Rect) {
    let below = below_header(body);
    let cap = (below.height as usize * 2 / 5).max(3);
    let rows = findings.clamp(1, cap).min(below.height as usize) as u16;
    let list = Rect {
        height: rows,
        ..below
    };
    // One line for the rule between the list and the details.
    let used = rows.saturating_add(1).min(below.height);
    let details = Rect {
        y: below.y + used,
        height: below.height - used,
        ..below
    };
    (list, details)
}

/// The panes for a terminal of `full` size, the left column taking
/// `pane_width` of the width, the findings pane split for `findings`
/// findings; None when the terminal is too small.
pub fn areas(full: Rect, pane_width: f64, findings: usize) -> Option<Areas> {
    if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
        return None;
    }
    let [main, info, status] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(full);
    let left_w = ((f64::from(main.width) * pane_width).round() as u16).clamp(30, main.width - 28);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_w), Constraint::Fill(1)]).areas(main);
    let [layers, layer_details, image_details] = Layout::vertical([
        Constraint::Percentage(35),
        Constraint::Percentage(33),
        Constraint::Fill(1),
    ])
    .areas(left);
    let rows = below_header(inner(right));
    let (findings_rows, finding_details) = findings_split(inner(right), findings);
    Some(Areas {
        layers,
        layer_rows: below_header(inner(layers)),
        layer_details,
        image_details,
        right,
        tree_rows: rows,
        waste_rows: rows,
        findings_rows,
        finding_details,
        info,
        status,
    })
}
