//! A bad image opened in the UI ends as `--ci` does on it: the terminal
//! given back, the same one line on stderr and the same exit status (the
//! loader hands the pipeline's own error to `main`).

use std::path::Path;
use std::time::Duration;

use crate::cli::peel;
use crate::fixture::{put, real, tmp};

/// The cases, each a file in the test's folder: (name, bytes).
fn bad_images() -> Vec<(&'static str, Vec<u8>)> {
    let whole = std::fs::read(real("docker-save.tar")).expect("fixture");
    vec![
        ("garbage.tar", b"not an image at all".to_vec()),
        // Cut inside a layer: the failure comes late, from the layer walk.
        ("cut.tar", whole[..whole.len() / 2 + 123].to_vec()),
        ("empty.tar", Vec::new()),
    ]
}

/// `peel --ci NAME` in `dir`: (stderr, exit status).
fn ci(dir: &Path, name: &str) -> (String, i32) {
    let out = peel(dir)
        .args(["--ci", name])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("peel runs");
    let code = out.status.code().expect("an exit status");
    (String::from_utf8_lossy(&out.stderr).into_owned(), code)
}

#[test]
fn tmux_a_bad_image_ends_the_ui_as_it_ends_ci() {
    let dir = tmp();
    let cases = bad_images();
    for (name, bytes) in &cases {
        put(dir.path(), name, bytes);
    }
    let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    let cmd = format!(
        "cd {dir} && for f in {names}; do env -u CI {bin} $f 2>$f.err; echo $? >$f.code; done; \
         echo PEEL-DONE; sleep 60",
        dir = dir.path().display(),
        names = names.join(" "),
        bin = env!("CARGO_BIN_EXE_peel"),
    );
    let Some(term) = crate::tmux::Session::start("peel-load-errors", (100, 30), &cmd) else {
        return;
    };
    term.wait_for("PEEL-DONE");
    for name in names {
        let read = |ext: &str| {
            std::fs::read_to_string(dir.path().join(format!("{name}.{ext}"))).expect("written")
        };
        let (ui_err, ui_code) = (read("err"), read("code"));
        let (ci_err, ci_code) = ci(dir.path(), name);
        assert_eq!(ci_code, 2, "{name}: --ci: {ci_err}");
        assert_eq!(ci_err.lines().count(), 1, "{name}: --ci: {ci_err}");
        assert!(ci_err.starts_with("peel: error: "), "{name}: {ci_err}");
        assert_eq!(ui_err, ci_err, "{name}: the UI's stderr");
        assert_eq!(
            ui_code.trim(),
            ci_code.to_string(),
            "{name}: the UI's exit status"
        );
    }
}
