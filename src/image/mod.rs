//! Outer image formats → an [`Image`]: its config and its walked layers.
//!
//! - `archive`: a tar stream (docker save in every layout, kaniko, skopeo,
//!   oci-archive), read in one pass, resolved at the end.
//! - `oci_dir`: an OCI image layout directory.
//! - `oci`: index/manifest resolution shared by both.
//! - `location`: where each walked layer blob is, to be read again.

pub mod archive;
pub mod config;
pub mod docker_archive;
pub mod location;
pub mod oci;
pub mod oci_dir;
pub(crate) mod parallel;
pub mod platform;
/// Compression sniffing lives with the layers it reads; here for the outer formats.
pub use crate::layer::sniff;

use std::sync::Arc;

use oci_spec::image::Digest;

use crate::error::{Error, Result};
use crate::layer::LayerChanges;
use crate::layer::digest::{self, ExpectedBlob, LayerDigests};
pub use config::{History, ImageConfig};
pub use location::BlobLocation;
pub use oci::{DeclaredBase, DeclaredIn, Selection};
pub use platform::PlatformSpec;
pub use sniff::Compression;

/// A read image: everything the analysis needs, nothing of the content.
#[derive(Debug, Clone)]
pub struct Image {
    /// The reference as the user gave it.
    pub reference: String,
    /// The format it was read as (`docker-archive`, `oci-layout`, ...).
    pub format: &'static str,
    pub tags: Vec<String>,
    pub platform: Option<String>,
    pub config: ImageConfig,
    pub layers: Vec<Layer>,
    /// The base image the manifest's annotations or the config's labels
    /// declare (`org.opencontainers.image.base.name` / `.base.digest`).
    pub declared_base: Option<DeclaredBase>,
    /// Non-fatal oddities, one line each.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Layer {
    /// The uncompressed digest from the config's `rootfs.diff_ids` (`None`
    /// when the config has none, or, unverified, one that is no digest).
    pub diff_id: Option<Digest>,
    /// The blob's name, as shown: an archive member as the manifest names
    /// it, or a `sha256:...` digest.
    pub blob: String,
    /// Where the walked bytes are, to read them again (the viewer, extract).
    pub location: BlobLocation,
    pub compression: Compression,
    /// The blob's length when it is compressed.
    pub compressed_size: Option<u64>,
    pub history: Option<History>,
    pub changes: Arc<LayerChanges>,
}

impl Layer {
    /// The command that made the layer, for display.
    pub fn command(&self) -> String {
        let Some(history) = &self.history else {
            return String::new();
        };
        match history.created_by.as_deref().map(str::trim) {
            Some(created_by) if !created_by.is_empty() => config::display_command(created_by),
            // `docker import` leaves only a comment ("Imported from -").
            _ => history.comment.clone().unwrap_or_default(),
        }
    }
}

/// A walked blob with where it came from.
#[derive(Debug, Clone)]
pub struct LayerBlob {
    pub name: String,
    pub changes: Arc<LayerChanges>,
    pub compression: Compression,
    pub blob_size: u64,
    /// Where the walked bytes are.
    pub location: BlobLocation,
    /// The digests computed while the blob was walked (none unverified).
    pub digests: LayerDigests,
    /// The digest and size its descriptor promises, when one does. A
    /// `blobs/<algorithm>/<hex>` name promises its digest without it.
    pub expected: Option<ExpectedBlob>,
}

impl LayerBlob {
    /// The same blob, as `descriptor` promises it.
    pub fn described_by(self, descriptor: &oci_spec::image::Descriptor) -> Self {
        LayerBlob {
            expected: Some(ExpectedBlob {
                digest: descriptor.digest().clone(),
                size: Some(descriptor.size()),
            }),
            ..self
        }
    }
}

/// What a reader found about an image besides its config and its layers.
#[derive(Debug, Clone, Default)]
pub struct Described {
    pub tags: Vec<String>,
    /// The platform the index names (else the config's).
    pub platform: Option<String>,
    pub declared_base: Option<DeclaredBase>,
    pub warnings: Vec<String>,
}

