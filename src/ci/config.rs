//! The `.dive-ci` rules file: YAML with a `rules:` map, keys in dive's
//! camelCase or in kebab-case. Unknown keys are reported, not fatal.

use std::path::Path;

use serde_yaml_ng::Value;

use super::RuleText;
use crate::error::{Error, Result};

/// Raw rule values from the file (text, as a flag would give them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRules {
    pub rules: RuleText,
    /// Globs of accepted paths (`ignore:`, a list or one string).
    pub ignore: Vec<String>,
    /// One line per key that was ignored.
    pub warnings: Vec<String>,
}

/// Read a rules file. `required` is false for the default `.dive-ci`, which
/// may be absent.
pub fn load(path: &Path, required: bool) -> Result<FileRules> {
    let what = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(FileRules::default());
        }
        Err(e) => return Err(Error::Config(format!("{what}: {e}"))),
    };
    parse(&text, &what)
}

pub fn parse(text: &str, what: &str) -> Result<FileRules> {
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
            "rules:\n  lowestEfficiency: 0.95\n  highest-wasted-bytes: 20Mb\n  highestUserWastedPercent: off\n",
            "f",
        )
        .unwrap();
        assert_eq!(r.rules.lowest_efficiency.as_deref(), Some("0.95"));
        assert_eq!(r.rules.highest_wasted_bytes.as_deref(), Some("20Mb"));
        assert_eq!(r.rules.highest_user_wasted_percent.as_deref(), Some("off"));
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
    fn bad_yaml_is_an_error() {
        assert!(parse("rules: [unclosed", "f").is_err());
        assert!(parse("rules: 3", "f").is_err());
        assert_eq!(parse("", "f").unwrap(), FileRules::default());
    }
}
