//! The text report of `peel diff`: figures side by side, layers, the
//! biggest file and directory changes, waste and findings new and gone,
//! and the growth rules when judged.

use std::fmt::Write;

use super::{
    DiffView, LISTED, base_verdict, figure_cells, layer_mark, pull_cost, shown, signed_size,
    waste_summary,
};
use crate::diff::files::Change;
use crate::diff::layers::BaseRelation;
use crate::diff::side::FindingRow;
use crate::report::text::{one_line, rules_section};
use crate::report::{count, sanitize, size};

pub fn render(view: &DiffView<'_>) -> String {
    let mut out = String::new();
    let c = view.comparison;
    for (label, side) in [("Old", view.old), ("New", view.new)] {
        let _ = writeln!(
            out,
            "{label}: {} ({})",
            sanitize(&side.reference),
            count(side.layers.len() as u64, "layer", "layers")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<12}  {:>12}  {:>12}  delta",
        "figure", "old", "new"
    );
    for f in &c.figures {
        let [label, old, new, delta] = figure_cells(f);
        let _ = writeln!(out, "  {label:<12}  {old:>12}  {new:>12}  {delta}");
    }
    let _ = writeln!(out);

    let l = &c.layers;
    let _ = writeln!(
        out,
        "Layers: {} shared, {} added, {} removed; pull cost {}",
        l.shared,
        l.added,
        l.removed,
        pull_cost(c)
    );
    let how = match l.base {
        BaseRelation::SameLayers => count(l.common_bottom as u64, "layer", "layers"),
        BaseRelation::NewOnOld | BaseRelation::OldOnNew => {
            let (under, over) = match l.base {
                BaseRelation::NewOnOld => ("OLD", "NEW"),
                _ => ("NEW", "OLD"),
            };
            if l.common_bottom == 1 {
                format!("{under}'s 1 layer is {over}'s bottom one")
            } else {
                format!(
                    "{under}'s {} layers are {over}'s bottom ones",
                    l.common_bottom
                )
            }
        }
        BaseRelation::SameBase | BaseRelation::Changed => format!(
            "{} → {} base layers",
            view.old.base_layers, view.new.base_layers
        ),
    };
    let mut named = String::new();
    if let (Some(o), Some(n)) = (&view.old.declared_base, &view.new.declared_base)
        && o != n
    {
        named = format!(": {} → {}", sanitize(o), sanitize(n));
    }
    let _ = writeln!(out, "Base:   {} ({how}){named}", base_verdict(l.base));
    let _ = writeln!(
        out,
        "  {:>3}  {:>10}  {:>10}  {:<6}  command",
        "#", "size", "compressed", "old"
    );
    for (i, layer) in view.new.layers.iter().enumerate() {
        let shared = layer_mark(c, i);
        let command = if layer.command.is_empty() {
            "-".to_string()
        } else {
            one_line(&layer.command, 80)
        };
        let _ = writeln!(
            out,
            "  {i:>3}  {:>10}  {:>10}  {shared:<6}  {command}",
            size(layer.size),
            layer.compressed.map(size).unwrap_or_default()
        );
    }
    let _ = writeln!(out);

    files_section(&mut out, view);

    let _ = writeln!(out, "Waste: {}", waste_summary(c));
    for row in c.waste.new.iter().take(LISTED) {
        let _ = writeln!(
            out,
            "  new   {:>10}  {}",
            size(row.bytes),
            sanitize(&row.path)
        );
    }
    let _ = writeln!(out);

    let f = &c.findings;
    let _ = writeln!(
        out,
        "Findings: {} new, {} resolved",
        f.new.len(),
        f.resolved.len()
    );
    for (what, rows) in [("new", &f.new), ("resolved", &f.resolved)] {
        for row in rows {
            let _ = writeln!(out, "  {what:<8}  {}", finding_line(row));
        }
    }

    if let Some(verdict) = view.verdict {
        rules_section(&mut out, verdict);
    }
    out
}

fn files_section(out: &mut String, view: &DiffView<'_>) {
    let files = &view.comparison.files;
    let of_kind = |change: Change| files.iter().filter(|f| f.change == change).count();
    let kinds = [
        Change::Added,
        Change::Removed,
        Change::Grown,
        Change::Shrunk,
        Change::Changed,
        Change::Metadata,
    ];
    let counts: Vec<String> = kinds
        .iter()
        .map(|&k| format!("{} {}", of_kind(k), k.name()))
        .collect();
    let _ = writeln!(
        out,
        "Files: {} changed ({})",
        files.len(),
        counts.join(", ")
    );
    for file in files.iter().take(LISTED) {
        let brought = match file.layer {
            Some(layer) => {
                let command = view.new.command(layer).unwrap_or_default();
                format!("  (layer {layer}: {})", one_line(command, 60))
            }
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:>10}  {:<8}  {}{brought}",
            signed_size(file.delta()),
            file.change.name(),
            sanitize(&shown(&file.path)),
        );
    }
    if files.len() > LISTED {
        let _ = writeln!(out, "  and {} more", files.len() - LISTED);
    }
    let dirs = &view.comparison.directories;
    if !dirs.is_empty() {
        let _ = writeln!(out, "Directories");
        for dir in dirs.iter().take(LISTED) {
            let _ = writeln!(
                out,
                "  {:>10}  {} ({})",
                signed_size(dir.delta),
                sanitize(&shown(&dir.path)),
                count(dir.files, "file", "files")
            );
        }
    }
    let _ = writeln!(out);
}

fn finding_line(f: &FindingRow) -> String {
    let mut line = format!("[{}] {}", sanitize(&f.severity), sanitize(&f.kind));
    if f.bytes > 0 {
        line.push_str(&format!(", {}", size(f.bytes)));
    }
    if let Some(first) = f.paths.first() {
        let more = f.path_count.saturating_sub(1);
        line.push_str(&format!(", {}", sanitize(first)));
        if more > 0 {
            line.push_str(&format!(" (+{more} more)"));
        }
    }
    line
}
