//! OCI image layouts: `index.json` → (nested indexes) → manifest → config.
//! The blobs come from wherever the layout lives (a directory, or the members
//! of a tar already read), through a fetch function.

use std::collections::{BTreeMap, HashMap, HashSet};
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
    let (os, arch, variant) = descriptor_platform(d)?;
    Some(platform_text(&os, &arch, variant.as_deref()))
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

/// How many index entries without a platform peel opens to learn their
/// config's platform, when `--platform` asks for one.
pub const MAX_PROBED_ENTRIES: usize = 64;

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
    let (artifacts, images): (Vec<Descriptor>, Vec<Descriptor>) = candidates
        .into_iter()
        .filter(|d| !is_attestation(d))
        .partition(|d| d.artifact_type().is_some());
    let chosen = match images.len() {
        0 if !artifacts.is_empty() => {
            return Err(Error::invalid(
                what,
                format!(
                    "the index lists only OCI artifacts, no container image ({})",
                    counted(artifacts.iter().map(artifact_label))
                ),
            ));
        }
        0 => return Err(Error::missing(what, "the index lists no image manifest")),
        1 => images[0].clone(),
        _ => choose(&images, &artifacts, what, selection, fetch)?,
    };
    let blob = format!("{what}/{}", blob_path(&chosen));
    let (manifest, config) = match open(&chosen, &blob, fetch)? {
        Opened::Index(nested) => {
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
        Opened::Image { manifest, config } => (manifest, config),
    };
    // `--platform` holds for a lone image too: the descriptor's platform,
    // else its config's.
    if let Some(want) = &selection.platform {
        let have = descriptor_platform(&chosen).or_else(|| config_platform(&config));
        if let Some((os, arch, variant)) = have
            && !want.matches(&os, &arch, variant.as_deref())
        {
            return Err(Error::missing(
                what,
                format!(
                    "no image for platform {want} (the image is {})",
                    crate::safe_text::sanitize(&platform_text(&os, &arch, variant.as_deref()))
                ),
            ));
        }
    }
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

/// One of several images: by `--platform` (default: this machine's), from
/// the descriptors' platforms, else from the configs of those that have
/// none. When nothing fits, say what there is and how to choose.
fn choose(
    images: &[Descriptor],
    artifacts: &[Descriptor],
    what: &str,
    selection: &Selection,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
) -> Result<Descriptor> {
    let want = selection
        .platform
        .clone()
        .unwrap_or_else(PlatformSpec::host);
    let fits = |p: &(String, String, Option<String>)| want.matches(&p.0, &p.1, p.2.as_deref());
    if let Some(d) = images
        .iter()
        .find(|d| descriptor_platform(d).is_some_and(|p| fits(&p)))
    {
        return Ok(d.clone());
    }
    let unplatformed: Vec<&Descriptor> = images.iter().filter(|d| d.platform().is_none()).collect();
    // Entries without a platform are told apart by their configs, when
    // `--platform` asks: one that fits is chosen; several are distinct
    // images, named by their tags.
    let mut probed: HashMap<String, String> = HashMap::new();
    let mut fitting = Vec::new();
    if selection.platform.is_some() {
        for d in unplatformed.iter().take(MAX_PROBED_ENTRIES) {
            let blob = format!("{what}/{}", blob_path(d));
            if let Ok(Opened::Image { config, .. }) = open(d, &blob, fetch)
                && let Some(p) = config_platform(&config)
            {
                if fits(&p) {
                    fitting.push(*d);
                }
                probed.insert(
                    d.digest().to_string(),
                    platform_text(&p.0, &p.1, p.2.as_deref()),
                );
            }
        }
        if let [only] = fitting.as_slice() {
            return Ok((*only).clone());
        }
    }
    let labels = images.iter().map(|d| {
        let name = names(d).first().cloned();
        match (platform_of(d), name, probed.get(&d.digest().to_string())) {
            (Some(p), _, _) => p,
            (None, Some(name), Some(p)) => format!("{name} ({p})"),
            (None, Some(name), None) => name,
            (None, None, Some(p)) => format!("untagged {} ({p})", d.digest()),
            (None, None, None) => format!("untagged {}", d.digest()),
        }
    });
    let mut listed = counted(labels);
    if !artifacts.is_empty() {
        listed.push_str(&format!(
            "; and OCI artifacts, which peel does not read: {}",
            counted(artifacts.iter().map(artifact_label))
        ));
    }
    let platformed = unplatformed.len() < images.len();
    let tagged = images.iter().any(|d| !names(d).is_empty());
    let mut how = Vec::new();
    if platformed {
        how.push("choose one with --platform");
    }
    if tagged {
        how.push("name one as oci:PATH:TAG (oci-archive:PATH:TAG for a tar)");
    }
    if how.is_empty() {
        // Their configs tell them apart.
        how.push("choose one with --platform");
    }
    let head = if fitting.len() > 1 {
        format!("{} images of the index are {want}", fitting.len())
    } else if platformed || selection.platform.is_some() {
        format!("no image for platform {want}")
    } else {
        format!("the index holds {} images", images.len())
    };
    Err(Error::missing(
        what,
        format!("{head}; {}: {listed}", how.join(", or ")),
    ))
}

/// Labels once each, in order, with how many times a repeated one came.
fn counted(labels: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for label in labels {
        match seen.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => seen.push((label, 1)),
        }
    }
    let text = seen
        .iter()
        .map(|(label, n)| match n {
            1 => label.clone(),
            n => format!("{label} ({n} entries)"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    crate::safe_text::sanitize(&text)
}

fn artifact_label(d: &Descriptor) -> String {
    match d.artifact_type() {
        Some(t) => format!("artifactType {t}"),
        None => format!("mediaType {}", d.media_type()),
    }
}

/// A manifest's blob, read: an index, or an image manifest and its config.
enum Opened {
    Index(Box<ImageIndex>),
    Image {
        manifest: Box<ImageManifest>,
        config: Vec<u8>,
    },
}

/// Read what `d` points to; an artifact (an `artifactType`, a config that is
/// not an image config) is an error that says so. `blob` names it.
fn open(
    d: &Descriptor,
    blob: &str,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
) -> Result<Opened> {
    let bytes = fetch(d)?;
    if is_index(d.media_type()) || looks_like_index(&bytes) {
        let nested: ImageIndex = serde_json::from_slice(&bytes)
            .map_err(|e| Error::invalid(blob, format!("not an OCI image index: {e}")))?;
        return Ok(Opened::Index(Box::new(nested)));
    }
    let manifest: ImageManifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(blob, format!("not an OCI image manifest: {e}")))?;
    let config_type = manifest.config().media_type();
    let artifact = match manifest.artifact_type() {
        Some(t) => Some(format!("artifactType {t}")),
        None if !is_image_config(config_type) => Some(format!("config mediaType {config_type}")),
        None => None,
    };
    if let Some(artifact) = artifact {
        return Err(Error::invalid(
            blob,
            format!(
                "an OCI artifact ({}), not a container image: peel reads only images",
                crate::safe_text::sanitize(&artifact)
            ),
        ));
    }
    let config = fetch(manifest.config())?;
    Ok(Opened::Image {
        manifest: Box::new(manifest),
        config,
    })
}

/// The config media types of a container image (OCI, Docker schema 2).
fn is_image_config(media: &MediaType) -> bool {
    matches!(media, MediaType::ImageConfig)
        || media.to_string() == "application/vnd.docker.container.image.v1+json"
}

/// The layer media types of a container image: tar streams, whatever
/// their compression. Anything else is an artifact's content.
pub fn is_layer_type(media: &MediaType) -> bool {
    let text = media.to_string();
    text.starts_with("application/vnd.oci.image.layer.")
        || text.starts_with("application/vnd.docker.image.rootfs.")
}

/// A layer that is not a tar stream, named as an artifact's content when
/// its media type says it is one.
pub fn name_artifact_layer(error: Error, layer: &Descriptor) -> Error {
    if is_layer_type(layer.media_type()) {
        return error;
    }
    match error {
        Error::Invalid { what, reason } if reason.contains("not a tar stream") => Error::invalid(
            what,
            format!(
                "not a tar stream: its mediaType {} is an OCI artifact's content, not an image layer; peel reads only images",
                crate::safe_text::sanitize(layer.media_type().as_ref())
            ),
        ),
        other => other,
    }
}

type PlatformParts = (String, String, Option<String>);

fn descriptor_platform(d: &Descriptor) -> Option<PlatformParts> {
    let p = d.platform().as_ref()?;
    Some((
        p.os().to_string(),
        p.architecture().to_string(),
        p.variant().clone(),
    ))
}

fn config_platform(config: &[u8]) -> Option<PlatformParts> {
    let config = ImageConfig::parse(config).ok()?;
    Some((config.os?, config.architecture?, config.variant))
}

fn platform_text(os: &str, arch: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    }
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

/// How many descriptors the declared-base search looks at, in all: an index
/// may list itself, or list one manifest thousands of times.
pub const MAX_BASE_DESCRIPTORS: usize = 256;

/// How deep the declared-base search follows nested indexes.
const MAX_BASE_DEPTH: usize = 4;

/// The diff ids of the image `digest` names, or of each image of the index
/// it names, when `fetch` has them. A digest is untrusted text: only a
/// well-formed one becomes a blob path. Each digest is read once, and at
/// most [`MAX_BASE_DESCRIPTORS`] descriptors are followed.
fn images_named(
    digest: &str,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>>,
    found: &mut Vec<Vec<String>>,
) {
    let Ok(digest) = Digest::from_str(digest) else {
        return;
    };
    let mut seen: HashSet<String> = HashSet::new();
    // Depth first, in the index's order: a stack of (descriptor, depth),
    // pushed in reverse.
    let mut stack = vec![(Descriptor::new(MediaType::ImageManifest, 0, digest), 0)];
    let mut walked = 0;
    while let Some((descriptor, depth)) = stack.pop() {
        if !seen.insert(descriptor.digest().to_string()) {
            continue;
        }
        walked += 1;
        if walked > MAX_BASE_DESCRIPTORS {
            return;
        }
        let Ok(bytes) = fetch(&descriptor) else {
            continue;
        };
        if looks_like_index(&bytes) {
            if depth >= MAX_BASE_DEPTH {
                continue;
            }
            if let Ok(index) = serde_json::from_slice::<ImageIndex>(&bytes) {
                let next = index.manifests().iter().filter(|d| !is_attestation(d));
                let next: Vec<&Descriptor> = next
                    .filter(|d| !seen.contains(&d.digest().to_string()))
                    .take(MAX_BASE_DESCRIPTORS)
                    .collect();
                stack.extend(next.into_iter().rev().map(|d| (d.clone(), depth + 1)));
            }
            continue;
        }
        let Ok(manifest) = serde_json::from_slice::<ImageManifest>(&bytes) else {
            continue;
        };
        let Ok(config) = fetch(manifest.config()) else {
            continue;
        };
        if let Ok(config) = ImageConfig::parse(&config)
            && !config.diff_ids().is_empty()
        {
            found.push(config.diff_ids().to_vec());
        }
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

    #[test]
    fn a_self_listing_index_is_read_once() {
        // An index that lists itself 300 times (and one real image): followed
        // blindly, 300^4 reads.
        let mut blobs = Blobs(HashMap::new());
        let image = blobs.image(&["sha256:a"]);
        let own = format!("sha256:{:064x}", 1000);
        let mut entries = vec![serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image, "size": 1,
        })];
        for _ in 0..300 {
            entries.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.index.v1+json", "digest": own, "size": 1,
            }));
        }
        let index = serde_json::json!({ "schemaVersion": 2, "manifests": entries });
        blobs.0.insert(
            format!("blobs/sha256/{}", &own[7..]),
            serde_json::to_vec(&index).unwrap(),
        );
        let mut reads = 0;
        let mut fetch = |d: &Descriptor| {
            reads += 1;
            assert!(reads < 10_000, "the search does not end");
            blobs
                .0
                .get(&blob_path(d))
                .cloned()
                .ok_or_else(|| Error::missing("test", "no such blob"))
        };
        let annotations = HashMap::from([(BASE_DIGEST.to_string(), own.clone())]);
        let declared = declared_base(&annotations, None, &mut fetch).unwrap();
        assert_eq!(declared.found, vec![vec!["sha256:a"]]);
        // The index, the manifest and its config.
        assert_eq!(reads, 3);
    }

    #[test]
    fn the_base_search_stops_after_its_cap() {
        // A chain of distinct indexes, each listing many distinct manifests.
        let mut blobs = Blobs(HashMap::new());
        let many: Vec<serde_json::Value> = (0..2 * MAX_BASE_DESCRIPTORS)
            .map(|_| {
                let image = blobs.image(&["sha256:a"]);
                serde_json::json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image, "size": 1,
                })
            })
            .collect();
        let index = blobs.add(serde_json::json!({ "schemaVersion": 2, "manifests": many }));
        let mut reads = 0;
        let mut fetch = |d: &Descriptor| {
            reads += 1;
            blobs
                .0
                .get(&blob_path(d))
                .cloned()
                .ok_or_else(|| Error::missing("test", "no such blob"))
        };
        let annotations = HashMap::from([(BASE_DIGEST.to_string(), index)]);
        let declared = declared_base(&annotations, None, &mut fetch).unwrap();
        assert_eq!(declared.found.len(), MAX_BASE_DESCRIPTORS - 1);
        assert!(reads <= 2 * MAX_BASE_DESCRIPTORS, "{reads}");
    }
}
