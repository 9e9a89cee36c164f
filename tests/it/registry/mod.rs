//! The registry source against real registries: Debian's `docker-registry`
//! started by `.ci/start-registry.sh` on loopback, plain HTTP, TLS with a
//! self-signed certificate, and htpasswd basic auth behind TLS. Images are
//! pushed with `skopeo copy` from layouts and archives built here, and the
//! figures peel reports from the registry must equal, to the byte, those it
//! reports from the local copy. Faults come from a small proxy in front of
//! the plain registry ([`proxy`]).
//!
//! Without registries (no `PEEL_REGISTRY_*`) the tests are skipped with the
//! reason printed, or fail when `PEEL_REQUIRE_REGISTRY=1` (CI).

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

mod auth;
mod content;
mod engine_pull;
mod faults;
mod images;
mod proxy;
mod token;

/// Where the three registries answer, from `.ci/start-registry.sh`.
pub struct Registries {
    pub plain: String,
    pub tls: String,
    pub auth: String,
    pub ca: String,
    pub user: String,
    pub password: String,
}

fn required() -> bool {
    std::env::var("PEEL_REQUIRE_REGISTRY").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The registries, or `None` (skipped, the reason printed) when there are
/// none and none is required.
pub fn registries() -> Option<Registries> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (|| {
        Some(Registries {
            plain: var("PEEL_REGISTRY_PLAIN")?,
            tls: var("PEEL_REGISTRY_TLS")?,
            auth: var("PEEL_REGISTRY_AUTH")?,
            ca: var("PEEL_REGISTRY_CA")?,
            user: var("PEEL_REGISTRY_USER")?,
            password: var("PEEL_REGISTRY_PASSWORD")?,
        })
    })();
    let tools = which("skopeo");
    match (found, tools) {
        (Some(r), true) => Some(r),
        _ if required() => panic!(
            "PEEL_REQUIRE_REGISTRY=1 but the registries (PEEL_REGISTRY_*) or skopeo are missing: source .ci/start-registry.sh"
        ),
        _ => {
            eprintln!(
                "skipped: no loopback registries (source .ci/start-registry.sh) or no skopeo"
            );
            None
        }
    }
}

fn which(tool: &str) -> bool {
    Process::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `skopeo copy` (TLS not verified, as the registries are loopback test
/// ones); panics with skopeo's stderr when it fails.
pub fn skopeo_copy(args: &[&str]) {
    let out = Process::new("skopeo")
        .args([
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--src-tls-verify=false",
        ])
        .args(args)
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "skopeo copy {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository name unique to this test process and test.
pub fn repo(name: &str) -> String {
    format!("peel-test/registry-{}-{name}", std::process::id())
}

/// peel with a clean environment: no CI, no thresholds, no credentials of
/// the machine (a fresh HOME, no auth files), a short timeout.
pub fn peel(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("peel").expect("the peel binary is built");
    cmd.current_dir(home)
        .env("HOME", home)
        .env("PEEL_REGISTRY_TIMEOUT", "5")
        .env_remove("CI")
        .env_remove("DOCKER_CONFIG")
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("PEEL_CERTS_D")
        .timeout(std::time::Duration::from_secs(60));
    for var in [
        "PEEL_LOWEST_EFFICIENCY",
        "PEEL_HIGHEST_WASTED_BYTES",
        "PEEL_HIGHEST_USER_WASTED_PERCENT",
        "PEEL_FAIL_ON",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// peel's JSON report of `reference` (extra flags before it).
pub fn report(home: &Path, flags: &[&str], reference: &str) -> Value {
    run_report(peel(home).args(flags).arg(reference)).1
}

/// Run `cmd` with `--ci --json -` first: the output (to look for secrets
/// in) and the report; exit 0 or 1 (rules judged), else it panics.
pub fn run_report(cmd: &mut Command) -> (std::process::Output, Value) {
    // The flags go before what the caller gave: clap reads them anywhere.
    let out = cmd
        .args(["--ci", "--json", "-"])
        .output()
        .expect("peel runs");
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "peel: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (out, report)
}

/// The report without what names where the image came from.
pub fn figures(mut report: Value) -> Value {
    if let Some(image) = report.get_mut("image").and_then(Value::as_object_mut) {
        for key in ["reference", "source", "tags"] {
            image.remove(key);
        }
    }
    report
}

/// The figures of the walked content alone, for images whose blobs differ
/// (recompressed by skopeo, exported by an engine).
pub fn walked(report: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = [
        "totalBytes",
        "wastedBytes",
        "efficiency",
        "fileCount",
        "userWastedBytes",
    ]
    .iter()
    .map(|k| report["image"][k].clone())
    .collect();
    out.push(report["wasted"].clone());
    out.push(report["dive"].clone());
    out
}

/// A failed run: exit 2 and one line on stderr, which it returns.
pub fn one_line_error(cmd: &mut Command) -> String {
    let started = std::time::Instant::now();
    let out = cmd.output().expect("peel runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    stderr.trim_end().to_string()
}
