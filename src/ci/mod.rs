//! `--ci`: three rules judged against the exact figures (or, with
//! `--dive-compat`, dive's), with dive's thresholds and semantics.

pub mod config;
pub mod growth;
pub mod threshold;

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::findings::{Finding, Kind};
use threshold::{Threshold, byte_threshold, parse_fraction};

pub const LOWEST_EFFICIENCY: &str = "lowestEfficiency";
pub const HIGHEST_WASTED_BYTES: &str = "highestWastedBytes";
pub const HIGHEST_USER_WASTED_PERCENT: &str = "highestUserWastedPercent";
pub const FAIL_ON_FINDINGS: &str = "failOnFindings";

/// The thresholds in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub lowest_efficiency: Threshold<f64>,
    pub highest_wasted_bytes: Threshold<u64>,
    pub highest_user_wasted_percent: Threshold<f64>,
    /// Finding kinds that fail the build (none by default).
    pub fail_on_findings: Vec<Kind>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            lowest_efficiency: Threshold::Value(0.9),
            highest_wasted_bytes: Threshold::Disabled,
            highest_user_wasted_percent: Threshold::Value(0.1),
            fail_on_findings: Vec::new(),
        }
    }
}

/// Rule values as text from one place (flags, environment, file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleText {
    pub lowest_efficiency: Option<String>,
    pub highest_wasted_bytes: Option<String>,
    pub highest_user_wasted_percent: Option<String>,
    /// Finding kinds that fail the build, comma-separated.
    pub fail_on_findings: Option<String>,
}

impl Rules {
    /// Defaults, overridden by the file, overridden by flags (or their
    /// environment variables).
    pub fn resolve(file: &RuleText, flags: &RuleText) -> Result<Self> {
        let mut rules = Rules::default();
        // Where a value came from, for its error: the file's key or the flag.
        for (layer, kinds_from) in [(file, FAIL_ON_FINDINGS), (flags, "--fail-on")] {
            if let Some(text) = &layer.lowest_efficiency {
                rules.lowest_efficiency = parse_fraction(LOWEST_EFFICIENCY, text)?;
            }
            if let Some(text) = &layer.highest_wasted_bytes {
                rules.highest_wasted_bytes = byte_threshold(HIGHEST_WASTED_BYTES, text)?;
            }
            if let Some(text) = &layer.highest_user_wasted_percent {
                rules.highest_user_wasted_percent =
                    parse_fraction(HIGHEST_USER_WASTED_PERCENT, text)?;
            }
            if let Some(text) = &layer.fail_on_findings {
                rules.fail_on_findings = parse_kinds(kinds_from, text)?;
            }
        }
        Ok(rules)
    }
}

