//! The docker CLI's context store: which context is current, and the
//! endpoint (and TLS files) a context names.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::{DiscoveryError, Endpoint, Env, Tls, normalise_host};
use crate::source::SourceKind;

/// `currentContext` from `<config>/config.json`, if it says one.
pub(super) fn current_context(env: &dyn Env, dir: &Path) -> Option<Result<String, DiscoveryError>> {
    let path = dir.join("config.json");
    let bytes = env.read(&path).ok()?;
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return Some(Err(DiscoveryError::BadConfig { path, error: e }));
        }
    };
    value
        .get("currentContext")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(|s| Ok(s.to_string()))
}

/// The context store: `contexts/meta/<sha256(name)>/meta.json`, TLS files
/// in `contexts/tls/<sha256(name)>/docker/`.
pub(super) fn read_context(
    env: &dyn Env,
    config: &Path,
    name: &str,
    from: &str,
) -> Result<Endpoint, DiscoveryError> {
    let id = id(name);
    let meta = config
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let bytes = env
        .read(&meta)
        .map_err(|error| DiscoveryError::UnknownContext {
            name: name.into(),
            from: from.into(),
            meta: meta.clone(),
            error,
        })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|error| DiscoveryError::BadContext {
            name: name.into(),
            meta: meta.clone(),
            error,
        })?;
    let docker = value.get("Endpoints").and_then(|e| e.get("docker"));
    let Some(host) = docker
        .and_then(|d| d.get("Host"))
        .and_then(|h| h.as_str())
        .filter(|h| !h.is_empty())
    else {
        return Err(DiscoveryError::NoContextHost {
            name: name.into(),
            meta,
        });
    };
    let skip_verify = docker
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let tls_dir = config.join("contexts").join("tls").join(&id).join("docker");
    let tls = (env.exists(&tls_dir.join("ca.pem")) || env.exists(&tls_dir.join("cert.pem")))
        .then(|| Tls::in_dir(tls_dir));
    if skip_verify && tls.is_some() {
        return Err(DiscoveryError::SkipTlsVerify { name: name.into() });
    }
    Ok(Endpoint {
        host: normalise_host(host, tls.is_some())?,
        tls,
        origin: format!("docker context \"{name}\" ({})", meta.display()),
        kind: SourceKind::Docker,
    })
}

/// The folder a context's files are in: the hex sha256 of its name.
pub(super) fn id(name: &str) -> String {
    hex(&Sha256::digest(name.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_id_is_sha256_of_the_name() {
        // The docker CLI's store: sha256("default") names the folder.
        assert_eq!(
            id("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }
}
