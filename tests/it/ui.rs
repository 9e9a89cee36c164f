//! The interactive UI, headless: the app driven by key and mouse events,
//! drawn on ratatui's `TestBackend`, whole screens compared with insta
//! snapshots; content re-reading and extraction; and a smoke test of the
//! real binary in tmux.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use peel::content::Origin;
use peel::image::BlobLocation;
use peel::layer::LayerIdx;
use peel::pipeline::Outcome;
use peel::progress::ProgressSnapshot;
use peel::source::{self, OpenOptions};
use peel::tree_list::Compare;
use peel::ui::app::{App, Focus, Modal, RightView};
use peel::ui::components::viewer::ViewerBody;
use peel::ui::event::Event;
use peel::ui::keymap::Config;
use peel::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::fixture::{Image, Layer};

mod bugs;
mod compare;
mod copy;
mod extract;
mod load_errors;
mod sizes;
mod summaries;

const W: u16 = 120;
const H: u16 = 36;

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar")
}

fn load(path: &Path) -> (Outcome, Origin) {
    let reference = path.display().to_string();
    let parsed = source::parse(&reference, None).unwrap();
    let image = source::open(&parsed, &reference, &OpenOptions::default()).unwrap();
    (Outcome::of(image, None), Origin::of(&parsed))
}

fn app_with(analysis: Outcome, origin: Origin) -> App {
    let mut app = App::new("demo.tar", Config::default(), Theme::plain(), origin);
    app.update(Event::Resize(W, H));
    app.update(Event::Loaded(Box::new(Ok(analysis))));
    app
}

fn demo() -> App {
    let (a, o) = load(&demo_path());
    app_with(a, o)
}

fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.update(Event::Key(KeyEvent::new(code, mods)));
    peel::ui::run_pending(app);
}

fn key(app: &mut App, code: KeyCode) {
    press(app, code, KeyModifiers::NONE);
}

fn ctrl(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| peel::ui::render(f, app)).unwrap();
    t
}

fn screen(app: &App) -> String {
    let t = draw(app);
    if app.size.0 == 0 {
        // TestBackend cannot print a zero-width buffer; drawing it is the test.
        return String::new();
    }
    t.backend().to_string()
}

/// The buffer's text, line by line, trailing spaces trimmed.
fn text_lines(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            let line: String = (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect()
}

fn selected_path(app: &App) -> String {
    let l = app.loaded().unwrap();
    l.analysis
        .tree
        .display_path(l.tree.selected_node().expect("a selection"))
}

#[test]
fn first_frame_is_a_progress_bar() {
    let mut app = App::new(
        "demo.tar",
        Config::default(),
        Theme::plain(),
        Origin::Unavailable("test".into()),
    );
    app.update(Event::Resize(80, 20));
    app.update(Event::Progress(ProgressSnapshot {
        bytes_read: 1_500_000,
        bytes_total: Some(4_000_000),
        layers_read: 5,
        layers_total: Some(13),
    }));
    insta::assert_snapshot!("loading", screen(&app));
    // q while loading asks to cancel.
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn layer_changes_of_the_first_layers() {
    let mut app = demo();
    insta::assert_snapshot!("layer0", screen(&app));
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(app.loaded().unwrap().layer().index(), 5);
    insta::assert_snapshot!("layer5_changes", screen(&app));
}

#[test]
fn aggregated_mode_and_back() {
    let mut app = demo();
    for _ in 0..11 {
        key(&mut app, KeyCode::Char('j'));
    }
    ctrl(&mut app, 'a'); // in the layers pane: compare all
    assert_eq!(app.loaded().unwrap().tree.compare(), Compare::Aggregated);
    key(&mut app, KeyCode::Tab);
    // Collapse everything but /app to keep the snapshot short.
    press(&mut app, KeyCode::Char(' '), KeyModifiers::CONTROL);
    insta::assert_snapshot!("layer11_aggregated_collapsed", screen(&app));
    ctrl(&mut app, 'l');
    assert_eq!(app.loaded().unwrap().tree.compare(), Compare::Dive);
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(app.loaded().unwrap().tree.compare(), Compare::Layer);
}

#[test]
fn ctrl_a_in_the_tree_hides_added_entries() {
    let mut app = demo();
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Right);
    ctrl(&mut app, 'a');
    let l = app.loaded().unwrap();
    assert_eq!(l.tree.compare(), Compare::Dive);
    assert!(!l.tree.is_shown(peel::tree_list::Mark::Added));
    assert!(l.tree.rows().is_empty(), "layer 0 only adds");
}

#[test]
fn attributes_off_sort_by_size_and_hidden_classes() {
    let mut app = demo();
    for _ in 0..8 {
        key(&mut app, KeyCode::Down);
    }
    ctrl(&mut app, 'a');
    key(&mut app, KeyCode::Tab);
    ctrl(&mut app, 'b');
    ctrl(&mut app, 'o');
    ctrl(&mut app, 'u');
    insta::assert_snapshot!("layer8_aggregated_changed_only_by_size", screen(&app));
}

#[test]
fn waste_view_jumps_to_the_entry() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('w'));
    insta::assert_snapshot!("waste", screen(&app));
    // The /var/cache/apk group, /opt/peel/blob.bin, then /tmp/build.log,
    // added by layer 4.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, RightView::Tree);
    assert_eq!(app.loaded().unwrap().layer().index(), 4);
    assert_eq!(selected_path(&app), "/tmp/build.log");
    // Sorting cycles and keeps the selection in range.
    key(&mut app, KeyCode::Char('w'));
    ctrl(&mut app, 'o');
    assert_eq!(app.loaded().unwrap().waste.list.selected(), 0);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, RightView::Tree);
}

