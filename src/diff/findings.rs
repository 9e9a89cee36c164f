//! Waste and findings that NEW brings and that it resolves, matched by kind
//! and paths: a finding of NEW is new when it names a path that no finding
//! of OLD of its kind names (a finding about no path, such as
//! `runs-as-root`, when OLD has none of its kind); resolved the other way
//! round. A pull request can be held to "no new findings" without fixing
//! old ones.

use std::collections::HashSet;

use super::side::{FindingRow, WasteRow};

/// Findings new in NEW and resolved since OLD.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingDelta {
    pub new: Vec<FindingRow>,
    pub resolved: Vec<FindingRow>,
}

pub fn compare(old: &[FindingRow], new: &[FindingRow]) -> FindingDelta {
    FindingDelta {
        new: unmatched(new, old),
        resolved: unmatched(old, new),
    }
}

/// The findings of `these` that `those` do not account for.
fn unmatched(these: &[FindingRow], those: &[FindingRow]) -> Vec<FindingRow> {
    let kinds: HashSet<&str> = those.iter().map(|f| f.kind.as_str()).collect();
    let paths: HashSet<(&str, &str)> = those
        .iter()
        .flat_map(|f| f.paths.iter().map(|p| (f.kind.as_str(), p.as_str())))
        .collect();
    these
        .iter()
        .filter(|f| {
            if f.paths.is_empty() {
                !kinds.contains(f.kind.as_str())
            } else {
                f.paths
                    .iter()
                    .any(|p| !paths.contains(&(f.kind.as_str(), p.as_str())))
            }
        })
        .cloned()
        .collect()
}

/// Wasted bytes by path: what NEW wastes at paths OLD did not waste, and
/// what OLD wasted at paths NEW no longer wastes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WasteDelta {
    pub new_bytes: u64,
    pub gone_bytes: u64,
    /// The entries, largest first.
    pub new: Vec<WasteRow>,
    pub gone: Vec<WasteRow>,
}

pub fn waste(old: &[WasteRow], new: &[WasteRow]) -> WasteDelta {
    let only_in = |these: &[WasteRow], those: &[WasteRow]| -> Vec<WasteRow> {
        let known: HashSet<&str> = those.iter().map(|w| w.path.as_str()).collect();
        let mut rows: Vec<WasteRow> = these
            .iter()
            .filter(|w| !known.contains(w.path.as_str()))
            .cloned()
            .collect();
        rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        rows
    };
    let (brought, gone) = (only_in(new, old), only_in(old, new));
    WasteDelta {
        new_bytes: brought.iter().map(|w| w.bytes).sum(),
        gone_bytes: gone.iter().map(|w| w.bytes).sum(),
        new: brought,
        gone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: &str, paths: &[&str]) -> FindingRow {
        FindingRow {
            kind: kind.into(),
            severity: "warning".into(),
            bytes: 1,
            layers: vec![1.into()],
            paths: paths.iter().map(|p| p.to_string()).collect(),
            path_count: paths.len(),
            command: None,
            advice: String::new(),
        }
    }

    #[test]
    fn findings_are_new_when_they_name_a_new_path() {
        let old = [
            finding("package-cache", &["/var/cache/apt/a", "/var/cache/apt/b"]),
            finding("runs-as-root", &[]),
            finding("secret", &["/root/.ssh/id_rsa"]),
        ];
        let new = [
            finding("package-cache", &["/var/cache/apt/b", "/var/cache/apt/c"]),
            finding("runs-as-root", &[]),
            finding("secret", &["/app/.env"]),
            finding("no-healthcheck", &[]),
        ];
        let d = compare(&old, &new);
        let kinds = |rows: &[FindingRow]| -> Vec<(String, Vec<String>)> {
            rows.iter()
                .map(|f| (f.kind.clone(), f.paths.clone()))
                .collect()
        };
        assert_eq!(
            kinds(&d.new),
            vec![
                (
                    "package-cache".into(),
                    vec!["/var/cache/apt/b".into(), "/var/cache/apt/c".into()]
                ),
                ("secret".into(), vec!["/app/.env".into()]),
                ("no-healthcheck".into(), vec![])
            ]
        );
        assert_eq!(
            kinds(&d.resolved),
            vec![
                (
                    "package-cache".into(),
                    vec!["/var/cache/apt/a".into(), "/var/cache/apt/b".into()]
                ),
                ("secret".into(), vec!["/root/.ssh/id_rsa".into()])
            ]
        );
        // The same paths in another order, or fewer of them: nothing new.
        let fewer = [finding("package-cache", &["/var/cache/apt/b"])];
        assert!(compare(&old, &fewer).new.is_empty());
        assert_eq!(compare(&new, &new), FindingDelta::default());
    }

    #[test]
    fn waste_by_path() {
        let w = |path: &str, bytes| WasteRow {
            path: path.into(),
            bytes,
        };
        let d = waste(
            &[w("/a", 10), w("/b", 5)],
            &[w("/b", 7), w("/c", 3), w("/d", 4)],
        );
        assert_eq!((d.new_bytes, d.gone_bytes), (7, 10));
        assert_eq!(d.new, vec![w("/d", 4), w("/c", 3)]);
    }
}
