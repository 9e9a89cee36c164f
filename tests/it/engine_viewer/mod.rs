//! The file viewer and extract on images read from an engine (the Docker
//! engine of `DOCKER_HOST`, and a private Podman API service): the selected
//! layer's version, exported again by the image's id or read through a
//! never-started container's archive API, and that container always removed.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Std, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use peel::analysis::Analysis;
use peel::content::{self, EngineLayers, Origin};
use peel::pipeline::Outcome;
use peel::source::engine::Endpoint;
use peel::source::{OpenOptions, SourceKind, docker as engine_source};
use peel::ui::app::{App, Focus, Modal, Phase};
use peel::ui::event::Event;
use peel::ui::keymap::Config;
use peel::ui::theme::Theme;

use super::docker::{BASE, docker, engine};

mod second_dockerd;
mod stdin_prompt;

const IMAGE: &str = "peel-test/viewer-layers:1";
const LABEL: &str = "io.github.peel.viewer";
/// /v/big: 20 MiB of a 16-byte pattern.
const BIG: u64 = 20 << 20;
const PATTERN: &[u8] = b"0123456789abcde\n";

/// Layer 1 writes /v/changed, /v/deleted and the link /v/link; layer 2 the
/// big file; layer 3 (the final one) rewrites /v/changed and deletes
/// /v/deleted.
const DOCKERFILE: &str = r#"FROM peel-it/busybox:base
RUN mkdir /v && echo first > /v/changed && echo doomed > /v/deleted && ln -s changed /v/link
RUN yes 0123456789abcde | head -c 20971520 > /v/big
RUN echo second > /v/changed && rm /v/deleted
"#;

/// The engine tests share one fetch progress (the viewer has one at a
/// time): they run one after the other.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

struct Built {
    dir: PathBuf,
    saved: PathBuf,
}

fn built() -> Option<&'static Built> {
    engine()?;
    static BUILT: OnceLock<Built> = OnceLock::new();
    Some(BUILT.get_or_init(|| {
        let dir = crate::fixture::run_dir("engine-viewer");
        std::fs::write(
            dir.join("Dockerfile"),
            DOCKERFILE.replace("peel-it/busybox:base", BASE),
        )
        .unwrap();
        docker(&["build", "-q", "-t", IMAGE, dir.to_str().unwrap()]).unwrap();
        let saved = dir.join("saved.tar");
        docker(&["save", "-o", saved.to_str().unwrap(), IMAGE]).unwrap();
        Built { dir, saved }
    }))
}

fn docker_endpoint() -> Endpoint {
    let host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into());
    Endpoint {
        host,
        tls: None,
        origin: "DOCKER_HOST".into(),
        kind: SourceKind::Docker,
    }
}

/// The image read from `endpoint`, and the origin that reads it again.
fn open(endpoint: &Endpoint) -> (Analysis, Origin) {
    let (outcome, origin) = open_outcome(endpoint);
    (outcome.analysis, origin)
}

fn open_outcome(endpoint: &Endpoint) -> (Outcome, Origin) {
    let options = OpenOptions {
        quiet: true,
        ..OpenOptions::default()
    };
    let image = engine_source::open_at(endpoint, IMAGE, IMAGE, &options).unwrap();
    let origin = Origin::Engine(std::sync::Arc::new(EngineLayers::at(Ok(endpoint.clone()))));
    (Outcome::of(image, None), origin)
}

