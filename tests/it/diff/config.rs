//! `peel diff --config PATH`: the UI's config file, as for `peel IMAGE`. A
//! key binding of the file takes effect in the real compare-mode UI (tmux);
//! a bad or missing file is one line, exit 2, whenever the UI is what was
//! asked for; a report flag (`--html` too) prints reports and reads no UI
//! config.

use std::path::Path;

use super::{fails, new_image, old_image, peel};
use crate::fixture::{put, tmp};

/// `old.tar`, `new.tar` and a config in `dir` binding `compare-old` to `X`
/// (`C` no longer).
fn pair_and_config(dir: &Path) -> (String, String, String) {
    (
        put(dir, "old.tar", &old_image().docker_archive()),
        put(dir, "new.tar", &new_image().docker_archive()),
        put(dir, "keys.toml", b"[keybinding]\ncompare-old = \"X\"\n"),
    )
}

#[test]
fn a_bad_or_missing_config_is_one_line() {
    let dir = tmp();
    let (old, new, _) = pair_and_config(dir.path());
    let bad = put(
        dir.path(),
        "bad.toml",
        b"[keybinding]\ncompare-old = \"ctrl+nothing\"\n",
    );
    fails(
        dir.path(),
        &["diff", "--config", &bad, &old, &new],
        &["bad.toml", "keybinding.compare-old"],
    );
    fails(
        dir.path(),
        &["diff", "--config", "no-such.toml", &old, &new],
        &["no-such.toml"],
    );
    // PEEL_CONFIG is the flag's environment variable, for `peel diff` too.
    let out = peel(dir.path())
        .env("PEEL_CONFIG", &bad)
        .args(["diff", &old, &new])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A report asked for: no UI, no UI config read.
    for report in [["--json", "r.json"], ["--html", "r.html"]] {
        let out = peel(dir.path())
            .args(["diff", "--config", &bad])
            .args(report)
            .args([&old, &new])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{report:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.path().join(report[1]).is_file(), "{report:?}");
    }
}

/// The real binary in a terminal (tmux, CI cleared): the config's `X`
/// turns compare mode off and on, `C` does nothing; then `--html` in the
/// same terminal writes the page and opens no UI.
#[test]
fn tmux_the_configs_key_drives_compare_mode() {
    if !crate::ui::tmux_available() {
        return;
    }
    let dir = tmp();
    let (old, new, keys) = pair_and_config(dir.path());
    let session = format!("peel-diff-config-{}", std::process::id());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let screen = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let wait_for = |what: &str| -> String {
        let mut last = String::new();
        for _ in 0..150 {
            last = screen();
            if last.contains(what) {
                return last;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("'{what}' never appeared; screen:\n{last}");
    };
    let cmd = format!(
        "cd {dir} && env -u CI {bin} diff --config {keys} {old} {new}; ui=$?; clear; \
         env -u CI {bin} diff --html page.html {old} {new} >/dev/null; \
         echo PEEL-EXIT=$ui,$?; sleep 60",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_peel"),
    );
    let out = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "40",
        &cmd,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = std::panic::catch_unwind(|| {
        wait_for("Compared with");
        // `C` is no longer the key: `C` then `X` leaves compare mode off.
        tmux(&["send-keys", "-t", &session, "C", "X"]);
        wait_for("Contents at layer");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let s = screen();
        assert!(!s.contains("Compared with"), "{s}");
        tmux(&["send-keys", "-t", &session, "X"]);
        wait_for("Compared with");
        tmux(&["send-keys", "-t", &session, "q"]);
        let s = wait_for("PEEL-EXIT=");
        assert!(s.contains("PEEL-EXIT=0,0"), "{s}");
        assert!(dir.path().join("page.html").is_file());
    });
    tmux(&["kill-session", "-t", &session]);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
