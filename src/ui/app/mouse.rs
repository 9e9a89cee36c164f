//! The mouse: a click focuses a pane and selects the row under it (a
//! waste group's row also expands or collapses); the wheel moves the list
//! under the pointer.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{App, Focus, Modal, Phase, RightView};
use crate::ui::components::Move;
use crate::ui::components::waste::WasteRow;

impl App {
    /// A click or the wheel: focus and select what is under the pointer.
    pub(super) fn mouse(&mut self, m: MouseEvent) {
        if !matches!(self.modal, Modal::None) || self.loaded().is_none() {
            let height = crate::ui::components::viewer::body_height(self.size.1);
            if let Modal::Viewer(v) = &mut self.modal {
                match m.kind {
                    MouseEventKind::ScrollDown => v.scroll(3, height),
                    MouseEventKind::ScrollUp => v.scroll(-3, height),
                    _ => {}
                }
            }
            return;
        }
        let Some(areas) = self.areas() else { return };
        let pos = Position::new(m.column, m.row);
        let right_rows = match self.view {
            RightView::Tree => areas.tree_rows,
            RightView::Waste => areas.waste_rows,
            RightView::Findings => areas.findings_rows,
            RightView::Largest => areas.waste_rows,
        };
        let in_layers = areas.layers.contains(pos);
        let in_right = areas.right.contains(pos);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if in_layers {
                    self.focus = Focus::Layers;
                    if areas.layer_rows.contains(pos)
                        && let Phase::Ready(l) = &mut self.phase
                    {
                        let idx = l.layers.list.top() + (m.row - areas.layer_rows.y) as usize;
                        l.select_layer(idx);
                    }
                } else if in_right {
                    self.focus = Focus::Right;
                    if right_rows.contains(pos)
                        && let Phase::Ready(l) = &mut self.phase
                    {
                        let offset = (m.row - right_rows.y) as usize;
                        match self.view {
                            RightView::Waste => {
                                let n = l.waste.len();
                                // A group's row expands or collapses, as space does.
                                if l.waste.list.click(offset, n)
                                    && matches!(l.waste.selected_row(), Some(WasteRow::Group(_)))
                                {
                                    l.waste.toggle_group();
                                }
                            }
                            RightView::Findings => {
                                let n = l.image_findings().len();
                                l.findings.list.click(offset, n);
                            }
                            RightView::Largest => {
                                let n = l.largest.len();
                                l.largest.list.click(offset, n);
                            }
                            RightView::Tree => {
                                let idx = l.tree.top() + offset;
                                if idx < l.tree.row_count() {
                                    l.tree.select_index(idx);
                                }
                            }
                        }
                    }
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta: isize = if m.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                if in_layers {
                    self.focus = Focus::Layers;
                    self.move_selection(Move::By(delta.signum()));
                } else if in_right {
                    self.focus = Focus::Right;
                    if self.view != RightView::Tree {
                        self.move_selection(Move::By(delta));
                    } else if let Phase::Ready(l) = &mut self.phase {
                        l.tree.scroll_by(delta, areas.tree_rows.height as usize);
                    }
                }
            }
            _ => {}
        }
        self.scroll_all();
    }
}
