//! Fixing the image: what each finding is worth (savings), the Dockerfile
//! lines behind layers and findings, the new advice kinds, and the CI
//! formats that show them (GitHub workflow commands, GitLab Code Quality,
//! SARIF, JUnit).

mod ci_formats;
mod dockerfile_lines;
mod new_kinds;
mod realistic;
mod savings;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::docker::{docker, engine, host_vars, report};
use crate::docker_findings::{BASE, base};

/// A build context kept for the test's life: the Dockerfile is read again
/// by `--dockerfile`.
pub(crate) struct Built {
    pub dir: tempfile::TempDir,
    pub tag: &'static str,
}

impl Built {
    pub fn dockerfile(&self) -> PathBuf {
        self.dir.path().join("Dockerfile")
    }
}

/// `docker build` (the legacy builder) of `dockerfile` (`{base}` is the
/// small multi-layer base of the findings tests) with `files` and build
/// `args`, tagged `tag`; `None` without an engine (a test then skips).
pub(crate) fn build(
    tag: &'static str,
    dockerfile: &str,
    files: &[(&str, &[u8])],
    args: &[&str],
) -> Option<Built> {
    let engine = engine()?;
    base(engine);
    let dir = tempfile::Builder::new()
        .prefix("peel-it-advice")
        .tempdir()
        .unwrap();
    for (path, bytes) in files {
        let at = dir.path().join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, bytes).unwrap();
    }
    std::fs::write(
        dir.path().join("Dockerfile"),
        dockerfile.replace("{base}", BASE),
    )
    .unwrap();
    let mut argv = vec!["build", "-q", "--network", "none", "-t", tag];
    for arg in args {
        argv.extend(["--build-arg", arg]);
    }
    let context = dir.path().to_str().unwrap().to_string();
    argv.push(&context);
    docker(&argv).unwrap_or_else(|e| panic!("building {tag}: {e}"));
    Some(Built { dir, tag })
}

/// The JSON report of a built image with `args`.
pub(crate) fn json(args: &[&str]) -> Value {
    let engine = engine().expect("built, so there is an engine");
    report(&host_vars(engine), args)
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}