/// `secret,package-cache` → kinds; `none`, `off` or empty → no kind.
fn parse_kinds(from: &str, text: &str) -> Result<Vec<Kind>> {
    let mut kinds = Vec::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        if matches!(word, "none" | "off" | "disabled" | "false") {
            continue;
        }
        let kind = Kind::from_name(word).ok_or_else(|| {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            Error::Config(format!(
                "{from}: unknown finding kind '{word}' (known: {})",
                known.join(", ")
            ))
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// One rule per kind in `fail_on`: it fails when the image has a finding of
/// that kind.
pub fn findings_rules(fail_on: &[Kind], findings: &[Finding]) -> Vec<RuleResult> {
    fail_on
        .iter()
        .map(|&kind| {
            let count = findings.iter().filter(|f| f.kind == kind).count() as u64;
            RuleResult {
                name: format!("{FAIL_ON_FINDINGS}:{}", kind.name()),
                threshold: Some(Number::Count(0)),
                value: Number::Count(count),
                status: status(count > 0),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// A number as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Ratio(f64),
    Bytes(u64),
    Count(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    pub name: String,
    pub threshold: Option<Number>,
    pub value: Number,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub rules: Vec<RuleResult>,
    /// The rules judged dive's figures (`--dive-compat`).
    pub dive_compat: bool,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.rules.iter().all(|r| r.status != Status::Fail)
    }

    pub fn failed_count(&self) -> usize {
        self.rules
            .iter()
            .filter(|r| r.status == Status::Fail)
            .count()
    }

    /// `N of M rules failed`: the failing verdict's line, in every report.
    pub fn failed_summary(&self) -> String {
        format!(
            "{} of {} rules failed",
            self.failed_count(),
            self.rules.len()
        )
    }
}

/// The figures the rules judge.
pub struct Judged {
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub user_wasted_percent: f64,
}

impl Judged {
    pub fn of(analysis: &Analysis, dive_compat: bool) -> Self {
        if dive_compat {
            Judged {
                efficiency: analysis.dive.efficiency_score,
                wasted_bytes: analysis.dive.inefficient_bytes,
                user_wasted_percent: analysis.dive.user_wasted_percent,
            }
        } else {
            Judged {
                efficiency: analysis.exact.efficiency,
                wasted_bytes: analysis.exact.wasted_bytes,
                user_wasted_percent: analysis.exact.user_wasted_percent,
            }
        }
    }
}

/// Judge the figures. Comparisons are strict: a value equal to its threshold passes.
pub fn evaluate(rules: &Rules, judged: &Judged, dive_compat: bool) -> Verdict {
    let lowest = match rules.lowest_efficiency {
        Threshold::Disabled => (None, Status::Skip),
        Threshold::Value(t) => (Some(Number::Ratio(t)), status(judged.efficiency < t)),
    };
    let wasted = match rules.highest_wasted_bytes {
        Threshold::Disabled => (None, Status::Skip),
        Threshold::Value(t) => (Some(Number::Bytes(t)), status(judged.wasted_bytes > t)),
    };
    let user = match rules.highest_user_wasted_percent {
        Threshold::Disabled => (None, Status::Skip),
        Threshold::Value(t) => (
            Some(Number::Ratio(t)),
            status(judged.user_wasted_percent > t),
        ),
    };
    Verdict {
        rules: vec![
            RuleResult {
                name: LOWEST_EFFICIENCY.into(),
                threshold: lowest.0,
                value: Number::Ratio(judged.efficiency),
                status: lowest.1,
            },
            RuleResult {
                name: HIGHEST_WASTED_BYTES.into(),
                threshold: wasted.0,
                value: Number::Bytes(judged.wasted_bytes),
                status: wasted.1,
            },
            RuleResult {
                name: HIGHEST_USER_WASTED_PERCENT.into(),
                threshold: user.0,
                value: Number::Ratio(judged.user_wasted_percent),
                status: user.1,
            },
        ],
        dive_compat,
    }
}

fn status(failed: bool) -> Status {
    if failed { Status::Fail } else { Status::Pass }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(e: f64, w: u64, u: f64) -> Judged {
        Judged {
            efficiency: e,
            wasted_bytes: w,
            user_wasted_percent: u,
        }
    }

    #[test]
    fn equal_passes() {
        let rules = Rules {
            lowest_efficiency: Threshold::Value(0.9),
            highest_wasted_bytes: Threshold::Value(100),
            highest_user_wasted_percent: Threshold::Value(0.1),
            fail_on_findings: Vec::new(),
        };
        let v = evaluate(&rules, &judged(0.9, 100, 0.1), false);
        assert!(v.passed());
        let v = evaluate(&rules, &judged(0.89, 101, 0.11), false);
        assert_eq!(v.failed_count(), 3);
    }

    #[test]
    fn finding_kinds() {
        assert_eq!(
            parse_kinds("--fail-on", "secret, package-cache,secret").unwrap(),
            vec![Kind::Secret, Kind::PackageCache]
        );
        assert!(parse_kinds("--fail-on", "none").unwrap().is_empty());
        assert!(parse_kinds("--fail-on", "").unwrap().is_empty());
        assert!(parse_kinds("--fail-on", "secrets").is_err());
        let rules = findings_rules(&[Kind::Secret, Kind::NoHealthcheck], &[]);
        assert_eq!(rules.len(), 2);
        assert!(rules.iter().all(|r| r.status == Status::Pass));
        assert_eq!(rules[0].name, "failOnFindings:secret");
    }

    #[test]
    fn flags_override_file() {
        let file = RuleText {
            lowest_efficiency: Some("0.5".into()),
            highest_wasted_bytes: Some("1MB".into()),
            ..RuleText::default()
        };
        let flags = RuleText {
            lowest_efficiency: Some("0.8".into()),
            ..RuleText::default()
        };
        let rules = Rules::resolve(&file, &flags).unwrap();
        assert_eq!(rules.lowest_efficiency, Threshold::Value(0.8));
        assert_eq!(rules.highest_wasted_bytes, Threshold::Value(1_000_000));
        assert_eq!(rules.highest_user_wasted_percent, Threshold::Value(0.1));
        assert!(
            Rules::resolve(
                &RuleText::default(),
                &RuleText {
                    lowest_efficiency: Some("2".into()),
                    ..RuleText::default()
                }
            )
            .is_err()
        );
    }
}
