//! Findings on images as users really build them: a Debian bookworm minbase
//! (debootstrap, `docker import`) with Debian's packages installed by apt,
//! pip and npm installing from their registries, a Java runtime, and a clean
//! multi-stage build. None of them may get a high finding (the public CA
//! bundles every such image holds are no secrets), and the real waste (apt
//! archives left in a layer, npm's cache) must still be found.
//!
//! Each image is built once per test process (and reused across runs on the
//! same machine: its tag carries a label with the hash of its Dockerfile).
//! Skipped with a printed reason without an engine (or without debootstrap
//! when the base must be made); fails instead when `PEEL_REQUIRE_DOCKER=1`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command as Std, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::docker::{docker, engine, host_vars, import_root, report};

/// The base the benchmarks make (reused when present), and the one these
/// tests make otherwise.
const BENCH_BASE: &str = "peel-bench/debian:bookworm-minbase";
const TEST_BASE: &str = "peel-test/debian:bookworm-minbase";
const MIRROR: &str = "http://deb.debian.org/debian";
const HOST_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
const LABEL: &str = "peel.test.dockerfile";

fn required() -> bool {
    std::env::var("PEEL_REQUIRE_DOCKER").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Skip (printing why), or fail when the engine is required.
fn unavailable<T>(what: &str, reason: &str) -> Option<T> {
    if required() {
        panic!("PEEL_REQUIRE_DOCKER=1 but {what}: {reason}");
    }
    eprintln!("skipped: {what}: {reason}");
    None
}

/// The minbase image: the benchmarks' if it is there, else ours (made once).
fn base() -> Result<&'static str, String> {
    static BASE: OnceLock<Result<&'static str, String>> = OnceLock::new();
    BASE.get_or_init(|| {
        if docker(&["image", "inspect", BENCH_BASE]).is_ok() {
            return Ok(BENCH_BASE);
        }
        if docker(&["image", "inspect", TEST_BASE]).is_ok() {
            return Ok(TEST_BASE);
        }
        let dir = tempfile::Builder::new()
            .prefix("peel-it-minbase")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let root = dir.path().join("rootfs");
        let status = Std::new("debootstrap")
            .args(["--variant=minbase", "bookworm"])
            .arg(&root)
            .arg(MIRROR)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run debootstrap: {e}"))?;
        if !status.success() {
            return Err(format!("debootstrap failed ({status})"));
        }
        import_root(
            &root,
            &dir.path().join("rootfs.tar"),
            r#"CMD ["/bin/bash"]"#,
            TEST_BASE,
        )?;
        Ok(TEST_BASE)
    })
    .clone()
}

/// Build `tag` from `dockerfile` (FROM `{base}`) unless the tag already
/// carries this Dockerfile's hash; the context holds the host's CA bundle as
/// `ca.crt`, for pip and npm to reach their registries.
fn build(tag: &str, dockerfile: &str) -> Result<(), String> {
    let base = base()?;
    let dockerfile = dockerfile.replace("{base}", base);
    // `sha256sum Dockerfile | cut -c1-16`, as the benchmark scripts label.
    let sum =
        Sha256::digest(dockerfile.as_bytes())[..8]
            .iter()
            .fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
    let format = format!("{{{{index .Config.Labels \"{LABEL}\"}}}}");
    if docker(&["image", "inspect", "--format", &format, tag]).is_ok_and(|l| l == sum) {
        return Ok(());
    }
    let ctx = tempfile::Builder::new()
        .prefix("peel-it-realistic")
        .tempdir()
        .map_err(|e| e.to_string())?;
    std::fs::write(ctx.path().join("Dockerfile"), &dockerfile).map_err(|e| e.to_string())?;
    if Path::new(HOST_CA_BUNDLE).exists() {
        std::fs::copy(HOST_CA_BUNDLE, ctx.path().join("ca.crt")).map_err(|e| e.to_string())?;
    } else {
        std::fs::write(ctx.path().join("ca.crt"), b"").map_err(|e| e.to_string())?;
    }
    let label = format!("{LABEL}={sum}");
    docker(&[
        "build",
        "-q",
        "--network",
        "host",
        "--label",
        &label,
        "-t",
        tag,
        ctx.path().to_str().unwrap_or("."),
    ])
    .map(|_| ())
}

