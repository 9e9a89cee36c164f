//! Key latency of the interactive UI on a generated image with 100,000+
//! files: a long key sequence replayed against the app headlessly (ratatui's
//! `TestBackend`), each key timed from `update` to the end of the frame's
//! draw. Prints p50 / p99 / max per key kind and overall.
//!
//! Then compare mode (`peel diff OLD NEW`): NEW is the same image with one
//! layer added (a new 1 MB file and a chmod of an old one, as
//! `benches/diff/run.sh` builds it), and the keys of compare mode are timed
//! the same way: `C` off and on, layer changes, the sorts (`ctrl+o`, by
//! change against OLD included), moves in the tree.
//!
//! `cargo bench --bench ui_keys` (options: `-- --files N --layers N
//! --rounds N --compare 0|1`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use peel::content::Origin;
use peel::diff::{self, Side};
use peel::image::{BlobLocation, Compression, Image, ImageConfig, Layer};
use peel::layer::{EntryKind, LayerChanges, Meta, Op, Record};
use peel::pipeline::Outcome;
use peel::ui::app::App;
use peel::ui::compare::CompareMarks;
use peel::ui::event::Event;
use peel::ui::keymap::Config;
use peel::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn meta(kind: EntryKind, size: u64, hash: u64) -> Meta {
    Meta {
        kind,
        size,
        mode: if kind.is_dir() { 0o755 } else { 0o644 },
        uid: 0,
        gid: 0,
        mtime: 1_700_000_000,
        link: None,
        hash,
        secret: None,
    }
}

fn add(records: &mut Vec<Record>, path: String, m: Meta) -> u64 {
    let size = m.size;
    records.push(Record {
        path: path.into_bytes().into(),
        op: Op::Add(m),
    });
    size
}

/// Layer 0: `files` files in 3-level directories; every later layer
/// overwrites, deletes and adds a slice of them. `plus`: one more layer, a
/// new 1 MB file and a chmod of an old file.
fn generate(files: usize, layers: usize, plus: bool) -> Image {
    let mut out = Vec::new();
    let per_dir = 100;
    let dirs = files.div_ceil(per_dir);
    let mut records = Vec::new();
    let mut size = 0;
    for d in 0..dirs {
        let dir = format!("usr/share/d{:03}/s{:02}", d / 10, d % 10);
        add(&mut records, dir.clone(), meta(EntryKind::Dir, 0, 0));
        for f in 0..per_dir.min(files - d * per_dir) {
            let n = (d * per_dir + f) as u64;
            size += add(
                &mut records,
                format!("{dir}/file-{f:03}.dat"),
                meta(EntryKind::File, 100 + n % 5000, n + 1),
            );
        }
    }
    out.push(LayerChanges {
        tar_entries: records.len() as u64,
        records,
        size,
        ..LayerChanges::default()
    });
    for l in 1..layers {
        let mut records = Vec::new();
        let mut size = 0;
        for k in 0..(files / 50) {
            let n = (k * 37 + l * 1013) % files;
            let (d, f) = (n / per_dir, n % per_dir);
            let path = format!("usr/share/d{:03}/s{:02}/file-{f:03}.dat", d / 10, d % 10);
            if k % 3 == 0 {
                records.push(Record {
                    path: path.into_bytes().into(),
                    op: Op::Whiteout,
                });
            } else {
                size += add(
                    &mut records,
                    path,
                    meta(EntryKind::File, 200 + k as u64, (l * 1_000_000 + k) as u64),
                );
            }
        }
        for k in 0..(files / 100) {
            size += add(
                &mut records,
                format!("opt/layer{l}/f{k}"),
                meta(EntryKind::File, 1000, (l * 7_000_000 + k) as u64),
            );
        }
        out.push(LayerChanges {
            tar_entries: records.len() as u64,
            records,
            size,
            ..LayerChanges::default()
        });
    }
    if plus {
        let mut records = Vec::new();
        let size = add(
            &mut records,
            "extra.bin".into(),
            meta(EntryKind::File, 1 << 20, 99_999_999),
        );
        let mut chmod = meta(EntryKind::File, 100, 1);
        chmod.mode = 0o600;
        add(
            &mut records,
            "usr/share/d000/s00/file-000.dat".into(),
            chmod,
        );
        out.push(LayerChanges {
            tar_entries: records.len() as u64,
            records,
            size: size + 100,
            ..LayerChanges::default()
        });
    }
    Image {
        reference: "generated".into(),
        format: "generated",
        tags: Vec::new(),
        platform: None,
        config: ImageConfig::default(),
        layers: out
            .into_iter()
            .enumerate()
            .map(|(i, changes)| Layer {
                diff_id: Some(format!("sha256:{i:064x}")),
                blob: format!("layer{i}.tar"),
                location: BlobLocation::Stream,
                compression: Compression::None,
                compressed_size: None,
                history: None,
                changes: Arc::new(changes),
            })
            .collect(),
        declared_base: None,
        warnings: Vec::new(),
    }
}

