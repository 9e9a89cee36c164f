//! The `.dive-ci` rules file: YAML with a `rules:` map, keys in dive's
//! camelCase or in kebab-case. Unknown keys are reported, not fatal.

use std::path::Path;

use serde_yaml_ng::Value;

use super::RuleText;
use super::growth::GrowthText;
use crate::error::{Error, Result};

/// Raw rule values from the file (text, as a flag would give them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRules {
    pub rules: RuleText,
    /// The growth rules (judged against a baseline only).
    pub growth: GrowthText,
    /// Globs of accepted paths (`ignore:`, a list or one string).
    pub ignore: Vec<String>,
    /// One line per key that was ignored.
    pub warnings: Vec<String>,
    /// `dockerfile:`: the Dockerfile the image was built from.
    pub dockerfile: Option<String>,
}

/// Read a rules file. `required` is false for the default `.dive-ci`, which
/// may be absent.
pub fn load(path: &Path, required: bool) -> Result<FileRules> {
    let what = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(FileRules::default());
        }
        Err(e) => return Err(Error::Config(format!("{what}: {e}"))),
    };
    let text =
        crate::text_file::read_capped(file, MAX_BYTES, &what, "the most a rules file may be")?;
    parse(&text, &what)
}

/// The largest rules file read (dive's are a few lines).
pub const MAX_BYTES: u64 = 64 * 1024;

/// The deepest nesting a rules file may have (dive's has 2 levels). The YAML
/// parser takes quadratic time on deep flow nesting (`[[[[…`), so the depth is
/// checked on the text before it parses.
pub const MAX_DEPTH: usize = 32;

/// An upper bound of the nesting depth of YAML `text`, from the text alone:
/// the block levels (indentations still open, plus `- ` markers that open a
/// sequence on the same line) and the open flow brackets. Brackets inside
/// quotes count too, which can only overestimate.
fn nesting_depth(text: &str) -> usize {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut deepest = 0;
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        if flow == 0 {
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&top| top < indent) {
                indents.push(indent);
            }
        }
        let mut rest = body;
        let mut dashes = 0;
        while let Some(after) = rest
            .strip_prefix("- ")
            .or_else(|| rest.strip_prefix('-').filter(|a| a.is_empty()))
        {
            dashes += 1;
            rest = after.trim_start_matches(' ');
        }
        let mut peak = flow;
        let mut prev = ' ';
        for c in rest.chars() {
            match c {
                '#' if prev == ' ' => break,
                '[' | '{' => {
                    flow += 1;
                    peak = peak.max(flow);
                }
                ']' | '}' => flow = flow.saturating_sub(1),
                _ => {}
            }
            prev = c;
        }
        deepest = deepest.max(indents.len() + dashes + peak);
    }
    deepest
}