/// An app on an image built from bytes (the viewer cannot re-read it).
fn fixture_app(image: &Image) -> App {
    let a = crate::fixture::analyze(&image.docker_archive());
    app_with(a, Origin::Unavailable("built in the test".into()))
}

/// A user and a healthcheck: no configuration findings.
fn well_configured() -> Image {
    Image::new()
        .run_config("User", serde_json::json!("app"))
        .run_config(
            "Healthcheck",
            serde_json::json!({ "Test": ["CMD", "true"] }),
        )
}

fn click(app: &mut App, x: u16, y: u16, kind: MouseEventKind) {
    app.update(Event::Mouse(MouseEvent {
        kind,
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn findings_view_lists_and_explains() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.view, RightView::Findings);
    assert_eq!(app.focus, Focus::Right);
    insta::assert_snapshot!("findings", screen(&app));
    // The package cache: six paths, its advice wrapped, its command.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let l = app.loaded().unwrap();
    assert_eq!(
        l.analysis.findings[l.findings.list.selected()].kind,
        peel::findings::Kind::PackageCache
    );
    insta::assert_snapshot!("findings_package_cache", screen(&app));
    // The status line names the keys of the view.
    app.message = None;
    let s = screen(&app);
    let status = s.lines().last().unwrap();
    assert!(
        status.contains("enter show in tree  f back to tree  w waste"),
        "{status}"
    );
}

#[test]
fn findings_keys_move_toggle_and_jump_to_the_tree() {
    let mut app = demo();
    let n = app.loaded().unwrap().analysis.findings.len();
    assert_eq!(n, 8);
    let sel = |app: &App| app.loaded().unwrap().findings.list.selected();
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::End);
    assert_eq!(sel(&app), n - 1);
    key(&mut app, KeyCode::Down);
    assert_eq!(sel(&app), n - 1, "stays on the last");
    key(&mut app, KeyCode::Home);
    assert_eq!(sel(&app), 0);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(sel(&app), 0);
    key(&mut app, KeyCode::PageDown);
    assert!(sel(&app) > 1, "a page moves more than a row");
    key(&mut app, KeyCode::PageUp);
    assert_eq!(sel(&app), 0);

    // Enter on the first secret: layer 6, the key selected in the tree.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, RightView::Tree);
    assert_eq!(app.focus, Focus::Right);
    assert_eq!(app.loaded().unwrap().layer().index(), 6);
    assert_eq!(app.loaded().unwrap().tree.layer().index(), 6);
    assert_eq!(selected_path(&app), "/root/.ssh/id_rsa");
    let (msg, bad) = app.message.clone().unwrap();
    assert!(!bad && msg.contains("layer 6: /root/.ssh/id_rsa"), "{msg}");

    // The view keeps its selection; the package cache is in layer 3.
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(sel(&app), 0);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.loaded().unwrap().layer().index(), 3);
    assert_eq!(selected_path(&app), "/var/cache/apk/binutils.apk");

    // Even where the tree was filtered and in all-changes mode.
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "nothing-matches-this");
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 'a'); // in the tree: hide added entries
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Down); // the copy-up: layers 5 → 8
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.loaded().unwrap().layer().index(), 5);
    assert_eq!(selected_path(&app), "/opt/peel/blob.bin");

    // A finding about the configuration has nowhere to go: a message.
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, RightView::Findings);
    let (msg, _) = app.message.clone().unwrap();
    assert!(
        msg.contains("no-healthcheck") && msg.contains("configuration"),
        "{msg}"
    );
    assert_eq!(app.loaded().unwrap().layer().index(), 5);

    // w and f switch between the lists, the same key again goes back, and
    // esc closes the list; ctrl+o says how findings are ordered.
    key(&mut app, KeyCode::Char('w'));
    assert_eq!(app.view, RightView::Waste);
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.view, RightView::Findings);
    ctrl(&mut app, 'o');
    assert!(app.message.clone().unwrap().0.contains("severity"));
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.view, RightView::Tree);
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view, RightView::Tree);
    // From the layers pane too: the view opens focused.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Layers);
    key(&mut app, KeyCode::Char('f'));
    assert_eq!((app.view, app.focus), (RightView::Findings, Focus::Right));
}

