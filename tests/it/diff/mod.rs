//! `peel diff OLD NEW` and `peel --ci --baseline`: byte-built pairs for
//! each change kind, each rule and each error ([`pairs`], [`rules`],
//! [`errors`]), and the base kept when NEW is built on OLD ([`base`]);
//! real pairs built with `docker build`, checked against an independent
//! comparison of the two images unpacked by umoci ([`engine`]).

mod base;
mod config;
mod engine;
mod errors;
mod pairs;
mod recipes;
mod registry;
mod rules;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::fixture::{Image, Layer};

/// The binary in `dir`, with no CI and no thresholds from the environment.
fn peel(dir: &Path) -> Command {
    crate::cli::peel(dir)
}

/// `peel diff --json - ARGS`: the exit status and the report.
fn diff_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = peel(dir)
        .args(["diff", "--json", "-"])
        .args(args)
        .output()
        .expect("peel runs");
    let code = out.status.code().expect("an exit status");
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (code, report)
}

/// What a report says of the base: OLD's and NEW's base layers as each
/// image's detection decided them, `baseChanged`, `baseRelation` and
/// `commonBottomLayers`.
fn base_answer(r: &Value) -> Value {
    serde_json::json!([
        r["old"]["baseLayers"],
        r["new"]["baseLayers"],
        r["layers"]["baseChanged"],
        r["layers"]["baseRelation"],
        r["layers"]["commonBottomLayers"],
    ])
}

/// Run `cmd`: it must exit 0 (else the panic shows its stderr).
fn succeeded(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("peel runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Exit 2, nothing on stdout, one line on stderr holding every phrase.
fn fails(dir: &Path, args: &[&str], phrases: &[&str]) {
    let out = peel(dir).args(args).output().expect("peel runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: a report on a failure");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("peel: error: "), "{stderr}");
    for phrase in phrases {
        assert!(stderr.contains(phrase), "{phrase:?} not in: {stderr}");
    }
}

const BASE_COMMAND: &str = "/bin/sh -c #(nop) ADD file:base in / ";
const USER_COMMAND: &str = "/bin/sh -c make app";

fn base() -> Layer {
    Layer::new()
        .dir("bin")
        .sized("bin/tool", 4000, b't')
        .dir("etc")
        .file("etc/conf", b"alpha")
        .created_by(BASE_COMMAND)
}

/// OLD: a base and one user layer.
fn old_image() -> Image {
    Image::new().layer(base()).layer(
        Layer::new()
            .dir("app")
            .sized("app/grow", 100, b'g')
            .sized("app/shrink", 100, b's')
            .sized("app/gone", 50, b'x')
            .file_with("app/meta", b"same bytes", 0o644, 0, 0, 1_700_000_000)
            .file("app/keep", b"kept")
            .created_by("/bin/sh -c make v1"),
    )
}

/// NEW's user layer: one path of each change kind against OLD.
fn new_layer() -> Layer {
    Layer::new()
        .dir("app")
        .sized("app/grow", 300, b'g')
        .sized("app/shrink", 10, b's')
        .file_with("app/meta", b"same bytes", 0o600, 0, 0, 1_700_000_000)
        .file("app/keep", b"kept")
        .dir("app/lib")
        .sized("app/lib/dep.so", 70, b'd')
        .file("etc/conf", b"omega")
        .created_by(USER_COMMAND)
}

/// NEW: the same base, [`new_layer`] (no `/app/gone`).
fn new_image() -> Image {
    Image::new().layer(base()).layer(new_layer())
}

/// NEW where a layer of its own deletes `/app/gone`.
fn new_with_whiteout() -> Image {
    Image::new()
        .layer(base())
        .layer(new_layer().sized("app/gone", 50, b'x'))
        .layer(
            Layer::new()
                .whiteout("app/gone")
                .created_by("/bin/sh -c rm /app/gone"),
        )
}
