//! The export stream (`GET /images/{name}/get`): forwarded chunk by chunk
//! from the engine thread to [`EngineReader`], the blocking [`Read`] the
//! archive reader reads.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::error::{EngineError, Failure, Received, chain, failed};
use super::session::Found;
use crate::source::engine::Endpoint;

/// How long the export may pause once it has started.
const STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Chunks in flight between the engine thread and the reader.
pub const CHANNEL_DEPTH: usize = 64;

/// A message from the engine thread to the reader.
pub enum Chunk {
    Data(Bytes),
    /// The stream failed; the error says how far it got.
    Failed(EngineError),
}

/// The blocking end of the export stream.
pub struct EngineReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    failure: FailureSlot,
}

/// Where [`EngineReader`] leaves the stream's failure for its owner.
pub type FailureSlot = Arc<Mutex<Option<EngineError>>>;

impl EngineReader {
    /// The reader of `rx`, and the slot it puts a failure of the stream in.
    pub fn new(rx: mpsc::Receiver<Chunk>) -> (Self, FailureSlot) {
        let failure = FailureSlot::default();
        let reader = EngineReader {
            rx,
            current: Bytes::new(),
            failure: failure.clone(),
        };
        (reader, failure)
    }
}

impl Read for EngineReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Chunk::Data(bytes)) => self.current = bytes,
                Some(Chunk::Failed(failure)) => {
                    let message = failure.to_string();
                    if let Ok(mut slot) = self.failure.lock() {
                        *slot = Some(failure);
                    }
                    return Err(io::Error::other(message));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// Forward the export's chunks to the reader.
pub async fn stream_export(
    client: &Docker,
    endpoint: &Endpoint,
    name: &str,
    found: &Found,
    chunk_tx: mpsc::Sender<Chunk>,
) {
    let mut stream = client.export_image(name);
    let mut received: u64 = 0;
    let at = endpoint.clone();
    let of = |bytes: u64| Received {
        bytes,
        total: found.size,
    };
    loop {
        let next = if received == 0 {
            // bollard's own timeout bounds the wait for the first answer.
            stream.next().await
        } else {
            match tokio::time::timeout(STALL_TIMEOUT, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    let _ = chunk_tx
                        .send(Chunk::Failed(
                            Failure::Stalled {
                                at,
                                secs: STALL_TIMEOUT.as_secs(),
                                received: of(received),
                            }
                            .into(),
                        ))
                        .await;
                    return;
                }
            }
        };
        let failure = match next {
            None => return,
            Some(Ok(bytes)) => {
                // An engine that fails after it started writes a JSON error
                // into the stream instead of tar.
                if let Some(message) = stream_error(&bytes) {
                    Failure::ReportedInStream {
                        at,
                        received: of(received),
                        message,
                    }
                    .into()
                } else {
                    received += bytes.len() as u64;
                    if chunk_tx.send(Chunk::Data(bytes)).await.is_err() {
                        return; // the reader has what it needs
                    }
                    continue;
                }
            }
            Some(Err(BollardError::DockerResponseServerError {
                status_code: 404,
                message,
            })) if received == 0 => Failure::ImageGone { at, message }.into(),
            Some(Err(e @ BollardError::DockerResponseServerError { .. })) if received == 0 => {
                failed(endpoint, "exporting the image", &e)
            }
            Some(Err(e)) if received == 0 => Failure::EndedBeforeAny {
                at,
                text: chain(&e),
            }
            .into(),
            Some(Err(e)) => Failure::EndedAfter {
                at,
                received: of(received),
                text: chain(&e),
            }
            .into(),
        };
        let _ = chunk_tx.send(Chunk::Failed(failure)).await;
        return;
    }
}

/// `{"errorDetail":{"message":...}}` written into an export stream.
fn stream_error(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(b"{\"error") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes.trim_ascii_end()).ok()?;
    value
        .get("errorDetail")
        .and_then(|d| d.get("message"))
        .or_else(|| value.get("error"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_errors_are_recognised() {
        assert_eq!(
            stream_error(br#"{"errorDetail":{"message":"boom"},"error":"boom"}"#).as_deref(),
            Some("boom")
        );
        assert_eq!(stream_error(b"manifest.json\0\0\0"), None);
    }
}