#[test]
fn findings_view_follows_the_mouse() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('f'));
    let areas = app.areas().unwrap();
    let rows = areas.findings_rows;
    assert_eq!(rows.height, 8, "as tall as the findings");
    click(
        &mut app,
        rows.x + 3,
        rows.y + 4,
        MouseEventKind::Down(MouseButton::Left),
    );
    assert_eq!(app.loaded().unwrap().findings.list.selected(), 4);
    // Below the last row, in the details: the selection stays.
    click(
        &mut app,
        rows.x + 3,
        areas.finding_details.y + 2,
        MouseEventKind::Down(MouseButton::Left),
    );
    assert_eq!(app.loaded().unwrap().findings.list.selected(), 4);
    click(&mut app, rows.x + 3, rows.y, MouseEventKind::ScrollDown);
    assert_eq!(app.loaded().unwrap().findings.list.selected(), 7);
    click(&mut app, rows.x + 3, rows.y, MouseEventKind::ScrollUp);
    assert_eq!(app.loaded().unwrap().findings.list.selected(), 4);
    // A click in the layers pane moves the focus, not the finding.
    click(
        &mut app,
        areas.layer_rows.x + 2,
        areas.layer_rows.y + 2,
        MouseEventKind::Down(MouseButton::Left),
    );
    assert_eq!(app.focus, Focus::Layers);
    assert_eq!(app.loaded().unwrap().findings.list.selected(), 4);
}

#[test]
fn an_image_without_findings_says_so() {
    let image = well_configured()
        .layer(Layer::new().sized("bin/sh", 100, b's'))
        .layer(Layer::new().sized("app/server", 4000, b'a'));
    let mut app = fixture_app(&image);
    assert!(app.loaded().unwrap().analysis.findings.is_empty());
    app.update(Event::Resize(90, 18));
    key(&mut app, KeyCode::Char('f'));
    insta::assert_snapshot!("findings_none", screen(&app));
    for k in [
        KeyCode::Down,
        KeyCode::End,
        KeyCode::PageDown,
        KeyCode::Enter,
    ] {
        key(&mut app, k);
    }
    assert_eq!(app.view, RightView::Findings);
    assert_eq!(app.loaded().unwrap().findings.list.selected(), 0);
    assert!(screen(&app).contains("no findings in this image"));
}

/// Thirty files added and deleted later: twenty paths are listed, the count
/// says thirty; on a short screen the details count what they leave out.
#[test]
fn many_paths_are_counted() {
    let mut first = Layer::new().sized("bin/sh", 100, b's');
    let mut second = Layer::new();
    for i in 0..30 {
        first = first.sized(&format!("tmp/build/obj{i:02}.o"), 1000 + i, b'o');
        second = second.whiteout(&format!("tmp/build/obj{i:02}.o"));
    }
    let image = well_configured()
        .layer(Layer::new().sized("etc/os-release", 10, b'r'))
        .layer(first.created_by("/bin/sh -c make"))
        .layer(second.created_by("/bin/sh -c rm -rf /tmp/build/*.o"));
    let mut app = fixture_app(&image);
    let findings = &app.loaded().unwrap().analysis.findings;
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!((findings[0].paths.len(), findings[0].path_count), (20, 30));
    app.update(Event::Resize(100, 40));
    key(&mut app, KeyCode::Char('f'));
    let s = screen(&app);
    assert!(s.contains("/tmp/build/obj19.o"), "{s}");
    assert!(s.contains("… and 10 more"), "{s}");
    app.update(Event::Resize(100, 20));
    insta::assert_snapshot!("findings_many_paths_short", screen(&app));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.loaded().unwrap().layer().index(), 1);
    assert_eq!(selected_path(&app), "/tmp/build/obj00.o");
}