pub fn parse(text: &str, what: &str) -> Result<FileRules> {
    if nesting_depth(text) > MAX_DEPTH {
        return Err(Error::Config(format!(
            "{what}: nested deeper than {MAX_DEPTH} levels, the most a rules file may be"
        )));
    }
    let doc: Value = serde_yaml_ng::from_str(text)
        .map_err(|e| Error::Config(format!("{what}: not valid YAML: {e}")))?;
    let mut rules = FileRules::default();
    let top = match doc {
        Value::Null => return Ok(rules),
        Value::Mapping(m) => m,
        _ => {
            return Err(Error::Config(format!(
                "{what}: expected a mapping with a 'rules:' key"
            )));
        }
    };
    for (key, value) in top {
        let key = scalar_text(&key).unwrap_or_default();
        if key == "ignore" {
            rules.ignore =
                match &value {
                    Value::Null => Vec::new(),
                    Value::Sequence(items) => items
                        .iter()
                        .map(|v| {
                            scalar_text(v).ok_or_else(|| {
                                Error::Config(format!("{what}: 'ignore' must list globs"))
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                    other => vec![scalar_text(other).ok_or_else(|| {
                        Error::Config(format!("{what}: 'ignore' must list globs"))
                    })?],
                };
            continue;
        }
        if key == "dockerfile" {
            rules.dockerfile = Some(
                scalar_text(&value)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Error::Config(format!("{what}: 'dockerfile' must be a path")))?,
            );
            continue;
        }
        if key != "rules" {
            rules
                .warnings
                .push(format!("{what}: ignoring unknown key '{key}'"));
            continue;
        }
        let map = match value {
            Value::Mapping(m) => m,
            Value::Null => continue,
            _ => return Err(Error::Config(format!("{what}: 'rules' must be a mapping"))),
        };
        for (rule, value) in map {
            let rule = scalar_text(&rule).unwrap_or_default();
            let text = scalar_text(&value)
                .or_else(|| list_text(&value))
                .ok_or_else(|| {
                    Error::Config(format!("{what}: rule '{rule}' must have a plain value"))
                })?;
            match rule.as_str() {
                "lowestEfficiency" | "lowest-efficiency" => {
                    rules.rules.lowest_efficiency = Some(text)
                }
                "highestWastedBytes" | "highest-wasted-bytes" => {
                    rules.rules.highest_wasted_bytes = Some(text)
                }
                "highestUserWastedPercent" | "highest-user-wasted-percent" => {
                    rules.rules.highest_user_wasted_percent = Some(text)
                }
                "failOnFindings" | "fail-on-findings" => rules.rules.fail_on_findings = Some(text),
                "highestGrowth" | "highest-growth" => rules.growth.highest_growth = Some(text),
                "highestPullCost" | "highest-pull-cost" => {
                    rules.growth.highest_pull_cost = Some(text)
                }
                "highestWastedGrowth" | "highest-wasted-growth" => {
                    rules.growth.highest_wasted_growth = Some(text)
                }
                "failOnNew" | "fail-on-new" => rules.growth.fail_on_new = Some(text),
                _ => rules
                    .warnings
                    .push(format!("{what}: ignoring unknown rule '{rule}'")),
            }
        }
    }
    Ok(rules)
}

/// A YAML list of scalars as comma-separated text (for `failOnFindings`).
fn list_text(value: &Value) -> Option<String> {
    let Value::Sequence(items) = value else {
        return None;
    };
    let texts: Option<Vec<String>> = items.iter().map(scalar_text).collect();
    Some(texts?.join(","))
}

/// A YAML scalar as text (`~` and a missing value are the empty string).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_and_kebab_keys() {
        let r = parse(
            "rules:\n  lowestEfficiency: 0.95\n  highest-wasted-bytes: 20Mb\n  highestUserWastedPercent: off\n  \
             highestGrowth: 10%\n  highest-pull-cost: 5MB\n  highestWastedGrowth: 0\n  fail-on-new: [secret, package-cache]\n",
            "f",
        )
        .unwrap();
        let (rules, growth) = (r.rules, r.growth);
        let got = [
            rules.lowest_efficiency,
            rules.highest_wasted_bytes,
            rules.highest_user_wasted_percent,
            growth.highest_growth,
            growth.highest_pull_cost,
            growth.highest_wasted_growth,
            growth.fail_on_new,
        ];
        let want = [
            "0.95",
            "20Mb",
            "off",
            "10%",
            "5MB",
            "0",
            "secret,package-cache",
        ];
        assert_eq!(got, want.map(|w| Some(w.to_string())));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn unknown_keys_warn() {
        let r = parse(
            "plugins:\n  - p\nrules:\n  p/rule1: error\n  lowestEfficiency: false\n",
            "f",
        )
        .unwrap();
        assert_eq!(r.warnings.len(), 2);
        assert_eq!(r.rules.lowest_efficiency.as_deref(), Some("false"));
    }

    #[test]
    fn ignore_globs() {
        let r = parse(
            "ignore:\n  - /var/cache/**\n  - '**/*.log'\nrules: {}\n",
            "f",
        )
        .unwrap();
        assert_eq!(
            r.ignore,
            vec!["/var/cache/**".to_string(), "**/*.log".to_string()]
        );
        assert!(r.warnings.is_empty());
        assert_eq!(
            parse("ignore: /tmp/**\n", "f").unwrap().ignore,
            vec!["/tmp/**".to_string()]
        );
        assert!(parse("ignore: [[1]]\n", "f").is_err());
    }

    #[test]
    fn nesting_is_measured_before_parsing() {
        assert_eq!(nesting_depth("rules:\n  lowestEfficiency: 0.9\n"), 2);
        // An upper bound: the quoted `[` counts, the comment does not.
        assert_eq!(nesting_depth("ignore:\n  - '**/[ab]*.log' # [[[[\n"), 4);
        assert_eq!(nesting_depth("a: [[1], {b: [2]}]\n"), 4);
        assert_eq!(nesting_depth("- - - x\n"), 4);
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        // 60 KiB of `[` (under the size cap): refused in bounded time, one line.
        for deep in [
            "[".repeat(60 * 1024),
            format!("rules: {}", "{a: ".repeat(10_000)),
            "- ".repeat(30_000),
            format!(
                "{}x",
                (0..300)
                    .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                    .collect::<String>()
            ),
        ] {
            let started = std::time::Instant::now();
            let err = parse(&deep, "f").unwrap_err().to_string();
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
            assert!(err.contains("nested deeper than 32 levels"), "{err}");
            assert_eq!(err.lines().count(), 1);
        }
    }

    #[test]
    fn an_oversized_file_is_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".dive-ci");
        let mut text = "rules:\n  lowestEfficiency: 0.9\n".to_string();
        text.push_str(&"# padding\n".repeat(7000));
        std::fs::write(&path, &text).unwrap();
        let err = load(&path, true).unwrap_err().to_string();
        assert!(err.contains("larger than 64 KiB"), "{err}");
        assert_eq!(err.lines().count(), 1);
        text.truncate(MAX_BYTES as usize);
        std::fs::write(&path, &text).unwrap();
        assert!(load(&path, true).is_ok());
    }

    #[test]
    fn bad_yaml_is_an_error() {
        assert!(parse("rules: [unclosed", "f").is_err());
        assert!(parse("rules: 3", "f").is_err());
        assert_eq!(parse("", "f").unwrap(), FileRules::default());
    }
}