/// The UI's app (headless) on `outcome`, `path` selected at `layer`.
fn app_at(outcome: Outcome, origin: Origin, path: &str, layer: u32) -> App {
    let node = outcome.analysis.tree.lookup(path.as_bytes()).unwrap();
    let mut app = App::new(IMAGE, Config::default(), Theme::plain(), origin);
    app.update(Event::Resize(120, 36));
    app.update(Event::Loaded(Box::new(Ok(outcome))));
    if let Phase::Ready(l) = &mut app.phase {
        l.show_node(layer.into(), node);
    }
    app.focus = Focus::Right;
    app
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The app's pending commands, run on their own thread as the UI runs them.
fn spawn_pending(app: &mut App) -> std::thread::JoinHandle<Option<Event>> {
    let origin = app.origin.clone();
    let outcome = app.loaded().unwrap().analysis.clone();
    let commands = std::mem::take(&mut app.commands);
    assert_eq!(commands.len(), 1, "{commands:?}");
    std::thread::spawn(move || {
        let cmd = commands.into_iter().next().unwrap();
        peel::ui::run_command(&origin, &outcome, cmd)
    })
}

fn message(app: &App) -> String {
    app.message.clone().map(|(m, _)| m).unwrap_or_default()
}

fn read(
    a: &Analysis,
    origin: &Origin,
    path: &str,
    layer: u32,
    offset: u64,
) -> Result<content::Content, String> {
    let node = a
        .tree
        .lookup(path.as_bytes())
        .expect("the path is in the tree");
    content::read_file(
        origin,
        &a.image.layers,
        &a.tree,
        node,
        layer.into(),
        offset,
        8 << 20,
    )
    .map_err(|e| e.to_string())
}

fn kept(origin: &Origin) -> u64 {
    match origin {
        Origin::Engine(e) => e.kept_bytes(),
        _ => 0,
    }
}

fn final_layer(a: &Analysis) -> u32 {
    a.tree.layer_count - 1
}

/// The containers peel's viewer left in the engine `ps` lists.
fn left_containers(ps: impl Fn(&[&str]) -> String) -> String {
    ps(&["ps", "-a", "-q", "--filter", &format!("label={LABEL}")])
}

fn docker_ps(args: &[&str]) -> String {
    docker(args).unwrap()
}

#[test]
fn docker_final_layer_comes_from_the_archive_api_and_the_container_goes() {
    let Some(_) = built() else { return };
    let _serial = serial();
    let (a, origin) = open(&docker_endpoint());
    let top = final_layer(&a);
    // One left behind by a peel that was killed (its process is gone).
    let label = format!("{LABEL}=4294967295");
    docker(&["create", "--label", &label, IMAGE, "x"]).unwrap();
    let got = read(&a, &origin, "v/changed", top, 0).unwrap();
    assert_eq!(got.bytes, b"second\n");
    // No export was needed: nothing kept, not even a folder.
    assert_eq!(kept(&origin), 0);
    let Origin::Engine(layers) = &origin else {
        unreachable!()
    };
    assert!(!layers.folder().exists());
    assert_eq!(left_containers(docker_ps), "");
    // The large file, by windows of 8 MiB, through the same route.
    let window = read(&a, &origin, "v/big", top, 8 << 20).unwrap();
    assert_eq!(
        (window.offset, window.total, window.bytes.len()),
        (8 << 20, BIG, 8 << 20)
    );
    assert!(window.bytes.chunks(16).all(|c| c == PATTERN));
    let last = read(&a, &origin, "v/big", top, 16 << 20).unwrap();
    assert_eq!(last.bytes.len() as u64, BIG - (16 << 20));
    assert_eq!(left_containers(docker_ps), "");
    // Extract of a final-version file: the same route, nothing kept.
    let dest = tempfile::tempdir().unwrap();
    let big = a.tree.lookup(b"v/big").unwrap();
    let out = content::extract(
        &origin,
        &a.image.layers,
        &a.tree,
        big,
        top.into(),
        dest.path(),
        false,
    )
    .unwrap();
    assert_eq!(out.files, 1);
    let written = std::fs::read(dest.path().join("big")).unwrap();
    assert_eq!(written.len() as u64, BIG);
    assert!(written.chunks(16).all(|c| c == PATTERN));
    assert_eq!(kept(&origin), 0);
    assert_eq!(left_containers(docker_ps), "");
}

#[test]
fn docker_middle_layer_shows_its_own_version_and_keeps_the_layer() {
    let Some(b) = built() else { return };
    let _serial = serial();
    let (a, origin) = open(&docker_endpoint());
    // Layer 1's /v/changed differs from the final one: never the final's.
    let started = Instant::now();
    let got = read(&a, &origin, "v/changed", 1, 0).unwrap();
    assert_eq!(got.bytes, b"first\n");
    let first = started.elapsed();
    assert!(kept(&origin) > 0, "the layer is kept for the next view");
    let Origin::Engine(layers) = &origin else {
        unreachable!()
    };
    let folder = layers.folder().to_path_buf();
    assert!(folder.is_dir());
    // A file deleted later, in the same (now kept) layer: instant.
    let started = Instant::now();
    assert_eq!(
        read(&a, &origin, "v/deleted", 1, 0).unwrap().bytes,
        b"doomed\n"
    );
    let second = started.elapsed();
    assert!(second < first, "second view {second:?}, first {first:?}");
    assert_eq!(
        read(&a, &origin, "v/deleted", final_layer(&a), 0)
            .err()
            .as_deref(),
        Some("removed in this layer")
    );
    // A symlink has no content; extract writes it as a link.
    let link = read(&a, &origin, "v/link", 1, 0).err().unwrap_or_default();
    assert!(link.contains("symlink"), "{link}");
    let dest = tempfile::tempdir_in(&b.dir).unwrap();
    let v = a.tree.lookup(b"v").unwrap();
    let out = content::extract(
        &origin,
        &a.image.layers,
        &a.tree,
        v,
        1.into(),
        dest.path(),
        false,
    )
    .unwrap();
    assert_eq!((out.files, out.links), (2, 1));
    let root = dest.path().join("v");
    assert_eq!(std::fs::read(root.join("changed")).unwrap(), b"first\n");
    assert_eq!(std::fs::read(root.join("deleted")).unwrap(), b"doomed\n");
    assert_eq!(
        std::fs::read_link(root.join("link")).unwrap(),
        Path::new("changed")
    );
    assert_eq!(left_containers(docker_ps), "");
    // The session ends: its folder goes.
    drop(origin);
    assert!(!folder.exists());
}

#[test]
fn a_layer_larger_than_the_bound_is_refused_by_name() {
    let Some(_) = built() else { return };
    let _serial = serial();
    let (a, _) = open(&docker_endpoint());
    let small = Origin::Engine(std::sync::Arc::new(EngineLayers::with_bound(
        Ok(docker_endpoint()),
        1000,
    )));
    let err = read(&a, &small, "v/changed", 1, 0)
        .err()
        .unwrap_or_default();
    assert!(
        err.contains("more than the session keeps (1000 bytes"),
        "{err}"
    );
    assert_eq!(kept(&small), 0);
}

#[test]
fn engine_reads_equal_the_saved_archive_reads() {
    let Some(b) = built() else { return };
    let _serial = serial();
    let (a, origin) = open(&docker_endpoint());
    let reference = b.saved.display().to_string();
    let parsed = peel::source::parse(&reference, None).unwrap();
    let saved = peel::source::open(&parsed, &reference, &OpenOptions::default()).unwrap();
    let s = Outcome::of(saved, None).analysis;
    let file_origin = Origin::of(&parsed);
    for (path, layer) in [
        ("v/big", 2),
        ("v/changed", 3),
        ("v/changed", 1),
        ("bin/busybox", 0),
    ] {
        assert_eq!(
            read(&a, &origin, path, layer, 0).unwrap(),
            read(&s, &file_origin, path, layer, 0).unwrap(),
            "{path} at layer {layer}"
        );
    }
}

#[test]
fn a_cancelled_fetch_keeps_nothing_and_says_so() {
    let Some(_) = built() else { return };
    let _serial = serial();
    let (a, origin) = open(&docker_endpoint());
    let canceller = std::thread::spawn(|| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while content::fetch_progress().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        content::cancel_fetch();
    });
    // Not the final version: the export route.
    let got = read(&a, &origin, "v/changed", 1, 0);
    canceller.join().unwrap();
    assert_eq!(got.err().as_deref(), Some("cancelled"));
    assert!(content::fetch_progress().is_none());
    // Nothing half-kept stands in: the next view fetches it whole.
    assert_eq!(
        read(&a, &origin, "v/changed", 1, 0).unwrap().bytes,
        b"first\n"
    );
}

