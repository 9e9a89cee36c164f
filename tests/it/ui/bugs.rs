//! The bugs issue 11 lists, one test each, on the headless app.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use peel::source::{self, OpenOptions};
use peel::tree_list::Mark;
use peel::ui::app::{App, Modal};
use peel::ui::event::Event;

use super::{app_with, ctrl, demo, demo_path, key, load, screen};
use crate::fixture::{Image, Layer};

fn app_of(image: Image) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (a, o) = super::load_image(&image, dir.path());
    (app_with(a, o), dir)
}

/// The screen's lines, trailing blanks cut.
fn lines(app: &App) -> Vec<String> {
    super::text_lines(super::draw(app).backend().buffer())
}

fn numbered(n: usize) -> Vec<u8> {
    (1..=n)
        .map(|i| format!("line {i}\n"))
        .collect::<String>()
        .into_bytes()
}

#[test]
fn viewer_end_shows_a_whole_last_screen_of_text_and_hex() {
    let image = Image::new().layer(
        Layer::new()
            .file("a.txt", &numbered(100))
            .file("b.bin", &[0u8; 1600]),
    );
    let (mut app, _dir) = app_of(image);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('G'));
    let shown = lines(&app);
    // 36 rows: the status line, two borders and the info line leave 32.
    assert!(
        shown.iter().any(|l| l.contains("  69 │ line 69")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|l| l.contains(" 100 │ line 100")),
        "{shown:#?}"
    );
    key(&mut app, KeyCode::Down);
    assert!(lines(&app).iter().any(|l| l.contains("  69 │ line 69")));
    key(&mut app, KeyCode::Char('q'));

    // Hex: 100 rows of 16 bytes, the last screen from row 68.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::End);
    let shown = lines(&app);
    assert!(shown.iter().any(|l| l.contains("00000440 ")), "{shown:#?}");
    assert!(shown.iter().any(|l| l.contains("00000630 ")), "{shown:#?}");
}

