//! The Markdown report (`--markdown PATH`): for a pull-request comment or a
//! CI step summary, and readable as plain text.

use std::fmt::Write;

use super::{percent, sanitize, size};
use crate::ci::{Number, Status};
use crate::findings::savings;
use crate::image::config::single_line;
use crate::layer::{LayerIdx, path};
use crate::pipeline::Outcome;

/// Wasted entries listed in the report.
const WASTED_ROWS: usize = 10;

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    let analysis = &outcome.analysis;
    let verdict = outcome.verdict.as_ref();
    let image = &analysis.image;
    let exact = &analysis.exact;
    let _ = writeln!(out, "## peel: {}", code(&image.reference, false));
    let _ = writeln!(out);
    if let Some(verdict) = verdict {
        rules_section(&mut out, verdict);
    }

    table_head(&mut out, "| figure | value |", "|---|---|");
    let rows = [
        ("total", size(exact.total_bytes)),
        ("visible", size(exact.visible_bytes)),
        ("wasted", size(exact.wasted_bytes)),
        ("efficiency", percent(exact.efficiency)),
        (
            "user wasted",
            format!(
                "{} ({} of {}; base layers: {}, {})",
                percent(exact.user_wasted_percent),
                size(exact.user_wasted_bytes),
                size(exact.user_bytes),
                exact.base_layers,
                analysis.base_layers_from.name()
            ),
        ),
        (
            "dive-compatible",
            format!(
                "efficiency {}, inefficient {}, user wasted {}",
                percent(analysis.dive.efficiency_score),
                size(analysis.dive.inefficient_bytes),
                super::dive_user_wasted(&analysis.dive)
            ),
        ),
    ];
    for (name, value) in rows {
        row(&mut out, &[&name, &value]);
    }
    if let Some(base) = super::base_image(analysis) {
        row(&mut out, &[&"base image", &text(&base)]);
    }
    if let Some(fixed) = fixed_row(outcome) {
        row(&mut out, &[&"if all fixed", &fixed]);
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "### Layers");
    let _ = writeln!(out);
    table_head(&mut out, "| # | size | command |", "|---:|---:|---|");
    for (idx, layer) in image.layers.iter().enumerate() {
        let command = layer.command();
        let command = single_line(&command);
        row(
            &mut out,
            &[&idx, &size(layer.changes.size), &code(&command, true)],
        );
    }
    let _ = writeln!(out);

    if !outcome.findings.is_empty() {
        let _ = writeln!(out, "### Findings");
        let _ = writeln!(out);
        for finding in &outcome.findings {
            let kind = finding.kind.name();
            let severity = finding.severity.name();
            let mut head = format!("- **{severity}** `{kind}`");
            if finding.bytes > 0 {
                let _ = write!(head, ", {}", size(finding.bytes));
            }
            if !finding.layers.is_empty() {
                let layers: Vec<String> = finding.layers.iter().map(LayerIdx::to_string).collect();
                let _ = write!(head, ", layer {}", layers.join(" → "));
            }
            if let Some(line) = &finding.fix.dockerfile {
                let _ = write!(
                    head,
                    ", {}",
                    code(&format!("{}:{}", line.path, line.line), false)
                );
            }
            if finding.fix.saved_bytes > 0 {
                let _ = write!(head, ", saves {}", size(finding.fix.saved_bytes));
                if let Some(c) = savings::compressed_label(finding.fix.saved_compressed_bytes) {
                    let _ = write!(head, " ({c})");
                }
            }
            let _ = writeln!(out, "{head}: {}", prose(&finding.advice));
            if finding.path_count > 0 {
                let shown: Vec<String> = finding
                    .paths
                    .iter()
                    .take(5)
                    .map(|p| code(p, false))
                    .collect();
                let more = finding.path_count.saturating_sub(shown.len());
                let tail = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  - paths: {}{tail}", shown.join(", "));
            }
        }
        let _ = writeln!(out);
    }

    if !exact.wasted.is_empty() {
        let _ = writeln!(out, "### Largest wasted entries");
        let _ = writeln!(out);
        table_head(
            &mut out,
            "| bytes | reason | layer | hidden by | path |",
            "|---:|---|---:|---:|---|",
        );
        for waste in exact.wasted.iter().take(WASTED_ROWS) {
            row(
                &mut out,
                &[
                    &size(waste.bytes),
                    &waste.reason.name(),
                    &waste.layer,
                    &waste.hidden_by,
                    &code(&path::display(&waste.path), true),
                ],
            );
        }
        if exact.wasted.len() > WASTED_ROWS {
            let _ = writeln!(out);
            let _ = writeln!(out, "and {} more.", exact.wasted.len() - WASTED_ROWS);
        }
    }
    out
}

/// The image with every finding fixed, when a fix saves anything.
fn fixed_row(outcome: &Outcome) -> Option<String> {
    let total = outcome.analysis.exact.total_bytes;
    let savings = savings::total(&outcome.analysis.image, total, &outcome.findings);
    if savings.bytes == 0 {
        return None;
    }
    let mut row = savings::headline(total, &savings);
    if let Some(c) = savings::compressed_label(savings.compressed_bytes) {
        row.push_str(&format!(" ({c})"));
    }
    Some(row)
}