/// Duplicated content: the first path listed came from layer 2, but the
/// finding's first layer is 1; enter goes to layer 1 and the copy it added.
#[test]
fn enter_prefers_a_path_of_the_first_layer() {
    let blob = vec![b'x'; 4096];
    let image = well_configured()
        .layer(Layer::new().file("a/orig.bin", &blob))
        .layer(Layer::new().file("z/copy1.bin", &blob))
        .layer(Layer::new().file("b/copy2.bin", &blob));
    let mut app = fixture_app(&image);
    let l = app.loaded().unwrap();
    let dup = &l.analysis.findings[0];
    assert_eq!(dup.kind, peel::findings::Kind::DuplicateContent);
    assert_eq!(dup.layers, [LayerIdx::from(1), LayerIdx::from(2)]);
    assert_eq!(dup.paths, vec!["/b/copy2.bin", "/z/copy1.bin"]);
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.loaded().unwrap().layer().index(), 1);
    assert_eq!(selected_path(&app), "/z/copy1.bin");
}

#[test]
fn severity_has_a_mark_and_a_colour() {
    // Without colour: no colour at all, the marks in the text.
    let mut app = demo();
    key(&mut app, KeyCode::Char('f'));
    let t = draw(&app);
    let buf = t.backend().buffer();
    assert!(buf.content().iter().all(|c| c.fg == Color::Reset));
    let text = text_lines(buf).join("\n");
    for row in ["!! high", "!  warning", "i  info"] {
        assert!(text.contains(row), "{row}: {text}");
    }
    // With colour: high is red, warnings yellow.
    let (a, o) = load(&demo_path());
    let mut app = App::new("demo.tar", Config::default(), Theme::colored(), o);
    app.update(Event::Resize(W, H));
    app.update(Event::Loaded(Box::new(Ok(a))));
    key(&mut app, KeyCode::Char('f'));
    let t = draw(&app);
    let buf = t.backend().buffer();
    let rows = app.areas().unwrap().findings_rows;
    let fg = |row: u16| buf[(rows.x + 3, rows.y + row)].fg;
    assert_eq!(fg(1), Color::Red, "the second secret (not selected)");
    assert_eq!(fg(2), Color::Yellow);
    assert_eq!(fg(7), Color::LightBlue);
}

#[test]
fn the_findings_key_can_be_rebound() {
    let config = peel::ui::keymap::parse_config("[keybinding]\nfindings-view = \"F\"\n").unwrap();
    let (a, o) = load(&demo_path());
    let mut app = App::new("demo.tar", config, Theme::plain(), o);
    app.update(Event::Resize(W, H));
    app.update(Event::Loaded(Box::new(Ok(a))));
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(app.view, RightView::Tree);
    key(&mut app, KeyCode::Char('F'));
    assert_eq!(app.view, RightView::Findings);
    key(&mut app, KeyCode::Char('?'));
    let s = screen(&app);
    let line = s.lines().find(|l| l.contains("show the findings")).unwrap();
    assert!(line.contains("  F  "), "{line}");
    assert!(!line.contains("  f  "), "{line}");
}

#[test]
fn dive_figures_on_request() {
    let mut app = demo();
    key(&mut app, KeyCode::Char('D'));
    let s = screen(&app);
    assert!(s.contains("dive's figures"), "{s}");
    assert!(s.contains("83.06 %"), "{s}");
}

#[test]
fn filter_substring_regex_and_matches() {
    let mut app = demo();
    ctrl(&mut app, 'a'); // all changes
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "csv");
    insta::assert_snapshot!("filter_csv", screen(&app));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Focus::Right);
    assert_eq!(app.loaded().unwrap().tree.match_count(), 2);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(selected_path(&app), "/app/data/table1.csv");
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(selected_path(&app), "/app/data/table2.csv");
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(selected_path(&app), "/app/data/table1.csv");
    // A regex (the default, as dive), a bad regex (a message, the old
    // filter stays), the same text as a substring (ctrl+r), then esc.
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'u');
    typ(&mut app, "^/(opt|tmp)/");
    assert_eq!(app.loaded().unwrap().tree.match_count(), 3);
    typ(&mut app, "(");
    match &app.modal {
        Modal::Filter { error, regex, .. } => assert!(error.is_some() && *regex),
        other => panic!("{other:?}"),
    }
    ctrl(&mut app, 'r');
    match &app.modal {
        Modal::Filter { error, regex, .. } => assert!(error.is_none() && !*regex),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.loaded().unwrap().tree.match_count(), 0);
    key(&mut app, KeyCode::Esc);
    assert!(app.loaded().unwrap().tree.filter().is_none());
}

