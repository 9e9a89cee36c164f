//! The file viewer on an engine image: the time to the first view of a file
//! in the top and in the bottom layer, and of a second file in the same
//! layer, each round from a fresh session (nothing kept). The reads are the
//! UI's own (`content::read_file`, the viewer's 8 MiB window).
//!
//! `cargo bench --bench engine_viewer -- [IMAGE] [ROUNDS]` (default
//! `peel-bench/large-apt:latest`, 3 rounds), against the engine of
//! `DOCKER_HOST`; `benches/engine_viewer/run.sh` also prints the load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use peel::analysis::Analysis;
use peel::content::{self, EngineLayers, Origin};
use peel::pipeline::Outcome;
use peel::source::{self, OpenOptions, SourceKind};
use peel::tree::State;

/// Regular, non-empty files written by `layer` whose version is the final
/// image's (`last`) or not, in the tree's order.
fn files_of(a: &Analysis, layer: u32, last: bool) -> Vec<String> {
    let top = a.tree.layer_count - 1;
    let mut found = Vec::new();
    a.tree.for_each_path(|id, path| {
        let node = a.tree.node(id);
        let at = |l: u32| match node.at(l.into()).map(|v| &v.state) {
            Some(State::Present {
                content: Some(c), ..
            }) => Some(*c),
            _ => None,
        };
        if let Some(c) = at(layer) {
            let file = &a.tree.files[c as usize];
            if u32::from(file.layer) == layer && (at(top) == Some(c)) == last && file.size > 0 {
                found.push(String::from_utf8_lossy(path).into_owned());
            }
        }
    });
    found
}

/// One view: the time to the first window of `path` at `layer`.
fn view(a: &Analysis, origin: &Origin, path: &str, layer: u32) -> Duration {
    let node = a
        .tree
        .lookup(path.as_bytes())
        .expect("the path is in the tree");
    let started = Instant::now();
    let read = content::read_file(
        origin,
        &a.image.layers,
        &a.tree,
        node,
        layer.into(),
        0,
        peel::ui::components::viewer::VIEW_LIMIT,
    );
    let took = started.elapsed();
    if let Err(e) = read {
        panic!("{path} at layer {layer}: {e}");
    }
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs this too (without `--bench`): the
    // image it needs is not the tests' business.
    if !std::env::args().any(|a| a == "--bench") {
        println!("engine_viewer: a benchmark; run it with `cargo bench --bench engine_viewer`");
        return;
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let image = args
        .first()
        .cloned()
        .unwrap_or_else(|| "peel-bench/large-apt:latest".into());
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let reference = source::parse(&image, Some(SourceKind::Docker)).expect("a reference");
    let options = OpenOptions {
        quiet: true,
        ..OpenOptions::default()
    };
    let started = Instant::now();
    let read = source::open(&reference, &image, &options).expect("the image opens");
    let a = Outcome::of(read, None).analysis;
    println!(
        "{image}: {} layers, opened in {:.2?}",
        a.tree.layer_count,
        started.elapsed()
    );
    let top = a.tree.layer_count - 1;
    let top_files = files_of(&a, top, true);
    let bottom_final = files_of(&a, 0, true);
    let bottom_changed = files_of(&a, 0, false);
    // (what, path, layer), in the order a user would meet them
    let mut views: Vec<(&str, &String, u32)> = Vec::new();
    match &top_files[..] {
        [first, second, ..] => {
            views.push(("top layer, first file (archive API)", first, top));
            views.push(("top layer, second file (archive API)", second, top));
        }
        // large-apt's top layer writes one file: the archive API keeps
        // nothing, so its second view costs as much as the first.
        [only] => {
            views.push(("top layer, its file (archive API)", only, top));
            views.push(("top layer, its file again (archive API)", only, top));
        }
        [] => {}
    }
    if let Some(p) = bottom_final.first() {
        views.push(("bottom layer, final version (archive API)", p, 0));
    }
    if let [first, second, ..] = &bottom_changed[..] {
        views.push(("bottom layer, changed later: first (export)", first, 0));
        views.push(("bottom layer, changed later: second (kept)", second, 0));
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); views.len()];
    let mut kept = 0;
    for _ in 0..rounds {
        let origin = Origin::Engine(Arc::new(EngineLayers::new(SourceKind::Docker)));
        for (i, (_, path, layer)) in views.iter().enumerate() {
            times[i].push(view(&a, &origin, path, *layer));
        }
        if let Origin::Engine(layers) = &origin {
            kept = layers.kept_bytes();
        }
    }
    for ((what, path, _), t) in views.iter().zip(times) {
        println!(
            "{what:<46} {:>9.3?} (median of {rounds}; {path})",
            median(t)
        );
    }
    println!("kept for the session after a round: {kept} bytes");
}
