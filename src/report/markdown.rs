//! The Markdown report (`--markdown PATH`): for a pull-request comment or a
//! CI step summary, and readable as plain text.

use std::fmt::Write;

use super::{percent, size};
use crate::analysis::Analysis;
use crate::ci::{Number, Status, Verdict};
use crate::image::config::single_line;
use crate::layer::path;

/// Wasted entries listed in the report.
const WASTED_ROWS: usize = 10;

pub fn render(analysis: &Analysis, verdict: Option<&Verdict>) -> String {
    let mut out = String::new();
    let image = &analysis.image;
    let exact = &analysis.exact;
    let _ = writeln!(out, "## peel: `{}`", cell(&image.reference));
    let _ = writeln!(out);
    if let Some(verdict) = verdict {
        if verdict.passed() {
            let _ = writeln!(out, "**PASS**: every rule passed.");
        } else {
            let _ = writeln!(
                out,
                "**FAIL**: {} of {} rules failed.",
                verdict.failed_count(),
                verdict.rules.len()
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "| rule | threshold | value | status |");
        let _ = writeln!(out, "|---|---|---|---|");
        for rule in &verdict.rules {
            let threshold = rule
                .threshold
                .map(number)
                .unwrap_or_else(|| "disabled".into());
            let value = match rule.status {
                Status::Skip => "-".to_string(),
                _ => number(rule.value),
            };
            let _ = writeln!(
                out,
                "| {} | {threshold} | {value} | {} |",
                rule.name,
                rule.status.name()
            );
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "| figure | value |");
    let _ = writeln!(out, "|---|---|");
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
        let _ = writeln!(out, "| {name} | {value} |");
    }
    if let Some(base) = super::base_image(analysis) {
        let _ = writeln!(out, "| base image | {} |", cell(&base));
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "### Layers");
    let _ = writeln!(out);
    let _ = writeln!(out, "| # | size | command |");
    let _ = writeln!(out, "|---:|---:|---|");
    for (idx, layer) in image.layers.iter().enumerate() {
        let command = layer.command();
        let command = single_line(&command);
        let _ = writeln!(
            out,
            "| {idx} | {} | `{}` |",
            size(layer.changes.size),
            cell(&command)
        );
    }
    let _ = writeln!(out);

    if !analysis.findings.is_empty() {
        let _ = writeln!(out, "### Findings");
        let _ = writeln!(out);
        for finding in &analysis.findings {
            let kind = finding.kind.name();
            let severity = finding.severity.name();
            let mut head = format!("- **{severity}** `{kind}`");
            if finding.bytes > 0 {
                let _ = write!(head, ", {}", size(finding.bytes));
            }
            if !finding.layers.is_empty() {
                let layers: Vec<String> = finding.layers.iter().map(u32::to_string).collect();
                let _ = write!(head, ", layer {}", layers.join(" → "));
            }
            let _ = writeln!(out, "{head}: {}", finding.advice);
            if finding.path_count > 0 {
                let shown: Vec<String> = finding
                    .paths
                    .iter()
                    .take(5)
                    .map(|p| format!("`{}`", cell(p)))
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
        let _ = writeln!(out, "| bytes | reason | layer | hidden by | path |");
        let _ = writeln!(out, "|---:|---|---:|---:|---|");
        for waste in exact.wasted.iter().take(WASTED_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | `{}` |",
                size(waste.bytes),
                waste.reason.name(),
                waste.layer,
                waste.hidden_by,
                cell(&path::display(&waste.path))
            );
        }
        if exact.wasted.len() > WASTED_ROWS {
            let _ = writeln!(out);
            let _ = writeln!(out, "and {} more.", exact.wasted.len() - WASTED_ROWS);
        }
    }
    out
}

fn number(n: Number) -> String {
    match n {
        Number::Ratio(r) => super::ratio(r),
        Number::Bytes(b) => size(b),
        Number::Count(c) => c.to_string(),
    }
}

/// Text safe inside a table cell and a code span.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('`', "'")
        .replace('\n', " ")
}