/// The JSON report of `tag`, built once per process.
fn built(
    cell: &'static OnceLock<Result<Value, String>>,
    tag: &str,
    dockerfile: &str,
) -> Option<&'static Value> {
    let engine = engine()?;
    if !Path::new("/usr/sbin/debootstrap").exists()
        && docker(&["image", "inspect", BENCH_BASE]).is_err()
        && docker(&["image", "inspect", TEST_BASE]).is_err()
    {
        return unavailable("no Debian minbase image", "debootstrap is not installed");
    }
    let built = cell.get_or_init(|| {
        build(tag, dockerfile)?;
        Ok(report(&host_vars(engine), &[tag]))
    });
    match built {
        Ok(report) => Some(report),
        Err(e) => unavailable(&format!("building {tag}"), e),
    }
}

const PYTHON: &str = "peel-test/python-pip:1";
const NODE: &str = "peel-test/node-npm:1";
const JAVA: &str = "peel-test/java-jre:1";
const MULTI: &str = "peel-test/multi-stage:1";

/// apt's lists removed, its archives left (a minbase has no docker-clean
/// hook), pip without its cache.
const PYTHON_DOCKERFILE: &str = "FROM {base}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/*
COPY ca.crt /tmp/ca.crt
RUN PIP_CERT=/tmp/ca.crt pip install --no-cache-dir --break-system-packages requests
CMD [\"python3\"]
";

/// apt's archives and lists left, and npm's cache.
const NODE_DOCKERFILE: &str = "FROM {base}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm
COPY ca.crt /tmp/ca.crt
WORKDIR /app
RUN NODE_EXTRA_CA_CERTS=/tmp/ca.crt npm install --no-audit --no-fund is-number@7.0.0
CMD [\"node\"]
";

/// Cleaned as the guides say: nothing of apt's left but its lock and empty
/// `partial/` folders.
const JAVA_DOCKERFILE: &str = "FROM {base}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && apt-get clean && rm -rf /var/lib/apt/lists/*
CMD [\"java\", \"-version\"]
";

/// A build stage whose leftovers never reach the final image.
const MULTI_DOCKERFILE: &str = "FROM {base} AS build
RUN mkdir -p /src /out && head -c 300000 /dev/urandom > /src/data.bin && tar -C /src -czf /out/data.tar.gz data.bin && printf '#!/bin/sh\\necho ok\\n' > /out/app.sh && chmod 755 /out/app.sh
FROM {base}
RUN useradd -r app
COPY --from=build --chown=app /out/ /app/
USER app
HEALTHCHECK CMD [\"/app/app.sh\"]
CMD [\"/app/app.sh\"]
";

fn python() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    built(&REPORT, PYTHON, PYTHON_DOCKERFILE)
}

fn node() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    built(&REPORT, NODE, NODE_DOCKERFILE)
}

fn java() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    built(&REPORT, JAVA, JAVA_DOCKERFILE)
}

fn multi_stage() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    built(&REPORT, MULTI, MULTI_DOCKERFILE)
}

fn findings(report: &Value) -> &[Value] {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn of_kind<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// What every realistic image must satisfy: no high finding, no finding
/// about files that holds no bytes, advice that never asks for what the
/// named command already does.
fn no_false_alarms(report: &Value) {
    for f in findings(report) {
        assert_ne!(f["severity"], "high", "{f:#}");
        if !strs(&f["paths"]).is_empty() {
            assert!(f["bytes"].as_u64().unwrap_or(0) > 0, "{f:#}");
        }
        let advice = f["advice"].as_str().unwrap_or_default();
        let command = f["command"].as_str().unwrap_or_default();
        if command.contains("rm -rf /var/lib/apt/lists/*") {
            assert!(!advice.contains("`rm -rf /var/lib/apt/lists/*`"), "{f:#}");
        }
        if command.contains("apt-get clean") {
            assert!(!advice.contains("(and `apt-get clean`)"), "{f:#}");
        }
    }
}

/// The apt finding of the layer whose command holds `command`.
fn apt_cache<'a>(report: &'a Value, command: &str) -> &'a Value {
    of_kind(report, "package-cache")
        .into_iter()
        .find(|f| {
            f["command"].as_str().unwrap_or_default().contains(command)
                && strs(&f["paths"]).iter().any(|p| p.contains("/apt/"))
        })
        .unwrap_or_else(|| panic!("no apt cache finding for {command:?}: {report:#}"))
}

