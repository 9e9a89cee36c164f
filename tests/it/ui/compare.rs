//! Compare mode (`peel diff OLD NEW` in a terminal): the tree marked
//! against OLD, the size changes rolled up, sorted by change, the layers
//! OLD shares marked, the key that turns it off and on; and the real
//! binary in tmux.

use crossterm::event::KeyCode;
use peel::diff::{self, Side};
use peel::pipeline::Outcome;
use peel::tree_list::{Mark, SortBy};
use peel::ui::app::App;
use peel::ui::compare::CompareMarks;
use peel::ui::event::Event;

use super::{ctrl, draw, fixture_app, key, screen, text_lines};
use crate::fixture::{self, Image, Layer};

/// The base layer both images share, byte for byte.
fn base() -> Layer {
    Layer::new()
        .dir("base")
        .file("base/keep.txt", b"same")
        .sized("base/grow.txt", 10, b'g')
        .sized("base/gone.txt", 5, b'x')
        .dir("etc")
        .file("etc/conf", b"a")
}

/// OLD: the base, then a directory NEW never has.
fn old_image() -> Image {
    Image::new().layer(base()).layer(
        Layer::new()
            .dir("olddir")
            .sized("olddir/x.bin", 50, b'o')
            .created_by("RUN make old"),
    )
}

/// NEW: the base, then one file grown, one added (in a new directory),
/// one deleted, one of the same size with other content.
fn new_image() -> Image {
    Image::new().layer(base()).layer(
        Layer::new()
            .sized("base/grow.txt", 30, b'g')
            .whiteout("base/gone.txt")
            .dir("new")
            .file("new/added.txt", b"1234567")
            .file("etc/conf", b"b")
            .created_by("RUN make new"),
    )
}

fn outcome(image: &Image) -> Outcome {
    fixture::analyze(&image.docker_archive())
}

/// An app on NEW with OLD's comparison delivered, as the binary's loader
/// does it.
fn compared_app(size: (u16, u16)) -> App {
    let (old, new) = (outcome(&old_image()), outcome(&new_image()));
    let comparison = diff::compare(&Side::of(&old), &Side::of(&new));
    let marks = CompareMarks::new(&new.tree, &comparison, "old.tar");
    let mut app = fixture_app(&new_image());
    app.update(Event::Resize(size.0, size.1));
    app.update(Event::Compared(Box::new(marks)));
    app
}

/// The mark and the change against OLD of `path` in the tree pane.
fn mark_and_delta(app: &App, path: &str) -> (Option<Mark>, i64) {
    let l = app.loaded().unwrap();
    let node = l.analysis.tree.lookup(path.as_bytes()).expect(path);
    let overlay = l.tree.overlay().expect("compare mode on");
    (l.tree.view(node).mark, overlay.delta(node))
}

fn root_names(app: &App) -> Vec<String> {
    let l = app.loaded().unwrap();
    l.tree
        .rows()
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| l.analysis.tree.display_path(r.node))
        .collect()
}

#[test]
fn paths_are_marked_against_old_with_deltas_rolled_up() {
    let app = compared_app((120, 36));
    let l = app.loaded().unwrap();
    assert!(l.comparing());
    for (path, mark, delta) in [
        ("base/keep.txt", Mark::Unmodified, 0),
        ("base/grow.txt", Mark::Modified, 20),
        ("base/gone.txt", Mark::Removed, -5),
        ("base", Mark::Modified, 15),
        ("new/added.txt", Mark::Added, 7),
        ("new", Mark::Added, 7),
        ("etc/conf", Mark::Modified, 0),
        ("etc", Mark::Modified, 0),
    ] {
        assert_eq!(mark_and_delta(&app, path), (Some(mark), delta), "{path}");
    }
    // OLD's olddir/x.bin has no node in NEW: its -50 is the root's.
    let marks = l.compare.as_ref().unwrap();
    assert_eq!(marks.overlay.delta(0.into()), 15 + 7 - 50);
    assert_eq!(
        (marks.added, marks.removed, marks.changed, marks.unplaced),
        (1, 2, 2, 1)
    );
    // The same total the reports give.
    let (old, new) = (outcome(&old_image()), outcome(&new_image()));
    let cmp = diff::compare(&Side::of(&old), &Side::of(&new));
    assert_eq!(
        marks.delta_bytes,
        cmp.files.iter().map(|f| f.delta()).sum::<i64>()
    );
    l.tree.check_invariants().unwrap();
}

#[test]
fn sorted_by_change_and_hidden_classes() {
    let mut app = compared_app((120, 36));
    assert_eq!(root_names(&app), ["/base", "/etc", "/new"]);
    key(&mut app, KeyCode::Tab);
    ctrl(&mut app, 'o');
    ctrl(&mut app, 'o');
    assert_eq!(app.loaded().unwrap().tree.sort(), SortBy::Delta);
    assert_eq!(root_names(&app), ["/base", "/new", "/etc"]);
    assert!(screen(&app).contains("by change"));
    // Added entries hidden: the new directory goes.
    key(&mut app, KeyCode::Char('A'));
    assert_eq!(root_names(&app), ["/base", "/etc"]);
    app.loaded().unwrap().tree.check_invariants().unwrap();
}

