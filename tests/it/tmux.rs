//! A detached tmux session running one shell command: the real binary in a
//! real terminal. The screen is read with `capture-pane`; the session is
//! killed when dropped, after a failed check too.

use std::process::{Command, Output};
use std::time::Duration;

pub(crate) struct Session {
    name: String,
}

impl Session {
    /// `command` in a new `width` × `height` session named after `name` and
    /// this process; `None` when tmux is missing (a skip, or a failure
    /// under `PEEL_REQUIRE_TMUX`).
    pub(crate) fn start(name: &str, (width, height): (u16, u16), command: &str) -> Option<Self> {
        if !crate::ui::tmux_available() {
            return None;
        }
        let session = Session {
            name: format!("{name}-{}", std::process::id()),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let out = session.tmux(&[
            "new-session",
            "-d",
            "-s",
            &session.name,
            "-x",
            &w,
            "-y",
            &h,
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(session)
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux").args(args).output().expect("tmux runs")
    }

    /// What the terminal shows now.
    pub(crate) fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", &self.name]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen once it shows `what` (15 s at most, else a panic showing
    /// the last screen).
    pub(crate) fn wait_for(&self, what: &str) -> String {
        let mut last = String::new();
        for _ in 0..150 {
            last = self.screen();
            if last.contains(what) {
                return last;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("'{what}' never appeared; screen:\n{last}");
    }

    /// Once `what` has left the screen (10 s at most, else a panic).
    pub(crate) fn wait_until_gone(&self, what: &str) {
        for _ in 0..100 {
            if !self.screen().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("'{what}' never went away");
    }

    /// Type `keys` (tmux key names: `q`, `C-c`, `Enter`).
    pub(crate) fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.name.as_str()];
        args.extend(keys);
        self.tmux(&args);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.tmux(&["kill-session", "-t", &self.name]);
    }
}
