//! The text report printed by `--ci` (and, until the UI lands, by a plain run).

use std::fmt::Write;

use super::{count, percent, sanitize, size};
use crate::ci::{Number, Status};
use crate::findings::{Finding, savings};
use crate::image::config::{shortened, single_line};
use crate::layer::{LayerIdx, path};
use crate::pipeline::Outcome;

/// Options of the text report.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    /// How many wasted entries to list.
    pub wasted_limit: usize,
}

pub fn render(outcome: &Outcome, options: TextOptions) -> String {
    let mut out = String::new();
    let analysis = &outcome.analysis;
    let verdict = outcome.verdict.as_ref();
    let image = &analysis.image;
    let exact = &analysis.exact;
    // Everything from the image or the engine goes through `sanitize`: one
    // line of the report stays one line, and no escape sequence reaches the
    // terminal.
    let mut facts = vec![image.format.to_string()];
    if let Some(p) = &image.platform {
        facts.push(sanitize(p));
    }
    facts.push(count(image.layers.len() as u64, "layer", "layers"));
    let _ = writeln!(
        out,
        "Image: {} ({})",
        sanitize(&image.reference),
        facts.join(", ")
    );
    if !image.tags.is_empty() {
        let _ = writeln!(out, "Tags:  {}", sanitize(&image.tags.join(", ")));
    }
    if let Some(base) = super::base_image(analysis) {
        let _ = writeln!(out, "Base:  {}", sanitize(&base));
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "Layers");
    let _ = writeln!(
        out,
        "  {:>3}  {:>10}  {:>10}  command",
        "#", "size", "compressed"
    );
    for (idx, layer) in image.layers.iter().enumerate() {
        let compressed = layer.compressed_size.map(size).unwrap_or_default();
        let command = layer.command();
        let command = if command.is_empty() {
            "-".to_string()
        } else {
            one_line(&command, 100)
        };
        let _ = write!(
            out,
            "  {idx:>3}  {:>10}  {compressed:>10}  {command}",
            size(layer.changes.size)
        );
        if let Some(line) = outcome
            .dockerfile
            .as_ref()
            .and_then(|m| m.layers.get(idx).cloned().flatten())
        {
            let _ = write!(out, "  ← {}:{}", sanitize(&line.path), line.line);
        }
        let _ = writeln!(out);
    }
    unmatched_lines(&mut out, outcome);
    let _ = writeln!(out);

    let _ = writeln!(out, "Total size:          {}", size(exact.total_bytes));
    let _ = writeln!(out, "Visible:             {}", size(exact.visible_bytes));
    let _ = writeln!(out, "Wasted:              {}", size(exact.wasted_bytes));
    if exact.accepted_bytes > 0 {
        let _ = writeln!(out, "Accepted (ignored):  {}", size(exact.accepted_bytes));
    }
    let _ = writeln!(out, "Efficiency:          {}", percent(exact.efficiency));
    fixed_line(&mut out, outcome);
    // The user's layers: none when every layer is the base's.
    let last = image.layers.len().saturating_sub(1);
    let user_part = if exact.base_layers > last {
        "no user layers".to_string()
    } else {
        let layers = if exact.base_layers == last {
            format!("layer {last}")
        } else {
            format!("layers {}..{last}", exact.base_layers)
        };
        format!(
            "{} of {} in {layers}",
            size(exact.user_wasted_bytes),
            size(exact.user_bytes)
        )
    };
    let _ = writeln!(
        out,
        "User wasted:         {} ({user_part}; base layers: {}, {})",
        percent(exact.user_wasted_percent),
        exact.base_layers,
        analysis.base_layers_from.name(),
    );
    let dive = &analysis.dive;
    let _ = writeln!(
        out,
        "dive-compatible:     efficiency {}, inefficient {}, user wasted {}",
        percent(dive.efficiency_score),
        size(dive.inefficient_bytes),
        super::dive_user_wasted(dive)
    );
    let _ = writeln!(out);

    if exact.wasted.is_empty() {
        let _ = writeln!(out, "Wasted entries: none");
    } else {
        let shown = exact.wasted.len().min(options.wasted_limit);
        let _ = writeln!(
            out,
            "Largest wasted entries ({shown} of {})",
            exact.wasted.len()
        );
        let _ = writeln!(
            out,
            "  {:>10}  {:<25}  {:>5}  {:>9}  path",
            "size", "reason", "layer", "hidden by"
        );
        for waste in exact.wasted.iter().take(shown) {
            let _ = writeln!(
                out,
                "  {:>10}  {:<25}  {:>5}  {:>9}  {}",
                size(waste.bytes),
                waste.reason.name(),
                waste.layer,
                waste.hidden_by,
                sanitize(&path::display(&waste.path))
            );
        }
    }

    findings_section(&mut out, &outcome.findings);

    let warnings: Vec<&String> = image
        .warnings
        .iter()
        .chain(&analysis.tree.warnings)
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Warnings");
        for w in warnings {
            let _ = writeln!(out, "  {}", sanitize(w));
        }
    }

    if let Some(verdict) = verdict {
        rules_section(&mut out, verdict);
    }
    out
}

