//! `peel diff --config PATH`: the UI's config file, as for `peel IMAGE`. A
//! key binding of the file takes effect in the real compare-mode UI (tmux);
//! a bad or missing file is one line, exit 2, whenever the UI is what was
//! asked for; a report flag (`--html` too) prints reports and reads no UI
//! config.

use std::path::Path;

use super::{fails, new_image, old_image, peel, succeeded};
use crate::fixture::{put, tmp};
use crate::tmux::Session;

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
        .output();
    assert_eq!(out.unwrap().status.code(), Some(2));
    // A report asked for: no UI, no UI config read.
    for report in [["--json", "r.json"], ["--html", "r.html"]] {
        succeeded(
            peel(dir.path())
                .args(["diff", "--config", &bad])
                .args(report)
                .args([&old, &new]),
        );
        assert!(dir.path().join(report[1]).is_file(), "{report:?}");
    }
}

/// The real binary in a terminal (tmux, CI cleared): the config's `X`
/// turns compare mode off and on, `C` does nothing; then `--html` in the
/// same terminal writes the page and opens no UI.
#[test]
fn tmux_the_configs_key_drives_compare_mode() {
    let dir = tmp();
    let (old, new, keys) = pair_and_config(dir.path());
    let cmd = format!(
        "cd {dir} && env -u CI {bin} diff --config {keys} {old} {new}; ui=$?; clear; \
         env -u CI {bin} diff --html page.html {old} {new} >/dev/null; \
         echo PEEL-EXIT=$ui,$?; sleep 60",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_peel"),
    );
    let Some(term) = Session::start("peel-diff-config", (100, 40), &cmd) else {
        return;
    };
    term.wait_for("Compared with");
    // `C` is no longer the key: `C` then `X` leaves compare mode off.
    term.send(&["C", "X"]);
    term.wait_for("Contents at layer");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let s = term.screen();
    assert!(!s.contains("Compared with"), "{s}");
    term.send(&["X"]);
    term.wait_for("Compared with");
    term.send(&["q"]);
    let s = term.wait_for("PEEL-EXIT=");
    assert!(s.contains("PEEL-EXIT=0,0"), "{s}");
    assert!(dir.path().join("page.html").is_file());
}
