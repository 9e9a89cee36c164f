//! The fuzz targets' inputs replayed through the same entry points
//! (`peel::fuzz_entry`): every committed crash reproducer
//! (`fuzz/regressions/TARGET/*`) and every seed (`fuzz/seeds/TARGET/*`, so
//! the harness itself cannot rot). Each input must finish without a panic
//! within a time bound (a debug build, on a loaded machine).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use peel::fuzz_entry;

/// How long one input may take in a debug build.
const BOUND: Duration = Duration::from_secs(60);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files under `fuzz/KIND/TARGET/`, sorted (a folder may be absent).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Run `target`'s entry on `file` in its own thread: a panic or a run past
/// [`BOUND`] is the failure, with the file named.
fn replay(target: &str, file: &Path) -> Result<(), String> {
    let entry = fuzz_entry::by_name(target).expect("a known target");
    replay_with(target, entry, file)
}

fn replay_with(target: &str, entry: fn(&[u8]), file: &Path) -> Result<(), String> {
    let data = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        entry(&data);
        let _ = tx.send(());
    });
    match rx.recv_timeout(BOUND) {
        Ok(()) => {
            let _ = worker.join();
            Ok(())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(format!("{target}: {} panicked", file.display()))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "{target}: {} still running after {} s",
            file.display(),
            BOUND.as_secs()
        )),
    }
}

/// Reproducers of bugs not fixed yet (file names): left out of
/// [`reproducers_run_without_panic`], each has its own ignored test below.
const OPEN: &[&str] = &[];

/// Replay one reproducer, `fuzz/regressions/TARGET/NAME`.
#[allow(dead_code)]
fn replay_one(target: &str, name: &str) {
    let file = fuzz_dir().join("regressions").join(target).join(name);
    assert!(file.is_file(), "{} is missing", file.display());
    if let Err(e) = replay(target, &file) {
        panic!("{e}");
    }
}

fn replay_all(kind: &str, skip: &[&str]) {
    let mut failures = Vec::new();
    let mut count = 0;
    for target in fuzz_entry::TARGETS {
        for file in inputs(kind, target) {
            if !skip.iter().any(|s| file.ends_with(s)) {
                count += 1;
                if let Err(e) = replay(target, &file) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    if kind == "seeds" {
        assert!(count > 0, "no seeds found under {}", fuzz_dir().display());
    }
}

#[test]
fn every_target_has_an_entry_and_seeds() {
    for target in fuzz_entry::TARGETS {
        assert!(fuzz_entry::by_name(target).is_some(), "{target}");
        assert!(!inputs("seeds", target).is_empty(), "no seeds for {target}");
    }
    assert!(fuzz_entry::by_name("nonesuch").is_none());
}

#[test]
fn seeds_run_without_panic() {
    replay_all("seeds", &[]);
}

#[test]
fn reproducers_run_without_panic() {
    replay_all("regressions", OPEN);
}

#[test]
fn replay_reports_a_panic_and_names_the_file() {
    // The check itself can fail: a panicking entry is caught and named.
    let seed = inputs("seeds", "ci_config").remove(0);
    let err = replay_with("ci_config", |_| panic!("deliberate"), &seed).unwrap_err();
    assert!(err.contains("panicked"), "{err}");
    assert!(err.contains(&*seed.to_string_lossy()), "{err}");
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    let path = fuzz_dir().join("seeds").join(target).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn archive_seeds_are_readable_images() {
    // The seeds must reach deep code: each one opens as an image.
    for name in [
        "docker-save.tar",
        "docker-save.tar.gz",
        "docker-save.tar.zst",
        "docker-save-gz-layers.tar",
        "legacy-save.tar",
        "oci-archive.tar",
    ] {
        let data = seed("archive", name);
        let image = peel::image::archive::read(
            &data[..],
            name,
            name,
            &peel::image::Selection::default(),
            &peel::progress::Progress::new(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!image.layers.is_empty(), "{name}");
    }
}

#[test]
fn engine_seeds_reach_the_export_and_the_engine_errors() {
    // Mode byte 1: the fake engine; the whole request sequence is answered.
    let ok = seed("engine", "responses-ok");
    let image = fuzz_entry::engine_open(&ok[1..], false, false)
        .expect("socket")
        .unwrap_or_else(|e| panic!("responses-ok: {e}"));
    assert_eq!(image.layers.len(), 3);
    assert_eq!(image.format, "docker-engine");
    let missing = seed("engine", "responses-404");
    let err = fuzz_entry::engine_open(&missing[1..], false, false)
        .expect("socket")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no image fuzz:latest"), "{err}");
    let streamed = seed("engine", "responses-stream-error");
    let err = fuzz_entry::engine_open(&streamed[1..], false, false)
        .expect("socket")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unable to export"), "{err}");
}

#[test]
fn registry_manifest_seeds_resolve_to_layers() {
    // Mode 4 seeds are a real registry's answers: each resolves, with every
    // fetch checked against its descriptor, to a manifest with layers.
    let selection = peel::image::Selection::default();
    for name in [
        "manifest-index-multi",
        "manifest-list-list",
        "manifest-apt-gzip",
        "manifest-v2s2-v2s2",
        "manifest-zstd-v1",
    ] {
        let data = seed("registry", name);
        assert_eq!(data[0] % 5, 4, "{name}");
        let resolved = fuzz_entry::registry_resolve(&data[1..], &selection, false)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!resolved.layers.is_empty(), "{name}");
    }
    let schema1 = seed("registry", "manifest-schema1");
    let err = fuzz_entry::registry_resolve(&schema1[1..], &selection, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("schema 1"), "{err}");
}

#[test]
fn dockerfile_seeds_map_their_history() {
    // Each seed's Dockerfile parses and its own steps match history lines
    // (the Windows seed only by its RUN: `cmd /S /C #(nop)` is not a
    // spelling history::read knows).
    for (name, least) in [
        ("legacy-build-args", 3),
        ("buildkit-heredoc-multistage", 3),
        ("escape-backtick", 1),
        ("exec-form-onbuild", 3),
    ] {
        let mapping = fuzz_entry::dockerfile_mapping(&seed("dockerfile", name))
            .unwrap_or_else(|| panic!("{name}: the Dockerfile does not parse"));
        let matched = mapping.entries.iter().flatten().count();
        assert!(matched >= least, "{name}: {matched} entries matched");
    }
}
