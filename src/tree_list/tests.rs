use proptest::prelude::*;

use super::*;
use crate::layer::{EntryKind, LayerChanges, LayerIdx, Meta, Op, Record};
use crate::tree;

fn meta(kind: EntryKind, size: u64, hash: u64) -> Meta {
    Meta {
        kind,
        size,
        mode: if kind.is_dir() { 0o755 } else { 0o644 },
        uid: 0,
        gid: 0,
        mtime: 0,
        link: None,
        hash,
        secret: None,
    }
}

/// A layer from a compact spec: `"a/b=3"` a file of 3 bytes, `"a/"` a
/// directory, `"-a/b"` a whiteout.
fn layer(spec: &[&str]) -> LayerChanges {
    let mut records = Vec::new();
    let mut size = 0;
    for item in spec {
        let (path, op) = if let Some(p) = item.strip_prefix('-') {
            (p, Op::Whiteout)
        } else if let Some(p) = item.strip_suffix('/') {
            (p, Op::Add(meta(EntryKind::Dir, 0, 0)))
        } else {
            let (p, n) = item.split_once('=').unwrap_or((item, "1"));
            let n: u64 = n.parse().unwrap();
            size += n;
            (p, Op::Add(meta(EntryKind::File, n, n * 7 + 1)))
        };
        records.push(Record {
            path: path.as_bytes().into(),
            op,
        });
    }
    LayerChanges {
        records,
        size,
        ..LayerChanges::default()
    }
}

fn build(layers: &[&[&str]]) -> Tree {
    let changes: Vec<LayerChanges> = layers.iter().map(|l| layer(l)).collect();
    tree::build(changes.iter())
}

/// The rows as `"<mark><indent>name"` strings.
fn lines(tree: &Tree, list: &TreeList) -> Vec<String> {
    list.rows()
        .iter()
        .map(|r| {
            let v = list.view(r.node);
            format!(
                "{}{}{} {}",
                v.mark.unwrap().symbol(),
                "  ".repeat(r.depth as usize),
                path::escape(&tree.node(r.node).name),
                v.size
            )
        })
        .collect()
}

fn sample() -> Tree {
    build(&[
        &[
            "etc/",
            "etc/passwd=10",
            "usr/",
            "usr/bin/",
            "usr/bin/sh=100",
        ],
        &["app/", "app/big=50", "etc/passwd=12"],
        &["-app/big", "app/small=5"],
    ])
}

#[test]
fn aggregated_marks_against_layer_zero() {
    let tree = sample();
    let list = TreeList::new(&tree, Compare::Aggregated);
    assert_eq!(list.layer(), LayerIdx::from(2));
    assert_eq!(
        lines(&tree, &list),
        [
            "+app 5",
            "+  small 5",
            "~etc 12",
            "~  passwd 12",
            " usr 100",
            "   bin 100",
            "     sh 100",
        ]
    );
}

#[test]
fn layer_mode_shows_only_that_layers_changes() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Layer);
    assert_eq!(lines(&tree, &list), ["~app 5", "-  big 50", "+  small 5"]);
    list.set_layer(LayerIdx::from(1));
    assert_eq!(
        lines(&tree, &list),
        ["+app 50", "+  big 50", "~etc 12", "~  passwd 12"]
    );
    list.set_layer(LayerIdx::from(0));
    assert_eq!(list.rows().len(), 5);
    assert!(
        list.rows()
            .iter()
            .all(|r| list.view(r.node).mark == Some(Mark::Added))
    );
}

/// dive's view: everything present at the layer, only its changes marked;
/// what it removed is shown (marked), what an earlier layer removed is not.
#[test]
fn dive_mode_shows_the_whole_tree_with_the_layers_changes() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Dive);
    assert_eq!(
        lines(&tree, &list),
        [
            "~app 5",
            "-  big 50",
            "+  small 5",
            " etc 12",
            "   passwd 12",
            " usr 100",
            "   bin 100",
            "     sh 100",
        ]
    );
    list.set_layer(LayerIdx::from(1));
    assert_eq!(
        lines(&tree, &list),
        [
            "+app 50",
            "+  big 50",
            "~etc 12",
            "~  passwd 12",
            " usr 100",
            "   bin 100",
            "     sh 100",
        ]
    );
    // Every hide key works here too.
    for m in Mark::ALL {
        list.toggle_shown(m);
        assert!(
            list.rows()
                .iter()
                .all(|r| list.view(r.node).mark != Some(m)),
            "{m:?} still shown"
        );
        list.toggle_shown(m);
    }
}

