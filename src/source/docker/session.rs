//! The engine session: reach the engine, agree on an API version, find the
//! image (pulling it with `--pull`), then stream its export.

use std::sync::mpsc as std_mpsc;

use bollard::models::{ImageInspect, SystemVersion};
use bollard::{API_DEFAULT_VERSION, ClientVersion, Docker};
use tokio::sync::mpsc;

use super::CONNECT_TIMEOUT;
use super::answer::{Answer, decode, read_answer};
use super::api::{self, PLATFORM_EXPORT_API};
use super::error::{EngineError, Failure, unreachable};
use super::export::{Chunk, stream_export};
use super::inspect::{Inspected, check_platform, inspect};
use super::pull::pull;
use crate::image::PlatformSpec;
use crate::source::engine::Endpoint;

/// How long the engine may take to start the export (Docker before 25
/// copies the layers to a temporary folder before it sends the first byte).
const EXPORT_START_TIMEOUT_SECS: u64 = 600;

/// What the user asked of the engine.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    pub pull: bool,
    pub platform: Option<PlatformSpec>,
    /// No pull progress on stderr (the UI owns the terminal).
    pub quiet: bool,
}

/// What the engine said about the image before the export.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub size: Option<u64>,
    pub layers: Option<u64>,
    /// `RootFS.Layers`: the image's diff ids.
    pub diff_ids: Vec<String>,
    /// The image's id: what the viewer exports again (a retag in between
    /// cannot swap the image).
    pub id: Option<String>,
}

impl Found {
    /// What an inspect says; nothing when the engine's answer did not decode.
    fn from_inspect(info: Option<&ImageInspect>) -> Self {
        let Some(info) = info else {
            return Found::default();
        };
        let layers = info.root_fs.as_ref().and_then(|r| r.layers.as_ref());
        Found {
            size: info
                .size
                .and_then(|s| u64::try_from(s).ok())
                .filter(|s| *s > 0),
            layers: layers
                .map(|layers| {
                    // docker save stores a repeated layer once.
                    let mut unique = layers.clone();
                    unique.sort();
                    unique.dedup();
                    unique.len() as u64
                })
                .filter(|n| *n > 0),
            diff_ids: layers.cloned().unwrap_or_default(),
            id: info.id.clone().filter(|id| !id.is_empty()),
        }
    }
}

/// The current-thread runtime the engine client runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime, EngineError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::ClientStart(e).into())
}

/// The engine thread: set up, report, then stream.
pub async fn run(
    endpoint: Endpoint,
    request: Request,
    setup_tx: std_mpsc::Sender<Result<Found, EngineError>>,
    chunk_tx: mpsc::Sender<Chunk>,
) {
    let (client, found) = match prepare(&endpoint, &request).await {
        Ok(ok) => ok,
        Err(e) => {
            let _ = setup_tx.send(Err(e));
            return;
        }
    };
    if setup_tx.send(Ok(found.clone())).is_err() {
        return;
    }
    stream_export(&client, &endpoint, &request.name, &found, chunk_tx).await;
}

/// Connect, negotiate, inspect (and pull): the client to export with.
pub async fn prepare(
    endpoint: &Endpoint,
    request: &Request,
) -> Result<(Docker, Found), EngineError> {
    // `/version` without a version prefix answers on every engine, old or
    // new, with the API range it speaks.
    // The client checks the endpoint (a socket that does not exist, TLS files).
    api::connect(endpoint, API_DEFAULT_VERSION, CONNECT_TIMEOUT.as_secs())?;
    let answer = read_answer(
        endpoint,
        API_DEFAULT_VERSION,
        "/version".into(),
        CONNECT_TIMEOUT,
    )
    .await;
    let version = match answer.map(|bytes| decode::<SystemVersion>(&bytes)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(Answer::Engine(e)) => return Err(unreachable(endpoint, &e)),
        Err(Answer::TooLong) => {
            return Err(Failure::TooLong {
                at: endpoint.clone(),
                what: "the version probe (/version)".into(),
            }
            .into());
        }
        Err(Answer::TimedOut) => {
            return Err(Failure::NoAnswer {
                at: endpoint.clone(),
            }
            .into());
        }
    };
    let api = api::negotiate(
        endpoint,
        version.api_version.as_deref(),
        version.min_api_version.as_deref(),
        version.version.as_deref(),
    )?;
    // Every request names the negotiated version (bollard 0.21 sends its
    // paths without one, which an engine reads as its newest API); the
    // export takes `--platform` where the API has the parameter.
    let platform_query = request
        .platform
        .as_ref()
        .filter(|_| api >= PLATFORM_EXPORT_API)
        .map(|p| format!("platform={}", api::percent_encode(&api::platform_json(p))));
    let client = api::connect(
        endpoint,
        &ClientVersion {
            major_version: api.0,
            minor_version: api.1,
        },
        EXPORT_START_TIMEOUT_SECS,
    )?
    .with_request_modifier(move |req| {
        let req = api::versioned(req, api);
        match &platform_query {
            Some(query) => api::add_query(req, "/get", query),
            None => req,
        }
    });
    let info = match inspect(endpoint, api, &request.name).await? {
        Inspected::Found(info) => Some(info),
        Inspected::Undecodable => None,
        Inspected::Absent if request.pull => {
            pull(&client, endpoint, request).await?;
            match inspect(endpoint, api, &request.name).await? {
                Inspected::Found(info) => Some(info),
                Inspected::Undecodable => None,
                Inspected::Absent => {
                    return Err(Failure::PulledButMissing {
                        at: endpoint.clone(),
                        name: request.name.clone(),
                    }
                    .into());
                }
            }
        }
        Inspected::Absent => {
            return Err(Failure::NoSuchImage {
                at: endpoint.clone(),
                name: request.name.clone(),
            }
            .into());
        }
    };
    if let (Some(want), Some(info)) = (&request.platform, &info) {
        check_platform(endpoint, &request.name, want, info, api)?;
    }
    Ok((client, Found::from_inspect(info.as_deref())))
}