fn k(code: KeyCode) -> (KeyCode, KeyModifiers) {
    (code, KeyModifiers::NONE)
}

fn c(ch: char) -> (KeyCode, KeyModifiers) {
    (KeyCode::Char(ch), KeyModifiers::CONTROL)
}

/// The sequence: every layer down and up in both compare modes, the tree
/// paged and walked, collapse one and all, class toggles, sort, the waste
/// view with jumps and its groups expanded, the largest files, a path's
/// history, and a filter typed letter by letter.
fn sequence(layers: usize) -> Vec<(&'static str, (KeyCode, KeyModifiers))> {
    let mut s = Vec::new();
    // dive's view (ctrl+l), all changes (ctrl+a), only the layer's (c).
    for mode in [c('l'), c('a'), k(KeyCode::Char('c')), c('l')] {
        s.push(("compare mode", mode));
        for _ in 0..layers {
            s.push(("layer down", k(KeyCode::Down)));
        }
        for _ in 0..layers {
            s.push(("layer up", k(KeyCode::Up)));
        }
    }
    s.push(("focus", k(KeyCode::Tab)));
    for _ in 0..3 {
        for _ in 0..40 {
            s.push(("tree move", k(KeyCode::Down)));
        }
        for _ in 0..20 {
            s.push(("tree page", k(KeyCode::PageDown)));
        }
        s.push(("collapse dir", k(KeyCode::Char(' '))));
        s.push(("collapse dir", k(KeyCode::Char(' '))));
        s.push(("collapse all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
        for _ in 0..10 {
            s.push(("tree move", k(KeyCode::Down)));
        }
        s.push(("collapse all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
        s.push(("class toggle", c('u')));
        s.push(("class toggle", c('r')));
        s.push(("class toggle", c('u')));
        s.push(("class toggle", c('r')));
        s.push(("sort", c('o')));
        s.push(("tree end/home", k(KeyCode::End)));
        s.push(("sort", c('o')));
        s.push(("tree end/home", k(KeyCode::Home)));
        s.push(("attributes", c('b')));
        s.push(("focus", k(KeyCode::Tab)));
        for _ in 0..4 {
            s.push(("layer down", k(KeyCode::Down)));
        }
        s.push(("focus", k(KeyCode::Tab)));
    }
    s.push(("waste view", k(KeyCode::Char('w'))));
    for _ in 0..5 {
        s.push(("waste move", k(KeyCode::PageDown)));
        s.push(("waste jump", k(KeyCode::Enter)));
        s.push(("waste view", k(KeyCode::Char('w'))));
    }
    s.push(("waste sort", c('o')));
    for _ in 0..3 {
        s.push(("waste group", k(KeyCode::Char(' '))));
        s.push(("waste move", k(KeyCode::PageDown)));
        s.push(("waste all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
        s.push(("waste move", k(KeyCode::PageDown)));
        s.push(("waste all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
    }
    s.push(("waste view", k(KeyCode::Char('w'))));
    s.push(("largest view", k(KeyCode::Char('L'))));
    for _ in 0..5 {
        s.push(("largest move", k(KeyCode::PageDown)));
        s.push(("history", k(KeyCode::Char('H'))));
        s.push(("history", k(KeyCode::Esc)));
    }
    s.push(("largest jump", k(KeyCode::Enter)));
    s.push(("history", k(KeyCode::Char('H'))));
    s.push(("history", k(KeyCode::Down)));
    s.push(("history jump", k(KeyCode::Enter)));
    s.push(("filter open", k(KeyCode::Char('/'))));
    for ch in "file-04".chars() {
        s.push(("filter typing", k(KeyCode::Char(ch))));
    }
    s.push(("filter keep", k(KeyCode::Enter)));
    for _ in 0..20 {
        s.push(("next match", k(KeyCode::Char('n'))));
    }
    s.push(("focus", k(KeyCode::Tab)));
    for _ in 0..layers {
        s.push(("layer down", k(KeyCode::Down)));
    }
    s
}

/// Compare mode's keys: `C` off and on, every layer down and up, the
/// sorts (name, size, change against OLD), moves in the tree. Ends in
/// compare mode, as it starts.
fn compare_sequence(layers: usize) -> Vec<(&'static str, (KeyCode, KeyModifiers))> {
    let mut s = Vec::new();
    for _ in 0..3 {
        s.push(("C toggle", k(KeyCode::Char('C'))));
        s.push(("C toggle", k(KeyCode::Char('C'))));
    }
    for _ in 0..layers {
        s.push(("layer up", k(KeyCode::Up)));
    }
    for _ in 0..layers {
        s.push(("layer down", k(KeyCode::Down)));
    }
    s.push(("focus", k(KeyCode::Tab)));
    for _ in 0..3 {
        for _ in 0..3 {
            s.push(("sort", c('o')));
            for _ in 0..10 {
                s.push(("tree move", k(KeyCode::Down)));
            }
            s.push(("tree page", k(KeyCode::PageDown)));
            s.push(("tree end/home", k(KeyCode::End)));
            s.push(("tree end/home", k(KeyCode::Home)));
        }
        s.push(("collapse all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
        s.push(("collapse all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
        s.push(("class toggle", c('u')));
        s.push(("class toggle", c('u')));
    }
    s.push(("focus", k(KeyCode::Tab)));
    for _ in 0..3 {
        s.push(("layer up", k(KeyCode::Up)));
        s.push(("C toggle", k(KeyCode::Char('C'))));
        s.push(("C toggle", k(KeyCode::Char('C'))));
    }
    s
}

/// Key times, overall and by kind.
#[derive(Default)]
struct Times {
    all: Vec<Duration>,
    by_kind: std::collections::BTreeMap<&'static str, Vec<Duration>>,
}

impl Times {
    /// Each key of `seq` into the app, timed to the end of its frame.
    fn replay(
        &mut self,
        app: &mut App,
        term: &mut Terminal<TestBackend>,
        seq: &[(&'static str, (KeyCode, KeyModifiers))],
    ) {
        for (kind, (code, mods)) in seq {
            let t = Instant::now();
            app.update(Event::Key(KeyEvent::new(*code, *mods)));
            term.draw(|f| peel::ui::render(f, app)).expect("draw");
            let d = t.elapsed();
            black_box(&*term);
            self.all.push(d);
            self.by_kind.entry(kind).or_default().push(d);
        }
    }

    fn print(mut self) {
        println!(
            "{:<16} {:>6} {:>10} {:>10} {:>10}",
            "key", "n", "p50", "p99", "max"
        );
        for (kind, mut v) in std::mem::take(&mut self.by_kind) {
            v.sort();
            println!(
                "{kind:<16} {:>6} {:>10} {:>10} {:>10}",
                v.len(),
                ms(pct(&v, 0.5)),
                ms(pct(&v, 0.99)),
                ms(*v.last().unwrap_or(&Duration::ZERO))
            );
        }
        self.all.sort();
        println!(
            "{:<16} {:>6} {:>10} {:>10} {:>10}",
            "ALL",
            self.all.len(),
            ms(pct(&self.all, 0.5)),
            ms(pct(&self.all, 0.99)),
            ms(*self.all.last().unwrap_or(&Duration::ZERO))
        );
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let files = arg("--files", 100_000);
    let layers = arg("--layers", 12);
    let rounds = arg("--rounds", 3);

    let t = Instant::now();
    let image = generate(files, layers, false);
    let analysis = Outcome::of(image, None);
    let nodes = analysis.tree.nodes.len();
    println!(
        "image: {files} files in layer 0, {layers} layers, {nodes} paths, {} wasted entries (built in {})",
        analysis.exact.wasted.len(),
        ms(t.elapsed())
    );
    let (w, h) = (200u16, 60u16);
    let mut app = App::new(
        "generated",
        Config::default(),
        Theme::from_env(),
        Origin::Unavailable("generated".into()),
    );
    app.update(Event::Resize(w, h));
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let t = Instant::now();
    app.update(Event::Loaded(Box::new(Ok(analysis))));
    term.draw(|f| peel::ui::render(f, &app)).expect("draw");
    println!("load into the UI + first frame: {}", ms(t.elapsed()));

    let seq = sequence(layers);
    let mut times = Times::default();
    for _ in 0..rounds {
        times.replay(&mut app, &mut term, &seq);
    }
    assert!(!app.quit);
    times.print();

    if arg("--compare", 1) == 0 {
        return;
    }
    // Compare mode: NEW = the image plus one layer, marked against OLD.
    let t = Instant::now();
    let old = Outcome::of(generate(files, layers, false), None);
    let new = Outcome::of(generate(files, layers, true), None);
    println!(
        "\ncompare mode: OLD {} paths, NEW {} paths, {} layers (both read in {})",
        old.tree.nodes.len(),
        new.tree.nodes.len(),
        layers + 1,
        ms(t.elapsed())
    );
    let mut app = App::new(
        "generated",
        Config::default(),
        Theme::from_env(),
        Origin::Unavailable("generated".into()),
    );
    app.update(Event::Resize(w, h));
    app.update(Event::Loaded(Box::new(Ok(new))));
    let t = Instant::now();
    let new = &app.loaded().expect("loaded").analysis;
    let comparison = diff::compare(&Side::of(&old), &Side::of(new));
    let marks = CompareMarks::new(&new.tree, &comparison, "old");
    println!("comparison and marks: {}", ms(t.elapsed()));
    let t = Instant::now();
    app.update(Event::Compared(Box::new(marks)));
    term.draw(|f| peel::ui::render(f, &app)).expect("draw");
    println!("compare mode on + first frame: {}", ms(t.elapsed()));
    assert!(app.loaded().expect("loaded").comparing());
    let seq = compare_sequence(layers + 1);
    let mut times = Times::default();
    for _ in 0..rounds {
        times.replay(&mut app, &mut term, &seq);
    }
    assert!(!app.quit);
    assert!(app.loaded().expect("loaded").comparing());
    times.print();
}
