//! Copying (OSC 52) and mouse capture: headless, and in a real tmux whose
//! clipboard buffer receives what peel copies.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use peel::ui::app::App;
use peel::ui::event::{Command, Event};

use super::{demo, demo_path};

/// A key, without running the commands it leaves (to look at them).
fn hit(app: &mut App, c: char) -> Vec<Command> {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
    std::mem::take(&mut app.commands)
}

#[test]
fn y_copies_the_path_and_shift_y_the_layers_command() {
    let mut app = demo();
    for _ in 0..5 {
        hit(&mut app, 'j');
    }
    app.update(Event::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    assert_eq!(hit(&mut app, 'y'), [Command::Copy("/bin".into())]);
    let command = app.loaded().unwrap().analysis.image.layers[5].command();
    assert!(command.contains("seq 1 80000"), "{command}");
    assert_eq!(hit(&mut app, 'Y'), [Command::Copy(command)]);
    // In the waste view, the group's directory, then the entry's path.
    hit(&mut app, 'w');
    assert_eq!(hit(&mut app, 'y'), [Command::Copy("/var/cache/apk".into())]);
    hit(&mut app, 'j');
    assert_eq!(
        hit(&mut app, 'y'),
        [Command::Copy("/opt/peel/blob.bin".into())]
    );
}

#[test]
fn m_turns_mouse_capture_off_and_on_and_the_config_can_start_it_off() {
    let mut app = demo();
    assert!(app.mouse);
    assert_eq!(hit(&mut app, 'm'), [Command::Mouse(false)]);
    assert!(!app.mouse);
    assert!(app.message.as_ref().unwrap().0.contains("mouse off"));
    assert_eq!(hit(&mut app, 'm'), [Command::Mouse(true)]);
    let config = peel::ui::keymap::parse_config("[ui]\nmouse = false\n").unwrap();
    assert!(!config.mouse);
    let err = peel::ui::keymap::parse_config("[ui]\nmice = false\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("ui.mice"), "{err}");
}

/// The real binary in tmux (`set-clipboard on`): `y` lands in tmux's paste
/// buffer, OSC 52 being what tmux reads.
#[test]
fn tmux_receives_the_copied_path() {
    if !super::tmux_available() {
        return;
    }
    let socket = format!("peel-ui-copy-{}", std::process::id());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let cmd = format!(
        "env -u CI -u NO_COLOR {} {}; sleep 30",
        env!("CARGO_BIN_EXE_peel"),
        demo_path().display()
    );
    let out = tmux(&[
        "new-session",
        "-d",
        "-s",
        "copy",
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux(&["set-option", "-g", "set-clipboard", "on"]);
    let result = std::panic::catch_unwind(|| {
        let capture = || {
            String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "copy"]).stdout)
                .into_owned()
        };
        let mut screen = String::new();
        for _ in 0..100 {
            screen = capture();
            if screen.contains("Contents at layer 0") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(screen.contains("Contents at layer 0"), "{screen}");
        tmux(&["send-keys", "-t", "copy", "Tab", "j", "y"]);
        let mut buffer = String::new();
        for _ in 0..50 {
            buffer = String::from_utf8_lossy(&tmux(&["show-buffer"]).stdout).into_owned();
            if !buffer.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(buffer, "/bin/[", "screen:\n{}", capture());
    });
    tmux(&["kill-server"]);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
