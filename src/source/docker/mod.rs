//! Images from a Docker-compatible engine (Docker, Podman's compatible API):
//! the engine's `docker save` stream (`GET /images/{name}/get`) read as it
//! arrives, in one pass, with no copy on disk and at most a few chunks in
//! memory.
//!
//! bollard is async; peel's readers are blocking. A helper thread runs a
//! current-thread tokio runtime that connects, negotiates the API version,
//! inspects (and with `--pull`, pulls) the image, then forwards the export's
//! body chunks through a bounded channel to `EngineReader`, a plain
//! [`std::io::Read`] handed to [`image::archive::read_as`].
//!
//! - `session`: the engine thread: connect, negotiate, inspect, pull, export;
//! - `api`: the API version and the requests that name it;
//! - `answer` and `plain_http`: answers read whole, within a cap;
//! - `inspect`, `pull` (with its progress), `export` (the stream and its
//!   blocking reader);
//! - `error`: every failure and its message.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::engine::{self, Endpoint};
use super::{OpenOptions, SourceKind};
use crate::error::{Error, Result};
use crate::image::{self, Image, Selection};
use error::{EngineError, Failure};
use export::{CHANNEL_DEPTH, Chunk, EngineReader};
use session::{Found, Request};

mod answer;
mod api;
mod error;
mod export;
mod inspect;
mod plain_http;
mod pull;
mod refetch;
mod session;

pub use refetch::{export_by_id, read_from_container};

/// How long reaching the engine (connect + `/version`) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Read `name` from the engine `kind` names (Docker or Podman).
pub fn open(kind: SourceKind, name: &str, display: &str, options: &OpenOptions) -> Result<Image> {
    check_name(name)?;
    let endpoint = engine::discover(kind, &engine::ProcessEnv)?;
    open_at(&endpoint, name, display, options)
}

/// The diff ids of `name` in the engine `kind` names, by an inspect alone
/// (nothing is exported or pulled): empty when the engine does not say.
pub fn diff_ids(kind: SourceKind, name: &str) -> Result<Vec<String>> {
    check_name(name)?;
    let endpoint = engine::discover(kind, &engine::ProcessEnv)?;
    let request = Request {
        name: name.to_string(),
        pull: false,
        platform: None,
        quiet: true,
    };
    let (_, found) = session::runtime()?.block_on(session::prepare(&endpoint, &request))?;
    Ok(found.diff_ids)
}

/// Read `name` from the engine at `endpoint`.
pub fn open_at(
    endpoint: &Endpoint,
    name: &str,
    display: &str,
    options: &OpenOptions,
) -> Result<Image> {
    let request = Request {
        name: name.to_string(),
        pull: options.pull,
        platform: options.platform.clone(),
        quiet: options.quiet,
    };
    let (found, reader, failure) = start_export(endpoint, request)?;
    if let Some(size) = found.size {
        options.progress.set_bytes_total(size);
    }
    if let Some(layers) = found.layers {
        options.progress.set_layers_total(layers);
    }
    let what = format!("{name} (from the {} engine)", endpoint.engine_name());
    let selection = Selection {
        tag: None,
        platform: options.platform.clone(),
        no_verify: options.no_verify,
    };
    let how = image::archive::How {
        origin: image::archive::Origin {
            format: Some(match endpoint.kind {
                SourceKind::Podman => "podman-engine",
                _ => "docker-engine",
            }),
            export_of: found.id.as_deref(),
        },
        ..Default::default()
    };
    let progress = &options.progress;
    let result = image::archive::read_as(reader, &what, display, &selection, progress, how);
    // A failed stream explains a truncated archive better than the tar
    // reader can.
    let failed = failure.lock().ok().and_then(|mut f| f.take());
    match (result, failed) {
        (Err(Error::Cancelled), _) => Err(Error::Cancelled),
        (Err(_), Some(failure)) => Err(EngineError::from(Failure::Stream { what, failure }).into()),
        (Err(e), None) => Err(e),
        (Ok(image), _) => Ok(image),
    }
}

/// Start the engine thread on `request`: what the inspect found, then the
/// export as a blocking reader (and the slot its failure lands in).
fn start_export(
    endpoint: &Endpoint,
    request: Request,
) -> Result<(Found, EngineReader, export::FailureSlot)> {
    let (setup_tx, setup_rx) = std_mpsc::channel::<Result<Found, EngineError>>();
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>(CHANNEL_DEPTH);
    let thread_endpoint = endpoint.clone();
    std::thread::Builder::new()
        .name("peel-engine".into())
        .spawn(move || match session::runtime() {
            Ok(runtime) => {
                runtime.block_on(session::run(thread_endpoint, request, setup_tx, chunk_tx));
            }
            Err(e) => {
                let _ = setup_tx.send(Err(e));
            }
        })
        .map_err(|e| EngineError::from(Failure::ClientThread(e)))?;
    let found = setup_rx.recv().map_err(|_| {
        EngineError::from(Failure::ClientStopped {
            at: endpoint.clone(),
        })
    })??;
    let (reader, failure) = EngineReader::new(chunk_rx);
    Ok((found, reader, failure))
}

/// Image references go into a URL path: refuse what cannot be one.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@')
        })
        && !name.starts_with(['/', '-', ':', '@']);
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "'{name}' is not an image reference (NAME[:TAG], NAME@DIGEST or an image id), \
             and no such file exists"
        )))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plain Docker endpoint for unit tests.
    pub(crate) fn endpoint(host: &str) -> Endpoint {
        Endpoint {
            host: host.into(),
            tls: None,
            origin: "DOCKER_HOST".into(),
            kind: SourceKind::Docker,
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("peel-demo:latest").is_ok());
        assert!(check_name("localhost:5000/a/b@sha256:00ff").is_ok());
        assert!(check_name("a b").is_err());
        assert!(check_name("x?y").is_err());
        assert!(check_name("").is_err());
    }
}
