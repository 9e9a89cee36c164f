//! Manifests from a registry: the one a tag or digest names, and those and
//! the config an index or a manifest points to, each checked against the
//! digest and size that name it. Every kind: OCI manifest and index, Docker
//! schema 2 manifest and manifest list; schema 1 is refused. What is picked
//! from an index (platform, artifacts) is the OCI layout reader's
//! [`crate::image::oci::resolve`], given a one-entry index.

use std::io::Read;

use oci_spec::image::Descriptor;
use sha2::{Digest as _, Sha256};

use super::reference::RegistryRef;
use super::transport::{self, Client, Failure};
use crate::error::{Error, Result};
use crate::image::oci::MAX_JSON_BYTES;
use crate::safe_text::sanitize;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1";

/// Every manifest kind peel reads, for `Accept`.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
                      application/vnd.oci.image.manifest.v1+json, \
                      application/vnd.docker.distribution.manifest.list.v2+json, \
                      application/vnd.docker.distribution.manifest.v2+json";

/// How many tags an unknown-tag error lists.
const TAGS_LISTED: usize = 8;

/// The manifest the reference names, as a one-entry OCI index (JSON) for
/// [`crate::image::oci::resolve`], and the manifest's own bytes.
pub struct Top {
    pub index_json: Vec<u8>,
    pub digest: String,
    pub bytes: Vec<u8>,
}

pub fn fetch_top(client: &Client, reference: &RegistryRef) -> Result<Top> {
    let wanted = reference.manifest_ref();
    let mut response = match client.get(&format!("manifests/{wanted}"), Some(ACCEPT), None) {
        Ok(response) => response,
        Err(Failure::Status(mut response)) if response.status() == 404 => {
            return Err(not_found(client, reference, &mut response));
        }
        Err(failure) => return Err(failed(client, failure, "the manifest")),
    };
    let media_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
        .unwrap_or_default();
    let said = response
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = read_small(client, &mut response, "the manifest")?;
    top_of(
        &client.what,
        &media_type,
        said.as_deref(),
        reference.digest.as_deref(),
        bytes,
    )
}

/// The manifest a registry answered (`bytes`, with its `Content-Type`
/// `media_type` and `Docker-Content-Digest` `said`), checked against those
/// and the digest the reference pins: no network, so it is fuzzed as is.
pub(crate) fn top_of(
    what: &str,
    media_type: &str,
    said: Option<&str>,
    pinned: Option<&str>,
    bytes: Vec<u8>,
) -> Result<Top> {
    let digest = sha256_digest(&bytes);
    if let Some(said) = said.filter(|d| d.starts_with("sha256:"))
        && said != digest
    {
        return Err(Error::invalid(
            what,
            format!(
                "the manifest does not match the Docker-Content-Digest the registry gives: expected {}, actual {digest}",
                sanitize(said)
            ),
        ));
    }
    if let Some(pinned) = pinned
        && pinned != digest
    {
        return Err(Error::invalid(
            what,
            format!("the manifest does not match its digest: expected {pinned}, actual {digest}"),
        ));
    }
    let media_type = kind_of(what, media_type, &bytes)?;
    let descriptor = serde_json::json!({
        "mediaType": media_type,
        "digest": digest,
        "size": bytes.len(),
    });
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [descriptor]});
    Ok(Top {
        index_json: serde_json::to_vec(&index).unwrap_or_default(),
        digest,
        bytes,
    })
}

