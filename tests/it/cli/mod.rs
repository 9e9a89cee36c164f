//! The command line end to end: exit statuses, CI mode and its rules
//! (flags, dive's spellings, environment, `.dive-ci`), the JSON report,
//! every image reference form, `--base-layers`, `--platform`.
//!
//! Every run goes through [`peel`], which clears `CI` and the `PEEL_*`
//! thresholds and runs in a fresh directory, so that the environment of the
//! machine running the tests (CI sets `CI=true`) never leaks in.
//!
//! One file per concern below; the runners, report readers and images they
//! share are here ([`peel`] is used by the other test modules too).

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::fixture::{Image, Layer};

const THRESHOLD_VARS: [&str; 4] = [
    "PEEL_LOWEST_EFFICIENCY",
    "PEEL_HIGHEST_WASTED_BYTES",
    "PEEL_HIGHEST_USER_WASTED_PERCENT",
    "PEEL_FAIL_ON",
];

/// The binary, run in `dir`, with no CI mode and no thresholds from the
/// environment.
pub(crate) fn peel(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("peel").expect("the peel binary is built");
    cmd.current_dir(dir).env_remove("CI");
    // On GitHub Actions peel would add workflow commands and a step summary.
    cmd.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    for var in THRESHOLD_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// Three layers, 5000 bytes, 1500 of them wasted (a file deleted by the top
/// layer): efficiency 0.7, user bytes 2500, user wasted 1500 (0.6).
fn wasteful() -> Image {
    Image::new()
        .layer(
            Layer::new()
                .sized("base.bin", 2500, b'b')
                .created_by("/bin/sh -c #(nop) ADD file:abc in / "),
        )
        .layer(Layer::new().dir("app").sized("app/big.bin", 1500, b'a'))
        .layer(
            Layer::new()
                .whiteout("app/big.bin")
                .sized("app/small.txt", 1000, b's')
                .created_by("/bin/sh -c rm /app/big.bin && make-small"),
        )
}

/// Two layers, no waste: every rule passes.
fn clean() -> Image {
    Image::new()
        .layer(Layer::new().sized("base.bin", 2000, b'b'))
        .layer(Layer::new().sized("app.bin", 100, b'a'))
}

/// A file overwritten with other content of the same size: efficiency
/// exactly 0.5, user wasted percent exactly 1.
fn half() -> Image {
    Image::new()
        .layer(Layer::new().sized("data.bin", 1000, b'1'))
        .layer(Layer::new().sized("data.bin", 1000, b'2'))
}

fn parse_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// Run with `--ci --json -` and the given arguments; the exit status and
/// the report.
fn ci_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = peel(dir)
        .args(["--ci", "--json", "-"])
        .args(args)
        .output()
        .expect("peel runs");
    let code = out.status.code().expect("exit status");
    assert!(
        code == 0 || code == 1,
        "exit {code}, stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, parse_json(&out.stdout))
}

/// Run with `--json -` (no CI) and return the report.
fn report(dir: &Path, args: &[&str]) -> Value {
    let out = peel(dir)
        .args(["--json", "-"])
        .args(args)
        .assert()
        .success();
    parse_json(&out.get_output().stdout)
}

/// Each rule's (name, threshold, status).
fn rules(report: &Value) -> Vec<(String, Value, String)> {
    report["ci"]["rules"]
        .as_array()
        .expect("ci.rules")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_string(),
                r["threshold"].clone(),
                r["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

fn rule(report: &Value, name: &str) -> (Value, Value, String) {
    let r = report["ci"]["rules"]
        .as_array()
        .expect("ci.rules")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no rule {name}"));
    (
        r["threshold"].clone(),
        r["value"].clone(),
        r["status"].as_str().expect("status").to_string(),
    )
}

/// stderr has exactly one line, which contains every phrase.
fn one_line_error(stderr: &[u8], phrases: &[&str]) {
    let text = String::from_utf8_lossy(stderr);
    assert_eq!(
        text.lines().count(),
        1,
        "expected one line on stderr, got:\n{text}"
    );
    assert!(text.starts_with("peel: error: "), "{text}");
    for phrase in phrases {
        assert!(text.contains(phrase), "stderr lacks {phrase:?}: {text}");
    }
}

mod base_layers;
mod ci_mode;
mod command_line;
mod dive_compat;
mod json_report;
mod platforms;
mod real_fixtures;
mod references;
mod rules_sources;
mod threshold_flags;
