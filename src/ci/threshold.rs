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

fn is_disabled(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "disabled" | "off" | "false"
    )
}

/// A fraction between 0 and 1 (`0.9`), or a disabling word.
pub fn parse_fraction(rule: &str, text: &str) -> Result<Threshold<f64>, String> {
    if is_disabled(text) {
        return Ok(Threshold::Disabled);
    }
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{rule}: '{text}' is not a number between 0 and 1 (or 'disabled')"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{rule}: {text} is outside the range 0 to 1"));
    }
    Ok(Threshold::Value(value))
}

/// A byte count with an optional unit (`20MB` = 20,000,000, `20MiB` =
/// 20,971,520; units are case-insensitive, so `20Mb` is `20MB`, as in dive),
/// or a disabling word.
pub fn parse_bytes(rule: &str, text: &str) -> Result<Threshold<u64>, String> {
    if is_disabled(text) {
        return Ok(Threshold::Disabled);
    }
    let bad = || {
        format!("{rule}: '{text}' is not a byte size such as 20MB, 20MiB or 1000 (or 'disabled')")
    };
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
        assert_eq!(parse_bytes("r", "20MB"), Ok(Threshold::Value(20_000_000)));
        assert_eq!(parse_bytes("r", "20MiB"), Ok(Threshold::Value(20_971_520)));
        assert_eq!(parse_bytes("r", "20Mb"), Ok(Threshold::Value(20_000_000)));
        assert_eq!(parse_bytes("r", "1000"), Ok(Threshold::Value(1000)));
        assert_eq!(parse_bytes("r", "1.5 kB"), Ok(Threshold::Value(1500)));
        assert_eq!(parse_bytes("r", "2GiB"), Ok(Threshold::Value(2 << 30)));
        assert_eq!(parse_bytes("r", "off"), Ok(Threshold::Disabled));
        assert!(parse_bytes("r", "20XB").is_err());
        assert!(parse_bytes("r", "MB").is_err());
    }
}
