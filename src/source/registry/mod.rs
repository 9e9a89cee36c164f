//! Images read straight from a registry (`registry://REF`), without a
//! daemon: the manifest the reference names, the platform `--platform`
//! picks, then every layer blob fetched `--jobs` at a time and walked as it
//! streams in, verified on the way. Nothing is written to disk.
//!
//! - [`reference`]: what the user typed → registry, repository, tag, digest;
//! - [`credentials`]: where docker, podman and skopeo keep credentials;
//! - [`challenge`]: `WWW-Authenticate` parsed;
//! - [`transport`]: HTTP(S), auth, tokens, retries;
//! - [`manifest`]: manifests and the config, checked, and the one-entry
//!   index the OCI layout reader resolves;
//! - [`blob`]: the layer blobs, streamed, resumed, walked.
//!
//! `ureq` (blocking, rustls) rather than an async client: the walker reads
//! with `Read`, so a blocking body per worker thread streams straight into
//! it, with no runtime and no channel between the two.

use std::sync::Arc;

use super::OpenOptions;
use crate::error::Result;
use crate::image::{Image, Selection, assemble_resolved, oci};

pub mod blob;
pub mod challenge;
pub mod credentials;
pub mod manifest;
pub mod reference;
pub mod transport;

pub use reference::RegistryRef;

/// How many blobs are fetched at once by default (`--jobs`).
pub const DEFAULT_JOBS: usize = 4;

/// The registry flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--tls-verify=false` turns it off.
    pub tls_verify: bool,
    /// `--plain-http`: HTTP, not HTTPS.
    pub plain_http: bool,
    /// `--jobs N`: blobs fetched at once.
    pub jobs: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tls_verify: true,
            plain_http: false,
            jobs: DEFAULT_JOBS,
        }
    }
}

/// Read the image `name` (`[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`) names.
pub fn open(name: &str, display: &str, options: &OpenOptions) -> Result<Image> {
    let reference = RegistryRef::parse(name)?;
    let credentials = credentials::find(&reference.registry, &credentials::auth_files())?;
    let client = Arc::new(transport::Client::new(
        &reference,
        &options.registry,
        display,
        credentials,
    )?);
    let top = manifest::fetch_top(&client, &reference)?;
    let selection = Selection {
        tag: None,
        platform: options.platform.clone(),
        no_verify: options.no_verify,
    };
    let mut fetch = |d: &oci_spec::image::Descriptor| manifest::fetch_described(&client, d, &top);
    let mut resolved = oci::resolve(&top.index_json, display, &selection, &mut fetch)?;
    let progress = &options.progress;
    progress.set_layers_total(resolved.layers.len() as u64);
    progress.set_bytes_total(resolved.layers.iter().map(|d| d.size()).sum());
    let blobs = blob::walk_layers(
        &client,
        &resolved.layers,
        options.registry.jobs,
        options.no_verify,
        progress,
    )?;
    // The registry names the image by the tag it was asked for.
    if let Some(tag) = &reference.tag {
        resolved.tags = vec![format!(
            "{}/{}:{tag}",
            reference.registry, reference.repository
        )];
    }
    assemble_resolved(display, "registry", display, resolved, blobs)
}
