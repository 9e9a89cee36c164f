//! The growth rules, judged against a baseline (`peel diff`, `peel --ci
//! --baseline`): how much the visible size grew, the pull cost, how much
//! the wasted bytes grew, and findings of given kinds that OLD did not
//! have. All of them are off unless a flag or the rules file sets them.

use super::threshold::{Threshold, byte_threshold};
use super::{Number, RuleResult, Status, parse_kinds, status};
use crate::error::{Error, Result};
use crate::findings::Kind;

pub const HIGHEST_GROWTH: &str = "highestGrowth";
pub const HIGHEST_PULL_COST: &str = "highestPullCost";
pub const HIGHEST_WASTED_GROWTH: &str = "highestWastedGrowth";
pub const FAIL_ON_NEW: &str = "failOnNew";

/// How much the visible size may grow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    Bytes(u64),
    /// A fraction of OLD's visible size (`10%` is 0.1).
    Fraction(f64),
}

/// The growth rules in force.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthRules {
    pub highest_growth: Threshold<Growth>,
    pub highest_pull_cost: Threshold<u64>,
    pub highest_wasted_growth: Threshold<u64>,
    /// Finding kinds that fail the build when NEW has one OLD had not.
    pub fail_on_new: Vec<Kind>,
}

impl Default for GrowthRules {
    fn default() -> Self {
        GrowthRules {
            highest_growth: Threshold::Disabled,
            highest_pull_cost: Threshold::Disabled,
            highest_wasted_growth: Threshold::Disabled,
            fail_on_new: Vec::new(),
        }
    }
}

/// Growth rule values as text from one place (flags, environment, file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrowthText {
    pub highest_growth: Option<String>,
    pub highest_pull_cost: Option<String>,
    pub highest_wasted_growth: Option<String>,
    pub fail_on_new: Option<String>,
}

impl GrowthRules {
    /// Off, overridden by the file, overridden by flags.
    pub fn resolve(file: &GrowthText, flags: &GrowthText) -> Result<Self> {
        let mut rules = GrowthRules::default();
        for (layer, kinds_from) in [(file, FAIL_ON_NEW), (flags, "--fail-on-new")] {
            if let Some(text) = &layer.highest_growth {
                rules.highest_growth = parse_growth(text)?;
            }
            if let Some(text) = &layer.highest_pull_cost {
                rules.highest_pull_cost = byte_threshold(HIGHEST_PULL_COST, text)?;
            }
            if let Some(text) = &layer.highest_wasted_growth {
                rules.highest_wasted_growth = byte_threshold(HIGHEST_WASTED_GROWTH, text)?;
            }
            if let Some(text) = &layer.fail_on_new {
                rules.fail_on_new = parse_kinds(kinds_from, text)?;
            }
        }
        Ok(rules)
    }

    /// Whether any rule is on (a comparison without one is not judged).
    pub fn any_enabled(&self) -> bool {
        self.highest_growth != Threshold::Disabled
            || self.highest_pull_cost != Threshold::Disabled
            || self.highest_wasted_growth != Threshold::Disabled
            || !self.fail_on_new.is_empty()
    }
}

/// `10%` (a fraction of OLD's visible size), a byte size, or a disabling word.
fn parse_growth(text: &str) -> Result<Threshold<Growth>> {
    let Some(number) = text.trim().strip_suffix('%') else {
        return Ok(match byte_threshold(HIGHEST_GROWTH, text)? {
            Threshold::Disabled => Threshold::Disabled,
            Threshold::Value(b) => Threshold::Value(Growth::Bytes(b)),
        });
    };
    match number.trim().parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(Threshold::Value(Growth::Fraction(p / 100.0))),
        _ => Err(Error::Config(format!(
            "{HIGHEST_GROWTH}: '{text}' is not a percentage such as 10% (or a byte size, or 'disabled')"
        ))),
    }
}

/// The figures the growth rules judge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Growths {
    pub old_visible_bytes: u64,
    pub new_visible_bytes: u64,
    pub pull_cost_bytes: u64,
    pub old_wasted_bytes: u64,
    pub new_wasted_bytes: u64,
    /// The kind of each finding NEW has and OLD had not.
    pub new_findings: Vec<Kind>,
}