#[test]
fn file_viewer_text_binary_and_unreadable() {
    let mut app = demo();
    for _ in 0..5 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "blob.bin");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Enter);
    match &app.modal {
        Modal::Viewer(v) => assert!(matches!(v.body, ViewerBody::Text { .. }), "{:?}", v.body),
        other => panic!("{other:?}"),
    }
    key(&mut app, KeyCode::PageDown);
    insta::assert_snapshot!("viewer_text", screen(&app));
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.modal, Modal::None);
    assert!(!app.quit);

    // busybox in layer 0: a hex dump.
    let mut app = demo();
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "busybox$");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(selected_path(&app), "/bin/busybox");
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("viewer_binary", screen(&app));

    // The same image from "standard input": a message, not a crash.
    let (a, _) = load(&demo_path());
    let mut app = app_with(a, Origin::Unavailable("read from standard input".into()));
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "busybox");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Enter);
    match &app.modal {
        Modal::Viewer(v) => assert!(
            matches!(&v.body, ViewerBody::Error(e) if e.contains("standard input")),
            "{:?}",
            v.body
        ),
        other => panic!("{other:?}"),
    }
    let _ = screen(&app);
}

#[test]
fn help_lists_every_action() {
    let mut app = demo();
    app.update(Event::Resize(120, 60));
    key(&mut app, KeyCode::Char('?'));
    let s = screen(&app);
    insta::assert_snapshot!("help", s);
    for a in peel::ui::keymap::Action::ALL {
        assert!(s.contains(a.help()), "{a:?} missing from help");
    }
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, Modal::None);
}

#[test]
fn any_terminal_size_draws() {
    let mut app = demo();
    for (w, h) in [
        (0, 0),
        (1, 1),
        (10, 3),
        (59, 40),
        (200, 15),
        (60, 16),
        (61, 17),
        (300, 100),
    ] {
        app.update(Event::Resize(w, h));
        for k in [
            KeyCode::Tab,
            KeyCode::Down,
            KeyCode::PageDown,
            KeyCode::Char('w'),
            KeyCode::Char('f'),
            KeyCode::Down,
            KeyCode::Char('?'),
        ] {
            key(&mut app, k);
            let _ = screen(&app);
        }
        key(&mut app, KeyCode::Esc);
    }
    app.update(Event::Resize(40, 10));
    insta::assert_snapshot!("too_small", screen(&app));
}

#[test]
fn marks_have_characters_without_colour() {
    let mut app = demo();
    for _ in 0..9 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char('c'));
    let t = draw(&app);
    let buf = t.backend().buffer();
    assert!(buf.content().iter().all(|c| c.fg == Color::Reset));
    let text = text_lines(buf).join("\n");
    assert!(text.contains("- -rw-r--r--"), "{text}");

    // With colour, a removed entry is red.
    let (a, o) = load(&demo_path());
    let mut app = App::new("demo.tar", Config::default(), Theme::colored(), o);
    app.update(Event::Resize(W, H));
    app.update(Event::Loaded(Box::new(Ok(a))));
    for _ in 0..9 {
        key(&mut app, KeyCode::Down);
    }
    let t = draw(&app);
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg == Color::Red)
    );
}

#[test]
fn status_bar_widget_shows_the_focused_panes_keys() {
    let mut app = demo();
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| {
        let areas = app.areas().unwrap();
        peel::ui::panes::status::draw(f, areas.status, &app);
    })
    .unwrap();
    let lines = text_lines(t.backend().buffer());
    assert!(
        lines[H as usize - 1].starts_with("↓ layer  ctrl+l contents  c changes only"),
        "{lines:?}"
    );
    key(&mut app, KeyCode::Tab);
    let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, W, 1));
    let mut t = Terminal::new(TestBackend::new(W, 1)).unwrap();
    app.size = (W, H);
    t.draw(|f| peel::ui::panes::status::draw(f, f.area(), &app))
        .unwrap();
    buf.merge(t.backend().buffer());
    assert!(
        text_lines(&buf)[0].starts_with("space collapse  enter view"),
        "{:?}",
        text_lines(&buf)
    );
}

#[test]
fn mouse_click_selects_pane_and_row_and_wheel_scrolls() {
    let mut app = demo();
    let areas = app.areas().unwrap();
    click(
        &mut app,
        areas.layer_rows.x + 2,
        areas.layer_rows.y + 3,
        MouseEventKind::Down(MouseButton::Left),
    );
    assert_eq!(app.focus, Focus::Layers);
    assert_eq!(app.loaded().unwrap().layer().index(), 3);
    click(
        &mut app,
        areas.layer_rows.x + 2,
        areas.layer_rows.y,
        MouseEventKind::Down(MouseButton::Left),
    );
    assert_eq!(app.loaded().unwrap().layer().index(), 0);
    click(
        &mut app,
        areas.tree_rows.x + 5,
        areas.tree_rows.y + 4,
        MouseEventKind::Down(MouseButton::Left),
    );
    assert_eq!(app.focus, Focus::Right);
    assert_eq!(app.loaded().unwrap().tree.selection(), 4);
    for _ in 0..10 {
        click(
            &mut app,
            areas.tree_rows.x + 5,
            areas.tree_rows.y + 4,
            MouseEventKind::ScrollDown,
        );
    }
    let l = app.loaded().unwrap();
    assert_eq!(l.tree.top(), 30);
    assert!(l.tree.selection() >= l.tree.top());
}

