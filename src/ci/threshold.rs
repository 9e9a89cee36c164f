//! Threshold values as dive reads them: fractions in [0, 1], byte sizes with
//! SI or IEC units, and the words that disable a rule.

/// A threshold: a number, or the rule is off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold<T> {
    Disabled,
    Value(T),
}

impl<T> Threshold<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Threshold::Disabled => None,
            Threshold::Value(v) => Some(v),
        }
    }
}

/// Why a threshold's text is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdProblem {
    /// Not a number (a fraction rule).
    NotAFraction,
    /// A number, outside 0 to 1.
    OutOfRange,
    /// Not a byte count with a known unit.
    NotAByteSize,
}

/// A threshold's text that is not one: the rule, the text as given, and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdError {
    pub problem: ThresholdProblem,
    pub rule: String,
    pub text: String,
}

impl ThresholdError {
    fn new(problem: ThresholdProblem, rule: &str, text: &str) -> Self {
        ThresholdError {
            problem,
            rule: rule.to_string(),
            text: text.to_string(),
        }
    }
}

impl std::fmt::Display for ThresholdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ThresholdError { rule, text, .. } = self;
        match self.problem {
            ThresholdProblem::NotAFraction => write!(
                f,
                "{rule}: '{text}' is not a number between 0 and 1 (or 'disabled')"
            ),
            ThresholdProblem::OutOfRange => write!(f, "{rule}: {text} is outside the range 0 to 1"),
            ThresholdProblem::NotAByteSize => write!(
                f,
                "{rule}: '{text}' is not a byte size such as 20MB, 20MiB or 1000 (or 'disabled')"
            ),
        }
    }
}

impl std::error::Error for ThresholdError {}

/// A bad threshold is a bad CI configuration.
impl From<ThresholdError> for crate::error::Error {
    fn from(e: ThresholdError) -> Self {
        crate::error::Error::Config(e.to_string())
    }
}

fn is_disabled(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "disabled" | "off" | "false"
    )
}

/// A fraction between 0 and 1 (`0.9`), or a disabling word.
pub fn parse_fraction(rule: &str, text: &str) -> Result<Threshold<f64>, ThresholdError> {
    if is_disabled(text) {
        return Ok(Threshold::Disabled);
    }
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| ThresholdError::new(ThresholdProblem::NotAFraction, rule, text))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(ThresholdError::new(
            ThresholdProblem::OutOfRange,
            rule,
            text,
        ));
    }
    Ok(Threshold::Value(value))
}

/// A byte count with an optional unit (`20MB` = 20,000,000, `20MiB` =
/// 20,971,520; units are case-insensitive, so `20Mb` is `20MB`, as in dive),
/// or a disabling word.
pub fn byte_threshold(rule: &str, text: &str) -> Result<Threshold<u64>, ThresholdError> {
    if is_disabled(text) {
        return Ok(Threshold::Disabled);
    }
    let bad = || ThresholdError::new(ThresholdProblem::NotAByteSize, rule, text);
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "p" | "pb" => 1e15,
        "e" | "eb" => 1e18,
        "ki" | "kib" => 1024f64,
        "mi" | "mib" => 1024f64.powi(2),
        "gi" | "gib" => 1024f64.powi(3),
        "ti" | "tib" => 1024f64.powi(4),
        "pi" | "pib" => 1024f64.powi(5),
        "ei" | "eib" => 1024f64.powi(6),
        _ => return Err(bad()),
    };
    let bytes = number * multiplier;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(Threshold::Value(bytes as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions() {
        assert_eq!(parse_fraction("r", "0.9"), Ok(Threshold::Value(0.9)));
        assert_eq!(parse_fraction("r", "1"), Ok(Threshold::Value(1.0)));
        assert_eq!(parse_fraction("r", "0"), Ok(Threshold::Value(0.0)));
        for off in ["disabled", "off", "false", "", "  ", "OFF"] {
            assert_eq!(parse_fraction("r", off), Ok(Threshold::Disabled), "{off}");
        }
        assert!(parse_fraction("r", "1.5").is_err());
        assert!(parse_fraction("r", "-0.1").is_err());
        assert!(parse_fraction("r", "abc").is_err());
    }

    #[test]
    fn byte_units() {
        assert_eq!(
            byte_threshold("r", "20MB"),
            Ok(Threshold::Value(20_000_000))
        );
        assert_eq!(
            byte_threshold("r", "20MiB"),
            Ok(Threshold::Value(20_971_520))
        );
        assert_eq!(
            byte_threshold("r", "20Mb"),
            Ok(Threshold::Value(20_000_000))
        );
        assert_eq!(byte_threshold("r", "1000"), Ok(Threshold::Value(1000)));
        assert_eq!(byte_threshold("r", "1.5 kB"), Ok(Threshold::Value(1500)));
        assert_eq!(byte_threshold("r", "2GiB"), Ok(Threshold::Value(2 << 30)));
        assert_eq!(byte_threshold("r", "off"), Ok(Threshold::Disabled));
        assert!(byte_threshold("r", "20XB").is_err());
        assert!(byte_threshold("r", "MB").is_err());
    }

    #[test]
    fn errors_say_their_kind_and_the_rule() {
        for (got, problem, message) in [
            (
                parse_fraction("lowestEfficiency", "abc").unwrap_err(),
                ThresholdProblem::NotAFraction,
                "lowestEfficiency: 'abc' is not a number between 0 and 1 (or 'disabled')",
            ),
            (
                parse_fraction("lowestEfficiency", " 1.5").unwrap_err(),
                ThresholdProblem::OutOfRange,
                "lowestEfficiency:  1.5 is outside the range 0 to 1",
            ),
            (
                byte_threshold("highestWastedBytes", "20XB").unwrap_err(),
                ThresholdProblem::NotAByteSize,
                "highestWastedBytes: '20XB' is not a byte size such as 20MB, 20MiB or 1000 (or 'disabled')",
            ),
        ] {
            assert_eq!(got.problem, problem);
            assert_eq!(got.to_string(), message);
        }
        assert_eq!(
            byte_threshold("r", "-5").map_err(|e| e.to_string()),
            Err("r: '-5' is not a byte size such as 20MB, 20MiB or 1000 (or 'disabled')".into())
        );
    }
}
