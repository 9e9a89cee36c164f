//! SARIF 2.1.0 (`--sarif PATH`), for code scanning: one rule per finding
//! kind (its id is the kind's name, with a title and help text), one result
//! per finding; a result points at the Dockerfile line where `--dockerfile`
//! mapped it, else at no location.

use serde_json::{Value, json};

use crate::findings::{Finding, Kind, Severity, describe};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The default level of a kind: the one its findings have.
fn default_level(kind: Kind, findings: &[Finding]) -> &'static str {
    findings
        .iter()
        .find(|f| f.kind == kind)
        .map_or("warning", |f| level(f.severity))
}

/// A path as a URI reference: every byte other than unreserved characters
/// and `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn render(findings: &[Finding]) -> String {
    let rules: Vec<Value> = Kind::ALL
        .iter()
        .map(|&kind| {
            json!({
                "id": kind.name(),
                "name": kind.name(),
                "shortDescription": { "text": describe::title(kind) },
                "fullDescription": { "text": describe::help(kind) },
                "help": { "text": describe::help(kind) },
                "defaultConfiguration": { "level": default_level(kind, findings) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = Kind::ALL.iter().position(|&k| k == f.kind).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.kind.name(),
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": format!("{}: {}", super::headline(f), super::message(f)) },
                "partialFingerprints": { "peelFinding/v1": super::fingerprint(f) },
                "properties": {
                    "bytes": f.bytes,
                    "savedBytes": f.fix.saved_bytes,
                    "savedCompressedBytes": f.fix.saved_compressed_bytes,
                    "savedCompressedBytesIsEstimate": true,
                    "layers": f.layers,
                },
            });
            if let Some((path, line)) = super::location(f) {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(path) },
                        "region": { "startLine": line },
                    }
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "peel",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    crate::report::json::to_text(&log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("docker/Dockerfile"), "docker/Dockerfile");
        assert_eq!(uri("a b/é#?"), "a%20b/%C3%A9%23%3F");
    }
}
