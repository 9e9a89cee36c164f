//! The findings in the formats CI systems show inline: GitHub workflow
//! commands ([`github`]), GitLab Code Quality ([`codequality`]), SARIF 2.1.0
//! ([`sarif`]) and JUnit XML ([`junit`]). Each escapes every untrusted string
//! (paths, commands, the reference) by its own format's rules, after
//! [`sanitize`](crate::safe_text::sanitize) where the format is text.

pub mod codequality;
pub mod github;
pub mod junit;
pub mod sarif;

use sha2::{Digest, Sha256};

use crate::findings::{Finding, describe};
use crate::image::config::single_line;

/// Where a finding points: the Dockerfile line when `--dockerfile` mapped
/// its layer; otherwise nothing (no line is guessed).
pub fn location(finding: &Finding) -> Option<(&str, usize)> {
    finding
        .fix
        .dockerfile
        .as_ref()
        .map(|d| (d.path.as_str(), d.line))
}

/// One line saying what the finding is and what its fix saves.
pub fn headline(finding: &Finding) -> String {
    let mut line = describe::title(finding.kind).to_string();
    if finding.fix.saved_bytes > 0 {
        line.push_str(&format!(
            " (saves {})",
            humansize::format_size(finding.fix.saved_bytes, humansize::DECIMAL)
        ));
    }
    line
}

/// The finding for people: the advice, the command and the first paths.
/// Raw (not escaped): each format escapes it.
pub fn message(finding: &Finding) -> String {
    let mut text = finding.advice.clone();
    if let Some(command) = &finding.command {
        let command = single_line(command);
        let short: String = command.chars().take(200).collect();
        text.push_str(&format!("\nCommand: {short}"));
    }
    if finding.path_count > 0 {
        let shown: Vec<&str> = finding.paths.iter().take(5).map(String::as_str).collect();
        let more = finding.path_count.saturating_sub(shown.len());
        text.push_str(&format!("\nPaths: {}", shown.join(", ")));
        if more > 0 {
            text.push_str(&format!(" (+{more} more)"));
        }
    }
    if let Some(compressed) =
        crate::findings::savings::compressed_label(finding.fix.saved_compressed_bytes)
        && finding.fix.saved_bytes > 0
    {
        text.push_str(&format!("\nPull size saved: {compressed}"));
    }
    text
}

/// A fingerprint that stays the same across runs and rebuilds of the same
/// Dockerfile: the kind, the command, the listed paths and the Dockerfile
/// instruction (not sizes, digests or layer numbers).
pub fn fingerprint(finding: &Finding) -> String {
    let mut hash = Sha256::new();
    hash.update(finding.kind.name().as_bytes());
    for part in [
        finding.command.as_deref().unwrap_or_default(),
        finding
            .fix
            .dockerfile
            .as_ref()
            .map_or("", |d| d.instruction.as_str()),
    ] {
        hash.update([0]);
        hash.update(part.as_bytes());
    }
    for path in &finding.paths {
        hash.update([0]);
        hash.update(path.as_bytes());
    }
    let digest = hash.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}