/// A long pseudo-random key sequence: nothing panics, the tree model stays
/// consistent, and the selection stays in range.
#[test]
fn long_random_key_sequence_keeps_the_state_valid() {
    let mut app = demo();
    let keys: Vec<(KeyCode, KeyModifiers)> = vec![
        (KeyCode::Down, KeyModifiers::NONE),
        (KeyCode::Up, KeyModifiers::NONE),
        (KeyCode::Tab, KeyModifiers::NONE),
        (KeyCode::PageDown, KeyModifiers::NONE),
        (KeyCode::Char('u'), KeyModifiers::NONE),
        (KeyCode::Char(' '), KeyModifiers::NONE),
        (KeyCode::Char(' '), KeyModifiers::CONTROL),
        (KeyCode::Char('a'), KeyModifiers::CONTROL),
        (KeyCode::Char('l'), KeyModifiers::CONTROL),
        (KeyCode::Char('r'), KeyModifiers::CONTROL),
        (KeyCode::Char('u'), KeyModifiers::CONTROL),
        (KeyCode::Char('M'), KeyModifiers::SHIFT),
        (KeyCode::Char('o'), KeyModifiers::CONTROL),
        (KeyCode::Char('b'), KeyModifiers::CONTROL),
        (KeyCode::Char('p'), KeyModifiers::CONTROL),
        (KeyCode::Char('w'), KeyModifiers::NONE),
        (KeyCode::Char('f'), KeyModifiers::NONE),
        (KeyCode::Left, KeyModifiers::NONE),
        (KeyCode::Right, KeyModifiers::NONE),
        (KeyCode::Enter, KeyModifiers::NONE),
        (KeyCode::Esc, KeyModifiers::NONE),
        (KeyCode::Char('n'), KeyModifiers::NONE),
        (KeyCode::Home, KeyModifiers::NONE),
        (KeyCode::End, KeyModifiers::NONE),
        (KeyCode::Char('D'), KeyModifiers::SHIFT),
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for step in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (code, mods) = keys[(seed % keys.len() as u64) as usize];
        press(&mut app, code, mods);
        if matches!(app.modal, Modal::Viewer(_) | Modal::Help { .. }) {
            key(&mut app, KeyCode::Esc);
        }
        assert!(!app.quit);
        let l = app.loaded().unwrap();
        l.tree.check_invariants().unwrap();
        assert!(l.findings.list.selected() < l.analysis.findings.len());
        assert!(l.waste.list.selected() < l.waste.len());
        if step % 50 == 0 {
            let _ = screen(&app);
        }
    }
}

fn hostile_image() -> Image {
    Image::new()
        .layer(
            Layer::new()
                .dir("etc")
                .file("etc/hosts", b"127.0.0.1 localhost\n")
                .dir("srv")
                .file("srv/a.txt", b"old a\n")
                .symlink("srv/escape", "/etc")
                .symlink("srv/up", "../../../../outside")
                .fifo("srv/pipe"),
        )
        .layer(
            Layer::new()
                .file("srv/a.txt", b"new a\n")
                .hardlink("srv/b.txt", "srv/a.txt")
                .dir("srv/sub")
                .file("srv/sub/c.txt", b"c\n"),
        )
}