#[test]
fn hiding_a_class_keeps_dirs_with_shown_children() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    list.toggle_shown(Mark::Unmodified);
    assert_eq!(
        lines(&tree, &list),
        ["+app 5", "+  small 5", "~etc 12", "~  passwd 12"]
    );
    list.toggle_shown(Mark::Removed);
    list.toggle_shown(Mark::Modified);
    assert_eq!(lines(&tree, &list), ["+app 5", "+  small 5"]);
}

#[test]
fn collapse_and_expand_splice_rows() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    list.select_index(4); // usr
    list.toggle_collapse();
    assert_eq!(list.rows().len(), 5);
    list.check_invariants().unwrap();
    list.toggle_collapse();
    assert_eq!(list.rows().len(), 7);
    list.check_invariants().unwrap();
    list.toggle_collapse_all();
    assert_eq!(lines(&tree, &list), ["+app 5", "~etc 12", " usr 100"]);
    assert_eq!(list.selected_node(), tree.lookup(b"usr"));
    list.toggle_collapse_all();
    assert_eq!(list.rows().len(), 7);
}

#[test]
fn left_and_right_walk_the_tree() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    list.select_index(6); // usr/bin/sh
    list.left();
    assert_eq!(list.selected_node(), tree.lookup(b"usr/bin"));
    list.left(); // collapse usr/bin
    assert!(list.is_collapsed(tree.lookup(b"usr/bin").unwrap()));
    list.right(); // expand again
    list.right(); // to the child
    assert_eq!(list.selected_node(), tree.lookup(b"usr/bin/sh"));
}

#[test]
fn sort_by_size() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    list.set_sort(SortBy::Size);
    let top: Vec<String> = list
        .rows()
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| tree.display_path(r.node))
        .collect();
    assert_eq!(top, ["/usr", "/etc", "/app"]);
}

#[test]
fn filter_keeps_ancestors_and_finds_matches() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    list.set_filter(Filter::parse("pass", false).unwrap());
    assert_eq!(lines(&tree, &list), ["~etc 12", "~  passwd 12"]);
    assert_eq!(list.match_count(), 1);
    list.set_filter(Filter::parse("^/(app|usr)/[bs]", true).unwrap());
    assert_eq!(list.match_count(), 3);
    list.home();
    assert!(list.next_match(true));
    assert_eq!(list.selected_node(), tree.lookup(b"app/small"));
    assert!(list.next_match(false));
    assert_eq!(list.selected_node(), tree.lookup(b"usr/bin/sh"));
    assert!(Filter::parse("(", true).is_err());
    list.set_filter(None);
    assert_eq!(list.rows().len(), 7);
}

#[test]
fn selection_follows_node_across_layers() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    assert!(list.reveal(tree.lookup(b"etc/passwd").unwrap()));
    list.set_layer(LayerIdx::from(1));
    assert_eq!(list.selected_node(), tree.lookup(b"etc/passwd"));
    list.set_compare(Compare::Layer);
    list.set_layer(LayerIdx::from(2));
    // Not in layer 2's changes: the selection stays in range.
    assert!(list.selection() < list.rows().len());
}

#[test]
fn guides_mark_ancestors_with_later_siblings() {
    let tree = sample();
    let list = TreeList::new(&tree, Compare::Aggregated);
    let small = list
        .rows()
        .into_iter()
        .find(|r| Some(r.node) == tree.lookup(b"app/small"))
        .unwrap();
    assert!(small.last);
    assert_eq!(small.guides, 1); // /app has siblings below it
}

#[test]
fn empty_tree_is_fine() {
    let tree = build(&[&[]]);
    let mut list = TreeList::new(&tree, Compare::Layer);
    assert!(list.rows().is_empty());
    list.move_by(3);
    list.toggle_collapse();
    list.left();
    list.right();
    list.end();
    list.scroll_into_view(10);
    assert_eq!(list.selection(), 0);
    list.check_invariants().unwrap();
}

