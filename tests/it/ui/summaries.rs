//! The size summaries dive has not: the waste view grouped by directory,
//! the largest files, a path's history.

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEventKind};
use peel::ui::app::{App, RightView};
use peel::ui::components::waste::WasteRow;

use super::{app_with, click, key, load, press, screen, selected_path};
use crate::fixture::{Image, Layer};

/// 300 files in nested directories, removed by one `rm -rf`, and a file
/// overwritten beside it.
fn rm_rf_image() -> (App, tempfile::TempDir) {
    let mut build = Layer::new()
        .dir("srv")
        .dir("srv/cache")
        .file("etc.conf", b"a");
    for d in 0..10 {
        build = build.dir(&format!("srv/cache/d{d}"));
        for f in 0..30 {
            build = build.sized(&format!("srv/cache/d{d}/f{f}"), 100, b'x');
        }
    }
    let image = Image::new()
        .layer(build)
        .layer(Layer::new().whiteout("srv/cache").file("etc.conf", b"bb"));
    let dir = tempfile::tempdir().unwrap();
    let (a, o) = super::load_image(&image, dir.path());
    (app_with(a, o), dir)
}

#[test]
fn one_rm_rf_is_one_row_that_expands() {
    let (mut app, _dir) = rm_rf_image();
    key(&mut app, KeyCode::Char('w'));
    let waste = &app.loaded().unwrap().waste;
    assert_eq!(waste.len(), 2, "{:?}", waste.rows);
    assert!(matches!(waste.rows[0], WasteRow::Group(_)));
    let s = screen(&app);
    assert!(s.contains("▸ /srv/cache/ (300 entries)"), "{s}");
    assert!(s.contains("30 kB"), "{s}");
    // space expands it, and again collapses it; ctrl+space: all, flat.
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.loaded().unwrap().waste.len(), 302);
    let s = screen(&app);
    assert!(
        s.contains("▾ /srv/cache/") && s.contains("    d0/f0"),
        "{s}"
    );
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.loaded().unwrap().waste.len(), 2);
    assert_eq!(app.loaded().unwrap().waste.list.selected(), 0);
    press(&mut app, KeyCode::Char(' '), KeyModifiers::CONTROL);
    assert_eq!(app.loaded().unwrap().waste.len(), 302);
    press(&mut app, KeyCode::Char(' '), KeyModifiers::CONTROL);
    assert_eq!(app.loaded().unwrap().waste.len(), 2);
    // Enter on the group: its directory in the tree, at the layer that
    // added the entries.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, RightView::Tree);
    assert_eq!(app.loaded().unwrap().layer().index(), 0);
    assert_eq!(selected_path(&app), "/srv/cache");
}

#[test]
fn a_click_on_a_group_row_expands_and_collapses_it() {
    let (mut app, _dir) = rm_rf_image();
    key(&mut app, KeyCode::Char('w'));
    let rows = app.areas().unwrap().waste_rows;
    let len = |app: &App| app.loaded().unwrap().waste.len();
    let left_click = |app: &mut App, row: u16| {
        click(
            app,
            rows.x + 3,
            rows.y + row,
            MouseEventKind::Down(MouseButton::Left),
        )
    };
    // The second row is the overwritten file, the first the group.
    left_click(&mut app, 1);
    assert_eq!(len(&app), 2, "a click on an entry only selects it");
    assert_eq!(app.loaded().unwrap().waste.list.selected(), 1);
    left_click(&mut app, 0);
    assert_eq!(len(&app), 302);
    assert_eq!(app.loaded().unwrap().waste.list.selected(), 0);
    assert!(screen(&app).contains("▾ /srv/cache/"));
    // A click on an entry inside the group selects it and keeps it open.
    left_click(&mut app, 2);
    assert_eq!(len(&app), 302);
    assert_eq!(app.loaded().unwrap().waste.list.selected(), 2);
    left_click(&mut app, 0);
    assert_eq!(len(&app), 2);
    assert!(screen(&app).contains("▸ /srv/cache/ (300 entries)"));
}

#[test]
fn the_demos_waste_grouped_at_80_columns() {
    let (a, o) = load(&super::demo_path());
    let mut app = app_with(a, o);
    app.update(peel::ui::event::Event::Resize(80, 24));
    key(&mut app, KeyCode::Char('w'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char(' '));
    insta::assert_snapshot!("waste_grouped_expanded_80x24", screen(&app));
}

#[test]
fn the_largest_files_list_and_enter_shows_one_in_the_tree() {
    let (a, o) = load(&super::demo_path());
    let mut app = app_with(a, o);
    key(&mut app, KeyCode::Char('L'));
    assert_eq!(app.view, RightView::Largest);
    let l = app.loaded().unwrap();
    let sizes: Vec<u64> = l.largest.files.iter().map(|f| f.bytes).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    // busybox (1.98 MB) is the largest file the image shows; blob.bin's
    // 468.89 kB are shown once (its copy-up), not twice.
    let first = l.analysis.tree.display_path(l.largest.files[0].node);
    assert_eq!(first, "/bin/busybox");
    let blobs = l
        .largest
        .files
        .iter()
        .filter(|f| l.analysis.tree.display_path(f.node) == "/opt/peel/blob.bin")
        .count();
    assert_eq!(blobs, 1);
    insta::assert_snapshot!("largest_120x36", screen(&app));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, RightView::Tree);
    assert_eq!(selected_path(&app), "/bin/busybox");
}