/// Judge the growth; a shrink is no growth (0). Equal to a threshold passes.
pub fn evaluate(rules: &GrowthRules, g: &Growths) -> Vec<RuleResult> {
    let grown = g.new_visible_bytes.saturating_sub(g.old_visible_bytes);
    let growth = match rules.highest_growth {
        Threshold::Disabled => (None, Number::Bytes(grown), Status::Skip),
        Threshold::Value(Growth::Bytes(t)) => (
            Some(Number::Bytes(t)),
            Number::Bytes(grown),
            status(grown > t),
        ),
        Threshold::Value(Growth::Fraction(t)) => {
            let fraction = match (grown, g.old_visible_bytes) {
                (0, _) => 0.0,
                (_, 0) => f64::INFINITY,
                (grown, old) => grown as f64 / old as f64,
            };
            (
                Some(Number::Ratio(t)),
                Number::Ratio(fraction),
                status(fraction > t),
            )
        }
    };
    let bytes_rule = |name: &str, threshold: Threshold<u64>, value: u64| RuleResult {
        name: name.into(),
        threshold: threshold.value().map(|&t| Number::Bytes(t)),
        value: Number::Bytes(value),
        status: match threshold {
            Threshold::Disabled => Status::Skip,
            Threshold::Value(t) => status(value > t),
        },
    };
    let mut rules_out = vec![
        RuleResult {
            name: HIGHEST_GROWTH.into(),
            threshold: growth.0,
            value: growth.1,
            status: growth.2,
        },
        bytes_rule(
            HIGHEST_PULL_COST,
            rules.highest_pull_cost,
            g.pull_cost_bytes,
        ),
        bytes_rule(
            HIGHEST_WASTED_GROWTH,
            rules.highest_wasted_growth,
            g.new_wasted_bytes.saturating_sub(g.old_wasted_bytes),
        ),
    ];
    rules_out.extend(rules.fail_on_new.iter().map(|&kind| {
        let count = g.new_findings.iter().filter(|&&k| k == kind).count() as u64;
        RuleResult {
            name: format!("{FAIL_ON_NEW}:{}", kind.name()),
            threshold: Some(Number::Count(0)),
            value: Number::Count(count),
            status: status(count > 0),
        }
    }));
    rules_out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(growth: &str) -> GrowthText {
        GrowthText {
            highest_growth: Some(growth.into()),
            ..GrowthText::default()
        }
    }

    #[test]
    fn growth_in_bytes_or_percent() {
        let none = GrowthText::default();
        assert!(!GrowthRules::resolve(&none, &none).unwrap().any_enabled());
        let r = GrowthRules::resolve(&none, &flags("10%")).unwrap();
        assert_eq!(r.highest_growth, Threshold::Value(Growth::Fraction(0.1)));
        let r = GrowthRules::resolve(&flags("10%"), &flags("5MB")).unwrap();
        assert_eq!(r.highest_growth, Threshold::Value(Growth::Bytes(5_000_000)));
        assert!(GrowthRules::resolve(&none, &flags("ten%")).is_err());
        assert!(GrowthRules::resolve(&none, &flags("-3%")).is_err());
        assert!(
            GrowthRules::resolve(&none, &flags("off"))
                .unwrap()
                .highest_growth
                == Threshold::Disabled
        );
    }

    #[test]
    fn judged_strictly_and_a_shrink_is_no_growth() {
        let g = Growths {
            old_visible_bytes: 1000,
            new_visible_bytes: 1100,
            pull_cost_bytes: 50,
            old_wasted_bytes: 10,
            new_wasted_bytes: 5,
            new_findings: vec![Kind::Secret],
        };
        let rules = GrowthRules {
            highest_growth: Threshold::Value(Growth::Fraction(0.1)),
            highest_pull_cost: Threshold::Value(49),
            highest_wasted_growth: Threshold::Value(0),
            fail_on_new: vec![Kind::Secret, Kind::PackageCache],
        };
        let got: Vec<(String, &str)> = evaluate(&rules, &g)
            .iter()
            .map(|r| (r.name.clone(), r.status.name()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("highestGrowth".into(), "PASS"),
                ("highestPullCost".into(), "FAIL"),
                ("highestWastedGrowth".into(), "PASS"),
                ("failOnNew:secret".into(), "FAIL"),
                ("failOnNew:package-cache".into(), "PASS"),
            ]
        );
        let off = evaluate(&GrowthRules::default(), &g);
        assert_eq!(off.len(), 3);
        assert!(off.iter().all(|r| r.status == Status::Skip));
    }
}
