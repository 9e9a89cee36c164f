//! GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`,
//! one per finding (high → error, warning → warning, info → notice).
//!
//! The runner's grammar: a command is one line, `::NAME PROPS::DATA`.
//! DATA escapes `%`, `\r` and `\n` (`%25`, `%0D`, `%0A`); a property value
//! also escapes `:` and `,` (`%3A`, `%2C`), which end a value otherwise.
//! Untrusted text is [`sanitize`]d first (no other control character reaches
//! the log), so a hostile path cannot end the line or start a command.

use crate::findings::{Finding, Severity};
use crate::safe_text::sanitize;

/// The command for each finding, one per line.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&command(finding));
        out.push('\n');
    }
    out
}

fn command(finding: &Finding) -> String {
    let name = match finding.severity {
        Severity::High => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props = Vec::new();
    if let Some((file, line)) = super::location(finding) {
        props.push(format!("file={}", property(file)));
        props.push(format!("line={line}"));
    }
    let title = format!("peel {}: {}", finding.kind.name(), super::headline(finding));
    props.push(format!("title={}", property(&title)));
    format!(
        "::{name} {}::{}",
        props.join(","),
        data(&super::message(finding))
    )
}

/// A message: lines joined by `%0A`, each line sanitized.
pub fn data(text: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| escape_data(&sanitize(l)))
        .collect();
    lines.join("%0A")
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: one line, with `:` and `,` escaped too.
pub fn property(text: &str) -> String {
    escape_data(&sanitize(text))
        .replace(':', "%3A")
        .replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_end_the_command() {
        assert_eq!(property("a:b,c%d"), "a%3Ab%2Cc%25d");
        assert_eq!(property("x\ny::z"), "x\\x0ay%3A%3Az");
        assert_eq!(data("one\ntwo%\r"), "one%0Atwo%25\\x0d");
    }
}
