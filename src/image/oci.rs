//! OCI image layouts: `index.json` → (nested indexes) → manifest → config.
//! The blobs come from wherever the layout lives (a directory, or the members
//! of a tar already read), through a fetch function.

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};

use super::platform::PlatformSpec;
use crate::error::{Error, Result};

/// Largest JSON document (index, manifest, config) peel reads into memory.
pub const MAX_JSON_BYTES: u64 = 64 << 20;

/// What to pick from an index.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// A tag or name (`org.opencontainers.image.ref.name`, or containerd's
    /// `io.containerd.image.name`).
    pub tag: Option<String>,
    /// `--platform`; `None` means this machine's, leniently.
    pub platform: Option<PlatformSpec>,
}

/// A manifest, resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub manifest_digest: String,
    pub config: Vec<u8>,
    pub layers: Vec<Descriptor>,
    pub platform: Option<String>,
    pub tags: Vec<String>,
}

/// The path of a blob inside a layout.
pub fn blob_path(descriptor: &Descriptor) -> String {
    let digest = descriptor.digest();
    format!("blobs/{}/{}", digest.algorithm(), digest.digest())
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";

fn annotation<'d>(d: &'d Descriptor, key: &str) -> Option<&'d str> {
    d.annotations().as_ref()?.get(key).map(String::as_str)
}

fn names(d: &Descriptor) -> Vec<String> {
    [REF_NAME, CONTAINERD_NAME]
        .iter()
        .filter_map(|k| annotation(d, k).map(str::to_string))
        .collect()
}

fn tag_matches(d: &Descriptor, tag: &str) -> bool {
    names(d).iter().any(|name| {
        name == tag
            || name.rsplit_once(':').is_some_and(|(_, t)| t == tag)
            || name.strip_prefix("docker.io/library/") == Some(tag)
            || name.strip_prefix("docker.io/") == Some(tag)
    })
}

fn is_index(media: &MediaType) -> bool {
    matches!(media, MediaType::ImageIndex)
        || media.to_string() == "application/vnd.docker.distribution.manifest.list.v2+json"
}

/// BuildKit's attestation manifests and other non-images in an index.
fn is_attestation(d: &Descriptor) -> bool {
    annotation(d, "vnd.docker.reference.type").is_some()
        || d.platform()
            .as_ref()
            .is_some_and(|p| p.os().to_string() == "unknown")
}

fn platform_of(d: &Descriptor) -> Option<String> {
    let p = d.platform().as_ref()?;
    Some(match p.variant() {
        Some(v) => format!("{}/{}/{}", p.os(), p.architecture(), v),
        None => format!("{}/{}", p.os(), p.architecture()),
    })
}

/// Resolve `index.json` to one image manifest and its config.
pub fn resolve(
    index_json: &[u8],
    what: &str,
    selection: &Selection,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
) -> Result<Resolved> {
    let index: ImageIndex = serde_json::from_slice(index_json).map_err(|e| {
        Error::invalid(
            format!("{what}/index.json"),
            format!("not an OCI image index: {e}"),
        )
    })?;
    let mut candidates: Vec<Descriptor> = index.manifests().clone();
    if let Some(tag) = &selection.tag {
        let all_names: Vec<String> = candidates.iter().flat_map(names).collect();
        candidates.retain(|d| tag_matches(d, tag));
        if candidates.is_empty() {
            let known = if all_names.is_empty() {
                "the index names no tags".to_string()
            } else {
                format!("it has {}", all_names.join(", "))
            };
            return Err(Error::missing(
                what,
                format!("no image tagged '{tag}' ({known})"),
            ));
        }
    }
    let tags = candidates.first().map(names).unwrap_or_default();
    let mut resolved = pick(candidates, what, selection, fetch, 0)?;
    resolved.tags = tags;
    Ok(resolved)
}

fn pick(
    candidates: Vec<Descriptor>,
    what: &str,
    selection: &Selection,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
    depth: usize,
) -> Result<Resolved> {
    if depth > 4 {
        return Err(Error::invalid(
            what,
            "image indexes nested more than 4 deep",
        ));
    }
    let images: Vec<Descriptor> = candidates
        .into_iter()
        .filter(|d| !is_attestation(d))
        .collect();
    let chosen = match images.len() {
        0 => return Err(Error::missing(what, "the index lists no image manifest")),
        1 => {
            let only = &images[0];
            if let (Some(want), Some(p)) = (&selection.platform, only.platform())
                && !want.matches(
                    &p.os().to_string(),
                    &p.architecture().to_string(),
                    p.variant().as_deref(),
                )
            {
                return Err(Error::missing(
                    what,
                    format!(
                        "no image for platform {want} (available: {})",
                        platform_of(only).unwrap_or_else(|| "unknown".into())
                    ),
                ));
            }
            images[0].clone()
        }
        _ => {
            let want = selection
                .platform
                .clone()
                .unwrap_or_else(PlatformSpec::host);
            let found = images.iter().find(|d| {
                d.platform().as_ref().is_some_and(|p| {
                    want.matches(
                        &p.os().to_string(),
                        &p.architecture().to_string(),
                        p.variant().as_deref(),
                    )
                })
            });
            match found {
                Some(d) => d.clone(),
                None => {
                    let available: Vec<String> = images
                        .iter()
                        .map(|d| {
                            platform_of(d).unwrap_or_else(|| format!("untagged {}", d.digest()))
                        })
                        .collect();
                    return Err(Error::missing(
                        what,
                        format!(
                            "no image for platform {want}; choose one with --platform: {}",
                            available.join(", ")
                        ),
                    ));
                }
            }
        }
    };
    let bytes = fetch(&chosen)?;
    let blob = format!("{what}/{}", blob_path(&chosen));
    if is_index(chosen.media_type()) || looks_like_index(&bytes) {
        let nested: ImageIndex = serde_json::from_slice(&bytes)
            .map_err(|e| Error::invalid(&blob, format!("not an OCI image index: {e}")))?;
        return pick(
            nested.manifests().clone(),
            what,
            selection,
            fetch,
            depth + 1,
        );
    }
    let manifest: ImageManifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(&blob, format!("not an OCI image manifest: {e}")))?;
    let config = fetch(manifest.config())?;
    Ok(Resolved {
        manifest_digest: chosen.digest().to_string(),
        config,
        layers: manifest.layers().clone(),
        platform: platform_of(&chosen),
        tags: Vec::new(),
    })
}

/// An index whose descriptor's mediaType does not say so.
fn looks_like_index(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        manifests: Option<serde_json::Value>,
        layers: Option<serde_json::Value>,
    }
    serde_json::from_slice::<Probe>(bytes)
        .map(|p| p.manifests.is_some() && p.layers.is_none())
        .unwrap_or(false)
}