/// Put an image together from a resolved OCI manifest (tags, and the
/// platform the index names) and its layer blobs in order.
pub fn assemble_resolved(
    reference: &str,
    format: &'static str,
    what: &str,
    resolved: oci::Resolved,
    blobs: Vec<LayerBlob>,
) -> Result<Image> {
    let config = parse_config(&format!("{what}: config"), &resolved.config)?;
    let described = Described {
        tags: resolved.tags,
        platform: resolved.platform,
        declared_base: resolved.declared_base,
        warnings: Vec::new(),
    };
    assemble(reference, format, config, blobs, described)
}

/// The image config in `bytes`; `what` names it in the error.
pub fn parse_config(what: &str, bytes: &[u8]) -> Result<ImageConfig> {
    ImageConfig::parse(bytes).map_err(|e| Error::invalid(what, format!("not an image config: {e}")))
}

/// Put an image together, once, from its config, its layer blobs in order
/// and what else its reader found.
pub fn assemble(
    reference: &str,
    format: &'static str,
    config: ImageConfig,
    blobs: Vec<LayerBlob>,
    described: Described,
) -> Result<Image> {
    let diff_ids: Vec<_> = config
        .diff_ids()
        .iter()
        .map(|t| digest::parse_diff_id(t))
        .collect();
    if diff_ids.len() != blobs.len() {
        return Err(Error::invalid(
            reference,
            format!(
                "the manifest lists {} layers but the config's rootfs.diff_ids has {}",
                blobs.len(),
                diff_ids.len()
            ),
        ));
    }
    for (idx, blob) in blobs.iter().enumerate() {
        let named = blob.expected.is_none().then(|| {
            digest::digest_of_blob_path(&blob.name)
                .map(|digest| ExpectedBlob { digest, size: None })
        });
        let expected = blob
            .expected
            .as_ref()
            .or(named.as_ref().and_then(Option::as_ref));
        digest::check(diff_ids.get(idx), expected, &blob.digests).map_err(|reason| {
            Error::invalid(format!("{reference}: layer {idx} ({})", blob.name), reason)
        })?;
    }
    let history = config.layer_history(blobs.len());
    let layers = blobs
        .into_iter()
        .zip(history)
        .enumerate()
        .map(|(idx, (blob, history))| {
            let compression = blob.compression;
            Layer {
                diff_id: diff_ids.get(idx).and_then(|d| d.as_ref().ok()).cloned(),
                blob: blob.name,
                location: blob.location,
                compression,
                compressed_size: (compression != Compression::None).then_some(blob.blob_size),
                history,
                changes: blob.changes,
            }
        })
        .collect();
    Ok(Image {
        reference: reference.to_string(),
        format,
        tags: described.tags,
        platform: described.platform.or_else(|| config.platform()),
        config,
        layers,
        declared_base: described.declared_base,
        warnings: described.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(name: &str) -> LayerBlob {
        LayerBlob {
            name: name.into(),
            changes: Arc::default(),
            compression: Compression::None,
            blob_size: 0,
            location: BlobLocation::Stream,
            digests: LayerDigests::default(),
            expected: None,
        }
    }

    fn config(diff_ids: &[&str]) -> ImageConfig {
        let json = serde_json::json!({ "rootfs": { "type": "layers", "diff_ids": diff_ids } });
        parse_config("config", json.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn diff_ids_are_parsed_once_and_shown_as_written() {
        let id = format!("sha256:{}", "ab".repeat(32));
        let config = config(&[&id, "not-a-digest"]);
        // Unverified (nothing computed): a diff_id that is no digest is none.
        let image = assemble(
            "r",
            "t",
            config,
            vec![blob("a"), blob("b")],
            Described::default(),
        )
        .unwrap();
        let ids: Vec<_> = image
            .layers
            .iter()
            .map(|l| l.diff_id.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(ids, [Some(id), None]);
    }

    #[test]
    fn what_the_reader_found_is_in_the_image_as_built() {
        let described = Described {
            tags: vec!["t:1".into()],
            platform: Some("linux/arm64".into()),
            declared_base: None,
            warnings: vec!["w".into()],
        };
        let image = assemble("r", "engine", config(&[]), Vec::new(), described).unwrap();
        assert_eq!(
            (image.format, &image.tags[..], &image.warnings[..]),
            ("engine", &["t:1".to_string()][..], &["w".to_string()][..])
        );
        assert_eq!(image.platform.as_deref(), Some("linux/arm64"));
    }
}