#[test]
fn extract_writes_links_as_links_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("img.tar");
    std::fs::write(&archive, hostile_image().docker_archive()).unwrap();
    let (a, o) = load(&archive);
    let tree = &a.tree;
    let blobs = a.image.layers.clone();
    let srv = tree.lookup(b"srv").unwrap();
    let dest = dir.path().join("out");
    std::fs::create_dir(&dest).unwrap();

    // At layer 0.
    let x = peel::content::extract(&o, &blobs, tree, srv, 0.into(), &dest, false).unwrap();
    assert_eq!((x.files, x.links, x.skipped), (1, 2, 1));
    assert_eq!(std::fs::read(dest.join("srv/a.txt")).unwrap(), b"old a\n");
    let link = dest.join("srv/escape");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/etc"));
    assert!(!dir.path().join("outside").exists());

    // Again: refused, nothing touched.
    let err = peel::content::extract(&o, &blobs, tree, srv, 1.into(), &dest, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("exists"), "{err}");
    let err = peel::content::extract(&o, &blobs, tree, srv, 1.into(), &dest, true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("directories"), "{err}");
    assert_eq!(std::fs::read(dest.join("srv/a.txt")).unwrap(), b"old a\n");

    // At layer 1, into another directory: the new content, the hardlink's bytes.
    let dest2 = dir.path().join("out2");
    std::fs::create_dir(&dest2).unwrap();
    let x = peel::content::extract(&o, &blobs, tree, srv, 1.into(), &dest2, false).unwrap();
    assert_eq!(x.files, 3);
    assert_eq!(std::fs::read(dest2.join("srv/a.txt")).unwrap(), b"new a\n");
    assert_eq!(std::fs::read(dest2.join("srv/b.txt")).unwrap(), b"new a\n");
    assert_eq!(std::fs::read(dest2.join("srv/sub/c.txt")).unwrap(), b"c\n");

    // A single file; a destination that is not a directory is an error.
    let hosts = tree.lookup(b"etc/hosts").unwrap();
    peel::content::extract(&o, &blobs, tree, hosts, 1.into(), &dest2, false).unwrap();
    assert_eq!(
        std::fs::read(dest2.join("hosts")).unwrap(),
        b"127.0.0.1 localhost\n"
    );
    assert!(
        peel::content::extract(
            &o,
            &blobs,
            tree,
            hosts,
            1.into(),
            &dest2.join("hosts"),
            false
        )
        .is_err()
    );
    // Overwriting (the user said yes) replaces a symlink, never writes through it.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"keep me").unwrap();
    std::fs::remove_file(dest2.join("hosts")).unwrap();
    std::os::unix::fs::symlink(&victim, dest2.join("hosts")).unwrap();
    assert!(peel::content::extract(&o, &blobs, tree, hosts, 1.into(), &dest2, false).is_err());
    peel::content::extract(&o, &blobs, tree, hosts, 1.into(), &dest2, true).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert!(
        std::fs::symlink_metadata(dest2.join("hosts"))
            .unwrap()
            .is_file()
    );
    assert_eq!(
        std::fs::read(dest2.join("hosts")).unwrap(),
        b"127.0.0.1 localhost\n"
    );

    // Through the UI: the prompt, then a message.
    let mut app = app_with(a, o);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('x'));
    assert!(matches!(app.modal, Modal::Extract { .. }));
    ctrl(&mut app, 'u');
    let dest3 = dir.path().join("out3");
    std::fs::create_dir(&dest3).unwrap();
    typ(&mut app, &dest3.display().to_string());
    key(&mut app, KeyCode::Enter);
    let (msg, bad) = app.message.clone().unwrap();
    assert!(!bad && msg.contains("extracted"), "{msg}");
    // Again: the UI asks; no keeps it, yes on a directory is refused.
    for (answer, expect, is_bad) in [('n', "not written", false), ('y', "directories", true)] {
        key(&mut app, KeyCode::Char('x'));
        ctrl(&mut app, 'u');
        typ(&mut app, &dest3.display().to_string());
        key(&mut app, KeyCode::Enter);
        assert!(
            matches!(app.modal, Modal::ConfirmOverwrite { .. }),
            "{:?}",
            app.modal
        );
        let _ = screen(&app);
        key(&mut app, KeyCode::Char(answer));
        let (msg, bad) = app.message.clone().unwrap();
        assert!(bad == is_bad && msg.contains(expect), "{msg}");
    }
}

#[test]
fn viewer_reads_from_an_oci_layout_and_compressed_layers() {
    let dir = tempfile::tempdir().unwrap();
    let image = hostile_image().compressed(crate::fixture::Compress::Gzip);
    image.oci_dir(&dir.path().join("layout"));
    let (a, o) = load(&dir.path().join("layout"));
    assert!(matches!(
        a.image.layers[0].location,
        BlobLocation::LayoutFile { .. }
    ));
    let blobs = a.image.layers.clone();
    let b = a.tree.lookup(b"srv/b.txt").unwrap();
    let c = peel::content::read_file(&o, &blobs, &a.tree, b, 1.into(), 0, 1 << 20).unwrap();
    assert_eq!(c.bytes, b"new a\n");
    let archive = dir.path().join("oci.tar");
    std::fs::write(&archive, image.oci_archive()).unwrap();
    let (a, o) = load(&archive);
    assert!(matches!(
        a.image.layers[0].location,
        BlobLocation::ArchiveMember { .. }
    ));
    let a_txt = a.tree.lookup(b"srv/a.txt").unwrap();
    let blobs = a.image.layers.clone();
    let c = peel::content::read_file(&o, &blobs, &a.tree, a_txt, 0.into(), 0, 1 << 20).unwrap();
    assert_eq!(c.bytes, b"old a\n");
}

