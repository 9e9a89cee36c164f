//! Every pane and mode at 80 × 24 (designed for first) and at 160 × 45.

use crossterm::event::KeyCode;
use peel::ui::app::App;
use peel::ui::event::Event;

use super::{ctrl, demo, key, screen, typ};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

/// The demo at layer 5, the tree focused, at `size`.
fn at_layer_5(size: (u16, u16)) -> App {
    let mut app = demo();
    app.update(Event::Resize(size.0, size.1));
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Tab);
    app
}

fn snap(name: &str, size: (u16, u16), app: &App) {
    insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen(app));
}

#[test]
fn tree_modes_at_both_sizes() {
    for size in SIZES {
        let mut app = at_layer_5(size);
        snap("dive_view", size, &app);
        key(&mut app, KeyCode::Char('c'));
        snap("changes_only", size, &app);
        ctrl(&mut app, 'l');
        key(&mut app, KeyCode::Tab);
        ctrl(&mut app, 'a');
        key(&mut app, KeyCode::Tab);
        snap("all_changes", size, &app);
    }
}

#[test]
fn lists_and_dialogs_at_both_sizes() {
    for size in SIZES {
        let mut app = at_layer_5(size);
        key(&mut app, KeyCode::Char('w'));
        snap("waste", size, &app);
        key(&mut app, KeyCode::Char('f'));
        snap("findings", size, &app);
        key(&mut app, KeyCode::Char('f'));
        key(&mut app, KeyCode::Char('L'));
        snap("largest", size, &app);
        key(&mut app, KeyCode::Char('H'));
        snap("history", size, &app);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('L'));
        key(&mut app, KeyCode::Char('?'));
        snap("help", size, &app);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('/'));
        typ(&mut app, "table1");
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('n'));
        snap("filter", size, &app);
        key(&mut app, KeyCode::Enter);
        snap("viewer", size, &app);
    }
}
