//! `cache-busting-order`: a COPY/ADD of the build context (or of many
//! source files) before the dependency install that only needs the
//! manifests. Every source change then re-runs the install. Read from the
//! history and the copy layer's files: the copy must hold the install's
//! manifest and other files besides, and a later RUN of the user's must run
//! that install. A manifest copied on its own first is the fix, not a
//! finding.

use super::commands::{Step, program, user_steps};
use super::{Finding, Fix, Kind, Severity};
use crate::analysis::ExactView;
use crate::layer::{LayerIdx, Op, path};

/// A dependency install: the words that run it and the manifests it reads.
struct Install {
    tool: &'static str,
    manifests: &'static [&'static str],
}

/// Which install `words` run, if any.
fn install_of(words: &[String]) -> Option<Install> {
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or_default();
    let has = |flag: &str| words.iter().any(|x| x == flag);
    let node = &[
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
    ][..];
    Some(match (w(0), w(1)) {
        ("npm", "ci" | "install" | "i") => Install {
            tool: "npm",
            manifests: node,
        },
        ("yarn", "" | "install") => Install {
            tool: "yarn",
            manifests: node,
        },
        ("pnpm", "install" | "i") => Install {
            tool: "pnpm",
            manifests: node,
        },
        ("pip" | "pip3", "install") if has("-r") || has("--requirement") => Install {
            tool: "pip",
            manifests: &["requirements.txt"],
        },
        ("poetry", "install") => Install {
            tool: "poetry",
            manifests: &["pyproject.toml", "poetry.lock"],
        },
        ("go", "mod") if w(2) == "download" => Install {
            tool: "go mod download",
            manifests: &["go.mod", "go.sum"],
        },
        ("cargo", "build" | "fetch") => Install {
            tool: "cargo",
            manifests: &["Cargo.toml", "Cargo.lock"],
        },
        ("mvn" | "mvnw", _) => Install {
            tool: "mvn",
            manifests: &["pom.xml"],
        },
        ("gradle" | "gradlew", _) => Install {
            tool: "gradle",
            manifests: &["build.gradle", "build.gradle.kts", "settings.gradle"],
        },
        ("bundle", "install") => Install {
            tool: "bundle",
            manifests: &["Gemfile", "Gemfile.lock"],
        },
        ("composer", "install") => Install {
            tool: "composer",
            manifests: &["composer.json", "composer.lock"],
        },
        _ => return None,
    })
}

/// The install a RUN step runs.
fn runs_install(step: &Step) -> Option<Install> {
    step.shell_commands()
        .iter()
        .find_map(|words| install_of(&program(words)))
}

/// What a copy layer brought that the install reads: the main manifest's
/// path, the manifest names it holds, and how many other files it holds.
struct Copied {
    manifest: String,
    names: Vec<&'static str>,
    others: usize,
}

/// The copy layer holds `install`'s main manifest and files other than
/// manifests.
fn copies_source(analysis: &ExactView<'_>, layer: LayerIdx, install: &Install) -> Option<Copied> {
    let changes = &analysis.image.layers.get(layer.index())?.changes;
    let mut manifest = None;
    let mut names = Vec::new();
    let mut others = 0;
    for record in &changes.records {
        let Op::Add(meta) = &record.op else { continue };
        if meta.kind.is_dir() {
            continue;
        }
        let name = path::split_last(&record.path).1;
        match install.manifests.iter().find(|m| m.as_bytes() == name) {
            Some(m) => {
                if *m == install.manifests[0] && manifest.is_none() {
                    manifest = Some(path::display(&record.path));
                }
                if !names.contains(m) {
                    names.push(*m);
                }
            }
            None => others += 1,
        }
    }
    let manifest = manifest.filter(|_| others > 0)?;
    names.sort_by_key(|n| install.manifests.iter().position(|m| m == n));
    Some(Copied {
        manifest,
        names,
        others,
    })
}

pub(super) fn cache_busting_order(analysis: &ExactView<'_>, findings: &mut Vec<Finding>) {
    let steps = user_steps(analysis);
    for (i, run) in steps.iter().enumerate() {
        if !run.is_run() {
            continue;
        }
        let Some(install) = runs_install(run) else {
            continue;
        };
        // The latest copy before the install that brought source with the
        // manifest.
        let Some((copy, copied)) = steps[..i]
            .iter()
            .rev()
            .filter(|s| s.is_copy())
            .find_map(|s| copies_source(analysis, s.layer?, &install).map(|m| (s, m)))
        else {
            continue;
        };
        let Copied {
            manifest,
            names,
            others,
        } = copied;
        let manifests = names.join(" ");
        let advice = format!(
            "{} copies {manifest} together with {others} other files before {} runs {}: any change to \
             the source re-runs the install, and the build cache never helps. Copy the manifests first \
             (`COPY {manifests} ./`), run the install, then copy the rest.",
            capitalised(&copy.name()),
            run.name(),
            install.tool
        );
        let mut layers = copy.layers();
        layers.extend(run.layers());
        findings.push(Finding {
            kind: Kind::CacheBustingOrder,
            severity: Severity::Warning,
            bytes: 0,
            layers,
            paths: vec![manifest],
            path_count: 1,
            command: Some(copy.command.clone()),
            advice,
            fix: Fix::at_history(copy.history),
        });
    }
}

/// `layer 3` → `Layer 3`.
pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        program(&text.split_whitespace().collect::<Vec<_>>())
    }

    #[test]
    fn installs_are_recognised() {
        for (cmd, tool) in [
            ("npm ci", "npm"),
            ("NODE_ENV=production npm install --omit=dev", "npm"),
            ("yarn", "yarn"),
            ("pip install --no-cache-dir -r requirements.txt", "pip"),
            ("/usr/local/bin/poetry install", "poetry"),
            ("go mod download", "go mod download"),
            ("cargo build --release", "cargo"),
            ("mvn -B package", "mvn"),
            ("bundle install", "bundle"),
            ("composer install --no-dev", "composer"),
        ] {
            assert_eq!(install_of(&words(cmd)).map(|i| i.tool), Some(tool), "{cmd}");
        }
        for cmd in [
            "npm run build",
            "pip install requests",
            "go build ./...",
            "yarn build",
        ] {
            assert!(install_of(&words(cmd)).is_none(), "{cmd}");
        }
    }
}