/// Extract in the UI of a directory whose layer must be exported: the
/// status line shows the fetch, `esc` cancels it, and the destination holds
/// nothing afterwards (not even the directory, made before the fetch).
#[test]
fn a_cancelled_extract_shows_its_progress_and_leaves_nothing() {
    let Some(b) = built() else { return };
    let _serial = serial();
    let (outcome, origin) = open_outcome(&docker_endpoint());
    // Layer 2, not the last: exported, and 20 MB bigger than layer 1, so
    // the fetch is still running when the test looks at its progress (at
    // layer 1 a quiet machine's export could end before the first look).
    let mut app = app_at(outcome, origin, "v", 2);
    let dest = tempfile::tempdir_in(&b.dir).unwrap();
    press(&mut app, KeyCode::Char('x'));
    let Modal::Extract { input, .. } = &mut app.modal else {
        panic!("{:?}", app.modal)
    };
    *input = dest.path().display().to_string();
    press(&mut app, KeyCode::Enter);
    assert!(app.extracting && message(&app) == "extracting…");
    let extract = spawn_pending(&mut app);
    let deadline = Instant::now() + Duration::from_secs(20);
    while content::fetch_progress().is_none_or(|p| p.bytes == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    app.update(Event::Tick);
    let shown = message(&app);
    assert!(
        shown.starts_with("extracting… reading the layer… ")
            && shown.ends_with("from the engine · esc cancels"),
        "{shown}"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(message(&app), "cancelling the extract…");
    app.update(extract.join().unwrap().expect("an event"));
    assert_eq!(message(&app), "extract cancelled: nothing written");
    assert!(!app.extracting);
    let left: Vec<_> = std::fs::read_dir(dest.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "left at the destination: {left:?}");
    // The UI goes on: the same extract, not cancelled, writes it all.
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter);
    let done = spawn_pending(&mut app).join().unwrap().expect("an event");
    app.update(done);
    assert!(
        message(&app).starts_with("extracted to"),
        "{}",
        message(&app)
    );
    let root = dest.path().join("v");
    assert_eq!(std::fs::read(root.join("changed")).unwrap(), b"first\n");
    assert_eq!(left_containers(docker_ps), "");
}

/// A private Podman API service holding [`IMAGE`], that the test may kill.
struct Podman {
    child: Child,
    endpoint: Endpoint,
    /// Its storage, removed after the service is stopped (a short path:
    /// Podman refuses a runroot over 50 characters).
    _storage: tempfile::TempDir,
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn podman_flags(dir: &Path) -> Vec<String> {
    vec![
        "--root".into(),
        dir.join("root").display().to_string(),
        "--runroot".into(),
        dir.join("run").display().to_string(),
        "--storage-driver".into(),
        "vfs".into(),
    ]
}

fn podman() -> Option<(Podman, PathBuf)> {
    let b = built()?;
    let storage = tempfile::Builder::new()
        .prefix("peel-it-podman")
        .tempdir()
        .expect("a temporary folder for Podman");
    let dir = storage.path().to_path_buf();
    let flags = podman_flags(&dir);
    let load = Std::new("podman")
        .args(&flags)
        .arg("load")
        .arg("-i")
        .arg(&b.saved)
        .output();
    match load {
        Ok(out) if out.status.success() => {}
        other => {
            let why = format!("podman load: {other:?}");
            if std::env::var("PEEL_REQUIRE_PODMAN").is_ok_and(|v| v == "1") {
                panic!("PEEL_REQUIRE_PODMAN=1 but Podman is not usable: {why}");
            }
            eprintln!("skipped: no usable Podman ({why})");
            return None;
        }
    }
    let socket = dir.join("api.sock");
    let child = Std::new("podman")
        .args(&flags)
        .args(["system", "service", "--time=0"])
        .arg(format!("unix://{}", socket.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("podman system service starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while UnixStream::connect(&socket).is_err() {
        assert!(
            Instant::now() < deadline,
            "podman did not listen within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let endpoint = Endpoint {
        host: format!("unix://{}", socket.display()),
        tls: None,
        origin: "CONTAINER_HOST".into(),
        kind: SourceKind::Podman,
    };
    Some((
        Podman {
            child,
            endpoint,
            _storage: storage,
        },
        dir,
    ))
}

#[test]
fn podman_views_every_layer_and_survives_its_engine_stopping() {
    let Some((mut service, dir)) = podman() else {
        return;
    };
    let _serial = serial();
    let (a, origin) = open(&service.endpoint);
    let top = final_layer(&a);
    assert_eq!(
        read(&a, &origin, "v/changed", top, 0).unwrap().bytes,
        b"second\n"
    );
    let ps = |args: &[&str]| {
        let out = Std::new("podman")
            .args(podman_flags(&dir))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(left_containers(ps), "");
    assert_eq!(
        read(&a, &origin, "v/changed", 1, 0).unwrap().bytes,
        b"first\n"
    );
    assert_eq!(
        read(&a, &origin, "v/deleted", 1, 0).unwrap().bytes,
        b"doomed\n"
    );
    // The engine stops: a clear one-line message, and what is kept still
    // reads.
    let _ = service.child.kill();
    let _ = service.child.wait();
    // Layer 2 was not kept (the fetch stopped at layer 1).
    let err = read(&a, &origin, "v/big", top, 0).err().unwrap_or_default();
    assert!(!err.is_empty(), "the engine is gone: the read fails");
    assert!(!err.contains('\n') && err.contains("odman"), "{err}");
    assert_eq!(
        read(&a, &origin, "v/changed", 1, 0).unwrap().bytes,
        b"first\n"
    );
}

/// `docker save … | peel --keep-layers -`: the stream, as the source reads
/// standard input, kept in the session folder (or not).
fn from_stdin(keep: Option<&Path>, bound: u64) -> (Analysis, Origin) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar");
    let options = OpenOptions {
        keep_layers: keep.map(Path::to_path_buf),
        keep_bound: bound,
        ..OpenOptions::default()
    };
    let stream = std::fs::File::open(demo).unwrap();
    let image = peel::source::open_stream(stream, &None, "-", &options).unwrap();
    let origin = Origin::of(&peel::source::Reference::Stdin { tag: None });
    (Outcome::of(image, None).analysis, origin)
}

#[test]
fn standard_input_is_viewable_with_keep_layers_and_says_so_without() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = from_stdin(None, 0);
    let kept_dir = dir.path().join("kept");
    let (kept, origin) = from_stdin(Some(&kept_dir), 1 << 30);
    let busybox = kept.tree.lookup(b"bin/busybox").unwrap();
    let got = content::read_file(
        &origin,
        &kept.image.layers,
        &kept.tree,
        busybox,
        0.into(),
        0,
        64,
    )
    .unwrap();
    assert_eq!(&got.bytes[..4], b"\x7fELF");
    assert!(kept_dir.join("stdin.tar").is_file());
    // Without it, and past the bound: a plain message.
    let (_, stdin) = from_stdin(None, 0);
    for (a, origin) in [
        (&files, &stdin),
        (&from_stdin(Some(&dir.path().join("small")), 1000).0, &stdin),
    ] {
        let node = a.tree.lookup(b"bin/busybox").unwrap();
        let err = content::read_file(origin, &a.image.layers, &a.tree, node, 0.into(), 0, 64)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("--keep-layers") && err.contains("save the image to a file"),
            "{err}"
        );
    }
    assert!(!dir.path().join("small/stdin.tar").exists());
}