#[derive(Debug, Clone)]
enum Op2 {
    Move(i8),
    Home,
    End,
    Left,
    Right,
    Collapse,
    CollapseAll,
    Layer(u8),
    Compare(u8),
    Toggle(u8),
    Sort(bool),
    Filter(u8),
    Next(bool),
    Scroll(i8),
}

fn op() -> impl Strategy<Value = Op2> {
    prop_oneof![
        any::<i8>().prop_map(Op2::Move),
        Just(Op2::Home),
        Just(Op2::End),
        Just(Op2::Left),
        Just(Op2::Right),
        Just(Op2::Collapse),
        Just(Op2::CollapseAll),
        (0u8..6).prop_map(Op2::Layer),
        (0u8..3).prop_map(Op2::Compare),
        (0u8..4).prop_map(Op2::Toggle),
        any::<bool>().prop_map(Op2::Sort),
        (0u8..9).prop_map(Op2::Filter),
        any::<bool>().prop_map(Op2::Next),
        any::<i8>().prop_map(Op2::Scroll),
    ]
}

/// Random layers over a small name space so that paths collide.
fn random_layers() -> impl Strategy<Value = Vec<Vec<String>>> {
    let name = prop_oneof![Just("a"), Just("b"), Just("c")];
    let path = prop::collection::vec(name, 1..4).prop_map(|v| v.join("/"));
    let item = (path, 0u8..4).prop_map(|(p, k)| match k {
        0 => format!("{p}/"),
        1 => format!("-{p}"),
        _ => format!("{p}={}", p.len()),
    });
    prop::collection::vec(prop::collection::vec(item, 0..8), 1..5)
}

proptest! {
    #[test]
    fn selection_stays_valid_after_any_key_sequence(
        layers in random_layers(),
        ops in prop::collection::vec(op(), 0..60),
        dive in any::<bool>(),
    ) {
        let specs: Vec<Vec<&str>> = layers.iter().map(|l| l.iter().map(String::as_str).collect()).collect();
        let slices: Vec<&[&str]> = specs.iter().map(Vec::as_slice).collect();
        let tree = build(&slices);
        let mut list = TreeList::new(&tree, if dive { Compare::Dive } else { Compare::Aggregated });
        for op in ops {
            match op {
                Op2::Move(d) => list.move_by(d as isize),
                Op2::Home => list.home(),
                Op2::End => list.end(),
                Op2::Left => list.left(),
                Op2::Right => list.right(),
                Op2::Collapse => list.toggle_collapse(),
                Op2::CollapseAll => list.toggle_collapse_all(),
                Op2::Layer(l) => list.set_layer(LayerIdx::from(l as u32)),
                Op2::Compare(c) => list.set_compare([Compare::Aggregated, Compare::Layer, Compare::Dive][c as usize]),
                Op2::Toggle(m) => list.toggle_shown(Mark::ALL[m as usize]),
                Op2::Sort(size) => list.set_sort(if size { SortBy::Size } else { SortBy::Name }),
                // Plain ones searched by name, one typed onto the other
                // (narrowed), and general ones tried on every path.
                Op2::Filter(f) => list.set_filter(
                    Filter::parse(["", "a", "b/c", "^/c", "c", "c.", "c.a", "a/", "b"][f as usize], f >= 3).unwrap(),
                ),
                Op2::Next(fwd) => { list.next_match(fwd); }
                Op2::Scroll(d) => list.scroll_by(d as isize, 5),
            }
            list.scroll_into_view(5);
            prop_assert!(list.check_invariants().is_ok(), "{:?}", list.check_invariants());
            prop_assert!(list.top() <= list.selection());
            prop_assert!(list.selection() < list.top() + 5 || list.rows().is_empty());
            // Every row is visible and its parent is shown above it.
            for r in list.rows() {
                prop_assert!(list.view(r.node).visible);
            }
        }
    }
}

#[test]
fn a_filter_opens_collapsed_directories() {
    let tree = sample();
    let mut list = TreeList::new(&tree, Compare::Aggregated);
    list.toggle_collapse_all();
    assert_eq!(list.rows().len(), 3);
    list.set_filter(Filter::parse("passwd", false).unwrap());
    assert_eq!(lines(&tree, &list), ["~etc 12", "~  passwd 12"]);
    assert_eq!(list.match_count(), 1);
}

