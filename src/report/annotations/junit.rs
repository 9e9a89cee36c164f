//! JUnit XML (`--junit PATH`): one test case per CI rule, the `--fail-on`
//! kinds among them (`failOnFindings:KIND`), for CI systems that show test
//! reports. A failed rule is a `<failure>` naming its value and threshold;
//! a skipped one is `<skipped/>`.
//!
//! Every string is [`sanitize`]d (XML 1.0 cannot carry most control
//! characters, even as references) and then XML-escaped.

use std::fmt::Write;

use crate::ci::{Number, Status, Verdict};
use crate::findings::Finding;
use crate::safe_text::sanitize;

/// Text for XML content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in sanitize(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn number(n: Number) -> String {
    match n {
        Number::Ratio(r) => crate::report::ratio(r),
        Number::Bytes(b) => b.to_string(),
        Number::Count(c) => c.to_string(),
    }
}

/// The report of `verdict` (none: no test case) about the image `reference`.
pub fn render(reference: &str, verdict: Option<&Verdict>, findings: &[Finding]) -> String {
    let rules = verdict.map_or(&[][..], |v| &v.rules[..]);
    let failures = rules.iter().filter(|r| r.status == Status::Fail).count();
    let skipped = rules.iter().filter(|r| r.status == Status::Skip).count();
    let suite = escape(&format!("peel {reference}"));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"peel\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        rules.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        rules.len()
    );
    for rule in rules {
        let name = escape(&rule.name);
        let threshold = rule.threshold.map_or("disabled".to_string(), number);
        let _ = write!(
            out,
            "    <testcase classname=\"peel.rules\" name=\"{name}\">"
        );
        match rule.status {
            Status::Pass => {}
            Status::Skip => out.push_str("<skipped/>"),
            Status::Fail => {
                let message = escape(&format!(
                    "value {} against threshold {threshold}",
                    number(rule.value)
                ));
                let detail = details(&rule.name, findings)
                    .split('\n')
                    .map(escape)
                    .collect::<Vec<_>>()
                    .join("\n");
                let _ = write!(out, "<failure message=\"{message}\">{detail}</failure>");
            }
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// For a failed `failOnFindings:KIND` rule, the findings of that kind.
fn details(rule: &str, findings: &[Finding]) -> String {
    let Some(kind) = rule
        .strip_prefix(crate::ci::FAIL_ON_FINDINGS)
        .and_then(|k| k.strip_prefix(':'))
    else {
        return String::new();
    };
    findings
        .iter()
        .filter(|f| f.kind.name() == kind)
        .map(|f| format!("{}: {}", super::headline(f), super::message(f)))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("]]>\u{1}\n"), "]]&gt;\\x01\\x0a");
    }
}