#[test]
fn window_keys_pressed_while_loading_are_queued() {
    let image = Image::new().layer(Layer::new().sized("big.bin", 17 << 20, 0));
    let (mut app, _dir) = app_of(image);
    key(&mut app, KeyCode::Tab);
    // Enter, then ] ] [ ] before the first window arrives: one pending
    // request, the newest (]) wins.
    let k = |app: &mut App, c| app.update(Event::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    k(&mut app, KeyCode::Enter);
    for c in "]][]".chars() {
        k(&mut app, KeyCode::Char(c));
    }
    peel::ui::run_pending(&mut app);
    peel::ui::run_pending(&mut app);
    match &app.modal {
        Modal::Viewer(v) => {
            let c = v.body.content().expect("read");
            assert_eq!(c.offset, 8 << 20);
            assert_eq!(v.pending, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tabs_go_to_the_next_tab_stop() {
    let image = Image::new().layer(Layer::new().file("t.txt", b"a\tb\nabcdefghi\tj\n\tx\n"));
    let (mut app, _dir) = app_of(image);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let shown = lines(&app).join("\n");
    assert!(shown.contains("│ a       b"), "{shown}");
    assert!(shown.contains("│ abcdefghi       j"), "{shown}");
    assert!(shown.contains("│         x"), "{shown}");
}

#[test]
fn help_stops_at_its_end_and_says_there_is_more() {
    let mut app = demo();
    app.update(Event::Resize(80, 24));
    key(&mut app, KeyCode::Char('?'));
    let first = lines(&app);
    assert!(
        first.iter().any(|l| l.contains("esc, q or ? closes")),
        "{first:#?}"
    );
    assert!(first.iter().any(|l| l.contains("↓ more")), "{first:#?}");
    key(&mut app, KeyCode::Char('G'));
    let last = lines(&app);
    assert!(last.iter().any(|l| l.contains("↑ more")), "{last:#?}");
    for _ in 0..50 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(lines(&app), last, "scrolled past the end");
    key(&mut app, KeyCode::Up);
    assert_ne!(
        lines(&app),
        last,
        "up moves at once after running into the end"
    );
    // Keys that are not the help's neither close it nor leak to the panes.
    key(&mut app, KeyCode::Char('x'));
    assert!(matches!(app.modal, Modal::Help { .. }));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, Modal::None);
}

#[test]
fn the_viewer_footer_shows_the_viewers_keys() {
    let image = Image::new().layer(Layer::new().file("a.txt", b"hello\n"));
    let (mut app, _dir) = app_of(image);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let footer = lines(&app).last().unwrap().clone();
    assert!(
        footer.contains("close") && footer.contains("scroll"),
        "{footer}"
    );
    assert!(
        !footer.contains("extract") && !footer.contains("collapse"),
        "{footer}"
    );
}

#[test]
fn ctrl_c_quits_whatever_the_config_binds() {
    let config = peel::ui::keymap::parse_config("[keybinding]\nquit = \"Q\"\n").unwrap();
    let (a, o) = load(&demo_path());
    let mut app = App::new("demo.tar", config, peel::ui::theme::Theme::plain(), o);
    app.update(Event::Resize(120, 36));
    app.update(Event::Loaded(Box::new(Ok(a))));
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    ctrl(&mut app, 'c');
    assert!(app.quit);
}

#[test]
fn a_key_for_two_actions_is_refused_naming_both() {
    let out = super::run_with_config("[keybinding]\nquit = \"w\"\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'w'") && err.contains("quit") && err.contains("waste-view"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn loading_counts_layers_not_archive_members() {
    let reference = demo_path().display().to_string();
    let parsed = source::parse(&reference, None).unwrap();
    let progress = peel::progress::Progress::new();
    let options = OpenOptions {
        progress: progress.clone(),
        ..OpenOptions::default()
    };
    let image = source::open(&parsed, &reference, &options).unwrap();
    assert_eq!(
        progress.snapshot().layers_read,
        image.layers.len() as u64,
        "the demo is a docker save with VERSION and json beside each layer"
    );
}

/// The details' "~N modified" counts what the tree marks `~` (directories
/// holding a change included), and counts read "1 match", not "1 matches".
#[test]
fn details_count_what_the_tree_marks_and_say_one_thing() {
    let mut app = demo();
    ctrl(&mut app, 'l');
    for layer in 0..13 {
        let l = app.loaded().unwrap();
        let marked = |m: Mark| {
            l.tree
                .rows()
                .iter()
                .filter(|r| l.tree.view(r.node).mark == Some(m))
                .count() as u64
        };
        let counts = l.layers.selected_counts();
        assert_eq!(
            (counts.added, counts.modified, counts.removed),
            (
                marked(Mark::Added),
                marked(Mark::Modified),
                marked(Mark::Removed)
            ),
            "layer {layer}"
        );
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Char('/'));
    super::typ(&mut app, "^/bin/busybox$");
    key(&mut app, KeyCode::Enter);
    app.update(Event::Resize(200, 40));
    let s = screen(&app);
    assert!(s.contains("(1 match)"), "{s}");
}

/// `TERM=linux` and other 8-colour terminals: only the eight basic colours
/// (SGR 30–37) and light box lines, also on the focused pane.
#[test]
fn an_eight_colour_terminal_gets_basic_colours_and_light_lines() {
    use peel::ui::theme::{Theme, is_basic_term};
    use ratatui::style::Color;
    assert!(is_basic_term("linux") && is_basic_term("xterm-8color"));
    assert!(!is_basic_term("xterm-256color") && !is_basic_term("tmux-256color"));
    let (a, o) = load(&demo_path());
    let theme = Theme {
        color: true,
        basic: true,
    };
    let mut app = App::new("demo.tar", peel::ui::keymap::Config::default(), theme, o);
    app.update(Event::Resize(120, 36));
    app.update(Event::Loaded(Box::new(Ok(a))));
    for _ in 0..9 {
        key(&mut app, KeyCode::Down);
    }
    for view in ['f', 'w', 'w'] {
        let t = super::draw(&app);
        let buf = t.backend().buffer();
        let basic = [
            Color::Reset,
            Color::Black,
            Color::Red,
            Color::Green,
            Color::Yellow,
            Color::Blue,
            Color::Magenta,
            Color::Cyan,
            Color::Gray,
        ];
        for cell in buf.content() {
            assert!(basic.contains(&cell.fg), "{:?} in {view}", cell.fg);
            assert!(basic.contains(&cell.bg), "{:?} in {view}", cell.bg);
            assert!(!"┏┓┗┛━┃".contains(cell.symbol()), "a heavy line in {view}");
        }
        assert!(buf.content().iter().any(|c| c.fg == Color::Red));
        key(&mut app, KeyCode::Char(view));
    }
}