/// The rules, their status and the result line.
pub(crate) fn rules_section(out: &mut String, verdict: &crate::ci::Verdict) {
    let _ = writeln!(out);
    let judged = if verdict.dive_compat {
        "dive-compatible"
    } else {
        "exact"
    };
    let _ = writeln!(out, "CI rules (judging the {judged} figures)");
    // One column for the names, as wide as the longest.
    let width = verdict
        .rules
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max(32);
    for rule in &verdict.rules {
        let threshold = rule.threshold.map_or_else(|| "disabled".into(), number);
        let detail = match rule.status {
            Status::Skip => String::new(),
            _ => format!("  value {}", number(rule.value)),
        };
        let _ = writeln!(
            out,
            "  {}  {:<width$} threshold {threshold}{detail}",
            rule.status.name(),
            sanitize(&rule.name)
        );
    }
    let _ = writeln!(out);
    if verdict.passed() {
        let _ = writeln!(out, "Result: PASS");
    } else {
        let _ = writeln!(out, "Result: FAIL ({})", verdict.failed_summary());
    }
}

/// Each finding: severity, kind, bytes, layers, command, first paths, advice.
fn findings_section(out: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Findings");
    for finding in findings {
        let mut head = format!("  [{}] {}", finding.severity.name(), finding.kind.name());
        if finding.bytes > 0 {
            head.push_str(&format!(", {}", size(finding.bytes)));
        }
        match finding.layers.as_slice() {
            [] => {}
            [one] => head.push_str(&format!(", layer {one}")),
            many => {
                let layers: Vec<String> = many.iter().map(LayerIdx::to_string).collect();
                head.push_str(&format!(", layers {}", layers.join(" → ")));
            }
        }
        let _ = writeln!(out, "{head}");
        if let Some(command) = &finding.command {
            let _ = writeln!(out, "      command: {}", one_line(command, 100));
        }
        if finding.path_count > 0 {
            let shown: Vec<&str> = finding.paths.iter().take(3).map(String::as_str).collect();
            let more = finding.path_count.saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            let _ = writeln!(out, "      paths: {}{tail}", sanitize(&shown.join(", ")));
        }
        if let Some(line) = &finding.fix.dockerfile {
            let _ = writeln!(
                out,
                "      dockerfile: {}:{}  {}",
                sanitize(&line.path),
                line.line,
                one_line(&line.instruction, 100)
            );
        }
        saves_line(out, finding);
        let _ = writeln!(out, "      advice: {}", sanitize(&finding.advice));
    }
}

/// The image with every finding fixed, when a fix saves anything.
fn fixed_line(out: &mut String, outcome: &Outcome) {
    let total = outcome.analysis.exact.total_bytes;
    let savings = savings::total(&outcome.analysis.image, total, &outcome.findings);
    if savings.bytes == 0 {
        return;
    }
    let mut line = savings::headline(total, &savings);
    if let Some(compressed) = savings::compressed_label(savings.compressed_bytes) {
        line.push_str(&format!(" ({compressed})"));
    }
    let _ = writeln!(out, "If all fixed:        {line}");
}

/// With `--dockerfile`: the history entries no instruction made.
fn unmatched_lines(out: &mut String, outcome: &Outcome) {
    let Some(mapping) = &outcome.dockerfile else {
        return;
    };
    for entry in &mapping.unmatched {
        let layer = entry
            .layer
            .map_or("no layer".to_string(), |l| format!("layer {l}"));
        let _ = writeln!(
            out,
            "  unmatched in {}: history entry {} ({layer}): {}",
            sanitize(&mapping.path),
            entry.history,
            one_line(
                &crate::image::config::display_command(&entry.created_by),
                80
            )
        );
    }
}

/// What fixing one finding saves, when it saves anything.
fn saves_line(out: &mut String, finding: &Finding) {
    if finding.fix.saved_bytes == 0 {
        return;
    }
    let mut line = size(finding.fix.saved_bytes);
    if let Some(compressed) = savings::compressed_label(finding.fix.saved_compressed_bytes) {
        line.push_str(&format!(" ({compressed})"));
    }
    let _ = writeln!(out, "      saves: {line}");
}

fn number(n: Number) -> String {
    match n {
        Number::Ratio(r) => super::ratio(r),
        Number::Bytes(b) => format!("{} ({b} B)", size(b)),
        Number::Count(c) => c.to_string(),
    }
}

/// The first line of `text`, cut to `max` characters, escaped.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let line = single_line(text.lines().next().unwrap_or_default());
    let mut cut = shortened(&line, max);
    // A text of more lines is cut too, after its first.
    if text.lines().nth(1).is_some() && line.chars().count() <= max {
        cut.push('…');
    }
    sanitize(&cut)
}

#[cfg(test)]
mod tests {
    use super::one_line;

    /// Cutting is [`shortened`](crate::image::config::shortened)'s; here:
    /// the first line only, blank runs joined, controls escaped.
    #[test]
    fn one_line_keeps_the_first_line_and_marks_the_rest() {
        assert_eq!(one_line("RUN abcdef", 5), "RUN a…");
        assert_eq!(one_line("RUN a\nRUN b", 10), "RUN a…");
        assert_eq!(one_line("RUN abcdef\nRUN b", 5), "RUN a…");
        assert_eq!(one_line("RUN  a \t b", 10), "RUN a b");
        assert_eq!(one_line("a\u{1b}[31m", 10), "a\\x1b[31m");
    }
}
