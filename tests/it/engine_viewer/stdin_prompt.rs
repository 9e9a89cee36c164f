//! `… | peel -` in a terminal without `--keep-layers`: the loading screen
//! asks whether to keep the stream's layers before reading it (keys from the
//! terminal, the image on standard input); y keeps them for the viewer, n
//! keeps nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use peel::content::Origin;
use peel::source::Reference;
use peel::ui::app::{App, Modal};
use peel::ui::event::{Command, Event};
use peel::ui::keymap::Config;
use peel::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::fixture::{Image, Layer};

fn asking(folder: &Path) -> App {
    let origin = Origin::of(&Reference::Stdin { tag: None });
    let mut app = App::new("-", Config::default(), Theme::plain(), origin);
    app.update(Event::Resize(100, 30));
    app.ask_keep_layers(folder.to_path_buf(), 3 << 30);
    app
}

fn press(app: &mut App, c: char) {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
}

pub(super) fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| peel::ui::render(f, app)).unwrap();
    t.backend().to_string()
}

#[test]
fn the_loading_screen_asks_before_standard_input_is_read() {
    let folder = PathBuf::from("/tmp/peel-layers-1-stdin\x1b[31m");
    let mut app = asking(&folder);
    let s = screen(&app);
    assert!(
        s.contains("Keep this stream's layers for the viewer and extract? y/n"),
        "{s}"
    );
    assert!(
        s.contains("/tmp/peel-layers-1-stdin") && s.contains("3.22 GB"),
        "{s}"
    );
    assert!(!s.contains('\x1b'), "the folder's name is escaped: {s}");
    // Other keys wait for an answer; nothing is read meanwhile.
    press(&mut app, 'j');
    press(&mut app, 'x');
    assert!(matches!(app.modal, Modal::KeepLayers { .. }));
    assert!(app.commands.is_empty() && !app.quit);
    press(&mut app, 'y');
    assert_eq!(app.commands, vec![Command::KeepLayers(true)]);
    assert_eq!(app.modal, Modal::None);
    let s = screen(&app);
    assert!(
        s.contains("q or ctrl+c cancels") && !s.contains("y/n"),
        "{s}"
    );

    let mut app = asking(&folder);
    press(&mut app, 'n');
    assert_eq!(app.commands, vec![Command::KeepLayers(false)]);
    let mut app = asking(&folder);
    press(&mut app, 'q');
    assert!(app.quit && app.commands.is_empty());
}

/// A tmux session running `command`, killed when dropped.
struct Tmux(String);

impl Tmux {
    fn start(name: &str, command: &str) -> Option<Tmux> {
        let here = std::process::Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok();
        if !here {
            assert!(
                std::env::var("PEEL_REQUIRE_TMUX").is_err(),
                "PEEL_REQUIRE_TMUX is set but tmux is not installed"
            );
            eprintln!("skipped: tmux is not installed");
            return None;
        }
        let session = Tmux(format!("{name}-{}", std::process::id()));
        let size = ["-x", "120", "-y", "36"];
        session.run(
            &[
                &["new-session", "-d", "-s", &session.0][..],
                &size,
                &[command],
            ]
            .concat(),
        );
        Some(session)
    }

    fn run(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        self.run(&[&["send-keys", "-t", &self.0][..], keys].concat());
    }

    fn wait_for(&self, what: &str) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            last = self.run(&["capture-pane", "-p", "-t", &self.0]);
            if last.contains(what) {
                return last;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("'{what}' never appeared; screen:\n{last}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-session", "-t", &self.0]);
    }
}

/// The session folders under `xdg`, and whether each holds the stream.
fn kept_streams(xdg: &Path) -> Vec<bool> {
    std::fs::read_dir(xdg)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("peel-layers-"))
        .map(|e| e.path().join("stdin.tar").is_file())
        .collect()
}

#[test]
fn piped_into_the_real_binary_y_keeps_the_layers_and_n_does_not() {
    let dir = crate::fixture::run_dir("viewer-stdin-prompt");
    let archive = dir.join("img.tar");
    let image = Image::new().layer(Layer::new().file("hello.txt", b"kept from standard input\n"));
    std::fs::write(&archive, image.docker_archive()).unwrap();
    let xdg = dir.join("xdg");
    std::fs::create_dir(&xdg).unwrap();
    let peel = |n: u32| {
        format!(
            "cat {archive} | env -u CI -u NO_COLOR XDG_RUNTIME_DIR={xdg} {bin} -; echo PEEL-EXIT{n}=$?",
            archive = archive.display(),
            xdg = xdg.display(),
            bin = env!("CARGO_BIN_EXE_peel"),
        )
    };
    // The second run waits for enter: the first's exit status shows first.
    // The third, with CI=true in the same terminal, never asks.
    let ci = format!(
        "cat {} | CI=true {} -; echo PEEL-EXIT3=$?",
        archive.display(),
        env!("CARGO_BIN_EXE_peel")
    );
    let command = format!("{}; read _; {}; {ci}; sleep 60", peel(1), peel(2));
    let Some(tmux) = Tmux::start("peel-viewer-stdin", &command) else {
        return;
    };
    tmux.wait_for("Keep this stream's layers");
    assert_eq!(kept_streams(&xdg), Vec::<bool>::new(), "nothing before y");
    tmux.keys(&["j"]);
    tmux.keys(&["y"]);
    tmux.wait_for("Contents at layer 0");
    assert_eq!(kept_streams(&xdg), vec![true]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("kept from standard input");
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["q"]);
    let s = tmux.wait_for("PEEL-EXIT1=");
    assert!(s.contains("PEEL-EXIT1=0"), "{s}");
    // The second run: n reads the stream and keeps nothing; the viewer says so.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Keep this stream's layers");
    tmux.keys(&["n"]);
    tmux.wait_for("Contents at layer 0");
    tmux.keys(&["Tab"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("its layers were not kept");
    assert_eq!(kept_streams(&xdg), Vec::<bool>::new());
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["q"]);
    let s = tmux.wait_for("PEEL-EXIT3=");
    assert!(
        s.contains("PEEL-EXIT2=0") && s.contains("PEEL-EXIT3=0"),
        "{s}"
    );
    // The kept stream went with the first session.
    assert_eq!(kept_streams(&xdg), Vec::<bool>::new());
}

/// Standard output not a terminal: the text report, no question (the run
/// would hang on one).
#[test]
fn off_a_terminal_standard_input_is_read_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("img.tar");
    let image = Image::new().layer(Layer::new().file("a.txt", b"a\n"));
    std::fs::write(&archive, image.docker_archive()).unwrap();
    let run = crate::cli::peel(dir.path())
        .arg("-")
        .pipe_stdin(&archive)
        .unwrap()
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        text.contains("Efficiency") && !text.contains("Keep this"),
        "{text}"
    );
}
