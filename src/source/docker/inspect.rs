//! The inspect before the export: is the image there, how big is it, and is
//! it the platform asked for.

use std::time::Duration;

use bollard::ClientVersion;
use bollard::errors::Error as BollardError;
use bollard::models::ImageInspect;

use super::answer::{Answer, decode, read_answer};
use super::api::PLATFORM_EXPORT_API;
use super::error::{EngineError, Failure, failed};
use crate::image::PlatformSpec;
use crate::source::engine::Endpoint;

/// How long an inspect may take.
const INSPECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What an inspect learned.
#[derive(Debug)]
pub enum Inspected {
    /// The engine has the image, and said what it is.
    Found(Box<ImageInspect>),
    /// The engine has the image, but its answer did not decode (an engine
    /// whose inspect differs from Docker's): go on without its size.
    Undecodable,
    /// The engine has no such image (it answered 404).
    Absent,
}

/// Inspect `name` at API version `api`.
pub async fn inspect(
    endpoint: &Endpoint,
    api: (usize, usize),
    name: &str,
) -> Result<Inspected, EngineError> {
    let path = format!("/v{}.{}/images/{name}/json", api.0, api.1);
    let version = ClientVersion {
        major_version: api.0,
        minor_version: api.1,
    };
    let error = match read_answer(endpoint, &version, path, INSPECT_TIMEOUT).await {
        Ok(bytes) => match decode::<ImageInspect>(&bytes) {
            Ok(info) => return Ok(Inspected::Found(Box::new(info))),
            Err(e) => e,
        },
        Err(Answer::Engine(e)) => e,
        Err(Answer::TooLong) => {
            return Err(Failure::TooLong {
                at: endpoint.clone(),
                what: format!("an inspect of {name}"),
            }
            .into());
        }
        Err(Answer::TimedOut) => {
            return Err(Failure::InspectTimedOut {
                at: endpoint.clone(),
                name: name.to_string(),
                secs: INSPECT_TIMEOUT.as_secs(),
            }
            .into());
        }
    };
    match error {
        BollardError::DockerResponseServerError {
            status_code: 404, ..
        } => Ok(Inspected::Absent),
        BollardError::JsonDataError { .. } | BollardError::JsonSerdeError { .. } => {
            Ok(Inspected::Undecodable)
        }
        e => Err(failed(endpoint, &format!("inspecting {name}"), &e)),
    }
}

/// The engine stores one platform per image before the containerd image
/// store (API 1.48): a platform it does not have is an error, not a silent
/// substitute.
pub fn check_platform(
    endpoint: &Endpoint,
    name: &str,
    want: &PlatformSpec,
    info: &ImageInspect,
    api: (usize, usize),
) -> Result<(), EngineError> {
    if api >= PLATFORM_EXPORT_API {
        return Ok(());
    }
    let (Some(os), Some(arch)) = (info.os.as_deref(), info.architecture.as_deref()) else {
        return Ok(());
    };
    if want.matches(os, arch, info.variant.as_deref()) {
        return Ok(());
    }
    let have = match info.variant.as_deref() {
        Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
        _ => format!("{os}/{arch}"),
    };
    Err(Failure::WrongPlatform {
        at: endpoint.clone(),
        name: name.to_string(),
        have,
        want: want.clone(),
    }
    .into())
}
