//! `context-leak`: files of the build context that only the build needs,
//! copied into the image by a COPY/ADD of the user's (no or a weak
//! `.dockerignore`): VCS folders, the Dockerfile and compose files, Python
//! bytecode caches, logs, coverage output, macOS folder files, a Rust or
//! Maven `target/` beside its manifest, and a `node_modules/` that a later
//! RUN installs again. The advice gives the `.dockerignore` lines to add;
//! the bytes are those the copy stored.

use std::collections::BTreeMap;

use super::commands::{program, user_steps};
use super::{Finding, Group, Kind, Severity, with_sizes};
use crate::analysis::ExactView;
use crate::layer::{Op, path};

/// The `.dockerignore` line that keeps `path` (canonical) out, if it is a
/// build-only file. `manifests` says whether the copy holds a Cargo.toml
/// or pom.xml (for `target/`), `reinstalled` whether a later RUN installs
/// node modules.
fn ignore_line(path: &[u8], has_build_manifest: bool, reinstalled: bool) -> Option<&'static str> {
    let segments: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let (name, dirs) = segments.split_last()?;
    for dir in dirs {
        match *dir {
            b".git" => return Some(".git"),
            b".svn" => return Some(".svn"),
            b".hg" => return Some(".hg"),
            b"__pycache__" => return Some("**/__pycache__"),
            b".pytest_cache" => return Some("**/.pytest_cache"),
            b"coverage" | b".nyc_output" => return Some("coverage"),
            b"node_modules" if reinstalled => return Some("node_modules"),
            b"target" if has_build_manifest => return Some("target"),
            _ => {}
        }
    }
    let name = *name;
    if name == b"Dockerfile" || name.ends_with(b".dockerfile") || name.starts_with(b"Dockerfile.") {
        return Some("Dockerfile*");
    }
    let yaml = name.ends_with(b".yml") || name.ends_with(b".yaml");
    if yaml && (name.starts_with(b"docker-compose") || name.starts_with(b"compose.")) {
        return Some("**/*compose*.y*ml");
    }
    if name.ends_with(b".log") {
        return Some("**/*.log");
    }
    if name == b".DS_Store" {
        return Some("**/.DS_Store");
    }
    None
}

/// Whether a RUN after history entry `after` installs node modules.
fn reinstalls_node_modules(steps: &[super::commands::Step], after: usize) -> bool {
    steps
        .iter()
        .filter(|s| s.history > after && s.is_run())
        .any(|s| {
            s.shell_commands().iter().any(|w| {
                let w = program(w);
                matches!(
                    (w.first().map(String::as_str), w.get(1).map(String::as_str)),
                    (Some("npm"), Some("ci" | "install" | "i"))
                        | (Some("yarn"), None | Some("install"))
                        | (Some("pnpm"), Some("install" | "i"))
                )
            })
        })
}

pub(super) fn context_leak(
    analysis: &ExactView<'_>,
    ignored: &dyn Fn(&[u8]) -> bool,
    findings: &mut Vec<Finding>,
) {
    let steps = user_steps(analysis);
    for step in steps.iter().filter(|s| s.is_copy()) {
        // A copy from another stage or image is no build context.
        if step.command.contains("--from=") {
            continue;
        }
        let Some(index) = step.layer else { continue };
        let Some(layer) = analysis.image.layers.get(index.index()) else {
            continue;
        };
        let records = &layer.changes.records;
        let has_build_manifest = records
            .iter()
            .any(|r| matches!(path::split_last(&r.path).1, b"Cargo.toml" | b"pom.xml"));
        let reinstalled = reinstalls_node_modules(&steps, step.history);
        let mut lines: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut group = Group::default();
        for record in records {
            let Op::Add(meta) = &record.op else { continue };
            if meta.kind.is_dir() || ignored(&record.path) {
                continue;
            }
            if let Some(line) = ignore_line(&record.path, has_build_manifest, reinstalled) {
                *lines.entry(line).or_default() += meta.size;
                group.add(&*record.path, meta.size);
            }
        }
        if lines.is_empty() {
            continue;
        }
        let list = with_sizes(
            lines
                .iter()
                .map(|(line, bytes)| (format!("`{line}`"), bytes)),
        );
        let advice = format!(
            "Layer {} copies files from the build context that only the build needs. Add these lines to \
             `.dockerignore`: {}.",
            index, list
        );
        findings.push(group.into_finding(
            Kind::ContextLeak,
            Severity::Warning,
            vec![index],
            Some(step.command.clone()),
            advice,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_only_files_and_their_lines() {
        for (path, line) in [
            ("app/.git/objects/ab/cdef", ".git"),
            ("app/Dockerfile", "Dockerfile*"),
            ("app/docker-compose.override.yml", "**/*compose*.y*ml"),
            ("app/pkg/__pycache__/m.cpython-311.pyc", "**/__pycache__"),
            ("app/logs/build.log", "**/*.log"),
            ("app/coverage/lcov.info", "coverage"),
            ("app/.DS_Store", "**/.DS_Store"),
        ] {
            assert_eq!(
                ignore_line(path.as_bytes(), false, false),
                Some(line),
                "{path}"
            );
        }
        for path in [
            "app/server.js",
            "app/target/x",
            "app/node_modules/a/index.js",
            "app/compose.go",
        ] {
            assert_eq!(ignore_line(path.as_bytes(), false, false), None, "{path}");
        }
        assert_eq!(
            ignore_line(b"app/target/release/app", true, false),
            Some("target")
        );
        assert_eq!(
            ignore_line(b"app/node_modules/a/index.js", false, true),
            Some("node_modules")
        );
    }
}