#[test]
fn layers_shared_with_old_are_marked() {
    let app = compared_app((120, 36));
    let marks = app.loaded().unwrap().compare.as_ref().unwrap();
    assert_eq!(marks.shared_layers, [true, false]);
    let t = draw(&app);
    let lines = text_lines(t.backend().buffer());
    let layer_line = |cmd: &str| {
        lines
            .iter()
            .find(|l| l.contains(cmd))
            .unwrap_or_else(|| panic!("{cmd} not on screen"))
            .clone()
    };
    assert!(layer_line("=old +new").contains("Layer 2 of 2"));
    assert!(layer_line("RUN make new").contains("┃+ 1"), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("┃= 0")), "{lines:?}");
}

#[test]
fn the_key_turns_compare_mode_off_and_on() {
    let mut app = compared_app((120, 36));
    assert!(screen(&app).contains("Compared with old.tar · -28 B"));
    key(&mut app, KeyCode::Char('C'));
    let l = app.loaded().unwrap();
    assert!(!l.comparing());
    let s = screen(&app);
    assert!(s.contains("Contents at layer 1"), "{s}");
    assert!(!s.contains("=old +new") && !s.contains("vs OLD"), "{s}");
    key(&mut app, KeyCode::Char('C'));
    assert!(app.loaded().unwrap().comparing());
    let s = screen(&app);
    assert!(s.contains("vs OLD") && s.contains("+20 B"), "{s}");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("1 added, 2 removed")
    );
    // A layer comparison key ends compare mode too.
    ctrl(&mut app, 'l');
    assert!(!app.loaded().unwrap().comparing());
}

#[test]
fn without_old_the_key_says_what_it_is_for() {
    let mut app = fixture_app(&new_image());
    key(&mut app, KeyCode::Char('C'));
    assert!(!app.loaded().unwrap().comparing());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("peel diff OLD NEW")
    );
}

#[test]
fn compare_mode_at_80x24() {
    let mut app = compared_app((80, 24));
    key(&mut app, KeyCode::Tab);
    insta::assert_snapshot!("compare_80x24", screen(&app));
}

/// `old.tar` and `new.tar` in a new directory.
fn write_pair() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, image) in [("old.tar", old_image()), ("new.tar", new_image())] {
        std::fs::write(dir.path().join(name), image.docker_archive()).unwrap();
    }
    dir
}

/// The real binary: `peel diff OLD NEW` in a terminal (tmux, CI cleared)
/// opens the UI in compare mode; `C` turns it off and on; `q` quits with 0.
/// With `CI=true` in the same terminal: the text report.
#[test]
fn tmux_peel_diff_opens_compare_mode() {
    let dir = write_pair();
    let cmd = format!(
        "cd {dir} && env -u CI {bin} diff old.tar new.tar; ui=$?; \
         clear; CI=true {bin} diff old.tar new.tar; echo PEEL-EXIT=$ui; sleep 60",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_peel"),
    );
    let Some(term) = crate::tmux::Session::start("peel-compare", (100, 50), &cmd) else {
        return;
    };
    let s = term.wait_for("Compared with old.tar · -28 B");
    for seen in [
        "vs OLD",
        "=old +new",
        "+20 B",
        "-5 B",
        "gone.txt",
        "added.txt",
    ] {
        assert!(s.contains(seen), "{seen} not on screen:\n{s}");
    }
    assert!(s.contains("= 0 ") && s.contains("+ 1 "), "{s}");
    term.send(&["C"]);
    let s = term.wait_for("Contents at layer 1");
    assert!(!s.contains("vs OLD"), "{s}");
    term.send(&["C"]);
    term.wait_for("Compared with old.tar");
    term.send(&["q"]);
    // The UI's exit status, under the report CI=true printed.
    let s = term.wait_for("PEEL-EXIT=");
    assert!(s.contains("PEEL-EXIT=0"), "{s}");
    assert!(s.contains("Old: old.tar (2 layers)"), "{s}");
    assert!(s.contains("Files: ") && !s.contains("vs OLD"), "{s}");
}

/// Not on a terminal (or with CI set): the text report, as before.
#[test]
fn not_on_a_terminal_the_report_is_printed() {
    let dir = write_pair();
    let (old, new) = (dir.path().join("old.tar"), dir.path().join("new.tar"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peel"))
        .env_remove("CI")
        .arg("diff")
        .args([&old, &new])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Old: ") && text.contains("Files: "),
        "{text}"
    );
}