/// The binary on the demo with a config file of `text`.
fn run_with_config(text: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, text).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_peel"))
        .env_remove("CI")
        .arg("--config")
        .arg(&cfg)
        .arg(demo_path())
        .output()
        .unwrap()
}

/// Is tmux here? When it is not: false, or a failure under PEEL_REQUIRE_TMUX.
pub(crate) fn tmux_available() -> bool {
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var("PEEL_REQUIRE_TMUX").is_err(),
        "PEEL_REQUIRE_TMUX is set but tmux is not installed"
    );
    eprintln!("skipped: tmux is not installed");
    false
}

/// `image` as a docker-save archive in `dir`, loaded.
fn load_image(image: &Image, dir: &Path) -> (Outcome, Origin) {
    let archive = dir.join("img.tar");
    std::fs::write(&archive, image.docker_archive()).unwrap();
    load(&archive)
}

#[test]
fn a_bad_config_names_the_key() {
    let out = run_with_config("[keybinding]\nquit = \"ctrl+nothing\"\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keybinding.quit") && err.contains("ctrl+nothing"),
        "{err}"
    );
}

/// The real binary in a real terminal (tmux): first frame, keys, quit, exit
/// status, and the terminal given back.
#[test]
fn tmux_smoke_test() {
    // A file that is not an image: the error, after the terminal is given back.
    let garbage = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(garbage.path(), b"not an image").unwrap();
    let cmd = format!(
        "env -u CI -u NO_COLOR {bin} {demo}; echo PEEL-EXIT=$?; \
         env -u CI {bin} {garbage}; echo PEEL-EXIT2=$?; stty -a; sleep 60",
        bin = env!("CARGO_BIN_EXE_peel"),
        demo = demo_path().display(),
        garbage = garbage.path().display(),
    );
    let Some(term) = crate::tmux::Session::start("peel-smoke", (120, 36), &cmd) else {
        return;
    };
    term.wait_for("Contents at layer 0");
    term.send(&["j", "j", "j"]);
    term.wait_for("Contents at layer 3");
    term.send(&["w"]);
    term.wait_for("Wasted: ");
    term.send(&["f"]);
    term.wait_for("Findings: 8");
    term.send(&["?"]);
    term.wait_for("esc, q or ? closes");
    term.send(&["Escape"]);
    // esc and q sent together read as alt+q: wait for the help to close.
    term.wait_until_gone("esc, q or ? closes");
    term.send(&["q"]);
    let s = term.wait_for("PEEL-EXIT=");
    assert!(s.contains("PEEL-EXIT=0"), "{s}");
    assert!(!s.contains("Layers"), "the alternate screen was left: {s}");
    let s = term.wait_for("PEEL-EXIT2=");
    assert!(s.contains("peel: error:"), "{s}");
    assert!(s.contains("PEEL-EXIT2=2"), "{s}");
    // Raw mode is off again: the terminal is back in canonical mode.
    let s = term.wait_for(" icanon");
    assert!(!s.contains("-icanon"), "{s}");
}

#[test]
fn large_files_are_viewed_a_window_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("big.tar");
    let image = Image::new().layer(Layer::new().sized("big.bin", 9 << 20, 0));
    std::fs::write(&archive, image.docker_archive()).unwrap();
    let (a, o) = load(&archive);
    let mut app = app_with(a, o);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let window = |app: &App| match &app.modal {
        Modal::Viewer(v) => v.body.content().map(|c| (c.offset, c.bytes.len(), c.total)),
        other => panic!("{other:?}"),
    };
    assert_eq!(window(&app), Some((0, 8 << 20, 9 << 20)));
    assert!(screen(&app).contains("[ ] previous/next"));
    key(&mut app, KeyCode::Char(']'));
    assert_eq!(window(&app), Some((8 << 20, 1 << 20, 9 << 20)));
    let s = screen(&app);
    assert!(s.contains("00800000"), "{s}");
    key(&mut app, KeyCode::Char(']')); // past the end: stays
    assert_eq!(window(&app), Some((8 << 20, 1 << 20, 9 << 20)));
    key(&mut app, KeyCode::Char('['));
    assert_eq!(window(&app), Some((0, 8 << 20, 9 << 20)));
}
