//! Every way finding the engine fails, with its message in one place.

use std::io;
use std::path::PathBuf;

use crate::error::Error;

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "DOCKER_TLS_VERIFY is set but neither DOCKER_CERT_PATH nor HOME says \
         where the certificates are"
    )]
    NoCertDir,
    #[error("docker context \"{name}\" ({from}): no DOCKER_CONFIG or HOME to find it in")]
    NoConfigDir { name: String, from: String },
    /// `config.json` is not JSON.
    #[error("{}: not valid JSON ({error}); fix it or set DOCKER_HOST", .path.display())]
    BadConfig {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "docker context \"{name}\" (from {from}) is not in the context store: {}: {error}; \
         list contexts with `docker context ls`",
        .meta.display()
    )]
    UnknownContext {
        name: String,
        from: String,
        meta: PathBuf,
        error: io::Error,
    },
    #[error("docker context \"{name}\": {}: not valid JSON ({error})", .meta.display())]
    BadContext {
        name: String,
        meta: PathBuf,
        error: serde_json::Error,
    },
    #[error("docker context \"{name}\": {} has no Endpoints.docker.Host", .meta.display())]
    NoContextHost { name: String, meta: PathBuf },
    #[error(
        "docker context \"{name}\" asks to skip TLS verification, which peel does not do; \
         give the context a CA certificate instead"
    )]
    SkipTlsVerify { name: String },
    #[error(
        "no Podman API socket found (tried {}); start it with \
         `systemctl --user start podman.socket` or `podman system service --time=0 &`, \
         or set CONTAINER_HOST=unix:///path/to/podman.sock",
        .tried.join(", ")
    )]
    NoPodmanSocket { tried: Vec<String> },
    #[error("'{host}' names no socket")]
    NoSocket { host: String },
    #[error("'{host}' names no address")]
    NoAddress { host: String },
    #[error(
        "'{host}': peel does not speak ssh:// itself; forward the socket and point \
         DOCKER_HOST at it: `ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock HOST &` then \
         DOCKER_HOST=unix:///tmp/docker.sock"
    )]
    Ssh { host: String },
    #[error("'{host}' is not an engine address peel understands (unix://PATH, tcp://HOST:PORT)")]
    UnknownScheme { host: String },
}

impl From<DiscoveryError> for Error {
    fn from(error: DiscoveryError) -> Self {
        Error::Engine(error.to_string())
    }
}
