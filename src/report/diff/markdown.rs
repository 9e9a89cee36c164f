//! `peel diff --markdown`: a pull-request comment. A summary first (the
//! verdict, the size delta, the pull cost, the biggest file changes, the
//! new findings), the details in a collapsed `<details>` block.

use std::fmt::Write;

use super::{
    DiffView, LISTED, base_verdict, delta, figure_cells, layer_mark, pull_cost, shown, signed_size,
    waste_summary,
};
use crate::diff::side::FindingRow;
use crate::image::config::single_line;
use crate::report::markdown::{code, prose, row, rules_section, table_head, text};
use crate::report::size;

/// Directories listed in the details.
const DIRECTORIES: usize = 20;

pub fn render(view: &DiffView<'_>) -> String {
    let mut out = String::new();
    let c = view.comparison;
    let _ = writeln!(
        out,
        "## peel diff: {} → {}",
        code(&view.old.reference, false),
        code(&view.new.reference, false)
    );
    let _ = writeln!(out);
    if let Some(verdict) = view.verdict {
        rules_section(&mut out, verdict);
    }
    let figure = |key: &str| c.figure(key).map(delta).unwrap_or_default();
    let base = base_verdict(c.layers.base);
    table_head(&mut out, "| | |", "|---|---|");
    let _ = writeln!(out, "| visible size | {} |", figure("visibleBytes"));
    let _ = writeln!(out, "| wasted | {} |", figure("wastedBytes"));
    let _ = writeln!(out, "| pull cost | {} |", pull_cost(c));
    let _ = writeln!(
        out,
        "| layers | {} shared, {} added, {} removed; base {base} |",
        c.layers.shared, c.layers.added, c.layers.removed
    );
    let _ = writeln!(
        out,
        "| findings | {} new, {} resolved |",
        c.findings.new.len(),
        c.findings.resolved.len()
    );
    let _ = writeln!(out);

    if !c.files.is_empty() {
        let _ = writeln!(
            out,
            "**Biggest file changes** ({} of {})",
            c.files.len().min(LISTED),
            c.files.len()
        );
        let _ = writeln!(out);
        table_head(
            &mut out,
            "| delta | change | path | layer |",
            "|---:|---|---|---|",
        );
        for file in c.files.iter().take(LISTED) {
            let layer = match file.layer {
                Some(l) => {
                    let command = single_line(view.new.command(l).unwrap_or_default());
                    format!("{l}: {}", code(&command, true))
                }
                None => "-".into(),
            };
            row(
                &mut out,
                &[
                    &signed_size(file.delta()),
                    &file.change.name(),
                    &code(&shown(&file.path), true),
                    &layer,
                ],
            );
        }
        let _ = writeln!(out);
    }
    findings_block(&mut out, "**New findings**", &c.findings.new);

    let _ = writeln!(out, "<details><summary>Details</summary>");
    let _ = writeln!(out);
    table_head(
        &mut out,
        "| figure | old | new | delta |",
        "|---|---:|---:|---:|",
    );
    for f in &c.figures {
        let _ = writeln!(out, "| {} |", figure_cells(f).join(" | "));
    }
    let _ = writeln!(out);
    table_head(
        &mut out,
        "| # | size | compressed | old | command |",
        "|---:|---:|---:|---|---|",
    );
    for (i, layer) in view.new.layers.iter().enumerate() {
        row(
            &mut out,
            &[
                &i,
                &size(layer.size),
                &layer.compressed.map(size).unwrap_or_else(|| "-".into()),
                &layer_mark(c, i),
                &code(&single_line(&layer.command), true),
            ],
        );
    }
    let _ = writeln!(out);
    if !c.directories.is_empty() {
        table_head(&mut out, "| delta | files | directory |", "|---:|---:|---|");
        for dir in c.directories.iter().take(DIRECTORIES) {
            row(
                &mut out,
                &[
                    &signed_size(dir.delta),
                    &dir.files,
                    &code(&shown(&dir.path), true),
                ],
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "Waste: {}.", waste_summary(c));
    let _ = writeln!(out);
    findings_block(&mut out, "Resolved findings:", &c.findings.resolved);
    let _ = writeln!(out, "</details>");
    out
}

/// `title` and the list of `findings`, when there are any.
fn findings_block(out: &mut String, title: &str, findings: &[FindingRow]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out);
    findings_list(out, findings);
    let _ = writeln!(out);
}

fn findings_list(out: &mut String, rows: &[FindingRow]) {
    for f in rows {
        let mut head = format!("- **{}** {}", text(&f.severity), code(&f.kind, false));
        if f.bytes > 0 {
            let _ = write!(head, ", {}", size(f.bytes));
        }
        if let Some(first) = f.paths.first() {
            let _ = write!(head, ", {}", code(first, false));
            if f.path_count > 1 {
                let _ = write!(head, " and {} more", f.path_count - 1);
            }
        }
        let _ = writeln!(out, "{head}: {}", prose(&f.advice));
    }
}
