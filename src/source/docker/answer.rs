//! The answers peel reads whole (the `/version` probe, an inspect), never
//! past [`MAX_ANSWER_BYTES`].

use std::io;
use std::time::Duration;

use bollard::ClientVersion;
use bollard::errors::Error as BollardError;
use futures_util::StreamExt;

use super::api::{connect, with_path};
use super::plain_http;
use crate::source::engine::Endpoint;

/// The most an answer of the engine that peel reads whole may hold: the
/// `/version` probe and an inspect (a few KiB each, an image with a long
/// history a few hundred). A longer answer is refused, not buffered.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Why an answer could not be read whole.
pub enum Answer {
    /// The engine refused, or the connection broke.
    Engine(BollardError),
    /// Longer than [`MAX_ANSWER_BYTES`].
    TooLong,
    /// No whole answer within the time given.
    TimedOut,
}

/// The body of a GET of `path` (with its API prefix) whose whole answer
/// peel reads, within `limit`. Over a plain socket (`unix://`, `http://`)
/// peel speaks the HTTP itself, so that no answer, error answers included,
/// is kept past [`MAX_ANSWER_BYTES`]; over TLS through bollard's raw body
/// stream, which caps a success answer the same way (bollard reads an error
/// answer whole, within `limit`).
pub async fn read_answer(
    endpoint: &Endpoint,
    version: &ClientVersion,
    path: String,
    limit: Duration,
) -> Result<Vec<u8>, Answer> {
    if let Some(answer) = plain_http::get(endpoint, &path, limit) {
        return answer;
    }
    let client = connect(endpoint, version, limit.as_secs().max(1))
        .map_err(|e| {
            Answer::Engine(BollardError::IOError {
                err: io::Error::other(e.to_string()),
            })
        })?
        .with_request_modifier(move |req| with_path(req, &path));
    let read = async {
        let mut body = Vec::new();
        // The export call is only the carrier: the modifier names the path.
        let mut stream = client.export_image("answer");
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(Answer::Engine)?;
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Answer::TooLong);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(limit, read)
        .await
        .unwrap_or(Err(Answer::TimedOut))
}

pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, BollardError> {
    serde_json::from_slice(bytes).map_err(BollardError::from)
}