/// The verdict line and the rules' table.
pub(crate) fn rules_section(out: &mut String, verdict: &crate::ci::Verdict) {
    if verdict.passed() {
        let _ = writeln!(out, "**PASS**: every rule passed.");
    } else {
        let _ = writeln!(out, "**FAIL**: {}.", verdict.failed_summary());
    }
    let _ = writeln!(out);
    table_head(
        out,
        "| rule | threshold | value | status |",
        "|---|---|---|---|",
    );
    for rule in &verdict.rules {
        let threshold = rule.threshold.map_or_else(|| "disabled".into(), number);
        let value = match rule.status {
            Status::Skip => "-".to_string(),
            _ => number(rule.value),
        };
        row(
            out,
            &[&text(&rule.name), &threshold, &value, &rule.status.name()],
        );
    }
    let _ = writeln!(out);
}

/// A table's first two lines: the column names, and how each is aligned.
pub fn table_head(out: &mut String, names: &str, alignment: &str) {
    let _ = writeln!(out, "{names}");
    let _ = writeln!(out, "{alignment}");
}

/// One table row: `| a | b |`.
pub fn row(out: &mut String, cells: &[&dyn std::fmt::Display]) {
    out.push('|');
    for cell in cells {
        let _ = write!(out, " {cell} |");
    }
    out.push('\n');
}

fn number(n: Number) -> String {
    match n {
        Number::Ratio(r) => super::ratio(r),
        Number::Bytes(b) => size(b),
        Number::Count(c) => c.to_string(),
    }
}

/// Untrusted text (from the image or the engine) as Markdown text that
/// shows as it is: no HTML, no emphasis, no link, no new line or table cell.
/// Control characters are escaped as in every text output; every ASCII
/// punctuation character Markdown may act on gets a backslash.
pub(crate) fn text(raw: &str) -> String {
    let safe = sanitize(raw);
    let mut out = String::with_capacity(safe.len() + 8);
    for c in safe.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '#'
                | '!'
                | '&'
                | '~'
                | '{'
                | '}'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Untrusted text as a code span: fenced with one backtick more than the
/// longest run inside, so that no backtick in the text ends it. In a table
/// (`in_table`) a `|` is escaped, which GitHub's tables undo inside spans.
pub(crate) fn code(raw: &str, in_table: bool) -> String {
    let mut safe = sanitize(raw);
    if in_table {
        safe = safe.replace('|', "\\|");
    }
    let mut longest = 0;
    let mut run = 0;
    for c in safe.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick or a space needs a space
    // each side (CommonMark strips one).
    let pad = if safe.starts_with(['`', ' ']) || safe.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{safe}{pad}{fence}")
}

/// Prose that marks code with backticks (a finding's advice, which quotes
/// the image's commands): the parts between backticks as code spans, the
/// rest as text. Whatever backticks the quoted commands hold, each part is
/// rendered inert; at worst a part shows as code instead of text.
pub(crate) fn prose(raw: &str) -> String {
    let parts: Vec<&str> = raw.split('`').collect();
    let closed = parts.len() % 2 == 1;
    let mut out = String::with_capacity(raw.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        if i % 2 == 1 && (closed || !last) && !part.is_empty() {
            out.push_str(&code(part, false));
        } else if i % 2 == 1 {
            // An unmatched backtick: shown as one.
            out.push_str("\\`");
            out.push_str(&text(part));
        } else {
            out.push_str(&text(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_its_head_then_one_line_a_row() {
        let mut out = String::new();
        table_head(&mut out, "| n | name |", "|---:|---|");
        row(&mut out, &[&7, &"a b"]);
        row(&mut out, &[]);
        assert_eq!(out, "| n | name |\n|---:|---|\n| 7 | a b |\n|\n");
    }

    #[test]
    fn text_is_inert() {
        assert_eq!(
            text("docker.io/library/base:1@sha256:ab (annotation)"),
            "docker.io/library/base:1@sha256:ab (annotation)"
        );
        assert_eq!(text("<img src=x>|**b**"), "\\<img src=x\\>\\|\\*\\*b\\*\\*");
        // The escapes' own backslashes are escaped: they show as `\x0a`.
        assert_eq!(
            text("a\nResult: PASS\x1b[2J"),
            "a\\\\x0aResult: PASS\\\\x1b\\[2J"
        );
    }

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code("RUN a", true), "`RUN a`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x``", false), "``` `x`` ```");
        assert_eq!(code("a | b", true), "`a \\| b`");
        assert_eq!(code("a | b", false), "`a | b`");
        assert_eq!(code("x\ny", false), "`x\\x0ay`");
    }

    #[test]
    fn prose_keeps_its_code_and_nothing_else() {
        assert_eq!(prose("add `rm -rf x` to it"), "add `rm -rf x` to it");
        // A backtick inside the quoted command: every part is still inert.
        assert_eq!(
            prose("layer 1 (`RUN a`b <b>`) x"),
            "layer 1 (`RUN a`b \\<b\\>\\`) x"
        );
        assert_eq!(prose("odd ` tail <i>"), "odd \\` tail \\<i\\>");
    }
}