/// A tree large enough for the whole passes to run on two threads: their
/// result equals one thread's, and the incremental keys agree with them.
#[test]
fn large_trees_are_derived_on_two_threads_alike() {
    let files: Vec<String> = (0..20_000)
        .map(|i| format!("d{}/s{}/f{i}={}", i % 97, i % 13, i % 7 + 1))
        .collect();
    let later: Vec<String> = (0..3000)
        .map(|i| match i % 3 {
            0 => format!("-d{}/s{}/f{i}", i % 97, i % 13),
            _ => format!("d{}/s{}/f{i}=9", i % 97, i % 13),
        })
        .collect();
    let first: Vec<&str> = files.iter().map(String::as_str).collect();
    let second: Vec<&str> = later.iter().map(String::as_str).collect();
    let tree = build(&[&first, &second, &["extra=5"]]);
    let mut list = TreeList::new(&tree, Compare::Dive);
    list.parallel_from = 10_000;
    list.full_view();
    for step in 0..6 {
        match step {
            0 => list.set_layer(LayerIdx::from(0)),
            1 => list.toggle_shown(Mark::Unmodified),
            2 => list.set_layer(LayerIdx::from(1)),
            3 => list.set_filter(Filter::parse("f1", false).unwrap()),
            4 => list.toggle_collapse_all(),
            _ => list.set_compare(Compare::Aggregated),
        }
        let mut both = vec![view::Own::default(); tree.nodes.len()];
        list.own_all(&mut both);
        let one: Vec<view::Own> = (0..tree.nodes.len()).map(|i| list.own(i)).collect();
        assert!(both == one, "step {step}: two threads differ from one");
        list.check_invariants().unwrap();
    }
}

/// dive's view draws its marks from the versions while no class is hidden:
/// what it draws equals a view that stores them, at every layer, through
/// hide keys (which store them) and back, and a directory replaced by a
/// file does not pass a change below it up.
#[test]
fn dive_marks_drawn_equal_marks_stored() {
    let tree = build(&[
        &["a/", "a/x=1", "a/y=2", "b/", "b/c/", "b/c/d=3", "e=1"],
        &["a/x=5", "-b/c/d", "f/g=2"],
        &["-a", "a=9", "b/c/h=1"],
        &["b/c/h=4", "-e"],
    ]);
    let mut list = TreeList::new(&tree, Compare::Dive);
    for layer in [0, 1, 2, 3, 0, 3, 1, 2] {
        list.set_layer(LayerIdx::from(layer));
        assert!(list.lazy_marks, "layer {layer}: marks stored");
        list.check_invariants().unwrap();
        let drawn = lines(&tree, &list);
        list.toggle_shown(Mark::Removed);
        assert!(!list.lazy_marks);
        list.check_invariants().unwrap();
        list.toggle_shown(Mark::Removed);
        list.check_invariants().unwrap();
        assert_eq!(lines(&tree, &list), drawn, "layer {layer}");
    }
    list.set_layer(LayerIdx::from(1));
    assert_eq!(
        lines(&tree, &list),
        [
            "~a 7", "~  x 5", "   y 2", "~b 0", "~  c 0", "-    d 3", " e 1", "+f 2", "+  g 2",
        ]
    );
}

/// A path removed again after a layer that removed nothing (here `b/b`:
/// removed with `b` in layer 1, made again in 2, removed in 3 when `b`
/// becomes a file) is among layer 3's removals: leaving layer 3 drops its
/// removed row, and showing every class again keeps its mark.
#[test]
fn a_path_removed_twice_counts_in_each_layer() {
    let tree = build(&[&["b/b=3"], &["-b"], &["b/b/"], &["b=1"], &["c=1"]]);
    let mut list = TreeList::new(&tree, Compare::Dive);
    list.set_layer(LayerIdx::from(3));
    list.check_invariants().unwrap();
    assert!(list.view(tree.lookup(b"b/b").unwrap()).mark == Some(Mark::Removed));
    list.set_layer(LayerIdx::from(4));
    list.check_invariants().unwrap();
    assert_eq!(list.view(tree.lookup(b"b/b").unwrap()).mark, None);
    list.set_layer(LayerIdx::from(3));
    list.toggle_shown(Mark::Unmodified);
    list.toggle_shown(Mark::Unmodified);
    list.check_invariants().unwrap();
}