#[test]
fn a_paths_history_lists_every_layer_that_touched_it() {
    let (a, o) = load(&super::demo_path());
    let mut app = app_with(a, o);
    // From the tree at layer 8: blob.bin, added in layer 5, copied up by
    // chmod in 8.
    for _ in 0..8 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char('/'));
    super::typ(&mut app, "blob.bin$");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(selected_path(&app), "/opt/peel/blob.bin");
    key(&mut app, KeyCode::Char('H'));
    let steps = match &app.modal {
        peel::ui::app::Modal::History(h) => h
            .steps
            .iter()
            .map(|s| (s.layer.index(), s.mark.symbol(), s.bytes))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(steps, [(5, '+', 468_894), (8, '~', 468_894)]);
    let s = screen(&app);
    assert!(s.contains("History of /opt/peel/blob.bin"), "{s}");
    assert!(s.contains("chmod 0755"), "{s}");
    insta::assert_snapshot!("history_120x36", s);
    // Enter on the second step: the tree at layer 8, the path selected.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.modal, peel::ui::app::Modal::None);
    assert_eq!(app.loaded().unwrap().layer().index(), 8);
    assert_eq!(selected_path(&app), "/opt/peel/blob.bin");
}

/// No row of class `m` is left but directories kept for what they hold.
fn only_parents_of_shown(app: &App, m: peel::tree_list::Mark) -> bool {
    let l = app.loaded().unwrap();
    l.tree.rows().iter().all(|r| {
        let v = l.tree.view(r.node);
        v.mark != Some(m) || (v.is_dir && v.has_children)
    })
}

/// The hide keys work in every tree mode, and from the layers pane too (the
/// tree is beside it); `ctrl+a` there keeps meaning "all changes".
#[test]
fn hide_keys_work_in_every_mode_and_from_the_layers_pane() {
    use peel::tree_list::{Compare, Mark};
    let (a, o) = load(&super::demo_path());
    let mut app = app_with(a, o);
    for _ in 0..9 {
        key(&mut app, KeyCode::Down);
    }
    for (mode, compare) in [
        ('l', Compare::Dive),
        ('a', Compare::Aggregated),
        ('l', Compare::Dive),
    ] {
        super::ctrl(&mut app, mode);
        assert_eq!(app.loaded().unwrap().tree.compare(), compare);
        for (c, m) in [('u', Mark::Unmodified), ('r', Mark::Removed)] {
            super::ctrl(&mut app, c);
            let l = app.loaded().unwrap();
            assert!(!l.tree.is_shown(m), "{m:?} in {compare:?}");
            assert!(only_parents_of_shown(&app, m), "{m:?} in {compare:?}");
            super::ctrl(&mut app, c);
        }
        for (c, m) in [('M', Mark::Modified), ('A', Mark::Added)] {
            key(&mut app, KeyCode::Char(c));
            assert!(only_parents_of_shown(&app, m), "{m:?} in {compare:?}");
            key(&mut app, KeyCode::Char(c));
        }
    }
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(app.loaded().unwrap().tree.compare(), Compare::Layer);
    super::ctrl(&mut app, 'u');
    assert!(!app.loaded().unwrap().tree.is_shown(Mark::Unmodified));
}

/// Waste in several directories and layers: overwritten, removed, removed
/// with its directory.
fn scattered_waste_image() -> (App, tempfile::TempDir) {
    let mut first = Layer::new().dir("a").dir("b").dir("c").dir("c/deep");
    for (i, dir) in ["a", "b", "c", "c/deep"].iter().enumerate() {
        for f in 0..4 {
            first = first.sized(&format!("{dir}/f{f}"), 100 * (i + 1) + f, b'x');
        }
    }
    let image = Image::new()
        .layer(first)
        .layer(Layer::new().sized("a/f0", 7, b'y').sized("b/f3", 9, b'y'))
        .layer(Layer::new().whiteout("c").sized("a/f0", 3, b'z'))
        .layer(Layer::new().whiteout("b/f1"));
    let dir = tempfile::tempdir().unwrap();
    let (a, o) = super::load_image(&image, dir.path());
    (app_with(a, o), dir)
}

#[test]
fn each_waste_sort_is_the_same_every_time_it_comes_round() {
    use peel::ui::components::waste::{WasteSort, sort_waste};
    let (mut app, _dir) = scattered_waste_image();
    key(&mut app, KeyCode::Char('w'));
    // Every group expanded, so that every entry has a row.
    press(&mut app, KeyCode::Char(' '), KeyModifiers::CONTROL);
    let mut seen = Vec::new();
    for round in 0..2 {
        for i in 0..3 {
            let l = app.loaded().unwrap();
            let mut fresh: Vec<u32> = (0..l.analysis.exact.wasted.len() as u32).collect();
            sort_waste(&l.analysis, &mut fresh, l.waste.sort);
            assert_eq!(l.waste.order, fresh, "{:?}", l.waste.sort);
            // Inside each group the entries follow the order.
            let pos = |e: u32| fresh.iter().position(|&x| x == e).unwrap();
            for g in &l.waste.groups {
                assert!(g.entries.windows(2).all(|w| pos(w[0]) < pos(w[1])));
            }
            if l.waste.sort == WasteSort::Path {
                // Groups by their directory (a lone entry's row is its path).
                let dirs: Vec<&str> = (l.waste.rows.iter())
                    .filter_map(|r| match *r {
                        WasteRow::Group(g) => Some(l.waste.groups[g as usize].path.as_str()),
                        WasteRow::Entry { .. } => None,
                    })
                    .collect();
                assert!(dirs.windows(2).all(|w| w[0] <= w[1]), "{dirs:?}");
            }
            let now = (l.waste.sort, l.waste.rows.clone());
            if round == 0 {
                seen.push(now);
            } else {
                assert!(seen[i] == now, "{:?} differs the second time", now.0);
            }
            super::ctrl(&mut app, 'o');
        }
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        [WasteSort::Size, WasteSort::Path, WasteSort::Layer]
    );
}
