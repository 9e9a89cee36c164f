//! OCI image layouts: `index.json` → (nested indexes) → manifest → config.
//! The blobs come from wherever the layout lives (a directory, or the members
//! of a tar already read), through a fetch function.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use oci_spec::image::{Descriptor, Digest, ImageIndex, ImageManifest, MediaType};

use super::config::ImageConfig;
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
    /// `--no-verify`: hash nothing, check no digest.
    pub no_verify: bool,
}

/// A manifest, resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub manifest_digest: String,
    pub config: Vec<u8>,
    pub layers: Vec<Descriptor>,
    pub platform: Option<String>,
    pub tags: Vec<String>,
    /// The manifest's annotations, then those of the index descriptors that
    /// led to it (the manifest's win).
    pub annotations: HashMap<String, String>,
    /// The base image the annotations or the config's labels declare.
    pub declared_base: Option<DeclaredBase>,
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
    // A config that does not parse fails later, with its own error.
    let labels = ImageConfig::parse(&resolved.config)
        .ok()
        .and_then(|c| c.config)
        .and_then(|run| run.labels);
    resolved.declared_base = declared_base(&resolved.annotations, labels.as_ref(), fetch);
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
        let mut resolved = pick(
            nested.manifests().clone(),
            what,
            selection,
            fetch,
            depth + 1,
        )?;
        add_missing(&mut resolved.annotations, &chosen);
        return Ok(resolved);
    }
    let manifest: ImageManifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(&blob, format!("not an OCI image manifest: {e}")))?;
    let config = fetch(manifest.config())?;
    let mut annotations = manifest.annotations().clone().unwrap_or_default();
    add_missing(&mut annotations, &chosen);
    Ok(Resolved {
        manifest_digest: chosen.digest().to_string(),
        config,
        layers: manifest.layers().clone(),
        platform: platform_of(&chosen),
        tags: Vec::new(),
        annotations,
        declared_base: None,
    })
}

/// Add the descriptor's annotations that `annotations` does not have.
fn add_missing(annotations: &mut HashMap<String, String>, d: &Descriptor) {
    for (key, value) in d.annotations().iter().flatten() {
        annotations
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
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

/// The OCI pre-defined keys that name the image this one was built FROM, as
/// manifest annotations (buildah writes them) or as config labels.
pub const BASE_NAME: &str = "org.opencontainers.image.base.name";
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// Where an image declares its base image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredIn {
    /// The manifest's annotations (or its index descriptor's): written for
    /// this image alone.
    Annotation,
    /// The config's labels, which every image built FROM this one inherits.
    Label,
}

impl DeclaredIn {
    pub fn name(self) -> &'static str {
        match self {
            DeclaredIn::Annotation => "annotation",
            DeclaredIn::Label => "label",
        }
    }
}

/// The base image an image declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredBase {
    pub name: Option<String>,
    /// A manifest (or index) digest: it names the base, but says nothing of
    /// its layers without the base's manifest at hand.
    pub digest: Option<String>,
    pub from: DeclaredIn,
    /// The diff ids of each image the declaration was found to name: in the
    /// same layout or archive (an index gives one per platform), or in the
    /// engine the image came from. Empty when none was found.
    pub found: Vec<Vec<String>>,
}

/// The base declared by `annotations`, else by the config's `labels`, with
/// the images its digest names among the blobs `fetch` reaches.
pub fn declared_base(
    annotations: &HashMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
) -> Option<DeclaredBase> {
    let mut declared = declared_in(|key| annotations.get(key), DeclaredIn::Annotation)
        .or_else(|| labels.and_then(|l| declared_in(|key| l.get(key), DeclaredIn::Label)))?;
    if let Some(digest) = declared.digest.clone() {
        images_named(&digest, fetch, &mut declared.found);
    }
    Some(declared)
}