#[test]
fn python_with_pip_and_requests() {
    let Some(report) = python() else { return };
    no_false_alarms(report);
    // The CA bundles (certifi's, pip's vendored copy, the one copied in) and
    // the /usr/lib/ssl/cert.pem link are public.
    assert!(of_kind(report, "secret").is_empty(), "{report:#}");
    // The archives are really left: named with the advice that fits a
    // command which already removes the lists.
    let apt = apt_cache(report, "python3-pip");
    let paths = strs(&apt["paths"]);
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/var/cache/apt/") && !p.ends_with("/lock")),
        "{apt:#}"
    );
    assert!(paths.iter().any(|p| p.ends_with(".deb")), "{apt:#}");
    assert!(
        apt["advice"].as_str().unwrap().contains("apt-get clean"),
        "{apt:#}"
    );
}

#[test]
fn node_with_npm_install() {
    let Some(report) = node() else { return };
    no_false_alarms(report);
    assert!(of_kind(report, "secret").is_empty(), "{report:#}");
    // Nothing cleaned: both the lists and the archives are asked for.
    let apt = apt_cache(report, "nodejs npm");
    let advice = apt["advice"].as_str().unwrap();
    assert!(advice.contains("rm -rf /var/lib/apt/lists/*"), "{apt:#}");
    assert!(advice.contains("apt-get clean"), "{apt:#}");
    let npm = of_kind(report, "package-cache")
        .into_iter()
        .find(|f| {
            strs(&f["paths"])
                .iter()
                .any(|p| p.starts_with("/root/.npm/"))
        })
        .unwrap_or_else(|| panic!("npm's cache not found: {report:#}"));
    assert!(npm["bytes"].as_u64().unwrap() > 0, "{npm:#}");
    assert!(
        npm["advice"]
            .as_str()
            .unwrap()
            .contains("npm cache clean --force"),
        "{npm:#}"
    );
}

#[test]
fn java_runtime_cleaned_after_apt() {
    let Some(report) = java() else { return };
    no_false_alarms(report);
    // The trust store (/etc/ssl/certs/java/cacerts) is no secret.
    assert!(of_kind(report, "secret").is_empty(), "{report:#}");
    // apt's lock and empty partial/ folders are no cache: the only cache
    // is the base's (debootstrap keeps its lists and .debs), which the RUN
    // deletes too late, and the advice says so rather than asking the
    // import for a RUN cleanup.
    for f in of_kind(report, "package-cache") {
        assert_eq!(f["layers"], serde_json::json!([0, 1]), "{f:#}");
        let advice = f["advice"].as_str().unwrap();
        assert!(advice.contains("base image"), "{f:#}");
        assert!(!advice.contains("end the same RUN"), "{f:#}");
    }
}

#[test]
fn clean_multi_stage_build() {
    let Some(report) = multi_stage() else { return };
    no_false_alarms(report);
    let kinds: Vec<&str> = findings(report)
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    for kind in [
        "secret",
        "package-cache",
        "deleted-later",
        "runs-as-root",
        "no-healthcheck",
    ] {
        assert!(!kinds.contains(&kind), "{kind}: {report:#}");
    }
}
