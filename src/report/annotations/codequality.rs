//! GitLab's Code Quality report (`--codequality PATH`): a JSON array of
//! issues (description, check_name, fingerprint, severity, location), which
//! merge requests show inline.
//!
//! GitLab needs a location for every issue: the Dockerfile line where
//! `--dockerfile` mapped the finding; otherwise the Dockerfile given (line
//! 1), else the image reference (line 1), so that the issue is listed in
//! the merge request even where it points at no line.

use serde::Serialize;

use crate::findings::{Finding, Severity};

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// The report; `fallback` is the path an issue with no line points at.
pub fn render(findings: &[Finding], fallback: &str) -> String {
    let issues: Vec<Issue> = findings
        .iter()
        .map(|f| {
            let (path, begin) = super::location(f).unwrap_or((fallback, 1));
            Issue {
                description: format!("{}: {}", super::headline(f), super::message(f)),
                check_name: f.kind.name().to_string(),
                fingerprint: super::fingerprint(f),
                severity: match f.severity {
                    Severity::High => "critical",
                    Severity::Warning => "major",
                    Severity::Info => "info",
                },
                location: Location {
                    path: path.to_string(),
                    lines: Lines { begin },
                },
            }
        })
        .collect();
    crate::report::json::to_text(&issues)
}