/// The manifest's media type, from the header or its body; schema 1 refused.
fn kind_of(what: &str, header: &str, bytes: &[u8]) -> Result<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        schema_version: Option<u64>,
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(bytes)
        .map_err(|e| Error::invalid(what, format!("the manifest is not JSON: {e}")))?;
    let declared = probe.media_type.as_deref().unwrap_or(header);
    if probe.schema_version == Some(1)
        || declared.starts_with(SCHEMA1)
        || header.starts_with(SCHEMA1)
    {
        return Err(Error::invalid(
            what,
            "a Docker schema 1 manifest, which peel does not read (deprecated since 2017, \
             it has no config or layer digests to verify); push the image again with a \
             current docker, buildah or skopeo to get a schema 2 or OCI manifest",
        ));
    }
    Ok(match declared {
        OCI_MANIFEST | OCI_INDEX | DOCKER_MANIFEST | DOCKER_LIST => declared.to_string(),
        _ if probe.manifests.is_some() => OCI_INDEX.to_string(),
        _ => OCI_MANIFEST.to_string(),
    })
}

/// A manifest or a config a descriptor names, checked against it.
pub fn fetch_described(client: &Client, d: &Descriptor, top: &Top) -> Result<Vec<u8>> {
    let digest = d.digest().to_string();
    if digest == top.digest {
        return Ok(top.bytes.clone());
    }
    let media = d.media_type().to_string();
    let (path, what, accept) =
        if [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].contains(&media.as_str()) {
            (
                format!("manifests/{digest}"),
                format!("manifest {digest}"),
                Some(ACCEPT),
            )
        } else {
            (format!("blobs/{digest}"), format!("blob {digest}"), None)
        };
    if d.size() > MAX_JSON_BYTES {
        return Err(Error::invalid(
            format!("{}: {what}", client.what),
            format!(
                "its descriptor says {} bytes, more than the {MAX_JSON_BYTES} peel reads for JSON",
                d.size()
            ),
        ));
    }
    let mut response = client
        .get(&path, accept, None)
        .map_err(|f| failed(client, f, &what))?;
    let bytes = read_small(client, &mut response, &what)?;
    check_described(&format!("{}: {what}", client.what), d, bytes)
}

/// `bytes` checked against the size and digest of the descriptor `d` that
/// named them.
pub(crate) fn check_described(what: &str, d: &Descriptor, bytes: Vec<u8>) -> Result<Vec<u8>> {
    let digest = d.digest().to_string();
    if bytes.len() as u64 != d.size() {
        return Err(Error::invalid(
            what,
            format!(
                "it is {} bytes but its descriptor says {}",
                bytes.len(),
                d.size()
            ),
        ));
    }
    let actual = sha256_digest(&bytes);
    if d.digest().algorithm().as_ref() == "sha256" && actual != digest {
        return Err(Error::invalid(
            what,
            format!("it does not match its digest: expected {digest}, actual {actual}"),
        ));
    }
    Ok(bytes)
}

fn read_small(
    client: &Client,
    response: &mut ureq::http::Response<ureq::Body>,
    what: &str,
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::invalid(
                &client.what,
                format!("reading {what}: {}", sanitize(&e.to_string())),
            )
        })?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(Error::invalid(
            &client.what,
            format!("{what} is larger than the {MAX_JSON_BYTES} bytes peel reads for JSON"),
        ));
    }
    Ok(bytes)
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut text = String::from("sha256:");
    for b in hash {
        text.push_str(&format!("{b:02x}"));
    }
    text
}

/// 404 for a manifest: the repository or the tag is unknown (with a few
/// of the tags there are, when the registry lists them).
fn not_found(
    client: &Client,
    reference: &RegistryRef,
    response: &mut ureq::http::Response<ureq::Body>,
) -> Error {
    let codes = transport::error_codes(response);
    let repository = sanitize(&reference.repository);
    if codes.iter().any(|(code, _)| code == "NAME_UNKNOWN") {
        return Error::missing(
            &client.what,
            format!("the registry has no repository '{repository}'"),
        );
    }
    let wanted = sanitize(reference.manifest_ref());
    if reference.digest.is_some() {
        return Error::missing(
            &client.what,
            format!("no manifest {wanted} in '{repository}'"),
        );
    }
    let known = match list_tags(client) {
        Tags::NoRepository => {
            return Error::missing(
                &client.what,
                format!("the registry has no repository '{repository}'"),
            );
        }
        Tags::Unknown => String::new(),
        Tags::Listed(tags) if tags.is_empty() => " (the repository has no tags)".to_string(),
        Tags::Listed(tags) => {
            let shown: Vec<String> = tags.iter().take(TAGS_LISTED).map(|t| sanitize(t)).collect();
            let more = tags.len().saturating_sub(TAGS_LISTED);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(" (it has {}{more})", shown.join(", "))
        }
    };
    Error::missing(
        &client.what,
        format!("no tag '{wanted}' in '{repository}'{known}"),
    )
}

