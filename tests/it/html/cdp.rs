//! A headless Chromium driven over its DevTools protocol, for the HTML
//! report's tests: `--remote-debugging-pipe` (JSON messages ended by a NUL
//! byte, commands on the browser's fd 3, replies and events on its fd 4;
//! a shell maps the child's stdin and stdout there), one page, commands
//! with a deadline, and every event kept so that a test can look for
//! console errors.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one command or wait may take.
const DEADLINE: Duration = Duration::from_secs(60);

pub struct Browser {
    child: Child,
    to: ChildStdin,
    from: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Every event received so far (method and params).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// The Chromium binary, if installed (`PEEL_REQUIRE_CHROMIUM=1`: it must be).
pub fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("PEEL_REQUIRE_CHROMIUM").is_err(),
            "PEEL_REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        eprintln!("skipped: chromium is not installed");
    }
    found
}

impl Browser {
    /// A headless browser with one blank page of `width` × `height`.
    pub fn start(binary: &str, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-pipe",
                "--hide-scrollbars",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let to = child.stdin.take().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let (send, from) = channel();
        std::thread::spawn(move || {
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                if message.last() == Some(&0) {
                    message.pop();
                }
                if let Ok(value) = serde_json::from_slice::<Value>(&message)
                    && send.send(value).is_err()
                {
                    return;
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            to,
            from,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    /// Send a command (to the page once attached) and wait for its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("chromium reads commands");
        self.to.flush().unwrap();
        let reply = self.wait(|m| m["id"] == json!(id), method);
        if let Some(error) = reply.get("error") {
            panic!("{method} failed: {error}");
        }
        reply["result"].clone()
    }

    /// The next message `wanted` accepts (events on the way are kept).
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool, what: &str) -> Value {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.from.recv_timeout(left) {
                Ok(message) => {
                    let hit = wanted(&message);
                    if message.get("method").is_some() {
                        self.events.push(message.clone());
                    }
                    if hit {
                        return message;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("chromium: no answer to {what} in time"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium exited during {what}"),
            }
        }
    }

    /// Open `url` and wait for its load event.
    pub fn open(&mut self, url: &str) {
        let result = self.call("Page.navigate", json!({ "url": url }));
        assert!(
            result.get("errorText").is_none(),
            "navigation failed: {result}"
        );
        self.wait(|m| m["method"] == "Page.loadEventFired", "the load event");
    }

    /// Evaluate `expression` in the page; its value (JSON).
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression} threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// A real click (mouse pressed and released) at page coordinates.
    pub fn click(&mut self, x: f64, y: f64) {
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    /// A PNG of the page as shown.
    pub fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }

    /// Console errors, uncaught exceptions, failed loads and dialogs seen so
    /// far, one line each.
    pub fn problems(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| {
                let params = &e["params"];
                match e["method"].as_str()? {
                    "Runtime.exceptionThrown" => {
                        Some(format!("exception: {}", params["exceptionDetails"]))
                    }
                    "Runtime.consoleAPICalled"
                        if matches!(
                            params["type"].as_str(),
                            Some("error" | "assert" | "warning")
                        ) =>
                    {
                        Some(format!("console: {}", params["args"]))
                    }
                    "Log.entryAdded"
                        if matches!(
                            params["entry"]["level"].as_str(),
                            Some("error" | "warning")
                        ) =>
                    {
                        Some(format!("log: {}", params["entry"]))
                    }
                    "Page.javascriptDialogOpening" => Some(format!("dialog: {params}")),
                    _ => None,
                }
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