/// The base the two keys of one map declare, if either is set.
fn declared_in<'a>(
    get: impl Fn(&str) -> Option<&'a String>,
    from: DeclaredIn,
) -> Option<DeclaredBase> {
    let value = |key: &str| {
        get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let (name, digest) = (value(BASE_NAME), value(BASE_DIGEST));
    (name.is_some() || digest.is_some()).then_some(DeclaredBase {
        name,
        digest,
        from,
        found: Vec::new(),
    })
}

/// The diff ids of the image `digest` names, or of each image of the index
/// it names, when `fetch` has them. A digest is untrusted text: only a
/// well-formed one becomes a blob path.
fn images_named(
    digest: &str,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
    found: &mut Vec<Vec<String>>,
) {
    if let Ok(digest) = Digest::from_str(digest) {
        let descriptor = Descriptor::new(MediaType::ImageManifest, 0, digest);
        images_at(&descriptor, fetch, 0, found);
    }
}

fn images_at(
    descriptor: &Descriptor,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
    depth: usize,
    found: &mut Vec<Vec<String>>,
) {
    let Ok(bytes) = fetch(descriptor) else {
        return;
    };
    if looks_like_index(&bytes) {
        if depth >= 4 {
            return;
        }
        if let Ok(index) = serde_json::from_slice::<ImageIndex>(&bytes) {
            for d in index.manifests().iter().filter(|d| !is_attestation(d)) {
                images_at(d, fetch, depth + 1, found);
            }
        }
        return;
    }
    let Ok(manifest) = serde_json::from_slice::<ImageManifest>(&bytes) else {
        return;
    };
    let Ok(config) = fetch(manifest.config()) else {
        return;
    };
    if let Ok(config) = ImageConfig::parse(&config)
        && !config.diff_ids().is_empty()
    {
        found.push(config.diff_ids().to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layout's blobs by path, as `fetch` reads them.
    struct Blobs(HashMap<String, Vec<u8>>);

    impl Blobs {
        fn add(&mut self, json: serde_json::Value) -> String {
            let bytes = serde_json::to_vec(&json).unwrap();
            // Any well-formed digest will do: the content is not verified here.
            let digest = format!("sha256:{:064x}", self.0.len() + 1);
            self.0
                .insert(format!("blobs/sha256/{}", &digest[7..]), bytes);
            digest
        }

        /// A manifest whose config lists these diff ids.
        fn image(&mut self, diff_ids: &[&str]) -> String {
            let config = self.add(serde_json::json!({ "rootfs": { "diff_ids": diff_ids } }));
            self.add(serde_json::json!({
                "schemaVersion": 2,
                "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 1 },
                "layers": [],
            }))
        }

        fn declared(
            &self,
            annotations: &[(&str, &str)],
            labels: &[(&str, &str)],
        ) -> Option<DeclaredBase> {
            let annotations: HashMap<String, String> = annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let labels: BTreeMap<String, String> = labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let mut fetch = |d: &Descriptor| {
                self.0
                    .get(&blob_path(d))
                    .cloned()
                    .ok_or_else(|| Error::missing("test", "no such blob"))
            };
            declared_base(&annotations, Some(&labels), &mut fetch)
        }
    }

    #[test]
    fn annotations_win_over_labels_and_digests_are_looked_up() {
        let mut blobs = Blobs(HashMap::new());
        let base = blobs.image(&["sha256:a", "sha256:b"]);
        let declared = blobs
            .declared(
                &[
                    (BASE_NAME, " docker.io/library/base:1 "),
                    (BASE_DIGEST, &base),
                ],
                &[(BASE_NAME, "other:2")],
            )
            .unwrap();
        assert_eq!(declared.from, DeclaredIn::Annotation);
        assert_eq!(declared.name.as_deref(), Some("docker.io/library/base:1"));
        assert_eq!(declared.digest.as_deref(), Some(base.as_str()));
        assert_eq!(declared.found, vec![vec!["sha256:a", "sha256:b"]]);

        // Labels when no annotation says; a name alone finds nothing.
        let declared = blobs.declared(&[], &[(BASE_NAME, "other:2")]).unwrap();
        assert_eq!(
            (declared.from, declared.name.as_deref(), declared.digest),
            (DeclaredIn::Label, Some("other:2"), None)
        );
        assert!(declared.found.is_empty());
        // Empty values declare nothing.
        assert!(blobs.declared(&[(BASE_NAME, " ")], &[]).is_none());
    }

    #[test]
    fn an_index_digest_names_each_platform_and_bad_digests_name_nothing() {
        let mut blobs = Blobs(HashMap::new());
        let amd64 = blobs.image(&["sha256:a"]);
        let arm64 = blobs.image(&["sha256:z"]);
        let index = blobs.add(serde_json::json!({
            "schemaVersion": 2,
            "manifests": [
                { "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd64, "size": 1 },
                { "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm64, "size": 1 },
            ],
        }));
        let declared = blobs.declared(&[(BASE_DIGEST, &index)], &[]).unwrap();
        assert_eq!(declared.found, vec![vec!["sha256:a"], vec!["sha256:z"]]);
        for digest in [
            "sha256:../../../etc/passwd",
            "sha256:ffff",
            "not a digest",
            &format!("sha256:{:064x}", 999),
        ] {
            let declared = blobs.declared(&[(BASE_DIGEST, digest)], &[]).unwrap();
            assert!(declared.found.is_empty(), "{digest}");
        }
    }
}