/// What the tag list says.
enum Tags {
    Listed(Vec<String>),
    /// 404 `NAME_UNKNOWN`: there is no such repository.
    NoRepository,
    /// The registry does not list tags (or not to us).
    Unknown,
}

fn list_tags(client: &Client) -> Tags {
    #[derive(serde::Deserialize)]
    struct List {
        tags: Option<Vec<String>>,
    }
    let mut response = match client.get("tags/list?n=100", None, None) {
        Ok(response) => response,
        Err(Failure::Status(mut response)) if response.status() == 404 => {
            let codes = transport::error_codes(&mut response);
            return if codes.iter().any(|(code, _)| code == "NAME_UNKNOWN") {
                Tags::NoRepository
            } else {
                Tags::Unknown
            };
        }
        Err(_) => return Tags::Unknown,
    };
    let Ok(bytes) = read_small(client, &mut response, "the tag list") else {
        return Tags::Unknown;
    };
    match serde_json::from_slice::<List>(&bytes) {
        Ok(list) => Tags::Listed(list.tags.unwrap_or_default()),
        Err(_) => Tags::Unknown,
    }
}

/// A failed request as one line naming the reference and what was asked.
pub fn failed(client: &Client, failure: Failure, what: &str) -> Error {
    match failure {
        Failure::Transport(reason) => {
            Error::invalid(&client.what, format!("fetching {what}: {reason}"))
        }
        Failure::Status(mut response) => {
            let status = response.status();
            if status == 401 {
                return Error::invalid(&client.what, client.unauthorized());
            }
            let codes = transport::error_codes(&mut response);
            let detail = codes
                .first()
                .map(|(code, message)| format!(" ({} {})", sanitize(code), sanitize(message)))
                .unwrap_or_default();
            let reason = match status.as_u16() {
                403 => "403 Forbidden: the credentials may not pull this repository".to_string(),
                404 => "404 Not Found".to_string(),
                code => format!(
                    "the registry answered {code} {}",
                    status.canonical_reason().unwrap_or("")
                ),
            };
            Error::invalid(
                &client.what,
                format!("fetching {what}: {}{detail}", reason.trim_end()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_kind_is_named_and_schema1_is_refused() {
        let kind = |header: &str, body: &str| kind_of("r", header, body.as_bytes());
        assert_eq!(
            kind(DOCKER_LIST, r#"{"manifests":[]}"#).unwrap(),
            DOCKER_LIST
        );
        assert_eq!(kind("", r#"{"manifests":[]}"#).unwrap(), OCI_INDEX);
        assert_eq!(
            kind("application/json", r#"{"layers":[]}"#).unwrap(),
            OCI_MANIFEST
        );
        assert_eq!(
            kind("", &format!(r#"{{"mediaType":"{DOCKER_MANIFEST}"}}"#)).unwrap(),
            DOCKER_MANIFEST
        );
        for (header, body) in [
            (
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
                "{}",
            ),
            ("", r#"{"schemaVersion":1,"fsLayers":[]}"#),
        ] {
            let err = kind(header, body).unwrap_err().to_string();
            assert!(err.contains("Docker schema 1 manifest"), "{err}");
        }
        assert!(kind("", "not json").is_err());
    }
}
