//! A Docker engine stopped in between: a second, private dockerd (its own
//! socket, data root, exec root and pidfile in this test's run folder, never
//! the shared engine's) holds the image; the viewer reads a layer, the
//! engine is stopped, and the UI goes on: a not-yet-kept layer fails with
//! one line, keys are still answered, and a kept layer still shows.

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Std, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use peel::content::{EngineLayers, Origin};
use peel::source::SourceKind;
use peel::source::engine::Endpoint;
use peel::ui::app::{App, Modal, Phase};
use peel::ui::components::viewer::ViewerBody;

use super::{app_at, built, final_layer, open_outcome, press, serial};

/// A dockerd this test started, stopped (and its folders removed) when
/// dropped, whatever the test did.
struct Dockerd {
    child: Option<Child>,
    dir: PathBuf,
    socket: PathBuf,
}

impl Dockerd {
    /// Start one in `dir`; `None` (said why) when dockerd cannot run here,
    /// a failure when PEEL_REQUIRE_DOCKER is set.
    fn start(dir: &Path) -> Option<Dockerd> {
        let required = std::env::var("PEEL_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
        let skip = |why: String| {
            assert!(!required, "PEEL_REQUIRE_DOCKER=1 but {why}");
            eprintln!("skipped: {why}");
            None
        };
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        let socket = dir.join("docker.sock");
        let spawned = Std::new("dockerd")
            .args([
                "--storage-driver=vfs",
                "--iptables=false",
                "--ip-masq=false",
            ])
            .args(["--bridge=none", "--data-root"])
            .arg(dir.join("root"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("dockerd.pid"))
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => return skip(format!("dockerd does not start: {e}")),
        };
        let mut engine = Dockerd {
            child: Some(child),
            dir: dir.to_path_buf(),
            socket,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while engine.docker(&["version"]).is_err() {
            let exited = engine
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                let log = std::fs::read_to_string(dir.join("dockerd.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                return skip(format!("the second dockerd did not answer: {tail:?}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(engine)
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: format!("unix://{}", self.socket.display()),
            tls: None,
            origin: "DOCKER_HOST".into(),
            kind: SourceKind::Docker,
        }
    }

    /// `docker ARGS` against this engine.
    fn docker(&self, args: &[&str]) -> Result<String, String> {
        let out = Std::new("docker")
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .args(args)
            .env_remove("DOCKER_CONTEXT")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        match out.status.success() {
            true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        }
    }

    /// Stop the engine as `kill` does (SIGTERM; SIGKILL after 20 s) and
    /// wait for it; its containerd goes with it.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Std::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        // A containerd the engine started and did not stop.
        let containerd = self.dir.join("exec/containerd/containerd.pid");
        if let Ok(pid) = std::fs::read_to_string(containerd) {
            let _ = Std::new("kill").args(["-KILL", pid.trim()]).status();
        }
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        self.stop();
        // The engine's network namespace mount stays after it stops.
        let _ = Std::new("umount")
            .arg(self.dir.join("exec/netns/default"))
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(self.dir.join("root"));
        let _ = std::fs::remove_dir_all(self.dir.join("exec"));
    }
}

/// Open `path` at `layer` in the viewer, the read done as the UI does it.
fn view(app: &mut App, path: &str, layer: u32) -> ViewerBody {
    let Phase::Ready(l) = &mut app.phase else {
        panic!("not loaded")
    };
    let node = l.analysis.tree.lookup(path.as_bytes()).unwrap();
    l.show_node(layer.into(), node);
    press(app, KeyCode::Enter);
    peel::ui::run_pending(app);
    match &app.modal {
        Modal::Viewer(v) => v.body.clone(),
        other => panic!("no viewer: {other:?}"),
    }
}

fn text(body: &ViewerBody) -> Vec<u8> {
    body.content().map(|c| c.bytes.clone()).unwrap_or_default()
}

#[test]
fn a_second_dockerd_stopped_in_between_leaves_the_ui_working() {
    let Some(b) = built() else { return };
    let _serial = serial();
    let dir = crate::fixture::run_dir("viewer-dockerd");
    let Some(mut engine) = Dockerd::start(&dir) else {
        return;
    };
    engine
        .docker(&["load", "-i", b.saved.to_str().unwrap()])
        .expect("the image loads into the second engine");
    let (outcome, _) = open_outcome(&engine.endpoint());
    // Within 1 MiB: layer 1 is kept, the 20 MiB layer 2 never passes in.
    let layers = EngineLayers::with_bound(Ok(engine.endpoint()), 1 << 20);
    let origin = Origin::Engine(std::sync::Arc::new(layers));
    let top = final_layer(&outcome.analysis);
    let mut app = app_at(outcome, origin, "v/changed", 1);
    // Layer 1's own version: exported from the second engine, kept.
    assert_eq!(text(&view(&mut app, "v/changed", 1)), b"first\n");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, Modal::None);

    engine.stop();
    assert!(engine.docker(&["version"]).is_err(), "the engine is gone");
    // The big file's layer (2) was never kept: one clear line.
    let body = view(&mut app, "v/big", top);
    let ViewerBody::Error(e) = &body else {
        panic!("not an error: {} bytes shown", text(&body).len())
    };
    eprintln!("the viewer says: {e}");
    assert!(!e.contains('\n'), "{e}");
    assert!(e.contains(&engine.socket.display().to_string()), "{e}");
    let screen = super::stdin_prompt::screen(&app);
    let shown: String = e.chars().take(60).collect();
    assert!(screen.contains(&shown), "{screen}");
    // Keys are still answered: the viewer closes, the tree moves.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.modal, Modal::None);
    press(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.modal, Modal::Help { .. }));
    press(&mut app, KeyCode::Esc);
    // What was kept still shows, the deleted-later file of layer 1 too.
    assert_eq!(text(&view(&mut app, "v/deleted", 1)), b"doomed\n");
    press(&mut app, KeyCode::Esc);
    assert_eq!(text(&view(&mut app, "v/changed", 1)), b"first\n");
}
