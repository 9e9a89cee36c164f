//! `package-manager-hygiene`: apt, apk and dnf used in ways the guides
//! advise against, read from the user's RUN commands:
//!
//! - `apt-get update` in a RUN that installs nothing, with the install in a
//!   later RUN: the build cache can keep the old lists while the install
//!   line changes (stale or missing packages);
//! - an upgrade of the whole system in the build (`apt-get upgrade`,
//!   `dist-upgrade`, `apk upgrade`, `dnf upgrade`/`update`, `yum update`):
//!   the base image's maintainers should ship it, and each build differs;
//! - `apt-get install` without `--no-install-recommends`: recommended
//!   packages are installed too.
//!
//! `pip install` that keeps its cache and `apk add` without `--no-cache`
//! are [`Kind::PackageCache`] findings, which see the cache's bytes.

use super::cache_order::capitalised;
use super::commands::{Step, program, user_steps};
use super::{Finding, Fix, Kind, Severity};
use crate::analysis::ExactView;
use crate::layer::LayerIdx;

/// What one RUN does with apt-like tools.
#[derive(Default)]
struct Uses {
    updates: bool,
    installs: bool,
    upgrades: Option<String>,
    installs_recommends: bool,
}

fn uses(step: &Step) -> Uses {
    let mut found = Uses::default();
    for words in step.shell_commands() {
        let words = program(&words);
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or_default();
        // The sub-command: the first word after the program that is not a flag.
        let sub = words
            .iter()
            .skip(1)
            .map(String::as_str)
            .find(|x| !x.starts_with('-'))
            .unwrap_or_default();
        match (w(0), sub) {
            ("apt-get" | "apt", "update") => found.updates = true,
            ("apt-get" | "apt", "install") => {
                found.installs = true;
                let off = words.iter().any(|x| {
                    x == "--no-install-recommends"
                        || x.contains("Install-Recommends=false")
                        || x.contains("Install-Recommends=0")
                });
                if !off {
                    found.installs_recommends = true;
                }
            }
            ("apt-get" | "apt", "upgrade" | "dist-upgrade" | "full-upgrade")
            | ("apk", "upgrade")
            | ("dnf" | "microdnf" | "yum", "upgrade" | "update" | "distro-sync") => {
                found.upgrades = Some(format!("{} {sub}", w(0)));
            }
            _ => {}
        }
    }
    found
}

fn finding(step: &Step, layers: Vec<LayerIdx>, severity: Severity, advice: String) -> Finding {
    Finding {
        kind: Kind::PackageManagerHygiene,
        severity,
        bytes: 0,
        layers,
        paths: Vec::new(),
        path_count: 0,
        command: Some(step.command.clone()),
        advice,
        fix: Fix::at_history(step.history),
    }
}

pub(super) fn package_manager_hygiene(analysis: &ExactView<'_>, findings: &mut Vec<Finding>) {
    let steps = user_steps(analysis);
    let used: Vec<Uses> = steps.iter().map(uses).collect();
    for (i, (step, u)) in steps.iter().zip(&used).enumerate() {
        if u.updates
            && !u.installs
            && let Some(later) = steps[i + 1..]
                .iter()
                .zip(&used[i + 1..])
                .find(|(_, l)| l.installs && !l.updates)
                .map(|(s, _)| s)
        {
            let mut layers = step.layers();
            layers.extend(later.layers());
            findings.push(finding(
                step,
                layers,
                Severity::Warning,
                format!(
                    "{} runs `apt-get update` and {} installs in another RUN: the build cache can reuse \
                     the old package lists when only the install line changes (stale or missing packages). Run \
                     `apt-get update && apt-get install …` in one RUN, and remove the lists at its end.",
                    capitalised(&step.name()),
                    later.name()
                ),
            ));
        }
        if let Some(upgrade) = &u.upgrades {
            findings.push(finding(
                step,
                step.layers(),
                Severity::Info,
                format!(
                    "{} runs `{upgrade}`: the build upgrades the base image's packages, so two builds of one \
                     Dockerfile differ and the layer holds a second copy of every upgraded file. Use a newer base \
                     image instead (or upgrade only the packages that need it).",
                    capitalised(&step.name())
                ),
            ));
        }
        if u.installs_recommends {
            findings.push(finding(
                step,
                step.layers(),
                Severity::Info,
                format!(
                    "{} runs `apt-get install` without `--no-install-recommends`: apt installs the \
                     recommended packages too, which the image rarely needs. Add the flag and list what is needed.",
                    capitalised(&step.name())
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(command: &str) -> Uses {
        uses(&Step {
            history: 1,
            layer: Some(1.into()),
            command: command.into(),
        })
    }

    #[test]
    fn what_a_run_does() {
        let u = of("RUN apt-get update && apt-get install -y --no-install-recommends curl");
        assert!(u.updates && u.installs && !u.installs_recommends && u.upgrades.is_none());
        let u = of("RUN DEBIAN_FRONTEND=noninteractive apt-get -y install curl");
        assert!(u.installs && u.installs_recommends);
        let u = of("RUN apt-get -o APT::Install-Recommends=false install -y curl");
        assert!(!u.installs_recommends);
        assert_eq!(
            of("RUN apt-get update && apt-get -y dist-upgrade")
                .upgrades
                .as_deref(),
            Some("apt-get dist-upgrade")
        );
        assert_eq!(
            of("RUN dnf -y update").upgrades.as_deref(),
            Some("dnf update")
        );
        assert!(of("RUN apk add --no-cache curl").upgrades.is_none());
        assert!(of("COPY apt-get /x").upgrades.is_none());
        // Words of other programs do not count.
        assert!(!of("RUN echo apt-get install x").installs);
    }
}
