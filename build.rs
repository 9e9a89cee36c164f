//! Puts the commit peel is built from into `peel --version`
//! (`PEEL_VERSION`: `0.1.0 (commit 1a2b3c4d5e6f)`). Without git, or outside a repository (a crates.io
//! package, a tarball), the version is the crate's alone: git is asked,
//! never required.

use std::path::Path;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let line = match commit() {
        Some(commit) => format!("{version} (commit {commit})"),
        None => version,
    };
    println!("cargo:rustc-env=PEEL_VERSION={line}");
    println!("cargo:rerun-if-env-changed=PEEL_BUILD_COMMIT");
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        // A new commit moves HEAD or the branch it names.
        let mut watched = vec![Path::new(&git_dir).join("HEAD")];
        if let Some(common) = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]) {
            watched.push(Path::new(&common).join("packed-refs"));
            if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
                watched.push(Path::new(&common).join(reference));
            }
        }
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// The commit: `PEEL_BUILD_COMMIT` when set (a build from a tarball that
/// knows it), else git's short hash of HEAD.
fn commit() -> Option<String> {
    if let Ok(given) = std::env::var("PEEL_BUILD_COMMIT") {
        let given = given.trim();
        // Printed by --version: hex digits, dashes and letters only.
        if !given.is_empty() && given.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Some(given.chars().take(40).collect());
        }
        return None;
    }
    // Only peel's own repository: a package unpacked inside another one
    // (vendored sources) is not built from that repository's commit.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let same = |a: &str, b: &str| match (Path::new(a).canonicalize(), Path::new(b).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(&top, &manifest) {
        return None;
    }
    let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
    if !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(hash)
}

/// A git command's first line of output, if git ran and succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}
