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
                diff_id: format!("sha256:{i:064x}").parse().ok(),
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
fn sequence(layers: usize) -> Keys {
    let mut s = Vec::new();
    // dive's view (ctrl+l), all changes (ctrl+a), only the layer's (c).
    for mode in [c('l'), c('a'), k(KeyCode::Char('c')), c('l')] {
        s.push(("compare mode", mode));
        times(&mut s, layers, "layer down", k(KeyCode::Down));
        times(&mut s, layers, "layer up", k(KeyCode::Up));
    }
    s.push(("focus", k(KeyCode::Tab)));
    for _ in 0..3 {
        times(&mut s, 40, "tree move", k(KeyCode::Down));
        times(&mut s, 20, "tree page", k(KeyCode::PageDown));
        s.push(("collapse dir", k(KeyCode::Char(' '))));
        s.push(("collapse dir", k(KeyCode::Char(' '))));
        s.push(("collapse all", (KeyCode::Char(' '), KeyModifiers::CONTROL)));
        times(&mut s, 10, "tree move", k(KeyCode::Down));
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
        times(&mut s, 4, "layer down", k(KeyCode::Down));
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
    times(&mut s, layers, "layer down", k(KeyCode::Down));
    s
}

/// Compare mode's keys: `C` off and on, every layer down and up, the
/// sorts (name, size, change against OLD), moves in the tree. Ends in
/// compare mode, as it starts.
fn compare_sequence(layers: usize) -> Keys {
    let mut s = Vec::new();
    for _ in 0..3 {
        s.push(("C toggle", k(KeyCode::Char('C'))));
        s.push(("C toggle", k(KeyCode::Char('C'))));
    }
    times(&mut s, layers, "layer up", k(KeyCode::Up));
    times(&mut s, layers, "layer down", k(KeyCode::Down));
    s.push(("focus", k(KeyCode::Tab)));
    for _ in 0..3 {
        for _ in 0..3 {
            s.push(("sort", c('o')));
            times(&mut s, 10, "tree move", k(KeyCode::Down));
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

/// Key times, overall and by kind: wall time, and the time the thread was
/// on a CPU (what a key costs, whatever else the machine runs: on a shared
/// machine a long key is preempted and its wall time grows many-fold).
#[derive(Default)]
struct Times {
    all: Vec<Duration>,
    by_kind: std::collections::BTreeMap<&'static str, Vec<Duration>>,
    cpu_all: Vec<Duration>,
    cpu_by_kind: std::collections::BTreeMap<&'static str, Vec<Duration>>,
    /// The keys over a frame's budget on a CPU: kind, place in the
    /// sequence, wall and CPU time.
    slow: Vec<(&'static str, usize, Duration, Duration)>,
}

/// A frame at 60 Hz: what a key must fit in.
const BUDGET: Duration = Duration::from_millis(16);

/// This thread's time on a CPU so far (Linux's schedstat, in ns), if known.
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

impl Times {
    /// Each key of `seq` into the app, timed to the end of its frame.
    fn replay(
        &mut self,
        app: &mut App,
        term: &mut Terminal<TestBackend>,
        seq: &[(&'static str, (KeyCode, KeyModifiers))],
    ) {
        for (at, (kind, (code, mods))) in seq.iter().enumerate() {
            let cpu = on_cpu();
            let t = Instant::now();
            app.update(Event::Key(KeyEvent::new(*code, *mods)));
            term.draw(|f| peel::ui::render(f, app)).expect("draw");
            let d = t.elapsed();
            black_box(&*term);
            self.all.push(d);
            self.by_kind.entry(kind).or_default().push(d);
            if let (Some(a), Some(b)) = (cpu, on_cpu()) {
                if b.saturating_sub(a) > BUDGET {
                    self.slow.push((kind, at, d, b.saturating_sub(a)));
                }
                self.cpu_all.push(b.saturating_sub(a));
                self.cpu_by_kind
                    .entry(kind)
                    .or_default()
                    .push(b.saturating_sub(a));
            }
        }
    }

    fn print(self) {
        println!("wall time, load average {}", load_average());
        print_table(self.by_kind, self.all);
        if !self.cpu_all.is_empty() {
            println!(
                "time on a CPU (counted in scheduler ticks: a mean over many keys is exact, one key is not)"
            );
            print_table(self.cpu_by_kind, self.cpu_all);
        }
        println!("keys over {} on a CPU: {}", ms(BUDGET), self.slow.len());
        for (kind, at, wall, cpu) in &self.slow {
            println!(
                "  {kind:<16} key {at:>4} of the sequence: {} wall, {} on a CPU",
                ms(*wall),
                ms(*cpu)
            );
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn print_table(
    by_kind: std::collections::BTreeMap<&'static str, Vec<Duration>>,
    mut all: Vec<Duration>,
) {
    println!(
        "{:<16} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "key", "n", "mean", "p50", "p99", "max"
    );
    let line = |kind: &str, v: &mut Vec<Duration>| {
        v.sort();
        let mean = v.iter().sum::<Duration>() / (v.len().max(1) as u32);
        println!(
            "{kind:<16} {:>6} {:>10} {:>10} {:>10} {:>10}",
            v.len(),
            ms(mean),
            ms(pct(v, 0.5)),
            ms(pct(v, 0.99)),
            ms(*v.last().unwrap_or(&Duration::ZERO))
        );
    };
    for (kind, mut v) in by_kind {
        line(kind, &mut v);
    }
    line("ALL", &mut all);
}

/// An app in a terminal of `w` x `h`, no image yet.
fn new_app(w: u16, h: u16) -> App {
    let mut app = App::new(
        "generated",
        Config::default(),
        Theme::from_env(),
        Origin::Unavailable("generated".into()),
    );
    app.update(Event::Resize(w, h));
    app
}

type Keys = Vec<(&'static str, (KeyCode, KeyModifiers))>;

/// `n` presses of `key`, timed as `kind`.
fn times(s: &mut Keys, n: usize, kind: &'static str, key: (KeyCode, KeyModifiers)) {
    s.extend(std::iter::repeat_n((kind, key), n));
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
    let mut app = new_app(w, h);
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let (t, cpu) = (Instant::now(), on_cpu());
    app.update(Event::Loaded(Box::new(Ok(analysis))));
    term.draw(|f| peel::ui::render(f, &app)).expect("draw");
    println!(
        "load into the UI + first frame: {} (on a CPU: {})",
        ms(t.elapsed()),
        cpu.zip(on_cpu())
            .map_or("unknown".into(), |(a, b)| ms(b.saturating_sub(a)))
    );

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
    drop(app);
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
    let mut app = new_app(w, h);
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
