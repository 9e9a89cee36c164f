//! The API version peel speaks with an engine, and the requests that name
//! it: bollard's client, with each request's path rewritten.

use std::fmt::Write as _;

use bollard::{API_DEFAULT_VERSION, BollardRequest, ClientVersion, Docker};

use super::error::{EngineError, Failure, unreachable};
use crate::image::PlatformSpec;
use crate::source::engine::Endpoint;

/// The oldest Docker API peel speaks (Docker 1.12).
pub const MIN_API: (usize, usize) = (1, 24);
/// The first API version whose image export takes a `platform`.
pub const PLATFORM_EXPORT_API: (usize, usize) = (1, 48);

/// The API version to speak: the engine's, capped at bollard's.
pub fn negotiate(
    endpoint: &Endpoint,
    api: Option<&str>,
    min_api: Option<&str>,
    server: Option<&str>,
) -> Result<(usize, usize), EngineError> {
    let ours = (
        API_DEFAULT_VERSION.major_version,
        API_DEFAULT_VERSION.minor_version,
    );
    let server = server.unwrap_or("unknown").to_string();
    let at = endpoint.clone();
    let Some(theirs) = api.and_then(parse_api) else {
        return Err(Failure::NoApiVersion {
            at,
            server,
            api: api.unwrap_or("no ApiVersion").to_string(),
        }
        .into());
    };
    if theirs < MIN_API {
        return Err(Failure::ApiTooOld { at, server, theirs }.into());
    }
    if let Some(min) = min_api.and_then(parse_api)
        && min > ours
    {
        return Err(Failure::ApiTooNew {
            at,
            server,
            min,
            ours,
        }
        .into());
    }
    Ok(theirs.min(ours))
}

fn parse_api(text: &str) -> Option<(usize, usize)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// A bollard client for the endpoint.
pub fn connect(
    endpoint: &Endpoint,
    version: &ClientVersion,
    timeout: u64,
) -> Result<Docker, EngineError> {
    let result = if let Some(socket) = endpoint.socket() {
        Docker::connect_with_unix(socket, timeout, version)
    } else if let Some(tls) = &endpoint.tls {
        for file in [&tls.ca, &tls.cert, &tls.key] {
            if !file.exists() {
                return Err(Failure::TlsFileMissing {
                    at: endpoint.clone(),
                    file: file.clone(),
                    dir: tls.dir.clone(),
                }
                .into());
            }
        }
        Docker::connect_with_ssl(
            &endpoint.host,
            &tls.key,
            &tls.cert,
            &tls.ca,
            timeout,
            version,
        )
    } else {
        Docker::connect_with_http(&endpoint.host, timeout, version)
    };
    result.map_err(|e| unreachable(endpoint, &e))
}

/// The request with its path (and query) replaced by `path`.
pub fn with_path(mut req: BollardRequest, path: &str) -> BollardRequest {
    let uri = req.uri().to_string();
    let Some(end) = path_start(&uri) else {
        return req;
    };
    if let Ok(new) = format!("{}{path}", &uri[..end]).parse() {
        *req.uri_mut() = new;
    }
    req
}

/// Put `/v{api}` in front of a path that has no version.
pub fn versioned(mut req: BollardRequest, api: (usize, usize)) -> BollardRequest {
    let uri = req.uri().to_string();
    let Some(path) = path_start(&uri) else {
        return req;
    };
    if uri[path..].starts_with("/v1.") {
        return req;
    }
    if let Ok(new) = format!("{}/v{}.{}{}", &uri[..path], api.0, api.1, &uri[path..]).parse() {
        *req.uri_mut() = new;
    }
    req
}

/// Where the path of an absolute URI starts (its end when it has no path).
fn path_start(uri: &str) -> Option<usize> {
    let authority = uri.find("://")? + 3;
    Some(
        uri[authority..]
            .find('/')
            .map_or(uri.len(), |i| authority + i),
    )
}

/// Add `query` to requests whose path ends with `suffix`.
pub fn add_query(mut req: BollardRequest, suffix: &str, query: &str) -> BollardRequest {
    let uri = req.uri().to_string();
    let path_end = uri.find('?').unwrap_or(uri.len());
    if uri[..path_end].ends_with(suffix) {
        let sep = if path_end < uri.len() { '&' } else { '?' };
        if let Ok(new) = format!("{uri}{sep}{query}").parse() {
            *req.uri_mut() = new;
        }
    }
    req
}

/// The OCI platform object the API's `platform` parameters take.
pub fn platform_json(platform: &PlatformSpec) -> String {
    let mut value = serde_json::json!({
        "os": platform.os,
        "architecture": platform.arch,
    });
    if let Some(variant) = &platform.variant {
        value["variant"] = serde_json::Value::String(variant.clone());
    }
    value.to_string()
}

pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::docker::tests::endpoint;

    #[test]
    fn api_negotiation() {
        let e = endpoint("unix:///d.sock");
        assert_eq!(
            negotiate(&e, Some("1.41"), Some("1.12"), None).unwrap(),
            (1, 41)
        );
        let ours = (
            API_DEFAULT_VERSION.major_version,
            API_DEFAULT_VERSION.minor_version,
        );
        // A newer engine: speak ours.
        assert_eq!(
            negotiate(&e, Some("1.99"), Some("1.44"), None).unwrap(),
            ours
        );
        let err = negotiate(&e, Some("1.12"), None, Some("1.0.0"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("too old") && err.contains("1.12"), "{err}");
        let err = negotiate(&e, Some("2.10"), Some("2.0"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs Docker API 2.0"), "{err}");
        assert!(negotiate(&e, None, None, None).is_err());
    }

    #[test]
    fn platform_query() {
        let p: PlatformSpec = "linux/arm64/v8".parse().unwrap();
        assert_eq!(
            platform_json(&p),
            r#"{"architecture":"arm64","os":"linux","variant":"v8"}"#
        );
        assert_eq!(percent_encode(r#"{"a":"b"}"#), "%7B%22a%22%3A%22b%22%7D");
    }
}
