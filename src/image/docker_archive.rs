//! `manifest.json` of a `docker save` archive (every layout: legacy
//! `<id>/layer.tar`, Docker 25+ `blobs/sha256/...`, skopeo's symlinks,
//! kaniko's `sha256:<cfg>` and `*.tar.gz`).

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestItem {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub layers: Vec<String>,
}

/// Parse `manifest.json` and pick the image: the one tagged `tag` when
/// given, else the first (as `docker load` and dive do).
pub fn select(
    manifest_json: &[u8],
    what: &str,
    tag: Option<&str>,
) -> Result<(ManifestItem, Vec<String>)> {
    let items: Vec<ManifestItem> = serde_json::from_slice(manifest_json).map_err(|e| {
        Error::invalid(
            format!("{what}: manifest.json"),
            format!("not a docker-save manifest: {e}"),
        )
    })?;
    let mut warnings = Vec::new();
    let item = match tag {
        Some(tag) => items
            .iter()
            .find(|item| {
                item.repo_tags.iter().flatten().any(|t| {
                    t == tag
                        || t.rsplit_once(':').is_some_and(|(repo, _)| repo == tag)
                        || t.ends_with(&format!("/{tag}"))
                })
            })
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&String> = items
                    .iter()
                    .flat_map(|i| i.repo_tags.iter().flatten())
                    .collect();
                Error::missing(
                    what,
                    format!(
                        "no image tagged '{tag}' in manifest.json (it has {})",
                        if known.is_empty() {
                            "no tags".to_string()
                        } else {
                            known
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                )
            })?,
        None => {
            let first = items.first().cloned().ok_or_else(|| {
                Error::invalid(format!("{what}: manifest.json"), "lists no image")
            })?;
            if items.len() > 1 {
                warnings.push(format!(
                    "the archive holds {} images; reading the first ({}); name another as PATH:TAG",
                    items.len(),
                    first
                        .repo_tags
                        .iter()
                        .flatten()
                        .next()
                        .map(String::as_str)
                        .unwrap_or("untagged")
                ));
            }
            first
        }
    };
    Ok((item, warnings))
}
